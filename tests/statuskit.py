"""A campaign in every state the status workbook must show, built straight in the database.

Sending and polling are tested against real servers elsewhere; here the ledger, print
batches and inbox rows they leave behind are written directly, with fixed timestamps, so the
workbook's contents can be checked exactly.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

from sendkit import copy_campaign

from invite.campaign import Campaign
from invite.store import Store, record_answer

REPO = Path(__file__).resolve().parent.parent
INJECTION = '=HYPERLINK("http://x","y")'

# Nr. -> what the workbook must say about it (the bundled example has 25 invitees).
EXPECTED_STATUS = {
    "1": "zugesagt",  # e-mail sent, form: Zusage for 2 with names
    "2": "abgesagt",  # e-mail and letter, Absage by reply
    "3": "offen",  # e-mail sent, no answer
    "4": "unzustellbar",  # bounced
    "5": "prüfen",  # the inbox read an answer it was unsure of
    "6": "offen",  # e-mail sent and reminded
    "7": "prüfen",  # an unclear message tied to this invitee waits for review
    "8": "nicht versendet",  # the server refused the e-mail
    "9": "offen",  # post only, letter printed
    "10": "prüfen",  # sending was interrupted: fate unknown
    "11": "zugesagt",  # answered by phone (invite record)
    "12": "nicht versendet",  # post only, not printed yet
}

SENT = "2019-01-11T08:15:00+00:00"  # 09:15 in Münster
PRINTED = "2019-01-11T10:00:00+00:00"
REMINDED = "2019-01-22T07:30:00+00:00"
ANSWERED = "2019-01-14T16:45:00+00:00"


def make_campaign(tmp_path: Path, contacts: Path | None = None, **settings: object) -> Campaign:
    """The bundled campaign with the bundled 25 example invitees, data in ``tmp_path``;
    keyword arguments change ``key = value`` lines of campaign.toml (e.g. ``capacity=3``)."""
    target = tmp_path / "contacts.xlsx"
    shutil.copyfile(contacts or REPO / "contacts.xlsx.example", target)
    campaign_dir = REPO / "letters"
    if settings:
        campaign_dir = copy_campaign(tmp_path / "kampagne", **settings)
    return Campaign.open(campaign_dir, target, tmp_path / "data")


def delivery(
    conn: sqlite3.Connection,
    number: str,
    state: str,
    *,
    kind: str = "invitation",
    sent_at: str | None = SENT,
    error: str | None = None,
) -> None:
    conn.execute(
        "INSERT INTO deliveries (invitee, kind, round, state, message_id, recipient, attempts, "
        "error, created_at, updated_at, sent_at) VALUES (?, ?, 1, ?, ?, ?, 1, ?, ?, ?, ?)",
        (
            number,
            kind,
            state,
            f"<invite.{kind}.{number}@stadt-muenster.de>",
            f"gast{number}@example.org",
            error,
            SENT,
            SENT,
            sent_at if state == "sent" else None,
        ),
    )


def printed(conn: sqlite3.Connection, numbers: list[str], kind: str = "invitation") -> None:
    cur = conn.execute(
        "INSERT INTO print_batches (kind, file, created_at) VALUES (?, ?, ?)",
        (kind, "druck/Druckstapel.pdf", PRINTED),
    )
    for number in numbers:
        conn.execute(
            "INSERT INTO print_batch_items (batch, invitee) VALUES (?, ?)", (cur.lastrowid, number)
        )


def message(
    conn: sqlite3.Connection,
    kind: str,
    *,
    sender: str,
    subject: str,
    reason: str,
    invitee: str | None = None,
    resolved: bool = False,
    processed_at: str = "2019-01-15T09:00:00+00:00",
) -> int:
    cur = conn.execute(
        "INSERT INTO inbox_messages (content_hash, message_id, folder, sender, subject, kind, "
        "invitee, reason, received_at, resolved_at, processed_at, moved_to) "
        "VALUES (?, ?, 'INBOX', ?, ?, ?, ?, ?, ?, ?, ?, 'Anmeldungen/prüfen')",
        (
            hashlib.sha256(f"{subject}|{sender}|{kind}".encode()).hexdigest(),
            f"<m.{kind}.{sender}>",
            sender,
            subject,
            kind,
            invitee,
            reason,
            processed_at,
            processed_at if resolved else None,
            processed_at,
        ),
    )
    return cur.lastrowid or 0


def seed(campaign: Campaign) -> None:
    """Sync the contacts and write the facts behind EXPECTED_STATUS."""
    with campaign.open_state() as state:
        campaign.sync(state, "test")
        with state.transaction() as conn:
            for number in ("1", "2", "3", "4", "5", "6", "7", "11"):
                delivery(conn, number, "sent")
            delivery(conn, "6", "sent", kind="reminder", sent_at=REMINDED)
            delivery(conn, "8", "failed", error="550 5.1.1 Mailbox unbekannt")
            delivery(conn, "10", "unknown", error="Verbindung abgebrochen")
            printed(conn, ["2", "9"])
            message(
                conn,
                "unmatched",
                sender="fremd@example.net",
                subject=INJECTION,
                reason="Kein Code und unbekannter Absender",
            )
            message(
                conn,
                "unclear",
                sender="d.papadopoulos@gg-muenster.example",
                subject="Re: Einladung – vielleicht?",
                reason="Antwort nicht eindeutig: „vielleicht komme ich“",
                invitee="7",
            )
            message(
                conn,
                "rejected",
                sender="spam@example.com",
                subject="Gewinnspiel\x07",
                reason="Nachricht zu groß",
            )
            message(
                conn,
                "bounce",
                sender="MAILER-DAEMON@example.org",
                subject="Undelivered Mail Returned to Sender",
                reason="Rückläufer für eine unbekannte Adresse",
            )
            message(
                conn,
                "bounce",
                sender="MAILER-DAEMON@gg-muenster.example",
                subject="Unzustellbar: Einladung",
                reason="Rückläufer",
                invitee="4",
            )
            message(
                conn,
                "unclear",
                sender="alt@example.org",
                subject="schon erledigt",
                reason="erledigt",
                resolved=True,
            )
        _answer(
            state, "1", "zusage", "formular", persons=2, participants="Ayşe Yılmaz, Murat Yılmaz"
        )
        _answer(state, "2", "absage", "antwort")
        _answer(state, "4", "unzustellbar", "absender", note="550 user unknown")
        _answer(state, "5", "pruefen", "code", note="„Wir kommen vielleicht zu dritt“")
        record_answer(
            state,
            "11",
            "zusage",
            source="manuell",
            command="record",
            persons=1,
            note=INJECTION,
            capacity=campaign.settings.event.capacity,
        )


def _answer(state: Store, number: str, answer: str, source: str, **kwargs: object) -> None:
    record_answer(state, number, answer, source=source, command="poll", **kwargs)  # type: ignore[arg-type]
    state.conn.execute(
        "UPDATE answers SET created_at = ? WHERE id = (SELECT MAX(id) FROM answers)", (ANSWERED,)
    )
