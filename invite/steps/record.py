"""`invite record`: an answer that came by phone, fax or in person, typed in by staff."""

from __future__ import annotations

from invite.answering import RecordResult, apply_answer, find_invitee
from invite.campaign import Campaign
from invite.errors import EXIT_USAGE, InviteError
from invite.store import ensure_not_purged

COMMAND = "record"
ANSWERS = ("zusage", "absage")


def record_manual(
    campaign: Campaign, who: str, answer: str, *, persons: int | None = None, note: str = ""
) -> RecordResult:
    """Record a Zusage/Absage (source ``manuell``) for the invitee with this Nr. or code."""
    word = answer.strip().lower()
    if word not in ANSWERS:
        raise InviteError(
            f"„{answer}“ lässt sich nicht als Antwort eintragen. Erlaubt sind „zusage“ und "
            "„absage“, zum Beispiel: invite record 12 zusage --personen 2",
            exit_code=EXIT_USAGE,
        )
    answer = word
    with campaign.open_state() as state:
        ensure_not_purged(state)
        invitee = find_invitee(state, who)
        return apply_answer(
            state,
            invitee,
            answer,
            capacity=campaign.settings.event.capacity,
            persons=persons,
            note=note,
            source="manuell",
            command=COMMAND,
        )
