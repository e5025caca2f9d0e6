"""`invite purge` (DSGVO): after the event, personal data goes; counts and the audit log stay."""

from __future__ import annotations

import datetime as dt
import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from clirun import run_invite
from openpyxl import load_workbook
from statuskit import make_campaign, seed

from invite.campaign import Campaign
from invite.errors import InviteError
from invite.steps.participants import write_participant_list
from invite.steps.purge import PurgePlan, plan_lines, run_purge
from invite.steps.record import record_manual
from invite.steps.status import write_status
from invite.store import (
    PERSONAL_DATA,
    PERSONAL_TABLES,
    Store,
    add_audit,
    all_answers,
    all_invitees,
    audit_log,
    count_inbox_messages,
    personal_row_counts,
    personal_values,
)

AFTER = dt.datetime(2019, 2, 1, 9, 0)
PERSONAL = [  # from contacts.xlsx.example and the seeded answers and messages
    "Papadopoulos",
    "Yılmaz",
    "Murat",
    "a.yilmaz@tdkv-muenster.example",
    "d.papadopoulos@gg-muenster.example",
    "fremd@example.net",
    "Hammer Straße",
    "Иванова",
    "العلي",
    "Wir kommen vielleicht",
    "Gewinnspiel",
]


def generated(campaign: Campaign) -> list[Path]:
    """Stand-ins for what letters/send make, plus the real workbook and door list."""
    paths = campaign.paths
    for folder, name in (
        (paths.letters, "Einladung-0001.pdf"),
        (paths.forms, "Anmeldeformular-0001.pdf"),
        (paths.print_batches, "Druckstapel-20190111.pdf"),
        (paths.outbox / "new", "1547194500.M1P1.host"),
    ):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"Ay\xc5\x9fe Y\xc4\xb1lmaz")
    paths.programme.write_bytes(b"%PDF")
    return [
        paths.letters,
        paths.forms,
        paths.print_batches,
        paths.outbox,
        paths.programme,
        write_status(campaign).path,
        write_participant_list(campaign).path,
    ]


@pytest.fixture
def campaign(tmp_path: Path) -> Campaign:
    campaign = make_campaign(tmp_path)
    seed(campaign)
    record_manual(campaign, "12", "absage", note="Frau Demir ruft an: krank")
    with campaign.open_state() as state:
        add_audit(state, "send", "Einladung gesendet", "5", "an d.papadopoulos@gg-muenster.example")
        add_audit(state, "poll", "Antwort erfasst", "1", "Ayşe Yılmaz und Murat Yılmaz kommen")
        add_audit(
            state,
            "poll",
            "nicht zugeordnet",
            None,
            "Betreff „Gewinnspiel\x07“ von spam@example.com",
        )
    return campaign


def yes(plan: PurgePlan) -> bool:
    return True


def database_bytes(campaign: Campaign) -> bytes:
    data = campaign.paths.data
    return b"".join(p.read_bytes() for p in data.glob("invite.sqlite*"))


def test_purge_deletes_personal_data_and_keeps_counts_and_history(campaign: Campaign) -> None:
    files = generated(campaign)
    with Store.open(campaign.paths.data) as state:
        audit_before = len(audit_log(state))
        answers_before = len(all_answers(state))
        before = personal_values(state)
        rows_before = personal_row_counts(state)
    # the fixture holds personal data in every table the declaration names
    for table, columns in PERSONAL_DATA.items():
        assert any(before[table][c] - {blank, ""} for c, blank in columns.items()), table
    assert any(rows_before[table] for table in PERSONAL_TABLES)

    result = run_purge(campaign, force=False, confirm=yes, now_local=AFTER)

    assert result.deleted_files == len(files)
    assert not any(f.exists() for f in files)
    with Store.open(campaign.paths.data) as state:
        after = personal_values(state)
        for table, columns in PERSONAL_DATA.items():
            for column, blank in columns.items():
                assert after[table][column] == {blank}, f"{table}.{column} kept personal data"
        assert personal_row_counts(state) == dict.fromkeys(PERSONAL_TABLES, 0)
        assert len(all_invitees(state, include_removed=True)) == 25
        assert len(all_answers(state)) == answers_before
        assert count_inbox_messages(state) == 6
        summary = json.loads(state.meta("purge_summary") or "")
        audit = audit_log(state)
    assert summary["invitees"] == 25 and summary["status"]["zugesagt"] == 2
    assert summary["status"]["abgesagt"] == 2 and summary["persons_confirmed"] == 3
    assert len(audit) == audit_before + 1
    assert audit[-1].action == "Personenbezogene Daten gelöscht"
    details = "\n".join(a.detail for a in audit)
    assert "an [gelöscht]" in details and "[gelöscht] und [gelöscht] kommen" in details
    assert "zusage über formular, 2 Personen" in details  # what was done stays readable
    raw = database_bytes(campaign)
    for text in PERSONAL:
        assert text.encode() not in raw, text  # not in a table, a free page or the WAL


def test_after_a_purge_no_list_brings_names_back(campaign: Campaign) -> None:
    run_purge(campaign, force=False, confirm=yes, now_local=AFTER)
    for make in (write_status, write_participant_list):
        with pytest.raises(InviteError, match="wurden am .* gelöscht"):
            make(campaign)
    with pytest.raises(InviteError, match="gelöscht"):
        record_manual(campaign, "3", "zusage")
    assert not campaign.paths.status_workbook.exists()


