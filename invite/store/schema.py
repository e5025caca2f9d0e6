"""The tables, their migrations, and which columns hold personal data — declared once, here.

``MIGRATIONS[i]`` upgrades a database from schema version ``i`` to ``i + 1`` (SQLite's
``user_version``). Never edit an entry that has shipped: append. ``PERSONAL_DATA`` names, per
table, every column that holds personal data and what it holds after ``invite purge``;
``PERSONAL_TABLES`` are tables whose rows are personal as a whole (deleted by purge);
``PERSONAL_TEXT`` are free-text columns that may quote personal data (scrubbed word by word).
The purge (store/purge.py) and its test derive everything from these three declarations: a new
personal column is added here, next to its table, and nowhere else.
"""

from __future__ import annotations

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

SCHEMA_VERSION = len(MIGRATIONS)

# Personal data per table: column -> the value it holds after `invite purge`.
PERSONAL_DATA: dict[str, dict[str, str | None]] = {
    "invitees": {
        "salutation": "",
        "title": "",
        "first_name": "",
        "last_name": "",
        "organisation": "",
        "street": "",
        "postcode": "",
        "city": "",
        "country": "",
        "email": "",
        "fingerprint": "gelöscht",  # a hash of the above
    },
    "deliveries": {"recipient": "", "error": None},  # SMTP errors quote the address
    "inbox_messages": {
        "sender": "",
        "subject": "",
        "evidence": "",
        "reason": "",
        "attachments": "",
        "message_id": None,
        "move_to": None,
    },
    "answers": {"participants": "", "note": ""},
}

# Tables whose every row is personal (notes typed by staff, workbook cells as written).
PERSONAL_TABLES: tuple[str, ...] = ("invitee_notes", "status_workbooks")

# Free text that may quote names and addresses: scrubbed of them, kept otherwise.
PERSONAL_TEXT: dict[str, tuple[str, ...]] = {"audit": ("detail",)}
