"""What did they say: one-click, form fields, German and English text (server messages: test_reports)."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

import pytest

from invite.core.answers import (
    one_click,
    parse_count,
    read_answer,
    reply_text,
    sentence_answer,
    sentence_persons,
    sentences,
)
from invite.mail.mailparse import IncomingMail, html_to_text, parse_mail
from invite.paper.evidence import FormFields, ScanReading

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


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("Ich würde gern kommen, muss aber erst den Dienstplan abwarten.", "Dienstplan abwarten"),
        ("Eine Zusage ist erst nach unserer Sitzung möglich.", "erst nach unserer Sitzung"),
        ("Vielen Dank! Wir melden uns noch.", "Wir melden uns noch."),
        ("Wir können noch nicht fest zusagen.", "noch nicht fest zusagen"),
        ("Ich weiß noch nicht, ob ich es schaffe.", "ob ich es schaffe"),
        ("I'm not sure yet whether I can make it.", "not sure yet"),
        ("Vielleicht komme ich mit meinem Mann.", "Vielleicht komme ich"),
        ("Ich komme, mein Kollege leider nicht.", "mein Kollege leider nicht"),
        ("Ich kann nicht, aber meine Kollegin kommt an meiner Stelle.", "an meiner Stelle"),
        ("Ich würde gern kommen.", "Ich würde gern kommen."),
    ],
)
def test_hedges_conditions_promises_and_mixed_signals_go_to_review(text: str, quoted: str) -> None:
    reading = read_answer(mail(f"Hallo Frau Dr. Meier,\n\n{text}\n\nViele Grüße\nAnna"))
    assert not reading.sure
    assert quoted in reading.unsure
    assert "Hallo Frau" not in reading.unsure  # never the salutation


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Da sagen wir nicht nein und kommen gern.", "zusage"),
        ("Das möchten wir auf keinen Fall verpassen.", "zusage"),
        ("Das lassen wir uns nicht entgehen.", "zusage"),
        ("Wir werden nicht fehlen!", "zusage"),
        ("We wouldn't miss it.", "zusage"),
        ("Ich komme gern, kein Problem.", "zusage"),
        ("Wir können noch nicht fest zusagen.", "unsicher"),
        ("We can't confirm yet.", "unsicher"),
        ("Ich kann keine Zusage geben.", "unsicher"),
        ("Ich komme leider nicht.", "absage"),
        ("Leider ist es mir nicht möglich, an dem Treffen teilzunehmen.", "absage"),
        ("Ich kann nicht kommen, weil ich nicht in Münster bin.", "absage"),
    ],
)
def test_negation_belongs_to_its_verb_and_idioms_are_phrases(sentence: str, expected: str) -> None:
    assert sentence_answer(sentence) == expected


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        (
            "Am Do., 31.1. sind wir gern dabei, zu zweit. Viele Grüße",
            "Am Do., 31.1. sind wir gern dabei, zu zweit.",
        ),
        (
            "Wir bringen z. B. Flyer mit. Ich komme mit Herrn Prof. Dr. Schulz.",
            "Wir bringen z. B. Flyer mit.",
        ),
        (
            "Hallo Frau Dr. Meier, ich komme gern. Gibt es Parkplätze?",
            "Hallo Frau Dr. Meier, ich komme gern.",
        ),
        ("Wir kommen am 31. Januar gern. Herzliche Grüße", "Wir kommen am 31. Januar gern."),
    ],
)
def test_dates_and_abbreviations_do_not_end_a_sentence(text: str, sentence: str) -> None:
    assert sentence in sentences(text)


def test_dates_and_abbreviations_in_a_whole_reply() -> None:
    reading = read_answer(mail("Hallo,\n\nam Do., 31.1. sind wir gern zu zweit dabei.\n\nGruß"))
    assert (reading.answer, reading.persons, reading.sure) == ("zusage", 2, True)
    unclear = read_answer(mail("Hallo,\n\nam Do., 31.1. kommen wir evtl. mit Dr. Meier.\n\nGruß"))
    assert not unclear.sure and "am Do., 31.1. kommen wir evtl. mit Dr. Meier." in unclear.unsure


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("Hiermit melden wir uns an, 2 Personen.", "zusage"),
        ("Unsere Vorsitzende nimmt teil.", "zusage"),
        ("Bin dabei!", "zusage"),
        ("Ohne uns, leider.", "absage"),
        ("I'm away that week.", "absage"),
        ("We will not be able to make it.", "absage"),
        ("I'd like to come, but I'm on leave that week.", "absage"),
        ("Im Auftrag von Herrn Dr. Nguyen teile ich mit, dass er gerne teilnimmt.", "zusage"),
        ("Ich nehme die Einladung gerne an.", "zusage"),
        ("Wir müssen leider passen.", "absage"),
    ],
)
def test_verb_first_third_person_short_forms_and_english_absence(text: str, answer: str) -> None:
    reading = read_answer(mail(text))
    assert (reading.answer, reading.sure) == (answer, True), reading.unsure


@pytest.mark.parametrize(
    ("text", "persons", "unsure"),
    [
        ("Ich nehme gern teil. Mein Kollege kommt mit.", 2, ""),
        ("Ich komme. Meine Kollegin Frau Kaya begleitet mich.", 2, ""),
        ("Wir nehmen mit drei Personen teil.", 3, ""),
        ("We will be three people.", 3, ""),
        ("Ich komme mit zwei Kollegen.", 3, ""),
        ("Hiermit melden wir uns an.", None, "Anzahl Personen unklar"),
        ("Ich komme gern mit Kollegen aus dem Vorstand.", None, "Begleitung ohne Zahl"),
        ("Ich komme und bringe noch Leute mit.", None, "Begleitung ohne Zahl"),
        ("Wir kommen zu zweit. Ich komme mit zwei Kollegen.", None, "Personenzahl passt nicht"),
    ],
)
def test_persons_never_silently_one(text: str, persons: int | None, unsure: str) -> None:
    reading = read_answer(mail(text))
    assert reading.answer == "zusage"
    assert reading.persons == persons
    assert (unsure in reading.unsure) if unsure else reading.sure, reading.unsure


def test_number_words_through_text2num() -> None:
    assert sentence_persons("Wir sind zwölf Leute.").total == 12
    assert sentence_persons("the three of us will come", "en").total == 3
    assert sentence_persons("Ich komme um 17 Uhr mit 2 Kollegen.").companions == 2
    assert sentence_persons("Am 31.1. komme ich allein.").total == 1


@pytest.mark.parametrize("subject", ["Anmeldung", "Re: Einladung", "Anmeldung Vernetzungstreffen"])
def test_a_subject_that_names_the_topic_is_no_answer(subject: str) -> None:
    reading = read_answer(
        mail("Sehr geehrte Damen und Herren,\n\nanbei unsere Unterlagen.", subject)
    )
    assert not reading.sure and "anbei unsere Unterlagen" in reading.unsure


def test_a_subject_that_answers_counts() -> None:
    assert read_answer(mail("Viele Grüße\nAnna", "Zusage")).answer == "zusage"
    reading = read_answer(mail("Ich komme gern.", "Absage"))
    assert "Widersprüchliche" in reading.unsure


@pytest.mark.parametrize(
    "text",
    [
        "Merhaba,\n\ndavetiniz için teşekkür ederim. Toplantıya katılacağım.\n\nSaygılarımla",
        "Dzień dobry,\n\nniestety nie mogę przyjść na spotkanie.\n\nPozdrawiam",
        "مرحبا،\n\nشكرا على الدعوة. سأحضر الاجتماع.",
        "Здравствуйте,\n\nспасибо за приглашение. Я обязательно приду.",
    ],
)
def test_other_languages_go_to_review_unless_the_form_answers(text: str) -> None:
    reading = read_answer(mail(text))
    assert not reading.sure and "anderen Sprache" in reading.unsure
    with_form = read_answer(mail(text), [FormFields("f.pdf", CODE, "ja", "2")])
    assert (with_form.answer, with_form.persons, with_form.sure) == ("zusage", 2, True)


def test_names_in_signatures_are_no_foreign_text() -> None:
    reading = read_answer(mail("Ich komme gern.\n\nMfG Karl-Heinz Brösel\nGül Şahin Yıldız"))
    assert (reading.answer, reading.sure) == ("zusage", True)


def test_printed_form_without_a_readable_tick_goes_to_review_whatever_else_says() -> None:
    printed = FormFields("scan.pdf", CODE, "", "2", printed=True)
    for subject, text in (("Zusage", "Anbei."), ("AW: Einladung", "Wir kommen gerne zu zweit.")):
        reading = read_answer(mail(text, subject), [printed])
        assert not reading.sure and "ohne erkennbares Kreuz" in reading.unsure
    ticked = read_answer(mail("Anbei."), [FormFields("scan.pdf", CODE, "ja", "2", printed=True)])
    assert (ticked.answer, ticked.persons, ticked.sure) == ("zusage", 2, True)


@pytest.mark.parametrize(
    "quote",
    [
        "-----Ursprüngliche Nachricht-----\nVon: Stadt Münster\nGesendet: Dienstag, 15. Januar 2019 11:30\nAn: x\nBetreff: Einladung\n\nIch nehme teil (Zusage)",
        "Von: Stadt Münster <a@stadt.example>\nGesendet: Dienstag, 15. Januar 2019 11:30:12\nAn: Anna\nBetreff: Einladung\n\nIch nehme teil (Zusage)",
        "From: Stadt Münster <a@stadt.example>\nSent: Tuesday, January 15, 2019 11:30 AM\nTo: x\nSubject: Invitation\n\nI will attend (yes)",
        "On Tue, Jan 15, 2019 at 11:30 AM Stadt Münster <a@stadt.example> wrote:\n\n> Ich nehme teil",
        "> Am 15.01.2019 um 11:30 schrieb Stadt Münster <a@stadt.example>:\n> \n> Ich nehme teil",
        "________________________________\nVon: Stadt Münster\nGesendet: Dienstag, 15. Januar 2019 11:30\nAn: x\nBetreff: y\n\nIch nehme teil (Zusage)",
    ],
)
def test_quoted_history_of_every_mail_program_is_cut(quote: str) -> None:
    written = reply_text(f"Leider nicht.\n\nGruß\nAnna\n\n{quote}")
    assert written.startswith("Leider nicht.")
    assert "teil" not in written and "attend" not in written


def test_html_quotes_of_gmail_outlook_and_apple_are_marked() -> None:
    gmail = html_to_text(
        '<div dir="ltr">Leider nicht.</div><div class="gmail_quote"><div class="gmail_attr">Am Di. schrieb X:</div>'
        '<blockquote class="gmail_quote">Ich nehme teil</blockquote></div>'
    )
    assert reply_text(gmail) == "Leider nicht."
    apple = html_to_text(
        '<div>Leider nicht.</div><blockquote type="cite">Ich nehme teil</blockquote>'
    )
    assert reply_text(apple) == "Leider nicht."
    outlook = html_to_text(
        '<p class="MsoNormal">Leider nicht.</p><div style="border-top:solid #E1E1E1 1.0pt">'
        "<p><b>Von:</b> Stadt<br><b>Gesendet:</b> Dienstag<br><b>An:</b> x<br><b>Betreff:</b> y</p></div>"
        "<p>Ich nehme teil</p>"
    )
    assert reply_text(outlook) == "Leider nicht."
