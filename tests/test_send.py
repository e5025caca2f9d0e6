"""`invite send` against a real aiosmtpd server on loopback: exactly once, whatever happens."""

from __future__ import annotations

import email
import email.policy
import mailbox
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from clirun import run_invite
from crashkit import unfinished_send
from imapclient import IMAPClient
from mailservers import DovecotServer, ImapAccount, ReceivedMessage, SmtpServer, TestCerts
from sendkit import REPO, copy_campaign, imap_env, make_campaign, smtp_env
from workbooks import example_rows

from invite.answering import send_confirmations
from invite.campaign import Campaign
from invite.errors import InviteError
from invite.mail.delivery import DeliveryResult
from invite.steps.send import SendOptions, run_send
from invite.store import (
    InboxRecord,
    Store,
    add_inbox_message,
    all_invitees,
    deliveries,
    record_answer,
)

FAST_RETRY = (0.05, 0.1, 0.2)


def send(campaign: Campaign, **options: object) -> object:
    return run_send(campaign, SendOptions(**options), retry_delays=FAST_RETRY)  # type: ignore[arg-type]


def ledger(campaign: Campaign) -> dict[str, str]:
    with Store.open(campaign.paths.data) as state:
        return {d.invitee: d.state for d in deliveries(state, "invitation")}


def recipients(server: SmtpServer) -> Counter[str]:
    return Counter(rcpt for m in server.messages for rcpt in m.rcpt_tos)


# -- the happy path, end to end through the CLI ---------------------------------------------


