"""Messages written by mail systems: delivery failures, delay notices, auto-replies.

Pure: takes a parsed message, says what kind of server message it is. ``invite poll`` asks
here *before* any reading of text, so the text of a report (and the header block of our own
message that it returns, with its ``Reply-To: anmeldung-…``) is never read as a person's
answer.

Bounces: flufl.bounce first; where it finds nothing, the ``message/delivery-status`` part is
read with the standard library, and then the plain-text reports of the common servers
(Postfix, Exim, qmail, Sendmail, Exchange old and new in German and English, Gmail,
GMX/Web.de/1&1, T-Online). A delay notice (the server keeps trying) is never a bounce.

Whose bounce it is decides ``matching.tie_report``: only a report that returns the
Message-ID of a message we sent *and* names that message's recipient as failed counts.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from flufl.bounce import all_failures

from invite.mail.mailparse import IncomingMail

# flufl.bounce logs a traceback when a detector trips over odd input; we treat that as "no
# bounce" and carry on, so the log would only alarm staff.
logging.getLogger("flufl.bounce").setLevel(logging.CRITICAL)

MAX_BOUNCE_BYTES = 5 * 1024 * 1024
MAX_REPORT_CHARS = 50_000


@dataclass(frozen=True)
class Bounce:
    """A delivery report: who failed, the server's words, what it returned of our message."""

    recipients: tuple[str, ...]  # failed (or delayed) addresses, lower case
    diagnostic: str
    delayed: bool = False  # only a delay warning: the server keeps trying
    returned_ids: tuple[str, ...] = ()  # Message-IDs of the returned original (no <>)


# -- is it a message from a mail system at all? ------------------------------------------------

_BOUNCE_SENDER = re.compile(
    r"(?i)^(mailer-daemon|postmaster|mail-daemon|mailerdaemon|bounces?|mdaemon|"
    r"microsoftexchange[0-9a-f]*)[@+]|^$"
)
_BOUNCE_SUBJECT = re.compile(
    r"(?i)(undeliver|undelivered|delivery (?:status|failure|has failed|notification|incomplete)|"
    r"returned mail|mail delivery failed|failure notice|nicht zustellbar|unzustellbar|"
    r"zustellung fehlgeschlagen|r(?:ü|ue)ckl(?:ä|ae)ufer|could not be delivered|delayed mail|"
    r"delivery delayed|non[- ]?delivery|warning: message .{0,80} delayed|zustellung verz(?:ö|oe)gert|"
    r"mail delivery system|nicht zugestellt)"
)


def looks_like_bounce(mail: IncomingMail) -> bool:
    """Only reports and messages from mail systems go through the bounce detectors: they are
    heuristics, and their cost grows with the text, so human replies never pay for them."""
    return mail.size <= MAX_BOUNCE_BYTES and (
        _is_report(mail)
        or "x-failed-recipients" in mail.headers
        or _system_sender(mail)
        or bool(_BOUNCE_SUBJECT.search(mail.subject))
    )


def from_mail_system(mail: IncomingMail) -> bool:
    """A message a mail system wrote (a report, or from MAILER-DAEMON/postmaster/the null
    sender): never a person's answer, even when no detector can read it."""
    return _is_report(mail) or _system_sender(mail)


def _system_sender(mail: IncomingMail) -> bool:
    """MAILER-DAEMON, postmaster … or the null sender (an empty From that parsed cleanly)."""
    return not mail.sender_problem and bool(_BOUNCE_SENDER.search(mail.sender))


def _is_report(mail: IncomingMail) -> bool:
    ctype = mail.headers.get("content-type", "").lower().replace(" ", "").replace('"', "")
    return "report-type=delivery-status" in ctype or bool(mail.delivery_status)


# -- bounces -----------------------------------------------------------------------------------


