"""What the RSVP status workbook says about each invitee — pure, so every rule is testable.

The database records facts (deliveries, print batches, answers, messages to review); this
module turns them into the one status staff read per row, the overview's counts, and — the
other way round — into answers when staff typed a change into the workbook.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import math
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol
from zoneinfo import ZoneInfo

from invite.core.contacts import Invitee
from invite.errors import Problem

NOT_SENT = "nicht versendet"
OPEN = "offen"
CONFIRMED = "zugesagt"
DECLINED = "abgesagt"
UNDELIVERABLE = "unzustellbar"
CHECK = "prüfen"
STATUSES = (NOT_SENT, OPEN, CONFIRMED, DECLINED, UNDELIVERABLE, CHECK)

STATUS_OF_ANSWER = {
    "zusage": CONFIRMED,
    "absage": DECLINED,
    "unzustellbar": UNDELIVERABLE,
    "pruefen": CHECK,
}
# What staff may type into the Status column, and the answer it means.
TYPED_STATUS = {
    "zugesagt": "zusage",
    "zusage": "zusage",
    "ja": "zusage",
    "abgesagt": "absage",
    "absage": "absage",
    "nein": "absage",
    "unzustellbar": "unzustellbar",
    "prüfen": "pruefen",
    "pruefen": "pruefen",
    "prufen": "pruefen",
}
CHANNEL_LABELS = {"email": "E-Mail", "post": "Post", "both": "E-Mail und Post"}
MAX_PERSONS = 1000  # the most persons staff may enter for one invitee (workbook, prüfen)


# -- facts in ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryFact:
    """One ledger row: an email the tool sent (or tried to)."""

    kind: str  # invitation | reminder | confirmation
    state: str  # queued | sending | sent | failed | unknown
    sent_at: dt.datetime | None = None
    error: str = ""


@dataclass(frozen=True)
class Printed:
    """The invitee's letter was in a print batch made at ``at``."""

    kind: str  # invitation | reminder
    at: dt.datetime


@dataclass(frozen=True)
class Answer:
    """The answer that counts for an invitee (the latest one)."""

    id: int
    answer: str  # zusage | absage | unzustellbar | pruefen
    source: str
    at: dt.datetime
    persons: int | None = None
    participants: str = ""
    note: str = ""
    waiting_list: bool = False


class HeldAnswer(Protocol):
    """What the place rules need of an invitee's current answer (``Answer``, the store's
    ``AnswerRecord``, ``Seat``)."""

    @property
    def id(self) -> int: ...
    @property
    def answer(self) -> str: ...
    @property
    def persons(self) -> int | None: ...
    @property
    def waiting_list(self) -> bool: ...


@dataclass(frozen=True)
class Seat:
    """A current answer reduced to what the place rules need."""

    id: int
    answer: str
    persons: int | None
    waiting_list: bool


def holds_places(answer: HeldAnswer | None) -> bool:
    """A current Zusage that is not on the waiting list: its persons have their places (also
    while a newer message waits to be checked)."""
    return answer is not None and answer.answer == "zusage" and not answer.waiting_list


def confirmed_persons(answers: Iterable[HeldAnswer | None]) -> int:
    """Persons with places: the sum over the current Zusagen not on the waiting list. The one
    rule for the waiting-list decision (store), `record`/`prüfen` and the workbook's overview."""
    return sum(a.persons or 0 for a in answers if a is not None and holds_places(a))


def waiting_places(answers: Mapping[str, HeldAnswer | None]) -> dict[str, int]:
    """Place on the waiting list per invitee Nr. (current answers by Nr.): the Zusagen on it,
    numbered in the order they came. The one rule for the workbook and `record`/`prüfen`."""
    waiting = sorted(
        (a.id, number)
        for number, a in answers.items()
        if a is not None and a.answer == "zusage" and a.waiting_list
    )
    return {number: place for place, (_, number) in enumerate(waiting, start=1)}


@dataclass(frozen=True)
class Note:
    """A Bemerkung staff typed into the workbook for an invitee without changing the answer."""

    text: str
    at: dt.datetime


@dataclass(frozen=True)
class Facts:
    """Everything the database knows about one invitee, as plain data."""

    invitee: Invitee
    deliveries: tuple[DeliveryFact, ...] = ()
    printed: tuple[Printed, ...] = ()
    answer: Answer | None = None
    note: Note | None = None
    review_times: tuple[dt.datetime, ...] = ()  # unresolved messages tied to this invitee


