"""Incoming mail and what came of it: inbox messages and folder positions (poll), answers
(poll, record, prüfen), the review queue with staff decisions, and IMAP moves still owed."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from invite.core import rsvp
from invite.core.inbox import SET_ASIDE_KINDS
from invite.core.plurals import count
from invite.store.audit import add_audit
from invite.store.database import Store

ANSWERS = ("zusage", "absage", "unzustellbar", "pruefen")


@dataclass(frozen=True)
class AnswerRecord:
    """One row of the answers (the latest per invitee counts; earlier ones are history)."""

    id: int
    invitee: str
    answer: str  # zusage | absage | unzustellbar | pruefen
    persons: int | None
    waiting_list: bool
    participants: str = ""
    note: str = ""
    source: str = ""  # formular | qr | code | antwort | absender | manuell | tabelle
    message: int | None = None  # the inbox message it was read from
    created_at: str = ""


def record_answer(
    store: Store,
    invitee: str,
    answer: str,
    *,
    source: str,
    command: str,
    persons: int | None = None,
    participants: str = "",
    note: str = "",
    message: int | None = None,
    capacity: int = 0,
) -> AnswerRecord:
    """Store an answer; the latest per invitee counts. A Zusage beyond ``capacity`` persons
    (0 = unlimited) goes on the waiting list."""
    if answer not in ANSWERS:
        raise ValueError(f"unknown answer {answer!r}")
    if answer == "zusage" and persons is None:
        persons = 1
    with store.transaction() as conn:
        waiting = False
        if answer == "zusage" and capacity:
            confirmed = _confirmed_persons(conn, exclude=invitee)
            waiting = confirmed + (persons or 0) > capacity
        cur = conn.execute(
            "INSERT INTO answers (invitee, answer, persons, participants, note, source, message, "
            "waiting_list, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                invitee,
                answer,
                persons,
                participants,
                note,
                source,
                message,
                int(waiting),
                store.clock(),
            ),
        )
        detail = f"{answer} über {source}" + (
            f", {count(persons, 'Person', 'Personen')}" if persons else ""
        )
        if waiting:
            detail += ", Warteliste"
        add_audit(store, command, "Antwort erfasst", invitee, detail)
    row = conn.execute("SELECT * FROM answers WHERE id = ?", (cur.lastrowid,)).fetchone()
    return _answer(row)


def confirmed_persons(store: Store) -> int:
    """Persons with a current Zusage that is not on the waiting list."""
    return _confirmed_persons(store.conn)


def _confirmed_persons(conn: sqlite3.Connection, exclude: str | None = None) -> int:
    """``core.rsvp.confirmed_persons`` over the current answers, ``exclude``'s left out."""
    rows = conn.execute(
        "SELECT * FROM answers WHERE id IN (SELECT MAX(id) FROM answers GROUP BY invitee)"
    )
    return rsvp.confirmed_persons(_answer(r) for r in rows if r["invitee"] != exclude)


def latest_answers(store: Store) -> dict[str, AnswerRecord]:
    """The answer that counts for each invitee who has one."""
    rows = store.conn.execute(
        "SELECT * FROM answers WHERE id IN (SELECT MAX(id) FROM answers GROUP BY invitee)"
    )
    return {r["invitee"]: _answer(r) for r in rows}


def answers_of(store: Store, invitee: str) -> list[AnswerRecord]:
    """Every answer recorded for ``invitee``, oldest first (the last one counts)."""
    rows = store.conn.execute("SELECT * FROM answers WHERE invitee = ? ORDER BY id", (invitee,))
    return [_answer(r) for r in rows]


def all_answers(store: Store) -> list[AnswerRecord]:
    """Every answer ever recorded, oldest first (history included)."""
    return [_answer(r) for r in store.conn.execute("SELECT * FROM answers ORDER BY id")]


