"""`invite record`: an answer that came by phone, fax or in person, typed in by staff."""

from __future__ import annotations

from dataclasses import dataclass

from invite.campaign import Campaign
from invite.contacts import Invitee
from invite.errors import EXIT_USAGE, InviteError
from invite.state import (
    AnswerRecord,
    State,
    confirmed_persons,
    ensure_not_purged,
    record_answer,
)

COMMAND = "record"


@dataclass(frozen=True)
class RecordResult:
    invitee: Invitee
    record: AnswerRecord
    persons_confirmed: int
    capacity: int
    waiting_position: int | None
    waiting_total: int


def record_manual(
    campaign: Campaign, who: str, answer: str, *, persons: int | None = None, note: str = ""
) -> RecordResult:
    """Record a Zusage/Absage (source ``manuell``) for the invitee with this Nr. or code."""
    answer = answer.lower()
    if answer not in ("zusage", "absage"):
        raise InviteError(f"„{answer}“: bitte zusage oder absage angeben.", exit_code=EXIT_USAGE)
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


def apply_answer(
    state: State,
    invitee: Invitee,
    answer: str,
    *,
    capacity: int,
    persons: int | None = None,
    note: str = "",
    source: str = "manuell",
    command: str = COMMAND,
    message: int | None = None,
) -> RecordResult:
    """The one path a staff decision takes into the answers (``invite record`` and
    ``invite prüfen``): persons checked, waiting list applied, audited. A confirmation, if
    the campaign sends them, follows with the next ``invite poll`` as for every Zusage."""
    if answer not in ("zusage", "absage", "unzustellbar"):
        raise InviteError(
            f"„{answer}“: bitte zusage, absage oder unzustellbar angeben.", exit_code=EXIT_USAGE
        )
    if answer != "zusage" and persons:
        raise InviteError(
            "--personen passt nur zu einer Zusage. Bei einer Absage bitte weglassen.",
            exit_code=EXIT_USAGE,
        )
    if answer == "zusage" and persons == 0:
        raise InviteError(
            "Eine Zusage braucht mindestens 1 Person (--personen 1 oder mehr).",
            exit_code=EXIT_USAGE,
        )
    record = record_answer(
        state,
        invitee.number,
        answer,
        source=source,
        command=command,
        persons=persons if answer == "zusage" else None,
        note=note.strip(),
        message=message,
        capacity=capacity,
    )
    position, total = _waiting_place(state, record.id)
    return RecordResult(
        invitee,
        record,
        confirmed_persons(state.conn),
        capacity,
        position if record.waiting_list else None,
        total,
    )


def find_invitee(state: State, who: str) -> Invitee:
    """The invitee with this Nr. or code who is still on the contact list."""
    invitee = state.invitee(who)
    if invitee is None:
        raise InviteError(
            f"„{who}“ ist weder eine Nr. noch ein Code einer Einladung dieser Kampagne. "
            "Nr. und Code stehen in der Rückmeldeliste (invite status)."
        )
    removed = state.conn.execute(
        "SELECT removed_at FROM invitees WHERE number = ?", (invitee.number,)
    ).fetchone()[0]
    if removed:
        raise InviteError(
            f"Nr. {invitee.number} ({invitee.display_name}) steht nicht mehr in der Kontaktliste. "
            "Bitte wieder aufnehmen, dann die Antwort eintragen."
        )
    return invitee


def _waiting_place(state: State, answer_id: int) -> tuple[int, int]:
    """This answer's place on the waiting list, and how many are waiting in all."""
    rows = state.conn.execute(
        """
        SELECT a.id FROM answers a
        WHERE a.id = (SELECT MAX(id) FROM answers WHERE invitee = a.invitee)
          AND a.answer = 'zusage' AND a.waiting_list = 1
        ORDER BY a.id
        """
    ).fetchall()
    ids = [r[0] for r in rows]
    return (ids.index(answer_id) + 1 if answer_id in ids else 0), len(ids)


def confirmation_lines(result: RecordResult) -> list[str]:
    """The German confirmation printed after recording."""
    inv, rec = result.invitee, result.record
    who = f"Nr. {inv.number} ({inv.display_name}"
    who += (
        f", {inv.organisation})"
        if inv.organisation and inv.organisation != inv.display_name
        else ")"
    )
    if rec.answer == "unzustellbar":
        return [f"Unzustellbar eingetragen für {who}."]
    if rec.answer == "absage":
        lines = [f"Absage eingetragen für {who}."]
        if result.waiting_total and result.capacity:
            free = max(result.capacity - result.persons_confirmed, 0)
            lines.append(
                f"Es sind {free} Plätze frei; auf der Warteliste stehen {result.waiting_total} "
                "Zusage(n). Wer nachrücken soll, bitte mit „invite record NR zusage“ eintragen."
            )
        return lines
    persons = rec.persons or 1
    text = "1 Person" if persons == 1 else f"{persons} Personen"
    if rec.waiting_list:
        return [
            f"Zusage eingetragen für {who}: {text}.",
            f"Der Saal ist voll ({result.capacity} Plätze, {result.persons_confirmed} zugesagt): "
            f"Die Zusage steht auf der Warteliste, Platz {result.waiting_position}.",
        ]
    line = f"Zusage eingetragen für {who}: {text}."
    if result.capacity:
        line += f" Zugesagt sind jetzt {result.persons_confirmed} von {result.capacity} Plätzen."
    return [line]
