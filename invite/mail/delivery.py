"""Deliver a batch of composed messages exactly once, with the ledger as the memory.

Shared by ``send`` (invitations), ``remind`` (reminders) and the confirmations after ``poll``:
each step decides *who* gets *what*; this module decides nothing about content. For every
message the ledger row is committed as ``sending`` before the SMTP transaction and as
``sent``/``failed`` after it, so a crash at any moment leaves a truthful record.
"""

from __future__ import annotations

import datetime as dt
import mailbox
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from invite.core.contacts import Invitee
from invite.core.message import MailMessage, envelope_address, new_message_id
from invite.core.plurals import count
from invite.errors import InviteError
from invite.files import create_exclusive, real_folder
from invite.mail.sent_folder import SentFolder
from invite.mail.smtp import (
    OutcomeUnknown,
    PermanentFailure,
    ServerSilent,
    SmtpConnection,
    TemporaryFailure,
    server_name,
)
from invite.settings import Settings
from invite.store import (
    LedgerEntry,
    QueueItem,
    Store,
    mark_failed,
    mark_requeued,
    mark_sending,
    mark_sent,
    mark_unknown,
    queue_deliveries,
)

# Waits before the 2nd, 3rd and 4th try of a message the server refused for now (4xx).
RETRY_DELAYS: tuple[float, ...] = (5.0, 30.0, 120.0)

Compose = Callable[[Invitee, str, dt.datetime], MailMessage]


@dataclass(frozen=True)
class Outgoing:
    """One message to deliver: to whom, which ledger slot, and how to build it."""

    invitee: Invitee
    kind: str
    round: int
    compose: Compose


@dataclass(frozen=True)
class SendOutcome:
    invitee: Invitee
    status: str  # sent | failed | unknown | preview
    detail: str = ""


@dataclass
class DeliveryResult:
    sent: list[Invitee] = field(default_factory=list)
    failed: list[tuple[Invitee, str]] = field(default_factory=list)
    unknown: list[tuple[Invitee, str]] = field(default_factory=list)
    previewed: list[Invitee] = field(default_factory=list)
    outbox: Path | None = None
    stopped: str | None = None  # why the batch ended early (server unreachable …)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Transport:
    """How to reach the servers for one batch (passwords stay in memory only)."""

    settings: Settings
    smtp_password: str | None
    imap_password: str | None = None
    retry_delays: tuple[float, ...] = RETRY_DELAYS

    @property
    def saves_copies(self) -> bool:
        return self.settings.mail.save_copy_to_sent

    def sent_folder(self) -> SentFolder:
        return SentFolder(self.settings.imap, self.settings.mail.sent_folder, self.imap_password)


def local_now(settings: Settings) -> dt.datetime:
    return dt.datetime.now(ZoneInfo(settings.event.timezone))


# -- dry run -------------------------------------------------------------------------------


def preview(items: Sequence[Outgoing], settings: Settings, outbox: Path) -> DeliveryResult:
    """Write every message as it would be sent into a Maildir (``.eml`` files); send nothing.

    The previous preview is cleared first, so the folder shows exactly this run."""
    result = DeliveryResult(outbox=outbox)
    real_folder(outbox)
    for sub in ("new", "cur", "tmp"):  # Maildir(create=True) leaves an existing folder bare
        real_folder(outbox / sub)  # a planted link is removed, never written through
    box = mailbox.Maildir(outbox, create=True)
    for sub in ("new", "cur", "tmp"):
        for old in (outbox / sub).iterdir():
            if old.is_file() or old.is_symlink():
                old.unlink()
    for item in items:
        message_id = new_message_id(item.kind, settings.mail.from_address)
        try:
            msg = item.compose(item.invitee, message_id, local_now(settings))
        except (InviteError, OSError) as exc:
            result.failed.append((item.invitee, str(exc)))
            continue
        name = f"{int(item.invitee.number):04d}-{item.kind}.eml"
        tmp = outbox / "tmp" / name
        create_exclusive(tmp, msg.data.replace(b"\r\n", b"\n"))  # the folder was emptied
        os.replace(tmp, outbox / "new" / name)
        result.previewed.append(item.invitee)
    box.close()
    return result


# -- real delivery -------------------------------------------------------------------------


