"""The audit log: what happened, when, by which command. Never a message body or a secret."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from invite.store.database import Store


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    command: str
    action: str
    invitee: str | None
    detail: str


def add_audit(
    store: Store, command: str, action: str, invitee: str | None = None, detail: str = ""
) -> None:
    """Record what happened. Inside a store transaction the line commits with the change it
    tells; outside one it is its own statement."""
    store.conn.execute(
        "INSERT INTO audit (at, command, action, invitee, detail) VALUES (?, ?, ?, ?, ?)",
        (store.clock(), command, action, invitee, detail),
    )


def audit_log(store: Store) -> list[AuditEntry]:
    """Every audit line, oldest first."""
    return [_entry(r) for r in store.conn.execute("SELECT * FROM audit ORDER BY id")]


def audit_details(store: Store, action: str) -> list[str]:
    """The details of every audit line of ``action`` (e.g. the files a step wrote)."""
    rows = store.conn.execute("SELECT detail FROM audit WHERE action = ? ORDER BY id", (action,))
    return [r[0] for r in rows]


def _entry(row: sqlite3.Row) -> AuditEntry:
    return AuditEntry(
        row["id"], row["at"], row["command"], row["action"], row["invitee"], row["detail"]
    )
