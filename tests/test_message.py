"""The composer on plain data: headers, injection refusal, encodings, HTML, calendar entry."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from pathlib import Path

import icalendar
import pytest

from invite.core.message import (
    Attachment,
    CalendarEntries,
    MailMessage,
    Recipient,
    bracketed_id,
    calendar_entry,
    calendar_uid,
    check_header_value,
    compose,
    encode_attachment,
    envelope_address,
    html_alternative,
    new_message_id,
    reply_reference,
)
from invite.errors import InviteError
from invite.settings import load_settings
from invite.templates import RenderedMail

REPO = Path(__file__).resolve().parent.parent
SETTINGS = load_settings(REPO / "invite" / "bundled", environ={})
DATE = dt.datetime(2019, 1, 10, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
PDF = b"%PDF-1.4\n% invite test\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
BODY = (
    "Sehr geehrte Frau Yılmaz,\n\nwir laden Sie ein <b>&</b>.\n\n"
    "    Zusage:   mailto:anmeldung@stadt-muenster.de?subject=Zusage%20K7Q2M9XA&body=Ja\n"
    ".Zeile mit Punkt am Anfang\n"
)


def make(
    name: str = "Ayşe Yılmaz",
    address: str = "ayse@example.org",
    subject: str = "Einladung – Ihr Anmeldecode K7Q2M9XA",
    attachments: tuple = (),
) -> MailMessage:
    return compose(
        SETTINGS.mail,
        Recipient(name, address),
        RenderedMail(subject, BODY),
        message_id="<invite.invitation.abc@stadt-muenster.de>",
        date=DATE,
        attachments=attachments,
    )


def parse(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)  # type: ignore[return-value]


def test_headers_carry_sender_reply_to_recipient_subject_date_and_id() -> None:
    msg = make().as_email()
    assert msg["From"].addresses[0].display_name == SETTINGS.mail.from_name
    assert msg["From"].addresses[0].addr_spec == SETTINGS.mail.from_address
    assert msg["Reply-To"].addresses[0].addr_spec == SETTINGS.mail.reply_to
    assert msg["To"].addresses[0].display_name == "Ayşe Yılmaz"
    assert msg["Subject"] == "Einladung – Ihr Anmeldecode K7Q2M9XA"
    assert msg["Date"].datetime == DATE
    assert msg["Message-ID"] == "<invite.invitation.abc@stadt-muenster.de>"


@pytest.mark.parametrize(
    "name",
    ['Sam "The Man" O\'Brien, Jr.', "Дмитрий Иванов", "محمد الأحمد", "Müller; evil@x.de", "a <b>"],
)
def test_display_names_are_encoded_safely(name: str) -> None:
    raw = make(name=name).data
    (to_line,) = [line for line in raw.split(b"\r\n") if line.startswith(b"To:")]
    assert to_line.isascii()
    (addr,) = parse(raw)["To"].addresses
    assert (addr.display_name, addr.addr_spec) == (name, "ayse@example.org")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Eva\r\nBcc: victim@example.org"),
        ("name", "Eva\nBcc: victim@example.org"),
        ("address", "eva@example.org\r\nBcc: victim@example.org"),
        ("subject", "Einladung\rBcc: victim@example.org"),
        ("subject", "Einladung\x00"),
        ("name", "Eva\u2028Bcc: victim@example.org"),
    ],
)
def test_header_injection_is_refused(field: str, value: str) -> None:
    with pytest.raises(InviteError, match="Steuerzeichen"):
        make(**{field: value})


def test_more_than_one_address_is_refused() -> None:
    with pytest.raises(InviteError, match="keine gültige Adresse"):
        make(address="a@example.org, b@example.org")


@pytest.mark.parametrize("stored", ["abc@x.de", "<abc@x.de>", " <abc@x.de> "])
def test_a_reply_carries_the_answer_id_as_a_bracketed_msg_id(stored: str) -> None:
    msg = compose(
        SETTINGS.mail,
        Recipient("Ayşe Yılmaz", "ayse@example.org"),
        RenderedMail("Anmeldebestätigung", BODY),
        message_id="<invite.confirmation.abc@stadt-muenster.de>",
        date=DATE,
        in_reply_to=stored,
    )
    raw = msg.data.split(b"\r\n\r\n", 1)[0]
    assert b"\r\nIn-Reply-To: <abc@x.de>\r\n" in raw
    assert b"\r\nReferences: <abc@x.de>\r\n" in raw
    assert bracketed_id(stored) == "<abc@x.de>"


@pytest.mark.parametrize(
    "stored", ["abc\x01@x.de", "abc\x7f@x.de", "a b@x.de", "äbc@x.de", "x" * 600 + "@x.de"]
)
def test_a_malformed_answer_id_is_dropped_not_refused(stored: str) -> None:
    """A confirmation never fails on the reply's broken Message-ID (issue 10): it goes out
    without In-Reply-To/References instead of asking staff to fix a non-existent entry."""
    msg = compose(
        SETTINGS.mail,
        Recipient("Ayşe Yılmaz", "ayse@example.org"),
        RenderedMail("Anmeldebestätigung", BODY),
        message_id="<invite.confirmation.abc@stadt-muenster.de>",
        date=DATE,
        in_reply_to=stored,
    )
    raw = msg.data.split(b"\r\n\r\n", 1)[0]
    assert b"In-Reply-To" not in raw and b"References" not in raw
    assert reply_reference(stored) is None


def test_check_header_value_passes_ordinary_text() -> None:
    assert check_header_value("Subject", "Zusage K7Q2M9XA – Grüße") == "Zusage K7Q2M9XA – Grüße"


def test_attachments_with_umlauts_use_rfc_2231() -> None:
    raw = make(attachments=(Attachment("Einladung Stadt Münster.pdf", PDF),)).data
    assert b"filename*=utf-8''Einladung%20Stadt%20M%C3%BCnster.pdf" in raw
    (part,) = parse(raw).iter_attachments()
    assert part.get_filename() == "Einladung Stadt Münster.pdf"
    assert part.get_content() == PDF


def test_shared_attachment_is_encoded_once_and_reused() -> None:
    programme = encode_attachment(Attachment("Programm.pdf", PDF))
    first = make(attachments=(programme,)).data
    second = make(name="Jürgen Müller", attachments=(programme,)).data
    for raw in (first, second):
        (part,) = parse(raw).iter_attachments()
        assert part.get_content() == PDF


def test_wire_format_is_7bit_crlf_and_parses_back_whole() -> None:
    calendar = b"BEGIN:VCALENDAR\r\nSUMMARY:Vernetzungstreffen M\xc3\xbcnster\r\nEND:VCALENDAR\r\n"
    msg = make(
        attachments=(
            Attachment("Brief.pdf", PDF),
            encode_attachment(Attachment("Programm Münster.pdf", PDF)),
            Attachment("Termin.ics", calendar, "text/calendar"),
        )
    )
    raw = msg.data
    assert raw.isascii() and b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 78 for line in raw.split(b"\r\n"))
    parsed = msg.as_email()
    assert not parsed.defects
    assert [p.get_content_type() for p in parsed.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "application/pdf",
        "application/pdf",
        "text/calendar",
    ]
    brief, programme, ics = parsed.iter_attachments()
    assert brief.get_content() == programme.get_content() == PDF
    assert ics.get_content() == calendar.decode("utf-8")
    assert programme.get_filename() == "Programm Münster.pdf"


def test_a_line_starting_with_a_dot_and_trailing_spaces_survive() -> None:
    body = make().as_email().get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert ".Zeile mit Punkt am Anfang\n" in body


def test_body_is_plain_text_plus_escaped_html() -> None:
    msg = make().as_email()
    assert msg.get_body(("plain",)).get_content().replace("\r\n", "\n") == BODY
    html = msg.get_body(("html",)).get_content()
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in html and "<b>" not in html
    assert (
        '<a href="mailto:anmeldung@stadt-muenster.de?subject=Zusage%20K7Q2M9XA&amp;body=Ja">'
        in html
    )
    assert ">Zusage K7Q2M9XA</a>" in html


def test_html_alternative_never_lets_markup_through() -> None:
    html = html_alternative('<script>alert(1)</script>\n"x" https://example.org/?a=<b>')
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert re.search(r'<a href="https://example.org/\?a=">', html)


def test_message_ids_are_unique_on_the_sender_domain() -> None:
    ids = {new_message_id("reminder", "vernetzung@stadt-muenster.de") for _ in range(100)}
    assert len(ids) == 100
    assert all(re.fullmatch(r"<invite\.reminder\.[0-9a-f]{24}@stadt-muenster\.de>", i) for i in ids)
    with pytest.raises(ValueError):
        new_message_id("spam", "a@b.de")


def test_envelope_address_punycodes_the_domain_and_flags_utf8_local_parts() -> None:
    assert envelope_address("info@münster.de") == ("info@xn--mnster-3ya.de", False)
    assert envelope_address("jürgen@example.org") == ("jürgen@example.org", True)


def test_calendar_entry_is_the_event_in_berlin_time() -> None:
    uid = calendar_uid("K7Q2M9XA", SETTINGS.event, SETTINGS.mail.from_address)
    data = calendar_entry(
        SETTINGS.event,
        uid=uid,
        stamp=DATE,
        organizer=Recipient("Stadt Münster", "anmeldung@stadt-muenster.de"),
    )
    cal = icalendar.Calendar.from_ical(data)
    (event,) = cal.walk("VEVENT")
    assert str(event["UID"]) == uid == "invite-k7q2m9xa-20190131@stadt-muenster.de"
    assert event.decoded("DTSTART").isoformat() == "2019-01-31T17:00:00+01:00"
    assert event.decoded("DTEND").isoformat() == "2019-01-31T20:00:00+01:00"
    assert str(event["LOCATION"]).startswith("Festsaal des Rathauses")
    assert len(cal.walk("VTIMEZONE")) == 1
    assert uid == calendar_uid("K7Q2M9XA", SETTINGS.event, SETTINGS.mail.from_address)


def test_calendar_entries_for_many_invitees_equal_a_fresh_build() -> None:
    organizer = Recipient("Stadt Münster", "anmeldung@stadt-muenster.de")
    entries = CalendarEntries(SETTINGS.event, stamp=DATE, organizer=organizer)
    for code in ("K7Q2M9XA", "ABCDEFGH"):
        uid = calendar_uid(code, SETTINGS.event, SETTINGS.mail.from_address)
        expected = calendar_entry(SETTINGS.event, uid=uid, stamp=DATE, organizer=organizer)
        assert entries.for_uid(uid) == expected
