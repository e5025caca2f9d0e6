"""Raw RFC 5322 bytes -> a plain ``IncomingMail``, with bounded work and no exceptions.

Replies come from strangers' mail programs and sometimes from attackers. Every limit here
(size, parts, nesting, header lines) keeps one message from stalling the poll or eating the
memory; every problem becomes a German reason string that staff read in the review folder.
"""

from __future__ import annotations

import codecs
import html
import re
from dataclasses import dataclass, field
from email import policy
from email.header import Header, decode_header
from email.message import Message
from email.parser import BytesParser

MB = 1024 * 1024
MAX_MESSAGE_BYTES = 40 * MB
MAX_ATTACHMENT_BYTES = 15 * MB
MAX_PARTS = 200
MAX_DEPTH = 10
MAX_HEADER_LINE = 16 * 1024  # RFC 5322 allows 998; folded long References stay far below
MAX_HEADER_BYTES = 256 * 1024
MAX_TEXT_CHARS = 100_000
MAX_HTML_BYTES = 2 * MB
MAX_IDS = 100
MAX_AUTH_RESULTS = 20
# Cheap pre-check before the parser: a message with more part headers than this is refused
# without building its tree (10,000 tiny parts would otherwise cost seconds).
MAX_CONTENT_TYPE_LINES = 5 * MAX_PARTS

_CONTENT_TYPE_LINE = re.compile(rb"(?im)^content-type[ \t]*:")
_MESSAGE_ID = re.compile(r"<([^<>\s\x00-\x1f\x7f]{1,250})>")
_BASE64_DEFECTS = ("InvalidBase64", "InvalidBase64Padding", "InvalidBase64Characters")


@dataclass(frozen=True)
class Attachment:
    """One attached file as sent (decoded), plus where it was found."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)
    forwarded: bool = False  # inside an attached message/rfc822

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class IncomingMail:
    """What the inbox logic needs from one message; ``rejected`` set means: do not trust it."""

    size: int
    message_id: str = ""
    subject: str = ""
    sender: str = ""  # lower-case address from From:
    sender_name: str = ""
    sender_problem: str = ""  # German: why From: cannot be trusted (then ``sender`` is empty)
    auth_results: tuple[str, ...] = ()  # Authentication-Results headers, topmost first
    date: str = ""
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)  # selected lower-case names
    text: str = ""  # what the sender wrote (plain text, or HTML turned into text)
    html_only: bool = False
    forwarded_text: str = ""  # text of attached messages (forwards, bounced originals)
    forwarded_ids: tuple[str, ...] = ()  # Message-IDs of attached/bounced originals
    delivery_status: str = ""  # message/delivery-status part of a bounce report
    attachments: list[Attachment] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # German, the message is still usable
    rejected: str = ""  # German reason why the message was not read at all
    message: Message | None = field(default=None, repr=False, compare=False)

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Message-IDs this message answers, nearest first."""
        seen: dict[str, None] = {}
        for mid in (*self.in_reply_to, *reversed(self.references)):
            seen.setdefault(mid, None)
        return tuple(seen)


# Header names kept for classification (auto-replies, bounces, mailing lists).
KEPT_HEADERS = (
    "auto-submitted",
    "x-autoreply",
    "x-autorespond",
    "x-auto-response-suppress",
    "precedence",
    "content-type",
    "return-path",
    "x-failed-recipients",
    "list-id",
)


def parse_mail(raw: bytes) -> IncomingMail:
    """Parse ``raw`` within the limits above; never raises."""
    mail = IncomingMail(size=len(raw))
    try:
        _parse(raw, mail)
    except RecursionError:
        mail.rejected = (
            f"Die MIME-Struktur ist zu tief verschachtelt (mehr als {MAX_DEPTH} Ebenen)."
        )
    except Exception as exc:  # hostile input: any failure is a reason, never a crash
        mail.rejected = (
            f"Die Nachricht ist beschädigt und kann nicht gelesen werden ({type(exc).__name__})."
        )
    if mail.rejected:
        mail.attachments = []
        mail.message = None
    return mail


