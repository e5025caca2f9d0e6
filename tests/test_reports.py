"""Server messages: bounces, delay notices and auto-replies, recognised before any reading.

The layouts come from tests/corpus_reports.py (Postfix, Exim, qmail, Sendmail, Exchange,
Microsoft 365, Gmail, GMX/Web.de/1&1, T-Online). A bounce ties to an invitee only when it
returns our Message-ID to them and names their address as failed.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

import pytest
from corpus_reports import BOUNCES, DELAYS, Original, failed_recipients_only

from invite.core.matching import Directory, tie_report
from invite.core.reports import detect_autoreply, detect_bounce
from invite.mail.mailparse import IncomingMail, parse_mail
from invite.steps.poll import assess_all

OURS = "vernetzung@stadt-muenster.de"
MID = "<invite.invitation.7f3a9c@stadt-muenster.de>"
ADDRESSES = ("hans.meier@t-online.de", "gast@example.org", "buero@stadt-werke-muenster.de")


def directory(address: str) -> Directory:
    return Directory(
        by_code={"K7Q2M9XA": "7"},
        by_message_id={MID.strip("<>"): "7"},
        by_email={address: ("7",)},
        names={"7": "Hans Meier"},
        own_addresses=frozenset({OURS}),
        sent_to={MID.strip("<>"): address},
    )


def no_attachments(_attachments: object) -> object:
    raise AssertionError("a server report's attachments are never examined")


@pytest.mark.parametrize("address", ADDRESSES)
@pytest.mark.parametrize("layout", sorted(BOUNCES))
def test_every_bounce_layout_ties_only_with_our_message_id(layout: str, address: str) -> None:
    real = parse_mail(BOUNCES[layout](Original(OURS, address, MID), f"r-{layout}"))
    bounce = detect_bounce(real)
    assert bounce is not None and not bounce.delayed, layout
    assert address in bounce.recipients, (layout, bounce)
    assert OURS not in bounce.recipients
    assert MID.strip("<>") in bounce.returned_ids
    decision = tie_report(bounce, directory(address))
    assert (decision.invitee, decision.source) == ("7", "antwort"), decision.reason
    [outcome] = assess_all(real, directory(address), no_attachments)  # type: ignore[arg-type]
    assert (outcome.kind, outcome.invitee, outcome.answer) == ("bounce", "7", "unzustellbar")

    forged = parse_mail(BOUNCES[layout](Original(OURS, address, None), f"f-{layout}"))
    bounce = detect_bounce(forged)
    assert bounce is not None and address in bounce.recipients
    [outcome] = assess_all(forged, directory(address), no_attachments)  # type: ignore[arg-type]
    assert (outcome.kind, outcome.invitee, outcome.answer) == ("bounce", None, None)
    assert "keine unserer Nachrichten" in outcome.reason
    assert outcome.review


@pytest.mark.parametrize("layout", sorted(DELAYS))
def test_a_delay_notice_is_never_a_bounce(layout: str) -> None:
    address = "hans.meier@t-online.de"
    mail = parse_mail(DELAYS[layout](Original(OURS, address, MID), f"d-{layout}"))
    bounce = detect_bounce(mail)
    assert bounce is not None and bounce.delayed, layout
    [outcome] = assess_all(mail, directory(address), no_attachments)  # type: ignore[arg-type]
    assert (outcome.kind, outcome.answer) == ("autoreply", None)
    assert "verzögert" in outcome.reason


def test_a_report_naming_someone_else_does_not_tie() -> None:
    """Our message to Nr. 7 comes back, but the failed address is a different one."""
    mail = parse_mail(BOUNCES["postfix"](Original(OURS, "anders@example.net", MID), "x"))
    bounce = detect_bounce(mail)
    assert bounce is not None
    decision = tie_report(bounce, directory("gast@example.org"))
    assert decision.invitee is None and "nicht als unzustellbar" in decision.reason


def test_x_failed_recipients_alone_from_a_stranger_changes_nothing() -> None:
    mail = parse_mail(failed_recipients_only("gast@example.org", "xf"))
    [outcome] = assess_all(mail, directory("gast@example.org"), no_attachments)  # type: ignore[arg-type]
    assert (outcome.kind, outcome.invitee, outcome.answer) == ("bounce", None, None)


def test_the_returned_header_block_is_never_read_as_a_reply() -> None:
    """An unreadable message from MAILER-DAEMON quoting our Reply-To and „zusagen“."""
    raw = (
        f"From: MAILER-DAEMON@mx.example.net\r\nTo: {OURS}\r\nSubject: Returned\r\n"
        "Message-ID: <odd@x>\r\n\r\nSomething happened.\r\n\r\n"
        + Original(OURS, "gast@example.org", MID).message()
    ).encode()
    [outcome] = assess_all(parse_mail(raw), directory("gast@example.org"), no_attachments)  # type: ignore[arg-type]
    assert outcome.kind == "bounce" and outcome.answer is None and outcome.invitee is None


def test_flufl_hyphen_workaround() -> None:
    """flufl.bounce's SimpleMatch drops hyphenated domains (see reports._text_recipients)."""
    raw = BOUNCES["gmx"](Original(OURS, "hans@t-online.de", MID), "h")
    bounce = detect_bounce(parse_mail(raw))
    assert bounce is not None and bounce.recipients == ("hans@t-online.de",)


