"""Print batches (letters printed for postal invitees) and status workbook snapshots (what the
tool last wrote to each workbook, to notice staff edits)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from invite.store.audit import add_audit
from invite.store.database import Store

# -- print batches ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrintBatch:
    id: int
    kind: str  # invitation | reminder
    file: str  # absolute path of the PDF
    created_at: str
    invitees: tuple[str, ...]  # Nr. in the order of the batch


@dataclass(frozen=True)
class PrintedLetter:
    """One invitee's letter in a print batch."""

    invitee: str
    kind: str  # invitation | reminder
    created_at: str


def add_print_batch(
    store: Store,
    kind: str,
    file: str,
    invitees: Iterable[str],
    *,
    command: str,
    action: str,
    detail: str,
) -> int:
    """Record a written batch file and the invitees whose letters it holds; returns its id."""
    with store.transaction() as conn:
        cursor = conn.execute(
            "INSERT INTO print_batches (kind, file, created_at) VALUES (?, ?, ?)",
            (kind, file, store.clock()),
        )
        batch_id = int(cursor.lastrowid or 0)
        conn.executemany(
            "INSERT INTO print_batch_items (batch, invitee) VALUES (?, ?)",
            [(batch_id, number) for number in invitees],
        )
        add_audit(store, command, action, None, detail)
    return batch_id


def print_batches(store: Store, kind: str | None = None) -> list[PrintBatch]:
    """Every print batch (of ``kind``), oldest first, with the invitees it holds."""
    where, args = ("WHERE kind = ?", (kind,)) if kind else ("", ())
    rows = store.conn.execute(
        f"SELECT id, kind, file, created_at FROM print_batches {where} ORDER BY id", args
    ).fetchall()
    return [_batch(store, row) for row in rows]


def latest_print_batch(store: Store, kind: str) -> PrintBatch | None:
    """The newest batch of ``kind`` with the invitees it holds."""
    row = store.conn.execute(
        "SELECT id, kind, file, created_at FROM print_batches WHERE kind = ? "
        "ORDER BY id DESC LIMIT 1",
        (kind,),
    ).fetchone()
    return _batch(store, row) if row is not None else None


def _batch(store: Store, row: sqlite3.Row) -> PrintBatch:
    members = store.conn.execute(
        "SELECT invitee FROM print_batch_items WHERE batch = ? ORDER BY rowid", (row["id"],)
    )
    return PrintBatch(
        row["id"], row["kind"], row["file"], row["created_at"], tuple(r[0] for r in members)
    )


def printed_letters(store: Store) -> list[PrintedLetter]:
    """Every letter that was in a print batch, batch by batch."""
    rows = store.conn.execute(
        "SELECT i.invitee, b.kind, b.created_at FROM print_batch_items i "
        "JOIN print_batches b ON b.id = i.batch ORDER BY b.id"
    )
    return [PrintedLetter(r[0], r[1], r[2]) for r in rows]


def printed_invitees(store: Store, kind: str) -> set[str]:
    """Invitees whose letter (``invitation`` or ``reminder``) was in a print batch."""
    rows = store.conn.execute(
        "SELECT DISTINCT i.invitee FROM print_batch_items i "
        "JOIN print_batches b ON b.id = i.batch WHERE b.kind = ?",
        (kind,),
    )
    return {r[0] for r in rows}


def count_printed_letters(store: Store) -> int:
    return int(store.conn.execute("SELECT COUNT(*) FROM print_batch_items").fetchone()[0])


# -- status workbook snapshots ------------------------------------------------------------------


@dataclass(frozen=True)
class WorkbookSnapshot:
    """What the tool last wrote to one status workbook file."""

    path: str
    sha256: str
    cells: dict[str, list]
    written_at: str


def workbook_snapshot(store: Store, path: str) -> WorkbookSnapshot | None:
    row = store.conn.execute("SELECT * FROM status_workbooks WHERE path = ?", (path,)).fetchone()
    if row is None:
        return None
    return WorkbookSnapshot(row["path"], row["sha256"], json.loads(row["cells"]), row["written_at"])


def save_workbook_snapshot(
    store: Store, path: str, sha256: str, cells: dict[str, list], command: str, detail: str
) -> None:
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO status_workbooks (path, sha256, cells, written_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (path) DO UPDATE SET sha256 = excluded.sha256, cells = excluded.cells, "
            "written_at = excluded.written_at",
            (path, sha256, json.dumps(cells, ensure_ascii=False), store.clock()),
        )
        add_audit(store, command, "Rückmeldeliste geschrieben", None, detail)


def workbook_paths(store: Store) -> list[str]:
    """Every status workbook file the tool has written (and not purged)."""
    return [r[0] for r in store.conn.execute("SELECT path FROM status_workbooks")]