def _answer(row: sqlite3.Row) -> AnswerRecord:
    return AnswerRecord(
        id=row["id"],
        invitee=row["invitee"],
        answer=row["answer"],
        persons=row["persons"],
        waiting_list=bool(row["waiting_list"]),
        participants=row["participants"],
        note=row["note"],
        source=row["source"],
        message=row["message"],
        created_at=row["created_at"],
    )


# -- inbox (poll) ----------------------------------------------------------------------------

# A message is recorded here (committed) before it is moved out of the inbox folder, and the
# content hash is UNIQUE: a crash, a second run or a changed UIDVALIDITY can fetch a message
# again, but it is never counted twice.


@dataclass(frozen=True)
class InboxRecord:
    content_hash: str
    message_id: str
    folder: str
    uidvalidity: int
    uid: int
    sender: str
    subject: str
    kind: str  # answer | unclear | unmatched | bounce | autoreply | rejected
    invitee: str | None
    evidence: str
    reason: str
    received_at: str = ""
    attachments: str = ""  # what the attachments showed, for review (no message text)
    persons: int | None = None  # persons the mail named, offered as default in review


@dataclass(frozen=True)
class InboxMessage:
    """One processed incoming message as stored (no body), with what became of it."""

    id: int
    content_hash: str
    message_id: str | None
    folder: str
    uidvalidity: int | None
    uid: int | None
    received_at: str | None
    sender: str
    subject: str
    kind: str  # answer | unclear | unmatched | bounce | autoreply | rejected
    invitee: str | None
    evidence: str
    reason: str
    moved_to: str | None  # the folder it was moved to
    resolved_at: str | None  # when staff decided (review items)
    processed_at: str
    attachments: str
    persons: int | None
    move_to: str | None  # a move a staff decision still owes


def _message(row: sqlite3.Row) -> InboxMessage:
    return InboxMessage(**{k: row[k] for k in row.keys()})  # noqa: SIM118 (sqlite3.Row)


def _message_or_none(row: sqlite3.Row | None) -> InboxMessage | None:
    return _message(row) if row is not None else None


def folder_position(store: Store, folder: str) -> tuple[int, int] | None:
    """``(uidvalidity, last_uid)`` remembered for ``folder``."""
    row = store.conn.execute(
        "SELECT uidvalidity, last_uid FROM folder_sync WHERE folder = ?", (folder,)
    ).fetchone()
    return (int(row[0]), int(row[1])) if row else None


def save_folder_position(store: Store, folder: str, uidvalidity: int, last_uid: int) -> None:
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO folder_sync (folder, uidvalidity, last_uid) VALUES (?, ?, ?) "
            "ON CONFLICT (folder) DO UPDATE SET uidvalidity = excluded.uidvalidity, "
            "last_uid = excluded.last_uid",
            (folder, uidvalidity, last_uid),
        )


def seen_message(
    store: Store, content_hash: str, message_id: str = "", sender: str = ""
) -> InboxMessage | None:
    """The earlier record of this message: same bytes, or same Message-ID from the same sender
    (the same mail delivered twice with different trace headers)."""
    row = store.conn.execute(
        "SELECT * FROM inbox_messages WHERE content_hash = ?", (content_hash,)
    ).fetchone()
    if row is None and message_id:
        row = store.conn.execute(
            "SELECT * FROM inbox_messages WHERE message_id = ? AND sender = ? ORDER BY id LIMIT 1",
            (message_id, sender),
        ).fetchone()
    return _message_or_none(row)


def add_inbox_message(store: Store, record: InboxRecord, command: str) -> int:
    """Store what was decided about one message (no body); returns its row id."""
    with store.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO inbox_messages (content_hash, message_id, folder, uidvalidity, uid, "
            "received_at, sender, subject, kind, invitee, evidence, reason, processed_at, "
            "attachments, persons) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record.content_hash,
                record.message_id,
                record.folder,
                record.uidvalidity,
                record.uid,
                record.received_at,
                record.sender,
                record.subject,
                record.kind,
                record.invitee,
                record.evidence,
                record.reason,
                store.clock(),
                record.attachments,
                record.persons,
            ),
        )
        add_audit(
            store,
            command,
            "Nachricht erhalten",
            record.invitee,
            f"{INBOX_KINDS.get(record.kind, record.kind)}, Message-ID {record.message_id or '-'}",
        )
    return int(cur.lastrowid or 0)


