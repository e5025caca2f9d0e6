"""`invite init`: a new campaign folder, copied from the bundled example campaign."""

from __future__ import annotations

import shutil
from pathlib import Path

from invite.errors import EXIT_USAGE, InviteError

# The example campaign: real files inside the package (package data, also in a wheel and on a
# Windows checkout without symbolic links), the one copy of its settings and templates.
BUNDLED = Path(__file__).resolve().parent.parent / "bundled"


def init_campaign(target: Path) -> Path:
    """Copy the bundled campaign to ``target``; refuse to overwrite anything."""
    if target.exists() and any(target.iterdir()) if target.is_dir() else target.exists():
        raise InviteError(
            f"„{target}“ existiert bereits und ist nicht leer. Es wurde nichts verändert. "
            "Bitte einen neuen Ordnernamen angeben.",
            exit_code=EXIT_USAGE,
        )
    if not (BUNDLED / "campaign.toml").is_file():
        raise InviteError(
            f"Die mitgelieferte Kampagne wurde nicht gefunden ({BUNDLED}).", exit_code=2
        )
    shutil.copytree(BUNDLED, target, dirs_exist_ok=True)
    return target