class _Pacer:
    """At most ``rate`` messages per minute (0 = no limit)."""

    def __init__(self, rate_per_minute: float) -> None:
        self.interval = 60.0 / rate_per_minute if rate_per_minute > 0 else 0.0
        self.next_at = 0.0

    def wait(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        if now < self.next_at:
            time.sleep(self.next_at - now)
        self.next_at = max(now, self.next_at) + self.interval


@dataclass
class _Pending:
    item: Outgoing
    delivery: LedgerEntry
    data: bytes | None = None
    last_error: str = ""


def deliver(
    state: Store,
    items: Sequence[Outgoing],
    transport: Transport,
    *,
    command: str,
    include_unknown: bool = False,
    progress: Callable[[SendOutcome], None] | None = None,
    notice: Callable[[str], None] | None = None,
) -> DeliveryResult:
    """Send each item once over one SMTP connection; see the module docstring."""
    settings = transport.settings
    result = DeliveryResult()
    if not items:
        return result
    by_number = {item.invitee.number: item for item in items}
    rows = queue_deliveries(
        state,
        [
            QueueItem(
                item.invitee.number,
                item.kind,
                item.round,
                item.invitee.email,
                new_message_id(item.kind, settings.mail.from_address),
            )
            for item in items
        ],
        include_unknown=include_unknown,
    )
    pending = [_Pending(by_number[row.invitee], row) for row in rows if row.state == "queued"]
    report = progress or (lambda outcome: None)
    say = notice or (lambda text: None)

    connection = SmtpConnection(settings.smtp, transport.smtp_password)
    copies: SentFolder | None = transport.sent_folder() if transport.saves_copies else None
    pacer = _Pacer(settings.mail.rate_per_minute)
    sender, _ = envelope_address(settings.mail.from_address)
    connection.open()  # server problems surface as an error before anything is marked
    try:
        delays = list(transport.retry_delays)
        while pending:
            retry: list[_Pending] = []
            for entry in pending:
                outcome = _deliver_one(
                    state, settings, entry, connection, copies, pacer, sender, command, result
                )
                if result.stopped:
                    return result
                if outcome is None:
                    retry.append(entry)
                else:
                    report(outcome)
            pending = retry
            if pending and not delays:
                for entry in pending:
                    text = (
                        f"Vorübergehend abgelehnt, mehrere Versuche erfolglos: {entry.last_error}"
                    )
                    mark_failed(state, entry.delivery, text, command)
                    result.failed.append((entry.item.invitee, text))
                    report(SendOutcome(entry.item.invitee, "failed", text))
                pending = []
            elif pending:
                delay = delays.pop(0)
                say(
                    f"{count(len(pending), 'Nachricht', 'Nachrichten')} vom Server "
                    f"vorübergehend abgelehnt – "
                    f"neuer Versuch in {delay:g} s."
                )
                time.sleep(delay)
    except InviteError as exc:  # the server became unreachable: stop, keep the rest queued
        result.stopped = str(exc)
    finally:
        connection.close()
        if copies is not None:
            copies.close()
    return result


def _deliver_one(
    state: Store,
    settings: Settings,
    entry: _Pending,
    connection: SmtpConnection,
    copies: SentFolder | None,
    pacer: _Pacer,
    sender: str,
    command: str,
    result: DeliveryResult,
) -> SendOutcome | None:
    """One message through the ledger; ``None`` means "retry later"."""
    item, delivery = entry.item, entry.delivery
    invitee = item.invitee
    if entry.data is None:
        try:
            msg = item.compose(invitee, delivery.message_id, local_now(settings))
            entry.data = msg.data
        except (InviteError, OSError) as exc:
            mark_failed(state, delivery, str(exc), command)
            result.failed.append((invitee, str(exc)))
            return SendOutcome(invitee, "failed", str(exc))
    recipient, needs_utf8 = envelope_address(delivery.recipient)
    pacer.wait()
    mark_sending(state, delivery.id)
    try:
        connection.send(sender, recipient, entry.data, smtputf8=needs_utf8)
    except TemporaryFailure as exc:
        entry.last_error = str(exc)
        mark_requeued(state, delivery.id, str(exc))
        return None
    except PermanentFailure as exc:
        mark_failed(state, delivery, str(exc), command)
        result.failed.append((invitee, str(exc)))
        return SendOutcome(invitee, "failed", str(exc))
    except OutcomeUnknown as exc:
        mark_unknown(state, delivery, str(exc), command)
        result.unknown.append((invitee, str(exc)))
        if isinstance(exc, ServerSilent):  # the rest stays queued for a later run
            smtp = settings.smtp
            result.stopped = (
                f"Der Mailserver {server_name(smtp)} antwortet nicht mehr "
                f"(Zeitüberschreitung nach {smtp.timeout:g} s)."
            )
        return SendOutcome(invitee, "unknown", str(exc))
    except InviteError as exc:  # could not (re)connect: the message never left
        mark_requeued(state, delivery.id, str(exc))
        result.stopped = str(exc)
        return None
    if copies is not None:
        # Before the ledger says "sent": after a crash here the copy proves the message left.
        try:
            copies.append(entry.data)
        except InviteError as exc:
            if not result.warnings:
                result.warnings.append(str(exc))
    mark_sent(state, delivery, command)
    result.sent.append(invitee)
    return SendOutcome(invitee, "sent")


def resolve_unknown(
    state: Store, unknown: Sequence[LedgerEntry], transport: Transport, command: str
) -> tuple[list[LedgerEntry], list[LedgerEntry], str | None]:
    """Look for unknown deliveries' Message-IDs in the Sent folder: found means sent.

    Returns (found, still unknown, warning). Without the Sent folder setting nothing is found."""
    if not unknown or not transport.saves_copies:
        return [], list(unknown), None
    found: list[LedgerEntry] = []
    rest: list[LedgerEntry] = []
    try:
        with transport.sent_folder() as folder:
            for delivery in unknown:
                if folder.contains(delivery.message_id):
                    mark_sent(state, delivery, command, "im Ordner Gesendet gefunden")
                    found.append(delivery)
                else:
                    rest.append(delivery)
    except InviteError as exc:
        done = {d.id for d in found}
        return found, [d for d in unknown if d.id not in done], str(exc)
    return found, rest, None