INBOX_KINDS = {
    "answer": "Antwort zugeordnet",
    "unclear": "zugeordnet, Antwort prüfen",
    "unmatched": "nicht zugeordnet",
    "bounce": "unzustellbar",
    "autoreply": "automatische Antwort",
    "rejected": "zurückgestellt",
}


def mark_moved(store: Store, ids: Iterable[int], folder: str) -> None:
    ids = list(ids)
    if not ids:
        return
    with store.transaction() as conn:
        conn.executemany(
            "UPDATE inbox_messages SET moved_to = ? WHERE id = ?", [(folder, i) for i in ids]
        )


def current_answer(store: Store, invitee: str) -> AnswerRecord | None:
    """The answer that counts for ``invitee`` now, if any."""
    row = store.conn.execute(
        "SELECT * FROM answers WHERE invitee = ? ORDER BY id DESC LIMIT 1", (invitee,)
    ).fetchone()
    return _answer(row) if row else None


def message_invitees(store: Store, message: int) -> set[str]:
    """Invitees with an answer recorded from inbox message ``message`` (one mail may carry
    the forms of several)."""
    rows = store.conn.execute("SELECT DISTINCT invitee FROM answers WHERE message = ?", (message,))
    return {r[0] for r in rows}


# Inbox kinds that wait for staff in the review folder.
REVIEW_KINDS = SET_ASIDE_KINDS  # core.inbox: the kinds poll sets aside for staff


def open_review_invitees(store: Store) -> set[str]:
    """Invitees named by a review item nobody has settled yet (no reminder until staff do)."""
    kinds = list(REVIEW_KINDS)
    marks = ", ".join("?" * len(kinds))
    rows = store.conn.execute(
        f"SELECT DISTINCT invitee FROM inbox_messages WHERE kind IN ({marks}) "
        "AND invitee IS NOT NULL AND resolved_at IS NULL",
        kinds,
    )
    return {r[0] for r in rows}


def inbox_messages(store: Store, kinds: Iterable[str] = ()) -> list[InboxMessage]:
    """Processed messages, oldest first (optionally only some kinds), for review lists."""
    kinds = list(kinds)
    where = f"WHERE kind IN ({', '.join('?' * len(kinds))})" if kinds else ""
    rows = store.conn.execute(f"SELECT * FROM inbox_messages {where} ORDER BY id", kinds)
    return [_message(r) for r in rows]


def open_reviews(store: Store) -> list[InboxMessage]:
    """Messages nobody has decided yet, oldest first."""
    marks = ", ".join("?" * len(REVIEW_KINDS))
    rows = store.conn.execute(
        f"SELECT * FROM inbox_messages WHERE (kind IN ({marks}) "
        "OR (kind = 'bounce' AND invitee IS NULL)) AND resolved_at IS NULL "
        "ORDER BY processed_at, id",
        REVIEW_KINDS,
    )
    return [_message(r) for r in rows]


def inbox_message(store: Store, message: int) -> InboxMessage | None:
    row = store.conn.execute("SELECT * FROM inbox_messages WHERE id = ?", (message,)).fetchone()
    return _message_or_none(row)


def assign_message(store: Store, message: int, invitee: str, *, command: str) -> None:
    """Staff tie a set-aside message to an invitee. The „prüfen“ mark the message put on the
    invitee poll had named (if another) is lifted: it was never that person's answer."""
    with store.transaction() as conn:
        conn.execute(
            "DELETE FROM answers WHERE message = ? AND answer = 'pruefen' AND invitee != ?",
            (message, invitee),
        )
        conn.execute("UPDATE inbox_messages SET invitee = ? WHERE id = ?", (invitee, message))
        add_audit(store, command, "Nachricht zugeordnet", invitee, f"Nachricht {message}, manuell")


