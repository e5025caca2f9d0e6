"""`invite poll`: read new replies from the RSVP mailbox, tie each to its invitee, record it.

For every new message: dedupe by content hash, parse within limits, recognise bounces and
auto-replies, read attachments, match (never guessing), read the answer, record it in the
state database, and only then move the message to ``zugeordnet`` or ``prüfen``. A crash
anywhere in between is healed by the next poll: the stored hash keeps it from counting twice.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass, field, replace

from invite.answering import confirm_answers
from invite.campaign import Campaign
from invite.core import answers, matching, reports
from invite.core.addresses import address_key
from invite.core.codes import normalise_code
from invite.core.inbox import waits_for_staff
from invite.errors import InviteError
from invite.mail.imap import ImapConnectionLost, Mailbox
from invite.mail.mailparse import MAX_MESSAGE_BYTES, Attachment, IncomingMail, parse_mail
from invite.paper import evidence
from invite.reviewing import attachment_summary, move_pending
from invite.session import AskPassword, connect_mailbox, remembering
from invite.store import (
    InboxMessage,
    InboxRecord,
    Store,
    add_inbox_message,
    all_invitees,
    current_answer,
    exclusive,
    folder_position,
    latest_answers,
    mark_moved,
    message_invitees,
    record_answer,
    save_folder_position,
    seen_message,
    sent_message_ids,
    sent_message_recipients,
)

COMMAND = "poll"
FLUSH_EVERY = 200  # messages between moves (and saved positions) in a long first poll
BACKOFF_START = 2.0
BACKOFF_MAX = 300.0

Examine = Callable[[list[Attachment]], evidence.AttachmentReport]


@dataclass
class PollSummary:
    """Counts of one poll round, as shown to staff."""

    new: int = 0
    answers: int = 0  # matched, with a sure Zusage/Absage
    unclear: int = 0  # matched, answer to be checked
    unmatched: int = 0
    bounces: int = 0
    autoreplies: int = 0
    rejected: int = 0  # set aside unread (too big, broken …)
    duplicates: int = 0  # seen before (crash, second copy, UIDVALIDITY change)
    waiting_list: int = 0
    confirmations: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def set_aside(self) -> int:
        """Messages now in the review folder."""
        return self.unclear + self.unmatched + self.rejected


@dataclass(frozen=True)
class Assessment:
    """What one message means; pure result of ``assess``."""

    kind: str  # answer | unclear | unmatched | bounce | autoreply | rejected
    invitee: str | None = None
    source: str | None = None  # strongest evidence for the match
    answer: str | None = None  # zusage | absage | unzustellbar | pruefen (None: record nothing)
    persons: int | None = None
    participants: str = ""
    note: str = ""
    evidence: str = ""
    reason: str = ""
    silent: bool = False  # says nothing about attendance: keeps an earlier sure answer
    attachments: str = ""  # for review: what the attachments showed (reviewing.attachment_summary)
    suggested_persons: int | None = None  # for review: persons the mail named

    @property
    def review(self) -> bool:
        return waits_for_staff(self.kind, self.invitee)


# -- what does one message mean? (pure but for ``examine``, which reads attachments) ---------


def assess(
    mail: IncomingMail,
    directory: matching.Directory,
    examine: Examine = evidence.examine,
) -> Assessment:
    """What ``mail`` means for its (first) invitee; see ``assess_all`` for mails that carry
    the forms of several invitees."""
    return assess_all(mail, directory, examine)[0]


def assess_all(
    mail: IncomingMail,
    directory: matching.Directory,
    examine: Examine = evidence.examine,
) -> list[Assessment]:
    """Bounce, auto-reply, answer, unclear or unmatched — with evidence and a German reason;
    one Assessment per invitee (several only when one mail returns several self-consistent
    forms), never empty. Order matters: refused mail is never read further, our own
    messages are never answers, server messages (bounces, delays, auto-replies) are
    recognised before any reading of text, and their text is never read as a reply."""
    if mail.rejected:
        return [Assessment("rejected", reason=mail.rejected)]
    if mail.message_id and mail.message_id in directory.by_message_id:
        return [Assessment("autoreply", reason="Eigene Nachricht der Kampagne, keine Antwort.")]
    server = _server_message(mail, directory)
    if server is not None:
        return [server]
    report = examine(mail.attachments) if mail.attachments else evidence.AttachmentReport()
    problems = [*mail.problems, *report.problems]
    found = matching.gather(mail, report.findings, directory)
    decision = matching.decide(found, directory)
    shown = decision.summary(directory)
    shown_attachments = attachment_summary(report)
    if decision.invitee is None:
        several = _several_forms(mail, report, found, directory, problems)
        if several:
            return several
        reason = _join(decision.reason, mail.sender_problem, *problems)
        return [
            Assessment("unmatched", evidence=shown, reason=reason, attachments=shown_attachments)
        ]
    if decision.source == "absender":
        weak = _sender_only(mail, decision.invitee, directory)
        if weak:
            reason = _join(weak, *problems)
            return [
                Assessment(
                    "unmatched", evidence=shown, reason=reason, attachments=shown_attachments
                )
            ]
    code = directory.code_of(decision.invitee)
    forms = [f for f in report.forms if not f.code or _same_code(f.code, code)]
    reading = answers.read_answer(mail, forms, report.scans, code=code)
    if reading.sure and not mail.sender_problem:
        note = _join(reading.note, *problems)
        return [
            Assessment(
                "answer",
                decision.invitee,
                decision.source,
                reading.answer,
                reading.persons,
                reading.participants,
                note,
                shown,
            )
        ]
    if reading.sure:  # the answer is clear, but the From: line is a trick or broken
        return [
            Assessment(
                "unclear",
                decision.invitee,
                decision.source,
                None,
                evidence=shown,
                reason=_join(mail.sender_problem, *problems),
                attachments=shown_attachments,
                suggested_persons=reading.persons,
            )
        ]
    return [
        Assessment(
            "unclear",
            decision.invitee,
            decision.source,
            "pruefen",
            participants=reading.participants,
            note=_join(reading.unsure, reading.note),
            evidence=shown,
            reason=_join(reading.unsure, mail.sender_problem, *problems),
            silent=reading.silent,
            attachments=shown_attachments,
            suggested_persons=reading.persons,
        )
    ]


def _server_message(mail: IncomingMail, directory: matching.Directory) -> Assessment | None:
    """Bounce, delay notice, unreadable mail-system message or auto-reply; None for mail
    from people. A bounce counts only when it returns our Message-ID to that invitee and
    names their address (``matching.tie_report``); any other report goes to review and
    records nothing, so a forged report can neither mark anyone nor stop a reminder."""
    bounce = reports.detect_bounce(mail)
    if bounce is not None and not bounce.delayed:
        decision = matching.tie_report(bounce, directory)
        shown = decision.summary(directory)
        if decision.invitee is None:
            reason = f"Rückläufer ({bounce.diagnostic}), nicht zugeordnet: {decision.reason}"
            return Assessment("bounce", evidence=shown, reason=reason)
        return Assessment(
            "bounce",
            decision.invitee,
            decision.source,
            "unzustellbar",
            note=bounce.diagnostic,
            evidence=shown,
        )
    if bounce is not None:
        auto = (
            "Warnung des Mailservers: Zustellung verzögert, noch kein Rückläufer "
            f"({bounce.diagnostic})."
        )
        tied = {
            directory.by_message_id[m] for m in bounce.returned_ids if m in directory.by_message_id
        }
        invitee = next(iter(tied)) if len(tied) == 1 else None
        return Assessment(
            "autoreply",
            invitee,
            "antwort" if invitee else None,
            evidence=", ".join(directory.label(n) for n in sorted(tied)),
            reason=auto,
        )
    if reports.from_mail_system(mail):
        return Assessment(
            "bounce",
            reason="Meldung eines Mailservers, die nicht ausgewertet werden konnte; ihr Text "
            "wurde nicht als Antwort gelesen.",
        )
    auto = reports.detect_autoreply(mail)
    if not auto:
        return None
    decision = matching.decide(matching.gather(mail, [], directory), directory)
    return Assessment(
        "autoreply",
        decision.invitee,
        decision.source,
        evidence=decision.summary(directory),
        reason=auto,
    )


def _sender_only(mail: IncomingMail, invitee: str, directory: matching.Directory) -> str:
    """German reason why a mail tied only by its sender address may not decide, or "".

    The sender address is easy to forge: it may settle a first answer, but never overturns
    an answer tied by form, code, link or thread (or typed in by staff), and not at all when
    our own receiving server says the From domain failed SPF/DKIM/DMARC."""
    label = directory.label(invitee)
    if check := matching.sender_check(mail, directory.trusted_authserv_id):
        return f"Nur die Absenderadresse verweist auf {label}. {check}"
    earlier = directory.answer_sources.get(invitee, "")
    if earlier in matching.STRONG_SOURCES:
        how = matching.SOURCE_LABELS.get(earlier, earlier)
        return (
            f"Nur die Absenderadresse verweist auf {label}; die bisherige Antwort kam über "
            f"„{how}“ und wird durch eine reine Absenderadresse nicht geändert."
        )
    return ""


def _several_forms(
    mail: IncomingMail,
    report: evidence.AttachmentReport,
    found: list[matching.Evidence],
    directory: matching.Directory,
    problems: list[str],
) -> list[Assessment]:
    """One mail carrying the returned forms of several invitees (an office answering for
    two): each self-consistent form settles its own invitee. Anything that contradicts —
    other evidence naming someone else, a scan, two different copies of one form, a form
    that cannot be read surely, or a text that says something itself — returns [] (review)."""
    by_invitee: dict[str, list[evidence.FormFields]] = {}
    for form in report.forms:
        code = normalise_code(form.code) if form.code else None
        number = directory.by_code.get(code) if code else None
        if number is None:
            return []
        by_invitee.setdefault(number, []).append(form)
    if len(by_invitee) < 2 or report.scans or mail.sender_problem:
        return []
    if any(not e.invitees and e.source in ("formular", "qr") for e in found):
        return []
    if any(n not in by_invitee for e in found for n in e.invitees if len(e.invitees) == 1):
        return []
    if any(len(e.invitees) > 1 and not set(e.invitees) & set(by_invitee) for e in found):
        return []
    text = answers.read_answer(mail, (), (), code="")
    if text.answer or (text.unsure and not text.silent):
        return []
    bare = replace(mail, text="", subject="", forwarded_text="")
    outcomes: list[Assessment] = []
    for number, forms in by_invitee.items():
        if len({(f.teilnahme, f.personen, f.namen) for f in forms}) > 1:
            return []
        reading = answers.read_answer(bare, forms[:1], (), code=directory.code_of(number))
        if not reading.sure:
            return []
        shown = "; ".join(e.describe(directory) for e in found if number in e.invitees)
        outcomes.append(
            Assessment(
                "answer",
                number,
                "formular",
                reading.answer,
                reading.persons,
                reading.participants,
                _join(reading.note, *problems),
                shown,
            )
        )
    return outcomes


def bounce_after_answer(outcome: Assessment, earlier: str | None) -> Assessment:
    """A bounce for someone who already said Zusage or Absage goes to review, recording nothing.

    The answer may have come from a new address while mail to the old listed one bounces;
    recording "unzustellbar" would drop a confirmed guest and free the seat."""
    if outcome.kind != "bounce" or outcome.invitee is None or earlier not in ("zusage", "absage"):
        return outcome
    said = "Zusage" if earlier == "zusage" else "Absage"
    return Assessment(
        "unclear",
        outcome.invitee,
        outcome.source,
        None,
        note=outcome.note,
        evidence=outcome.evidence,
        reason=_join(
            "Unzustellbar-Meldung, obwohl bereits eine Antwort vorliegt – bitte prüfen "
            f"(bisher: {said}).",
            f"Rückläufer: {outcome.note}" if outcome.note else "",
        ),
    )


def _same_code(raw: str, code: str) -> bool:
    return normalise_code(raw) == code


def _join_lines(parts: Iterable[str]) -> str:
    return "; ".join(p for p in parts if p)[:2000]


def _join(*parts: str) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())[:1000]


def directory_of(state: Store, campaign: Campaign) -> matching.Directory:
    """The matcher's view of the campaign, built once per poll round."""
    invitees = all_invitees(state)
    by_email: dict[str, list[str]] = {}
    for inv in invitees:
        if inv.email:
            by_email.setdefault(address_key(inv.email), []).append(inv.number)
    mail = campaign.settings.mail
    own = {address_key(a) for a in (mail.from_address, mail.reply_to) if a}
    return matching.Directory(
        by_code={inv.code: inv.number for inv in invitees},
        by_message_id=sent_message_ids(state),
        by_email={k: tuple(v) for k, v in by_email.items()},
        names={inv.number: inv.display_name for inv in invitees},
        own_addresses=frozenset(own),
        sent_to=sent_message_recipients(state),
        answer_sources={
            number: row.source
            for number, row in latest_answers(state).items()
            if row.answer in ("zusage", "absage")
        },
        trusted_authserv_id=campaign.settings.imap.trusted_authserv_id,
    )