def test_bundled_example_dry_run_then_real_run_then_nothing(
    tmp_path: Path, smtp_server: SmtpServer, test_certs: TestCerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    args = ["--contacts", str(REPO / "contacts.xlsx.example"), "--data", str(tmp_path / "d")]

    dry = run_invite("send", "--dry-run", *args, env=env)
    assert dry.code == 0, dry.text
    assert "Probelauf" in dry.out and smtp_server.messages == []
    previews = list(mailbox.Maildir(tmp_path / "d" / "probelauf", create=False))
    assert len(previews) == 22  # 25 invitees, 3 by post only

    real = run_invite("send", "--yes", *args, env=env)
    assert real.code == 0, real.text
    assert "Gesendet: 22" in real.out
    assert "nur per Post" in real.out
    messages = smtp_server.messages
    assert len(messages) == 22 and all(m.tls and m.auth_user == "invite" for m in messages)
    with Store.open(tmp_path / "d") as state:
        by_number = {inv.number: inv for inv in all_invitees(state)}
        rows = deliveries(state, "invitation")
    assert {r.state for r in rows} == {"sent"} and len(rows) == 22
    by_message_id = {r.message_id: r for r in rows}
    for received in messages:
        msg = received.message
        row = by_message_id[msg["Message-ID"]]  # the stored Message-ID is the one sent
        inv = by_number[row.invitee]
        assert received.rcpt_tos == [inv.email]
        assert msg["To"].addresses[0].addr_spec == inv.email
        assert inv.code in msg["Subject"]
        names = [p.get_filename() for p in msg.iter_attachments()]
        assert len(names) == 4 and names[-1].endswith(".ics")
        assert all(p.get_content() for p in msg.iter_attachments())

    again = run_invite("send", "--yes", *args, env=env)
    assert again.code == 0, again.text
    assert "nichts zu senden" in again.out and "bereits gesendet): 22" in again.out
    assert len(smtp_server.messages) == 22


def test_without_terminal_refuses_instead_of_guessing(
    tmp_path: Path, smtp_server: SmtpServer, test_certs: TestCerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    args = ["--contacts", str(REPO / "contacts.xlsx.example"), "--data", str(tmp_path / "d")]
    result = run_invite("send", *args, env=env)
    assert result.code == 2
    assert "--yes" in result.err and "gehen an:" in result.out
    assert smtp_server.messages == []


# -- selection -------------------------------------------------------------------------------


def test_adding_invitees_sends_only_the_new_ones(
    tmp_path: Path, smtp_server: SmtpServer, test_certs: TestCerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    first = send(make_campaign(tmp_path, 3))
    assert len(first.delivery.sent) == 3
    second = send(make_campaign(tmp_path, 5))
    assert [inv.number for inv in second.delivery.sent] == ["4", "5"]
    assert len(second.plan.already_sent) == 3
    assert recipients(smtp_server) == Counter({f"gast{i}@example.org": 1 for i in range(1, 6)})


def test_a_corrected_address_gets_the_invitation_once_more_and_only_there(
    tmp_path: Path, smtp_server: SmtpServer, test_certs: TestCerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    rows = example_rows(3)
    assert len(send(make_campaign(tmp_path, rows)).delivery.sent) == 3
    rows[1]["E-Mail"] = "gast2.neu@example.org"  # staff fixed a typo
    rows[2]["E-Mail"] = "GAST3@example.org"  # only the case changed: the same mailbox
    campaign = make_campaign(tmp_path, rows)
    args = [
        "--campaign", str(campaign.settings.campaign_dir),
        "--contacts", str(campaign.contacts_file),
        "--data", str(campaign.paths.data),
    ]  # fmt: skip
    second = run_invite("send", "--yes", *args, env=env)
    assert second.code == 0, second.text
    assert "Neue Adresse: Nr. 2" in second.out and "<gast2@example.org>" in second.out
    assert "Gesendet: 1" in second.out and "neue Adresse (korrigiert): 1" in second.out
    assert recipients(smtp_server) == Counter(
        {"gast1@example.org": 1, "gast2@example.org": 1, "gast3@example.org": 1,
         "gast2.neu@example.org": 1}
    )  # fmt: skip
    with Store.open(campaign.paths.data) as state:
        rows_2 = [(d.round, d.recipient, d.state) for d in deliveries(state, "invitation")]
    assert rows_2[-1] == (2, "gast2.neu@example.org", "sent")
    third = send(campaign)
    assert third.plan.to_send == [] and len(third.plan.already_sent) == 3
    assert len(smtp_server.messages) == 4


def test_only_and_limit_make_test_batches(
    tmp_path: Path, smtp_server: SmtpServer, test_certs: TestCerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    campaign = make_campaign(tmp_path, 6)
    assert [i.number for i in send(campaign, only=("4",)).delivery.sent] == ["4"]
    assert [i.number for i in send(campaign, limit=2).delivery.sent] == ["1", "2"]
    with pytest.raises(InviteError, match="99"):
        send(campaign, only=("99",))
    assert len(send(campaign).delivery.sent) == 3


def test_post_only_invitees_are_listed_not_sent(
    tmp_path: Path, smtp_server: SmtpServer, test_certs: TestCerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    rows = example_rows(4)
    rows[1]["Versand"] = "Post"
    rows[2]["Versand"] = "beides"
    result = send(make_campaign(tmp_path, rows))
    assert [i.number for i in result.plan.post_only] == ["2"]
    assert sorted(recipients(smtp_server)) == [
        "gast1@example.org",
        "gast3@example.org",
        "gast4@example.org",
    ]


def test_cancelled_confirmation_sends_and_records_nothing(
    tmp_path: Path, smtp_server: SmtpServer, test_certs: TestCerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    campaign = make_campaign(tmp_path, 3)
    seen = []
    result = run_send(campaign, SendOptions(), confirm=lambda plan: seen.append(plan) or False)
    assert result.cancelled and len(seen[0].to_send) == 3
    assert smtp_server.messages == [] and ledger(campaign) == {}


# -- server faults ---------------------------------------------------------------------------


def test_451_is_retried_and_550_is_recorded_while_the_batch_goes_on(
    tmp_path: Path, smtp_server: SmtpServer, test_certs: TestCerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    smtp_server.rcpt_replies = {
        "gast2@example.org": ["451 4.3.0 try again"] * 2,
        "gast3@example.org": "550 5.1.1 user unknown",
    }
    campaign = make_campaign(tmp_path, 5)
    result = send(campaign)
    assert sorted(i.number for i in result.delivery.sent) == ["1", "2", "4", "5"]
    ((failed, reason),) = result.delivery.failed
    assert failed.number == "3" and "550 5.1.1 user unknown" in reason
    assert smtp_server.rcpt_attempts("gast2@example.org") == 3
    assert ledger(campaign) == {"1": "sent", "2": "sent", "3": "failed", "4": "sent", "5": "sent"}
    assert recipients(smtp_server)["gast2@example.org"] == 1


def test_temporary_failure_gives_up_after_bounded_retries(
    tmp_path: Path, smtp_server: SmtpServer, test_certs: TestCerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    smtp_server.rcpt_replies = {"gast1@example.org": "452 4.2.2 mailbox full"}
    campaign = make_campaign(tmp_path, 2)
    result = send(campaign)
    ((failed, reason),) = result.delivery.failed
    assert failed.number == "1" and "452" in reason
    assert smtp_server.rcpt_attempts("gast1@example.org") == 1 + len(FAST_RETRY)
    # A later run tries the failed one again (the mailbox may have room now).
    smtp_server.rcpt_replies = None
    assert [i.number for i in send(campaign).delivery.sent] == ["1"]


def test_server_closing_with_421_is_reconnected_without_loss(
    tmp_path: Path, smtp_server: SmtpServer, test_certs: TestCerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    smtp_server.reply_421_after = 2
    result = send(make_campaign(tmp_path, 7))
    assert len(result.delivery.sent) == 7 and not result.delivery.unknown
    assert recipients(smtp_server) == Counter({f"gast{i}@example.org": 1 for i in range(1, 8)})
    assert smtp_server.session_count >= 4


def test_connection_dropped_mid_message_is_unknown_and_never_resent_silently(
    tmp_path: Path, smtp_server: SmtpServer, test_certs: TestCerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    smtp_server.drop_after = 2  # 3rd message: DATA read, then the line goes dead
    campaign = make_campaign(tmp_path, 5)
    result = send(campaign)
    assert [i.number for i, _ in result.delivery.unknown] == ["3"]
    assert sorted(i.number for i in result.delivery.sent) == ["1", "2", "4", "5"]
    assert ledger(campaign)["3"] == "unknown"

    smtp_server.drop_after = None
    again = send(campaign)
    assert [i.number for i in again.plan.unknown] == ["3"] and not again.delivery.sent
    resent = send(campaign, resend_unknown=True)
    assert [i.number for i in resent.delivery.sent] == ["3"]
    assert ledger(campaign)["3"] == "sent"
    # The resend carries the same Message-ID, so the recipient's client can tell it is one mail.
    with Store.open(campaign.paths.data) as state:
        (row,) = [d for d in deliveries(state, "invitation") if d.invitee == "3"]
    assert smtp_server.messages[-1].message["Message-ID"] == row.message_id


def test_server_gone_stops_the_batch_and_keeps_the_rest_queued(
    tmp_path: Path, smtp_server: SmtpServer, test_certs: TestCerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    campaign = make_campaign(tmp_path, 6)
    stop_after = 2

    def progress(outcome: object) -> None:
        if len(smtp_server.messages) == stop_after:
            smtp_server.stop()

    result = run_send(campaign, SendOptions(), progress=progress, retry_delays=FAST_RETRY)
    assert len(result.delivery.sent) == stop_after
    assert result.delivery.stopped and "nicht erreichbar" in result.delivery.stopped
    assert not result.delivery.unknown and not result.delivery.failed
    smtp_server.start()
    rest = send(campaign)
    assert len(rest.delivery.sent) == 4
    assert recipients(smtp_server) == Counter({f"gast{i}@example.org": 1 for i in range(1, 7)})


# -- transport security ----------------------------------------------------------------------


def test_implicit_tls_and_plain_without_auth_work(
    tmp_path: Path,
    smtp_server_factory: Callable[..., SmtpServer],
    test_certs: TestCerts,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ssl_server = smtp_server_factory(security="ssl", password="smtp-secret")
    smtp_env(monkeypatch, ssl_server, test_certs.cafile)
    assert len(send(make_campaign(tmp_path / "a", 2)).delivery.sent) == 2
    assert all(m.tls and m.auth_user == "invite" for m in ssl_server.messages)

    plain = smtp_server_factory(security="none")
    smtp_env(monkeypatch, plain, test_certs.cafile)
    assert len(send(make_campaign(tmp_path / "b", 2)).delivery.sent) == 2


def test_untrusted_certificate_is_refused_in_german(
    tmp_path: Path,
    smtp_server_factory: Callable[..., SmtpServer],
    test_certs: TestCerts,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = smtp_server_factory(security="starttls", password="smtp-secret", wrong_cert=True)
    smtp_env(monkeypatch, server, test_certs.cafile)
    campaign = make_campaign(tmp_path, 2)
    with pytest.raises(InviteError, match="nicht vertrauenswürdig"):
        send(campaign)
    assert server.messages == []
    assert set(ledger(campaign).values()) <= {"queued"}


def test_wrong_password_is_a_clear_german_error(
    tmp_path: Path, smtp_server: SmtpServer, test_certs: TestCerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    monkeypatch.setenv("INVITE_SMTP_PASSWORD", "falsch")
    with pytest.raises(InviteError, match="Benutzername oder Passwort falsch") as info:
        send(make_campaign(tmp_path, 1))
    assert "falsch" not in str(info.value).replace("Passwort falsch", "")


def test_missing_password_without_terminal_is_refused(
    tmp_path: Path, smtp_server: SmtpServer, test_certs: TestCerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    monkeypatch.delenv("INVITE_SMTP_PASSWORD")
    with pytest.raises(InviteError, match="INVITE_SMTP_PASSWORD"):
        send(make_campaign(tmp_path, 1))
    asked = []
    campaign = make_campaign(tmp_path, 1)
    result = run_send(
        campaign, SendOptions(), ask_password=lambda prompt: asked.append(prompt) or "smtp-secret"
    )
    assert len(result.delivery.sent) == 1 and asked == ["Passwort für invite (SMTP)"]


# -- pace ------------------------------------------------------------------------------------


def test_rate_limit_spaces_the_messages(
    tmp_path: Path, smtp_server: SmtpServer, test_certs: TestCerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    campaign = make_campaign(tmp_path, 4, rate_per_minute=600)  # one per 0.1 s
    start = time.monotonic()
    assert len(send(campaign).delivery.sent) == 4
    assert time.monotonic() - start >= 0.3


def test_dry_run_messages_are_complete_eml_files(
    tmp_path: Path, smtp_server: SmtpServer, test_certs: TestCerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    campaign = make_campaign(tmp_path, 3)
    send(campaign, dry_run=True)
    send(campaign, dry_run=True)  # a second preview replaces the first
    files = sorted((campaign.paths.outbox / "new").glob("*.eml"))
    assert [f.name for f in files] == [f"000{i}-invitation.eml" for i in (1, 2, 3)]
    msg = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert msg["To"].addresses[0].addr_spec == "gast1@example.org"
    assert len(list(msg.iter_attachments())) == 4
    assert smtp_server.messages == [] and ledger(campaign) == {}


def test_dry_run_into_an_existing_empty_probelauf_folder(
    tmp_path: Path, smtp_server: SmtpServer, test_certs: TestCerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone emptied „probelauf“ by hand (or made it): the preview still works."""
    env = smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    campaign = make_campaign(tmp_path, 2)
    campaign.paths.outbox.mkdir(parents=True)
    args = ["--campaign", str(tmp_path / "kampagne"), "--data", str(campaign.paths.data)]
    args += ["--contacts", str(campaign.contacts_file)]
    result = run_invite("send", "--dry-run", "--yes", *args, env=env)
    assert result.code == 0, result.text
    assert "Traceback" not in result.text
    assert len(list((campaign.paths.outbox / "new").glob("*.eml"))) == 2


def test_campaign_copy_is_self_contained(tmp_path: Path) -> None:
    copy_campaign(tmp_path / "k", rate_per_minute=5)
    assert "rate_per_minute = 5" in (tmp_path / "k" / "campaign.toml").read_text()


# -- the Sent folder and crashes (real Dovecot) ----------------------------------------------


class SubmissionServer(SmtpServer):
    """Like Exchange or Gmail for authenticated submission: every message the server accepts
    is also put into the sender's Sent folder, before the 250 reply goes out."""

    def __init__(self, dovecot: DovecotServer, mailbox_address: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.dovecot = dovecot
        self.mailbox_address = mailbox_address

    def _store(self, msg: ReceivedMessage) -> None:
        self.dovecot.deliver(self.mailbox_address, msg.data, folder="Sent", flags="(\\Seen)")
        super()._store(msg)


@pytest.fixture
def submission_server(
    dovecot: DovecotServer, imap_account: ImapAccount, test_certs: TestCerts
) -> Iterator[SubmissionServer]:
    server = SubmissionServer(
        dovecot,
        imap_account.address,
        security="starttls",
        certs=test_certs,
        username="invite",
        password="smtp-secret",
    )
    server.start()
    yield server
    server.stop()


def sent_folder_ids(account: ImapAccount) -> Counter[str]:
    with IMAPClient(account.host, account.ssl_port, ssl_context=account.ssl_context()) as imap:
        imap.login(account.username, account.password)
        imap.select_folder("Sent", readonly=True)
        data = imap.fetch(imap.search("ALL"), ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
    ids = Counter()
    for item in data.values():
        header = item[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].decode()
        ids[header.split(":", 1)[1].strip()] += 1
    return ids


def test_copies_go_to_the_sent_folder(
    tmp_path: Path,
    smtp_server: SmtpServer,
    imap_account: ImapAccount,
    test_certs: TestCerts,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    imap_env(monkeypatch, imap_account)
    campaign = make_campaign(tmp_path, 3, save_copy_to_sent=True)
    assert len(send(campaign).delivery.sent) == 3
    with Store.open(campaign.paths.data) as state:
        stored = {d.message_id for d in deliveries(state, "invitation")}
    assert set(sent_folder_ids(imap_account)) == stored


def test_unclear_invitation_found_in_sent_folder_counts_as_sent(
    tmp_path: Path,
    submission_server: SubmissionServer,
    imap_account: ImapAccount,
    test_certs: TestCerts,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    smtp_env(monkeypatch, submission_server, test_certs.cafile)
    imap_env(monkeypatch, imap_account)
    campaign = make_campaign(tmp_path, 3, save_copy_to_sent=True)
    assert len(send(campaign).delivery.sent) == 3
    # The state a crash right after the server's 250 leaves behind.
    with Store.open(campaign.paths.data) as state:
        unfinished_send(state, "2")
    result = send(campaign, resend_unknown=True)
    assert [i.number for i in result.plan.resolved] == ["2"]
    assert not result.delivery.sent and ledger(campaign)["2"] == "sent"
    assert len(submission_server.messages) == 3


@pytest.mark.slow
def test_sigkill_at_random_points_never_loses_or_duplicates(
    tmp_path: Path,
    submission_server: SubmissionServer,
    imap_account: ImapAccount,
    test_certs: TestCerts,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    total = 200
    env = smtp_env(monkeypatch, submission_server, test_certs.cafile)
    env.update(imap_env(monkeypatch, imap_account))
    campaign = make_campaign(tmp_path, total, save_copy_to_sent=True)
    args = [
        "--campaign", str(campaign.settings.campaign_dir),
        "--contacts", str(campaign.contacts_file),
        "--data", str(campaign.paths.data),
    ]  # fmt: skip
    seed = int(time.time())
    rng = random.Random(seed)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("INVITE_")} | env
    kills = 0
    for _ in range(5):
        before = len(submission_server.messages)
        if before >= total - 10:
            break
        proc = subprocess.Popen(
            [sys.executable, "-m", "invite", "send", "--yes", *args],
            cwd=REPO,
            env=environ,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        target = before + rng.randint(1, 30)
        deadline = time.monotonic() + 120
        while len(submission_server.messages) < target and proc.poll() is None:
            assert time.monotonic() < deadline, f"no progress (seed {seed})"
            time.sleep(0.002)
        time.sleep(rng.uniform(0, 0.03))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        counts = recipients(submission_server)
        assert max(counts.values()) == 1, f"duplicate after a kill (seed {seed})"
    assert kills >= 3, f"the batch finished too early to be killed (seed {seed})"

    final = run_invite("send", "--yes", "--resend-unknown", *args, env=env, timeout=300)
    assert final.code == 0, final.text
    counts = recipients(submission_server)
    assert counts == Counter({f"gast{i}@example.org": 1 for i in range(1, total + 1)}), seed
    assert set(ledger(campaign).values()) == {"sent"}


# -- confirmations after a Zusage (called by poll) -------------------------------------------


def test_confirmation_once_per_zusage_with_calendar_entry(
    tmp_path: Path, smtp_server: SmtpServer, test_certs: TestCerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    campaign = make_campaign(tmp_path, 4, send_confirmation=True)
    send(campaign)
    smtp_server.clear()
    with Store.open(campaign.paths.data) as state:
        record_answer(state, "1", "zusage", source="code", command="poll", persons=2)
        record_answer(state, "2", "absage", source="code", command="poll")
        first = send_confirmations(campaign, state)
        assert [i.number for i in first.sent] == ["1"]
        assert not send_confirmations(campaign, state).sent  # never twice for one answer
        record_answer(state, "1", "zusage", source="formular", command="poll", persons=3)
        assert not send_confirmations(campaign, state).sent  # a repeated Zusage is no news
        record_answer(state, "2", "zusage", source="manuell", command="record")
        assert [i.number for i in send_confirmations(campaign, state).sent] == ["2"]
        rows = deliveries(state, "confirmation")
    assert [(r.invitee, r.state) for r in rows] == [("1", "sent"), ("2", "sent")]
    msg = smtp_server.messages[0].message
    assert (
        msg["Subject"].startswith("Anmeldebestätigung")
        and "2 Personen" in msg.get_body(("plain",)).get_content()
    )
    (ics,) = msg.iter_attachments()
    assert ics.get_content_type() == "text/calendar"
    assert "DTSTART;TZID=Europe/Berlin:20190131T170000" in ics.get_content()


def test_confirmation_threads_to_the_answer_stored_without_brackets(
    tmp_path: Path, smtp_server: SmtpServer, test_certs: TestCerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    campaign = make_campaign(tmp_path, 1, send_confirmation=True)
    send(campaign)
    smtp_server.clear()
    with Store.open(campaign.paths.data) as state:
        reply = InboxRecord(
            content_hash="h1",
            message_id="antwort.1@gast.example",
            folder="INBOX",
            uidvalidity=1,
            uid=1,
            sender="",
            subject="",
            kind="answer",
            invitee="1",
            evidence="",
            reason="",
        )
        message = add_inbox_message(state, reply, "poll")
        record_answer(state, "1", "zusage", source="antwort", command="poll", message=message)
        assert [i.number for i in send_confirmations(campaign, state).sent] == ["1"]
    msg = smtp_server.messages[0].message
    assert msg["In-Reply-To"] == msg["References"] == "<antwort.1@gast.example>"


def test_no_confirmations_unless_the_settings_ask_for_them(
    tmp_path: Path, smtp_server: SmtpServer, test_certs: TestCerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    campaign = make_campaign(tmp_path, 2)
    with Store.open(campaign.paths.data) as state:
        campaign.sync(state, "test")
        record_answer(state, "1", "zusage", source="code", command="poll")
        assert send_confirmations(campaign, state) == DeliveryResult()
    assert smtp_server.messages == []


def test_confirmations_with_the_server_down_report_instead_of_raising(
    tmp_path: Path, smtp_server: SmtpServer, test_certs: TestCerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    campaign = make_campaign(tmp_path, 2, send_confirmation=True)
    send(campaign)
    smtp_server.stop()
    with Store.open(campaign.paths.data) as state:
        record_answer(state, "1", "zusage", source="code", command="poll")
        down = send_confirmations(campaign, state)
        assert down.stopped and "nicht erreichbar" in down.stopped and not down.sent
        smtp_server.start()
        assert [i.number for i in send_confirmations(campaign, state).sent] == ["1"]
