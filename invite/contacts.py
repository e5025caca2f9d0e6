"""Turn raw spreadsheet rows into checked invitees — pure, so every rule is easy to test.

All problems are collected, never raised one by one: staff fix the whole list in one go.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from email_validator import EmailNotValidError, validate_email

from invite.addresses import address_key
from invite.errors import Problem
from invite.spreadsheet import RawCell, RawSheet

# Canonical field -> accepted header spellings (compared after _norm_header).
COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("nr", "nummer", "id", "no", "number", "lfdnr"),
    "salutation": ("anrede", "salutation", "formofaddress"),
    "title": ("titel", "title", "akademischertitel"),
    "first_name": ("vorname", "firstname", "givenname", "forename"),
    "last_name": ("nachname", "lastname", "surname", "familyname", "familienname"),
    "organisation": ("organisation", "organization", "verein", "institution", "org"),
    "street": ("straße", "strasse", "street", "adresse", "address", "straßeundhausnummer"),
    "postcode": ("plz", "postleitzahl", "zip", "zipcode", "postcode", "postalcode"),
    "city": ("ort", "stadt", "city", "town", "wohnort"),
    "email": ("email", "mail", "emailadresse", "emailaddress"),
    "channel": ("versand", "versandart", "channel", "delivery"),
    "language": ("sprache", "language", "lang"),
}
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


def _norm_key(text: str) -> str:
    return re.sub(r"[\s.\-_/]+", "", text.casefold())


HEADER_LOOKUP = {_norm_header(alias): key for key, aliases in COLUMNS.items() for alias in aliases}


def map_header(header: tuple[RawCell, ...]) -> tuple[dict[str, str], list[str]]:
    """Return canonical field -> column letter, plus header texts we did not recognise."""
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    for cell in header:
        if cell.value is None or not str(cell.value).strip():
            continue
        key = HEADER_LOOKUP.get(_norm_header(cell.value))
        if key and key not in mapping:
            mapping[key] = cell.column
        else:
            unknown.append(str(cell.value))
    return mapping, unknown


def parse_contacts(sheet: RawSheet) -> ContactList:
    """Check every row and return the invitees with all errors and notices found."""
    result = ContactList()

    def problem(message: str, row: int | None = None, column: str | None = None) -> Problem:
        return Problem(sheet.file, message, sheet=sheet.sheet, row=row, column=column)

    for hidden in sheet.hidden_sheets:
        result.notices.append(problem(f"Ausgeblendetes Blatt „{hidden}“ wird nicht gelesen."))
    mapping, unknown = map_header(sheet.header)
    for text in unknown:
        result.notices.append(
            problem(f"Spalte „{text}“ ist unbekannt und wird nicht verwendet.", sheet.header_row)
        )
    missing = [LABELS[k] for k in REQUIRED_COLUMNS if k not in mapping]
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
    for row_number, cells in sheet.rows:
        by_column = {c.column: c for c in cells}
        errors_before = len(result.errors)
        values: dict[str, str] = {}
        for key, column in mapping.items():
            cell = by_column.get(column)
            label = LABELS[key]
            text, message = _cell_text(cell)
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


def _cell_text(cell: RawCell | None) -> tuple[str, str | None]:
    """Cell value as clean NFC text, or an error message for what must not be there."""
    if cell is None or cell.value is None:
        return "", None
    if cell.is_formula:
        return "", f"Formel {str(cell.value)[:40]!r} statt eines Wertes – bitte den Wert eintragen."
    value = cell.value
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
    return re.sub(r"\s+", " ", text), None


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
        # Umlauts in the domain are fine (IDNA); before the @ most servers refuse them.
        try:
            checked = validate_email(email, check_deliverability=False, allow_smtputf8=False)
            # A domain typed in punycode stays as typed (the library would show it in Unicode).
            typed_ascii = email.rpartition("@")[2].isascii()
            email = (
                f"{checked.local_part}@{checked.ascii_domain}"
                if typed_ascii
                else checked.normalized
            )
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
    if re.fullmatch(r"[0-9]{4}", postcode):
        postcode = "0" + postcode  # Excel dropped the leading zero of a German PLZ

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
