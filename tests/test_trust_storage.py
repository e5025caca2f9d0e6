"""Trust: the state database survives full disks, read-only folders and a second user."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from invite.core.contacts import Invitee
from invite.errors import ConfigError, InviteError
from invite.store import DB_FILE, Store, all_invitees, exclusive, sync_invitees
from invite.templates import Templates

IS_ROOT = os.geteuid() == 0


def invitees(n: int, start: int = 1) -> list[Invitee]:
    return [
        Invitee(
            number=str(i),
            last_name=f"Name{i}" * 5,
            organisation=f"Verein {i}" * 8,
            email=f"p{i}@example.org",
            row=i + 1,
        )
        for i in range(start, start + n)
    ]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 200 KB tmpfs (root), so a write really hits ENOSPC."""
    if not IS_ROOT:
        pytest.skip("needs root to mount a tmpfs")  # CI runs as root
    mount = tmp_path / "klein"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_data_folder_and_database_are_private(tmp_path: Path) -> None:
    data = tmp_path / "daten"
    with Store.open(data) as state:
        sync_invitees(state, invitees(2), "test")
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / DB_FILE).stat().st_mode) == 0o600


def test_disk_full_keeps_committed_state(small_disk: Path) -> None:
    data = small_disk / "daten"
    with Store.open(data) as state:
        sync_invitees(state, invitees(3), "test")
        before = [i.code for i in all_invitees(state)]
        with pytest.raises(sqlite3.OperationalError, match="full"):
            for chunk in range(100):  # grow until the 200 KB disk is full
                sync_invitees(state, invitees(3) + invitees(200, start=10 + chunk * 200), "test")
    with Store.open(data) as state:
        assert state.integrity_problems() == []
        assert [i.code for i in all_invitees(state)][:3] == before


def test_read_only_data_folder_is_a_clear_error(tmp_path: Path) -> None:
    data = tmp_path / "daten"
    with Store.open(data) as state:
        sync_invitees(state, invitees(2), "test")
    if IS_ROOT:  # root ignores permission bits: make the folder truly read-only
        subprocess.run(["mount", "--bind", str(data), str(data)], check=True)
        subprocess.run(["mount", "-o", "remount,bind,ro", str(data)], check=True)
    else:
        data.chmod(0o500)
    try:
        with (
            pytest.raises((InviteError, sqlite3.OperationalError)) as info,
            Store.open(data) as state,
        ):
            sync_invitees(state, invitees(3), "test")
        if isinstance(info.value, InviteError):
            assert "schreibgeschützt" in str(info.value) or "Zugriff" in str(info.value)
    finally:
        if IS_ROOT:
            subprocess.run(["umount", str(data)], check=False)
        else:
            data.chmod(0o700)
    with Store.open(data) as state:
        assert len(all_invitees(state)) == 2
        assert state.integrity_problems() == []


def test_second_user_is_refused_while_first_works(tmp_path: Path) -> None:
    data = tmp_path / "daten"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from invite.store import exclusive\n"
            f"with exclusive(Path({str(data)!r}), 'send'):\n"
            "    print('locked', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with (
            pytest.raises(InviteError, match="Ein anderer Vorgang") as info,
            exclusive(data, "poll"),
        ):
            pass
        assert "invite send" in str(info.value)
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.1)
    with exclusive(data, "poll"):  # released when the holder died, even by SIGKILL
        pass


def test_templates_run_sandboxed(tmp_path: Path) -> None:
    folder = tmp_path / "templates" / "de"
    folder.mkdir(parents=True)
    (folder / "letter.txt.j2").write_text(
        "{{ ''.__class__.__mro__[1].__subclasses__() }}", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="letter.txt.j2"):
        Templates(tmp_path).render("letter", "de", {})
