"""Staff-edited Jinja2 templates, rendered in a sandbox with strict placeholders.

A typo in a placeholder must be an error naming file and line, never an empty gap in 300
letters. Templates live in ``<campaign>/templates/<language>/``; German is the fallback.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from babel.dates import format_date
from jinja2 import (
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
)
from jinja2.sandbox import SandboxedEnvironment

from invite.core.codes import format_code
from invite.core.contacts import Invitee
from invite.core.salutation import address_block, recipient_line, salutation
from invite.errors import ConfigError
from invite.settings import Settings

DEFAULT_LANGUAGE = "de"
TEMPLATE_NAMES = ("letter", "email", "reminder", "confirmation", "reminder_letter")
# Printed templates (rendered as letter text); the others are mails with a subject line.
LETTER_TEMPLATES = ("letter", "reminder_letter")
SUBJECT_PREFIX = "Betreff:"


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    body: str


class Templates:
    """Loads each template once per process; ``render`` turns errors into German messages."""

    def __init__(self, campaign_dir: Path) -> None:
        self.root = campaign_dir / "templates"
        self.env = SandboxedEnvironment(
            loader=FileSystemLoader(self.root),
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def languages(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir())

    def resolve_language(self, language: str, name: str) -> str:
        """The invitee's language if its template exists, else German."""
        if (self.root / language / f"{name}.txt.j2").is_file():
            return language
        return DEFAULT_LANGUAGE

    def render(self, name: str, language: str, context: dict[str, Any]) -> str:
        language = self.resolve_language(language, name)
        rel = f"{language}/{name}.txt.j2"
        try:
            return self.env.get_template(rel).render(context).strip() + "\n"
        except TemplateNotFound:
            raise ConfigError(f"Vorlage „{self.root / rel}“ fehlt.") from None
        except TemplateSyntaxError as exc:
            raise ConfigError(
                f"{self.root / rel}, Zeile {exc.lineno}: Fehler in der Vorlage: {exc.message}"
            ) from None
        except UndefinedError as exc:
            raise ConfigError(
                f"{self.root / rel}{_line_of(exc)}: unbekannter Platzhalter ({_undefined(exc)})."
            ) from None
        except TemplateError as exc:
            raise ConfigError(
                f"{self.root / rel}{_line_of(exc)}: Fehler in der Vorlage: {exc}"
            ) from None
        except Exception as exc:  # e.g. {{ event.title + 1 }}: a TypeError at render time
            raise ConfigError(
                f"{self.root / rel}{_line_of(exc)}: Fehler in der Vorlage "
                f"({type(exc).__name__}: {exc})"
            ) from None

    def render_mail(self, name: str, language: str, context: dict[str, Any]) -> RenderedMail:
        """Render a mail template whose first line is ``Betreff: …``."""
        text = self.render(name, language, context)
        first, _, body = text.partition("\n")
        if not first.startswith(SUBJECT_PREFIX):
            lang = self.resolve_language(language, name)
            raise ConfigError(
                f"{self.root / lang / (name + '.txt.j2')}, Zeile 1: Die erste Zeile muss mit "
                f"„{SUBJECT_PREFIX}“ beginnen."
            )
        return RenderedMail(subject=first[len(SUBJECT_PREFIX) :].strip(), body=body.lstrip("\n"))


def _line_of(exc: Exception) -> str:
    """Find the template line in the traceback of a render-time error."""
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".j2"):
            line = tb.tb_lineno
        tb = tb.tb_next
    return f", Zeile {line}" if line else ""


def _undefined(exc: UndefinedError) -> str:
    text = str(exc.message or exc)
    if m := re.search(r"'([^']+)' is undefined", text):
        return f"„{m.group(1)}“ gibt es nicht"
    if m := re.search(r"has no attribute '([^']+)'", text):
        return f"Feld „{m.group(1)}“ gibt es nicht"
    return text


def event_context(settings: Settings, language: str) -> dict[str, str]:
    """Event facts formatted for the reader's language by babel, not by hand-made tables."""
    event = settings.event
    locale = "en_GB" if language == "en" else "de_DE"
    start, end = event.start, event.end
    if language == "en":
        date_long = format_date(start.date(), "EEEE, d MMMM y", locale=locale)
        time_range = f"{start:%H:%M} to {end:%H:%M}"
        deadline = format_date(event.rsvp_deadline, "d MMMM y", locale=locale)
    else:
        date_long = format_date(start.date(), "EEEE, 'den' d.M.y", locale=locale)
        time_range = _hours(start) + "-" + _hours(end) + " Uhr"
        deadline = format_date(event.rsvp_deadline, "d.M.y", locale=locale)
    return {
        "title": event.title,
        "short_title": event.short_title,
        "date": format_date(start.date(), "d.M.y", locale="de_DE"),
        "date_long": date_long,
        "weekday": format_date(start.date(), "EEEE", locale=locale),
        "time_range": time_range,
        "place": event.place,
        "address": event.address,
        "deadline": deadline,
    }


def letter_date(settings: Settings, language: str) -> str:
    """The invitation letter's date, so a reminder can refer to it („Schreiben vom …“)."""
    if language == "en":
        return format_date(settings.letter.date, "d MMMM y", locale="en_GB")
    return format_date(settings.letter.date, "d.M.y", locale="de_DE")


def _hours(moment: dt.datetime) -> str:
    return f"{moment.hour}" if moment.minute == 0 else f"{moment.hour}.{moment.minute:02d}"


def answer_links(settings: Settings, invitee: Invitee) -> dict[str, str]:
    """One-click ``mailto:`` answers whose subject the inbox reads without doubt."""
    code = invitee.code
    to = settings.mail.reply_to
    yes_body = (
        f"Ich nehme teil. Anmeldecode: {format_code(code)}\r\n"
        "Anzahl Personen: 1\r\nNamen der Teilnehmenden: " + invitee.display_name + "\r\n"
    )
    no_body = f"Ich kann leider nicht teilnehmen. Anmeldecode: {format_code(code)}\r\n"

    def link(subject: str, body: str) -> str:
        return f"mailto:{to}?subject={quote(subject)}&body={quote(body)}"

    return {"yes": link(f"Zusage {code}", yes_body), "no": link(f"Absage {code}", no_body)}


def template_context(settings: Settings, invitee: Invitee, **extra: Any) -> dict[str, Any]:
    """Everything a template may use for one invitee."""
    language = invitee.language if invitee.language in ("de", "en") else DEFAULT_LANGUAGE
    return {
        "invitee": invitee,
        "salutation": salutation(invitee, language),
        "recipient": recipient_line(invitee),
        "address": address_block(invitee),
        "code": invitee.code,
        "code_display": format_code(invitee.code) if invitee.code else "",
        "event": event_context(settings, language),
        "letter_date": letter_date(settings, language),
        "sender": settings.sender,
        "letter": settings.letter,
        "mail": settings.mail,
        "programme": settings.programme,
        "links": answer_links(settings, invitee),
        "language": language,
        **extra,
    }
