"""`invite send`: every invitee reached by email gets exactly one invitation.

The step syncs the contact list, renders what is missing, decides who is due (never anyone
already sent, never an unclear case without an explicit option), asks the caller to confirm,
and hands the batch to ``invite.mail.delivery``. The confirmations after a Zusage live here too:
they are the same kind of message, built from the confirmation template with the ``.ics``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from invite.campaign import Campaign
from invite.core.addresses import address_key
from invite.core.codes import format_code
from invite.core.contacts import Invitee
from invite.core.message import (
    Attachment,
    CalendarEntries,
    EncodedPart,
    MailMessage,
    Recipient,
    calendar_uid,
    compose,
    encode_attachment,
)
from invite.core.selection import select_only
from invite.errors import InviteError
from invite.mail.delivery import (
    RETRY_DELAYS,
    DeliveryResult,
    Outcome,
    Outgoing,
    Transport,
    deliver,
    preview,
    resolve_unknown,
    sending_batch,
    server_password,
)
from invite.store import (
    LedgerEntry,
    Store,
    all_invitees,
    confirmation_floor,
    deliveries,
    latest_answers,
    latest_deliveries,
    message_id_of,
    sent_recipients,
    settle_interrupted,
)
from invite.templates import template_context

AskPassword = Callable[[str], str]

# Attachment names; they carry the organisation and event so a downloads folder stays clear.
FILE_NAMES = {
    "de": {"letter": "Einladung {org}.pdf", "programme": "Programm {event}.pdf",
           "form": "Anmeldeformular {code}.pdf", "calendar": "{event}.ics"},
    "en": {"letter": "Invitation {org}.pdf", "programme": "Programme {event}.pdf",
           "form": "Registration form {code}.pdf", "calendar": "{event}.ics"},
}  # fmt: skip


@dataclass(frozen=True)
class SendOptions:
    dry_run: bool = False
    limit: int | None = None
    only: tuple[str, ...] = ()
    resend_unknown: bool = False


@dataclass
class SendPlan:
    """Who gets an email now, and who not and why (shown before confirming)."""

    to_send: list[Invitee] = field(default_factory=list)
    already_sent: list[Invitee] = field(default_factory=list)
    post_only: list[Invitee] = field(default_factory=list)
    unknown: list[Invitee] = field(default_factory=list)  # outcome unclear, not resent
    resolved: list[Invitee] = field(default_factory=list)  # unclear, but found in Sent
    # Ledger round per invitee in to_send: 1 at first, higher once an address was corrected.
    rounds: dict[str, int] = field(default_factory=dict)
    # In to_send because the address was corrected: (invitee, address already sent to).
    new_address: list[tuple[Invitee, str]] = field(default_factory=list)
    dry_run: bool = False


@dataclass
class SendResult:
    plan: SendPlan
    delivery: DeliveryResult
    cancelled: bool = False


# -- composing -----------------------------------------------------------------------------


def file_name(kind: str, invitee: Invitee, campaign: Campaign) -> str:
    names = FILE_NAMES["en" if invitee.language == "en" else "de"]
    settings = campaign.settings
    return names[kind].format(
        org=settings.sender.organisation,
        event=settings.event.short_title,
        code=format_code(invitee.code),
    )


def recipient_of(invitee: Invitee) -> Recipient:
    return Recipient(invitee.full_name or invitee.organisation, invitee.email)


def read_pdf(path_kind: str, invitee: Invitee, campaign: Campaign) -> bytes:
    path = campaign.paths.letter(invitee) if path_kind == "letter" else campaign.paths.form(invitee)
    what = "Einladungsschreiben" if path_kind == "letter" else "Anmeldeformular"
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InviteError(
            f"{what} für Nr. {invitee.number} fehlt oder ist nicht lesbar ({path}: "
            f"{exc.strerror}). Bitte „invite letters“ ausführen.",
            exit_code=2,
        ) from None


def calendar_entries(campaign: Campaign, stamp: dt.datetime) -> CalendarEntries:
    """The event's .ics for this batch (one library build, a UID per invitee)."""
    settings = campaign.settings
    return CalendarEntries(
        settings.event,
        stamp=stamp,
        organizer=Recipient(settings.mail.from_name, settings.mail.reply_to),
        description=settings.event.title,
    )


def calendar_attachment(
    campaign: Campaign, invitee: Invitee, entries: CalendarEntries
) -> Attachment:
    settings = campaign.settings
    uid = calendar_uid(invitee.code, settings.event, settings.mail.from_address)
    return Attachment(
        file_name("calendar", invitee, campaign), entries.for_uid(uid), "text/calendar"
    )