def mail(text: str, subject: str = "AW: Einladung", **headers: str) -> IncomingMail:
    msg = EmailMessage()
    msg["From"] = headers.pop("From", "gast@example.org")
    msg["Subject"] = subject
    for key, value in headers.items():
        msg[key.replace("_", "-")] = value
    msg.set_content(text)
    return parse_mail(msg.as_bytes(policy=SMTP))


def test_autoreplies() -> None:
    assert "Auto-Submitted" in detect_autoreply(mail("x", Auto_Submitted="auto-replied"))
    assert detect_autoreply(mail("x", Auto_Submitted="no")) == ""
    assert "X-Autoreply" in detect_autoreply(mail("x", X_Autoreply="yes"))
    assert "Precedence" in detect_autoreply(mail("x", Precedence="auto_reply"))
    for subject in (
        "Abwesenheitsnotiz: Einladung",
        "Automatische Antwort: Einladung",
        "Out of Office: Invitation",
        "Automatic reply: x",
    ):
        assert detect_autoreply(mail("x", subject=subject)), subject
    assert detect_autoreply(mail("Wir kommen.")) == ""


DSN = (
    b"From: MAILER-DAEMON@mx.example.org\r\nSubject: Undelivered Mail Returned to Sender\r\n"
    b"Auto-Submitted: auto-replied\r\nMessage-ID: <b@x>\r\n"
    b'Content-Type: multipart/report; report-type=delivery-status; boundary="R"\r\n\r\n'
    b"--R\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
    b"--R\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n"
    b"Final-Recipient: rfc822; Gast@Example.org\r\nAction: ACTION\r\nStatus: 5.1.1\r\n"
    b"Diagnostic-Code: smtp; 550 5.1.1 <gast@example.org>: User unknown\r\n\r\n--R--\r\n"
)


def test_dsn_bounce_is_found_before_the_autoreply_header() -> None:
    bounced = parse_mail(DSN.replace(b"ACTION", b"failed"))
    bounce = detect_bounce(bounced)
    assert bounce is not None and not bounce.delayed
    assert bounce.recipients == ("gast@example.org",)
    assert bounce.diagnostic == "550 5.1.1 <gast@example.org>: User unknown"
    delayed = detect_bounce(parse_mail(DSN.replace(b"ACTION", b"delayed")))
    assert delayed is not None and delayed.delayed


def test_non_standard_bounce() -> None:
    msg = EmailMessage()
    msg["From"] = "Mail Delivery System <Mailer-Daemon@mail.example.org>"
    msg["Subject"] = "Mail delivery failed: returning message to sender"
    msg["X-Failed-Recipients"] = "gast@example.org"
    msg.set_content(
        "This message was created automatically by mail delivery software.\n\nA message that you sent "
        "could not be delivered to one or more of its\nrecipients. This is a permanent error. The "
        "following address(es) failed:\n\n  gast@example.org\n    SMTP error from remote mail server "
        "after RCPT TO:<gast@example.org>:\n    550 5.1.1 User unknown\n"
    )
    bounce = detect_bounce(parse_mail(msg.as_bytes(policy=SMTP)))
    assert bounce is not None and bounce.recipients == ("gast@example.org",)
    assert "550 5.1.1" in bounce.diagnostic


def test_a_person_writing_about_unknown_users_is_no_bounce() -> None:
    assert detect_bounce(mail("Der user unknown Fehler ist bei uns behoben. Wir kommen.")) is None
