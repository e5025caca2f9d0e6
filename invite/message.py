"""Compose one outgoing email from plain data — pure, no I/O, so every header rule is testable.

The composer refuses any header value that could smuggle a second header (CR, LF or other
control characters), whatever the contact list check already did. Attachments shared by a
whole batch (the programme) are encoded once with ``shared_attachment`` and reused: base64 of
a large PDF per message is the biggest avoidable cost of a batch.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import email.policy
import functools
import html
import re
import secrets
import unicodedata
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

import icalendar

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
    return Address(display_name=name.strip(), username=parsed.username, domain=parsed.domain)


def envelope_address(address: str) -> tuple[str, bool]:
    """The SMTP envelope form of an address (IDNA domain) and whether it needs SMTPUTF8."""
    local, _, domain = address.strip().rpartition("@")
    with contextlib.suppress(UnicodeError):
        domain = domain.encode("idna").decode("ascii")
    return f"{local}@{domain}", not local.isascii()


def domain_of(address: str) -> str:
    return envelope_address(address)[0].rpartition("@")[2].lower()


def new_message_id(kind: str, from_address: str) -> str:
    """``<invite.{kind}.{random}@{sender domain}>``: unique, and recognisably ours in replies."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    return f"<invite.{kind}.{secrets.token_hex(12)}@{domain_of(from_address)}>"


def shared_attachment(attachment: Attachment) -> MIMEPart:
    """Encode an attachment once; the returned part may be attached to many messages."""
    part = MIMEPart(policy=email.policy.default)
    maintype, subtype = attachment.mime_type.split("/", 1)
    if maintype == "text":
        part.set_content(
            attachment.data.decode("utf-8"),
            subtype=subtype,
            cte="base64",
            disposition="attachment",
            filename=attachment.filename,
        )
    else:
        # set_content writes the headers; the body is then encoded at C speed (the email
        # package's own base64 loop is the slowest step of composing a message).
        part.set_content(
            b"",
            maintype=maintype,
            subtype=subtype,
            disposition="attachment",
            filename=attachment.filename,
            cte="base64",
        )
        part.set_payload(base64.encodebytes(attachment.data).decode("ascii"))
    return part


def compose(
    mail: MailSettings,
    recipient: Recipient,
    rendered: RenderedMail,
    *,
    message_id: str,
    date: dt.datetime,
    attachments: Sequence[Attachment | MIMEPart] = (),
    in_reply_to: str | None = None,
    language: str = "de",
) -> EmailMessage:
    """Build the complete message for one recipient: headers, text + HTML, attachments."""
    msg = EmailMessage(policy=email.policy.default)
    msg["From"] = mail_address("From", mail.from_name, mail.from_address)
    msg["To"] = mail_address("To", recipient.name, recipient.address)
    if mail.reply_to and mail.reply_to.strip() != mail.from_address.strip():
        msg["Reply-To"] = mail_address("Reply-To", "", mail.reply_to)
    msg["Subject"] = check_header_value("Subject", rendered.subject.strip())
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = check_header_value("Message-ID", message_id)
    if in_reply_to:
        msg["In-Reply-To"] = check_header_value("In-Reply-To", in_reply_to)
        msg["References"] = check_header_value("References", in_reply_to)
    msg["Content-Language"] = "en" if language == "en" else "de"
    msg["Auto-Submitted"] = "auto-generated"
    # Quoted-printable keeps the message 7-bit clean for any relay, yet readable as source.
    msg.set_content(rendered.body, cte="quoted-printable")
    msg.add_alternative(
        html_alternative(rendered.body, language), subtype="html", cte="quoted-printable"
    )
    if attachments:
        msg.make_mixed()
        for item in attachments:
            msg.attach(item if isinstance(item, MIMEPart) else shared_attachment(item))
    return msg


# -- wire format ---------------------------------------------------------------------------

_CRLF = b"\r\n"
# "=_" cannot occur in base64 or quoted-printable text, so this boundary never collides.
_BOUNDARY_TOKEN = "=_invite_" + secrets.token_hex(8)
# Header fields whose folded form repeats across a batch; folding is the costliest step.
_CACHED_FIELDS = frozenset(
    {
        "from",
        "reply-to",
        "content-type",
        "content-transfer-encoding",
        "content-disposition",
        "content-language",
        "mime-version",
        "auto-submitted",
    }
)
_folded: dict[tuple[str, str], bytes] = {}
_leaf_bytes: weakref.WeakKeyDictionary[MIMEPart, bytes] = weakref.WeakKeyDictionary()


def to_bytes(msg: EmailMessage) -> bytes:
    """Serialise for SMTP (CRLF, 7-bit): the same as ``msg.as_bytes(policy=SMTP)``, but
    repeated headers are folded once and each part's body is converted once per batch."""
    if not msg.is_multipart() and msg.get("Content-Transfer-Encoding") == "8bit":
        return msg.as_bytes(policy=email.policy.SMTP)
    return b"".join(_part_bytes(msg, depth=0))


def _headers(part: MIMEPart) -> list[bytes]:
    policy = email.policy.SMTP
    out = []
    for name, value in part.items():
        if name.lower() in _CACHED_FIELDS:
            key = (name, str(value))
            folded = _folded.get(key)
            if folded is None:
                folded = _folded.setdefault(key, policy.fold_binary(name, value))
            out.append(folded)
        else:
            out.append(policy.fold_binary(name, value))
    out.append(_CRLF)
    return out


def _part_bytes(part: MIMEPart, depth: int) -> list[bytes]:
    if part.is_multipart():
        boundary = part.get_boundary()
        if boundary is None:
            boundary = f"{_BOUNDARY_TOKEN}_{depth}"
            part.set_boundary(boundary)
        delimiter = b"--" + boundary.encode("ascii")
        out = _headers(part)
        for sub in part.iter_parts():
            out += [delimiter, _CRLF, *_part_bytes(sub, depth + 1), _CRLF]
        out += [delimiter, b"--", _CRLF]
        return out
    cached = _leaf_bytes.get(part)
    if cached is None:
        payload = part.get_payload()
        if part.get("Content-Transfer-Encoding", "7bit").lower() not in (
            "base64",
            "quoted-printable",
            "7bit",
        ) or not isinstance(payload, str):
            return [part.as_bytes(policy=email.policy.SMTP)]
        body = payload.encode("ascii").replace(b"\r\n", b"\n").replace(b"\n", _CRLF)
        if body and not body.endswith(_CRLF):
            body += _CRLF
        cached = b"".join(_headers(part)) + body
        _leaf_bytes[part] = cached
    return [cached]


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


@functools.lru_cache(maxsize=4)
def _timezone(name: str, year: int) -> icalendar.Timezone:
    """A compact VTIMEZONE for the event's year (the library's generic one lists 70 years)."""
    start = dt.datetime(year, 1, 1, tzinfo=ZoneInfo(name))
    return icalendar.Timezone.from_tzinfo(
        start.tzinfo, first_date=start.date(), last_date=dt.date(year, 12, 31)
    )


def calendar_uid(code: str, event: Event, from_address: str) -> str:
    return f"invite-{code.lower()}-{event.start:%Y%m%d}@{domain_of(from_address)}"
