"""Invitees mirrored from the contact list, their fingerprints, and notes typed for them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, fields

from invite.core.codes import invitee_code, normalise_code
from invite.core.contacts import Invitee
from invite.core.contacts import invitee_fingerprint as fingerprint  # the one rule
from invite.store.audit import add_audit
from invite.store.database import Store

INVITEE_FIELDS = [f.name for f in fields(Invitee) if f.name != "code"]


@dataclass(frozen=True)
class SyncReport:
    added: list[str]
    updated: list[str]
    removed: list[str]
    restored: list[str]


def sync_invitees(store: Store, invitees: Iterable[Invitee], command: str) -> SyncReport:
    """Mirror the spreadsheet: add new rows, update changed ones, mark missing ones removed."""
    secret = store.secret()
    report = SyncReport([], [], [], [])
    stamp = store.clock()
    with store.transaction() as conn:
        existing = {r["number"]: r for r in conn.execute("SELECT * FROM invitees")}
        codes = {r["code"] for r in existing.values()}
        present: set[str] = set()
        for inv in invitees:
            present.add(inv.number)
            values = [getattr(inv, f) for f in INVITEE_FIELDS]
            fp = fingerprint(inv)
            old = existing.get(inv.number)
            if old is None:
                code, attempt = invitee_code(secret, inv.number), 0
                while code in codes:
                    attempt += 1
                    code = invitee_code(secret, inv.number, attempt)
                codes.add(code)
                conn.execute(
                    f"INSERT INTO invitees (code, {', '.join(INVITEE_FIELDS)}, fingerprint, "
                    f"created_at, updated_at) VALUES (?, {', '.join('?' * len(values))}, ?, ?, ?)",
                    [code, *values, fp, stamp, stamp],
                )
                report.added.append(inv.number)
                add_audit(store, command, "hinzugefügt", inv.number, f"Zeile {inv.row}")
            elif old["fingerprint"] != fp or old["row"] != inv.row or old["removed_at"]:
                sets = ", ".join(f"{f} = ?" for f in INVITEE_FIELDS)
                conn.execute(
                    f"UPDATE invitees SET {sets}, fingerprint = ?, removed_at = NULL, "
                    "updated_at = ? WHERE number = ?",
                    [*values, fp, stamp, inv.number],
                )
                if old["removed_at"]:
                    report.restored.append(inv.number)
                    add_audit(store, command, "wieder aufgenommen", inv.number)
                elif old["fingerprint"] != fp:
                    report.updated.append(inv.number)
                    add_audit(store, command, "geändert", inv.number)
        for number, old in existing.items():
            if number not in present and not old["removed_at"]:
                conn.execute(
                    "UPDATE invitees SET removed_at = ?, updated_at = ? WHERE number = ?",
                    (stamp, stamp, number),
                )
                report.removed.append(number)
                add_audit(store, command, "aus der Liste entfernt", number)
    return report


def all_invitees(store: Store, *, include_removed: bool = False) -> list[Invitee]:
    """All invitees in ``Nr.`` order (numerically)."""
    where = "" if include_removed else "WHERE removed_at IS NULL"
    rows = store.conn.execute(f"SELECT * FROM invitees {where} ORDER BY CAST(number AS INTEGER)")
    return [_invitee(r) for r in rows]


def lookup_invitee(store: Store, number_or_code: str) -> Invitee | None:
    """Find one invitee by ``Nr.`` or by code (as typed: dashes and case do not matter)."""
    row = store.conn.execute(
        "SELECT * FROM invitees WHERE number = ?", (number_or_code.strip(),)
    ).fetchone()
    if row is None and (code := normalise_code(number_or_code)):
        row = store.conn.execute("SELECT * FROM invitees WHERE code = ?", (code,)).fetchone()
    return _invitee(row) if row else None


def is_removed(store: Store, number: str) -> bool:
    """Whether invitee ``number`` is no longer on the contact list."""
    row = store.conn.execute(
        "SELECT removed_at FROM invitees WHERE number = ?", (number,)
    ).fetchone()
    return bool(row and row[0])


def invitee_fingerprints(store: Store) -> dict[str, str]:
    """Nr. -> fingerprint of what the invitee's letter shows (removed invitees too)."""
    return {r[0]: r[1] for r in store.conn.execute("SELECT number, fingerprint FROM invitees")}


def _invitee(row: sqlite3.Row) -> Invitee:
    return Invitee(**{f: row[f] for f in INVITEE_FIELDS}, code=row["code"])


# -- notes typed into the status workbook on a row without an answer ---------------------------


@dataclass(frozen=True)
class InviteeNote:
    invitee: str
    note: str
    source: str
    updated_at: str


def set_invitee_note(store: Store, invitee: str, note: str, *, source: str, command: str) -> None:
    """A Bemerkung that is not part of an answer (typed into the workbook on an open row)."""
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO invitee_notes (invitee, note, source, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (invitee) DO UPDATE SET note = excluded.note, source = excluded.source, "
            "updated_at = excluded.updated_at",
            (invitee, note, source, store.clock()),
        )
        add_audit(store, command, "Bemerkung übernommen", invitee, f"über {source}")


def invitee_notes(store: Store) -> dict[str, InviteeNote]:
    rows = store.conn.execute("SELECT invitee, note, source, updated_at FROM invitee_notes")
    return {r[0]: InviteeNote(r[0], r[1], r[2], r[3]) for r in rows}