class InvitationComposer:
    """Builds invitations; the programme is read and encoded once for the whole batch."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self._programme: dict[str, EncodedPart] = {}
        self.calendar = calendar_entries(campaign, dt.datetime.now(dt.UTC))

    def programme(self, invitee: Invitee) -> EncodedPart:
        name = file_name("programme", invitee, self.campaign)
        if name not in self._programme:
            path = self.campaign.paths.programme
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise InviteError(
                    f"Programm fehlt ({path}: {exc.strerror}). Bitte „invite letters“ ausführen.",
                    exit_code=2,
                ) from None
            self._programme[name] = encode_attachment(Attachment(name, data))
        return self._programme[name]

    def __call__(self, invitee: Invitee, message_id: str, date: dt.datetime) -> MailMessage:
        campaign = self.campaign
        settings = campaign.settings
        rendered = campaign.templates.render_mail(
            "email", invitee.language, template_context(settings, invitee)
        )
        attachments: list[Attachment | EncodedPart] = [
            Attachment(
                file_name("letter", invitee, campaign), read_pdf("letter", invitee, campaign)
            ),
            self.programme(invitee),
            Attachment(file_name("form", invitee, campaign), read_pdf("form", invitee, campaign)),
            calendar_attachment(campaign, invitee, self.calendar),
        ]
        return compose(
            settings.mail,
            recipient_of(invitee),
            rendered,
            message_id=message_id,
            date=date,
            attachments=attachments,
            language=invitee.language,
        )


# -- the step ------------------------------------------------------------------------------


def make_transport(
    campaign: Campaign,
    ask_password: AskPassword | None,
    retry_delays: tuple[float, ...] = RETRY_DELAYS,
    imap_password: str | None = None,
) -> Transport:
    """Collect the passwords the batch needs, asking at most once each."""
    settings = campaign.settings
    smtp = settings.smtp
    imap = settings.imap
    if settings.mail.save_copy_to_sent and imap_password is None:
        imap_password = server_password("IMAP", imap, ask_password)
    return Transport(
        settings,
        smtp_password=server_password("SMTP", smtp, ask_password),
        imap_password=imap_password,
        retry_delays=retry_delays,
    )


def _same_address(a: str, b: str) -> bool:
    return address_key(a) == address_key(b)


def plan_invitations(state: Store, invitees: Sequence[Invitee], options: SendOptions) -> SendPlan:
    """Pure selection over the ledger: who is due, who is done, who is unclear.

    Done means an invitation went to the invitee's *current* address. When staff corrected
    the address after it was sent, the invitation goes out once more, as a new ledger round,
    to the new address only."""
    plan = SendPlan(dry_run=options.dry_run)
    ledger = latest_deliveries(state, "invitation")
    reached = sent_recipients(state, "invitation")
    for inv in select_only(invitees, options.only):
        if not inv.wants_email:
            plan.post_only.append(inv)
            continue
        row = ledger.get(inv.number)
        sent_to = reached.get(inv.number, [])
        if any(_same_address(address, inv.email) for address in sent_to):
            plan.already_sent.append(inv)
            continue
        if row is not None and row.state == "unknown" and not options.resend_unknown:
            plan.unknown.append(inv)
            continue
        plan.to_send.append(inv)
        if row is None:
            plan.rounds[inv.number] = 1
        elif row.state == "sent":  # sent, but to an address corrected since
            plan.rounds[inv.number] = row.round + 1
        else:  # queued, failed or (explicitly resent) unknown: the same round again
            plan.rounds[inv.number] = row.round
        if sent_to:
            plan.new_address.append((inv, sent_to[-1]))
    if options.limit is not None:
        plan.to_send = plan.to_send[: options.limit]
    due = {inv.number for inv in plan.to_send}
    plan.new_address = [(inv, old) for inv, old in plan.new_address if inv.number in due]
    return plan


def run_send(
    campaign: Campaign,
    options: SendOptions,
    *,
    confirm: Callable[[SendPlan], bool] = lambda plan: True,
    progress: Callable[[Outcome], None] | None = None,
    notice: Callable[[str], None] | None = None,
    ask_password: AskPassword | None = None,
    retry_delays: tuple[float, ...] = RETRY_DELAYS,
) -> SendResult:
    """The whole step under the data folder's lock; ``confirm`` sees the plan first."""
    from invite.paper.production import ensure_rendered  # reportlab only when needed

    with sending_batch(campaign, "send") as (state, invitees):
        plan = plan_invitations(state, invitees, options)
        if plan.to_send:
            ensure_rendered(campaign, state, plan.to_send)
        imap_password = None
        if not options.dry_run and campaign.settings.mail.save_copy_to_sent:
            unclear = _unclear(state, plan)
            if unclear:
                imap = campaign.settings.imap
                imap_password = server_password("IMAP", imap, ask_password)
                lookup = Transport(campaign.settings, None, imap_password)
                _resolve(state, plan, unclear, lookup, notice)
        if not plan.to_send or not confirm(plan):
            return SendResult(plan, DeliveryResult(), cancelled=bool(plan.to_send))
        composer = InvitationComposer(campaign)
        items = [
            Outgoing(inv, "invitation", plan.rounds[inv.number], composer) for inv in plan.to_send
        ]
        if options.dry_run:
            return SendResult(plan, preview(items, campaign.settings, campaign.paths.outbox))
        transport = make_transport(campaign, ask_password, retry_delays, imap_password)
        result = deliver(
            state,
            items,
            transport,
            command="send",
            include_unknown=options.resend_unknown,
            progress=progress,
            notice=notice,
        )
        return SendResult(plan, result)


