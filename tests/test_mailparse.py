"""The bounded mail parser: plain data out, every problem a German reason, never an exception."""

from __future__ import annotations

import base64
import random
from email.message import EmailMessage
from email.policy import SMTP

from invite.mail.mailparse import (
    MAX_DEPTH,
    MAX_PARTS,
    MB,
    decode_bytes,
    decode_words,
    html_to_text,
    parse_mail,
)


def message(text: str = "Wir kommen gerne.", **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = headers.pop("From", "Ayşe Yılmaz <Ayse.Yilmaz@Example.ORG>")
    msg["To"] = "anmeldung@stadt.example"
    msg["Subject"] = headers.pop("Subject", "AW: Einladung – Ihr Anmeldecode K7Q2M9XA")
    msg["Message-ID"] = "<reply-1@example.org>"
    for key, value in headers.items():
        msg[key.replace("_", "-")] = value
    msg.set_content(text)
    return msg


def raw(head: str, body: bytes | str) -> bytes:
    data = body.encode() if isinstance(body, str) else body
    return (
        ("From: x@example.net\r\nSubject: Test\r\nMessage-ID: <t@x>\r\n" + head).encode()
        + b"\r\n"
        + data
    )


def test_headers_and_text_of_a_plain_reply() -> None:
    msg = message(
        In_Reply_To="<invite.invitation.abc@stadt.example>",
        References="<a@x> <invite.invitation.abc@stadt.example>",
    )
    mail = parse_mail(msg.as_bytes(policy=SMTP))
    assert not mail.rejected and mail.problems == []
    assert mail.sender == "ayse.yilmaz@example.org"
    assert mail.sender_name == "Ayşe Yılmaz"
    assert mail.subject == "AW: Einladung – Ihr Anmeldecode K7Q2M9XA"
    assert mail.message_id == "reply-1@example.org"
    assert mail.thread_ids == ("invite.invitation.abc@stadt.example", "a@x")
    assert mail.text.strip() == "Wir kommen gerne."


def test_attachments_are_listed_with_name_type_and_bytes() -> None:
    msg = message()
    msg.add_attachment(
        b"%PDF-1.7 data",
        maintype="application",
        subtype="pdf",
        filename="Anmeldeformular Müller.pdf",
    )
    msg.add_attachment(b"\xff\xd8\xff", maintype="image", subtype="jpeg", filename="scan.jpg")
    mail = parse_mail(msg.as_bytes(policy=SMTP))
    assert [(a.filename, a.content_type, a.data) for a in mail.attachments] == [
        ("Anmeldeformular Müller.pdf", "application/pdf", b"%PDF-1.7 data"),
        ("scan.jpg", "image/jpeg", b"\xff\xd8\xff"),
    ]
    assert not any(a.forwarded for a in mail.attachments)


def test_forwarded_message_is_kept_apart_from_what_the_sender_wrote() -> None:
    inner = message("Ich nehme teil (Zusage)", Subject="Einladung")
    inner.replace_header("Message-ID", "<invite.invitation.xyz@stadt.example>")
    inner.add_attachment(b"%PDF-1.7", maintype="application", subtype="pdf", filename="form.pdf")
    outer = message("Zur Info.")
    outer.add_attachment(inner)
    mail = parse_mail(outer.as_bytes(policy=SMTP))
    assert mail.text.strip() == "Zur Info."
    assert "Zusage" in mail.forwarded_text
    assert mail.forwarded_ids == ("invite.invitation.xyz@stadt.example",)
    assert [a.forwarded for a in mail.attachments] == [True]


def test_html_only_reply_becomes_text_with_quotes_marked() -> None:
    body = "<html><head><style>p{color:red}</style></head><body><p>Gerne&nbsp;komme ich.</p><blockquote>Ich nehme teil</blockquote><script>x()</script></body></html>"
    mail = parse_mail(raw("Content-Type: text/html; charset=utf-8\r\n", body))
    assert mail.html_only
    assert "Gerne\xa0komme ich." in mail.text or "Gerne komme ich." in mail.text
    assert "> Ich nehme teil" in mail.text
    assert "x()" not in mail.text and "color" not in mail.text


def test_html_to_text_survives_broken_markup() -> None:
    assert "Hallo" in html_to_text("<p>Hallo<div><<<>>></b></i><!-- ")


def test_too_big_message_is_refused_but_its_sender_is_shown() -> None:
    mail = parse_mail(raw("", b"x" * (40 * MB + 1)))
    assert "zu groß" in mail.rejected
    assert mail.sender == "x@example.net" and mail.message_id == "t@x"


def test_overlong_header_line_is_refused() -> None:
    mail = parse_mail(raw("X-Junk: " + "A" * MB + "\r\n", "Hallo"))
    assert "Kopfzeile" in mail.rejected
    assert mail.subject == "Test"


def test_too_many_parts_are_refused_cheaply_and_exactly() -> None:
    part = b"--B\r\nContent-Type: text/plain\r\n\r\nx\r\n"
    head = 'Content-Type: multipart/mixed; boundary="B"\r\n'
    assert "zu viele MIME-Teile" in parse_mail(raw(head, part * 10_000 + b"--B--\r\n")).rejected
    assert (
        "zu viele MIME-Teile"
        in parse_mail(raw(head, part * (MAX_PARTS + 1) + b"--B--\r\n")).rejected
    )
    assert parse_mail(raw(head, part * (MAX_PARTS - 2) + b"--B--\r\n")).rejected == ""


def test_deep_nesting_is_refused() -> None:
    body = b"x\r\n"
    for depth in range(MAX_DEPTH + 5):
        body = (
            b'Content-Type: multipart/mixed; boundary="n%d"\r\n\r\n--n%d\r\n' % (depth, depth)
            + body
            + b"\r\n--n%d--\r\n" % depth
        )
    mail = parse_mail(b"From: x@example.net\r\n" + body)
    assert "verschachtelt" in mail.rejected
    deeper = b"x"
    for depth in range(400):
        deeper = (
            b'Content-Type: multipart/mixed; boundary="n%d"\r\n\r\n--n%d\r\n' % (depth, depth)
            + deeper
            + b"\r\n--n%d--\r\n" % depth
        )
    assert "verschachtelt" in parse_mail(b"From: x@example.net\r\n" + deeper).rejected


def test_unknown_charset_is_read_as_utf8_with_a_note() -> None:
    mail = parse_mail(raw("Content-Type: text/plain; charset=x-klingon\r\n", "Wir kommen zu zweit"))
    assert mail.text == "Wir kommen zu zweit"
    assert any("Zeichensatz „x-klingon“" in p for p in mail.problems)
    assert decode_bytes(b"\xfcber", "zlib_codec") == "über"  # bytes codecs are not text encodings
    assert decode_words("=?x-unknown?B?SGFsbG8=?= Welt") == "Hallo Welt"


def test_invalid_base64_is_read_partly_with_a_note() -> None:
    mail = parse_mail(
        raw("Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n", "SGFsbG8=!!**\r\n")
    )
    assert not mail.rejected
    assert any("Base64" in p for p in mail.problems)


def test_oversized_attachment_is_skipped_with_a_note() -> None:
    msg = message()
    msg.add_attachment(
        b"0" * (16 * MB), maintype="application", subtype="pdf", filename="riesig.pdf"
    )
    mail = parse_mail(msg.as_bytes(policy=SMTP))
    assert mail.attachments == []
    assert any("„riesig.pdf“ ist zu groß" in p for p in mail.problems)


def test_bounce_parts_are_collected() -> None:
    body = (
        b"--R\r\nContent-Type: text/plain\r\n\r\nfailed\r\n"
        b"--R\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        b"Final-Recipient: rfc822; a@b.example\r\nAction: failed\r\nDiagnostic-Code: smtp; 550 5.1.1 unknown\r\n\r\n"
        b"--R\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <invite.invitation.q@stadt.example>\r\n\r\n--R--\r\n"
    )
    mail = parse_mail(
        raw('Content-Type: multipart/report; report-type=delivery-status; boundary="R"\r\n', body)
    )
    assert "Diagnostic-Code: smtp; 550 5.1.1 unknown" in mail.delivery_status
    assert mail.forwarded_ids == ("invite.invitation.q@stadt.example",)


def test_control_and_bidi_characters_never_reach_subject_or_name() -> None:
    mail = parse_mail(
        raw("", "x").replace(b"Subject: Test", b"Subject: =?utf-8?b?4oCuZWdhc3Va?= \x01\x07ok")
    )
    assert "\u202e" not in mail.subject and "\x01" not in mail.subject
    assert mail.subject.endswith("ok")


def test_random_garbage_and_mutations_never_raise() -> None:
    rng = random.Random(42)
    good = message().as_bytes(policy=SMTP)
    good_pdf = message()
    good_pdf.add_attachment(b"%PDF" * 100, maintype="application", subtype="pdf", filename="f.pdf")
    seeds = [good, good_pdf.as_bytes(policy=SMTP)]
    for _ in range(300):
        base = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 30)):
            pos = rng.randrange(len(base))
            base[pos : pos + rng.randint(1, 8)] = rng.randbytes(rng.randint(0, 8))
        mail = parse_mail(bytes(base))
        assert isinstance(mail.problems, list)
    for _ in range(100):
        parse_mail(rng.randbytes(rng.randint(0, 5000)))
    assert parse_mail(b"").rejected == ""


def test_base64_attachment_is_decoded() -> None:
    data = bytes(range(256)) * 10
    body = (
        b'--B\r\nContent-Type: text/plain\r\n\r\nhallo\r\n--B\r\nContent-Type: application/pdf; name="a.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(data) + b"--B--\r\n"
    )
    mail = parse_mail(raw('Content-Type: multipart/mixed; boundary="B"\r\n', body))
    assert mail.attachments[0].data == data and mail.attachments[0].filename == "a.pdf"
