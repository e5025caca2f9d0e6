"""Turn raw spreadsheet rows into checked invitees — pure, so every rule is easy to test.

All problems are collected, never raised one by one: staff fix the whole list in one go.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field, fields
from typing import Any

from invite.core.addresses import address_key
from invite.errors import Problem
from invite.workbook.spreadsheet import RawCell, RawSheet, column_index

# Canonical field -> accepted header spellings (compared after _norm_header), best first: when
# several columns match one field, the one with the earlier spelling wins. The German Outlook
# contact export ("Kommagetrennte Werte") is recognised by its business-address columns, which
# come first so that Outlook's own "Ort" (the office location, usually empty) does not win.
COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("nr", "nummer", "id", "no", "number", "lfdnr"),
    "salutation": ("anrede", "salutation", "formofaddress"),
    "title": ("titel", "title", "akademischertitel"),
    "first_name": ("vorname", "firstname", "givenname", "forename"),
    "last_name": ("nachname", "lastname", "surname", "familyname", "familienname"),
    "organisation": ("organisation", "organization", "verein", "institution", "org", "firma"),
    "street": (
        "straßegeschäftlich",
        "businessstreet",
        "straße",
        "strasse",
        "street",
        "adresse",
        "address",
        "straßeundhausnummer",
    ),
    "postcode": (
        "postleitzahlgeschäftlich",
        "businesspostalcode",
        "plz",
        "postleitzahl",
        "zip",
        "zipcode",
        "postcode",
        "postalcode",
    ),
    "city": ("ortgeschäftlich", "businesscity", "ort", "stadt", "city", "town", "wohnort"),
    "country": (
        "landregiongeschäftlich",
        "businesscountryregion",
        "land",
        "country",
        "staat",
    ),
    "email": ("email", "mail", "emailadresse", "emailaddress"),
    "channel": ("versand", "versandart", "channel", "delivery"),
    "language": ("sprache", "language", "lang"),
}
# Columns only a contact export from Outlook has (German and English Outlook).
OUTLOOK_MARKERS = (
    "emailangezeigtername",
    "straßegeschäftlich",
    "emaildisplayname",
    "businessstreet",
)
MAX_UNKNOWN_LISTED = 5
# The German header each field is known by in messages.
LABELS = {
    "number": "Nr.",
    "salutation": "Anrede",
    "title": "Titel",
    "first_name": "Vorname",
    "last_name": "Nachname",
    "organisation": "Organisation",
    "street": "Straße",
    "postcode": "PLZ",
    "city": "Ort",
    "country": "Land",
    "email": "E-Mail",
    "channel": "Versand",
    "language": "Sprache",
}
REQUIRED_COLUMNS = ("number", "last_name", "organisation", "email")

SALUTATIONS = {
    "frau": "Frau",
    "fr": "Frau",
    "ms": "Frau",
    "mrs": "Frau",
    "herr": "Herr",
    "herrn": "Herr",
    "hr": "Herr",
    "mr": "Herr",
    "divers": "divers",
    "d": "divers",
    "mx": "divers",
    "": "",
}
CHANNELS = {
    "email": "email",
    "mail": "email",
    "post": "post",
    "brief": "post",
    "letter": "post",
    "beides": "both",
    "both": "both",
    "emailundpost": "both",
}
LANGUAGES = {
    "": "de",
    "de": "de",
    "deutsch": "de",
    "german": "de",
    "en": "en",
    "englisch": "en",
    "english": "en",
}
# Bidi embedding/override/isolate controls: they can make a name display as something else.
MAX_FIELD_CHARS = 300
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Invisible characters (Unicode „Cf“) that slip in from web pages, PDFs and Word: they make
# „Müller“ and „Mül\u200bler“ two names and travel into letters and mail headers. Reported with
# row and column, never removed silently. Zero-width (non-)joiners are spelling in Persian,
# Indic scripts and emoji, so they stay allowed.
INVISIBLE_NAMES = {
    "\u00ad": "weiches Trennzeichen",
    "\u061c": "arabisches Richtungszeichen",
    "\u200b": "Leerzeichen ohne Breite",
    "\u200e": "Richtungszeichen links-nach-rechts",
    "\u200f": "Richtungszeichen rechts-nach-links",
    "\u2060": "Wortverbinder",
    "\ufeff": "Byte-Reihenfolge-Markierung (BOM)",
}
JOINERS = set("\u200c\u200d")
# The PLZ rule holds for German addresses: no country given, or Germany.
GERMANY = {"", "d", "de", "deu", "brd", "deutschland", "germany", "bundesrepublikdeutschland"}


@dataclass(frozen=True)
class Invitee:
    """One person or organisation to invite. ``number`` is the stable ID from the ``Nr.`` column."""

    number: str
    salutation: str = ""  # "Frau" | "Herr" | "divers" | ""
    title: str = ""
    first_name: str = ""
    last_name: str = ""
    organisation: str = ""
    street: str = ""
    postcode: str = ""
    city: str = ""
    country: str = ""  # empty: Germany; else printed as the last line of the address
    email: str = ""
    channel: str = "email"  # "email" | "post" | "both"
    language: str = "de"
    row: int = 0
    code: str = ""

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.title, self.first_name, self.last_name) if p)

    @property
    def display_name(self) -> str:
        """The name staff recognise: the person, else the organisation."""
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        return name or self.organisation

    @property
    def wants_email(self) -> bool:
        return self.channel in ("email", "both")

    @property
    def wants_post(self) -> bool:
        return self.channel in ("post", "both")


@dataclass
class ContactList:
    invitees: list[Invitee] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    notices: list[Problem] = field(default_factory=list)


def _norm_header(text: Any) -> str:
    value = unicodedata.normalize("NFC", str(text or "")).casefold()
    return re.sub(r"[\s.\-_/]+", "", value)


@functools.lru_cache(maxsize=1024)  # few distinct values ("Frau", "E-Mail", "de") in many rows
def _norm_key(text: str) -> str:
    return re.sub(r"[\s.\-_/]+", "", text.casefold())


HEADER_LOOKUP = {_norm_header(alias): key for key, aliases in COLUMNS.items() for alias in aliases}
HEADER_RANK: dict[str, int] = {}
for _aliases in COLUMNS.values():
    for _rank, _alias in enumerate(_aliases):
        HEADER_RANK.setdefault(_norm_header(_alias), _rank)
OUTLOOK_HEADERS = frozenset(_norm_header(m) for m in OUTLOOK_MARKERS)


def map_header(header: tuple[RawCell, ...]) -> tuple[dict[str, str], list[str]]:
    """Return canonical field -> column letter, plus header texts we did not recognise."""
    best: dict[str, tuple[int, str, str]] = {}  # field -> (rank, column, header text)
    unknown: list[str] = []
    for cell in header:
        if cell.value is None or not str(cell.value).strip():
            continue
        norm = _norm_header(cell.value)
        key = HEADER_LOOKUP.get(norm)
        if key is None:
            unknown.append(str(cell.value))
            continue
        rank = HEADER_RANK[norm]
        if key in best and best[key][0] <= rank:
            unknown.append(str(cell.value))
            continue
        if key in best:
            unknown.append(best[key][2])
        best[key] = (rank, cell.column, str(cell.value))
    return {key: column for key, (_rank, column, _text) in best.items()}, unknown


def _is_outlook_export(header: tuple[RawCell, ...]) -> bool:
    return any(_norm_header(c.value) in OUTLOOK_HEADERS for c in header if c.value)


def parse_contacts(sheet: RawSheet) -> ContactList:
    """Check every row and return the invitees with all errors and notices found."""
    result = ContactList()

    def problem(message: str, row: int | None = None, column: str | None = None) -> Problem:
        return Problem(sheet.file, message, sheet=sheet.sheet, row=row, column=column)

    for hidden in sheet.hidden_sheets:
        result.notices.append(problem(f"Ausgeblendetes Blatt „{hidden}“ wird nicht gelesen."))
    mapping, unknown = map_header(sheet.header)
    if len(unknown) > MAX_UNKNOWN_LISTED:
        listed = ", ".join(f"„{t}“" for t in unknown[:MAX_UNKNOWN_LISTED])
        result.notices.append(
            problem(
                f"{len(unknown)} Spalten sind unbekannt und werden nicht verwendet ({listed} …).",
                sheet.header_row,
            )
        )
    else:
        for text in unknown:
            result.notices.append(
                problem(
                    f"Spalte „{text}“ ist unbekannt und wird nicht verwendet.", sheet.header_row
                )
            )
    missing = [LABELS[k] for k in REQUIRED_COLUMNS if k not in mapping]
    lacking = [k for k in ("number", "channel") if k not in mapping]
    if missing and "number" in lacking and _is_outlook_export(sheet.header):
        how = {
            "number": "vorne eine Spalte „Nr.“ mit einer laufenden Nummer je Person (1, 2, 3 …)",
            "channel": "eine Spalte „Versand“ (E-Mail, Post oder beides)",
        }
        result.errors.append(
            problem(
                "Das ist ein Kontakt-Export aus Outlook; für die Einladung "
                + ("fehlen noch " if len(lacking) > 1 else "fehlt noch ")
                + " und ".join(f"die Spalte „{LABELS[k]}“" for k in lacking)
                + " – bitte die Datei in Excel öffnen, "
                + " und ".join(how[k] for k in lacking)
                + " einfügen und wieder speichern.",
                sheet.header_row,
            )
        )
        return result
    if missing:
        result.errors.append(
            problem(
                "Kopfzeile: Spalte(n) "
                + ", ".join(f"„{m}“" for m in missing)
                + " fehlen. Erwartet werden: "
                + ", ".join(LABELS.values()),
                sheet.header_row,
            )
        )
        return result
    for text in sheet.file_problems:
        result.errors.append(problem(text))
    for ref in sheet.merged_ranges:
        result.errors.append(
            problem(f"Verbundene Zellen ({ref}) – bitte die Verbindung aufheben.", column=ref)
        )

    seen_numbers: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    columns = [(key, column_index(column), LABELS[key]) for key, column in mapping.items()]
    formulas = sheet.formula_cells
    for row_number, cells in sheet.rows:
        width = len(cells)
        errors_before = len(result.errors)
        values: dict[str, str] = {}
        for key, index, label in columns:
            value = cells[index] if index < width else None
            formula = formulas.get((row_number, index)) if formulas else None
            text, message = _cell_text(value, formula)
            if message:
                result.errors.append(problem(message, row_number, label))
                text = ""
            values[key] = text
        invitee = _row_to_invitee(values, row_number, result, problem)
        if invitee is None or len(result.errors) > errors_before:
            continue
        if invitee.number in seen_numbers:
            result.errors.append(
                problem(
                    f"Nr. {invitee.number} kommt doppelt vor (auch in Zeile "
                    f"{seen_numbers[invitee.number]}).",
                    row_number,
                    "Nr.",
                )
            )
            continue
        seen_numbers[invitee.number] = row_number
        if invitee.email:
            key = address_key(invitee.email)
            if key in seen_emails:
                result.errors.append(
                    problem(
                        f"E-Mail-Adresse {invitee.email} kommt doppelt vor (auch in Zeile "
                        f"{seen_emails[key]}).",
                        row_number,
                        "E-Mail",
                    )
                )
                continue
            seen_emails[key] = row_number
        result.invitees.append(invitee)
    if not result.invitees and not result.errors:
        result.errors.append(problem("Die Liste enthält keine Kontakte (nur die Kopfzeile)."))
    return result


def _cell_text(value: Any, formula: str | None = None) -> tuple[str, str | None]:
    """Cell value as clean NFC text, or an error message for what must not be there."""
    if formula is not None:
        return "", f"Formel {formula[:40]!r} statt eines Wertes – bitte den Wert eintragen."
    if value is None or value == "":
        return "", None
    if type(value) is str and len(value) <= MAX_FIELD_CHARS and value.isprintable():
        # The common case, fast: printable excludes control, format (bidi) and line-break
        # characters, and every space but U+0020.
        if not unicodedata.is_normalized("NFC", value):
            value = unicodedata.normalize("NFC", value)
        text = value.strip()
        return (re.sub(" +", " ", text) if "  " in text else text), None
    if isinstance(value, bool):
        return "", "Wahrheitswert statt Text."
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        return "", "Datum/Uhrzeit statt Text – bitte die Zelle als Text formatieren."
    text = unicodedata.normalize("NFC", str(value)).strip()
    if len(text) > MAX_FIELD_CHARS:
        return "", f"Feld ist zu lang ({len(text)} Zeichen, höchstens {MAX_FIELD_CHARS})."
    if "\n" in text or "\r" in text:
        return "", "Zeilenumbruch im Feld – bitte in eine Zeile schreiben."
    for ch in text:
        if unicodedata.category(ch) == "Cc":
            return "", f"Steuerzeichen U+{ord(ch):04X} im Feld – bitte entfernen."
        if ch in BIDI_CONTROLS:
            return "", (
                f"Unsichtbares Richtungszeichen U+{ord(ch):04X} im Feld (kann den angezeigten "
                "Namen verfälschen) – bitte entfernen."
            )
    invisible = invisible_characters(text)
    if invisible:
        return "", invisible
    return re.sub(r"\s+", " ", text), None


def normalise_email(address: str) -> str:
    """The address as it is kept and sent; raises ``EmailNotValidError``.

    A domain typed in ASCII (also punycode) stays ASCII as typed, only lower-cased (the
    library would show punycode in Unicode); a domain typed with umlauts is kept as the library
    normalises it. Most addresses are plain ASCII ``name@domain``: their local part is checked
    here and each domain only once per list (10,000 rows share a few hundred domains), which
    makes checking a large list about five times faster.
    """
    from email_validator import validate_email  # heavy (≈ 40 ms): imported on first use

    local, at, domain = address.rpartition("@")
    if at and domain.isascii():
        if len(local) <= 64 and len(address) <= 254 and _DOT_ATOM.fullmatch(local):
            return local + "@" + _ascii_domain(domain)
        checked = validate_email(address, check_deliverability=False, allow_smtputf8=False)
        return f"{checked.local_part}@{checked.ascii_domain}"
    return validate_email(address, check_deliverability=False, allow_smtputf8=False).normalized


_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


@functools.lru_cache(maxsize=4096)
def _ascii_domain(domain: str) -> str:
    from email_validator import validate_email

    return validate_email(
        "x@" + domain, check_deliverability=False, allow_smtputf8=False
    ).ascii_domain


def invisible_characters(text: str) -> str | None:
    """A German message naming each invisible character in ``text`` and where it is, or
    ``None``. Nothing is removed: the person fixing the list sees what was there."""
    found = []
    for index, ch in enumerate(text):
        if ch in JOINERS or unicodedata.category(ch) != "Cf":
            continue
        name = INVISIBLE_NAMES.get(ch, "unsichtbares Formatzeichen")
        before = text[:index][-15:]
        where = f"nach „{before}“" if before else "am Anfang"
        found.append(f"U+{ord(ch):04X} ({name}) {where}")
    if not found:
        return None
    listed = "; ".join(found[:3]) + (f" und {len(found) - 3} weitere" if len(found) > 3 else "")
    return (
        f"Unsichtbare Zeichen im Feld: {listed} – sie kämen in Briefe und E-Mails; bitte die "
        "Zelle neu eintippen (nicht kopieren)."
    )


def is_german(country: str) -> bool:
    """No country given, or Germany in one of its usual spellings."""
    return _norm_key(country) in GERMANY


def _row_to_invitee(
    values: dict[str, str], row: int, result: ContactList, problem: Any
) -> Invitee | None:
    errors = result.errors
    raw_number = values.get("number", "")
    if not raw_number:
        errors.append(problem("Nr. fehlt.", row, "Nr."))
        return None
    if not re.fullmatch(r"[1-9][0-9]{0,8}", raw_number):
        errors.append(problem(f"Nr. „{raw_number}“ ist keine positive ganze Zahl.", row, "Nr."))
        return None

    salutation_raw = values.get("salutation", "")
    salutation = SALUTATIONS.get(_norm_key(salutation_raw))
    if salutation is None:
        errors.append(
            problem(
                f"Anrede „{salutation_raw}“ unbekannt: erlaubt sind Frau, Herr, divers oder leer.",
                row,
                "Anrede",
            )
        )
        salutation = ""

    email = values.get("email", "")
    if email:
        from email_validator import EmailNotValidError

        # Umlauts in the domain are fine (IDNA); before the @ most servers refuse them.
        try:
            email = normalise_email(email)
        except EmailNotValidError as exc:
            if not email.rpartition("@")[0].isascii():
                text = (
                    f"E-Mail-Adresse „{email}“: Umlaute vor dem @ kann der Mailserver meist "
                    "nicht zustellen – bitte die Schreibweise ohne Umlaute verwenden."
                )
            else:
                text = f"E-Mail-Adresse „{email}“ ist ungültig: {exc}"
            errors.append(problem(text, row, "E-Mail"))

    channel_raw = values.get("channel", "")
    if channel_raw:
        channel = CHANNELS.get(_norm_key(channel_raw))
        if channel is None:
            errors.append(
                problem(
                    f"Versand „{channel_raw}“ unbekannt: erlaubt sind E-Mail, Post oder beides.",
                    row,
                    "Versand",
                )
            )
            channel = "email"
    else:
        channel = "email" if email else "post"

    language_raw = values.get("language", "")
    language = LANGUAGES.get(_norm_key(language_raw))
    if language is None:
        if re.fullmatch(r"[A-Za-z]{2}", language_raw):
            language = language_raw.lower()
        else:
            errors.append(
                problem(f"Sprache „{language_raw}“ unbekannt: z. B. de oder en.", row, "Sprache")
            )
            language = "de"

    postcode = values.get("postcode", "")
    country = values.get("country", "")
    german = is_german(country)
    if german and re.fullmatch(r"[0-9]{4}", postcode):
        postcode = "0" + postcode  # Excel dropped the leading zero of a German PLZ
    if german and postcode and not re.fullmatch(r"[0-9]{5}", postcode):
        # Only a letter by post needs it: for email-only invitees it is a notice.
        (errors if channel in ("post", "both") else result.notices).append(
            problem(
                f"PLZ „{postcode}“ ist keine deutsche Postleitzahl (fünf Ziffern). Bei einer "
                "Anschrift im Ausland bitte das Land in der Spalte „Land“ angeben.",
                row,
                "PLZ",
            )
        )

    invitee = Invitee(
        number=raw_number,
        salutation=salutation,
        title=values.get("title", ""),
        first_name=values.get("first_name", ""),
        last_name=values.get("last_name", ""),
        organisation=values.get("organisation", ""),
        street=values.get("street", ""),
        postcode=postcode,
        city=values.get("city", ""),
        country="" if german else country,
        email=email,
        channel=channel,
        language=language,
        row=row,
    )
    if not invitee.last_name and not invitee.organisation:
        errors.append(problem("Weder Nachname noch Organisation angegeben.", row, "Nachname"))
    if invitee.wants_email and not invitee.email:
        errors.append(
            problem("E-Mail-Versand gewünscht, aber keine E-Mail-Adresse angegeben.", row, "E-Mail")
        )
    if invitee.wants_post:
        for key in ("street", "postcode", "city"):
            if not values.get(key):
                errors.append(
                    problem(
                        f"Postversand gewünscht, aber {LABELS[key]} fehlt.",
                        row,
                        LABELS[key],
                    )
                )
    return invitee


def invitee_fingerprint(invitee: Invitee) -> str:
    """Hash of everything the contact list says about an invitee except its row: the one
    fingerprint by which the store notices a changed row and the PDFs know they are out of
    date. An empty Land (Germany) leaves the hash as it was before the column existed."""
    shown = [
        f.name
        for f in fields(Invitee)
        if f.name not in ("row", "code") and (f.name != "country" or invitee.country)
    ]
    data = json.dumps([getattr(invitee, name) for name in shown])
    return hashlib.sha256(data.encode()).hexdigest()[:16]