def _unclear(state: Store, plan: SendPlan) -> list[LedgerEntry]:
    ledger = latest_deliveries(state, "invitation")
    rows = [ledger.get(inv.number) for inv in plan.unknown + plan.to_send]
    return [row for row in rows if row is not None and row.state == "unknown"]


def _resolve(
    state: Store,
    plan: SendPlan,
    unclear: list[LedgerEntry],
    transport: Transport,
    notice: Callable[[str], None] | None,
) -> None:
    """Settle unclear invitations from the Sent folder before anything is (re)sent."""
    found, _, warning = resolve_unknown(state, unclear, transport, "send")
    if warning and notice:
        notice(f"Der Ordner Gesendet konnte nicht geprüft werden: {warning}")
    done = {d.invitee for d in found}
    plan.resolved = [inv for inv in plan.unknown + plan.to_send if inv.number in done]
    plan.unknown = [inv for inv in plan.unknown if inv.number not in done]
    plan.to_send = [inv for inv in plan.to_send if inv.number not in done]
    plan.new_address = [(inv, old) for inv, old in plan.new_address if inv.number not in done]
    plan.already_sent += plan.resolved


# -- confirmations (called by poll) ---------------------------------------------------------


class ConfirmationComposer:
    """Anmeldebestätigung with the calendar entry, as a reply to the invitee's answer."""

    def __init__(self, campaign: Campaign, answers: dict[str, tuple[int | None, str | None]]):
        self.campaign = campaign
        self.answers = answers  # invitee -> (persons, Message-ID of the answer mail)
        self.calendar = calendar_entries(campaign, dt.datetime.now(dt.UTC))

    def __call__(self, invitee: Invitee, message_id: str, date: dt.datetime) -> MailMessage:
        campaign = self.campaign
        settings = campaign.settings
        persons, in_reply_to = self.answers.get(invitee.number, (None, None))
        rendered = campaign.templates.render_mail(
            "confirmation", invitee.language, template_context(settings, invitee, persons=persons)
        )
        return compose(
            settings.mail,
            recipient_of(invitee),
            rendered,
            message_id=message_id,
            date=date,
            attachments=[calendar_attachment(campaign, invitee, self.calendar)],
            in_reply_to=in_reply_to,
            language=invitee.language,
        )


def due_confirmations(state: Store) -> list[tuple[Invitee, int]]:
    """(invitee, ledger round) for each current Zusage that has no confirmation yet.

    The round is the answer's id: a later Zusage after an Absage is confirmed again, a
    repeated Zusage is not. Waiting-list Zusagen get no confirmation (they are not in)."""
    answers = latest_answers(state)
    floors = confirmation_floor(state)
    confirmations: dict[str, list[LedgerEntry]] = {}
    for row in deliveries(state, "confirmation"):
        confirmations.setdefault(row.invitee, []).append(row)
    due = []
    for inv in all_invitees(state):
        answer = answers.get(inv.number)
        if answer is None or answer.answer != "zusage" or answer.waiting_list:
            continue
        if not inv.email:
            continue
        floor = floors.get(inv.number, 0)
        current = [r for r in confirmations.get(inv.number, []) if r.round > floor]
        if any(r.state != "failed" and r.state != "queued" for r in current):
            continue  # sent, or unclear: never twice
        retry = [r.round for r in current]
        due.append((inv, retry[0] if retry else answer.id))
    return due


def send_confirmations(
    campaign: Campaign,
    state: Store,
    *,
    ask_password: AskPassword | None = None,
    progress: Callable[[Outcome], None] | None = None,
    command: str = "poll",
    retry_delays: tuple[float, ...] = (2.0, 10.0),
) -> DeliveryResult:
    """Send one Anmeldebestätigung per current Zusage not yet confirmed, if the settings ask
    for it. The caller holds ``exclusive(...)`` (poll does); nothing happens when none is due.
    Never raises for server problems: they come back as ``stopped`` (still due next time)."""
    if not campaign.settings.mail.send_confirmation:
        return DeliveryResult()
    settle_interrupted(state, command)
    due = due_confirmations(state)
    if not due:
        return DeliveryResult()
    answers = latest_answers(state)
    info: dict[str, tuple[int | None, str | None]] = {}
    for inv, _ in due:
        answer = answers[inv.number]
        mid = message_id_of(state, answer.message) if answer.message is not None else None
        info[inv.number] = (answer.persons, mid)
    composer = ConfirmationComposer(campaign, info)
    items = [Outgoing(inv, "confirmation", round_, composer) for inv, round_ in due]
    try:  # poll has already done its work: a mail server problem must not undo that
        transport = make_transport(campaign, ask_password, retry_delays)
        return deliver(state, items, transport, command=command, progress=progress)
    except InviteError as exc:
        return DeliveryResult(stopped=str(exc))
