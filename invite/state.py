"""The campaign's single source of truth: an embedded SQLite database under the data folder.

Spreadsheets and PDFs are views of it. Every write is a short transaction in WAL mode, so a
crash at any moment leaves the last committed state intact. Domain-specific queries (ledger,
inbox, answers) live in their sections below, each near the step that owns it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import secrets
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path

from invite.core.codes import invitee_code, normalise_code
from invite.core.contacts import Invitee
from invite.core.plurals import count
from invite.errors import InviteError
from invite.files import refuse_links, storage_error
from invite.locking import Busy, acquire

DB_FILE = "invite.sqlite"
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
LOCK_FILE = ".lock"

# Each entry migrates from version i to i+1. Never edit an entry that has shipped: append.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE invitees (
        number TEXT PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        salutation TEXT NOT NULL DEFAULT '',
        title TEXT NOT NULL DEFAULT '',
        first_name TEXT NOT NULL DEFAULT '',
        last_name TEXT NOT NULL DEFAULT '',
        organisation TEXT NOT NULL DEFAULT '',
        street TEXT NOT NULL DEFAULT '',
        postcode TEXT NOT NULL DEFAULT '',
        city TEXT NOT NULL DEFAULT '',
        email TEXT NOT NULL DEFAULT '',
        channel TEXT NOT NULL DEFAULT 'email',
        language TEXT NOT NULL DEFAULT 'de',
        row INTEGER NOT NULL DEFAULT 0,
        fingerprint TEXT NOT NULL,
        removed_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX invitees_email ON invitees(email);

    -- Exactly-once ledger of outgoing mail: queued -> sending -> sent | failed | unknown.
    CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY,
        invitee TEXT NOT NULL REFERENCES invitees(number),
        kind TEXT NOT NULL,          -- invitation | reminder | confirmation
        round INTEGER NOT NULL DEFAULT 1,
        state TEXT NOT NULL,         -- queued | sending | sent | failed | unknown
        message_id TEXT NOT NULL UNIQUE,
        recipient TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        sent_at TEXT,
        UNIQUE (invitee, kind, round)
    );

    -- Letters printed for postal invitees (and reminder letters).
    CREATE TABLE print_batches (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,          -- invitation | reminder
        file TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE print_batch_items (
        batch INTEGER NOT NULL REFERENCES print_batches(id),
        invitee TEXT NOT NULL REFERENCES invitees(number),
        PRIMARY KEY (batch, invitee)
    );

    -- IMAP sync position per folder.
    CREATE TABLE folder_sync (
        folder TEXT PRIMARY KEY,
        uidvalidity INTEGER NOT NULL,
        last_uid INTEGER NOT NULL
    );
    -- Every incoming message seen once (dedupe by content hash), with what the tool decided.
    CREATE TABLE inbox_messages (
        id INTEGER PRIMARY KEY,
        content_hash TEXT NOT NULL UNIQUE,
        message_id TEXT,
        folder TEXT NOT NULL,
        uidvalidity INTEGER,
        uid INTEGER,
        received_at TEXT,
        sender TEXT NOT NULL DEFAULT '',
        subject TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL,          -- answer | unclear | unmatched | bounce | autoreply | rejected
        invitee TEXT REFERENCES invitees(number),
        evidence TEXT NOT NULL DEFAULT '',
        reason TEXT NOT NULL DEFAULT '',
        moved_to TEXT,
        resolved_at TEXT,
        processed_at TEXT NOT NULL
    );
    CREATE INDEX inbox_messages_message_id ON inbox_messages(message_id);

    -- Answers per invitee: the latest one counts, earlier ones stay as history.
    CREATE TABLE answers (
        id INTEGER PRIMARY KEY,
        invitee TEXT NOT NULL REFERENCES invitees(number),
        answer TEXT NOT NULL,        -- zusage | absage | unzustellbar | pruefen
        persons INTEGER,
        participants TEXT NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL,        -- formular | qr | code | antwort | absender | manuell | tabelle
        message INTEGER REFERENCES inbox_messages(id),
        waiting_list INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    );
    CREATE INDEX answers_invitee ON answers(invitee);

    -- What happened, when, by which command. No message bodies.
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        command TEXT NOT NULL,
        action TEXT NOT NULL,
        invitee TEXT,
        detail TEXT NOT NULL DEFAULT ''
    );
    """,
    # 2: status workbook — what the tool last wrote (to notice staff edits) and notes typed there.
    """
    CREATE TABLE status_workbooks (
        path TEXT PRIMARY KEY,       -- absolute path of a workbook the tool wrote
        sha256 TEXT NOT NULL,        -- of the file as written
        cells TEXT NOT NULL,         -- JSON: editable and contact cells per Nr., as written
        written_at TEXT NOT NULL
    );
    CREATE TABLE invitee_notes (
        invitee TEXT PRIMARY KEY REFERENCES invitees(number),
        note TEXT NOT NULL,
        source TEXT NOT NULL,        -- tabelle
        updated_at TEXT NOT NULL
    );
    """,
    # 3: review queue (invite prüfen) — what review needs from a message, staff decisions, and
    # the IMAP move a decision still owes (done by prüfen or the next poll).
    """
    ALTER TABLE inbox_messages ADD COLUMN attachments TEXT NOT NULL DEFAULT '';
    ALTER TABLE inbox_messages ADD COLUMN persons INTEGER;
    ALTER TABLE inbox_messages ADD COLUMN move_to TEXT;
    CREATE TABLE review_decisions (
        id INTEGER PRIMARY KEY,
        message INTEGER NOT NULL REFERENCES inbox_messages(id),
        decision TEXT NOT NULL,      -- zusage | absage | unzustellbar | keine | zuordnen
        invitee TEXT REFERENCES invitees(number),
        persons INTEGER,
        answer INTEGER REFERENCES answers(id),
        source TEXT NOT NULL,        -- manuell | tabelle
        decided_at TEXT NOT NULL
    );
    """,
    # 4: the country of a foreign address (column „Land“; empty = Germany).
    """
    ALTER TABLE invitees ADD COLUMN country TEXT NOT NULL DEFAULT '';
    """,
]

