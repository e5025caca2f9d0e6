"""Run the real `invite` command in a subprocess, as staff would, with no terminal attached."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BUNDLED = REPO / "invite" / "bundled"  # the example campaign, shipped inside the package


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def run_invite(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 120
) -> Result:
    """``invite ARGS`` with stdin closed; INVITE_* variables only from ``env``. The campaign
    is the bundled example unless ``--campaign`` or ``env`` names another."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("INVITE_")}
    environ["INVITE_CAMPAIGN"] = str(BUNDLED)
    environ.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "invite", *args],
        cwd=cwd or REPO,
        env=environ,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)
