"""Links planted in the data folder never make `invite` write personal data outside it.

Someone who can write into the data folder plants symbolic links at every name the tool
writes — final names, the temporary names of the old scheme, the Maildir's ``tmp/``, ``new/``
and ``cur/`` of the dry run, the workbook's backup name, print-batch names, the door list, the
database's side files — each pointing outside. Then the campaign runs its steps (check, letters,
send --dry-run, status with an edited workbook, record, teilnehmerliste, purge). Outside,
nothing may appear, change or vanish; inside, the steps did their work in real files.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook
from statuskit import make_campaign

from invite.campaign import Campaign
from invite.errors import InviteError
from invite.steps.check import run_check
from invite.steps.letters import render_letters
from invite.steps.participants import write_participant_list
from invite.steps.purge import run_purge
from invite.steps.record import record_manual
from invite.steps.send import SendOptions, run_send
from invite.steps.status import write_status
from invite.store import DB_FILE, exclusive

pytestmark = pytest.mark.skipif(os.name != "posix", reason="planting links needs POSIX rights")

AFTER_THE_EVENT = dt.datetime(2030, 1, 1, 12, 0)
SECONDS_AHEAD = 900  # time-stamped names (print batch, backup) for the next 15 minutes


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every entry below ``folder``: file contents, link targets, folders."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        key = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[key] = f"link → {os.readlink(path)}"
        elif path.is_dir():
            found[key] = "folder"
        else:
            found[key] = path.read_bytes()
    return found


class Planter:
    """Plants links into the data folder, each to its own name outside."""

    def __init__(self, outside: Path) -> None:
        self.outside = outside
        self.count = 0

    def link(self, at: Path, target: Path | None = None) -> Path:
        """A link at ``at`` to a name outside that does not exist (or to ``target``)."""
        self.count += 1
        target = target or self.outside / f"ziel-{self.count}"
        at.parent.mkdir(parents=True, exist_ok=True)
        at.symlink_to(target)
        return target


def stamps(now: dt.datetime) -> list[str]:
    return [
        (now + dt.timedelta(seconds=s)).strftime("%Y-%m-%d-%H%M%S")
        for s in range(-5, SECONDS_AHEAD)
    ]


def plant_everywhere(campaign: Campaign, plant: Planter) -> None:
    paths = campaign.paths
    data = paths.data
    pid = os.getpid()
    # Final names and the temporary names of the old scheme (.NAME.PID.tmp).
    finals = [
        paths.programme,
        data / ".pdf-fingerprints.json",
        paths.participant_list,
        paths.letters / "Einladung-0001.pdf",
        paths.forms / "Anmeldeformular-0002.pdf",
    ]
    for final in finals:
        plant.link(final)
        plant.link(final.with_name(f".{final.name}.{pid}.tmp"))
    # The database's side files, which SQLite opens by itself, are refused (tested below);
    # time-stamped names: print batches and the workbook's backup.
    for stamp in stamps(dt.datetime.now()):
        plant.link(paths.print_batches / f"Druckstapel-{stamp}.pdf")
        plant.link(data / f"rsvp-status.vorher-{stamp}.xlsx")
    # The dry run's Maildir: tmp/ and cur/ are links to folders outside that hold mail of
    # their own; new/ is a real folder with a link at the name a message gets.
    for sub in ("tmp", "cur"):
        folder = plant.outside / f"maildir-{sub}"
        folder.mkdir()
        (folder / "fremd.eml").write_bytes(b"Subject: nicht von invite\n\n")
        plant.link(paths.outbox / sub, folder)
    plant.link(paths.outbox / "new" / "0001-invitation.eml")


def test_planted_links_never_send_data_outside(tmp_path: Path) -> None:
    outside = tmp_path / "draußen"
    outside.mkdir()
    (outside / "bestehend.txt").write_text("bleibt wie es ist", encoding="utf-8")
    campaign = make_campaign(tmp_path)
    campaign.paths.data.mkdir(parents=True)
    plant = Planter(outside)
    plant_everywhere(campaign, plant)
    before = snapshot(outside)

    run_check(campaign)
    with exclusive(campaign.paths.data, "letters"), campaign.open_state() as state:
        campaign.sync(state, "letters")
        report = render_letters(campaign, state)
    assert report.print_batch is not None and not report.print_batch.is_symlink()
    preview = run_send(campaign, SendOptions(dry_run=True))
    assert preview.delivery.previewed
    record_manual(campaign, "1", "zusage", persons=2)
    first = write_status(campaign)
    workbook = load_workbook(first.path)
    workbook["Einladungen"]["O2"] = "Rückruf am Montag"  # typed where nothing is taken in
    workbook.save(first.path)
    second = write_status(campaign)
    door = write_participant_list(campaign)

    # Inside, the work was done in real files, not through the links.
    paths = campaign.paths
    for made in (paths.programme, paths.participant_list, door.path, second.path):
        assert made.is_file() and not made.is_symlink(), made
    for sub in ("tmp", "new", "cur"):
        assert not (paths.outbox / sub).is_symlink()
    mails = sorted(p.name for p in (paths.outbox / "new").iterdir())
    assert mails and all(not (paths.outbox / "new" / m).is_symlink() for m in mails)
    backups = [
        p
        for p in paths.data.glob("rsvp-status.vorher-*.xlsx")
        if p.is_file() and not p.is_symlink()
    ]
    assert len(backups) == 1
    assert load_workbook(backups[0])["Einladungen"]["O2"].value == "Rückruf am Montag"
    assert snapshot(outside) == before

    run_purge(campaign, force=True, confirm=lambda plan: True, now_local=AFTER_THE_EVENT)
    assert snapshot(outside) == before  # and purge left nothing outside either


@pytest.mark.parametrize("side", ["", "-wal", "-shm", "-journal"])
def test_a_link_at_the_database_is_refused(tmp_path: Path, side: str) -> None:
    campaign = make_campaign(tmp_path)
    campaign.paths.data.mkdir(parents=True)
    target = tmp_path / "draußen.sqlite"
    (campaign.paths.data / f"{DB_FILE}{side}").symlink_to(target)
    with pytest.raises(InviteError, match="Verknüpfung") as info:
        campaign.open_state().close()
    assert info.value.exit_code == 2
    assert not target.exists()


@pytest.mark.parametrize("name", [".lock", ".lock.holder", ".status.lock", ".status.lock.holder"])
def test_a_link_at_a_lock_file_is_refused(tmp_path: Path, name: str) -> None:
    """Lock files are opened for writing (and truncated): a link there is refused, its target
    left as it was."""
    campaign = make_campaign(tmp_path)
    campaign.paths.data.mkdir(parents=True)
    target = tmp_path / "draußen.txt"
    target.write_text("bleibt", encoding="utf-8")
    (campaign.paths.data / name).symlink_to(target)
    with pytest.raises(InviteError, match="Verknüpfung") as info:
        if name.startswith(".status"):
            write_status(campaign)
        else:
            run_send(campaign, SendOptions(dry_run=True))
    assert info.value.exit_code == 2
    assert target.read_text(encoding="utf-8") == "bleibt"