def _parse(raw: bytes, mail: IncomingMail) -> None:
    if len(raw) > MAX_MESSAGE_BYTES:
        mail.rejected = f"Die Nachricht ist zu groß ({len(raw) / MB:.0f} MB, erlaubt sind {MAX_MESSAGE_BYTES // MB} MB)."
        _read_headers_only(raw, mail)
        return
    head = _header_block(raw)
    longest = max((len(line) for line in head.split(b"\n")), default=0)
    if longest > MAX_HEADER_LINE:
        mail.rejected = f"Eine Kopfzeile ist zu lang (über {MAX_HEADER_LINE // 1024} KB)."
        _read_headers_only(raw, mail)
        return
    if len(head) > MAX_HEADER_BYTES:
        mail.rejected = f"Der Nachrichtenkopf ist zu groß (über {MAX_HEADER_BYTES // 1024} KB)."
        _read_headers_only(raw, mail)
        return
    if len(_CONTENT_TYPE_LINE.findall(raw)) > MAX_CONTENT_TYPE_LINES:
        mail.rejected = f"Die Nachricht hat zu viele MIME-Teile (mehr als {MAX_PARTS})."
        _read_headers_only(raw, mail)
        return
    msg = BytesParser(policy=policy.compat32).parsebytes(raw)
    _read_headers(msg, mail)
    parts = _check_structure(msg, mail)
    if mail.rejected:
        return
    mail.message = msg
    _read_body(parts, mail)


def _header_block(raw: bytes) -> bytes:
    for sep in (b"\r\n\r\n", b"\n\n"):
        end = raw.find(sep, 0, MAX_HEADER_BYTES + 1)
        if end >= 0:
            return raw[:end]
    return raw[: MAX_HEADER_BYTES + 1]


def _read_headers_only(raw: bytes, mail: IncomingMail) -> None:
    """For refused messages: still show sender and subject in the review list."""
    head = _header_block(raw[: MAX_HEADER_BYTES + 1])
    lines = [line[:2000] for line in head.split(b"\n")[:500]]
    _read_headers(BytesParser(policy=policy.compat32).parsebytes(b"\n".join(lines) + b"\n\n"), mail)


def _read_headers(msg: Message, mail: IncomingMail) -> None:
    mail.subject = _clean(decode_words(msg.get("Subject", "")))[:500]
    _read_sender(msg, mail)
    mail.date = str(msg.get("Date", ""))[:100]
    mail.message_id = _first_id(msg.get("Message-ID", ""))
    mail.in_reply_to = _ids(msg.get("In-Reply-To", ""))
    mail.references = _ids(msg.get("References", ""))
    for name in KEPT_HEADERS:
        value = msg.get(name)
        if value is not None:
            mail.headers[name] = _clean(decode_words(value))[:500]
    results = msg.get_all("Authentication-Results") or []
    mail.auth_results = tuple(_clean(str(v))[:2000] for v in results[:MAX_AUTH_RESULTS])


def _read_sender(msg: Message, mail: IncomingMail) -> None:
    """``From:`` parsed strictly (RFC 5322 via ``email.headerregistry``): exactly one address
    and no parse defects, else the sender is unknown and ``sender_problem`` says why.

    ``email.utils.parseaddr`` reads ``invitee@domain)<attacker@evil.example>`` as the invitee
    while a mail server delivers for evil.example (CVE-2023-27043); the header registry
    reports such tricks as defects, and a defect is never evidence."""
    values = msg.get_all("From") or []
    if not values:
        return
    text = _utf8_header(values[0])  # raw UTF-8 (RFC 6532) kept, not lost
    shown = _clean(decode_words(text))[:200]
    if len(values) > 1:
        mail.sender_problem = f"Die Nachricht hat mehrere Absenderzeilen (From:): „{shown}“."
        return
    try:
        header = policy.default.header_factory("From", _clean(text)[:MAX_HEADER_LINE])
        addresses = list(header.addresses)
        defects = list(header.defects)
    except Exception:
        addresses, defects = [], [ValueError()]
    if len(addresses) != 1 or defects or "@" not in addresses[0].addr_spec:
        why = "mehrere Adressen" if len(addresses) > 1 else "nicht eindeutig lesbar"
        mail.sender_problem = (
            f"Die Absenderzeile ist {why} („{shown}“) und wird nicht als Nachweis verwendet."
        )
        return
    address = addresses[0]
    mail.sender = address.addr_spec.strip().lower()[:320]
    mail.sender_name = _clean(address.display_name)[:200]


def _utf8_header(value: object) -> str:
    """A header as text; raw UTF-8 bytes (RFC 6532, e.g. ``anna@münster.de`` from an SMTPUTF8
    client) come back from the parser as one "unknown-8bit" chunk: decode it, don't lose it."""
    if not isinstance(value, Header):
        return str(value)
    return "".join(
        chunk.decode("utf-8", "replace") if isinstance(chunk, bytes) else chunk
        for chunk, _ in decode_header(value)
    )