def detect_bounce(mail: IncomingMail) -> Bounce | None:
    """Delivery failure or delay report, or None. Permanent failures become a ``Bounce``,
    delays a ``Bounce`` with ``delayed`` set (never counted as undeliverable)."""
    if mail.message is None or not looks_like_bounce(mail):
        return None
    report = _report_text(mail)
    status = _dsn_recipients(mail.delivery_status)
    permanent = {a for a, action in status.items() if action == "failed"}
    temporary = {a for a, action in status.items() if action == "delayed"}
    if status and not permanent and temporary:
        return Bounce(tuple(sorted(temporary)), _diagnostic(mail, report), True, _returned(mail))
    try:
        flufl_temporary, flufl_permanent = all_failures(mail.message)
    except Exception:  # a detector choking on odd input is no reason to stop the poll
        flufl_temporary, flufl_permanent = frozenset(), frozenset()
    permanent |= {_ascii(r).lower() for r in flufl_permanent if r}
    temporary |= {_ascii(r).lower() for r in flufl_temporary if r}
    # Workaround for the flufl.bounce hyphen problem (see _text_recipients): our own reading
    # of the plain-text report runs always, so an address flufl drops is still found.
    delay_notice = _is_delay(mail, report)
    if not status:
        found = _text_recipients(mail, report)
        if delay_notice:
            temporary |= found
        else:
            permanent |= found
    if delay_notice and not status:
        # A delay notice never counts as a bounce, whatever a detector made of its text.
        temporary |= permanent
        permanent = set()
    permanent = {a for a in permanent if _ADDRESS.fullmatch(a)}
    temporary = {a for a in temporary if _ADDRESS.fullmatch(a)} - permanent
    if permanent:
        return Bounce(tuple(sorted(permanent)), _diagnostic(mail, report), False, _returned(mail))
    if temporary or delay_notice:
        return Bounce(tuple(sorted(temporary)), _diagnostic(mail, report), True, _returned(mail))
    return None


def _ascii(value: bytes | str) -> str:
    return value.decode("ascii", "replace") if isinstance(value, bytes) else value


# -- message/delivery-status, read with the standard library (RFC 3464) ------------------------

_FIELD = re.compile(r"(?im)^([a-z-]+)[ \t]*:[ \t]*(.*(?:\n[ \t]+.*)*)")


def _dsn_recipients(status: str) -> dict[str, str]:
    """Per-recipient blocks of a delivery-status part -> {address: failed | delayed | other}."""
    found: dict[str, str] = {}
    for block in re.split(r"\n[ \t]*\n", status.replace("\r\n", "\n")[:MAX_REPORT_CHARS]):
        fields = {m.group(1).lower(): " ".join(m.group(2).split()) for m in _FIELD.finditer(block)}
        recipient = fields.get("final-recipient") or fields.get("original-recipient") or ""
        if not recipient:
            continue
        address = recipient.split(";", 1)[-1].strip().strip("<>").lower()
        action = fields.get("action", "").lower()
        code = fields.get("status", "")
        if action == "failed" or (not action and code.startswith("5")):
            found[address] = "failed"
        elif action == "delayed" or (not action and code.startswith("4")):
            found.setdefault(address, "delayed")
        else:  # delivered, relayed, expanded: no failure
            found.setdefault(address, "other")
    return found


# -- plain-text reports --------------------------------------------------------------------------

# Where the report ends and the returned copy of our own message begins (its headers name our
# addresses, the invitee's address in "To:", and must not count as failed recipients).
_RETURNED_MARK = re.compile(
    r"(?im)^[ \t>|-]*(?:"
    r"-+ ?this is a copy of the message|"  # Exim, GMX, Web.de
    r"-+ ?the header of the original message is following|"  # GMX, Web.de, 1&1
    r"-+ ?below this line is a copy of the message|"  # qmail
    r"\|?-+ ?message text follows|"  # T-Online
    r"-+ ?original message follows|"
    r"-+ ?the original message was received|"
    r"original message headers:?|"  # Exchange 2010+ / Microsoft 365
    r"urspr(?:ü|ue)ngliche nachrichtenkopfzeilen:?|"  # Exchange German
    r"kopfzeilen der urspr(?:ü|ue)nglichen nachricht:?|"
    r"-+ ?original message -+|"
    r"-+ ?urspr(?:ü|ue)ngliche nachricht -+|"
    r"-+ ?forwarded message -+|"
    r"received: from .*$|"  # a raw returned header block without any heading
    r"return-path: .*$"
    r")"
)
_ADDRESS_TEXT = re.compile(
    r"(?<![\w.+-])([A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+)"
)
_ADDRESS = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+"
)
# Lines of the report that name addresses which are *not* failed recipients.
_NOT_A_RECIPIENT = re.compile(
    r"(?i)^\s*(?:from|von|sender|absender|reply-to|antwort an|reporting-mta|remote-mta|"
    r"received-from-mta|generating server|erstellender server|x-postfix-sender|"
    r"if you need help|write to|postmaster|for further assistance|contact)\b"
)
# Words a report uses for a permanent failure, in the report part (not the returned copy).
_PERMANENT = re.compile(
    r"(?i)\b(?:5\d\d[ -]|5\.\d{1,3}\.\d{1,3}\b|user unknown|unknown user|no such user|"
    r"does not exist|doesn't exist|mailbox (?:unavailable|not found|is full|full)|"
    r"address rejected|recipient rejected|permanent(?:ly)? (?:error|fatal|failure|failed)|"
    r"failed permanently|could not be delivered|couldn't be delivered|wasn't delivered|"
    r"was not delivered|delivery has failed|delivery to the following recipients? failed|"
    r"following addresses had permanent fatal errors|not able to deliver|"
    r"wasn't able to deliver|no mailbox here|account (?:is )?(?:disabled|inactive|"
    r"unavailable)|nicht zugestellt|nicht zustellbar|unzustellbar|fehlgeschlagen|"
    r"existiert nicht|unbekannt|konnte nicht (?:zugestellt|ausgeliefert)|"
    r"dauerhafter fehler|permanenter fehler)"
)
# Words of a delay notice: the server has not given up.
_DELAY = re.compile(
    r"(?i)(?:\bdelay(?:ed)?\b|will (?:be )?retr(?:y|ied)|still (?:be )?(?:trying|retrying)|"
    r"has not yet been delivered|not yet been delivered|no action is required|"
    r"will continue trying|keep trying|warning: message .{0,80}still undelivered|"
    r"verz(?:ö|oe)ger|weiterhin versuch|noch nicht zugestellt|wird (?:erneut|weiter) versucht|"
    r"versuche(?:n)? (?:es )?(?:weiter|erneut)|temporary failure|vor(?:ü|ue)bergehend)"
)
_DELAY_SUBJECT = re.compile(
    r"(?i)(delay|delayed|verz(?:ö|oe)gert|warning:|still being retried|"
    r"delivery status notification \(delay\)|zustellung verz(?:ö|oe)gert)"
)
_FAILURE_SUBJECT = re.compile(
    r"(?i)(undeliverable|undelivered|unzustellbar|nicht zustellbar|failure|failed|"
    r"returned mail|returning message|fehlgeschlagen|non[- ]?delivery)"
)


