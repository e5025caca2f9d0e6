"""What did they say: one-click, form fields, German and English text, bounces, auto-replies."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

import pytest

from invite.answers import (
    detect_autoreply,
    detect_bounce,
    one_click,
    parse_count,
    read_answer,
    reply_text,
    sentence_answer,
)
from invite.evidence import FormFields, ScanReading
from invite.mailparse import IncomingMail, parse_mail

CODE = "K7Q2M9XA"


def mail(text: str, subject: str = "AW: Einladung", **headers: str) -> IncomingMail:
    msg = EmailMessage()
    msg["From"] = headers.pop("From", "gast@example.org")
    msg["Subject"] = subject
    for key, value in headers.items():
        msg[key.replace("_", "-")] = value
    msg.set_content(text)
    return parse_mail(msg.as_bytes(policy=SMTP))


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Wir kommen gerne zu zweit.", "zusage"),
        ("Gerne nehme ich teil.", "zusage"),
        ("Ich bin dabei!", "zusage"),
        ("Hiermit sage ich zu.", "zusage"),
        ("Ich melde mich hiermit an.", "zusage"),
        ("Ich kann leider nicht teilnehmen.", "absage"),
        ("Leider können wir nicht teilnehmen.", "absage"),
        ("Leider nicht.", "absage"),
        ("Wir sind nicht dabei.", "absage"),
        ("Ich muss leider absagen.", "absage"),
        ("Leider kann ich, wie telefonisch besprochen, nicht teilnehmen.", "absage"),
        ("Ich bin an dem Tag verhindert.", "absage"),
        ("Ich kann leider nicht.", "absage"),
        ("I would be happy to attend.", "zusage"),
        ("Count me in.", "zusage"),
        ("We will be there.", "zusage"),
        ("Unfortunately, I cannot attend.", "absage"),
        ("Unfortunately we will not be able to join.", "absage"),
        ("I regret that I can't make it.", "absage"),
        ("Sorry, I can't.", "absage"),
        ("I have to decline.", "absage"),
        ("Vielleicht komme ich.", "unsicher"),
        ("Ich komme, falls es zeitlich passt.", "unsicher"),
        ("Ich kann nicht, aber meine Kollegin kommt.", "unsicher"),
        ("Leider komme ich erst um 19 Uhr.", "unsicher"),
        ("Maybe I will attend.", "unsicher"),
        ("Kann ich meine Kollegin mitbringen?", "frage"),
        ("Vielen Dank für die Einladung.", ""),
        ("Mit freundlichen Grüßen", ""),
    ],
)
def test_sentences(sentence: str, expected: str) -> None:
    assert sentence_answer(sentence) == expected


@pytest.mark.parametrize(
    ("text", "persons"),
    [
        ("Wir kommen zu zweit.", 2),
        ("Wir kommen zu dritt.", 3),
        ("Wir nehmen mit 3 Personen teil.", 3),
        ("Ich komme mit zwei Kollegen.", 3),
        ("Ich komme mit meiner Kollegin.", 2),
        ("Ich komme allein.", 1),
        ("We will come, the two of us.", 2),
        ("I will attend with a colleague.", 2),
        ("We will attend with 4 people.", 4),
        ("Ich nehme teil.", None),
    ],
)
def test_persons_from_text(text: str, persons: int | None) -> None:
    reading = read_answer(mail(text))
    assert reading.answer == "zusage" and reading.sure
    assert reading.persons == persons


def test_quoted_original_and_signature_are_ignored() -> None:
    text = (
        "Leider nicht.\n\nMit freundlichen Grüßen\nAnna Müller\nTel. 0251 12345\n\n"
        "Am 15.01.2019 um 11:30 schrieb Stadt Münster <vernetzung@stadt.example>:\n"
        "> Ich nehme teil (Zusage): mailto:...\n> Ich kann nicht (Absage): mailto:..."
    )
    assert reply_text(text) == "Leider nicht."
    reading = read_answer(mail(text))
    assert (reading.answer, reading.sure) == ("absage", True)


def test_bottom_posting_outlook_and_forward_markers() -> None:
    bottom = "Am 15.01.2019 schrieb Stadt Münster:\n> Ich nehme teil (Zusage)\n\nIch bin dabei.\n"
    assert reply_text(bottom) == "Ich bin dabei."
    outlook = "Ich komme gern.\n\nVon: Stadt Münster\nGesendet: Dienstag, 15. Januar 2019\nAn: x\nBetreff: Einladung\n\nIch kann nicht (Absage)"
    assert reply_text(outlook) == "Ich komme gern."
    forward = (
        "Zur Info.\n\n---------- Forwarded message ---------\nFrom: Stadt\nIch nehme teil (Zusage)"
    )
    assert reply_text(forward) == "Zur Info."
    assert reply_text("- Ich komme\n- mit Begleitung") == "- Ich komme\n- mit Begleitung"


def test_one_click_answer_is_sure_only_for_the_matched_code() -> None:
    yes = mail(
        "Ich nehme teil. Anmeldecode: K7Q2-M9XA\nAnzahl Personen: 2\nNamen der Teilnehmenden: A, B\n",
        subject=f"Zusage {CODE}",
    )
    reading = read_answer(yes, code=CODE)
    assert (reading.answer, reading.persons, reading.participants, reading.sure) == (
        "zusage",
        2,
        "A, B",
        True,
    )
    assert "link" in reading.origins
    assert one_click("Absage K7Q2-M9XA") == ("absage", CODE)
    assert one_click("AW: Zusage K7Q2M9XA") is None
    other = read_answer(yes, code="ZZZZZZZZ")
    assert "link" not in other.origins


def test_one_click_contradicted_by_edited_body_goes_to_review() -> None:
    edited = mail("Ich kann leider nicht teilnehmen.", subject=f"Zusage {CODE}")
    reading = read_answer(edited, code=CODE)
    assert not reading.sure and "Widersprüchliche Angaben" in reading.unsure


def test_form_fields() -> None:
    text = mail("Anbei das Formular.")
    ja = read_answer(
        text, [FormFields("f.pdf", CODE, "ja", "3", "A, B, C", bemerkungen="vegetarisch")]
    )
    assert (ja.answer, ja.persons, ja.participants, ja.sure) == ("zusage", 3, "A, B, C", True)
    assert "vegetarisch" in ja.note
    nein = read_answer(text, [FormFields("f.pdf", CODE, "nein", "3")])
    assert (nein.answer, nein.persons, nein.sure) == ("absage", None, True)
    empty = read_answer(text, [FormFields("f.pdf", CODE, "")])
    assert not empty.sure and "keine Teilnahme angekreuzt" in empty.unsure and not empty.silent
    unreadable = read_answer(text, [FormFields("f.pdf", CODE, "ja", "viele")])
    assert not unreadable.sure and "nicht lesbar" in unreadable.unsure
    blank_but_text = read_answer(mail("Leider nicht."), [FormFields("f.pdf", CODE, "")])
    assert (blank_but_text.answer, blank_but_text.sure) == ("absage", True)
    disagree = read_answer(
        mail("Ich kann leider nicht teilnehmen."), [FormFields("f.pdf", CODE, "ja")]
    )
    assert not disagree.sure and "Widersprüchliche" in disagree.unsure


def test_scanned_forms() -> None:
    unclear = read_answer(mail("Anbei."), scans=[ScanReading("scan.jpg")])
    assert not unclear.sure and "eingescanntes Formular „scan.jpg“" in unclear.unsure
    yes = read_answer(mail("Anbei."), scans=[ScanReading("scan.jpg", "ja")])
    assert (yes.answer, yes.persons, yes.sure, yes.origins) == ("zusage", None, True, ("scan",))
    by_hand = read_answer(
        mail("Anbei."), scans=[ScanReading("scan.jpg", "ja", persons_written=True)]
    )
    assert not by_hand.sure and "von Hand" in by_hand.unsure
    no = read_answer(mail("Anbei."), scans=[ScanReading("scan.jpg", "nein", persons_written=True)])
    assert (no.answer, no.sure) == ("absage", True)
    contradicted = read_answer(
        mail("Wir kommen gerne zu zweit."), scans=[ScanReading("s.jpg", "nein")]
    )
    assert not contradicted.sure and "Widersprüchliche" in contradicted.unsure


def test_unsure_cases_quote_the_sentence() -> None:
    maybe = read_answer(mail("Hallo,\nvielleicht komme ich später dazu.\nGruß"))
    assert not maybe.sure and "vielleicht komme ich später dazu." in maybe.unsure
    plural = read_answer(mail("Wir kommen gerne!"))
    assert (
        plural.answer == "zusage" and not plural.sure and "Anzahl Personen unklar" in plural.unsure
    )
    conflict = read_answer(mail("Wir kommen zu zweit. Oder zu dritt, wir kommen mit 3 Personen."))
    assert not conflict.sure and "Unterschiedliche Personenzahlen" in conflict.unsure
    question = read_answer(mail("Gibt es Parkplätze?"))
    assert "Rückfrage" in question.unsure and question.silent
    thanks = read_answer(mail("Danke!"))
    assert thanks.silent and "Keine Zu- oder Absage erkannt" in thanks.unsure
    nothing = read_answer(mail(""))
    assert "keinen Text" in nothing.unsure


def test_question_next_to_an_answer_becomes_a_note() -> None:
    reading = read_answer(mail("Ich komme gerne. Gibt es Parkplätze?"))
    assert reading.sure and "Frage: Gibt es Parkplätze?" in reading.note


def test_reply_subject_is_not_read_but_a_new_subject_is() -> None:
    assert not read_answer(mail("", subject="AW: Erinnerung – Anmeldung bis 27.1.")).sure
    assert read_answer(mail("", subject="Absage Vernetzungstreffen")).answer == "absage"


def test_parse_count() -> None:
    assert [parse_count(t) for t in ("2", " 3 Personen", "zwei", "two", "", "ein paar", "1000")] == [
        2, 3, 2, 2, None, None, 1000,
    ]  # fmt: skip


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
