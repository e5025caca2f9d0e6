"""`invite send`: every invitee reached by email gets exactly one invitation.

The step syncs the contact list, renders what is missing, decides who is due (never anyone
already sent, never an unclear case without an explicit option), asks the caller to confirm,
and hands the batch to ``invite.mail.delivery``. The confirmations after a Zusage live here too:
they are the same kind of message, built from the confirmation template with the ``.ics``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from invite.campaign import Campaign
from invite.core.addresses import address_key
from invite.core.contacts import Invitee
from invite.core.selection import select_only
from invite.mail.delivery import (
    RETRY_DELAYS,
    DeliveryResult,
    Outgoing,
    SendOutcome,
    Transport,
    deliver,
    preview,
    resolve_unknown,
)
from invite.mail.outgoing import InvitationComposer
from invite.session import AskPassword, make_transport, sending_batch, server_password
from invite.store import (
    LedgerEntry,
    Store,
    latest_deliveries,
    sent_recipients,
)


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


# -- the step ------------------------------------------------------------------------------


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
    progress: Callable[[SendOutcome], None] | None = None,
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