def _report_text(mail: IncomingMail) -> str:
    """The part of the report the mail system wrote, without the returned copy."""
    text = mail.text[:MAX_REPORT_CHARS]
    if mark := _RETURNED_MARK.search(text):
        text = text[: mark.start()]
    return text


def _text_recipients(mail: IncomingMail, report: str) -> set[str]:
    """Failed addresses named by a plain-text report (and ``X-Failed-Recipients``).

    This also works around a flufl.bounce problem, reported upstream-style here:

        flufl.bounce 6.0.0: SimpleMatch drops every address whose domain has a hyphen.

        Minimal reproduction::

            from email import message_from_string
            from flufl.bounce import all_failures
            text = ("From: MAILER-DAEMON@mx.example\\nSubject: Mail delivery failed\\n\\n"
                    "A message that you sent could not be delivered to one or more of its\\n"
                    "recipients. This is a permanent error. The following address(es) failed:\\n"
                    "\\n  <hans@{domain}>\\n    550 5.1.1 User unknown\\n\\n"
                    "--- The header of the original message is following. ---\\n")
            all_failures(message_from_string(text.format(domain="example.de")))
            # -> (frozenset(), frozenset({b'hans@example.de'}))        expected and actual
            all_failures(message_from_string(text.format(domain="t-online.de")))
            # expected: (frozenset(), frozenset({b'hans@t-online.de'}))
            # actual:   (frozenset(), frozenset())

        Cause: ``_detectors/simplematch.py`` filters what its patterns found through
        ``VALID = _c(rb'^[\\x21-\\x3d\\x3f\\x41-\\x7e]+@[a-z0-9._]+$')``; the domain class
        lacks ``-``, which RFC 1035 labels allow (t-online.de, stadt-muenster.de, web-de…).
        Fix: ``[a-z0-9._-]+``.

    Workaround: this reader runs whenever the report has no delivery-status part, and its
    addresses are joined to flufl's, so a report from such a domain is still read.
    """
    found: set[str] = set()
    for value in mail.headers.get("x-failed-recipients", "").split(","):
        address = value.strip().strip("<>").lower()
        if _ADDRESS.fullmatch(address):
            found.add(address)
    subject_fails = bool(_FAILURE_SUBJECT.search(mail.subject))
    if not (_PERMANENT.search(report) or _DELAY.search(report) or subject_fails):
        return found
    for line in report.splitlines():
        if _NOT_A_RECIPIENT.match(line):
            continue
        for match in _ADDRESS_TEXT.finditer(line):
            address = match.group(1).strip(".").lower()
            local = address.split("@", 1)[0]
            if local in ("mailer-daemon", "postmaster", "abuse", "hostmaster", "noreply"):
                continue
            found.add(address)
    return found


def _is_delay(mail: IncomingMail, report: str) -> bool:
    """A delay notice: the subject or the report says the server keeps trying, and nothing in
    the report part speaks of a permanent failure."""
    if _DELAY_SUBJECT.search(mail.subject):  # "Delayed Mail", "Zustellung verzögert" …
        return _HARD_CODE.search(report) is None  # … unless a permanent SMTP code is given
    if not _DELAY.search(report):
        return False
    return _PERMANENT.search(_without_delay_phrases(report)) is None


