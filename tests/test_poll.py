"""`invite poll` against the real Dovecot: the whole reply corpus, folders, dedupe, UIDVALIDITY,
crash healing, --watch with a server restart, TLS and login failures, the CLI summary."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest
from clirun import run_invite
from corpus import Case, Corpus, _dsn, build_corpus
from crashkit import forget_answers
from imapclient import IMAPClient
from mailservers import DovecotServer, ImapAccount, TestCerts
from sendkit import imap_env, make_campaign, smtp_env
from workbooks import example_rows

from invite.campaign import Campaign
from invite.errors import InviteError
from invite.steps.poll import PollSummary, poll, watch
from invite.store import (
    Store,
    all_answers,
    answers_of,
    audit_log,
    count_inbox_messages,
    inbox_messages,
    latest_answers,
)

MATCHED, REVIEW = "Anmeldungen.zugeordnet", "Anmeldungen.prüfen"  # Dovecot's separator is "."


def imap(account: ImapAccount) -> IMAPClient:
    client = IMAPClient(account.host, port=account.ssl_port, ssl_context=account.ssl_context())
    client.login(account.username, account.password)
    return client


def message_ids(account: ImapAccount, folder: str) -> list[str]:
    """Message-IDs (without brackets) in ``folder`` of the account."""
    with imap(account) as client:
        if not client.folder_exists(folder):
            return []
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        data = client.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]) if uids else {}
    ids = []
    for entry in data.values():
        header = next(v for k, v in entry.items() if k.startswith(b"BODY[HEADER"))
        ids.append(header.decode().split(":", 1)[1].strip().strip("<>"))
    return ids


@dataclass
class Polled:
    campaign: Campaign
    account: ImapAccount
    cases: list[Case]
    first: PollSummary
    second: PollSummary
    seconds: float

    def state(self) -> Store:
        return self.campaign.open_state()


@pytest.fixture(scope="module")
def polled(dovecot: DovecotServer, tmp_path_factory: pytest.TempPathFactory) -> Polled:
    """The corpus APPENDed to a fresh mailbox (plus one duplicate copy), polled twice."""
    tmp = tmp_path_factory.mktemp("poll")
    account = dovecot.new_account()
    with pytest.MonkeyPatch.context() as mp:
        imap_env(mp, account)
        campaign = make_campaign(tmp, example_rows(42))
    with campaign.open_state() as state:
        cases = build_corpus(campaign, state)
    for case in cases:
        dovecot.deliver(account.address, case.raw)
    duplicate = next(c for c in cases if c.name == "form-ja-2")
    dovecot.deliver(account.address, duplicate.raw)
    start = time.monotonic()
    first = poll(campaign)
    seconds = time.monotonic() - start
    second = poll(campaign)
    return Polled(campaign, account, cases, first, second, seconds)


def stored(polled: Polled) -> dict[str, dict]:
    with polled.state() as state:
        rows = inbox_messages(state)
        by_message = {a.message: a for a in all_answers(state) if a.message is not None}
    return {r.message_id: {**asdict(r), "answer_row": by_message.get(r.id)} for r in rows}


def mismatches(polled: Polled, group: str) -> list[str]:
    """Every difference between what a case expects and what poll stored."""
    rows = stored(polled)
    problems = []
    for case in (c for c in polled.cases if c.group == group):
        row = rows.get(case.message_id)
        if row is None:
            problems.append(f"{case.name}: not recorded")
            continue
        answer = row["answer_row"]
        got = (row["kind"], row["invitee"], answer.answer if answer else None)
        if row["kind"] not in case.kinds or row["invitee"] != case.invitee:
            problems.append(
                f"{case.name}: expected {case.kinds}/{case.invitee}, got {got} – {row['reason']}"
            )
        elif case.answer != (answer.answer if answer else None) and not (
            # a question or thank-you goes to review but never replaces an earlier answer
            case.answer == "pruefen" and answer is None and row["kind"] == "unclear"
        ):
            problems.append(
                f"{case.name}: expected answer {case.answer}, got {got} – {row['reason']}"
            )
        elif case.persons is not None and answer.persons != case.persons:
            problems.append(f"{case.name}: expected {case.persons} persons, got {answer.persons}")
        elif case.source is not None and answer and answer.source != case.source:
            problems.append(f"{case.name}: expected source {case.source}, got {answer.source}")
        elif case.reason and case.reason not in row["reason"]:
            problems.append(f"{case.name}: reason lacks {case.reason!r}: {row['reason']!r}")
        elif row["kind"] in ("unclear", "unmatched", "rejected") and not row["reason"]:
            problems.append(f"{case.name}: set aside without a reason")
    return problems


@pytest.mark.parametrize(
    "group",
    [
        "form",
        "scan",
        "text-de",
        "text-en",
        "text-other",
        "one-click",
        "forward",
        "spoof",
        "autoreply",
        "bounce",
        "hostile",
    ],
)
def test_every_reply_lands_in_the_right_state(polled: Polled, group: str) -> None:
    assert [c for c in polled.cases if c.group == group], f"no {group} cases"
    assert mismatches(polled, group) == []


def test_corpus_is_large_enough(polled: Polled) -> None:
    groups: dict[str, int] = {}
    for case in polled.cases:
        groups[case.group] = groups.get(case.group, 0) + 1
    assert groups["hostile"] >= 40
    assert len(polled.cases) >= 80


def test_never_matched_to_the_wrong_invitee(polled: Polled) -> None:
    rows = stored(polled)
    for case in polled.cases:
        row = rows[case.message_id]
        assert row["invitee"] in (None, case.invitee), case.name
        if row["answer_row"] is not None:
            assert row["answer_row"].invitee == case.invitee, case.name
    with polled.state() as state:
        ids = {m.id: m.message_id or "" for m in inbox_messages(state)}
        spoofed = sum(
            1
            for a in all_answers(state)
            if a.message in ids and ids[a.message].startswith(("spoof-", "forward-"))
        )
    assert spoofed == 0


def test_summary_counts_each_message_once(polled: Polled) -> None:
    first = polled.first
    assert first.new == len(polled.cases)
    assert first.duplicates == 1  # the second copy of form-ja-2
    kinds = [k for c in polled.cases for k in c.kinds[:1]]
    assert first.answers == kinds.count("answer")
    assert first.bounces == kinds.count("bounce")
    assert first.autoreplies == kinds.count("autoreply")
    assert (
        first.answers
        + first.unclear
        + first.unmatched
        + first.bounces
        + first.autoreplies
        + first.rejected
        == first.new
    )
    with polled.state() as state:
        assert count_inbox_messages(state) == len(polled.cases)


def test_second_poll_fetches_nothing(polled: Polled) -> None:
    assert polled.second.new == 0
    assert polled.second.duplicates == 0


def test_messages_are_moved_to_their_folders_and_nothing_is_lost(polled: Polled) -> None:
    rows = stored(polled)
    inbox = message_ids(polled.account, "INBOX")
    matched = message_ids(polled.account, MATCHED)
    review = message_ids(polled.account, REVIEW)
    assert inbox == []
    assert len(matched) + len(review) == len(polled.cases) + 1  # the duplicate copy too
    for mid in matched:
        assert rows[mid]["kind"] in ("answer", "bounce", "autoreply"), mid
    for mid in review:
        assert rows[mid]["kind"] in ("unclear", "unmatched", "rejected", "bounce"), mid
        assert rows[mid]["reason"], mid
    assert all(r["moved_to"] for r in rows.values())


def test_later_answer_replaces_earlier_one_with_history(polled: Polled) -> None:
    with polled.state() as state:
        assert latest_answers(state)["27"].answer == "absage"
        history = answers_of(state, "27")
    assert [a.answer for a in history] == ["zusage", "absage"]


def test_bounce_records_undeliverable_with_the_diagnostic(polled: Polled) -> None:
    with polled.state() as state:
        answer = latest_answers(state)["36"]
    assert answer.answer == "unzustellbar"
    assert "550 5.1.1" in answer.note


def test_autoreplies_are_logged_never_counted(polled: Polled) -> None:
    with polled.state() as state:
        answers = latest_answers(state)
    assert "37" not in answers and "38" not in answers
    rows = stored(polled)
    assert rows["ooo-auto-submitted@corpus.test"]["kind"] == "autoreply"


def test_audit_has_no_message_bodies(polled: Polled) -> None:
    with polled.state() as state:
        details = " ".join(r.detail for r in audit_log(state))
    assert "Vielleicht komme ich" not in details
    assert "zu zweit" not in details


# -- dedupe, UIDVALIDITY, crash healing -------------------------------------------------------


@pytest.fixture
def small(
    dovecot: DovecotServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Campaign, ImapAccount, Corpus]]:
    account = dovecot.new_account()
    imap_env(monkeypatch, account)
    monkeypatch.setenv("INVITE_IMAP_FOLDER", "RSVP")
    campaign = make_campaign(tmp_path, 6)
    with campaign.open_state() as state:
        corpus = Corpus(campaign, state)
    yield campaign, account, corpus


def five_replies(corpus: Corpus) -> list[bytes]:
    return [
        corpus.one_click("u1", "1", yes=True),
        corpus.one_click("u2", "2", yes=False),
        corpus.reply("u3", "3", "Wir kommen zu dritt."),
        corpus.reply("u4", "4", "Danke!"),
        corpus.reply("u5", None, "Hallo?", sender="fremd@example.net", subject="Frage"),
    ]


def test_uidvalidity_change_counts_nothing_twice(small, dovecot: DovecotServer) -> None:
    campaign, account, corpus = small
    replies = five_replies(corpus)
    for raw in replies:
        dovecot.deliver(account.address, raw, folder="RSVP")
    first = poll(campaign)
    assert (first.new, first.answers) == (5, 3)
    with imap(account) as client:  # the mailbox is recreated with the same messages
        client.delete_folder("RSVP")
        client.create_folder("RSVP")
    for raw in replies:
        dovecot.deliver(account.address, raw, folder="RSVP")
    again = poll(campaign)
    assert again.new == 0 and again.duplicates == 5
    assert any("UIDVALIDITY" in w for w in again.warnings)
    with campaign.open_state() as state:
        assert len(all_answers(state)) == 4  # 3 + pruefen
        assert count_inbox_messages(state) == 5
    assert message_ids(account, "RSVP") == []


def test_crash_between_recording_and_answer_is_healed(small, dovecot: DovecotServer) -> None:
    """A poll killed after storing the message but before its answer (and before the move):
    the next poll finds the message again and records the answer exactly once."""
    campaign, account, corpus = small
    raw = corpus.reply("crash", "3", "Wir kommen zu dritt.")
    dovecot.deliver(account.address, raw, folder="RSVP")
    poll(campaign)
    with campaign.open_state() as state:
        forget_answers(state)  # as if the process died before record_answer
    dovecot.deliver(account.address, raw, folder="RSVP")  # as if the move never happened
    healed = poll(campaign)
    assert (healed.new, healed.duplicates) == (0, 1)
    with campaign.open_state() as state:
        rows = [(a.answer, a.persons) for a in all_answers(state)]
    assert rows == [("zusage", 3)]
    assert message_ids(account, "RSVP") == []


def test_thank_you_after_zusage_keeps_the_zusage(small, dovecot: DovecotServer) -> None:
    campaign, account, corpus = small
    dovecot.deliver(account.address, corpus.one_click("z", "2", yes=True), folder="RSVP")
    dovecot.deliver(
        account.address, corpus.reply("thanks", "2", "Vielen Dank, bis dann!"), folder="RSVP"
    )
    summary = poll(campaign)
    assert (summary.answers, summary.unclear) == (1, 1)
    with campaign.open_state() as state:
        assert latest_answers(state)["2"].answer == "zusage"


def test_bounce_after_zusage_goes_to_review_and_keeps_the_zusage(
    small, dovecot: DovecotServer
) -> None:
    """Accepted from a new address; the mail to the old listed address bounces: the guest
    must stay on the list, the bounce is for staff to check."""
    campaign, account, corpus = small
    dovecot.deliver(account.address, corpus.one_click("z2", "2", yes=True), folder="RSVP")
    bounce = _dsn(corpus, "bounce-after-zusage", "2", "550 5.1.1 <{addr}>: User unknown", "failed")
    dovecot.deliver(account.address, bounce, folder="RSVP")
    summary = poll(campaign)
    assert (summary.answers, summary.bounces, summary.unclear) == (1, 0, 1)
    with campaign.open_state() as state:
        assert latest_answers(state)["2"].answer == "zusage"
        (row,) = [
            m
            for m in inbox_messages(state)
            if (m.message_id or "").startswith("bounce-after-zusage")
        ]
    assert (row.kind, row.invitee) == ("unclear", "2")
    assert "obwohl bereits eine Antwort vorliegt – bitte prüfen" in row.reason
    assert "550 5.1.1" in row.reason
    assert message_ids(account, REVIEW) == ["bounce-after-zusage@corpus.test"]


def test_bounce_without_a_sure_answer_still_records_undeliverable(
    small, dovecot: DovecotServer
) -> None:
    campaign, account, corpus = small
    bounce = _dsn(corpus, "bounce-plain", "3", "550 5.1.1 <{addr}>: User unknown", "failed")
    dovecot.deliver(account.address, bounce, folder="RSVP")
    assert poll(campaign).bounces == 1
    with campaign.open_state() as state:
        assert latest_answers(state)["3"].answer == "unzustellbar"


# -- --watch ----------------------------------------------------------------------------------


def wait_until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


def answers_count(campaign: Campaign) -> int:
    with campaign.open_state() as state:
        return len(all_answers(state))


def test_watch_uses_idle_and_survives_a_server_restart(small, dovecot: DovecotServer) -> None:
    campaign, account, corpus = small
    with imap(account) as client:
        client.create_folder("RSVP")
    stop = threading.Event()
    troubles: list[str] = []
    rounds: list[PollSummary] = []
    thread = threading.Thread(
        target=watch,
        kwargs=dict(
            campaign=campaign,
            interval=1,
            report=rounds.append,
            trouble=troubles.append,
            stop=stop.is_set,
        ),
        daemon=True,
    )
    thread.start()
    try:
        wait_until(lambda: len(rounds) >= 1)
        dovecot.deliver(account.address, corpus.one_click("w1", "1", yes=True), folder="RSVP")
        wait_until(lambda: answers_count(campaign) == 1)
        dovecot.restart()
        dovecot.deliver(account.address, corpus.one_click("w2", "2", yes=False), folder="RSVP")
        wait_until(lambda: answers_count(campaign) == 2, timeout=40)
    except AssertionError:
        raise AssertionError(f"troubles: {troubles}, rounds: {rounds}") from None
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert any("Neuer Versuch" in t for t in troubles)


# -- connection problems -------------------------------------------------------------------------


def test_wrong_password_is_a_german_error(
    small, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("INVITE_IMAP_PASSWORD", "falsch")
    campaign = make_campaign(tmp_path, 3)
    with pytest.raises(InviteError, match="Anmeldung am IMAP-Server .* fehlgeschlagen"):
        poll(campaign)


def test_untrusted_certificate_is_refused(
    small, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, test_certs: TestCerts
) -> None:
    monkeypatch.setenv("INVITE_IMAP_CAFILE", str(test_certs.wrong_cert))
    campaign = make_campaign(tmp_path, 3)
    with pytest.raises(InviteError, match="Zertifikat des IMAP-Servers .* nicht vertrauenswürdig"):
        poll(campaign)


def test_starttls_works(
    small, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, dovecot: DovecotServer
) -> None:
    _campaign, account, corpus = small
    monkeypatch.setenv("INVITE_IMAP_SECURITY", "starttls")
    monkeypatch.setenv("INVITE_IMAP_PORT", str(account.port))
    campaign = make_campaign(tmp_path, 6)
    dovecot.deliver(account.address, corpus.one_click("s1", "1", yes=True), folder="RSVP")
    assert poll(campaign).answers == 1


def test_unreachable_server_is_a_german_error(
    small, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from mailservers import free_port

    monkeypatch.setenv("INVITE_IMAP_PORT", str(free_port()))
    campaign = make_campaign(tmp_path, 3)
    with pytest.raises(InviteError, match="nimmt keine Verbindung an"):
        poll(campaign)


# -- CLI and confirmations -------------------------------------------------------------------------


def test_cli_prints_a_german_summary(small, dovecot: DovecotServer, tmp_path: Path) -> None:
    campaign, account, corpus = small
    for raw in five_replies(corpus):
        dovecot.deliver(account.address, raw, folder="RSVP")
    env = {
        "INVITE_IMAP_HOST": "127.0.0.1",
        "INVITE_IMAP_PORT": str(account.ssl_port),
        "INVITE_IMAP_SECURITY": "ssl",
        "INVITE_IMAP_USER": account.username,
        "INVITE_IMAP_PASSWORD": account.password,
        "INVITE_IMAP_CAFILE": str(account.cafile),
        "INVITE_IMAP_FOLDER": "RSVP",
    }
    args = ["--campaign", str(campaign.settings.campaign_dir), "--contacts", str(campaign.contacts_file),
            "--data", str(campaign.paths.data)]  # fmt: skip
    result = run_invite("poll", *args, env=env)
    assert result.code == 0, result.text
    assert "5 neue Nachrichten verarbeitet" in result.out
    assert "Zugeordnet mit Antwort: 3" in result.out
    assert "Anmeldungen/prüfen" in result.out
    assert "Traceback" not in result.text
    again = run_invite("poll", *args, env=env)
    assert "Keine neuen Nachrichten" in again.out
    wrong = run_invite("poll", *args, env={**env, "INVITE_IMAP_PASSWORD": "Gartenzwerg-17"})
    assert wrong.code == 2 and "Fehler: Anmeldung am IMAP-Server" in wrong.err
    assert "Gartenzwerg" not in wrong.text


def test_zusage_gets_a_confirmation_when_configured(
    dovecot: DovecotServer,
    smtp_server,
    cafile: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = dovecot.new_account()
    imap_env(monkeypatch, account)
    smtp_env(monkeypatch, smtp_server, cafile)
    campaign = make_campaign(tmp_path, 3, send_confirmation=True)
    with campaign.open_state() as state:
        corpus = Corpus(campaign, state)
    dovecot.deliver(account.address, corpus.one_click("c1", "1", yes=True))
    dovecot.deliver(account.address, corpus.one_click("c2", "2", yes=False))
    summary = poll(campaign)
    assert summary.answers == 2 and summary.confirmations == 1
    sent = smtp_server.wait_for_messages(1)
    assert sent[0].message["To"].addresses[0].addr_spec == corpus.inv("1").email
    assert poll(campaign).confirmations == 0


# -- the IMAP adapter on its own ---------------------------------------------------------------


def server_settings(account: ImapAccount, folder: str = "INBOX"):
    from invite.settings import ServerSettings

    return ServerSettings(
        "127.0.0.1", account.ssl_port, "ssl", account.username, account.cafile, 10, folder=folder
    )


def test_copy_and_expunge_where_move_is_missing(dovecot: DovecotServer) -> None:
    from invite.mail.imap import Mailbox

    account = dovecot.new_account()
    for i in range(3):
        dovecot.deliver(
            account.address, f"From: a@b\r\nMessage-ID: <m{i}@x>\r\n\r\nhi\r\n".encode()
        )
    with Mailbox.connect(server_settings(account), account.password) as mailbox:
        mailbox.can_move = False  # as on servers without the MOVE extension
        folder = mailbox.ensure_folder("Anmeldungen/zugeordnet")
        assert folder == "Anmeldungen.zugeordnet"
        mailbox.select("INBOX")
        uids = mailbox.uids_after(0)
        mailbox.move(uids[:2], "Anmeldungen/zugeordnet")
        assert mailbox.uids_after(0) == uids[2:]
    assert sorted(message_ids(account, MATCHED)) == ["m0@x", "m1@x"]


def test_fetch_skips_bodies_over_the_limit_and_keeps_uid_order(dovecot: DovecotServer) -> None:
    from invite.mail.imap import Mailbox

    account = dovecot.new_account()
    dovecot.deliver(account.address, b"From: a@b\r\nSubject: klein\r\n\r\nhi\r\n")
    dovecot.deliver(account.address, b"From: a@b\r\nSubject: gross\r\n\r\n" + b"x" * 5000 + b"\r\n")
    dovecot.deliver(account.address, b"From: a@b\r\nSubject: klein2\r\n\r\nhi\r\n")
    with Mailbox.connect(server_settings(account), account.password) as mailbox:
        mailbox.select("INBOX")
        uids = mailbox.uids_after(0)
        got = list(mailbox.fetch(uids, mailbox.sizes(uids), max_bytes=1000))
    assert [uid for uid, _raw, _complete in got] == uids
    assert [complete for _uid, _raw, complete in got] == [True, False, True]
    assert b"Subject: gross" in got[1][1] and b"xxxx" not in got[1][1]


def test_wait_for_news_returns_on_new_mail_with_idle_and_after_the_interval_without(
    dovecot: DovecotServer,
) -> None:
    from invite.mail.imap import Mailbox

    account = dovecot.new_account()
    with Mailbox.connect(server_settings(account), account.password) as mailbox:
        mailbox.select("INBOX")
        assert mailbox.can_idle
        timer = threading.Timer(0.5, dovecot.deliver, (account.address, b"From: a@b\r\n\r\nhi\r\n"))
        timer.start()
        start = time.monotonic()
        mailbox.wait_for_news(30, lambda: False)
        assert time.monotonic() - start < 10
        timer.join()
        mailbox.can_idle = False
        start = time.monotonic()
        mailbox.wait_for_news(1.5, lambda: False)
        assert 1.4 < time.monotonic() - start < 5