# -- rows out ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusRow:
    """One line of sheet „Einladungen“."""

    number: str
    code: str
    organisation: str
    name: str
    email: str
    channel: str
    sent_at: dt.datetime | None
    status: str
    persons: int | None
    participants: str
    answered_at: dt.datetime | None
    source: str
    reminded_at: dt.datetime | None
    note: str
    hint: str
    waiting_position: int | None = None
    answer: str = ""  # the current answer (zusage …), even while the status says „prüfen“
    reviews: int = 0  # messages newer than the answer that wait for staff („prüfen“)

    @property
    def editable(self) -> EditableCells:
        return EditableCells(self.status, self.persons, self.participants, self.note)


@dataclass(frozen=True)
class EditableCells:
    """The cells staff may change, as the tool wrote them."""

    status: str
    persons: int | None
    participants: str
    note: str


def status_rows(facts: Iterable[Facts]) -> list[StatusRow]:
    """One row per invitee; waiting-list places are numbered in the order the Zusagen came."""
    facts = list(facts)
    positions = waiting_places({f.invitee.number: f.answer for f in facts})
    return [status_row(f, positions.get(f.invitee.number)) for f in facts]


def _bounce_superseded(answer: Answer | None, invitations: list[DeliveryFact]) -> bool:
    """A bounce no longer counts once an invitation went out successfully after it."""
    if answer is None or answer.answer != "unzustellbar":
        return False
    sent = [d.sent_at for d in invitations if d.state == "sent" and d.sent_at]
    # Only a re-invitation (a second sent invitation, to a corrected address) can undo it.
    return len(sent) > 1 and max(sent) >= answer.at


def status_row(facts: Facts, waiting_position: int | None = None) -> StatusRow:
    inv, answer = facts.invitee, facts.answer
    invitations = [d for d in facts.deliveries if d.kind == "invitation"]
    sent_times = [d.sent_at for d in invitations if d.state == "sent" and d.sent_at]
    sent_times += [p.at for p in facts.printed if p.kind == "invitation"]
    reminded = [
        d.sent_at
        for d in facts.deliveries
        if d.kind == "reminder" and d.state == "sent" and d.sent_at
    ]
    reminded += [p.at for p in facts.printed if p.kind == "reminder"]
    sent_at = min(sent_times) if sent_times else None
    unknown = any(d.state == "unknown" for d in invitations) and not sent_times
    failed = [d for d in invitations if d.state == "failed"]
    newer_reviews = [t for t in facts.review_times if answer is None or t > answer.at]

    hints: list[str] = []
    if _bounce_superseded(answer, invitations):
        answer = None  # re-invited at a corrected address after the bounce: open again
        hints.append("nach Unzustellbar-Meldung erneut eingeladen (neue Adresse)")
    if answer is not None:
        status = STATUS_OF_ANSWER.get(answer.answer, CHECK)
    elif sent_at is not None:
        status = OPEN
    elif unknown:
        status = CHECK
        hints.append("Versand unklar (Verbindung abgebrochen) – bitte „invite send“ prüfen")
    else:
        status = NOT_SENT
    if newer_reviews:
        status = CHECK
        count = len(newer_reviews)
        hints.append(
            "1 neue Nachricht zu prüfen" if count == 1 else f"{count} neue Nachrichten zu prüfen"
        )
    if failed and sent_at is None:
        hints.append("E-Mail nicht versandt: " + (failed[-1].error or "Fehler beim Versand"))
    if waiting_position is not None:
        hints.insert(0, f"Warteliste, Platz {waiting_position}")

    return StatusRow(
        number=inv.number,
        code=inv.code,
        organisation=inv.organisation,
        name=inv.full_name,
        email=inv.email,
        channel=CHANNEL_LABELS.get(inv.channel, inv.channel),
        sent_at=sent_at,
        status=status,
        persons=answer.persons if answer and answer.answer == "zusage" else None,
        participants=answer.participants if answer and answer.answer == "zusage" else "",
        answered_at=answer.at if answer else None,
        source=answer.source if answer else "",
        reminded_at=max(reminded) if reminded else None,
        note=_current_note(answer, facts.note),
        hint="; ".join(hints),
        waiting_position=waiting_position,
        answer=answer.answer if answer else "",
        reviews=len(newer_reviews),
    )


def _current_note(answer: Answer | None, note: Note | None) -> str:
    """The newer of the answer's note and the note staff typed into the workbook."""
    candidates = []
    if answer is not None and answer.note:
        candidates.append((answer.at, answer.note))
    if note is not None:
        candidates.append((note.at, note.text))
    return max(candidates, key=lambda c: c[0])[1] if candidates else ""


