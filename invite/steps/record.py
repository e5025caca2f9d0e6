"""`invite record`: an answer that came by phone, fax or in person, typed in by staff."""

from __future__ import annotations

from dataclasses import dataclass

from invite.campaign import Campaign
from invite.core.contacts import Invitee
from invite.core.plurals import count, plural
from invite.errors import EXIT_USAGE, InviteError
from invite.store import (
    AnswerRecord,
    Store,
    confirmed_persons,
    ensure_not_purged,
    is_removed,
    lookup_invitee,
    record_answer,
    waiting_list_ids,
)

COMMAND = "record"
ANSWERS = ("zusage", "absage")


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


def apply_answer(
    state: Store,
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
        confirmed_persons(state),
        capacity,
        position if record.waiting_list else None,
        total,
    )


def find_invitee(state: Store, who: str) -> Invitee:
    """The invitee with this Nr. or code who is still on the contact list."""
    invitee = lookup_invitee(state, who)
    if invitee is None:
        raise InviteError(
            f"„{who}“ ist weder eine Nr. noch ein Code einer Einladung dieser Kampagne. "
            "Erlaubt ist die Nr. aus der Kontaktliste (z. B. 12) oder der Anmeldecode aus dem "
            "Brief (z. B. K7Q2-M9XA); beide stehen auch in der Rückmeldeliste.",
            exit_code=EXIT_USAGE,
        )
    if is_removed(state, invitee.number):
        raise InviteError(
            f"Nr. {invitee.number} ({invitee.display_name}) steht nicht mehr in der Kontaktliste. "
            "Bitte wieder aufnehmen, dann die Antwort eintragen.",
            exit_code=EXIT_USAGE,
        )
    return invitee


def _waiting_place(state: Store, answer_id: int) -> tuple[int, int]:
    """This answer's place on the waiting list, and how many are waiting in all."""
    ids = waiting_list_ids(state)
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
                f"{plural(free, 'Frei ist', 'Frei sind')} {count(free, 'Platz', 'Plätze')}; "
                f"auf der Warteliste {plural(result.waiting_total, 'steht', 'stehen')} "
                f"{count(result.waiting_total, 'Zusage', 'Zusagen')}. Wer nachrücken soll, "
                "bitte mit „invite record NR zusage“ eintragen."
            )
        return lines
    persons = rec.persons or 1
    text = count(persons, "Person", "Personen")
    if rec.waiting_list:
        return [
            f"Zusage eingetragen für {who}: {text}.",
            f"Der Saal ist voll ({count(result.capacity, 'Platz', 'Plätze')}, "
            f"{result.persons_confirmed} zugesagt): "
            f"Die Zusage steht auf der Warteliste, Platz {result.waiting_position}.",
        ]
    line = f"Zusage eingetragen für {who}: {text}."
    if result.capacity:
        line += (
            f" Zugesagt {plural(result.persons_confirmed, 'ist', 'sind')} jetzt "
            f"{result.persons_confirmed} von {count(result.capacity, 'Platz', 'Plätzen')}."
        )
    return [line]