# -- applying an outcome to the state ---------------------------------------------------------


def _record(state: Store, outcome: Assessment, message: int, capacity: int) -> bool:
    """Record the answer of ``outcome`` (if it carries one); True if it went on the waiting list.

    A message that says nothing about attendance (a thank-you, a question) does not replace
    an earlier Zusage or Absage; it only goes to review."""
    if outcome.invitee is None or outcome.answer is None:
        return False
    if outcome.silent:
        earlier = current_answer(state, outcome.invitee)
        if earlier is not None and earlier.answer in ("zusage", "absage"):
            return False
    result = record_answer(
        state,
        outcome.invitee,
        outcome.answer,
        source=outcome.source or "manuell",
        command=COMMAND,
        persons=outcome.persons,
        participants=outcome.participants,
        note=outcome.note,
        message=message,
        capacity=capacity,
    )
    return result.waiting_list


def _count(summary: PollSummary, outcome: Assessment) -> None:
    if outcome.kind == "answer":
        summary.answers += 1
    elif outcome.kind == "unclear":
        summary.unclear += 1
    elif outcome.kind == "unmatched":
        summary.unmatched += 1
    elif outcome.kind == "bounce":
        summary.bounces += 1
    elif outcome.kind == "autoreply":
        summary.autoreplies += 1
    else:
        summary.rejected += 1


