"""The fixed printed wording of letters and forms, one table per language.

Campaign data (names, offices, addresses, the city's name) comes from ``campaign.toml`` and is
printed as it stands in every language. What is fixed wording — the labels of the letterhead
column, the continuation header, the Anmeldeformular's labels, tooltips and instructions —
lives here, German and English side by side, so a translation is one look away and nothing is
scattered through the drawing code. German letterhead labels that a city words its own way
(„Ihr/e Ansprechpartnerinnen:“, „Mein Zeichen (bitte angeben)“, the accessibility label) come
from ``campaign.toml``; the English table has its own.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("de", "en")


@dataclass(frozen=True)
class Letterhead:
    """Labels of the Randspalte and of the continuation pages' header."""

    contacts_heading: str  # empty: the campaign's own („Ihr/e Ansprechpartnerinnen:“)
    reference_label: str  # empty: the campaign's own („Mein Zeichen (bitte angeben)“)
    accessibility_label: str  # empty: the campaign's own
    room: str
    phone: str
    fax: str
    page: str
    invitation_to: str  # PDF metadata: „Einladung an …“


@dataclass(frozen=True)
class FormWording:
    """Everything printed on the Anmeldeformular, its field tooltips and return instructions."""

    document: str  # PDF title prefix
    title: str
    invited: str
    answer: str
    yes: str
    no: str
    persons: str
    names: str
    names_hint: str
    email: str
    phone: str
    remarks: str
    code: str
    code_field: str
    # Tooltips (/TU): what a screen reader announces for each field.
    tip_yes: str
    tip_no: str
    tip_persons: str
    tip_names: str
    tip_email: str
    tip_phone: str
    tip_remarks: str
    tip_code: str
    # Return instructions; placeholders: {deadline} {reply_to} {fax} {office} {name} {phone}.
    return_heading: str
    return_text: str


LETTERHEAD = {
    "de": Letterhead(
        contacts_heading="",
        reference_label="",
        accessibility_label="",
        room="Zimmer",
        phone="Telefon",
        fax="Fax",
        page="Seite",
        invitation_to="Einladung an",
    ),
    "en": Letterhead(
        contacts_heading="Your contacts:",
        reference_label="Our reference (please quote)",
        accessibility_label="Service for people with disabilities:",
        room="Room",
        phone="Phone",
        fax="Fax",
        page="Page",
        invitation_to="Invitation to",
    ),
}

FORM = {
    "de": FormWording(
        document="Anmeldeformular",
        title="Anmeldung",
        invited="Eingeladen:",
        answer="Teilnahme",
        yes="Ja, ich nehme / wir nehmen teil.",
        no="Nein, ich kann / wir können leider nicht teilnehmen.",
        persons="Anzahl Personen",
        names="Namen der Teilnehmenden",
        names_hint="(eine Person je Zeile)",
        email="E-Mail",
        phone="Telefon",
        remarks="Bemerkungen (z. B. Barrierefreiheit, Dolmetschen, Ernährung)",
        code="Ihr Anmeldecode",
        code_field="Formular-Code",
        tip_yes="Teilnahme: Ja, ich nehme / wir nehmen teil.",
        tip_no="Teilnahme: Nein, ich kann / wir können leider nicht teilnehmen.",
        tip_persons="Anzahl Personen, die teilnehmen (als Zahl)",
        tip_names="Namen der Teilnehmenden, eine Person je Zeile",
        tip_email="E-Mail-Adresse für Rückfragen",
        tip_phone="Telefonnummer für Rückfragen",
        tip_remarks="Bemerkungen, zum Beispiel Barrierefreiheit, Dolmetschen oder Ernährung",
        tip_code="Ihr Anmeldecode (nicht ändern)",
        return_heading="Bitte senden Sie dieses Formular bis zum {deadline} zurück:",
        return_text=(
            "• per E-Mail an {reply_to} – das ausgefüllte PDF als Anhang, ein Foto oder ein "
            "Scan genügt –\n"
            "• oder per Fax an {fax} ({office}).\n"
            "Rückfragen: {name}, Telefon {phone}."
        ),
    ),
    "en": FormWording(
        document="Registration form",
        title="Registration",
        invited="Invited:",
        answer="Attendance",
        yes="Yes, I / we will attend.",
        no="No, I / we cannot attend, unfortunately.",
        persons="Number of persons",
        names="Names of the participants",
        names_hint="(one person per line)",
        email="Email",
        phone="Phone",
        remarks="Remarks (e.g. accessibility, interpreting, dietary needs)",
        code="Your registration code",
        code_field="Form code",
        tip_yes="Attendance: Yes, I / we will attend.",
        tip_no="Attendance: No, I / we cannot attend.",
        tip_persons="Number of persons attending (a number)",
        tip_names="Names of the participants, one person per line",
        tip_email="Email address for questions",
        tip_phone="Phone number for questions",
        tip_remarks="Remarks, for example accessibility, interpreting or dietary needs",
        tip_code="Your registration code (do not change)",
        return_heading="Please return this form by {deadline}:",
        return_text=(
            "• by email to {reply_to} – the completed PDF as an attachment; a photo or a "
            "scan is fine –\n"
            "• or by fax to {fax} ({office}).\n"
            "Questions: {name}, phone {phone}."
        ),
    ),
}


def language_of(code: str) -> str:
    """The printed language for an invitee's ``Sprache``: English or else German."""
    return code if code in LANGUAGES else "de"


def letterhead(language: str) -> Letterhead:
    return LETTERHEAD[language_of(language)]


def form_wording(language: str) -> FormWording:
    return FORM[language_of(language)]