def _check_structure(msg: Message, mail: IncomingMail) -> list[tuple[Message, int, bool]]:
    """Walk the tree iteratively; refuse too many parts or too deep nesting."""
    found: list[tuple[Message, int, bool]] = []
    stack: list[tuple[Message, int, bool]] = [(msg, 0, False)]
    while stack:
        part, depth, forwarded = stack.pop()
        if depth > MAX_DEPTH:
            mail.rejected = (
                f"Die MIME-Struktur ist zu tief verschachtelt (mehr als {MAX_DEPTH} Ebenen)."
            )
            return found
        found.append((part, depth, forwarded))
        if len(found) > MAX_PARTS:
            mail.rejected = f"Die Nachricht hat zu viele MIME-Teile (mehr als {MAX_PARTS})."
            return found
        payload = part.get_payload()
        if part.is_multipart() and isinstance(payload, list):
            inner = forwarded or part.get_content_type() == "message/rfc822"
            stack.extend((p, depth + 1, inner) for p in reversed(payload) if isinstance(p, Message))
    return found


def _read_body(parts: list[tuple[Message, int, bool]], mail: IncomingMail) -> None:
    plain: list[str] = []
    htmls: list[str] = []
    forwarded: list[str] = []
    ids: list[str] = []
    for part, _depth, inside in parts:
        ctype = part.get_content_type()
        if ctype == "message/rfc822" or part.get_content_maintype() == "multipart":
            if ctype == "message/rfc822":
                inner = part.get_payload()
                if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                    ids.append(_first_id(inner[0].get("Message-ID", "")))
            continue
        if ctype == "text/rfc822-headers":
            headers = BytesParser(policy=policy.compat32).parsebytes(_payload(part, mail) + b"\n\n")
            ids.append(_first_id(headers.get("Message-ID", "")))
            continue
        if ctype == "message/delivery-status":
            mail.delivery_status = _delivery_status(part, mail)
            continue
        filename = _filename(part)
        disposition = str(part.get("Content-Disposition", "")).split(";")[0].strip().lower()
        is_text = part.get_content_maintype() == "text" and not filename
        if is_text and disposition != "attachment":
            target = forwarded if inside else (plain if ctype == "text/plain" else htmls)
            if ctype == "text/plain":
                target.append(_text(part, mail))
            elif ctype == "text/html":
                (forwarded if inside else htmls).append(
                    html_to_text(_text(part, mail, MAX_HTML_BYTES))
                )
            continue
        _attachment(part, filename, ctype, inside, mail)
    text = "\n".join(t for t in plain if t.strip())
    if not text.strip() and htmls:
        text = "\n".join(htmls)
        mail.html_only = True
    mail.text = text[:MAX_TEXT_CHARS]
    mail.forwarded_text = "\n".join(forwarded)[:MAX_TEXT_CHARS]
    mail.forwarded_ids = tuple(dict.fromkeys(i for i in ids if i))[:MAX_IDS]


def _attachment(
    part: Message, filename: str, ctype: str, forwarded: bool, mail: IncomingMail
) -> None:
    shown = filename or ctype
    raw = part.get_payload()
    encoded = len(raw) if isinstance(raw, str | bytes) else 0
    cte = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    estimate = encoded * 3 // 4 if cte == "base64" else encoded
    if estimate > MAX_ATTACHMENT_BYTES:
        mail.problems.append(
            f"Anhang „{shown}“ ist zu groß ({estimate / MB:.0f} MB) und wurde nicht geöffnet."
        )
        return
    data = _payload(part, mail, shown)
    if len(data) > MAX_ATTACHMENT_BYTES:
        mail.problems.append(
            f"Anhang „{shown}“ ist zu groß ({len(data) / MB:.0f} MB) und wurde nicht geöffnet."
        )
        return
    mail.attachments.append(Attachment(filename, ctype, data, forwarded))


def _payload(part: Message, mail: IncomingMail, shown: str = "") -> bytes:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return b""
    if any(type(d).__name__.startswith(_BASE64_DEFECTS) for d in part.defects):
        what = f"Anhang „{shown}“" if shown else "Ein Textteil"
        problem = f"{what} ist fehlerhaft kodiert (Base64) und wurde nur teilweise gelesen."
        if problem not in mail.problems:
            mail.problems.append(problem)
    return data


