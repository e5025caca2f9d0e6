"""Compose one outgoing email from plain data — pure, no I/O, so every header rule is testable.

The composer refuses any header value that could smuggle a second header (CR, LF or other
control characters), whatever the contact list check already did. It writes the MIME structure
directly as bytes: building ``EmailMessage`` objects parses every header and costs more than
sending. Parts shared by a whole batch (the programme) are encoded once with
``encode_attachment`` and reused; repeated headers are folded once.
"""

from __future__ import annotations

import binascii
import contextlib
import datetime as dt
import email.policy
import functools
import html
import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

import icalendar

from invite.core.addresses import ascii_domain
from invite.errors import InviteError
from invite.settings import Event, MailSettings
from invite.templates import RenderedMail

KINDS = ("invitation", "reminder", "confirmation")
# Line/paragraph separators count as line breaks for some mail clients.
_LINE_SEPARATORS = {"\u2028", "\u2029", "\x85"}


@dataclass(frozen=True)
class Attachment:
    """A file to attach to one message (letter, form, calendar entry)."""

    filename: str
    data: bytes
    mime_type: str = "application/pdf"


@dataclass(frozen=True)
class Recipient:
    name: str
    address: str


def check_header_value(field: str, value: str) -> str:
    """Return ``value`` or refuse it: a control character in a header is an injection attempt."""
    bad = [c for c in value if unicodedata.category(c) == "Cc" or c in _LINE_SEPARATORS]
    if bad:
        shown = ", ".join(f"U+{ord(c):04X}" for c in dict.fromkeys(bad))
        raise InviteError(
            f"Kopfzeile „{field}“ enthält Steuerzeichen ({shown}), z. B. einen Zeilenumbruch: "
            f"„{value.encode('unicode_escape').decode('ascii')[:80]}“. Bitte den Eintrag korrigieren."
        )
    return value


def mail_address(field: str, name: str, address: str) -> Address:
    """One mailbox with a display name; the email package quotes and encodes the name."""
    check_header_value(field, name)
    check_header_value(field, address)
    try:
        parsed = Address(addr_spec=address.strip())
    except (ValueError, IndexError) as exc:
        raise InviteError(
            f"Kopfzeile „{field}“: „{address}“ ist keine gültige Adresse ({exc})."
        ) from None
    if not parsed.username or not parsed.domain:
        raise InviteError(f"Kopfzeile „{field}“: „{address}“ ist keine gültige Adresse.")
    try:  # an encoded-word inside the address is forbidden (RFC 2047 5): punycode instead
        domain = ascii_domain(parsed.domain)
    except ValueError as exc:
        raise InviteError(
            f"Kopfzeile „{field}“: Die Domain von „{address}“ ist kein gültiger "
            f"internationaler Domainname ({exc})."
        ) from None
    return Address(display_name=name.strip(), username=parsed.username, domain=domain)


def envelope_address(address: str) -> tuple[str, bool]:
    """The SMTP envelope form of an address (IDNA 2008 domain) and whether it needs SMTPUTF8."""
    local, _, domain = address.strip().rpartition("@")
    with contextlib.suppress(ValueError):  # refused by IDNA: the server will say so
        domain = ascii_domain(domain)
    return f"{local}@{domain}", not local.isascii()


def domain_of(address: str) -> str:
    return envelope_address(address)[0].rpartition("@")[2].lower()


def new_message_id(kind: str, from_address: str) -> str:
    """``<invite.{kind}.{random}@{sender domain}>``: unique, and recognisably ours in replies."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    return f"<invite.{kind}.{secrets.token_hex(12)}@{domain_of(from_address)}>"


def bracketed_id(message_id: str) -> str:
    """A Message-ID as RFC 5322 msg-id (``<id@host>``): incoming IDs are stored bare, and
    mail clients only thread a reply whose In-Reply-To carries the angle brackets."""
    bare = message_id.strip().removeprefix("<").removesuffix(">").strip()
    return f"<{bare}>"


_MSG_ID = re.compile(r"<[!-;=?-~]{1,250}@[!-;=?-~]{1,250}>|<[!-;=?-~]{1,250}>")


def reply_reference(message_id: str | None) -> str | None:
    """The bracketed Message-ID of a received mail for In-Reply-To/References, or None when
    it is not a clean msg-id (control characters, spaces, non-ASCII, too long): a reply
    then goes out without the reference instead of failing on somebody else's header."""
    if not message_id or not message_id.strip():
        return None
    reference = bracketed_id(message_id)
    return reference if _MSG_ID.fullmatch(reference) else None


@dataclass(frozen=True)
class EncodedPart:
    """An attachment serialised once (MIME headers + base64 body, CRLF line ends); the same
    part may go into many messages: the programme is encoded once per batch, not per mail."""

    data: bytes


