"""The workbook is always current: poll, record and remind rewrite rsvp-status.xlsx at their
end (the README's demo), against real IMAP and SMTP servers; an open or hand-edited workbook
never fails the step."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from clirun import run_invite
from corpus import Corpus
from mailservers import DovecotServer, SmtpServer, TestCerts
from openpyxl import load_workbook
from sendkit import imap_env, make_campaign, smtp_env
from statuskit import make_campaign as make_example_campaign

from invite.campaign import Campaign
from invite.store import Store, latest_answers

WRITTEN = "Rückmeldeliste geschrieben"  # the audit line each rewrite adds to „Verlauf“


def cli_args(campaign: Campaign) -> list[str]:
    return [
        "--campaign",
        str(campaign.settings.campaign_dir),
        "--contacts",
        str(campaign.contacts_file),
        "--data",
        str(campaign.paths.data),
    ]


def sheets(path: Path) -> dict[str, list[tuple]]:
    """Every value of every sheet, without what differs by the clock alone: the „Stand“ line
    and the history lines that say the workbook itself was written."""
    wb = load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        rows = [r for r in ws.iter_rows(values_only=True)]
        if ws.title == "Übersicht":
            rows = [r for r in rows if r[0] != "Stand"]
        if ws.title == "Verlauf":
            rows = [r for r in rows if r[2] != WRITTEN]
        out[ws.title] = rows
    return out


def by_number(path: Path) -> dict[int, dict[str, object]]:
    ws = load_workbook(path)["Einladungen"]
    header = [c.value for c in ws[1]]
    return {r[0]: dict(zip(header, r, strict=True)) for r in ws.iter_rows(2, values_only=True)}


@pytest.fixture
def demo(
    dovecot: DovecotServer,
    smtp_server: SmtpServer,
    test_certs: TestCerts,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Campaign, Corpus, dict[str, str], str]:
    """Six invitees, all invited by email (ledger as `send` leaves it), servers on loopback."""
    account = dovecot.new_account()
    env = {
        **imap_env(monkeypatch, account),
        **smtp_env(monkeypatch, smtp_server, test_certs.cafile),
        "INVITE_IMAP_FOLDER": "RSVP",
    }
    campaign = make_campaign(tmp_path, 6)
    with campaign.open_state() as state:
        corpus = Corpus(campaign, state)
    return campaign, corpus, env, account.address


def test_poll_record_and_remind_leave_the_workbook_as_status_writes_it(
    demo: tuple[Campaign, Corpus, dict[str, str], str], dovecot: DovecotServer
) -> None:
    campaign, corpus, env, address = demo
    args = cli_args(campaign)
    path = campaign.paths.status_workbook
    dovecot.deliver(address, corpus.one_click("d1", "1", yes=True), folder="RSVP")
    dovecot.deliver(address, corpus.one_click("d2", "2", yes=False), folder="RSVP")

    polled = run_invite("poll", *args, env=env)
    assert polled.code == 0, polled.text
    assert f"Rückmeldeliste aktualisiert: {path}" in polled.out
    rows = by_number(path)
    assert (rows[1]["Status"], rows[2]["Status"]) == ("zugesagt", "abgesagt")

    recorded = run_invite("record", *args, "3", "zusage", "--personen", "2", env=env)
    assert recorded.code == 0, recorded.text
    assert f"Rückmeldeliste aktualisiert: {path}" in recorded.out
    rows = by_number(path)
    assert (rows[3]["Status"], rows[3]["Personen"]) == ("zugesagt", 2)

    reminded = run_invite("remind", *args, "--yes", "--force", env=env)
    assert reminded.code == 0, reminded.text
    assert "3 Erinnerungen gehen an" in reminded.out
    assert f"Rückmeldeliste aktualisiert: {path}" in reminded.out
    rows = by_number(path)
    assert all(rows[n]["Erinnert am"] is not None for n in (4, 5, 6))
    assert all(rows[n]["Erinnert am"] is None for n in (1, 2, 3))

    before = sheets(path)
    status = run_invite("status", *args, env=env)
    assert status.code == 0, status.text
    assert sheets(path) == before  # nothing left for `invite status` to bring up to date
    line = re.search(r"6 Eingeladene: (.*)", status.out)
    assert line is not None
    shown = dict(reversed(part.split(" ", 1)) for part in line.group(1).split(", "))
    overview = {r[0]: r[1] for r in before["Übersicht"] if r and r[0] in shown}
    assert (
        {k: int(v) for k, v in shown.items()}
        == overview
        == {
            "offen": 3,
            "zugesagt": 2,
            "abgesagt": 1,
        }
    )


@pytest.fixture
def example(tmp_path: Path) -> Campaign:
    campaign = make_example_campaign(tmp_path)
    with campaign.open_state() as state:
        campaign.sync(state, "test")
    first = run_invite("status", *cli_args(campaign))
    assert first.code == 0, first.text
    return campaign


def test_an_open_workbook_is_left_alone_and_the_step_still_succeeds(example: Campaign) -> None:
    path = example.paths.status_workbook
    before = path.read_bytes()
    for lock in (f".~lock.{path.name}#", f"~${path.name}"):
        (path.parent / lock).write_text("Sabine,host,12.01.2019")
        result = run_invite("record", *cli_args(example), "4", "absage")
        assert result.code == 0, result.text
        assert "Absage eingetragen für Nr. 4" in result.out
        assert (
            "gerade in Excel oder LibreOffice geöffnet und wurde nicht aktualisiert" in result.out
        )
        assert "sobald sie geschlossen ist und „invite status“ läuft" in result.out
        assert "Traceback" not in result.text
        assert path.read_bytes() == before
        (path.parent / lock).unlink()
    with Store.open(example.paths.data) as state:
        assert latest_answers(state)["4"].answer == "absage"  # the step did its work

    closed = run_invite("status", *cli_args(example))
    assert closed.code == 0, closed.text
    assert by_number(path)[4]["Status"] == "abgesagt"


def test_unclear_hand_edits_are_not_overwritten_and_the_step_still_succeeds(
    example: Campaign,
) -> None:
    path = example.paths.status_workbook
    wb = load_workbook(path)
    wb["Einladungen"]["H4"] = "vielleicht"  # Status of Nr. 3: not a status
    wb.save(path)
    before = path.read_bytes()

    result = run_invite("record", *cli_args(example), "5", "zusage")

    assert result.code == 0, result.text
    assert "Zusage eingetragen für Nr. 5" in result.out
    assert "nicht eindeutig" in result.out and "nicht überschrieben" in result.out
    assert path.read_bytes() == before
    refused = run_invite("status", *cli_args(example))
    assert refused.code == 1 and "Zeile 4, Spalte „Status“" in refused.err


def test_a_dry_run_leaves_the_workbook_alone(example: Campaign) -> None:
    path = example.paths.status_workbook
    before = path.read_bytes()
    result = run_invite("remind", *cli_args(example), "--dry-run", "--force")
    assert result.code == 0, result.text
    assert "Rückmeldeliste" not in result.out
    assert path.read_bytes() == before