def _text(part: Message, mail: IncomingMail, limit: int = MAX_TEXT_CHARS * 4) -> str:
    data = _payload(part, mail)[:limit]
    charset = (part.get_content_charset() or "us-ascii").strip().lower()
    return decode_bytes(data, charset, mail.problems)


def decode_bytes(data: bytes, charset: str, problems: list[str] | None = None) -> str:
    """Decode with the declared charset; an unknown one falls back to UTF-8/Latin-1."""
    try:
        codec = codecs.lookup(charset)
        if not getattr(codec, "_is_text_encoding", True):
            raise LookupError(charset)
        return data.decode(codec.name, errors="replace")
    except (LookupError, ValueError):
        if problems is not None:
            note = f"Unbekannter Zeichensatz „{charset[:40]}“ – Text ersatzweise als UTF-8 gelesen."
            if note not in problems:
                problems.append(note)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def decode_words(value: object) -> str:
    """Decode RFC 2047 encoded words, tolerating unknown charsets and broken encodings."""
    text = str(value)[:MAX_HEADER_LINE]
    try:
        chunks = decode_header(text)
    except Exception:
        return text
    out: list[str] = []
    was_encoded: bool | None = None
    for chunk, charset in chunks:
        piece = decode_bytes(chunk, charset or "us-ascii") if isinstance(chunk, bytes) else chunk
        encoded = charset is not None
        # decode_header drops the space between an encoded word and plain text after it
        # ("=?utf-8?q?=E2=80=93?= Ihr" -> "–Ihr"); that space is part of the text (RFC 2047).
        if out and encoded != was_encoded and piece[:1].strip() and out[-1][-1:].strip():
            out.append(" ")
        out.append(piece)
        was_encoded = encoded
    return "".join(out)


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or part.get_param("name") or ""
    except Exception:
        name = ""
    if isinstance(name, tuple):  # RFC 2231 (charset, language, value)
        name = decode_bytes(str(name[2]).encode("latin-1", "replace"), name[0] or "utf-8")
    return _clean(decode_words(name)).replace("/", "_")[:200]


def _delivery_status(part: Message, mail: IncomingMail) -> str:
    payload = part.get_payload()
    if isinstance(payload, list):  # parsed into header blocks
        return "\n".join(str(p) for p in payload if isinstance(p, Message))[:20_000]
    return _text(part, mail, 20_000)


def _first_id(value: object) -> str:
    ids = _ids(value)
    return ids[0] if ids else ""


def _ids(value: object) -> tuple[str, ...]:
    return tuple(_MESSAGE_ID.findall(str(value)[:MAX_HEADER_LINE]))[:MAX_IDS]


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def _clean(text: str) -> str:
    """One line of visible text: no control or bidi-override characters."""
    return " ".join(_CONTROL.sub("", text).split())


class _HtmlText:
    """inscriptis renders the layout (blocks, lists, tables) as text; the quoted history
    of HTML replies (``<blockquote>``, Gmail's ``gmail_quote``, Thunderbird's
    ``moz-cite-prefix``, Outlook's reply header) is annotated and marked like plain quotes."""

    RULES = {
        "blockquote": ["quote"],
        "#class=gmail_quote": ["quote"],
        "#class=moz-cite-prefix": ["quote"],
        "#class=yahoo_quoted": ["quote"],
        "#id=divRplyFwdMsg": ["quote"],
        "#id=appendonsend": ["quote"],
    }

    @classmethod
    def convert(cls, markup: str) -> str:
        from inscriptis import get_annotated_text
        from inscriptis.css_profiles import CSS_PROFILES
        from inscriptis.model.config import ParserConfig

        config = ParserConfig(
            css=CSS_PROFILES["strict"], display_links=False, annotation_rules=cls.RULES
        )
        result = get_annotated_text(markup, config)
        text: str = result["text"]
        quoted = sorted((start, end) for start, end, _label in result["label"])
        if not quoted:
            return text
        out, pos = [], 0
        for start, end in quoted:
            start = max(start, pos)
            if end <= start:
                continue
            out.append(text[pos:start])
            out.append("\n".join("> " + line for line in text[start:end].split("\n")))
            pos = end
        out.append(text[pos:])
        return "".join(out)


def html_to_text(markup: str) -> str:
    """Readable text of an HTML body; quoted blocks become ``> …`` lines."""
    try:
        text = _HtmlText.convert(markup[:MAX_HTML_BYTES])
    except Exception:
        return html.unescape(re.sub(r"<[^>]*>", " ", markup[:MAX_HTML_BYTES]))
    lines = [" ".join(line.split()) for line in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