@dataclass(frozen=True)
class MailMessage:
    """A composed message as it goes over the wire (CRLF, 7-bit clean)."""

    data: bytes
    message_id: str

    def as_email(self) -> EmailMessage:
        """Parsed back with the standard library (for previews and tests)."""
        msg = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        return msg


_CRLF = b"\r\n"
# "=_" cannot occur in base64 or quoted-printable text, so these boundaries never collide.
_BOUNDARY = "=_invite_" + secrets.token_hex(8)


def _fold(name: str, value: str) -> bytes:
    """One header line, folded and RFC 2047/2231-encoded by the email package when needed."""
    if value.isascii() and len(name) + len(value) < 76:
        return f"{name}: {value}\r\n".encode("ascii")
    policy = email.policy.SMTP
    return policy.header_factory(name, value).fold(policy=policy).encode("ascii")


@functools.lru_cache(maxsize=512)
def _fold_fixed(name: str, value: str) -> bytes:
    """Headers that repeat across a batch are folded once (folding is the costly part)."""
    return _fold(name, value)


@functools.lru_cache(maxsize=64)
def _address_header(field: str, name: str, address: str) -> bytes:
    return _fold(field, str(mail_address(field, name, address)))


def _quoted_printable(text: str) -> bytes:
    body = binascii.b2a_qp(text.replace("\r\n", "\n").encode("utf-8"), istext=True)
    body = body.replace(b"\n", _CRLF)
    return body if body.endswith(_CRLF) else body + _CRLF


def encode_attachment(attachment: Attachment) -> EncodedPart:
    """Serialise an attachment part (base64 at C speed, RFC 2231 file name)."""
    check_header_value("Dateiname", attachment.filename)
    mime = attachment.mime_type
    if mime.startswith("text/"):
        mime += '; charset="utf-8"'
    head = (
        _fold_fixed("Content-Type", mime)
        + _fold_fixed("Content-Transfer-Encoding", "base64")
        + _fold_fixed(
            "Content-Disposition", f"attachment; filename={quote_param(attachment.filename)}"
        )
    )
    encoded = binascii.b2a_base64(attachment.data, newline=False)
    body = _CRLF.join([encoded[i : i + 76] for i in range(0, len(encoded), 76)]) + _CRLF
    return EncodedPart(head + _CRLF + body)


