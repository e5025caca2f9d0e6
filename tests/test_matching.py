"""Whose answer is it: evidence is collected, and only agreeing evidence ties a message."""

from __future__ import annotations

import random
from email.message import EmailMessage
from email.policy import SMTP

from invite.core.codes import ALPHABET, CODE_LENGTH
from invite.core.matching import Directory, decide, gather
from invite.mail.mailparse import IncomingMail, parse_mail
from invite.paper.evidence import Finding

A, B, C = "K7Q2M9XA", "B3H8N4TR", "Z9W1P6QD"
DIRECTORY = Directory(
    by_code={A: "1", B: "2", C: "3"},
    by_message_id={
        "invite.invitation.aaa@stadt.example": "1",
        "invite.invitation.bbb@stadt.example": "2",
    },
    by_email={
        "anna@example.org": ("1",),
        "bernd@example.org": ("2",),
        "info@verein.example": ("3", "4"),
    },
    names={"1": "Anna Arslan", "2": "Bernd Berg", "3": "Cem Can", "4": "Dora Dahl"},
    own_addresses=frozenset({"anmeldung@stadt.example"}),
)


def mail(
    text: str = "Ich komme.",
    *,
    sender: str = "fremd@example.net",
    subject: str = "Antwort",
    reply_to: str = "",
) -> IncomingMail:
    msg = EmailMessage()
    msg["From"] = sender
    msg["Subject"] = subject
    if reply_to:
        msg["In-Reply-To"] = f"<{reply_to}>"
    msg.set_content(text)
    return parse_mail(msg.as_bytes(policy=SMTP))


def match(message: IncomingMail, findings: list[Finding] | None = None, **kw: object):
    return decide(gather(message, findings or [], DIRECTORY, **kw), DIRECTORY)  # type: ignore[arg-type]


def test_each_kind_of_evidence_alone_ties_the_message() -> None:
    assert match(mail(), [Finding("formular", A, "Formularfeld")]).source == "formular"
    assert match(mail(), [Finding("qr", B, "QR-Code")]).invitee == "2"
    assert match(mail(f"Mein Code: {A[:4]}-{A[4:]}")).source == "code"
    assert match(mail(subject=f"AW: Einladung – Ihr Anmeldecode {B}")).invitee == "2"
    threaded = match(mail(reply_to="invite.invitation.aaa@stadt.example"))
    assert (threaded.invitee, threaded.source) == ("1", "antwort")
    by_sender = match(mail(sender="Anna <Anna@Example.org>"))
    assert (by_sender.invitee, by_sender.source) == ("1", "absender")


def test_the_strongest_agreeing_evidence_is_recorded() -> None:
    decision = match(
        mail(
            subject=f"AW: Anmeldecode {A}",
            sender="anna@example.org",
            reply_to="invite.invitation.aaa@stadt.example",
        ),
        [Finding("qr", A, "QR-Code in scan.jpg")],
    )
    assert (decision.invitee, decision.source) == ("1", "qr")
    assert [e.source for e in decision.evidence] == ["qr", "code", "antwort", "absender"]
    assert "QR-Code in scan.jpg: K7Q2-M9XA → Nr. 1 (Anna Arslan)" in decision.summary(DIRECTORY)


def test_form_of_someone_else_from_a_colleague_goes_to_review() -> None:
    decision = match(mail(sender="bernd@example.org"), [Finding("formular", A, "Formularfeld")])
    assert decision.invitee is None
    assert (
        "verschiedene Personen" in decision.reason
        and "Nr. 1" in decision.reason
        and "Nr. 2" in decision.reason
    )


def test_threading_one_invitee_and_sender_another_goes_to_review() -> None:
    decision = match(
        mail(sender="bernd@example.org", reply_to="invite.invitation.aaa@stadt.example")
    )
    assert decision.invitee is None and "verschiedene Personen" in decision.reason


def test_form_code_that_does_not_exist_is_no_match_and_blocks_others() -> None:
    decision = match(
        mail(sender="anna@example.org"), [Finding("formular", "ZZZZ9999", "Formularfeld")]
    )
    assert decision.invitee is None and "den es nicht gibt" in decision.reason


def test_code_like_words_that_do_not_exist_are_ignored() -> None:
    decision = match(mail("Programm Festsaal Rathaus ABCD-EFGH", sender="anna@example.org"))
    assert (decision.invitee, decision.source) == ("1", "absender")
    nobody = match(mail("Zusage ZZZZ9999"))
    assert nobody.invitee is None and "Kein Hinweis" in nobody.reason


def test_shared_address_needs_a_code() -> None:
    alone = match(mail(sender="info@verein.example"))
    assert alone.invitee is None and "mehreren Eingeladenen" in alone.reason
    with_code = match(mail(f"Code {C}", sender="info@verein.example"))
    assert (with_code.invitee, with_code.source) == ("3", "code")
    wrong_code = match(mail(f"Code {A}", sender="info@verein.example"))
    assert wrong_code.invitee is None and "verschiedene Personen" in wrong_code.reason


def test_own_address_is_no_evidence() -> None:
    assert match(mail(sender="anmeldung@stadt.example")).invitee is None


def test_bounce_uses_the_failed_recipient_not_the_mailer_daemon() -> None:
    decision = match(mail(sender="MAILER-DAEMON@mx.example"), bounced=("bernd@example.org",))
    assert (decision.invitee, decision.source) == ("2", "absender")
    unknown = match(mail(sender="MAILER-DAEMON@mx.example"), bounced=("niemand@example.org",))
    assert unknown.invitee is None


def test_guessed_codes_match_nobody() -> None:
    """A guess hits one of N codes with chance N / 32^8 = N / 2^40: for 400 invitees about
    3.6e-10 per guess. Two thousand random guesses against 400 codes: no match."""
    rng = random.Random(5)
    codes = {"".join(rng.choice(ALPHABET) for _ in range(CODE_LENGTH)): str(i) for i in range(400)}
    directory = Directory(by_code=codes)
    hits = 0
    for _ in range(2_000):
        guess = "".join(rng.choice(ALPHABET) for _ in range(CODE_LENGTH))
        message = mail(f"Zusage {guess}", subject=f"Zusage {guess}")
        hits += (
            decide(
                gather(message, [Finding("formular", guess, "Feld")], directory), directory
            ).invitee
            is not None
        )
    assert hits == 0