# -- one round against the server ---------------------------------------------------------------


class _Round:
    """One pass over the new messages of the RSVP folder."""

    def __init__(
        self, campaign: Campaign, state: Store, mailbox: Mailbox, examine: Examine
    ) -> None:
        self.campaign = campaign
        self.state = state
        self.mailbox = mailbox
        self.examine = examine
        self.imap = campaign.settings.imap
        self.capacity = campaign.settings.event.capacity
        self.summary = PollSummary()
        self.directory = directory_of(state, campaign)
        sources = self.directory.answer_sources
        assert isinstance(sources, dict)  # directory_of builds a dict; this round keeps it current
        self.answer_sources: MutableMapping[str, str] = sources
        self.moves: dict[str, list[tuple[int, int]]] = {}  # folder -> [(uid, inbox row)]

    def run(self, progress: Callable[[int, int], None] | None) -> PollSummary:
        self.mailbox.ensure_folder(self.imap.matched_folder)
        self.mailbox.ensure_folder(self.imap.review_folder)
        status = self.mailbox.select(self.imap.folder)
        self.uidvalidity = status.uidvalidity
        position = folder_position(self.state, self.imap.folder)
        if position and position[0] == status.uidvalidity:
            last_uid = position[1]
            if status.uidnext and status.uidnext <= last_uid + 1:
                return self.summary  # nothing new: not even a SEARCH
        else:
            last_uid = 0
            if position:
                self.summary.warnings.append(
                    f"Der Ordner „{self.imap.folder}“ wurde auf dem Server neu angelegt "
                    "(UIDVALIDITY geändert); alle Nachrichten darin werden neu geprüft, "
                    "keine wird doppelt gezählt."
                )
        uids = self.mailbox.uids_after(last_uid)
        sizes = self.mailbox.sizes(uids)
        fetched = self.mailbox.fetch(uids, sizes, MAX_MESSAGE_BYTES)
        for done, (uid, raw, complete) in enumerate(fetched, start=1):
            self._handle(uid, raw, complete, sizes.get(uid, len(raw)))
            if progress:
                progress(done, len(uids))
            if done % FLUSH_EVERY == 0:
                self._flush(uid)
        self._flush(uids[-1] if uids else last_uid)
        return self.summary

    def _handle(self, uid: int, raw: bytes, complete: bool, size: int) -> None:
        """Decide and record one message, and queue its move."""
        digest = hashlib.sha256(raw if complete else b"header-only:%d:" % size + raw).hexdigest()
        earlier = seen_message(self.state, digest)
        mail: IncomingMail | None = None
        if earlier is None:
            mail = parse_mail(raw) if complete else _oversized(raw, size)
            earlier = seen_message(self.state, digest, mail.message_id, mail.sender)
        if earlier is not None:
            self._again(uid, earlier, mail, raw if complete else None)
            return
        assert mail is not None
        outcomes = self._assess(mail)
        first = outcomes[0]
        record = InboxRecord(
            content_hash=digest,
            message_id=mail.message_id,
            folder=self.imap.folder,
            uidvalidity=self.uidvalidity,
            uid=uid,
            sender=mail.sender,
            subject=mail.subject,
            kind=first.kind,
            invitee=first.invitee,
            evidence=_join_lines(o.evidence for o in outcomes),
            reason=first.reason,
            received_at=mail.date,
            attachments=first.attachments,
            persons=first.suggested_persons,
        )
        row = add_inbox_message(self.state, record, COMMAND)  # committed before the move
        for outcome in outcomes:  # each invitee's answer once, tied to this one inbox row
            if self._record(outcome, row):
                self.summary.waiting_list += 1
        self.summary.new += 1
        _count(self.summary, first)
        self._queue_move(uid, row, first.review)

    def _record(self, outcome: Assessment, row: int) -> bool:
        waiting = _record(self.state, outcome, row, self.capacity)
        if outcome.invitee and outcome.answer in ("zusage", "absage") and not outcome.silent:
            # later mails of this round see how this answer was tied (sender-only rule)
            self.answer_sources[outcome.invitee] = outcome.source or "manuell"
        return waiting

    def _assess(self, mail: IncomingMail) -> list[Assessment]:
        outcomes = assess_all(mail, self.directory, self.examine)
        first = outcomes[0]
        if first.kind == "bounce" and first.invitee is not None:
            earlier = current_answer(self.state, first.invitee)
            outcomes = [bounce_after_answer(first, earlier.answer if earlier else None)]
        return outcomes

    def _again(
        self, uid: int, earlier: InboxMessage, mail: IncomingMail | None, raw: bytes | None
    ) -> None:
        """A message seen before: never counted again; finish what a crash interrupted (an
        answer recorded for none, or only some, of the invitees it settles)."""
        self.summary.duplicates += 1
        if (
            raw is not None
            and earlier.invitee
            and earlier.kind in ("answer", "unclear", "bounce")
            and not earlier.resolved_at  # decided by staff: their decision stands
        ):
            done = message_invitees(self.state, earlier.id)
            named = set(re.findall(r"Nr\. (\S+?)[ )]", earlier.evidence or ""))
            if earlier.invitee not in done or (earlier.kind == "answer" and named - done):
                outcomes = self._assess(mail or parse_mail(raw))
                if outcomes[0].invitee == earlier.invitee:
                    for outcome in outcomes:
                        if outcome.invitee not in done:
                            self._record(outcome, earlier.id)
        kind = earlier.kind
        review = waits_for_staff(kind, earlier.invitee)
        review = review and not earlier.resolved_at  # staff decided it (invite prüfen)
        self._queue_move(uid, earlier.id, review)

    def _queue_move(self, uid: int, row: int, review: bool) -> None:
        folder = self.imap.review_folder if review else self.imap.matched_folder
        self.moves.setdefault(folder, []).append((uid, row))

    def _flush(self, last_uid: int) -> None:
        """Move what was recorded, then remember how far we got (in that order). The folder
        is noted before the move: a crash between the two leaves the message in the inbox,
        where the next poll finds and moves it again; noted after, a moved message would
        never be seen again and its row would name the wrong folder for good."""
        for folder, items in self.moves.items():
            mark_moved(self.state, [row for _uid, row in items], folder)
            self.mailbox.move([uid for uid, _row in items], folder)
        self.moves.clear()
        save_folder_position(self.state, self.imap.folder, self.uidvalidity, last_uid)