def test_refused_before_the_event_unless_forced(tmp_path: Path) -> None:
    campaign = make_campaign(tmp_path, start="2019-01-31T17:00:00", end="2019-01-31T20:00:00")
    seed(campaign)
    before_db = database_bytes(campaign)
    with pytest.raises(InviteError, match="noch nicht vorbei .*--force"):
        run_purge(campaign, force=False, confirm=yes, now_local=dt.datetime(2019, 1, 31, 19, 59))
    assert database_bytes(campaign) == before_db

    result = run_purge(campaign, force=True, confirm=yes, now_local=dt.datetime(2019, 1, 20))
    assert result.plan.too_early


def test_saying_no_deletes_nothing(campaign: Campaign) -> None:
    files = generated(campaign)
    seen: list[PurgePlan] = []

    def no(plan: PurgePlan) -> bool:
        seen.append(plan)
        return False

    with pytest.raises(InviteError, match="Abgebrochen. Es wurde nichts gelöscht"):
        run_purge(campaign, force=False, confirm=no, now_local=AFTER)
    assert seen[0].invitees == 25 and seen[0].messages == 6 and len(seen[0].files) == len(files)
    assert all(f.exists() for f in files)
    assert load_workbook(campaign.paths.status_workbook)["Einladungen"]["D2"].value


def purge_cli(campaign: Campaign, *args: str):  # noqa: ANN201 - clirun.Result
    return run_invite(
        "purge",
        *args,
        "--campaign",
        str(campaign.settings.campaign_dir),
        "--data",
        str(campaign.paths.data),
    )


def test_without_a_terminal_only_with_yes(campaign: Campaign) -> None:
    workbook = write_status(campaign).path
    refused = purge_cli(campaign)
    assert refused.code == 2, refused.text
    assert (
        "Gelöscht werden: Namen, Anschriften und E-Mail-Adressen aller 25 Eingeladenen"
        in refused.out
    )
    assert "kein Terminal" in refused.err and "--yes" in refused.err
    assert workbook.exists()

    done = purge_cli(campaign, "--yes")
    assert done.code == 0, done.text
    assert "Personenbezogene Daten gelöscht." in done.out
    assert "Erhalten: 25 Eingeladene (" in done.out and "die Kontaktliste (Excel)" in done.out
    assert not workbook.exists()
    assert "Traceback" not in refused.text + done.text


def test_nothing_to_purge_in_an_empty_folder(tmp_path: Path) -> None:
    campaign = make_campaign(tmp_path)
    with pytest.raises(InviteError, match="keine Kampagnendaten"):
        run_purge(campaign, force=False, confirm=yes, now_local=AFTER)


def purge_in_terminal(campaign: Campaign, typed: str) -> tuple[int, str]:
    """Run `invite purge` on a real pseudo-terminal and type ``typed`` at the prompt."""
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "invite",
            "purge",
            "--campaign",
            str(campaign.settings.campaign_dir),
            "--data",
            str(campaign.paths.data),
        ],
        stdin=child,
        stdout=child,
        stderr=child,
        env={k: v for k, v in os.environ.items() if not k.startswith("INVITE_")},
    )
    os.close(child)
    output = b""
    deadline = time.monotonic() + 60
    while b"eingeben" not in output and time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 1)
        if ready:
            output += os.read(main, 4096)
    os.write(main, typed.encode() + b"\n")
    while True:
        ready, _, _ = select.select([main], [], [], 1)
        if ready:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the terminal closed: the process is done
                break
            if not chunk:
                break
            output += chunk
        elif proc.poll() is not None:
            break
    os.close(main)
    return proc.wait(timeout=60), output.decode("utf-8", "replace")


def test_in_a_terminal_only_the_word_loeschen_deletes(campaign: Campaign) -> None:
    workbook = write_status(campaign).path
    code, text = purge_in_terminal(campaign, "ja")
    assert code == 1 and "Abgebrochen. Es wurde nichts gelöscht." in text, text
    assert workbook.exists()

    code, text = purge_in_terminal(campaign, "Löschen")
    assert code == 0 and "Personenbezogene Daten gelöscht." in text, text
    assert not workbook.exists()


def test_a_door_list_written_elsewhere_is_deleted_too(campaign: Campaign, tmp_path: Path) -> None:
    elsewhere = tmp_path / "Einlass" / "Liste.pdf"
    elsewhere.parent.mkdir()
    write_participant_list(campaign, elsewhere)
    assert elsewhere.exists()
    run_purge(campaign, force=False, confirm=yes, now_local=AFTER)
    assert not elsewhere.exists()


def test_the_files_announced_are_the_files_deleted(campaign: Campaign) -> None:
    """The preview counts only what is there (no letters folder yet, no door list …), so
    „11 Dateien“ announced never turns into „9 gelöscht“."""
    generated(campaign)
    announced: list[int] = []

    def confirm(plan: PurgePlan) -> bool:
        announced.append(len(plan.files))
        return True

    (campaign.paths.letters).rename(campaign.paths.data / "woanders")  # one candidate missing
    result = run_purge(campaign, force=False, confirm=confirm, now_local=AFTER)
    assert announced == [result.deleted_files]
    assert f"sowie {announced[0]} erzeugte Dateien/Ordner" in "\n".join(plan_lines(result.plan))
