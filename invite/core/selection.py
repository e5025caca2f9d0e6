"""``--only``: the one rule for picking invitees by what staff type — a Nr. or a code (dashes,
spaces and case do not matter) — used by every command that has the option."""

from __future__ import annotations

from collections.abc import Sequence

from invite.core.codes import normalise_code
from invite.core.contacts import Invitee
from invite.errors import EXIT_USAGE, InviteError


def select_only(invitees: Sequence[Invitee], only: Sequence[str]) -> list[Invitee]:
    """All of ``invitees`` when ``only`` is empty, else those named in it by Nr. or code, in
    list order. One that is not among ``invitees`` is an error (exit 2), never silently
    nothing."""
    if not only:
        return list(invitees)
    by_number = {inv.number: inv for inv in invitees}
    by_code = {inv.code: inv for inv in invitees if inv.code}
    wanted: set[str] = set()
    missing: list[str] = []
    for ident in only:
        found = by_number.get(ident.strip())
        if found is None and (code := normalise_code(ident)):
            found = by_code.get(code)
        if found is None:
            missing.append(ident.strip())
        else:
            wanted.add(found.number)
    if missing:
        raise InviteError(
            "Diese Nr. gibt es in der Kontaktliste nicht: "
            + ", ".join(missing)
            + " (auch als Code nicht)",
            exit_code=EXIT_USAGE,
        )
    return [inv for inv in invitees if inv.number in wanted]
