"""Evidence that cannot be forged cheaply, against the real Dovecot (issue 10).

A forged report without our Message-ID, an ``X-Failed-Recipients:``-only mail, a forged
sender overturning a coded answer and a ``From:`` with a parse trick change no status; a
real report (T-Online, hyphenated domain) marks its invitee; one mail with two forms settles
both invitees, once each, also after a crash between the two; Authentication-Results of our
own server decide whether a sender-only mail may settle a first answer; an invitee named by
an open review item gets no reminder.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from zoneinfo import ZoneInfo

import pytest
from corpus import DATE, PDF, Corpus
from corpus_reports import BOUNCES, Original, failed_recipients_only
from crashkit import forget_answers
from mailservers import DovecotServer, ImapAccount
from sendkit import imap_env, make_campaign
from workbooks import example_rows

from invite.campaign import Campaign
from invite.core.rsvp import status_rows
from invite.facts import load_facts
from invite.steps.poll import PollSummary, poll
from invite.steps.remind import RemindOptions, plan_reminders
from invite.store import (
    AnswerRecord,
    InboxMessage,
    all_invitees,
    answers_of,
    inbox_messages,
    latest_answers,
)

AUTHSERV = "mx.stadt-muenster.test"


def plain(name: str, sender: str, text: str, subject: str = "Einladung", **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "anmeldung-vernetzung@stadt-muenster.de"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(DATE + dt.timedelta(days=1))
    msg["Message-ID"] = f"<{name}@evidence.test>"
    for key, value in headers.items():
        msg[key.replace("_", "-")] = value
    msg.set_content(text)
    return msg.as_bytes(policy=SMTP)


def raw_from(name: str, from_line: str, text: str, extra: str = "") -> bytes:
    """A message whose From: line is written byte for byte (the email package would fix it)."""
    return (
        f"From: {from_line}\r\nTo: anmeldung-vernetzung@stadt-muenster.de\r\nSubject: Einladung\r\n{extra}"
        f"Message-ID: <{name}@evidence.test>\r\nDate: Wed, 16 Jan 2019 10:00:00 +0100\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
    ).encode()


def auth(result: str, domain: str) -> str:
    return f"{AUTHSERV}; spf={result} smtp.mailfrom={domain}; dkim=none; dmarc={result} header.from={domain}"


@dataclass
class Inbox:
    campaign: Campaign
    account: ImapAccount
    corpus: Corpus
    first: PollSummary
    raw: dict[str, bytes]

    def answers(self) -> dict[str, str]:
        with self.campaign.open_state() as state:
            return {n: r.answer for n, r in latest_answers(state).items()}

    def answer_rows(self, number: str) -> list[AnswerRecord]:
        with self.campaign.open_state() as state:
            return answers_of(state, number)

    def inbox(self, name: str) -> InboxMessage:
        with self.campaign.open_state() as state:
            found = [m for m in inbox_messages(state) if m.message_id == f"{name}@evidence.test"]
        assert found, name
        return found[0]


@pytest.fixture(scope="module")
def inbox(dovecot: DovecotServer, tmp_path_factory: pytest.TempPathFactory) -> Inbox:
    tmp = tmp_path_factory.mktemp("evidence")
    account = dovecot.new_account()
    rows = example_rows(10, domain="t-online.de")
    with pytest.MonkeyPatch.context() as mp:
        imap_env(mp, account)
        campaign = make_campaign(tmp, rows, trusted_authserv_id=AUTHSERV)
    with campaign.open_state() as state:
        c = Corpus(campaign, state)
    ours = campaign.settings.mail.from_address
    inv = c.inv
    messages = [
        # 1: a forged Postfix report naming Nr. 1, without our Message-ID
        BOUNCES["postfix"](Original(ours, inv("1").email, None), "forged-report"),
        # 2: only an X-Failed-Recipients header, from a stranger
        failed_recipients_only(inv("2").email, "xfr"),
        # 3: a coded answer (Zusage) ...
        c.one_click("coded-3", "3", yes=True),
        # ... overturned only by a forged From: of Nr. 3 — must not count
        # (even with the provider's DMARC pass: a colleague at the same provider, a hijacked account)
        plain("forged-sender-3", inv("3").email, "Leider muss ich absagen, ich kann nicht kommen.",
              Authentication_Results=auth("pass", "t-online.de")),
        # 4: a parse trick: parseaddr reads the invitee, a mail server sees evil.example
        raw_from("parse-trick-4", f"{inv('4').email})<attacker@evil.example>", "Ich sage ab."),
        # 5 + 6: one office returns both forms
        c.reply(
            "two-forms",
            None,
            "Anbei die beiden Formulare aus unserem Haus.",
            sender="Sekretariat <sekretariat@amt.example>",
            subject="Formulare",
            attachments=[
                ("Formular 5.pdf", c.filled_form("5", teilnahme="/ja", personen="2"), PDF),
                ("Formular 6.pdf", c.filled_form("6", teilnahme="/nein"), PDF),
            ],
        ),
        # 7: a real T-Online report with our Message-ID: unzustellbar
        BOUNCES["t-online"](Original(ours, inv("7").email, c.mid("7")), "real-report"),
        # 8: sender-only first answer, our server says DMARC failed: review
        plain("auth-fail-8", inv("8").email, "Ich komme gern.", Authentication_Results=auth("fail", "t-online.de")),
        # 9: sender-only first answer, our server confirms the domain: settled
        plain("auth-pass-9", inv("9").email, "Ich komme gern.", Authentication_Results=auth("pass", "t-online.de")),
        # 10: tied by the thread, clear, but the From: line is broken: review, no reminder meanwhile
        raw_from("broken-from-10", f"{inv('10').email}, x@evil.example", "Ich komme gern.",
                 f"In-Reply-To: {c.mid('10')}\r\n"),
    ]  # fmt: skip
    messages = [raw.replace(b"@corpus.test>", b"@evidence.test>") for raw in messages]
    for raw in messages:
        dovecot.deliver(account.address, raw)
    with pytest.MonkeyPatch.context() as mp:
        imap_env(mp, account)
        first = poll(campaign)
    two_forms = next(m for m in messages if b"<two-forms@evidence.test>" in m)
    return Inbox(campaign, account, c, first, {"two-forms": two_forms})


def test_forged_reports_change_no_status(inbox: Inbox) -> None:
    answers = inbox.answers()
    assert "1" not in answers and "2" not in answers
    for name in ("forged-report", "xfr"):
        row = inbox.inbox(name)
        assert (row.kind, row.invitee) == ("bounce", None), row
        assert "keine unserer Nachrichten" in row.reason


def test_a_forged_sender_does_not_overturn_a_coded_answer(inbox: Inbox) -> None:
    assert inbox.answers()["3"] == "zusage"
    row = inbox.inbox("forged-sender-3")
    assert (row.kind, row.invitee) == ("unmatched", None)
    assert "Nur die Absenderadresse" in row.reason and "Anmeldecode" in row.reason


def test_a_from_parse_trick_is_no_evidence(inbox: Inbox) -> None:
    assert "4" not in inbox.answers()
    row = inbox.inbox("parse-trick-4")
    assert (row.kind, row.invitee, row.sender) == ("unmatched", None, "")
    assert "Absenderzeile" in row.reason


def test_two_forms_in_one_mail_settle_both(inbox: Inbox) -> None:
    answers = inbox.answers()
    assert (answers["5"], answers["6"]) == ("zusage", "absage")
    assert inbox.answer_rows("5")[-1].persons == 2
    row = inbox.inbox("two-forms")
    assert row.kind == "answer"


def test_a_real_report_with_our_message_id_marks_unzustellbar(inbox: Inbox) -> None:
    assert inbox.answers()["7"] == "unzustellbar"
    assert inbox.answer_rows("7")[-1].source == "antwort"


def test_authentication_results_of_our_server_decide_sender_only_mail(inbox: Inbox) -> None:
    answers = inbox.answers()
    assert "8" not in answers and answers["9"] == "zusage"
    assert "bestätigt die Absenderdomain" in inbox.inbox("auth-fail-8").reason


def test_a_second_poll_counts_nothing_again_and_heals_a_half_recorded_mail(
    inbox: Inbox, dovecot: DovecotServer
) -> None:
    row = inbox.inbox("two-forms")
    with inbox.campaign.open_state() as state:
        # as if poll died between recording Nr. 5 and Nr. 6 of the same mail
        forget_answers(state, invitee="6", message=row.id)
    dovecot.deliver(inbox.account.address, inbox.raw["two-forms"])  # the mail comes again
    with pytest.MonkeyPatch.context() as mp:
        imap_env(mp, inbox.account)
        again = poll(inbox.campaign)
    assert again.new == 0
    assert [r.answer for r in inbox.answer_rows("5")] == ["zusage"]
    assert [r.answer for r in inbox.answer_rows("6")] == ["absage"]


def test_open_review_items_stop_reminders_forged_reports_do_not(inbox: Inbox) -> None:
    row = inbox.inbox("broken-from-10")
    assert (row.kind, row.invitee) == ("unclear", "10") and "mehrere Adressen" in row.reason
    assert "10" not in inbox.answers()
    with inbox.campaign.open_state() as state:
        rows = {r.number: r for r in status_rows(load_facts(state, ZoneInfo("Europe/Berlin")))}
    assert rows["10"].status == "prüfen"
    assert rows["1"].status == rows["2"].status == rows["4"].status == "offen"
    with inbox.campaign.open_state() as state:
        invitees = all_invitees(state)
        plan = plan_reminders(state, invitees, RemindOptions(dry_run=True))
    reminded = {inv.number for inv in plan.to_send}
    assert reminded == {"1", "2", "4", "8"}  # nothing about them is proven
    assert [inv.number for inv in plan.in_review] == ["10"]
