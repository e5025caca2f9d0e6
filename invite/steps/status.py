"""`invite status`: write the RSVP status workbook, taking in what staff typed into it first.

Order matters for "no lost edits": the workbook on disk is compared with what the tool wrote
last time (hash, then cell by cell); understood changes become answers (source ``tabelle``),
anything else stops the run before a single byte is overwritten.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from invite import reviewing
from invite.campaign import Campaign
from invite.core.rsvp import (
    Edit,
    EditableCells,
    Overview,
    StatusRow,
    cell_text,
    interpret_edits,
    local_time,
    overview,
    status_rows,
)
from invite.errors import EXIT_USAGE, InviteError
from invite.facts import load_facts
from invite.files import copy_exclusive, storage_error
from invite.locking import Busy, acquire
from invite.store import (
    Store,
    audit_log,
    ensure_not_purged,
    open_reviews,
    record_answer,
    save_workbook_snapshot,
    set_invitee_note,
    workbook_snapshot,
)
from invite.workbook.status_workbook import (
    READ_ONLY_TEXT_COLUMNS,
    SHEET_INVITEES,
    AuditLine,
    ReviewLine,
    WorkbookContent,
    WorkbookOpen,
    file_digest,
    read_back,
    read_only_texts,
    read_review_decisions,
    refuse_if_open_elsewhere,
    write_status_workbook,
    written_cells,
)

COMMAND = "status"
STATUS_LOCK = ".status.lock"


class UnclearEdits(InviteError):
    """Staff changed the workbook in a way the tool cannot take in: it is not overwritten."""


@dataclass
class StatusResult:
    path: Path
    overview: Overview
    taken_in: list[Edit] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class WorkbookRefresh:
    """What became of rsvp-status.xlsx after a step: ``written``, or why it was left as it is."""

    written: StatusResult | None = None
    held_open: str = ""  # its file name: open in Excel or LibreOffice
    unclear_edits: bool = False  # staff edits that cannot be taken in surely
    problem: str = ""  # any other reason, in German


def write_status(
    campaign: Campaign, out: Path | None = None, *, today: dt.date | None = None
) -> StatusResult:
    """Sync the contacts, take in staff edits, write the workbook, remember what was written."""
    settings = campaign.settings
    zone = ZoneInfo(settings.event.timezone)
    path = (out or campaign.paths.status_workbook).expanduser().absolute()
    with campaign.open_state() as state, _status_lock(campaign.paths.data):
        ensure_not_purged(state)
        campaign.sync(state, COMMAND)
        taken_in, notices = _take_in_edits(state, campaign, path, zone)
        rows = status_rows(load_facts(state, zone))
        reviews = load_reviews(state, zone)
        result = StatusResult(
            path,
            overview(
                rows,
                capacity=settings.event.capacity,
                deadline=settings.event.rsvp_deadline,
                today=today or dt.datetime.now(zone).date(),
                review_items=len(reviews),
            ),
            taken_in,
            notices,
        )
        content = WorkbookContent(
            title=settings.event.title,
            generated_at=dt.datetime.now(zone).replace(tzinfo=None, microsecond=0),
            event_start=settings.event.start,
            rows=rows,
            overview=result.overview,
            reviews=reviews,
            audit=_audit_lines(state, zone),
        )
        sha256 = write_status_workbook(path, content)
        counts = ", ".join(f"{n} {s}" for s, n in result.overview.counts.items() if n)
        save_workbook_snapshot(state, str(path), sha256, _snapshot(rows), COMMAND, counts)
    return result


# -- staff edits ------------------------------------------------------------------------------


def _take_in_edits(
    state: Store, campaign: Campaign, path: Path, zone: ZoneInfo
) -> tuple[list[Edit], list[str]]:
    """Record what staff changed in the workbook since the tool wrote it; refuse the unclear."""
    refuse_if_open_elsewhere(path)
    digest = file_digest(path)
    if digest is None:
        return [], []
    snapshot = workbook_snapshot(state, str(path))
    if snapshot is None:
        raise InviteError(
            f"Die Datei „{path}“ gibt es schon, aber invite hat sie für diese Kampagne nicht "
            "geschrieben. Damit nichts verloren geht, wird sie nicht überschrieben: bitte "
            "umbenennen oder mit --out einen anderen Dateinamen wählen.",
            exit_code=EXIT_USAGE,
        )
    if digest == snapshot.sha256:
        return [], []

    found = read_back(path)
    # Snapshots kept before written_cells normalised hold raw text: compare it as read back.
    written = {
        nr: EditableCells(cells[0], cells[1], cell_text(cells[2]), cell_text(cells[3]))
        for nr, cells in snapshot.cells.items()
    }
    current = {row.number: written_cells(row) for row in status_rows(load_facts(state, zone))}
    report = interpret_edits(
        str(path),
        SHEET_INVITEES,
        written,
        {nr: f.cells for nr, f in found.items()},
        current,
    )
    decisions, decision_problems, decision_notices = reviewing.typed_decisions(
        state, zone, str(path), read_review_decisions(path)
    )
    problems = [*report.problems, *decision_problems]
    if problems:
        lines = "\n".join(f"  – {p}" for p in problems)
        raise UnclearEdits(
            "Die Rückmeldeliste wurde von Hand geändert, und nicht jede Änderung ist eindeutig:\n"
            f"{lines}\n"
            "Es wurde nichts übernommen und nichts überschrieben. Bitte korrigieren Sie die "
            "genannten Zellen (erlaubt im Status: zugesagt, abgesagt, unzustellbar, prüfen; in "
            "der Entscheidung: zusage, zusage 2, absage, unzustellbar, keine antwort, nr 17, "
            "code K7Q2-M9XA) und "
            "starten Sie „invite status“ erneut. Wenn Ihre Änderungen verworfen werden dürfen, "
            "benennen Sie die Datei um."
        )
    capacity = campaign.settings.event.capacity
    for edit in report.edits:
        if edit.answer is None:
            set_invitee_note(state, edit.number, edit.note, source="tabelle", command=COMMAND)
        else:
            record_answer(
                state,
                edit.number,
                edit.answer,
                source="tabelle",
                command=COMMAND,
                persons=edit.persons,
                participants=edit.participants,
                note=edit.note,
                capacity=capacity,
            )
    taken = [*report.edits]
    for decision in decisions:  # through the one path of `invite prüfen` / `invite record`
        settled = reviewing.settle(
            campaign, state, decision.item, decision.choice, source="tabelle", command=COMMAND
        )
        changes = [f"Entscheidung „{decision.text}“ (Blatt „Zu prüfen“, Zeile {decision.row})"]
        taken.append(Edit(decision.choice.invitee or "–", None, None, "", "", tuple(changes)))
        decision_notices.extend(settled.lines)
    if decisions:
        decision_notices.append(
            "Entschiedene Nachrichten werden beim nächsten „invite poll“ (oder „invite prüfen“) "
            f"im Postfach nach „{campaign.settings.imap.matched_folder}“ verschoben."
        )
    backup = _keep_changed_copy(path)
    kept = (
        f"Die von Hand geänderte Fassung bleibt als „{backup.name}“ erhalten; übernommen werden "
        "nur Status, Personen, Teilnehmende, Bemerkung und die Entscheidung auf „Zu prüfen“."
    )
    return taken, [*decision_notices, *_ignored_changes(snapshot.cells, found), kept]


def _keep_changed_copy(path: Path) -> Path:
    """Staff may have typed anywhere (another column, another sheet): before the workbook is
    rewritten, its edited version is kept beside it, so no typed word is ever lost. The copy
    is a new file (owner only); a name already taken — even by a link — is skipped."""
    stamp = dt.datetime.now().strftime("%Y-%m-%d-%H%M%S")
    for n in itertools.count(1):
        tail = "" if n == 1 else f"-{n}"
        backup = path.with_name(f"{path.stem}.vorher-{stamp}{tail}{path.suffix}")
        try:
            copy_exclusive(path, backup)
        except FileExistsError:
            continue
        except OSError as exc:
            raise storage_error(backup, exc) from None
        return backup
    raise AssertionError("unreachable")


def _ignored_changes(written: dict[str, list], found: dict) -> list[str]:
    """Say which typed changes the tool cannot take in, so nobody thinks they were kept."""
    notices = []
    for number, cells in written.items():
        row = found.get(number)
        if row is None:
            notices.append(f"Nr. {number}: Die Zeile fehlte in der Tabelle und ist wieder da.")
            continue
        changed = [
            column
            for column, before, now in zip(
                READ_ONLY_TEXT_COLUMNS, cells[4:], row.texts, strict=True
            )
            if before != now
        ]
        if changed:
            names = ", ".join(f"„{c}“" for c in changed)
            notices.append(
                f"Nr. {number}: Änderung in {names} nicht übernommen – Kontaktdaten bitte in "
                "der Kontaktliste ändern."
            )
    return notices


def _snapshot(rows: list[StatusRow]) -> dict[str, list]:
    out = {}
    for row in rows:
        cells = written_cells(row)
        out[row.number] = [
            cells.status,
            cells.persons,
            cells.participants,
            cells.note,
            *read_only_texts(row),
        ]
    return out


@contextlib.contextmanager
def _status_lock(data_dir: Path) -> Iterator[None]:
    """Two `status` runs at once would race for the same file and snapshot."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        lock = acquire(data_dir / STATUS_LOCK)
    except Busy:
        raise InviteError(
            "Die Rückmeldeliste wird gerade von einem anderen Vorgang geschrieben. "
            "Bitte kurz warten und erneut starten."
        ) from None
    try:
        yield
    finally:
        lock.release()