def poll_round(
    campaign: Campaign,
    state: Store,
    mailbox: Mailbox,
    *,
    examine: Examine = evidence.examine,
    progress: Callable[[int, int], None] | None = None,
) -> PollSummary:
    """Process every message that arrived in the RSVP folder since the last round."""
    return _Round(campaign, state, mailbox, examine).run(progress)


def _oversized(header: bytes, size: int) -> IncomingMail:
    """A message too big to download: read its header only, and set it aside."""
    mail = parse_mail(header + b"\r\n\r\n")
    mail.size = size
    mail.rejected = (
        f"Die Nachricht ist zu groß ({size / 1024 / 1024:.0f} MB, erlaubt sind "
        f"{MAX_MESSAGE_BYTES // 1024 // 1024} MB) und wurde nicht geöffnet."
    )
    return mail


# -- the step ---------------------------------------------------------------------------------


def run_once(
    campaign: Campaign,
    mailbox: Mailbox,
    *,
    ask_password: AskPassword | None = None,
    examine: Examine = evidence.examine,
    progress: Callable[[int, int], None] | None = None,
) -> PollSummary:
    """One round under the data folder's lock: sync contacts, poll, send due confirmations."""
    with exclusive(campaign.paths.data, COMMAND), campaign.open_state() as state:
        campaign.sync(state, COMMAND)
        with mailbox.run_limit(campaign.settings.imap.run_deadline):
            summary = poll_round(campaign, state, mailbox, examine=examine, progress=progress)
            moved = move_pending(campaign, state, mailbox, COMMAND)  # decided in prüfen
        summary.warnings.extend(moved.problems or [])
        if campaign.settings.mail.send_confirmation:
            summary.confirmations, warning = confirm_answers(campaign, state, ask_password, COMMAND)
            if warning:
                summary.warnings.append(warning)
    return summary


