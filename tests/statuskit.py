"""A campaign in every state the status workbook must show, built straight in the database.

Sending and polling are tested against real servers elsewhere; here the ledger, print
batches and inbox rows they leave behind are written through the store's API with a fixed
clock, so the workbook's contents can be checked exactly.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from sendkit import copy_campaign

from invite.campaign import Campaign
from invite.store import (
    InboxRecord,
    QueueItem,
    Store,
    add_inbox_message,
    add_print_batch,
    mark_failed,
    mark_moved,
    mark_sending,
    mark_sent,
    mark_unknown,
    now,
    queue_deliveries,
    record_answer,
    resolve_review,
)

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
REVIEW_FOLDER = "Anmeldungen/prüfen"


def make_campaign(tmp_path: Path, contacts: Path | None = None, **settings: object) -> Campaign:
    """The bundled campaign with the bundled 25 example invitees, data in ``tmp_path``;
    keyword arguments change ``key = value`` lines of campaign.toml (e.g. ``capacity=3``)."""
    target = tmp_path / "contacts.xlsx"
    shutil.copyfile(contacts or REPO / "contacts.xlsx.example", target)
    campaign_dir = REPO / "invite" / "bundled"
    if settings:
        campaign_dir = copy_campaign(tmp_path / "kampagne", **settings)
    return Campaign.open(campaign_dir, target, tmp_path / "data")


def delivery(
    state: Store,
    number: str,
    outcome: str,
    *,
    kind: str = "invitation",
    sent_at: str = SENT,
    error: str = "",
) -> None:
    """One ledger row as send leaves it: ``sent``, ``failed`` or ``unknown`` (one attempt)."""
    state.clock = lambda: sent_at
    (row,) = queue_deliveries(
        state,
        [
            QueueItem(
                number,
                kind,
                1,
                f"gast{number}@example.org",
                f"<invite.{kind}.{number}@stadt-muenster.de>",
            )
        ],
    )
    mark_sending(state, row.id)
    {"sent": lambda: mark_sent(state, row, "send"),
     "failed": lambda: mark_failed(state, row, error, "send"),
     "unknown": lambda: mark_unknown(state, row, error, "send")}[outcome]()  # fmt: skip


def printed(state: Store, numbers: list[str], kind: str = "invitation") -> None:
    state.clock = lambda: PRINTED
    add_print_batch(
        state,
        kind,
        "druck/Druckstapel.pdf",
        numbers,
        command="letters",
        action="Druckstapel erstellt",
        detail=f"Druckstapel.pdf, {len(numbers)} Briefe",
    )


def message(
    state: Store,
    kind: str,
    *,
    sender: str,
    subject: str,
    reason: str,
    invitee: str | None = None,
    resolved: bool = False,
    processed_at: str = "2019-01-15T09:00:00+00:00",
) -> int:
    """An inbox message as poll leaves it in the review folder (and staff's decision on it)."""
    state.clock = lambda: processed_at
    digest = hashlib.sha256(f"{subject}|{sender}|{kind}".encode()).hexdigest()
    record = InboxRecord(
        content_hash=digest,
        message_id=f"<{digest[:6]}@x>",  # short: the history sheet stays as narrow as it was
        folder="INBOX",
        uidvalidity=1,
        uid=1,
        sender=sender,
        subject=subject,
        kind=kind,
        invitee=invitee,
        evidence="",
        reason=reason,
        received_at=processed_at,
    )
    message_id = add_inbox_message(state, record, "poll")
    mark_moved(state, [message_id], REVIEW_FOLDER)
    if resolved:
        resolve_review(
            state,
            message_id,
            "keine",
            invitee=invitee,
            persons=None,
            answer=None,
            source="manuell",
            command="pruefen",
            move_to=REVIEW_FOLDER,
        )
    return message_id


def seed(campaign: Campaign) -> None:
    """Sync the contacts and write the facts behind EXPECTED_STATUS."""
    with campaign.open_state() as state:
        campaign.sync(state, "test")
        for number in ("1", "2", "3", "4", "5", "6", "7", "11"):
            delivery(state, number, "sent")
        delivery(state, "6", "sent", kind="reminder", sent_at=REMINDED)
        delivery(state, "8", "failed", error="550 5.1.1 Mailbox unbekannt")
        delivery(state, "10", "unknown", error="Verbindung abgebrochen")
        printed(state, ["2", "9"])
        message(
            state,
            "unmatched",
            sender="fremd@example.net",
            subject=INJECTION,
            reason="Kein Code und unbekannter Absender",
        )
        message(
            state,
            "unclear",
            sender="d.papadopoulos@gg-muenster.example",
            subject="Re: Einladung – vielleicht?",
            reason="Antwort nicht eindeutig: „vielleicht komme ich“",
            invitee="7",
        )
        message(
            state,
            "rejected",
            sender="spam@example.com",
            subject="Gewinnspiel\x07",
            reason="Nachricht zu groß",
        )
        message(
            state,
            "bounce",
            sender="MAILER-DAEMON@example.org",
            subject="Undelivered Mail Returned to Sender",
            reason="Rückläufer für eine unbekannte Adresse",
        )
        message(
            state,
            "bounce",
            sender="MAILER-DAEMON@gg-muenster.example",
            subject="Unzustellbar: Einladung",
            reason="Rückläufer",
            invitee="4",
        )
        message(
            state,
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
        state.clock = now  # answered by phone just now
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
    state.clock = lambda: ANSWERED
    record_answer(state, number, answer, source=source, command="poll", **kwargs)  # type: ignore[arg-type]
