"""`invite remind`: one reminder, with the form attached again, to everyone still open.

Open means: invited by email (the invitation is ``sent`` in the ledger), no answer of any kind
recorded (a bounce is an answer: ``unzustellbar``), and not reminded yet — unless ``--again``
starts another round. Reminders use the same exactly-once ledger as invitations
(kind ``reminder``, one row per invitee and round).

Invitees reached only by post (their invitation letter was in a print batch) get a reminder
letter instead: one print batch per run, recorded like the invitation batch, so a re-run does
not print a second letter for the same person (again: unless ``--again``). Invitees with
channel „beides“ are reminded by email only — unless their invitation email was never sent
(refused address, …): then their printed letter was the invitation, and a letter reminds them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from invite.campaign import Campaign
from invite.core.contacts import Invitee
from invite.core.rsvp import status_rows
from invite.errors import EXIT_USAGE, InviteError
from invite.facts import load_facts
from invite.mail.delivery import (
    RETRY_DELAYS,
    DeliveryResult,
    Outgoing,
    SendOutcome,
    deliver,
    preview,
)
from invite.mail.outgoing import ReminderComposer
from invite.session import AskPassword, make_transport, sending_batch
from invite.settings import Settings
from invite.store import (
    Store,
    latest_deliveries,
    printed_invitees,
)

UTC = ZoneInfo("UTC")  # the plan compares times only with each other


@dataclass(frozen=True)
class RemindOptions:
    dry_run: bool = False
    force: bool = False
    again: bool = False
    resend_unknown: bool = False
    simplex: bool = False  # reminder letters for a printer without duplex


@dataclass
class RemindPlan:
    to_send: list[Invitee] = field(default_factory=list)
    rounds: dict[str, int] = field(default_factory=dict)
    already_reminded: list[Invitee] = field(default_factory=list)
    answered: list[Invitee] = field(default_factory=list)
    not_invited: list[Invitee] = field(default_factory=list)
    unknown: list[Invitee] = field(default_factory=list)
    post_open: list[Invitee] = field(default_factory=list)  # get a printed reminder letter
    in_review: list[Invitee] = field(default_factory=list)  # a message of theirs awaits staff
    dry_run: bool = False


@dataclass
class RemindResult:
    plan: RemindPlan
    delivery: DeliveryResult
    cancelled: bool = False
    letters: Path | None = None  # the print batch of reminder letters, when one was made


def check_deadline(settings: Settings, today: dt.date, force: bool) -> None:
    """After the RSVP deadline a reminder asks for something no longer possible."""
    deadline = settings.event.rsvp_deadline
    if today > deadline and not force:
        raise InviteError(
            f"Die Anmeldefrist ist am {deadline:%d.%m.%Y} abgelaufen; eine Erinnerung bittet "
            "jetzt um etwas, das nicht mehr geht. Wer trotzdem erinnern will: --force.",
            exit_code=EXIT_USAGE,
        )


def plan_reminders(state: Store, invitees: Sequence[Invitee], options: RemindOptions) -> RemindPlan:
    """Who is open and due a reminder (and in which round), and who is not and why.

    Answered or not, and messages waiting for staff, are read from the same status rows the
    workbook shows (``core.rsvp``: a bounce superseded by a re-invitation is no answer), so
    „offen“ there are the people reminded here; the ledger decides channel and round."""
    plan = RemindPlan(dry_run=options.dry_run)
    rows = {row.number: row for row in status_rows(load_facts(state, UTC))}
    invitations = latest_deliveries(state, "invitation")
    reminders = latest_deliveries(state, "reminder")
    printed = printed_invitees(state, "invitation")
    reminder_letters = printed_invitees(state, "reminder")
    for inv in invitees:
        invitation = invitations.get(inv.number)
        row = rows.get(inv.number)
        if row is not None and row.answer:
            plan.answered.append(inv)
            continue
        if row is not None and row.reviews:  # their answer may be in it: staff decide first
            plan.in_review.append(inv)
            continue
        emailed = inv.wants_email and invitation is not None and invitation.state == "sent"
        if not emailed:
            # By post only, or „beides“ whose email failed: the printed letter invited them,
            # so a reminder letter reminds them.
            if inv.number not in printed:
                plan.not_invited.append(inv)
            elif inv.number in reminder_letters and not options.again:
                plan.already_reminded.append(inv)
            else:
                plan.post_open.append(inv)
            continue
        last = reminders.get(inv.number)
        if last is None:
            plan.to_send.append(inv)
            plan.rounds[inv.number] = 1
        elif last.state == "sent":
            if options.again:
                plan.to_send.append(inv)
                plan.rounds[inv.number] = last.round + 1
            else:
                plan.already_reminded.append(inv)
        elif last.state == "unknown" and not options.resend_unknown:
            plan.unknown.append(inv)
        else:  # queued or failed earlier (or unknown, explicitly resent): same round again
            plan.to_send.append(inv)
            plan.rounds[inv.number] = last.round
    return plan


def run_remind(
    campaign: Campaign,
    options: RemindOptions,
    *,
    confirm: Callable[[RemindPlan], bool] = lambda plan: True,
    progress: Callable[[SendOutcome], None] | None = None,
    notice: Callable[[str], None] | None = None,
    ask_password: AskPassword | None = None,
    today: dt.date | None = None,
    retry_delays: tuple[float, ...] = RETRY_DELAYS,
) -> RemindResult:
    """The whole step under the data folder's lock; ``confirm`` sees the plan first (when
    emails are due). Reminder letters are printed before the emails go out, so a mail server
    problem cannot lose them; a dry run writes no letters."""
    from invite.paper.production import (  # reportlab: loaded only when PDFs are needed
        ensure_rendered,
        make_reminder_batch,
    )

    today = today or dt.date.today()
    check_deadline(campaign.settings, today, options.force)
    with sending_batch(campaign, "remind") as (state, invitees):
        plan = plan_reminders(state, invitees, options)
        if plan.to_send:
            ensure_rendered(campaign, state, plan.to_send)
            if not confirm(plan):
                return RemindResult(plan, DeliveryResult(), cancelled=True)
        letters = None
        if plan.post_open and not options.dry_run:
            letters = make_reminder_batch(
                campaign, state, plan.post_open, today, duplex=not options.simplex
            )
        if not plan.to_send:
            return RemindResult(plan, DeliveryResult(), letters=letters)
        composer = ReminderComposer(campaign)
        items = [
            Outgoing(inv, "reminder", plan.rounds[inv.number], composer) for inv in plan.to_send
        ]
        if options.dry_run:
            return RemindResult(plan, preview(items, campaign.settings, campaign.paths.outbox))
        transport = make_transport(campaign, ask_password, retry_delays)
        result = deliver(
            state,
            items,
            transport,
            command="remind",
            include_unknown=options.resend_unknown,
            progress=progress,
            notice=notice,
        )
        return RemindResult(plan, result, letters=letters)