def poll(
    campaign: Campaign,
    *,
    ask_password: AskPassword | None = None,
    examine: Examine = evidence.examine,
    progress: Callable[[int, int], None] | None = None,
) -> PollSummary:
    """`invite poll`: connect, process everything new once, disconnect."""
    ask = remembering(ask_password)
    with connect_mailbox(campaign, ask) as mailbox:
        return run_once(campaign, mailbox, ask_password=ask, examine=examine, progress=progress)


def watch(
    campaign: Campaign,
    *,
    interval: float,
    report: Callable[[PollSummary], None],
    trouble: Callable[[str], None],
    ask_password: AskPassword | None = None,
    stop: Callable[[], bool] = lambda: False,
    examine: Examine = evidence.examine,
) -> None:
    """`invite poll --watch`: poll, wait for news (IDLE, else ``interval``), repeat until
    ``stop()`` or Ctrl-C. A dropped connection is retried with growing pauses; a round that
    fails for another reason (say, the contact list is being edited) is retried later."""
    ask = remembering(ask_password)
    backoff = BACKOFF_START
    while not stop():
        try:
            with connect_mailbox(campaign, ask) as mailbox:
                backoff = BACKOFF_START
                while not stop():
                    try:
                        report(run_once(campaign, mailbox, ask_password=ask, examine=examine))
                    except ImapConnectionLost:
                        raise
                    except InviteError as exc:
                        trouble(f"{exc} Neuer Versuch in {interval:.0f} Sekunden.")
                        _sleep(interval, stop)
                        continue
                    mailbox.wait_for_news(interval, stop)
        except ImapConnectionLost as exc:
            trouble(f"{exc} Neuer Versuch in {backoff:.0f} Sekunden.")
            _sleep(backoff, stop)
            backoff = min(backoff * 2, BACKOFF_MAX)


def _sleep(seconds: float, stop: Callable[[], bool]) -> None:
    deadline = time.monotonic() + seconds
    while not stop() and time.monotonic() < deadline:
        time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