INVITEE_FIELDS = [f.name for f in fields(Invitee) if f.name != "code"]


def now() -> str:
    """UTC timestamp as stored everywhere in the database."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def fingerprint(invitee: Invitee) -> str:
    """Hash of what a letter shows, so changed rows can be re-rendered."""
    # An empty country (Germany) leaves the hash as it was before the column existed.
    shown = [f for f in INVITEE_FIELDS if f != "row" and (f != "country" or invitee.country)]
    data = json.dumps([getattr(invitee, f) for f in shown])
    return hashlib.sha256(data.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class SyncReport:
    added: list[str]
    updated: list[str]
    removed: list[str]
    restored: list[str]


class State:
    """An open campaign database. Use ``State.open(data_dir)`` and close it (or ``with``)."""

    def __init__(self, conn: sqlite3.Connection, data_dir: Path) -> None:
        self.conn = conn
        self.data_dir = data_dir

    # -- opening and schema -------------------------------------------------------------

    @classmethod
    def open(cls, data_dir: Path) -> State:
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
            state = cls(conn, data_dir)
            state._migrate()
        except (sqlite3.DatabaseError, OSError) as exc:
            if conn is not None:
                conn.close()
            raise storage_error(path, exc) from None
        return state

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> State:
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
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
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
                        (secrets.token_hex(32), now()),
                    )
                conn.execute(f"PRAGMA user_version = {index + 1}")

    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def secret(self) -> bytes:
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

    # -- invitees -----------------------------------------------------------------------

    def sync_invitees(self, invitees: Iterable[Invitee], command: str) -> SyncReport:
        """Mirror the spreadsheet: add new rows, update changed ones, mark missing ones removed."""
        secret = self.secret()
        report = SyncReport([], [], [], [])
        stamp = now()
        with self.transaction() as conn:
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
                    self._audit(conn, command, "hinzugefügt", inv.number, f"Zeile {inv.row}")
                elif old["fingerprint"] != fp or old["row"] != inv.row or old["removed_at"]:
                    sets = ", ".join(f"{f} = ?" for f in INVITEE_FIELDS)
                    conn.execute(
                        f"UPDATE invitees SET {sets}, fingerprint = ?, removed_at = NULL, "
                        "updated_at = ? WHERE number = ?",
                        [*values, fp, stamp, inv.number],
                    )
                    if old["removed_at"]:
                        report.restored.append(inv.number)
                        self._audit(conn, command, "wieder aufgenommen", inv.number)
                    elif old["fingerprint"] != fp:
                        report.updated.append(inv.number)
                        self._audit(conn, command, "geändert", inv.number)
            for number, old in existing.items():
                if number not in present and not old["removed_at"]:
                    conn.execute(
                        "UPDATE invitees SET removed_at = ?, updated_at = ? WHERE number = ?",
                        (stamp, stamp, number),
                    )
                    report.removed.append(number)
                    self._audit(conn, command, "aus der Liste entfernt", number)
        return report

    def invitees(self, *, include_removed: bool = False) -> list[Invitee]:
        """All invitees in ``Nr.`` order (numerically)."""
        where = "" if include_removed else "WHERE removed_at IS NULL"
        rows = self.conn.execute(f"SELECT * FROM invitees {where} ORDER BY CAST(number AS INTEGER)")
        return [_invitee(r) for r in rows]

    def invitee(self, number_or_code: str) -> Invitee | None:
        """Find one invitee by ``Nr.`` or by code (as typed: dashes and case do not matter)."""
        row = self.conn.execute(
            "SELECT * FROM invitees WHERE number = ?", (number_or_code.strip(),)
        ).fetchone()
        if row is None and (code := normalise_code(number_or_code)):
            row = self.conn.execute("SELECT * FROM invitees WHERE code = ?", (code,)).fetchone()
        return _invitee(row) if row else None

    def invitee_by_code(self, code: str) -> Invitee | None:
        row = self.conn.execute("SELECT * FROM invitees WHERE code = ?", (code,)).fetchone()
        return _invitee(row) if row else None

    def invitee_fingerprints(self) -> dict[str, str]:
        return {r[0]: r[1] for r in self.conn.execute("SELECT number, fingerprint FROM invitees")}

    # -- audit --------------------------------------------------------------------------

    def audit(
        self, command: str, action: str, invitee: str | None = None, detail: str = ""
    ) -> None:
        """Record what happened; never a message body or a secret."""
        self._audit(self.conn, command, action, invitee, detail)

    @staticmethod
    def _audit(
        conn: sqlite3.Connection, command: str, action: str, invitee: str | None, detail: str = ""
    ) -> None:
        conn.execute(
            "INSERT INTO audit (at, command, action, invitee, detail) VALUES (?, ?, ?, ?, ?)",
            (now(), command, action, invitee, detail),
        )

    def audit_log(self) -> list[sqlite3.Row]:
        return self.conn.execute("SELECT * FROM audit ORDER BY id").fetchall()


def _invitee(row: sqlite3.Row) -> Invitee:
    return Invitee(**{f: row[f] for f in INVITEE_FIELDS}, code=row["code"])


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


# -- answers (poll, record, status) ----------------------------------------------------------

ANSWERS = ("zusage", "absage", "unzustellbar", "pruefen")


@dataclass(frozen=True)
class AnswerRecord:
    id: int
    invitee: str
    answer: str
    persons: int | None
    waiting_list: bool


def record_answer(
    state: State,
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
    with state.transaction() as conn:
        waiting = False
        if answer == "zusage" and capacity:
            confirmed = confirmed_persons(conn, exclude=invitee)
            waiting = confirmed + (persons or 0) > capacity
        cur = conn.execute(
            "INSERT INTO answers (invitee, answer, persons, participants, note, source, message, "
            "waiting_list, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (invitee, answer, persons, participants, note, source, message, int(waiting), now()),
        )
        detail = f"{answer} über {source}" + (
            f", {count(persons, 'Person', 'Personen')}" if persons else ""
        )
        if waiting:
            detail += ", Warteliste"
        State._audit(conn, command, "Antwort erfasst", invitee, detail)
    return AnswerRecord(cur.lastrowid or 0, invitee, answer, persons, waiting)


def confirmed_persons(conn: sqlite3.Connection, exclude: str | None = None) -> int:
    """Persons with a current Zusage that is not on the waiting list."""
    row = conn.execute(
        """
        SELECT COALESCE(SUM(a.persons), 0) FROM answers a
        WHERE a.id = (SELECT MAX(id) FROM answers WHERE invitee = a.invitee)
          AND a.answer = 'zusage' AND a.waiting_list = 0 AND a.invitee IS NOT ?
        """,
        (exclude,),
    ).fetchone()
    return int(row[0])


def latest_answers(state: State) -> dict[str, sqlite3.Row]:
    """The answer that counts for each invitee who has one."""
    rows = state.conn.execute(
        "SELECT * FROM answers WHERE id IN (SELECT MAX(id) FROM answers GROUP BY invitee)"
    )
    return {r["invitee"]: r for r in rows}


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
class Delivery:
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


def _delivery(row: sqlite3.Row) -> Delivery:
    return Delivery(**{f.name: row[f.name] for f in fields(Delivery)})


def deliveries(state: State, kind: str | None = None) -> list[Delivery]:
    """All ledger rows (of one kind), oldest first."""
    where, args = ("WHERE kind = ?", (kind,)) if kind else ("", ())
    rows = state.conn.execute(f"SELECT * FROM deliveries {where} ORDER BY id", args)
    return [_delivery(r) for r in rows]


def latest_deliveries(state: State, kind: str) -> dict[str, Delivery]:
    """The highest round of ``kind`` per invitee."""
    rows = state.conn.execute(
        "SELECT * FROM deliveries d WHERE kind = ? AND round = "
        "(SELECT MAX(round) FROM deliveries WHERE invitee = d.invitee AND kind = d.kind)",
        (kind,),
    )
    return {r["invitee"]: _delivery(r) for r in rows}


def sent_recipients(state: State, kind: str) -> dict[str, list[str]]:
    """Per invitee, the addresses a ``sent`` message of ``kind`` went to, oldest first
    (more than one when staff corrected an address and the invitation went out again)."""
    rows = state.conn.execute(
        "SELECT invitee, recipient FROM deliveries WHERE kind = ? AND state = 'sent' "
        "ORDER BY round, id",
        (kind,),
    )
    out: dict[str, list[str]] = {}
    for row in rows:
        out.setdefault(row["invitee"], []).append(row["recipient"])
    return out


def delivery_by_message_id(state: State, message_id: str) -> Delivery | None:
    """The ledger row behind a Message-ID (replies are tied back through it)."""
    row = state.conn.execute(
        "SELECT * FROM deliveries WHERE message_id = ?", (message_id.strip(),)
    ).fetchone()
    return _delivery(row) if row else None


def queue_deliveries(
    state: State, items: Iterable[QueueItem], *, include_unknown: bool = False
) -> list[Delivery]:
    """Create or re-queue ledger rows in one transaction. A ``sent`` row is never touched;
    an ``unknown`` one only with ``include_unknown`` (an explicit resend)."""
    requeue = ("queued", "failed", "unknown") if include_unknown else ("queued", "failed")
    marks = ", ".join("?" * len(requeue))
    stamp = now()
    out: list[Delivery] = []
    with state.transaction() as conn:
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


def mark_sending(state: State, delivery_id: int) -> None:
    """Written (and committed) before the SMTP transaction starts."""
    with state.transaction() as conn:
        conn.execute(
            "UPDATE deliveries SET state = 'sending', attempts = attempts + 1, updated_at = ? "
            "WHERE id = ? AND state = 'queued'",
            (now(), delivery_id),
        )


def mark_sent(state: State, delivery: Delivery, command: str, detail: str = "") -> None:
    stamp = now()
    with state.transaction() as conn:
        conn.execute(
            "UPDATE deliveries SET state = 'sent', error = NULL, sent_at = ?, updated_at = ? "
            "WHERE id = ?",
            (stamp, stamp, delivery.id),
        )
        State._audit(
            conn,
            command,
            f"{DELIVERY_KINDS.get(delivery.kind, delivery.kind)} gesendet",
            delivery.invitee,
            detail or f"an {delivery.recipient}",
        )


def mark_requeued(state: State, delivery_id: int, error: str) -> None:
    """The server did not take it (temporary error or lost connection): try again later."""
    with state.transaction() as conn:
        conn.execute(
            "UPDATE deliveries SET state = 'queued', error = ?, updated_at = ? WHERE id = ?",
            (error, now(), delivery_id),
        )


def mark_failed(state: State, delivery: Delivery, error: str, command: str) -> None:
    with state.transaction() as conn:
        conn.execute(
            "UPDATE deliveries SET state = 'failed', error = ?, updated_at = ? WHERE id = ?",
            (error, now(), delivery.id),
        )
        State._audit(
            conn,
            command,
            f"{DELIVERY_KINDS.get(delivery.kind, delivery.kind)} fehlgeschlagen",
            delivery.invitee,
            error,
        )


def mark_unknown(state: State, delivery: Delivery, error: str, command: str) -> None:
    with state.transaction() as conn:
        conn.execute(
            "UPDATE deliveries SET state = 'unknown', error = ?, updated_at = ? WHERE id = ?",
            (error, now(), delivery.id),
        )
        State._audit(
            conn,
            command,
            f"{DELIVERY_KINDS.get(delivery.kind, delivery.kind)}: Ausgang unklar",
            delivery.invitee,
            error,
        )


def settle_interrupted(state: State, command: str) -> list[Delivery]:
    """Turn rows left ``sending`` by a dead process into ``unknown``. Call only while holding
    ``exclusive(...)``: then no living process can be in the middle of sending them."""
    with state.transaction() as conn:
        rows = conn.execute("SELECT * FROM deliveries WHERE state = 'sending'").fetchall()
        for row in rows:
            conn.execute(
                "UPDATE deliveries SET state = 'unknown', error = ?, updated_at = ? WHERE id = ?",
                ("Vorgang wurde während des Sendens abgebrochen", now(), row["id"]),
            )
            State._audit(
                conn,
                command,
                f"{DELIVERY_KINDS.get(row['kind'], row['kind'])}: Ausgang unklar",
                row["invitee"],
                "Vorgang wurde während des Sendens abgebrochen",
            )
    return [_delivery(r) for r in rows]


def confirmation_floor(state: State) -> dict[str, int]:
    """Per invitee, the id of the latest answer that was not a Zusage: a confirmation whose
    round (= the Zusage's answer id) is above it confirms the current Zusage."""
    rows = state.conn.execute(
        "SELECT invitee, MAX(id) FROM answers WHERE answer != 'zusage' GROUP BY invitee"
    )
    return {r[0]: int(r[1]) for r in rows}


def printed_invitees(state: State, kind: str) -> set[str]:
    """Invitees whose letter (``invitation`` or ``reminder``) was in a print batch."""
    rows = state.conn.execute(
        "SELECT DISTINCT i.invitee FROM print_batch_items i "
        "JOIN print_batches b ON b.id = i.batch WHERE b.kind = ?",
        (kind,),
    )
    return {r[0] for r in rows}


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


def folder_position(state: State, folder: str) -> tuple[int, int] | None:
    """``(uidvalidity, last_uid)`` remembered for ``folder``."""
    row = state.conn.execute(
        "SELECT uidvalidity, last_uid FROM folder_sync WHERE folder = ?", (folder,)
    ).fetchone()
    return (int(row[0]), int(row[1])) if row else None


def save_folder_position(state: State, folder: str, uidvalidity: int, last_uid: int) -> None:
    with state.transaction() as conn:
        conn.execute(
            "INSERT INTO folder_sync (folder, uidvalidity, last_uid) VALUES (?, ?, ?) "
            "ON CONFLICT (folder) DO UPDATE SET uidvalidity = excluded.uidvalidity, "
            "last_uid = excluded.last_uid",
            (folder, uidvalidity, last_uid),
        )


def seen_message(
    state: State, content_hash: str, message_id: str = "", sender: str = ""
) -> sqlite3.Row | None:
    """The earlier record of this message: same bytes, or same Message-ID from the same sender
    (the same mail delivered twice with different trace headers)."""
    row = state.conn.execute(
        "SELECT * FROM inbox_messages WHERE content_hash = ?", (content_hash,)
    ).fetchone()
    if row is None and message_id:
        row = state.conn.execute(
            "SELECT * FROM inbox_messages WHERE message_id = ? AND sender = ? ORDER BY id LIMIT 1",
            (message_id, sender),
        ).fetchone()
    return row


def add_inbox_message(state: State, record: InboxRecord, command: str) -> int:
    """Store what was decided about one message (no body); returns its row id."""
    with state.transaction() as conn:
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
                now(),
                record.attachments,
                record.persons,
            ),
        )
        State._audit(
            conn,
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


def mark_moved(state: State, ids: Iterable[int], folder: str) -> None:
    ids = list(ids)
    if not ids:
        return
    with state.transaction() as conn:
        conn.executemany(
            "UPDATE inbox_messages SET moved_to = ? WHERE id = ?", [(folder, i) for i in ids]
        )


def message_answer(state: State, message: int) -> sqlite3.Row | None:
    """The answer recorded from inbox message ``message``, if any."""
    return state.conn.execute(
        "SELECT * FROM answers WHERE message = ? ORDER BY id DESC LIMIT 1", (message,)
    ).fetchone()


def current_answer(state: State, invitee: str) -> sqlite3.Row | None:
    return state.conn.execute(
        "SELECT * FROM answers WHERE invitee = ? ORDER BY id DESC LIMIT 1", (invitee,)
    ).fetchone()


def sent_message_ids(state: State) -> dict[str, str]:
    """Message-ID (without angle brackets) of everything the tool sent -> invitee Nr."""
    rows = state.conn.execute("SELECT message_id, invitee FROM deliveries")
    return {r[0].strip().strip("<>"): r[1] for r in rows}


def sent_message_recipients(state: State) -> dict[str, str]:
    """Message-ID (without angle brackets) of everything the tool sent -> recipient address."""
    rows = state.conn.execute("SELECT message_id, recipient FROM deliveries")
    return {r[0].strip().strip("<>"): (r[1] or "").strip().lower() for r in rows}


def message_invitees(state: State, message: int) -> set[str]:
    """Invitees with an answer recorded from inbox message ``message`` (one mail may carry
    the forms of several)."""
    rows = state.conn.execute("SELECT DISTINCT invitee FROM answers WHERE message = ?", (message,))
    return {r[0] for r in rows}


# Inbox kinds that wait for staff in the review folder.
REVIEW_KINDS = ("unclear", "unmatched", "rejected")


def open_review_invitees(state: State) -> set[str]:
    """Invitees named by a review item nobody has settled yet (no reminder until staff do)."""
    kinds = list(REVIEW_KINDS)
    marks = ", ".join("?" * len(kinds))
    rows = state.conn.execute(
        f"SELECT DISTINCT invitee FROM inbox_messages WHERE kind IN ({marks}) "
        "AND invitee IS NOT NULL AND resolved_at IS NULL",
        kinds,
    )
    return {r[0] for r in rows}


def inbox_messages(state: State, kinds: Iterable[str] = ()) -> list[sqlite3.Row]:
    """Processed messages, oldest first (optionally only some kinds), for review lists."""
    kinds = list(kinds)
    where = f"WHERE kind IN ({', '.join('?' * len(kinds))})" if kinds else ""
    return state.conn.execute(f"SELECT * FROM inbox_messages {where} ORDER BY id", kinds).fetchall()


# -- status workbook (status, record, purge) -------------------------------------------------


@dataclass(frozen=True)
class WorkbookSnapshot:
    """What the tool last wrote to one status workbook file."""

    path: str
    sha256: str
    cells: dict[str, list]
    written_at: str


def workbook_snapshot(state: State, path: str) -> WorkbookSnapshot | None:
    row = state.conn.execute("SELECT * FROM status_workbooks WHERE path = ?", (path,)).fetchone()
    if row is None:
        return None
    return WorkbookSnapshot(row["path"], row["sha256"], json.loads(row["cells"]), row["written_at"])


def save_workbook_snapshot(
    state: State, path: str, sha256: str, cells: dict[str, list], command: str, detail: str
) -> None:
    with state.transaction() as conn:
        conn.execute(
            "INSERT INTO status_workbooks (path, sha256, cells, written_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (path) DO UPDATE SET sha256 = excluded.sha256, cells = excluded.cells, "
            "written_at = excluded.written_at",
            (path, sha256, json.dumps(cells, ensure_ascii=False), now()),
        )
        State._audit(conn, command, "Rückmeldeliste geschrieben", None, detail)


def set_invitee_note(state: State, invitee: str, note: str, *, source: str, command: str) -> None:
    """A Bemerkung that is not part of an answer (typed into the workbook on an open row)."""
    with state.transaction() as conn:
        conn.execute(
            "INSERT INTO invitee_notes (invitee, note, source, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (invitee) DO UPDATE SET note = excluded.note, source = excluded.source, "
            "updated_at = excluded.updated_at",
            (invitee, note, source, now()),
        )
        State._audit(conn, command, "Bemerkung übernommen", invitee, f"über {source}")


def invitee_notes(state: State) -> dict[str, sqlite3.Row]:
    return {r["invitee"]: r for r in state.conn.execute("SELECT * FROM invitee_notes")}


PURGED_KEY = "purged_at"


def ensure_not_purged(state: State) -> None:
    """Steps that would bring personal data back after `invite purge` call this first."""
    row = state.conn.execute("SELECT value FROM meta WHERE key = ?", (PURGED_KEY,)).fetchone()
    if row is not None:
        day = dt.datetime.fromisoformat(row[0]).astimezone().strftime("%d.%m.%Y")
        raise InviteError(
            f"Die personenbezogenen Daten dieser Kampagne wurden am {day} gelöscht "
            "(„invite purge“). Es werden keine neuen Listen mehr erzeugt.",
            exit_code=2,
        )


# -- review queue (prüfen, status, poll) -----------------------------------------------------

# Messages poll set aside for staff; a bounce that names no invitee is one of them too.
REVIEW_KINDS = ("unclear", "unmatched", "rejected")


def open_reviews(state: State) -> list[sqlite3.Row]:
    """Messages nobody has decided yet, oldest first."""
    marks = ", ".join("?" * len(REVIEW_KINDS))
    return state.conn.execute(
        f"SELECT * FROM inbox_messages WHERE (kind IN ({marks}) "
        "OR (kind = 'bounce' AND invitee IS NULL)) AND resolved_at IS NULL "
        "ORDER BY processed_at, id",
        REVIEW_KINDS,
    ).fetchall()


def inbox_message(state: State, message: int) -> sqlite3.Row | None:
    return state.conn.execute("SELECT * FROM inbox_messages WHERE id = ?", (message,)).fetchone()


def assign_message(state: State, message: int, invitee: str, *, command: str) -> None:
    """Staff tie a set-aside message to an invitee. The „prüfen“ mark the message put on the
    invitee poll had named (if another) is lifted: it was never that person's answer."""
    with state.transaction() as conn:
        conn.execute(
            "DELETE FROM answers WHERE message = ? AND answer = 'pruefen' AND invitee != ?",
            (message, invitee),
        )
        conn.execute("UPDATE inbox_messages SET invitee = ? WHERE id = ?", (invitee, message))
        State._audit(
            conn, command, "Nachricht zugeordnet", invitee, f"Nachricht {message}, manuell"
        )


def resolve_review(
    state: State,
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
    with state.transaction() as conn:
        if decision == "keine":
            conn.execute("DELETE FROM answers WHERE message = ? AND answer = 'pruefen'", (message,))
        conn.execute(
            "INSERT INTO review_decisions (message, decision, invitee, persons, answer, source, "
            "decided_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (message, decision, invitee, persons, answer, source, now()),
        )
        conn.execute(
            "UPDATE inbox_messages SET resolved_at = ?, move_to = ? WHERE id = ?",
            (now(), move_to, message),
        )
        shown = {"keine": "keine Antwort"}.get(decision, decision)
        detail = f"Nachricht {message}: {shown}" + (f", {persons} Personen" if persons else "")
        State._audit(conn, command, "Prüfung entschieden", invitee, f"{detail} ({source})")


def pending_moves(state: State) -> list[sqlite3.Row]:
    return state.conn.execute(
        "SELECT * FROM inbox_messages WHERE move_to IS NOT NULL ORDER BY id"
    ).fetchall()


def mark_moved_done(state: State, message: int, folder: str, *, command: str, detail: str) -> None:
    with state.transaction() as conn:
        conn.execute(
            "UPDATE inbox_messages SET moved_to = ?, move_to = NULL WHERE id = ?", (folder, message)
        )
        State._audit(conn, command, "Nachricht verschoben", None, f"Nachricht {message}: {detail}")