def resolve_review(
    store: Store,
    message: int,
    decision: str,
    *,
    invitee: str | None,
    persons: int | None,
    answer: int | None,
    source: str,
    command: str,
    move_to: str,
) -> None:
    """Store a staff decision on a set-aside message and owe its move to ``move_to`` (done by
    ``move_pending``' caller: prüfen at once, else the next poll or prüfen). For „keine
    Antwort“ the „prüfen“ mark the message put on the invitee is lifted: the earlier answer
    (or „offen“) counts again."""
    with store.transaction() as conn:
        if decision == "keine":
            conn.execute("DELETE FROM answers WHERE message = ? AND answer = 'pruefen'", (message,))
        conn.execute(
            "INSERT INTO review_decisions (message, decision, invitee, persons, answer, source, "
            "decided_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (message, decision, invitee, persons, answer, source, store.clock()),
        )
        conn.execute(
            "UPDATE inbox_messages SET resolved_at = ?, move_to = ? WHERE id = ?",
            (store.clock(), move_to, message),
        )
        shown = {"keine": "keine Antwort"}.get(decision, decision)
        detail = f"Nachricht {message}: {shown}" + (f", {persons} Personen" if persons else "")
        add_audit(store, command, "Prüfung entschieden", invitee, f"{detail} ({source})")


@dataclass(frozen=True)
class OwedMove:
    """An IMAP move a staff decision still owes (done by prüfen or the next poll)."""

    id: int  # the inbox message
    message_id: str | None
    sender: str
    subject: str
    moved_to: str | None  # the folder it is in now (None: still where poll found it)
    move_to: str  # where the decision sends it


def pending_moves(store: Store) -> list[OwedMove]:
    rows = store.conn.execute(
        "SELECT id, message_id, sender, subject, moved_to, move_to FROM inbox_messages "
        "WHERE move_to IS NOT NULL ORDER BY id"
    )
    return [OwedMove(*r) for r in rows]


def mark_moved_done(store: Store, message: int, folder: str, *, command: str, detail: str) -> None:
    with store.transaction() as conn:
        conn.execute(
            "UPDATE inbox_messages SET moved_to = ?, move_to = NULL WHERE id = ?", (folder, message)
        )
        add_audit(store, command, "Nachricht verschoben", None, f"Nachricht {message}: {detail}")


def open_review_times(store: Store) -> dict[str, list[str]]:
    """Per invitee, when each review item naming them and not yet settled came in."""
    marks = ", ".join("?" * len(REVIEW_KINDS))
    out: dict[str, list[str]] = {}
    for r in store.conn.execute(
        f"SELECT invitee, processed_at FROM inbox_messages WHERE kind IN ({marks}) "
        "AND resolved_at IS NULL AND invitee IS NOT NULL ORDER BY id",
        REVIEW_KINDS,
    ):
        out.setdefault(r[0], []).append(r[1])
    return out


def message_id_of(store: Store, message: int) -> str | None:
    """The Message-ID of inbox message ``message`` (None when it had none)."""
    row = store.conn.execute(
        "SELECT message_id FROM inbox_messages WHERE id = ?", (message,)
    ).fetchone()
    return row[0] if row and row[0] else None


def count_inbox_messages(store: Store) -> int:
    return int(store.conn.execute("SELECT COUNT(*) FROM inbox_messages").fetchone()[0])


@dataclass(frozen=True)
class ReviewDecision:
    """What staff decided on a set-aside message (invite prüfen or the workbook)."""

    id: int
    message: int
    decision: str  # zusage | absage | unzustellbar | keine | zuordnen
    invitee: str | None
    persons: int | None
    answer: int | None  # the answer it recorded
    source: str  # manuell | tabelle
    decided_at: str


def review_decisions(store: Store) -> list[ReviewDecision]:
    """Every staff decision, oldest first."""
    rows = store.conn.execute("SELECT * FROM review_decisions ORDER BY id")
    return [ReviewDecision(**{k: r[k] for k in r.keys()}) for r in rows]  # noqa: SIM118
