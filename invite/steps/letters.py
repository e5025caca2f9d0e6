"""`invite letters`: bring every selected invitee's letter and form and the programme up to
date, then make the print batch for those who get their invitation by post.

The rendering itself is ``invite.paper.production`` (shared with `send` and `remind`, which
need current PDFs too); this step only selects, decides about the batch and records the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from invite.campaign import Campaign
from invite.core.contacts import Invitee
from invite.core.selection import select_only
from invite.paper.production import (
    SIMPLEX_SUFFIX,
    LettersReport,
    Progress,
    make_print_batch,
    render_files,
)
from invite.store import Store, add_audit, all_invitees, latest_print_batch

COMMAND = "letters"


def render_letters(
    campaign: Campaign,
    state: Store,
    only: Sequence[str] = (),
    progress: Progress | None = None,
    *,
    duplex: bool = True,
) -> LettersReport:
    """Render everything for the selected invitees, then the print batch for postal ones
    (``duplex=False``: for a printer that prints one side only)."""
    invitees = select_only(all_invitees(state), only)
    report, changed = render_files(campaign, invitees, progress)
    postal = [inv for inv in invitees if inv.wants_post]
    if postal:
        report.print_batch_count = len(postal)
        latest = _latest_batch(state, postal, duplex)
        if latest is not None and not (changed & {inv.number for inv in postal}):
            report.print_batch = latest
        else:
            report.print_batch = make_print_batch(campaign, state, postal, duplex=duplex)
            report.print_batch_new = True
    add_audit(
        state,
        COMMAND,
        "PDFs erzeugt",
        detail=f"{report.letters_written} Briefe, {report.forms_written} Formulare, "
        f"{report.letters_skipped} Briefe unverändert",
    )
    return report


def _latest_batch(state: Store, postal: Sequence[Invitee], duplex: bool) -> Path | None:
    """The newest batch file if it exists, already holds exactly these invitees and was made
    for the same kind of printer (one- or double-sided)."""
    latest = latest_print_batch(state, "invitation")
    if latest is None or not Path(latest.file).is_file():
        return None
    if Path(latest.file).stem.endswith(SIMPLEX_SUFFIX) == duplex:
        return None
    return Path(latest.file) if set(latest.invitees) == {inv.number for inv in postal} else None
