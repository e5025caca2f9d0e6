"""German output on consoles that are not UTF-8 (Windows cp850/cp1252): readable, never a crash."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from clirun import REPO
from workbooks import example_rows, write_contacts

from invite.console import plain


def test_plain_keeps_the_meaning_of_typographic_characters() -> None:
    assert plain("„Datei“ – 3 € …") == '"Datei" - 3 EUR ...'
    assert plain("Zoë Ørsted") == "Zoe ?rsted"


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("cp850", 'Anrede "Fräulein" unbekannt'),  # cp850 has umlauts, but no „“
        ("cp1252", "Anrede „Fräulein“ unbekannt"),
    ],
)
def test_messages_survive_a_console_that_is_not_utf8(
    tmp_path: Path, encoding: str, expected: str
) -> None:
    folder = tmp_path / "Jürgen Müller" / "Einladungen 2027"
    folder.mkdir(parents=True)
    rows = example_rows(3)
    rows[1]["Anrede"] = "Fräulein"
    contacts = write_contacts(folder / "Kontakte Übersicht.xlsx", rows)
    env = {k: v for k, v in os.environ.items() if not k.startswith("INVITE_")}
    env.update(
        PYTHONIOENCODING=encoding,
        PYTHONPATH=str(REPO),
        INVITE_CAMPAIGN=str(REPO / "invite" / "bundled"),  # the example campaign
    )
    proc = subprocess.run(
        [sys.executable, "-m", "invite", "check", "--contacts", str(contacts)],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=120,
    )
    err = proc.stderr.decode(encoding)
    assert proc.returncode == 1, err
    assert "Traceback" not in err and "UnicodeEncodeError" not in err
    assert expected in err
    assert "\\u" not in err
    assert "Jürgen Müller" in err  # the file is named with its real path
