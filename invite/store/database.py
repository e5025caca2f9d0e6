"""The open database: connection, transactions, schema upgrades, meta values, the folder lock."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

from invite.errors import InviteError
from invite.files import refuse_links, storage_error
from invite.locking import Busy, acquire
from invite.store.schema import MIGRATIONS

DB_FILE = "invite.sqlite"
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
LOCK_FILE = ".lock"


def now() -> str:
    """UTC timestamp as stored everywhere in the database."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Store:
    """An open campaign database. Use ``Store.open(data_dir)`` and close it (or ``with``).

    ``conn`` belongs to the functions of ``invite.store``; nothing outside the package
    runs SQL on it. ``clock`` gives every timestamp the store writes (UTC, ISO 8601); tests
    that need fixed times replace it."""

    def __init__(self, conn: sqlite3.Connection, data_dir: Path) -> None:
        self.conn = conn
        self.data_dir = data_dir
        self.clock: Callable[[], str] = now

    @classmethod
    def open(cls, data_dir: Path) -> Store:
        """Open (creating if needed, owner-only permissions) and migrate the database."""
        try:
            data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise storage_error(data_dir, exc) from None
        path = data_dir / DB_FILE
        refuse_links(path, *(path.with_name(path.name + end) for end in SQLITE_SIDE_FILES))
        new = not path.exists()
        conn = None
        try:
            if new:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
                os.close(fd)
            conn = sqlite3.connect(path, timeout=30, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
            store = cls(conn, data_dir)
            store._migrate()
        except (sqlite3.DatabaseError, OSError) as exc:
            if conn is not None:
                conn.close()
            raise storage_error(path, exc) from None
        return store

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT: one writer at a time, all or nothing."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def _migrate(self) -> None:
        version = self.schema_version
        if version > len(MIGRATIONS):
            raise InviteError(
                f"{self.data_dir / DB_FILE}: Die Datenbank stammt von einer neueren Version von "
                "invite. Bitte invite aktualisieren.",
                exit_code=2,
            )
        for index in range(version, len(MIGRATIONS)):
            with self.transaction() as conn:
                for statement in MIGRATIONS[index].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                if index == 0:
                    conn.execute(
                        "INSERT INTO meta VALUES ('secret', ?), ('created_at', ?)",
                        (secrets.token_hex(32), self.clock()),
                    )
                conn.execute(f"PRAGMA user_version = {index + 1}")

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def integrity_problems(self) -> list[str]:
        """What SQLite's own check finds wrong with the file (empty: all well)."""
        rows = [r[0] for r in self.conn.execute("PRAGMA integrity_check")]
        return [] if rows == ["ok"] else rows

    def secret(self) -> bytes:
        """The campaign's key for invitee codes and signed links (made at creation)."""
        return bytes.fromhex(self.meta("secret") or "")

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str | None) -> None:
        if value is None:
            self.conn.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            self.conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value)
            )


@contextlib.contextmanager
def exclusive(data_dir: Path, command: str) -> Iterator[None]:
    """Hold the data folder's lock so two staff members never run send/poll at the same time."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        lock = acquire(data_dir / LOCK_FILE, f"invite {command}, Prozess {os.getpid()}")
    except Busy as busy:
        raise InviteError(
            f"Ein anderer Vorgang arbeitet gerade mit „{data_dir}“ ({busy.holder or 'unbekannt'}). "
            "Bitte warten, bis er fertig ist, und dann erneut starten."
        ) from None
    try:
        yield
    finally:
        lock.release()
