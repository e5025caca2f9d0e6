"""Addresses with umlauts in the domain: punycode on the wire (envelope and To:), either
spelling tied to the same invitee, a punycode address kept as typed (aiosmtpd, Dovecot)."""

from __future__ import annotations

import datetime as dt
import re
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from mailservers import DovecotServer, SmtpServer, TestCerts
from openpyxl import load_workbook
from sendkit import imap_env, make_campaign, smtp_env
from workbooks import example_rows

from invite.core.addresses import address_key, ascii_domain
from invite.core.message import Recipient, compose, envelope_address, mail_address
from invite.errors import InviteError
from invite.settings import load_settings
from invite.steps.poll import poll
from invite.steps.send import SendOptions, run_send
from invite.steps.status import write_status
from invite.store import Store, deliveries, latest_answers
from invite.templates import RenderedMail
from invite.workbook.status_workbook import SHEET_INVITEES

REPO = Path(__file__).resolve().parent.parent
UNICODE = "anna@münster-bürger.de"
PUNYCODE = "anna@xn--mnster-brger-dlbh.de"


# -- the one rule: pure ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        UNICODE,
        PUNYCODE,
        "Anna@MÜNSTER-Bürger.DE",
        "anna@XN--MNSTER-BRGER-DLBH.DE",
        " anna@münster-bürger.de ",
    ],
)
def test_every_spelling_of_an_idn_address_is_one_key(spelling: str) -> None:
    assert address_key(spelling) == PUNYCODE


def test_decomposed_umlauts_are_the_same_key() -> None:
    nfd = "anna@mu\u0308nster-bu\u0308rger.de"  # as macOS may hand it over
    assert address_key(nfd) == PUNYCODE


def test_different_mailboxes_stay_different() -> None:
    assert address_key("anna@münster.de") != address_key("anna@munster.de")
    assert address_key("anna@münster.de") != address_key("anne@münster.de")


def test_idna_2008_not_2003() -> None:
    # IDNA 2003 (the standard library's codec) maps ß to ss; IDNA 2008 keeps it.
    assert ascii_domain("straße.de") == "xn--strae-oqa.de"
    assert "straße.de".encode("idna") == b"strasse.de"
    with pytest.raises(ValueError):
        ascii_domain("☃.example")  # symbols are refused by IDNA 2008
    assert ascii_domain("Example.ORG") == "Example.ORG"  # ASCII stays as typed


def test_to_header_carries_the_punycode_domain_and_an_encoded_name() -> None:
    settings = load_settings(REPO / "invite" / "bundled", environ={})
    msg = compose(
        settings.mail,
        Recipient("Anna Müller", UNICODE),
        RenderedMail("Einladung", "Hallo\n"),
        message_id="<invite.invitation.x@stadt-muenster.de>",
        date=dt.datetime(2019, 1, 10, 9, 30, tzinfo=dt.UTC),
    )
    head = msg.data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    to = re.search(r"^To:(.*(?:\r\n .*)*)", head, re.M)
    assert to is not None
    unfolded = to.group(1).replace("\r\n", "")
    assert f"<{PUNYCODE}>" in unfolded
    address_part = unfolded[unfolded.index("<") :]
    assert "=?" not in address_part  # RFC 2047 5: no encoded-word inside an addr-spec
    parsed = msg.as_email()["To"].addresses[0]
    assert parsed.display_name == "Anna Müller" and parsed.domain == "xn--mnster-brger-dlbh.de"


def test_a_domain_idna_refuses_is_a_german_error() -> None:
    with pytest.raises(InviteError, match="kein gültiger internationaler Domainname"):
        mail_address("To", "X", "x@☃.example")


def test_envelope_uses_idna_2008() -> None:
    assert envelope_address("info@straße.de") == ("info@xn--strae-oqa.de", False)


# -- the contact list ------------------------------------------------------------------------


