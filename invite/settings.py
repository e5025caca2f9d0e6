"""Campaign settings: one TOML file in the campaign folder, checked once, then plain data.

Mail server keys may be overridden from the environment (``INVITE_SMTP_HOST`` …);
passwords exist only in the environment or an interactive prompt, never in a file. With
``auth = "oauth2"`` a ``token_command`` prints the access token instead (see docs/oauth2.md).
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from invite.errors import ConfigError

SETTINGS_FILE = "campaign.toml"
T = TypeVar("T")
SECURITY_MODES = ("none", "starttls", "ssl")
AUTH_MODES = ("password", "oauth2")
TOKEN_TIMEOUT = 60.0  # seconds a token_command may take (it may refresh over the network)


@dataclass(frozen=True)
class ContactPerson:
    office: str
    name: str
    room: str
    phone: str
    fax: str
    email: str


@dataclass(frozen=True)
class GeneralContact:
    heading: str
    phone: str
    fax: str
    email: str
    web: str
    accessibility_label: str
    accessibility: str


@dataclass(frozen=True)
class Sender:
    organisation: str
    office: str
    return_address: str
    address: tuple[str, ...]
    place: str
    contacts_heading: str
    contacts: tuple[ContactPerson, ...]
    general: GeneralContact


@dataclass(frozen=True)
class LetterSettings:
    reference_label: str
    reference: str
    date: dt.date
    subject: str
    closing: str
    signatory: str
    signatory_title: str
    signature_image: Path
    font: Path | None
    font_bold: Path | None


@dataclass(frozen=True)
class Event:
    title: str
    short_title: str
    start: dt.datetime
    end: dt.datetime
    timezone: str
    place: str
    address: str
    rsvp_deadline: dt.date
    capacity: int


@dataclass(frozen=True)
class ProgrammeItem:
    time: str
    item: str
    detail: str


@dataclass(frozen=True)
class MailSettings:
    from_name: str
    from_address: str
    reply_to: str
    rate_per_minute: float
    save_copy_to_sent: bool
    sent_folder: str
    send_confirmation: bool


@dataclass(frozen=True)
class ServerSettings:
    """Where and how to reach a mail server. ``password`` is filled from the environment only;
    with ``auth == "oauth2"`` there is none: ``token_command`` prints the access token."""

    host: str
    port: int
    security: str
    user: str
    cafile: Path | None
    timeout: float
    password: str | None = field(default=None, repr=False)
    folder: str = "INBOX"
    matched_folder: str = "Anmeldungen/zugeordnet"
    review_folder: str = "Anmeldungen/prüfen"
    auth: str = "password"
    token_command: str = ""
    token_timeout: float = TOKEN_TIMEOUT
    # [imap] only: the authserv-id of the own receiving server's Authentication-Results
    # (RFC 8601); empty: those headers are ignored.
    trusted_authserv_id: str = ""
    # [imap] only: overall limits in seconds, so a slow or trickling server cannot hold
    # ``poll`` and the data-folder lock for long.
    message_deadline: float = 120.0
    run_deadline: float = 600.0


@dataclass(frozen=True)
class Settings:
    campaign_dir: Path
    file: Path
    sender: Sender
    letter: LetterSettings
    event: Event
    programme: tuple[ProgrammeItem, ...]
    mail: MailSettings
    smtp: ServerSettings
    imap: ServerSettings


class _Table:
    """A TOML table with its dotted path, so every error can name the exact key."""

    def __init__(self, data: Mapping[str, Any], path: str, file: Path) -> None:
        self.data, self.path, self.file = data, path, file

    def _key(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, expected: str) -> ConfigError:
        found = self.data.get(key, None)
        shown = "fehlt" if key not in self.data else f"gefunden: {found!r}"
        return ConfigError(
            f"{self.file}: Schlüssel „{self._key(key)}“: erwartet {expected} ({shown})."
        )

    def table(self, key: str) -> _Table:
        value = self.data.get(key)
        if not isinstance(value, dict):
            raise self.fail(key, "eine Tabelle [" + self._key(key) + "]")
        return _Table(value, self._key(key), self.file)

    def tables(self, key: str) -> list[_Table]:
        value = self.data.get(key)
        if not value or not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(key, "mindestens eine Tabelle [[" + self._key(key) + "]]")
        return [_Table(v, f"{self._key(key)}[{i + 1}]", self.file) for i, v in enumerate(value)]

    def text(self, key: str, *, required: bool = True, default: str = "") -> str:
        if key not in self.data and not required:
            return default
        value = self.data.get(key)
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(key, "einen nicht leeren Text" if required else "einen Text")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise self.fail(key, 'eine Liste von Texten, z. B. ["Zeile 1", "Zeile 2"]')
        return tuple(value)

    def date(self, key: str) -> dt.date:
        value = self.data.get(key)
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise self.fail(key, "ein Datum ohne Anführungszeichen, z. B. 2019-01-27")
        return value

    def datetime(self, key: str) -> dt.datetime:
        value = self.data.get(key)
        if not isinstance(value, dt.datetime):
            raise self.fail(
                key, "Datum und Uhrzeit ohne Anführungszeichen, z. B. 2019-01-31T17:00:00"
            )
        return value

    def integer(self, key: str, *, minimum: int = 0, default: int | None = None) -> int:
        if key not in self.data and default is not None:
            return default
        value = self.data.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise self.fail(key, f"eine ganze Zahl ab {minimum}")
        return value

    def number(self, key: str, *, default: float) -> float:
        value = self.data.get(key, default)
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise self.fail(key, "eine Zahl ab 0")
        return float(value)

    def flag(self, key: str, *, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, "true oder false")
        return value

    def choice(self, key: str, choices: tuple[str, ...]) -> str:
        value = self.data.get(key)
        if value not in choices:
            raise self.fail(key, "einen der Werte " + ", ".join(f"„{c}“" for c in choices))
        return value

    def file_path(self, key: str, base: Path, *, required: bool) -> Path | None:
        value = self.text(key, required=required)
        if not value:
            return None
        path = (base / value).expanduser()
        if not path.is_file():
            raise ConfigError(
                f"{self.file}: Schlüssel „{self._key(key)}“: Datei „{path}“ nicht gefunden."
            )
        return path


def load_settings(campaign_dir: Path, environ: Mapping[str, str] | None = None) -> Settings:
    """Read and check ``campaign.toml``; raise ConfigError naming file and key on any mistake."""
    environ = os.environ if environ is None else environ
    file = campaign_dir / SETTINGS_FILE
    if not campaign_dir.is_dir():
        raise ConfigError(
            f"Kampagnenordner „{campaign_dir}“ nicht gefunden. "
            "Mit „invite init ORDNER“ legen Sie einen neuen an, oder geben Sie --campaign an."
        )
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"Einstellungsdatei „{file}“ fehlt.") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{file}: Die Datei ist nicht in UTF-8 gespeichert.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: Die Datei ist kein gültiges TOML: {exc}") from None

    root = _Table(raw, "", file)
    sender_t = root.table("sender")
    general_t = sender_t.table("general")
    sender = Sender(
        organisation=sender_t.text("organisation"),
        office=sender_t.text("office"),
        return_address=sender_t.text("return_address"),
        address=sender_t.texts("address"),
        place=sender_t.text("place"),
        contacts_heading=sender_t.text("contacts_heading"),
        contacts=tuple(_texts_of(ContactPerson, t) for t in sender_t.tables("contacts")),
        general=_texts_of(GeneralContact, general_t),
    )
    letter_t = root.table("letter")
    letter = LetterSettings(
        reference_label=letter_t.text("reference_label"),
        reference=letter_t.text("reference"),
        date=letter_t.date("date"),
        subject=letter_t.text("subject"),
        closing=letter_t.text("closing"),
        signatory=letter_t.text("signatory"),
        signatory_title=letter_t.text("signatory_title"),
        signature_image=letter_t.file_path("signature_image", campaign_dir, required=True),  # type: ignore[arg-type]
        font=letter_t.file_path("font", campaign_dir, required=False),
        font_bold=letter_t.file_path("font_bold", campaign_dir, required=False),
    )
    if (letter.font is None) != (letter.font_bold is None):
        raise letter_t.fail("font_bold", "beide Schriften (font und font_bold) oder keine")
    event_t = root.table("event")
    event = Event(
        title=event_t.text("title"),
        short_title=event_t.text("short_title"),
        start=event_t.datetime("start"),
        end=event_t.datetime("end"),
        timezone=_timezone(event_t),
        place=event_t.text("place"),
        address=event_t.text("address"),
        rsvp_deadline=event_t.date("rsvp_deadline"),
        capacity=event_t.integer("capacity", minimum=0, default=0),
    )
    if event.end <= event.start:
        raise event_t.fail("end", "einen Zeitpunkt nach „event.start“")
    programme = tuple(
        ProgrammeItem(
            time=t.text("time"), item=t.text("item"), detail=t.text("detail", required=False)
        )
        for t in root.tables("programme")
    )
    mail_t = root.table("mail")
    mail = MailSettings(
        from_name=mail_t.text("from_name"),
        from_address=mail_t.text("from_address"),
        reply_to=mail_t.text("reply_to"),
        rate_per_minute=mail_t.number("rate_per_minute", default=0),
        save_copy_to_sent=mail_t.flag("save_copy_to_sent", default=False),
        sent_folder=mail_t.text("sent_folder", required=False, default="Sent"),
        send_confirmation=mail_t.flag("send_confirmation", default=False),
    )
    return Settings(
        campaign_dir=campaign_dir,
        file=file,
        sender=sender,
        letter=letter,
        event=event,
        programme=programme,
        mail=mail,
        smtp=_server(root, "smtp", campaign_dir, environ),
        imap=_server(root, "imap", campaign_dir, environ),
    )


def _texts_of(record: type[T], table: _Table) -> T:
    """A dataclass of required texts, each read (and checked) under its own field name."""
    return record(**{f.name: table.text(f.name) for f in fields(record)})  # type: ignore[arg-type]  # T is always a dataclass; TypeVar cannot be bound to one


def _timezone(table: _Table) -> str:
    name = table.text("timezone")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise table.fail("timezone", "eine Zeitzone wie „Europe/Berlin“") from None
    return name


def _server(root: _Table, name: str, base: Path, environ: Mapping[str, str]) -> ServerSettings:
    """Merge one [smtp]/[imap] table with its INVITE_<NAME>_* environment overrides."""
    table = root.data.get(name)
    if not isinstance(table, dict):
        raise root.fail(name, f"eine Tabelle [{name}]")
    raw = dict(table)
    prefix = f"INVITE_{name.upper()}_"
    env_keys = ["host", "port", "security", "user", "cafile", "auth", "token_command"]
    if name == "imap":
        env_keys.append("folder")
    for key in env_keys:
        value = environ.get(prefix + key.upper())
        if value is None:
            continue
        if key == "port":
            if not value.strip().isdigit():
                raise ConfigError(
                    f"Umgebungsvariable {prefix}PORT: erwartet eine Portnummer (gefunden: {value!r})."
                )
            raw[key] = int(value)
        else:
            raw[key] = value.strip()
    t = _Table(raw, name, root.file)
    if "password" in raw:
        raise ConfigError(
            f"{root.file}: Schlüssel „{name}.password“: Passwörter gehören nicht in Dateien. "
            f"Entfernen Sie ihn und setzen Sie {prefix}PASSWORD oder lassen Sie sich fragen."
        )
    port = t.integer("port", minimum=1)
    if port > 65535:
        raise t.fail("port", "eine Portnummer von 1 bis 65535")
    cafile = t.text("cafile", required=False)
    cafile_path = (base / cafile).expanduser() if cafile else None
    if cafile_path is not None and not cafile_path.is_file():
        raise ConfigError(
            f"{root.file}: Schlüssel „{name}.cafile“: Datei „{cafile_path}“ nicht gefunden."
        )
    auth, token_command = _login_method(t, environ, prefix)
    return ServerSettings(
        host=t.text("host"),
        port=port,
        security=t.choice("security", SECURITY_MODES),
        user=t.text("user", required=auth == "oauth2"),
        cafile=cafile_path,
        timeout=t.number("timeout", default=30) or 30.0,
        password=environ.get(prefix + "PASSWORD") if auth == "password" else None,
        auth=auth,
        token_command=token_command,
        token_timeout=t.number("token_timeout", default=TOKEN_TIMEOUT) or TOKEN_TIMEOUT,
        folder=t.text("folder", required=False, default="INBOX"),
        matched_folder=t.text("matched_folder", required=False, default="Anmeldungen/zugeordnet"),
        review_folder=t.text("review_folder", required=False, default="Anmeldungen/prüfen"),
        trusted_authserv_id=t.text("trusted_authserv_id", required=False, default="").lower(),
        message_deadline=t.number("message_deadline", default=120) or 120.0,
        run_deadline=t.number("run_deadline", default=600) or 600.0,
    )


def _login_method(t: _Table, environ: Mapping[str, str], prefix: str) -> tuple[str, str]:
    """``auth`` (password | oauth2) and its ``token_command``; contradictions are errors."""
    auth = t.choice("auth", AUTH_MODES) if "auth" in t.data else "password"
    command = t.text("token_command", required=False).strip()
    if auth == "oauth2":
        if not command:
            raise t.fail(
                "token_command",
                'für auth = "oauth2" einen Befehl, der den Zugangsschlüssel ausgibt, '
                'z. B. "oama access einladung@stadt.de"',
            )
        if (environ.get(prefix + "PASSWORD") or "").strip():
            raise ConfigError(
                f'{t.file}: [{t.path}] auth = "oauth2" meldet sich mit einem Zugangsschlüssel '
                f"aus token_command an, aber die Umgebungsvariable {prefix}PASSWORD ist auch "
                f'gesetzt. Bitte {prefix}PASSWORD entfernen – oder auth = "password" eintragen.'
            )
    elif command:
        raise t.fail(
            "auth",
            'auth = "oauth2", wenn token_command gesetzt ist (sonst token_command entfernen)',
        )
    return auth, command
