"""Deleting personal data (`invite purge`), driven by the declaration in ``schema.py``."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable

from invite.errors import InviteError
from invite.store.audit import add_audit
from invite.store.database import Store
from invite.store.schema import PERSONAL_DATA, PERSONAL_TABLES, PERSONAL_TEXT

PURGED_KEY = "purged_at"


def purged_at(store: Store) -> str | None:
    """When `invite purge` ran (UTC timestamp), or None."""
    return store.meta(PURGED_KEY)


def ensure_not_purged(store: Store) -> None:
    """Steps that would bring personal data back after `invite purge` call this first."""
    stamp = purged_at(store)
    if stamp is not None:
        day = dt.datetime.fromisoformat(stamp).astimezone().strftime("%d.%m.%Y")
        raise InviteError(
            f"Die personenbezogenen Daten dieser Kampagne wurden am {day} gelöscht "
            "(„invite purge“). Es werden keine neuen Listen mehr erzeugt.",
            exit_code=2,
        )


def inbox_senders_and_subjects(store: Store) -> set[str]:
    """Every non-empty sender and subject of a stored message (texts from outside)."""
    rows = store.conn.execute("SELECT sender, subject FROM inbox_messages")
    return {s for r in rows for s in r if s}


def scrub_personal_data(
    store: Store,
    scrub_text: Callable[[str, str | None], str],
    *,
    meta: dict[str, str],
    command: str,
    action: str,
    detail: str,
) -> int:
    """In one transaction: every ``PERSONAL_TEXT`` column rewritten by ``scrub_text(text,
    invitee)``, every ``PERSONAL_DATA`` column set to its declared value, every
    ``PERSONAL_TABLES`` row deleted, ``meta`` written and the purge audited. Freed pages are
    zeroed. Returns how many texts were changed."""
    conn = store.conn
    conn.execute("PRAGMA secure_delete = ON")  # freed pages are zeroed, not left readable
    changed = 0
    stamp = store.clock()
    with store.transaction():
        for table, columns in PERSONAL_TEXT.items():
            for column in columns:
                rows = conn.execute(f"SELECT id, invitee, {column} FROM {table}").fetchall()
                for row_id, invitee, text in rows:
                    new = scrub_text(text, invitee)
                    if new != text:
                        conn.execute(f"UPDATE {table} SET {column} = ? WHERE id = ?", (new, row_id))
                        changed += 1
        for table, blanks in PERSONAL_DATA.items():
            sets = ", ".join(f"{column} = ?" for column in blanks)
            values: list[str | None] = list(blanks.values())
            if table == "invitees":
                sets += ", updated_at = ?"
                values.append(stamp)
            conn.execute(f"UPDATE {table} SET {sets}", values)
        for table in PERSONAL_TABLES:
            conn.execute(f"DELETE FROM {table}")
        conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
            "SET value = excluded.value",
            [(PURGED_KEY, stamp), *meta.items()],
        )
        add_audit(store, command, action, None, detail)
    return changed


def compact(store: Store) -> None:
    """Rewrite the database file and empty the write-ahead log, which still hold old pages."""
    with contextlib.suppress(Exception):
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.conn.execute("VACUUM")
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def personal_values(store: Store) -> dict[str, dict[str, set[str | None]]]:
    """Per table of ``PERSONAL_DATA``, the distinct values of each declared column (after a
    purge: only the declared blank)."""
    out: dict[str, dict[str, set[str | None]]] = {}
    for table, columns in PERSONAL_DATA.items():
        for column in columns:
            rows = store.conn.execute(f"SELECT DISTINCT {column} FROM {table}")
            out.setdefault(table, {})[column] = {r[0] for r in rows}
    return out


def personal_row_counts(store: Store) -> dict[str, int]:
    """Rows in each of ``PERSONAL_TABLES`` (after a purge: none)."""
    return {
        table: int(store.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
        for table in PERSONAL_TABLES
    }
