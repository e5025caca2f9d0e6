"""The campaign as the pure status rules (``invite.core.rsvp``) see it: one ``Facts`` per
invitee, read from the store in a handful of queries.

`status` (the workbook), `purge` (the counts it keeps) and `remind` (who is still open) all
start from these facts, so „offen“ means the same everywhere.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from invite.core.rsvp import Answer, DeliveryFact, Facts, Note, Printed, local_time
from invite.store import (
    Store,
    all_invitees,
    invitee_notes,
    latest_answers,
    open_review_times,
    printed_letters,
)
from invite.store import deliveries as ledger_rows


def load_facts(state: Store, zone: ZoneInfo) -> list[Facts]:
    """Everything the workbook shows per invitee, read in a handful of queries."""
    deliveries: dict[str, list[DeliveryFact]] = defaultdict(list)
    for d in ledger_rows(state):
        deliveries[d.invitee].append(
            DeliveryFact(d.kind, d.state, local_time(d.sent_at, zone), d.error or "")
        )
    printed: dict[str, list[Printed]] = defaultdict(list)
    for letter in printed_letters(state):
        at = local_time(letter.created_at, zone)
        if at is not None:
            printed[letter.invitee].append(Printed(letter.kind, at))
    reviews: dict[str, list[dt.datetime]] = defaultdict(list)
    for number, stamps in open_review_times(state).items():
        for stamp in stamps:
            at = local_time(stamp, zone)
            if at is not None:
                reviews[number].append(at)
    answers = {
        number: Answer(
            id=r.id,
            answer=r.answer,
            source=r.source,
            at=local_time(r.created_at, zone) or dt.datetime.min,
            persons=r.persons,
            participants=r.participants,
            note=r.note,
            waiting_list=r.waiting_list,
        )
        for number, r in latest_answers(state).items()
    }
    notes = {
        number: Note(r.note, local_time(r.updated_at, zone) or dt.datetime.min)
        for number, r in invitee_notes(state).items()
    }
    return [
        Facts(
            invitee=inv,
            deliveries=tuple(deliveries.get(inv.number, ())),
            printed=tuple(printed.get(inv.number, ())),
            answer=answers.get(inv.number),
            note=notes.get(inv.number),
            review_times=tuple(reviews.get(inv.number, ())),
        )
        for inv in all_invitees(state)
    ]
