"""Reviewing the messages `invite poll` set aside: the rules shared by `invite prüfen`
(the terminal), `invite status` (decisions typed into the workbook) and `invite poll` (the
IMAP moves decisions owe).

Pure core: ``parse_decision`` (a key or words, as typed in the terminal or the workbook's
„Entscheidung“ column), ``question`` (what to ask next) and ``decide`` (the choice for one
item). ``settle`` stores a choice through the one answer path of `invite record`
(``answering.apply_answer``); ``move_pending`` moves decided mails from „Anmeldungen/prüfen“ to
„Anmeldungen/zugeordnet“ (now, or on the next poll/prüfen when the server is unreachable).
The terminal loop itself is the step ``invite.steps.review``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from invite.answering import apply_answer, confirmation_lines, find_invitee
from invite.campaign import Campaign
from invite.core.codes import format_code
from invite.core.rsvp import MAX_PERSONS, local_time
from invite.errors import InviteError, Problem
from invite.store import (
    InboxMessage,
    OwedMove,
    Store,
    assign_message,
    current_answer,
    inbox_message,
    lookup_invitee,
    mark_moved_done,
    open_reviews,
    pending_moves,
    resolve_review,
)

if TYPE_CHECKING:  # types only: imapclient and the PDF readers load when used
    from invite.mail.imap import Mailbox
    from invite.paper.evidence import AttachmentReport
    from invite.workbook.status_workbook import TypedDecision

COMMAND = "pruefen"
MAX_SHOWN = 1000

ACTIONS = ("zusage", "absage", "unzustellbar", "keine", "zuordnen", "weiter", "ende")
KEYS = {"z": "zusage", "a": "absage", "u": "unzustellbar", "k": "keine", "n": "zuordnen",
        "s": "weiter", "b": "ende", "q": "ende", "\r": "weiter", "\n": "weiter"}  # fmt: skip
MENU = (
    "[z] Zusage  [a] Absage  [u] unzustellbar  [k] keine Antwort  "
    "[n] andere Nr./Code  [s] überspringen  [b] beenden"
)
# Words staff may type (terminal line or workbook cell), umlaut-free variants included.
WORDS = {
    "zusage": "zusage",
    "zugesagt": "zusage",
    "ja": "zusage",
    "absage": "absage",
    "abgesagt": "absage",
    "nein": "absage",
    "unzustellbar": "unzustellbar",
    "keine": "keine",
    "keine antwort": "keine",
    "offen": "keine",
    "ueberspringen": "weiter",
    "weiter": "weiter",
    "beenden": "ende",
    "ende": "ende",
}
SPELLING = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
ANSWER_LABELS = {
    "zusage": "Zusage",
    "absage": "Absage",
    "unzustellbar": "unzustellbar",
    "pruefen": "prüfen",
}
KIND_LABELS = {
    "unclear": "Antwort unklar",
    "unmatched": "niemandem sicher zuzuordnen",
    "rejected": "zurückgestellt (nicht gelesen)",
    "bounce": "Rückläufer, niemandem zuzuordnen",
}
_NUMBER_IN_EVIDENCE = re.compile(r"\bNr\. (\S+?) \(")  # matching.Directory.label


# -- plain data --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    number: str
    name: str
    organisation: str
    current: str = ""  # the answer that counts now, in German ("" = none)


@dataclass(frozen=True)
class ReviewItem:
    """One set-aside message as review shows it (no message text: only what poll kept)."""

    id: int
    received: dt.datetime | None
    sender: str
    subject: str
    kind: str
    reason: str
    evidence: str
    attachments: str
    persons: int | None  # persons the mail named (the default for a Zusage)
    assigned: str | None  # the invitee poll tied it to (an unclear answer), else None
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True)
class Parsed:
    """What was typed: an action, perhaps persons and a Nr./code to tie the mail to."""

    action: str
    persons: int | None = None
    target: str = ""


@dataclass(frozen=True)
class Choice:
    """The decision for one item, or ``error`` (German) when it cannot be taken."""

    action: str
    invitee: str | None = None
    persons: int | None = None
    error: str = ""


Lookup = Callable[[str], Candidate | None]


# -- the pure core ------------------------------------------------------------------------------


def _normal(text: str) -> str:
    text = text.strip().casefold().translate(SPELLING)
    return " ".join(re.sub(r"[,;:!?]|\.(?=\s|$)", " ", text).split())


def parse_decision(text: str, *, keys: bool = False) -> Parsed:
    """A decision as typed: ``zusage 2``, ``absage``, ``unzustellbar``, ``keine antwort``,
    ``nr 17``, ``code K7Q2-M9XA``, ``nr 17 zusage 2`` (and with ``keys`` the single keys of
    the menu). Raises ValueError with a German reason for anything else."""
    raw = text
    if keys and len(text) == 1 and text.lower() in KEYS:
        return Parsed(KEYS[text.lower()])
    text = _normal(text)
    if not text:
        raise ValueError("leer")
    words = text.split()
    target = ""
    if words[0] in ("nr", "nr.", "nummer", "code"):
        if len(words) < 2:
            raise ValueError(f"„{raw.strip()}“: nach „{words[0]}“ fehlt die Nr. bzw. der Code")
        target, words = words[1], words[2:]
    elif re.fullmatch(r"nr\.?\d+", words[0]):
        target, words = words[0].lstrip("nr."), words[1:]
    if not words:
        if target:
            return Parsed("zuordnen", target=target)
        raise ValueError(f"„{raw.strip()}“ ist keine Entscheidung")
    if words[-1] in ("person", "personen"):
        words = words[:-1]
    persons = None
    if len(words) >= 2 and words[-1].isdigit():
        persons = int(words[-1])
        words = words[:-1]
    action = WORDS.get(" ".join(words))
    if action is None or (target and action in ("weiter", "ende")):
        raise ValueError(
            f"„{raw.strip()}“ ist keine Entscheidung (erlaubt: zusage, zusage 2, absage, "
            "unzustellbar, keine antwort, nr 17, code K7Q2-M9XA)"
        )
    if persons is not None:
        if action != "zusage":
            raise ValueError(f"„{raw.strip()}“: eine Personenzahl passt nur zu einer Zusage")
        if not 1 <= persons <= MAX_PERSONS:
            raise ValueError(f"„{raw.strip()}“: die Personenzahl muss zwischen 1 und 1000 liegen")
    return Parsed(action, persons, target)


def question(item: ReviewItem, parsed: Parsed) -> tuple[str, str] | None:
    """The follow-up question (prompt, default) a choice needs in the terminal, if any."""
    if parsed.action == "zusage" and parsed.persons is None:
        return "Wie viele Personen?", str(item.persons or 1)
    if parsed.action == "zuordnen" and not parsed.target:
        return "Welcher Nr. oder welchem Code zuordnen?", ""
    return None


def decide(item: ReviewItem, parsed: Parsed, follow_up: str = "", *, lookup: Lookup) -> Choice:
    """The choice for ``item``: whose answer it is and how many persons. ``follow_up`` is the
    answer to ``question`` (empty: its default); ``lookup`` finds an invitee by Nr./code."""
    action = parsed.action
    if action in ("weiter", "ende"):
        return Choice(action)
    target = parsed.target or (follow_up.strip() if action == "zuordnen" else "")
    invitee: str | None = None
    if target:
        found = lookup(target)
        if found is None:
            return Choice(
                action, error=f"„{target}“ ist weder eine Nr. noch ein Code dieser Kampagne."
            )
        invitee = found.number
    elif action == "zuordnen":
        return Choice(action, error="Keine Nr. und kein Code angegeben – nichts geändert.")
    else:
        invitee = _only_candidate(item)
    if action == "zuordnen":
        return Choice(action, invitee)
    if invitee is None and action != "keine":
        return Choice(
            action,
            error="Die Nachricht ist niemandem sicher zugeordnet: bitte erst mit [n] einer Nr. "
            "oder einem Code zuordnen (in der Tabelle: „nr 17 zusage“).",
        )
    persons = None
    if action == "zusage":
        persons = parsed.persons
        if persons is None:
            typed = follow_up.strip()
            if not typed:
                persons = item.persons or 1
            elif typed.isdigit() and 1 <= int(typed) <= MAX_PERSONS:
                persons = int(typed)
            else:
                return Choice(action, error=f"„{typed}“: bitte eine Zahl von 1 bis 1000 eingeben.")
    return Choice(action, invitee, persons)


def _only_candidate(item: ReviewItem) -> str | None:
    if item.assigned:
        return item.assigned
    if len(item.candidates) == 1:
        return item.candidates[0].number
    return None


def item_lines(item: ReviewItem, position: int = 0, total: int = 0) -> list[str]:
    """What staff read before deciding (German)."""
    head = f"Nachricht {position} von {total}" if total else f"Nachricht {item.id}"
    received = f"{item.received:%d.%m.%Y %H:%M}" if item.received else "unbekannt"
    lines = [
        f"── {head} · eingegangen {received} · {KIND_LABELS.get(item.kind, item.kind)}",
        f"  Von:      {item.sender or '(ohne Absender)'}",
        f"  Betreff:  {item.subject or '(ohne Betreff)'}",
        f"  Grund:    {item.reason or '(keiner angegeben)'}",
    ]
    if item.attachments:
        lines.append(f"  Anhänge:  {item.attachments}")
    if item.evidence:
        lines.append(f"  Hinweise: {item.evidence}")
    if item.persons:
        lines.append(f"  Personen laut Nachricht: {item.persons}")
    if item.assigned:
        lines.append("  Zugeordnet:")
    elif item.candidates:
        lines.append("  Mögliche Eingeladene:")
    else:
        lines.append("  Niemandem zugeordnet.")
    for c in item.candidates:
        org = f", {c.organisation}" if c.organisation and c.organisation != c.name else ""
        now = f" (bisher: {c.current})" if c.current else " (bisher: keine Antwort)"
        lines.append(f"    Nr. {c.number} – {c.name}{org}{now}")
    return lines


TICKS = {"ja": "Ja angekreuzt", "nein": "Nein angekreuzt"}


def attachment_summary(report: AttachmentReport) -> str:
    """What the returned forms showed, in one German line for review: fields of filled-in
    forms (no e-mail address or phone number: review does not need them), and for forms
    printed to PDF or scanned what was read from the page (the tick is found on the rendered
    page through the QR code, the typed values in the page text)."""
    parts = []
    for form in report.forms:
        fields = (
            [f"Code {format_code(form.code) if len(form.code) == 8 else form.code}"]
            if form.code
            else []
        )
        if form.printed:
            fields.append("ohne Formularfelder gedruckt")
            tick = TICKS.get(form.teilnahme, "kein eindeutiges Kreuz")
            fields.append(f"auf der Seite gelesen: {tick}")
        else:
            fields.append(
                f"Teilnahme „{form.teilnahme}“" if form.teilnahme else "nichts angekreuzt"
            )
        if form.personen:
            fields.append(f"Personen „{form.personen}“")
        if form.namen:
            fields.append(f"Namen „{form.namen}“")
        if form.bemerkungen:
            fields.append(f"Bemerkungen „{form.bemerkungen}“")
        parts.append(f"Formular „{form.filename}“: " + ", ".join(fields))
    for scan in report.scans:
        tick = TICKS.get(scan.teilnahme, "kein eindeutiges Kreuz")
        extra = ", Zahl im Feld Personen (bitte im Anhang ansehen)" if scan.persons_written else ""
        parts.append(f"eingescanntes Formular „{scan.filename}“: {tick}{extra}")
    return "; ".join(parts)[:MAX_SHOWN]


# -- the queue from the database ---------------------------------------------------------------


def load_queue(state: Store, zone: ZoneInfo) -> list[ReviewItem]:
    """Open review items, oldest first."""
    return [_item(state, row, zone) for row in open_reviews(state)]


def load_item(state: Store, message: int, zone: ZoneInfo) -> ReviewItem:
    row = inbox_message(state, message)
    if row is None:
        raise InviteError(f"Nachricht {message} gibt es nicht.")
    return _item(state, row, zone)


def _item(state: Store, row: InboxMessage, zone: ZoneInfo) -> ReviewItem:
    numbers = [row.invitee] if row.invitee else _named(row.evidence)
    candidates = tuple(c for n in numbers if (c := candidate(state, n)) is not None)
    return ReviewItem(
        id=row.id,
        received=local_time(row.received_at, zone) or local_time(row.processed_at, zone),
        sender=row.sender,
        subject=row.subject,
        kind=row.kind,
        reason=row.reason,
        evidence=row.evidence,
        attachments=row.attachments,
        persons=row.persons,
        assigned=row.invitee,
        candidates=candidates,
    )


def _named(evidence: str) -> list[str]:
    """Nr.s the stored evidence names (as ``matching.Directory.label`` wrote them), once each."""
    return list(dict.fromkeys(_NUMBER_IN_EVIDENCE.findall(evidence or "")))


def candidate(state: Store, who: str) -> Candidate | None:
    """An invitee by Nr. or code, with the answer that counts now."""
    inv = lookup_invitee(state, who)
    if inv is None:
        return None
    answer = current_answer(state, inv.number)
    current = ""
    if answer is not None:
        current = ANSWER_LABELS.get(answer.answer, answer.answer)
        if answer.answer == "zusage" and answer.persons:
            current += f", {answer.persons} Personen"
    return Candidate(inv.number, inv.display_name, inv.organisation, current)


# -- storing a decision ------------------------------------------------------------------------


@dataclass(frozen=True)
class Settled:
    lines: list[str]
    resolved: bool  # False after „zuordnen“: the item stays open, now tied to the invitee


def settle(
    campaign: Campaign,
    state: Store,
    item: ReviewItem,
    choice: Choice,
    *,
    source: str = "manuell",
    command: str = COMMAND,
) -> Settled:
    """Store ``choice`` (never ``weiter``/``ende``/an error): answers go through
    ``answering.apply_answer`` like `invite record`; the decision and the owed IMAP move are
    stored; all of it in the audit log."""

    assert not choice.error and choice.action not in ("weiter", "ende")
    matched = campaign.settings.imap.matched_folder
    if choice.invitee and choice.invitee != item.assigned:
        assign_message(state, item.id, choice.invitee, command=command)
    if choice.action == "zuordnen":
        who = candidate(state, choice.invitee or "")
        name = f" ({who.name})" if who else ""
        return Settled([f"Nachricht zugeordnet: Nr. {choice.invitee}{name}."], resolved=False)
    if choice.action == "keine":
        resolve_review(
            state,
            item.id,
            "keine",
            invitee=choice.invitee,
            persons=None,
            answer=None,
            source=source,
            command=command,
            move_to=matched,
        )
        return Settled(["Keine Antwort: nichts eingetragen, der bisherige Stand gilt."], True)
    assert choice.invitee is not None
    invitee = find_invitee(state, choice.invitee)
    result = apply_answer(
        state,
        invitee,
        choice.action,
        capacity=campaign.settings.event.capacity,
        persons=choice.persons,
        note="",
        source=source,
        command=command,
        message=item.id,
    )
    resolve_review(
        state,
        item.id,
        choice.action,
        invitee=invitee.number,
        persons=result.record.persons,
        answer=result.record.id,
        source=source,
        command=command,
        move_to=matched,
    )
    return Settled(confirmation_lines(result), True)


# -- the IMAP move a decision owes -------------------------------------------------------------


@dataclass
class MoveReport:
    moved: int = 0
    problems: list[str] | None = None


def move_pending(campaign: Campaign, state: Store, mailbox: Mailbox, command: str) -> MoveReport:
    """Move every decided mail from the review folder to the matched folder. Found by its
    Message-ID (its UID changed when poll moved it, and again if the folder was recreated);
    already in the matched folder counts as done. Connection errors propagate (InviteError):
    whatever is not moved stays owed."""
    rows = pending_moves(state)
    report = MoveReport(problems=[])
    if not rows:
        return report
    imap = campaign.settings.imap
    mailbox.ensure_folder(imap.matched_folder)
    by_source: dict[str, list[OwedMove]] = {}
    for row in rows:
        by_source.setdefault(row.moved_to or imap.review_folder, []).append(row)
    missing: list[OwedMove] = []
    for source, items in by_source.items():
        mailbox.select(source)
        for row in items:
            uids = mailbox.find_message(row.message_id or "")
            if not uids:
                missing.append(row)
                continue
            mailbox.move(uids, row.move_to)
            mark_moved_done(
                state, row.id, row.move_to, command=command, detail=f"nach „{row.move_to}“"
            )
            report.moved += 1
    for row in missing:
        mailbox.select(row.move_to)
        if row.message_id and mailbox.find_message(row.message_id):
            mark_moved_done(state, row.id, row.move_to, command=command, detail="war schon dort")
            continue
        mark_moved_done(state, row.id, row.move_to, command=command, detail="nicht gefunden")
        assert report.problems is not None
        report.problems.append(
            f"Die Nachricht „{row.subject or '(ohne Betreff)'}“ von {row.sender or '?'} "
            f"wurde im Postfach nicht gefunden (von Hand verschoben oder gelöscht?). "
            "Die Entscheidung ist gespeichert."
        )
    mailbox.select(imap.folder)  # poll --watch waits (IDLE) on the selected folder
    return report


# -- decisions typed into the status workbook (taken in by `invite status`) ------------------


@dataclass(frozen=True)
class TakenDecision:
    item: ReviewItem
    choice: Choice
    row: int
    text: str


def typed_decisions(
    state: Store, zone: ZoneInfo, where: str, typed: list[TypedDecision]
) -> tuple[list[TakenDecision], list[Problem], list[str]]:
    """Check the „Entscheidung“ cells (``status_workbook.TypedDecision``) of sheet „Zu prüfen“:
    ``(decisions, problems, notices)``. Any problem refuses the whole workbook (nothing is
    taken in, nothing overwritten); a decision on a message decided meanwhile is a notice."""

    def lookup(who: str) -> Candidate | None:
        return candidate(state, who)

    decisions: list[TakenDecision] = []
    problems: list[Problem] = []
    notices: list[str] = []
    seen: dict[int, int] = {}

    def problem(cell: TypedDecision, text: str) -> Problem:
        return Problem(where, text, sheet="Zu prüfen", row=cell.row, column="Entscheidung")

    for cell in typed:
        row = inbox_message(state, cell.item) if cell.item else None
        if cell.item is None or row is None:
            text = "Die Zeile gehört zu keiner Nachricht (Spalte „Vorgang“ geändert?)."
            problems.append(problem(cell, text))
            continue
        if cell.item in seen:
            text = f"Vorgang {cell.item} steht doppelt (auch Zeile {seen[cell.item]})."
            problems.append(problem(cell, text))
            continue
        seen[cell.item] = cell.row
        if row.resolved_at:
            notices.append(
                f"Blatt „Zu prüfen“, Zeile {cell.row}: Die Nachricht ist schon entschieden "
                f"(„invite prüfen“); „{cell.text}“ wurde nicht übernommen."
            )
            continue
        try:
            parsed = parse_decision(cell.text)
        except ValueError as exc:
            problems.append(problem(cell, f"{exc}."))
            continue
        if parsed.action in ("weiter", "ende"):
            problems.append(problem(cell, f"„{cell.text}“ ist keine Entscheidung."))
            continue
        item = _item(state, row, zone)
        choice = decide(item, parsed, lookup=lookup)
        if choice.error:
            problems.append(problem(cell, f"„{cell.text}“ – {choice.error}"))
            continue
        decisions.append(TakenDecision(item, choice, cell.row, cell.text))
    return decisions, problems, notices