# -- facts from the database ------------------------------------------------------------------


def load_reviews(state: Store, zone: ZoneInfo) -> list[ReviewLine]:
    """Messages the inbox could not settle and nobody has resolved yet, oldest first
    (a bounce that names no invitee of the campaign is one of them)."""
    rows = open_reviews(state)
    return [
        ReviewLine(
            at=local_time(r.received_at, zone) or local_time(r.processed_at, zone),
            sender=r.sender,
            subject=r.subject,
            kind=r.kind,
            reason=r.reason,
            number=r.invitee,
            folder=r.moved_to or r.folder,
            item=r.id,
        )
        for r in rows
    ]


def _audit_lines(state: Store, zone: ZoneInfo) -> Iterator[AuditLine]:
    for r in audit_log(state):
        yield AuditLine(local_time(r.at, zone), r.command, r.action, r.invitee, r.detail)


# -- keeping the workbook current after every step --------------------------------------------


def refresh_workbook(campaign: Campaign, *, today: dt.date | None = None) -> WorkbookRefresh:
    """Bring ``rsvp-status.xlsx`` up to date after a step that changed answers or deliveries.

    The one rule for every such step (send, remind, poll, record, prüfen): the same
    `write_status` as `invite status`, staff edits taken in first. It never fails the step:
    when the workbook is open in Excel/LibreOffice, holds unclear edits or cannot be written,
    it is left as it is and the summary says why (`cli_text.refresh_lines` says what to do).
    """
    try:
        return WorkbookRefresh(written=write_status(campaign, today=today))
    except WorkbookOpen as exc:
        return WorkbookRefresh(held_open=exc.path.name)
    except UnclearEdits:
        return WorkbookRefresh(unclear_edits=True)
    except InviteError as exc:
        return WorkbookRefresh(problem=str(exc))
