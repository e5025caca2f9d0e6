"""`invite remind` against the real SMTP server: exactly the open email invitees, once."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from clirun import run_invite
from mailservers import SmtpServer, TestCerts
from sendkit import REPO, make_campaign, smtp_env
from workbooks import example_rows, write_contacts

from invite.campaign import Campaign
from invite.errors import InviteError
from invite.steps.remind import RemindOptions, run_remind
from invite.steps.send import SendOptions, run_send
from invite.store import Store, all_invitees, deliveries, record_answer

BEFORE_DEADLINE = dt.date(2019, 1, 20)
FAST_RETRY = (0.05, 0.1)


def remind(campaign: Campaign, today: dt.date = BEFORE_DEADLINE, **options: object):
    return run_remind(
        campaign,
        RemindOptions(**options),  # type: ignore[arg-type]
        today=today,
        retry_delays=FAST_RETRY,
    )


def answer(campaign: Campaign, number: str, what: str) -> None:
    with Store.open(campaign.paths.data) as state:
        record_answer(state, number, what, source="manuell", command="test")


def reminder_recipients(server: SmtpServer) -> Counter[str]:
    return Counter(
        m.rcpt_tos[0] for m in server.messages if m.message["Subject"].startswith("Erinnerung")
    )


@pytest.fixture
def invited(
    tmp_path: Path, smtp_server: SmtpServer, test_certs: TestCerts, monkeypatch: pytest.MonkeyPatch
) -> Campaign:
    """Seven invitees: 1–6 invited by email, 7 by post only."""
    smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    rows = example_rows(7)
    rows[6]["Versand"] = "Post"
    campaign = make_campaign(tmp_path, rows)
    assert len(run_send(campaign, SendOptions()).delivery.sent) == 6
    return campaign


def test_reminds_exactly_the_open_email_invitees_once(
    invited: Campaign, smtp_server: SmtpServer
) -> None:
    answer(invited, "1", "zusage")
    answer(invited, "2", "absage")
    answer(invited, "3", "unzustellbar")  # a bounce
    smtp_server.clear()

    result = remind(invited)
    assert sorted(i.number for i in result.delivery.sent) == ["4", "5", "6"]
    assert sorted(i.number for i in result.plan.answered) == ["1", "2", "3"]
    assert reminder_recipients(smtp_server) == Counter(
        {"gast4@example.org": 1, "gast5@example.org": 1, "gast6@example.org": 1}
    )
    with Store.open(invited.paths.data) as state:
        by_number = {inv.number: inv for inv in all_invitees(state)}
        rows = deliveries(state, "reminder")
    assert {(r.invitee, r.round, r.state) for r in rows} == {
        ("4", 1, "sent"),
        ("5", 1, "sent"),
        ("6", 1, "sent"),
    }
    for received in smtp_server.messages:
        msg = received.message
        inv = by_number[received.rcpt_tos[0].removeprefix("gast").split("@")[0]]
        assert inv.code in msg["Subject"]
        (form,) = msg.iter_attachments()
        assert form.get_filename().startswith("Anmeldeformular")
        assert form.get_content().startswith(b"%PDF")
        assert msg["Message-ID"] in {r.message_id for r in rows}

    again = remind(invited)
    assert not again.delivery.sent and len(again.plan.already_reminded) == 3
    assert len(reminder_recipients(smtp_server)) == 3


def test_again_starts_a_second_round_only_for_the_still_open(
    invited: Campaign, smtp_server: SmtpServer
) -> None:
    remind(invited)
    answer(invited, "4", "zusage")
    smtp_server.clear()
    second = remind(invited, again=True)
    assert sorted(i.number for i in second.delivery.sent) == ["1", "2", "3", "5", "6"]
    with Store.open(invited.paths.data) as state:
        rounds = Counter(r.round for r in deliveries(state, "reminder"))
    assert rounds == Counter({1: 6, 2: 5})


def test_not_yet_invited_are_not_reminded(
    tmp_path: Path, smtp_server: SmtpServer, test_certs: TestCerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    campaign = make_campaign(tmp_path, 3)
    run_send(campaign, SendOptions(only=("1",)))
    result = remind(campaign)
    assert [i.number for i in result.delivery.sent] == ["1"]
    assert sorted(i.number for i in result.plan.not_invited) == ["2", "3"]


def test_refuses_after_the_deadline_unless_forced(invited: Campaign) -> None:
    with pytest.raises(InviteError, match="--force") as info:
        remind(invited, today=dt.date(2019, 1, 28))
    assert info.value.exit_code == 2
    assert len(remind(invited, today=dt.date(2019, 1, 27)).delivery.sent) == 6  # last day is fine
    assert remind(invited, today=dt.date(2019, 3, 1), force=True, again=True).delivery.sent


def test_cli_refuses_after_the_bundled_deadline(tmp_path: Path) -> None:
    result = run_invite(
        "remind", "--yes", "--contacts", str(REPO / "contacts.xlsx.example"),
        "--data", str(tmp_path / "d"),
    )  # fmt: skip
    assert result.code == 2
    assert "Anmeldefrist" in result.err and "--force" in result.err


def test_dry_run_previews_and_records_nothing(invited: Campaign, smtp_server: SmtpServer) -> None:
    smtp_server.clear()
    result = remind(invited, dry_run=True)
    assert len(result.delivery.previewed) == 6
    assert (
        sorted(p.name for p in (invited.paths.outbox / "new").iterdir())[0] == "0001-reminder.eml"
    )
    assert smtp_server.messages == []
    with Store.open(invited.paths.data) as state:
        assert deliveries(state, "reminder") == []


def test_postal_invitees_with_a_printed_letter_are_counted_for_reminder_letters(
    invited: Campaign,
) -> None:
    from invite.paper.production import make_print_batch

    with Store.open(invited.paths.data) as state:
        postal = [inv for inv in all_invitees(state) if not inv.wants_email]
        make_print_batch(invited, state, postal)
    result = remind(invited, dry_run=True)
    assert [i.number for i in result.plan.post_open] == ["7"]


def test_both_channel_invitee_whose_email_failed_gets_a_reminder_letter(
    tmp_path: Path, smtp_server: SmtpServer, test_certs: TestCerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    from invite.paper.production import make_print_batch

    smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    smtp_server.rcpt_replies = {"gast2@example.org": "550 5.1.1 user unknown"}
    rows = example_rows(3)
    rows[1]["Versand"] = "beides"
    campaign = make_campaign(tmp_path, rows)
    assert [i.number for i, _ in run_send(campaign, SendOptions()).delivery.failed] == ["2"]
    with Store.open(campaign.paths.data) as state:
        make_print_batch(campaign, state, [i for i in all_invitees(state) if i.wants_post])
    smtp_server.clear()
    result = remind(campaign)
    assert [i.number for i in result.plan.post_open] == ["2"] and result.letters
    assert result.plan.not_invited == []
    assert reminder_recipients(smtp_server) == Counter(
        {"gast1@example.org": 1, "gast3@example.org": 1}
    )
    again = remind(campaign)
    assert [i.number for i in again.plan.already_reminded] == ["1", "2", "3"]
    assert again.plan.post_open == [] and again.letters is None


def test_cli_summary_in_german(
    invited: Campaign,
    smtp_server: SmtpServer,
    test_certs: TestCerts,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    answer(invited, "1", "zusage")
    args = [
        "--campaign", str(invited.settings.campaign_dir),
        "--contacts", str(invited.contacts_file),
        "--data", str(invited.paths.data),
    ]  # fmt: skip
    result = run_invite("remind", "--yes", "--force", *args, env=env)
    assert result.code == 0, result.text
    assert "Erinnerungen gesendet: 5" in result.out
    assert "Übersprungen (haben geantwortet): 1" in result.out


def test_bounced_then_reinvited_at_a_corrected_address_is_reminded(
    invited: Campaign, smtp_server: SmtpServer
) -> None:
    answer(invited, "3", "unzustellbar")  # the first address bounced
    rows = example_rows(7)
    rows[6]["Versand"] = "Post"
    rows[2]["E-Mail"] = "gast3-neu@example.org"  # staff correct the address
    write_contacts(invited.contacts_file, rows)
    resent = run_send(invited, SendOptions())
    assert [i.number for i in resent.delivery.sent] == ["3"]
    smtp_server.clear()
    result = remind(invited)
    assert "3" in {i.number for i in result.delivery.sent}
    assert reminder_recipients(smtp_server)["gast3-neu@example.org"] == 1