def idn_rows() -> list[dict]:
    rows = example_rows(3)
    rows[0]["E-Mail"] = UNICODE
    rows[1]["E-Mail"] = "bernd@xn--kln-sna.de"  # typed in punycode (köln.de)
    return rows


def test_the_list_keeps_each_spelling_as_typed(tmp_path: Path) -> None:
    campaign = make_campaign(tmp_path, idn_rows())
    emails = {inv.number: inv.email for inv in campaign.read_contacts().invitees}
    assert emails["1"] == UNICODE
    assert emails["2"] == "bernd@xn--kln-sna.de"


def test_both_spellings_of_one_address_are_a_duplicate(tmp_path: Path) -> None:
    rows = idn_rows()
    rows[2]["E-Mail"] = PUNYCODE
    campaign = make_campaign(tmp_path, rows)
    problems = " ".join(p.message for p in campaign.read_contacts().errors)
    assert "kommt doppelt vor" in problems


# -- against the servers -----------------------------------------------------------------------


def test_idn_invitee_gets_punycode_in_envelope_and_to_header(
    tmp_path: Path, smtp_server: SmtpServer, test_certs: TestCerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    campaign = make_campaign(tmp_path, idn_rows())
    result = run_send(campaign, SendOptions(), retry_delays=(0.05,))
    assert len(result.delivery.sent) == 3
    by_rcpt = {m.rcpt_tos[0]: m for m in smtp_server.messages}
    assert set(by_rcpt) == {PUNYCODE, "bernd@xn--kln-sna.de", "gast3@example.org"}
    received = by_rcpt[PUNYCODE]
    assert "SMTPUTF8" not in received.mail_options  # plain ASCII envelope: any server takes it
    raw_head = received.data.split(b"\r\n\r\n", 1)[0]
    assert raw_head.isascii()
    to = received.message["To"].addresses[0]
    assert to.addr_spec == PUNYCODE and to.display_name == "Ayşe Yılmaz"
    assert b"<" + PUNYCODE.encode() + b">" in raw_head.replace(b"\r\n ", b" ")
    with Store.open(campaign.paths.data) as state:
        ledger = {d.invitee: d.recipient for d in deliveries(state, "invitation")}
    assert ledger["1"] == UNICODE  # the ledger keeps the address as the list has it


def test_a_reply_from_either_spelling_is_tied_to_the_invitee(
    tmp_path: Path, dovecot: DovecotServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = dovecot.new_account()
    imap_env(monkeypatch, account)
    campaign = make_campaign(tmp_path, idn_rows())
    # Nr. 1 is listed with umlauts and answers from the punycode spelling; Nr. 2 is listed
    # in punycode and answers from a client that shows the domain in Unicode (SMTPUTF8).
    for sender, text in (
        (f"Ayşe Yılmaz <{PUNYCODE}>", "Hallo, ich komme gerne zum Vernetzungstreffen."),
        ("Jürgen Müller <bernd@köln.de>", "Leider kann ich nicht kommen."),
    ):
        reply = EmailMessage()
        reply["From"] = sender
        reply["To"] = campaign.settings.mail.reply_to
        reply["Subject"] = "Vernetzungstreffen"
        reply["Message-ID"] = make_msgid(domain="client.example")
        reply.set_content(text)
        raw = reply.as_bytes(policy=reply.policy.clone(utf8=True, linesep="\r\n"))
        dovecot.deliver(account.address, raw)
    summary = poll(campaign)
    assert summary.answers == 2, summary
    with Store.open(campaign.paths.data) as state:
        answers = {n: (a.answer, a.source) for n, a in latest_answers(state).items()}
    assert answers == {"1": ("zusage", "absender"), "2": ("absage", "absender")}

    result = write_status(campaign)
    book = load_workbook(result.path, read_only=True)
    sheet = book[SHEET_INVITEES]
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c]
    book.close()
    assert "bernd@xn--kln-sna.de" in cells and UNICODE in cells  # as typed in the list