_HARD_CODE = re.compile(r"\b5\d\d[ -]5\.\d{1,3}\.\d{1,3}\b|\b5\.\d{1,3}\.\d{1,3}\b")
_DELAY_ONLY_CODES = re.compile(r"(?i)\b4\d\d[ -]4\.\d{1,3}\.\d{1,3}\b|\b4\.\d{1,3}\.\d{1,3}\b")


def _without_delay_phrases(report: str) -> str:
    # "could not be delivered yet" / "konnte noch nicht zugestellt werden" are delay wording.
    report = re.sub(
        r"(?i)(?:could not be delivered|couldn't be delivered|wasn't delivered|"
        r"not (?:yet )?been delivered|konnte noch nicht zugestellt werden|noch nicht zugestellt)"
        r"(?:\s+yet)?",
        " ",
        report,
    )
    # "You'll be notified if the delivery fails permanently", "falls die Nachricht bis dahin
    # nicht zugestellt werden kann": conditions about the future, not a failure.
    report = re.sub(r"(?i)\b(?:if|falls|wenn|sobald|should)\b[^.\n]{0,200}", " ", report)
    return _DELAY_ONLY_CODES.sub(" ", report)


# -- what the report returned of our message ----------------------------------------------------

_RETURNED_ID = re.compile(r"(?im)^[ \t>|]*message-id:[ \t]*<([^<>\s]{1,250})>")


def _returned(mail: IncomingMail) -> tuple[str, ...]:
    """Message-IDs of the returned original: ``message/rfc822`` and ``text/rfc822-headers``
    parts, and the header block that plain-text reports quote after their own text."""
    ids = list(mail.forwarded_ids)
    text = mail.text[:MAX_REPORT_CHARS]
    ids += _RETURNED_ID.findall(text)
    ids += _RETURNED_ID.findall(mail.forwarded_text[:MAX_REPORT_CHARS])
    ids = [i for i in ids if i != mail.message_id]
    return tuple(dict.fromkeys(ids))[:100]


# -- the server's words -------------------------------------------------------------------------

_DIAGNOSTIC = re.compile(r"(?im)^diagnostic-code:\s*(?:smtp;\s*)?(.+)$")
_SMTP_REPLY = re.compile(r"(?m)\b([45]\d\d[ -][45]\.\d{1,3}\.\d{1,3}\b.*)$")
_BOUNCE_PHRASES = re.compile(
    r"(?im)^.*\b(user unknown|unknown user|no such user|does not exist|mailbox (?:unavailable|not found|full)|"
    r"address rejected|recipient address rejected|unzustellbar|nicht zugestellt|unbekannt|"
    r"delayed|verzögert)\b.*$"
)


def _diagnostic(mail: IncomingMail, report: str) -> str:
    for pattern, text in (
        (_DIAGNOSTIC, mail.delivery_status),
        (_SMTP_REPLY, report),
        (_BOUNCE_PHRASES, report),
    ):
        if text and (match := pattern.search(text[:MAX_REPORT_CHARS])):
            return " ".join(match.group(match.lastindex or 0).split())[:300]
    return "Die Nachricht war nicht zustellbar (Rückläufer)."


# -- auto-replies ------------------------------------------------------------------------------

_AUTO_SUBJECT = re.compile(
    r"(?i)\b(abwesenheitsnotiz|abwesenheit|automatische antwort|automatische r(?:ü|ue)ckantwort|"
    r"out of (?:the )?office|autoreply|auto-reply|auto reply|automatic reply|autoresponder|"
    r"urlaubsabwesenheit|nicht im b(?:ü|ue)ro|vacation reply|on vacation|im urlaub)\b"
)


def detect_autoreply(mail: IncomingMail) -> str:
    """German reason if ``mail`` is an automatic reply (never an answer), else ``""``."""
    headers = mail.headers
    auto = headers.get("auto-submitted", "").strip().lower()
    if auto and auto != "no":
        return f"Automatische Nachricht (Auto-Submitted: {auto[:40]})."
    for name, shown in (("x-autoreply", "X-Autoreply"), ("x-autorespond", "X-Autorespond")):
        if name in headers:
            return f"Automatische Antwort (Kopfzeile {shown})."
    if headers.get("precedence", "").strip().lower() in ("auto_reply", "bulk", "junk"):
        return f"Automatische Nachricht (Precedence: {headers['precedence'][:20]})."
    if _AUTO_SUBJECT.search(mail.subject):
        return f"Abwesenheitsnotiz oder automatische Antwort (Betreff „{mail.subject[:80]}“)."
    return ""
