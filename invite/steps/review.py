"""`invite prüfen`: settle the messages `invite poll` set aside, one key each, in the terminal
(or list them with ``--liste``).

The rules — reading a key or words, what to ask, the choice for one item, storing it, the IMAP
move it owes — are ``invite.reviewing``, shared with `poll` (owed moves) and `status`
(decisions typed into the workbook). This step is the thin terminal loop; its keys come from
any reader (one key or a line).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from invite.campaign import Campaign
from invite.core.plurals import count
from invite.errors import InviteError
from invite.reviewing import (
    COMMAND,
    MENU,
    Candidate,
    ReviewItem,
    candidate,
    decide,
    item_lines,
    load_item,
    load_queue,
    move_pending,
    parse_decision,
    question,
    settle,
)
from invite.store import Store, ensure_not_purged, pending_moves

if TYPE_CHECKING:  # types only: imapclient loads when the mailbox is opened
    from invite.mail.imap import Mailbox


@dataclass
class ReviewSummary:
    decided: int = 0
    skipped: int = 0
    left: int = 0
    moved: int = 0


def run_review(
    campaign: Campaign,
    *,
    read_key: Callable[[], str],
    ask: Callable[[str, str], str],
    say: Callable[[str], None],
    connect: Callable[[], Mailbox] | None,
) -> ReviewSummary:
    """Walk through the open items oldest first; one key settles each. ``read_key`` returns
    one key (a TTY) or a whole line (any console); ``ask(prompt, default)`` reads a line;
    ``connect`` opens the mailbox for the moves (None: moves stay owed to the next poll)."""
    zone = ZoneInfo(campaign.settings.event.timezone)
    summary = ReviewSummary()
    mover = _Mover(campaign, connect, say)
    with campaign.open_state() as state, mover:
        ensure_not_purged(state)
        campaign.sync(state, COMMAND)
        summary.moved += mover.run(state)
        items = load_queue(state, zone)
        if not items:
            say("Keine offenen Nachrichten zu prüfen.")
            return summary
        say(f"{count(len(items), 'Nachricht', 'Nachrichten')} zu prüfen, die älteste zuerst.")
        for index, item in enumerate(items, start=1):
            outcome = _one(campaign, state, item, index, len(items), read_key, ask, say, zone)
            if outcome == "ende":
                summary.left = len(items) - index + 1
                break
            if outcome == "weiter":
                summary.skipped += 1
                continue
            summary.decided += 1
            summary.moved += mover.run(state)
    return summary


def _one(
    campaign: Campaign,
    state: Store,
    item: ReviewItem,
    index: int,
    total: int,
    read_key: Callable[[], str],
    ask: Callable[[str, str], str],
    say: Callable[[str], None],
    zone: ZoneInfo,
) -> str:
    def lookup(who: str) -> Candidate | None:
        return candidate(state, who)

    while True:
        say("")
        for line in item_lines(item, index, total):
            say(line)
        say(MENU)
        typed = read_key()
        if typed == "":  # end of input (no more keys): stop like „beenden“
            return "ende"
        try:
            parsed = parse_decision(typed, keys=True)
        except ValueError as exc:
            say(f"Unbekannte Eingabe {exc}. Bitte eine der Tasten in [ ] drücken.")
            continue
        asked = question(item, parsed)
        follow_up = ask(*asked) if asked else ""
        choice = decide(item, parsed, follow_up, lookup=lookup)
        if choice.error:
            say(choice.error)
            continue
        if choice.action in ("weiter", "ende"):
            return choice.action
        try:
            settled = settle(campaign, state, item, choice)
        except InviteError as exc:
            say(str(exc))
            continue
        for line in settled.lines:
            say(line)
        if not settled.resolved:
            item = load_item(state, item.id, zone)
            continue
        return choice.action


class _Mover:
    """Moves owed mails on the server; the first failure is told once, then nothing is tried
    again in this session (the moves stay owed to the next poll or prüfen)."""

    def __init__(
        self, campaign: Campaign, connect: Callable[[], Mailbox] | None, say: Callable[[str], None]
    ) -> None:
        self.campaign = campaign
        self.connect = connect
        self.say = say
        self.mailbox: Mailbox | None = None
        self.failed = connect is None

    def run(self, state: Store) -> int:
        if self.failed or not pending_moves(state):
            return 0
        try:
            if self.mailbox is None:
                assert self.connect is not None
                self.mailbox = self.connect()
            report = move_pending(self.campaign, state, self.mailbox, COMMAND)
        except InviteError as exc:
            self.failed = True
            self.say(
                f"Hinweis: Die Nachricht konnte auf dem Mailserver nicht verschoben werden ({exc}). "
                "Die Entscheidung ist gespeichert; das Verschieben holt der nächste „invite poll“ "
                "oder „invite prüfen“ nach."
            )
            return 0
        for problem in report.problems or []:
            self.say(f"Hinweis: {problem}")
        if report.moved:
            folder = self.campaign.settings.imap.matched_folder
            self.say(f"Im Postfach nach „{folder}“ verschoben: {report.moved}.")
        return report.moved

    def __enter__(self) -> _Mover:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.mailbox is not None:
            self.mailbox.close()


def queue_lines(campaign: Campaign) -> list[str]:
    """`invite prüfen --liste`: the open items, oldest first, without asking anything."""
    zone = ZoneInfo(campaign.settings.event.timezone)
    with campaign.open_state() as state:
        items = load_queue(state, zone)
    if not items:
        return ["Keine offenen Nachrichten zu prüfen."]
    lines = [f"{count(len(items), 'Nachricht', 'Nachrichten')} zu prüfen, die älteste zuerst:"]
    for index, item in enumerate(items, start=1):
        lines.append("")
        lines.extend(item_lines(item, index, len(items)))
    lines.append("")
    lines.append(
        "Entscheiden: „invite prüfen“ in einem Terminal, oder in der Rückmeldeliste "
        "(Blatt „Zu prüfen“, Spalte „Entscheidung“) und dann „invite status“."
    )
    return lines