# -- overview ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    """The numbers on sheet „Übersicht“ and in the terminal summary."""

    counts: dict[str, int]
    invitees: int
    persons_confirmed: int
    capacity: int  # 0 = unlimited
    waiting_invitees: int
    waiting_persons: int
    deadline: dt.date
    days_left: int  # negative once the deadline has passed
    review_items: int

    @property
    def free_places(self) -> int | None:
        return max(self.capacity - self.persons_confirmed, 0) if self.capacity else None

    @property
    def answered(self) -> int:
        return sum(self.counts[s] for s in (CONFIRMED, DECLINED))


def overview(
    rows: Iterable[StatusRow],
    *,
    capacity: int,
    deadline: dt.date,
    today: dt.date,
    review_items: int,
) -> Overview:
    rows = list(rows)
    counts = dict.fromkeys(STATUSES, 0)
    for row in rows:
        counts[row.status] += 1
    # Persons follow the current answer (``confirmed_persons``, the rule the waiting list is
    # decided by): a Zusage keeps its places while a newer message waits to be checked.
    seats = [Seat(0, row.answer, row.persons, row.waiting_position is not None) for row in rows]
    confirmed = confirmed_persons(seats)
    waiting = [seat for seat in seats if seat.answer == "zusage" and seat.waiting_list]
    waiting_invitees = len(waiting)
    waiting_persons = sum(seat.persons or 0 for seat in waiting)
    total = len(rows)
    return Overview(
        counts=counts,
        invitees=total,
        persons_confirmed=confirmed,
        capacity=capacity,
        waiting_invitees=waiting_invitees,
        waiting_persons=waiting_persons,
        deadline=deadline,
        days_left=(deadline - today).days,
        review_items=review_items,
    )


def deadline_text(days_left: int, deadline: dt.date) -> str:
    """„noch 3 Tage bis zum Anmeldeschluss (27.01.2019)“ and its variants."""
    date = deadline.strftime("%d.%m.%Y")
    if days_left > 1:
        return f"noch {days_left} Tage bis zum Anmeldeschluss ({date})"
    if days_left == 1:
        return f"morgen ist Anmeldeschluss ({date})"
    if days_left == 0:
        return f"heute ist Anmeldeschluss ({date})"
    return f"Anmeldeschluss war am {date}"


# -- time -------------------------------------------------------------------------------------


def local_time(stamp: str | None, zone: ZoneInfo) -> dt.datetime | None:
    """A stored timestamp (ISO in UTC, or a mail's RFC 5322 Date header) as naive local time:
    Excel cells have no time zone. None when it cannot be read."""
    if not stamp:
        return None
    try:
        value = dt.datetime.fromisoformat(stamp)
    except ValueError:
        try:
            value = email.utils.parsedate_to_datetime(stamp)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    try:
        local = value.astimezone(zone).replace(tzinfo=None, microsecond=0)
    except (OverflowError, ValueError):
        return None
    return local if 1900 < local.year < 9000 else None  # what Excel can show as a date


# -- edits typed into the workbook ------------------------------------------------------------


@dataclass(frozen=True)
class FoundCells:
    """The editable cells of one row as read back from the workbook (raw values)."""

    row: int
    status: object
    persons: object
    participants: object
    note: object


@dataclass(frozen=True)
class Edit:
    """A change staff made to one invitee's row, ready to record.

    ``answer`` is None when only the Bemerkung changed: a note is not an answer.
    """

    number: str
    answer: str | None
    persons: int | None
    participants: str
    note: str
    changes: tuple[str, ...]


@dataclass
class EditReport:
    edits: list[Edit] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def cell_text(value: object) -> str:
    """A cell read back as text, the way a person sees it."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def parse_persons(value: object) -> int | None | str:
    """The Personen cell as a number; a German message (str) if it is none."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return "„Personen“ muss eine Anzahl sein"
    if isinstance(value, int | float):
        number = value
    else:
        text = cell_text(value)
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            return f"„{text}“ ist keine Anzahl"
    if not math.isfinite(number):  # „inf“, „nan“: float() reads them, int() cannot
        return f"„{cell_text(value)}“ ist keine Anzahl"
    if number != int(number) or not 0 <= number <= MAX_PERSONS:
        return f"„{cell_text(value)}“ ist keine Anzahl von 0 bis {MAX_PERSONS}"
    return int(number)


