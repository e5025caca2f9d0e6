"""The exactly-once ledger of outgoing mail: queued -> sending -> sent | failed | unknown."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, fields

from invite.store.audit import add_audit
from invite.store.database import Store

# -- ledger (send, remind) -------------------------------------------------------------------

# An outgoing message is queued, then marked ``sending`` right before the SMTP transaction and
# ``sent``/``failed`` right after. A row still ``sending`` when a run starts belonged to a
# process that died mid-transaction: nobody knows whether the server took it, so it becomes
# ``unknown`` and is never resent silently.

DELIVERY_KINDS = {
    "invitation": "Einladung",
    "reminder": "Erinnerung",
    "confirmation": "Bestätigung",
}


@dataclass(frozen=True)
class LedgerEntry:
    """One outgoing message in the ledger (``core.rsvp.DeliveryFact`` is what the workbook shows
    of it)."""

    id: int
    invitee: str
    kind: str
    round: int
    state: str
    message_id: str
    recipient: str
    attempts: int
    error: str | None
    created_at: str
    updated_at: str
    sent_at: str | None


@dataclass(frozen=True)
class QueueItem:
    invitee: str
    kind: str
    round: int
    recipient: str
    message_id: str  # used only when the row is new; an existing row keeps its Message-ID


def _delivery(row: sqlite3.Row) -> LedgerEntry:
    return LedgerEntry(**{f.name: row[f.name] for f in fields(LedgerEntry)})


def deliveries(store: Store, kind: str | None = None) -> list[LedgerEntry]:
    """All ledger rows (of one kind), oldest first."""
    where, args = ("WHERE kind = ?", (kind,)) if kind else ("", ())
    rows = store.conn.execute(f"SELECT * FROM deliveries {where} ORDER BY id", args)
    return [_delivery(r) for r in rows]


def latest_deliveries(store: Store, kind: str) -> dict[str, LedgerEntry]:
    """The highest round of ``kind`` per invitee."""
    rows = store.conn.execute(
        "SELECT * FROM deliveries d WHERE kind = ? AND round = "
        "(SELECT MAX(round) FROM deliveries WHERE invitee = d.invitee AND kind = d.kind)",
        (kind,),
    )
    return {r["invitee"]: _delivery(r) for r in rows}


def sent_recipients(store: Store, kind: str) -> dict[str, list[str]]:
    """Per invitee, the addresses a ``sent`` message of ``kind`` went to, oldest first
    (more than one when staff corrected an address and the invitation went out again)."""
    rows = store.conn.execute(
        "SELECT invitee, recipient FROM deliveries WHERE kind = ? AND state = 'sent' "
        "ORDER BY round, id",
        (kind,),
    )
    out: dict[str, list[str]] = {}
    for row in rows:
        out.setdefault(row["invitee"], []).append(row["recipient"])
    return out


def queue_deliveries(
    store: Store, items: Iterable[QueueItem], *, include_unknown: bool = False
) -> list[LedgerEntry]:
    """Create or re-queue ledger rows in one transaction. A ``sent`` row is never touched;
    an ``unknown`` one only with ``include_unknown`` (an explicit resend)."""
    requeue = ("queued", "failed", "unknown") if include_unknown else ("queued", "failed")
    marks = ", ".join("?" * len(requeue))
    stamp = store.clock()
    out: list[LedgerEntry] = []
    with store.transaction() as conn:
        for item in items:
            conn.execute(
                "INSERT INTO deliveries (invitee, kind, round, state, message_id, recipient, "
                "created_at, updated_at) VALUES (?, ?, ?, 'queued', ?, ?, ?, ?) "
                "ON CONFLICT (invitee, kind, round) DO UPDATE SET state = 'queued', "
                "recipient = excluded.recipient, updated_at = excluded.updated_at "
                f"WHERE deliveries.state IN ({marks})",
                (item.invitee, item.kind, item.round, item.message_id, item.recipient, stamp, stamp)
                + requeue,
            )
            row = conn.execute(
                "SELECT * FROM deliveries WHERE invitee = ? AND kind = ? AND round = ?",
                (item.invitee, item.kind, item.round),
            ).fetchone()
            out.append(_delivery(row))
    return out


def mark_sending(store: Store, delivery_id: int) -> None:
    """Written (and committed) before the SMTP transaction starts."""
    with store.transaction() as conn:
        conn.execute(
            "UPDATE deliveries SET state = 'sending', attempts = attempts + 1, updated_at = ? "
            "WHERE id = ? AND state = 'queued'",
            (store.clock(), delivery_id),
        )


def mark_sent(store: Store, delivery: LedgerEntry, command: str, detail: str = "") -> None:
    stamp = store.clock()
    with store.transaction() as conn:
        conn.execute(
            "UPDATE deliveries SET state = 'sent', error = NULL, sent_at = ?, updated_at = ? "
            "WHERE id = ?",
            (stamp, stamp, delivery.id),
        )
        add_audit(
            store,
            command,
            f"{DELIVERY_KINDS.get(delivery.kind, delivery.kind)} gesendet",
            delivery.invitee,
            detail or f"an {delivery.recipient}",
        )


def mark_requeued(store: Store, delivery_id: int, error: str) -> None:
    """The server did not take it (temporary error or lost connection): try again later."""
    with store.transaction() as conn:
        conn.execute(
            "UPDATE deliveries SET state = 'queued', error = ?, updated_at = ? WHERE id = ?",
            (error, store.clock(), delivery_id),
        )


def mark_failed(store: Store, delivery: LedgerEntry, error: str, command: str) -> None:
    with store.transaction() as conn:
        conn.execute(
            "UPDATE deliveries SET state = 'failed', error = ?, updated_at = ? WHERE id = ?",
            (error, store.clock(), delivery.id),
        )
        add_audit(
            store,
            command,
            f"{DELIVERY_KINDS.get(delivery.kind, delivery.kind)} fehlgeschlagen",
            delivery.invitee,
            error,
        )


def mark_unknown(store: Store, delivery: LedgerEntry, error: str, command: str) -> None:
    with store.transaction() as conn:
        conn.execute(
            "UPDATE deliveries SET state = 'unknown', error = ?, updated_at = ? WHERE id = ?",
            (error, store.clock(), delivery.id),
        )
        add_audit(
            store,
            command,
            f"{DELIVERY_KINDS.get(delivery.kind, delivery.kind)}: Ausgang unklar",
            delivery.invitee,
            error,
        )


def settle_interrupted(store: Store, command: str) -> list[LedgerEntry]:
    """Turn rows left ``sending`` by a dead process into ``unknown``. Call only while holding
    ``exclusive(...)``: then no living process can be in the middle of sending them."""
    with store.transaction() as conn:
        rows = conn.execute("SELECT * FROM deliveries WHERE state = 'sending'").fetchall()
        for row in rows:
            conn.execute(
                "UPDATE deliveries SET state = 'unknown', error = ?, updated_at = ? WHERE id = ?",
                ("Vorgang wurde während des Sendens abgebrochen", store.clock(), row["id"]),
            )
            add_audit(
                store,
                command,
                f"{DELIVERY_KINDS.get(row['kind'], row['kind'])}: Ausgang unklar",
                row["invitee"],
                "Vorgang wurde während des Sendens abgebrochen",
            )
    return [_delivery(r) for r in rows]


def confirmation_floor(store: Store) -> dict[str, int]:
    """Per invitee, the id of the latest answer that was not a Zusage: a confirmation whose
    round (= the Zusage's answer id) is above it confirms the current Zusage."""
    rows = store.conn.execute(
        "SELECT invitee, MAX(id) FROM answers WHERE answer != 'zusage' GROUP BY invitee"
    )
    return {r[0]: int(r[1]) for r in rows}


def sent_message_ids(store: Store) -> dict[str, str]:
    """Message-ID (without angle brackets) of everything the tool sent -> invitee Nr."""
    rows = store.conn.execute("SELECT message_id, invitee FROM deliveries")
    return {r[0].strip().strip("<>"): r[1] for r in rows}


def sent_message_recipients(store: Store) -> dict[str, str]:
    """Message-ID (without angle brackets) of everything the tool sent -> recipient address."""
    rows = store.conn.execute("SELECT message_id, recipient FROM deliveries")
    return {r[0].strip().strip("<>"): (r[1] or "").strip().lower() for r in rows}


def count_sent(store: Store) -> int:
    """How many messages of any kind went out."""
    return int(
        store.conn.execute("SELECT COUNT(*) FROM deliveries WHERE state = 'sent'").fetchone()[0]
    )