def quote_param(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _multipart(subtype: str, depth: int, parts: Sequence[bytes]) -> bytes:
    boundary = f"{_BOUNDARY}_{depth}"
    delimiter = b"--" + boundary.encode("ascii")
    out = [_fold_fixed("Content-Type", f'multipart/{subtype}; boundary="{boundary}"'), _CRLF]
    for part in parts:  # each part ends in CRLF; the next CRLF belongs to the delimiter
        out += [delimiter, _CRLF, part, _CRLF]
    out += [delimiter, b"--", _CRLF]
    return b"".join(out)


def compose(
    mail: MailSettings,
    recipient: Recipient,
    rendered: RenderedMail,
    *,
    message_id: str,
    date: dt.datetime,
    attachments: Sequence[Attachment | EncodedPart] = (),
    in_reply_to: str | None = None,
    language: str = "de",
) -> MailMessage:
    """Build the complete message for one recipient: headers, text + HTML, attachments."""
    head = [
        _address_header("From", mail.from_name, mail.from_address),
        _fold("To", str(mail_address("To", recipient.name, recipient.address))),
    ]
    if mail.reply_to and mail.reply_to.strip() != mail.from_address.strip():
        head.append(_address_header("Reply-To", "", mail.reply_to))
    head += [
        _fold("Subject", check_header_value("Subject", rendered.subject.strip())),
        _fold("Date", format_datetime(date)),
        _fold("Message-ID", check_header_value("Message-ID", message_id)),
    ]
    reply_id = reply_reference(in_reply_to)
    if reply_id:
        head.append(_fold("In-Reply-To", reply_id))
        head.append(_fold("References", reply_id))
    head += [
        _fold_fixed("Content-Language", "en" if language == "en" else "de"),
        _fold_fixed("Auto-Submitted", "auto-generated"),
        _fold_fixed("MIME-Version", "1.0"),
    ]
    # Quoted-printable keeps the message 7-bit clean for any relay, yet readable as source.
    text_head = _fold_fixed("Content-Transfer-Encoding", "quoted-printable") + _CRLF
    text = (
        _fold_fixed("Content-Type", 'text/plain; charset="utf-8"')
        + text_head
        + _quoted_printable(rendered.body)
    )
    html = (
        _fold_fixed("Content-Type", 'text/html; charset="utf-8"')
        + text_head
        + _quoted_printable(html_alternative(rendered.body, language))
    )
    body = _multipart("alternative", 1 if attachments else 0, [text, html])
    if attachments:
        parts = [
            a.data if isinstance(a, EncodedPart) else encode_attachment(a).data for a in attachments
        ]
        body = _multipart("mixed", 0, [body, *parts])
    return MailMessage(b"".join(head) + body, message_id)


# -- HTML alternative ----------------------------------------------------------------------

_URL = re.compile(r"(?:mailto:|https?://)[^\s<>\"]+")


def _link(url: str) -> str:
    """An ``<a>`` whose text is short: a mailto link shows its subject (``Zusage K7Q2M9XA``)."""
    label = url
    parts = urlsplit(url)
    if parts.scheme == "mailto":
        subject = parse_qs(parts.query).get("subject", [""])[0]
        label = subject or unquote(parts.path)
    return f'<a href="{html.escape(url, quote=True)}">{html.escape(label)}</a>'


def _html_line(line: str) -> str:
    indent = len(line) - len(line.lstrip(" "))
    out, pos = [], indent
    for match in _URL.finditer(line):
        out.append(html.escape(line[pos : match.start()]))
        out.append(_link(match.group(0)))
        pos = match.end()
    out.append(html.escape(line[pos:]))
    text = "".join(out)
    # Runs of spaces inside a line (aligned columns) survive as non-breaking spaces.
    text = re.sub(r" {2,}", lambda m: "&nbsp;" * len(m.group(0)), text)
    return "&nbsp;" * indent + text


def html_alternative(text: str, language: str = "de") -> str:
    """The same text as simple HTML: everything escaped, links clickable, nothing added."""
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", text.strip("\n")) if p.strip()]
    body = "\n".join(
        "<p>" + "<br>\n".join(_html_line(line) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )
    lang = "en" if language == "en" else "de"
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head><meta charset="utf-8"></head>\n'
        '<body style="font-family: Arial, Helvetica, sans-serif; font-size: 11pt;">\n'
        f"{body}\n</body>\n</html>\n"
    )


# -- calendar entry ------------------------------------------------------------------------


def calendar_entry(
    event: Event,
    *,
    uid: str,
    stamp: dt.datetime,
    organizer: Recipient,
    description: str = "",
) -> bytes:
    """An iCalendar file for the event; the UID is stable per invitee so updates replace it."""
    tz = ZoneInfo(event.timezone)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Stadt Münster//invite//DE")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    entry = icalendar.Event()
    entry.add("uid", uid)
    entry.add("dtstamp", stamp.astimezone(dt.UTC))
    entry.add("dtstart", event.start.replace(tzinfo=tz))
    entry.add("dtend", event.end.replace(tzinfo=tz))
    entry.add("summary", event.title)
    entry.add("location", f"{event.place}, {event.address}")
    if description:
        entry.add("description", description)
    entry.add("organizer", f"mailto:{organizer.address}", parameters={"CN": organizer.name})
    entry.add("sequence", 0)
    entry.add("transp", "OPAQUE")
    cal.add_component(_timezone(event.timezone, event.start.year))
    cal.add_component(entry)
    return cal.to_ical()


class CalendarEntries:
    """The event's calendar file for many invitees. The library builds it once per UID
    length; per invitee only the UID is swapped in (same length, so the same line folding)."""

    def __init__(
        self, event: Event, *, stamp: dt.datetime, organizer: Recipient, description: str = ""
    ) -> None:
        self.event = event
        self.stamp = stamp
        self.organizer = organizer
        self.description = description
        self._templates: dict[int, tuple[bytes, bytes]] = {}

    def _build(self, uid: str) -> bytes:
        return calendar_entry(
            self.event,
            uid=uid,
            stamp=self.stamp,
            organizer=self.organizer,
            description=self.description,
        )

    def for_uid(self, uid: str) -> bytes:
        raw = uid.encode("utf-8")
        if not uid.isascii():
            return self._build(uid)
        cached = self._templates.get(len(raw))
        if cached is None:
            placeholder = secrets.token_hex(len(raw))[: len(raw)]
            cached = (placeholder.encode("ascii"), self._build(placeholder))
            self._templates[len(raw)] = cached
        placeholder_bytes, template = cached
        if template.count(placeholder_bytes) != 1:  # folded across lines: build it fully
            return self._build(uid)
        return template.replace(placeholder_bytes, raw)


@functools.lru_cache(maxsize=4)
def _timezone(name: str, year: int) -> icalendar.Timezone:
    """A compact VTIMEZONE for the event's year (the library's generic one lists 70 years)."""
    zone = ZoneInfo(name)
    start = dt.datetime(year, 1, 1, tzinfo=zone)
    return icalendar.Timezone.from_tzinfo(
        zone, first_date=start.date(), last_date=dt.date(year, 12, 31)
    )


def calendar_uid(code: str, event: Event, from_address: str) -> str:
    return f"invite-{code.lower()}-{event.start:%Y%m%d}@{domain_of(from_address)}"