def interpret_edits(
    file: str,
    sheet: str,
    written: Mapping[str, EditableCells],
    found: Mapping[str, FoundCells],
    current: Mapping[str, EditableCells],
) -> EditReport:
    """Compare the workbook as found with what the tool wrote; turn changes into answers.

    ``current`` is what the tool would write now: when the database changed a row since the
    workbook was written (a new reply came in) and staff changed the same row, nobody can say
    which is right, so that is a problem for a person to settle.
    """
    report = EditReport()

    def problem(row: int, column: str, message: str) -> None:
        report.problems.append(Problem(file, message, sheet=sheet, row=row, column=column))

    for number, cells in found.items():
        before = written.get(number)
        if before is None:
            problem(
                cells.row,
                "Nr.",
                f"Nr. {number} hat die Tabelle nicht geschrieben. Neue Eingeladene gehören in "
                "die Kontaktliste.",
            )
            continue
        status_text = cell_text(cells.status)
        persons = parse_persons(cells.persons)
        participants = cell_text(cells.participants)
        note = cell_text(cells.note)
        status_changed = status_text.casefold() != before.status.casefold()
        persons_changed = persons != before.persons
        participants_changed = participants != before.participants
        note_changed = note != before.note
        if not (status_changed or persons_changed or participants_changed or note_changed):
            continue
        if isinstance(persons, str):
            problem(cells.row, "Personen", f"Nr. {number}: {persons}.")
            continue
        now = current.get(number, before)
        if _shows(now, status_text, persons, participants, note):
            continue  # the database already says so (recorded earlier, e.g. by `invite record`)
        if now != before:
            problem(
                cells.row,
                "Status",
                f"Nr. {number} wurde in der Tabelle geändert, aber inzwischen hat sich auch "
                f"die Rückmeldung geändert (jetzt: {current[number].status}). Bitte die "
                "Änderung mit „invite record“ eintragen.",
            )
            continue
        if status_changed:
            answer = TYPED_STATUS.get(status_text.casefold())
            if answer is None:
                allowed = ", ".join(f"„{s}“" for s in (CONFIRMED, DECLINED, UNDELIVERABLE, CHECK))
                shown = f"„{status_text}“" if status_text else "Ein leerer Status"
                problem(
                    cells.row,
                    "Status",
                    f"Nr. {number}: {shown} kann nicht eingetragen werden. Erlaubt sind "
                    f"{allowed}; eine Antwort lässt sich nicht auf „{OPEN}“ zurücksetzen.",
                )
                continue
        else:
            answer = TYPED_STATUS.get(before.status.casefold())
        changes: list[str] = []
        if status_changed:
            changes.append(f"Status „{before.status}“ → „{status_text}“")
        if persons_changed:
            changes.append(f"Personen {_shown(before.persons)} → {_shown(persons)}")
        if participants_changed:
            changes.append("Teilnehmende geändert")
        if note_changed:
            changes.append("Bemerkung geändert")
        if not (status_changed or persons_changed or participants_changed):
            report.edits.append(Edit(number, None, None, "", note, tuple(changes)))
            continue
        if answer != "zusage":
            column = "Personen" if persons_changed else "Teilnehmende"
            if persons_changed and persons or participants_changed and participants:
                problem(
                    cells.row,
                    column,
                    f"Nr. {number}: „{column}“ geändert, aber der Status ist nicht "
                    f"„{CONFIRMED}“. Bitte auch den Status ändern.",
                )
                continue
            report.edits.append(Edit(number, answer, None, "", note, tuple(changes)))
            continue
        if persons == 0:
            problem(
                cells.row,
                "Personen",
                f"Nr. {number}: Eine Zusage braucht mindestens 1 Person "
                f"(für eine Absage den Status „{DECLINED}“ eintragen).",
            )
            continue
        report.edits.append(Edit(number, answer, persons or 1, participants, note, tuple(changes)))
    return report


def _shows(
    cells: EditableCells, status: str, persons: int | None, participants: str, note: str
) -> bool:
    """Whether the row as found says the same as ``cells`` (typed synonyms count as equal)."""
    same_status = status.casefold() == cells.status.casefold() or (
        TYPED_STATUS.get(status.casefold(), "?") == TYPED_STATUS.get(cells.status.casefold(), "!")
    )
    return (
        same_status
        and persons == cells.persons
        and participants == cells.participants
        and note == cells.note
    )


def _shown(persons: int | None | str) -> str:
    return "leer" if persons is None else str(persons)
