"""What follows from an answer, whichever step took it in.

An answer reaches the database by three ways — `invite poll` reads it from the inbox,
`invite record` takes it from staff, `invite prüfen` from a staff decision on a message —
and the same things must follow every time: the persons checked, the waiting list applied,
the run audited (``apply_answer``), the German confirmation of what was recorded
(``confirmation_lines``), and the Anmeldebestätigung by email for each current Zusage not yet
confirmed (``send_confirmations``, sent by `poll` after each round).

Why a module and not a step: a step (one module per command under ``invite/steps``) never
imports another step — the CLI is the only place that strings commands together. What several
steps share lives one layer lower, here, and uses only the store, the mail adapters and the
pure core.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from invite.campaign import Campaign
from invite.core.contacts import Invitee
from invite.core.plurals import count, plural
from invite.core.rsvp import waiting_places
from invite.errors import EXIT_USAGE, InviteError
from invite.mail.delivery import DeliveryResult, Outgoing, SendOutcome, deliver
from invite.mail.outgoing import ConfirmationComposer
from invite.session import AskPassword, make_transport
from invite.store import (
    AnswerRecord,
    LedgerEntry,
    Store,
    all_invitees,
    confirmation_floor,
    confirmed_persons,
    deliveries,
    is_removed,
    latest_answers,
    lookup_invitee,
    message_id_of,
    record_answer,
    settle_interrupted,
)


@dataclass(frozen=True)
class RecordResult:
    invitee: Invitee
    record: AnswerRecord
    persons_confirmed: int
    capacity: int
    waiting_position: int | None
    waiting_total: int


def apply_answer(
    state: Store,
    invitee: Invitee,
    answer: str,
    *,
    capacity: int,
    persons: int | None = None,
    note: str = "",
    source: str = "manuell",
    command: str = "record",
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
    position, total = _waiting_place(state, invitee.number)
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


def _waiting_place(state: Store, invitee: str) -> tuple[int, int]:
    """The invitee's place on the waiting list (0: not on it), and how many are waiting."""
    places = waiting_places(latest_answers(state))
    return places.get(invitee, 0), len(places)


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


# -- confirmations by email ---------------------------------------------------------------


def due_confirmations(state: Store) -> list[tuple[Invitee, int]]:
    """(invitee, ledger round) for each current Zusage that has no confirmation yet.

    The round is the answer's id: a later Zusage after an Absage is confirmed again, a
    repeated Zusage is not. Waiting-list Zusagen get no confirmation (they are not in)."""
    answers = latest_answers(state)
    floors = confirmation_floor(state)
    confirmations: dict[str, list[LedgerEntry]] = {}
    for row in deliveries(state, "confirmation"):
        confirmations.setdefault(row.invitee, []).append(row)
    due = []
    for inv in all_invitees(state):
        answer = answers.get(inv.number)
        if answer is None or answer.answer != "zusage" or answer.waiting_list:
            continue
        if not inv.email:
            continue
        floor = floors.get(inv.number, 0)
        current = [r for r in confirmations.get(inv.number, []) if r.round > floor]
        if any(r.state != "failed" and r.state != "queued" for r in current):
            continue  # sent, or unclear: never twice
        retry = [r.round for r in current]
        due.append((inv, retry[0] if retry else answer.id))
    return due


def send_confirmations(
    campaign: Campaign,
    state: Store,
    *,
    ask_password: AskPassword | None = None,
    progress: Callable[[SendOutcome], None] | None = None,
    command: str = "poll",
    retry_delays: tuple[float, ...] = (2.0, 10.0),
) -> DeliveryResult:
    """Send one Anmeldebestätigung per current Zusage not yet confirmed, if the settings ask
    for it. The caller holds ``exclusive(...)`` (poll does); nothing happens when none is due.
    Never raises for server problems: they come back as ``stopped`` (still due next time)."""
    if not campaign.settings.mail.send_confirmation:
        return DeliveryResult()
    settle_interrupted(state, command)
    due = due_confirmations(state)
    if not due:
        return DeliveryResult()
    answers = latest_answers(state)
    info: dict[str, tuple[int | None, str | None]] = {}
    for inv, _ in due:
        answer = answers[inv.number]
        mid = message_id_of(state, answer.message) if answer.message is not None else None
        info[inv.number] = (answer.persons, mid)
    composer = ConfirmationComposer(campaign, info)
    items = [Outgoing(inv, "confirmation", round_, composer) for inv, round_ in due]
    try:  # poll has already done its work: a mail server problem must not undo that
        transport = make_transport(campaign, ask_password, retry_delays)
        return deliver(state, items, transport, command=command, progress=progress)
    except InviteError as exc:
        return DeliveryResult(stopped=str(exc))


def confirm_answers(
    campaign: Campaign, state: Store, ask_password: AskPassword | None, command: str
) -> tuple[int, str]:
    """Send the due confirmations after a round of answers (``invite poll``); how many went
    out, and a German warning when some could not (they stay due for the next round)."""
    result = send_confirmations(campaign, state, ask_password=ask_password, command=command)
    warning = ""
    if result.failed or result.unknown or result.stopped:
        warning = (
            f"Anmeldebestätigungen: {len(result.sent)} gesendet, "
            f"{len(result.failed) + len(result.unknown)} nicht gesendet"
            + (f" ({result.stopped})" if result.stopped else "")
            + "."
        )
    return len(result.sent), warning
