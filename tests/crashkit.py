"""States that only a crash, a killed process, another program or an older version of invite
can leave in the database.

The store's API cannot produce them — by design — so the tests write them here, with SQL, in
the one test module allowed to. Everything else in the tests goes through ``invite.store``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from invite.store import DB_FILE, MIGRATIONS, Store


def forget_answers(store: Store, *, invitee: str = "", message: int = 0) -> None:
    """As if poll died after storing a message but before recording its answers (all, or the
    one for ``invitee`` from ``message``)."""
    with store.transaction() as conn:
        if invitee:
            conn.execute(
                "DELETE FROM answers WHERE invitee = ? AND message = ?", (invitee, message)
            )
        else:
            conn.execute("DELETE FROM answers")


def unfinished_send(store: Store, invitee: str, kind: str = "invitation") -> None:
    """As if send died right after the server's 250, before writing ``sent``."""
    with store.transaction() as conn:
        conn.execute(
            "UPDATE deliveries SET state = 'sending' WHERE invitee = ? AND kind = ?",
            (invitee, kind),
        )


def database_at(data_dir: Path, version: int, statements: list[str]) -> None:
    """A database as invite left it at schema ``version`` (the migrations up to it, as they
    shipped), with ``statements`` run on it: rows written in that version's shape. A version
    above today's is a database from a newer invite."""
    data_dir.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(data_dir / DB_FILE, isolation_level=None)
    try:
        for script in MIGRATIONS[:version]:
            conn.executescript(script)
        conn.execute("INSERT INTO meta VALUES ('secret', ?), ('created_at', ?)", ("ab" * 32, "x"))
        for statement in statements:
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {version}")
    finally:
        conn.close()
