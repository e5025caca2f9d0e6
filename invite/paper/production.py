"""Paper production: every invitee's letter and form, the programme and print batches as PDF —
the engine behind `invite letters`, and what `send` and `remind` use to have current PDFs to
attach or print.

Rendering runs in a process pool on all cores (fonts registered and the signature read once per
worker). A file is rendered only when it is missing or its inputs changed: each file's
fingerprint (invitee data, rendered letter text, the settings the PDFs show, signature, fonts,
drawing code version) is kept in a small JSON sidecar in the data folder. Every file is written
atomically (``invite.files``); if any invitee fails, the run reports it and no print batch is
made.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from invite.campaign import Campaign
from invite.core.contacts import Invitee, invitee_fingerprint
from invite.core.layout import letter_content
from invite.errors import InviteError
from invite.files import write_atomic
from invite.paper.fonts import locate_fonts, register_fonts
from invite.paper.form import draw_form, render_form
from invite.paper.pdf import (
    Decorate,
    Metadata,
    Section,
    build_pdf,
    cover_section,
    letter_section,
    programme_section,
    render_letter,
    render_programme,
)
from invite.paper.window import address_problems
from invite.settings import Settings
from invite.store import Store, add_print_batch
from invite.templates import template_context

# Bump when the drawing code changes what a PDF looks like: every file is then rendered anew.
RENDER_VERSION = (
    "3"  # 2: English letterhead and form, tooltips, room, even titles; 3: English address line
)
FINGERPRINTS_FILE = ".pdf-fingerprints.json"
# Fewer jobs than this are rendered in-process: starting workers would cost more than it saves.
POOL_THRESHOLD = 8

Progress = Callable[[int, int], None]


@dataclass
class LettersReport:
    """What a run did, for the German summary."""

    invitees: int = 0
    letters_written: int = 0
    forms_written: int = 0
    letters_skipped: int = 0
    forms_skipped: int = 0
    programme_written: bool = False
    programme: Path | None = None
    print_batch: Path | None = None
    print_batch_count: int = 0
    print_batch_new: bool = False


@dataclass(frozen=True)
class Job:
    """Render work for one invitee; ``None`` paths are up to date and skipped."""

    invitee: Invitee
    language: str  # of the letter template used (German when the invitee's is missing)
    body: str
    letter: Path | None
    form: Path | None


@dataclass(frozen=True)
class RenderOutcome:
    number: str
    letter: bool = False
    form: bool = False
    error: str = ""


# -- fingerprints --------------------------------------------------------------------------


def _digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()[:24]


def campaign_fingerprint(settings: Settings) -> str:
    """What every PDF depends on: the settings they show (sender, letter, event, programme,
    reply address), signature, fonts and the drawing code. Not the whole settings file: a
    changed mail server must not render everything anew and make a second print batch."""
    files = locate_fonts(settings.letter.font, settings.letter.font_bold)
    letter = dataclasses.asdict(settings.letter)
    for path_field in ("signature_image", "font", "font_bold"):  # their content counts, below
        letter.pop(path_field)
    shown = {
        "sender": dataclasses.asdict(settings.sender),
        "letter": letter,
        "event": dataclasses.asdict(settings.event),
        "programme": [dataclasses.asdict(item) for item in settings.programme],
        "reply_to": settings.mail.reply_to,
    }
    return _digest(
        RENDER_VERSION,
        json.dumps(shown, sort_keys=True, ensure_ascii=False, default=str),
        settings.letter.signature_image.read_bytes(),
        str(files.regular),
        str(files.bold),
    )


class Fingerprints:
    """The sidecar: data-folder-relative file path -> fingerprint of the inputs it was made from."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / FINGERPRINTS_FILE
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            loaded = {}
        self.entries: dict[str, str] = loaded if isinstance(loaded, dict) else {}

    def _key(self, file: Path) -> str:
        return file.relative_to(self.data_dir).as_posix()

    def current(self, file: Path, fingerprint: str) -> bool:
        return file.is_file() and self.entries.get(self._key(file)) == fingerprint

    def set(self, file: Path, fingerprint: str) -> None:
        self.entries[self._key(file)] = fingerprint

    def save(self) -> None:
        write_atomic(self.path, json.dumps(self.entries, indent=0, sort_keys=True).encode())


# -- the address window --------------------------------------------------------------------


def _refuse_overflowing(settings: Settings, invitees: Iterable[Invitee], what: str) -> None:
    problems = address_problems(settings, invitees)
    if problems:
        raise InviteError(
            f"{len(problems)} Anschrift(en) passen nicht ins Sichtfenster, {what}:\n"
            + "\n".join(f"  – {problem}" for problem in problems)
        )


# -- workers -------------------------------------------------------------------------------

_settings: Settings | None = None


def _init_worker(settings: Settings) -> None:
    """Once per process: fonts registered, settings kept (the signature is cached on first use)."""
    global _settings
    register_fonts(settings.letter.font, settings.letter.font_bold)
    _settings = settings


def _render_job(job: Job) -> RenderOutcome:
    """Render and write one invitee's files; errors come back as data, named by Nr."""
    assert _settings is not None
    settings = _settings
    done = {"letter": False, "form": False}
    errors: list[str] = []

    def attempt(kind: str, make: Callable[[], bytes], path: Path) -> None:
        try:
            write_atomic(path, make())
            done[kind] = True
        except InviteError as exc:
            errors.append(str(exc))
        except Exception as exc:  # a drawing failure must name the invitee, not end the batch
            errors.append(f"{type(exc).__name__}: {exc}")

    if job.letter is not None:
        content = letter_content(settings, job.invitee, job.body, job.language)
        attempt("letter", lambda: render_letter(settings, content), job.letter)
    if job.form is not None:
        attempt("form", lambda: render_form(settings, job.invitee), job.form)
    return RenderOutcome(job.invitee.number, done["letter"], done["form"], "; ".join(errors))


def _worker_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_jobs(
    settings: Settings, jobs: Sequence[Job], progress: Progress | None = None
) -> list[RenderOutcome]:
    """Render all jobs, in parallel when it pays off; results in job order."""
    _init_worker(settings)
    total = len(jobs)
    outcomes: list[RenderOutcome] = []
    workers = min(_worker_count(), total)
    if total < POOL_THRESHOLD or workers < 2:
        for job in jobs:
            outcomes.append(_render_job(job))
            if progress:
                progress(len(outcomes), total)
        return outcomes
    chunk = max(1, min(16, total // (workers * 4)))
    with concurrent.futures.ProcessPoolExecutor(
        max_workers=workers, initializer=_init_worker, initargs=(settings,)
    ) as pool:
        for outcome in pool.map(_render_job, jobs, chunksize=chunk):
            outcomes.append(outcome)
            if progress:
                progress(len(outcomes), total)
    return outcomes


# -- the step ------------------------------------------------------------------------------


def letter_text(campaign: Campaign, invitee: Invitee, template: str = "letter") -> tuple[str, str]:
    """The letter template's language for this invitee and the rendered text."""
    language = campaign.templates.resolve_language(invitee.language, template)
    context = template_context(campaign.settings, invitee)
    return language, campaign.templates.render(template, language, context)


def _plan(
    campaign: Campaign, invitees: Iterable[Invitee], prints: Fingerprints, common: str
) -> tuple[list[Job], dict[str, tuple[str, str]], int, int]:
    """Render letter texts (template errors surface here, before anything is written) and
    decide which files are out of date."""
    paths = campaign.paths
    jobs: list[Job] = []
    planned: dict[str, tuple[str, str]] = {}
    skipped_letters = skipped_forms = 0
    for inv in invitees:
        language, body = letter_text(campaign, inv)
        person = invitee_fingerprint(inv)
        letter_fp = _digest(common, "letter", person, inv.code, language, body)
        form_fp = _digest(common, "form", person, inv.code)
        letter = None if prints.current(paths.letter(inv), letter_fp) else paths.letter(inv)
        form = None if prints.current(paths.form(inv), form_fp) else paths.form(inv)
        skipped_letters += letter is None
        skipped_forms += form is None
        planned[inv.number] = (letter_fp, form_fp)
        if letter is not None or form is not None:
            jobs.append(Job(inv, language, body, letter, form))
    return jobs, planned, skipped_letters, skipped_forms


def render_files(
    campaign: Campaign, invitees: Sequence[Invitee], progress: Progress | None
) -> tuple[LettersReport, set[str]]:
    """Bring programme, letters and forms of ``invitees`` up to date; return what changed."""
    settings, paths = campaign.settings, campaign.paths
    register_fonts(settings.letter.font, settings.letter.font_bold)
    prints = Fingerprints(paths.data)
    common = campaign_fingerprint(settings)
    report = LettersReport(invitees=len(invitees), programme=paths.programme)
    jobs, planned, report.letters_skipped, report.forms_skipped = _plan(
        campaign, invitees, prints, common
    )
    _refuse_overflowing(
        settings, (job.invitee for job in jobs if job.letter is not None), "es wurde nichts erzeugt"
    )
    programme_fp = _digest(common, "programme")
    if not prints.current(paths.programme, programme_fp):
        write_atomic(paths.programme, render_programme(settings))
        prints.set(paths.programme, programme_fp)
        report.programme_written = True
    by_number = {job.invitee.number: job for job in jobs}
    failures: list[str] = []
    changed: set[str] = set()
    try:
        for outcome in run_jobs(settings, jobs, progress):
            job = by_number[outcome.number]
            letter_fp, form_fp = planned[outcome.number]
            if outcome.letter and job.letter is not None:
                prints.set(job.letter, letter_fp)
                report.letters_written += 1
            if outcome.form and job.form is not None:
                prints.set(job.form, form_fp)
                report.forms_written += 1
            if outcome.error:
                failures.append(f"  – Nr. {outcome.number}: {outcome.error}")
                continue
            changed.add(outcome.number)
    finally:
        prints.save()  # what was written stays known even when a later invitee failed
    if failures:
        done = report.letters_written + report.forms_written
        raise InviteError(
            f"Für {len(failures)} Eingeladene konnten die PDFs nicht erzeugt werden "
            f"({done} Dateien wurden geschrieben, kein Druckstapel):\n" + "\n".join(failures)
        )
    return report, changed


def ensure_rendered(campaign: Campaign, state: Store, invitees: Sequence[Invitee]) -> None:
    """Make sure the programme and each invitee's letter and form exist and are current
    (used by send and remind before attaching them)."""
    render_files(campaign, invitees, None)


@dataclass(frozen=True)
class BatchKind:
    """What a print batch holds: its letter template, file name, title and ledger kind."""

    kind: str  # print_batches.kind
    template: str
    file_prefix: str
    title: str
    audit: str
    programme: bool  # the programme goes into each envelope (the letter announces it)


INVITATIONS = BatchKind(
    "invitation", "letter", "Druckstapel", "Druckstapel", "Druckstapel erstellt", True
)
REMINDERS = BatchKind(
    "reminder",
    "reminder_letter",
    "Erinnerungen",
    "Erinnerungsbriefe",
    "Erinnerungsbriefe erstellt",
    False,
)
# A batch made for a printer without duplex carries this in its file name.
SIMPLEX_SUFFIX = "-einseitig"


def cover_text(
    batch: BatchKind, settings: Settings, count: int, made: dt.datetime, *, duplex: bool
) -> tuple[str, list[str], tuple[str, list[str]]]:
    """The cover sheet's wording (title, facts, steps) for the office that prints and posts."""
    enclosed = "Brief, Programm, Anmeldeformular" if batch.programme else "Brief, Anmeldeformular"
    facts = [
        settings.event.title,
        f"Anzahl Sendungen: {count}",
        f"Erstellt am {made:%d.%m.%Y} um {made:%H:%M} Uhr",
        f"Je Sendung in dieser Reihenfolge: {enclosed}; nach Nr. sortiert.",
    ]
    if duplex:
        printing = [
            "Beidseitig drucken (Duplex, Bindung an der langen Kante), A4, Größe 100 % "
            "(„Tatsächliche Größe“, nicht „An Seite anpassen“ – sonst rutscht die Anschrift "
            "aus dem Fenster).",
            "Jede Sendung beginnt auf einer Vorderseite, das Anmeldeformular steht auf einem "
            "eigenen Blatt. Leere Rückseiten sind Absicht.",
        ]
    else:
        printing = [
            "Einseitig drucken, A4, Größe 100 % („Tatsächliche Größe“, nicht „An Seite "
            "anpassen“ – sonst rutscht die Anschrift aus dem Fenster).",
            "Jede Seite ist ein eigenes Blatt. (Für einen Drucker mit Duplex den Stapel ohne "
            "--simplex erzeugen.)",
        ]
    steps = [
        *printing,
        "Dieses Deckblatt gehört nicht in einen Umschlag.",
        "Die Blätter einer Sendung zusammen falten: zweimal quer an den Falzmarken am linken "
        "Rand, die Anschrift außen oben.",
        "In einen Fensterumschlag DIN lang (DL oder C6/5) stecken; die Anschrift muss ganz im "
        "Fenster stehen. Frankieren und zur Poststelle geben.",
    ]
    return f"{batch.title} für den Postversand", facts, ("So geht es weiter:", steps)


def print_batch_pdf(
    campaign: Campaign,
    postal: Sequence[Invitee],
    batch: BatchKind = INVITATIONS,
    dated: dt.date | None = None,
    *,
    duplex: bool = True,
    made: dt.datetime | None = None,
) -> bytes:
    """A cover sheet, then per invitee in Nr. order the letter, the programme (invitations)
    and the printed (non-fillable) form, in one file for the printer.

    ``duplex``: every invitee and every form starts on a front side, blank back pages where
    needed, so a double-sided print never puts one person's page on another's sheet.
    ``dated`` puts another date than the invitation's on the letters (a reminder is dated
    the day it is printed; its text still refers to the invitation's date)."""
    settings = campaign.settings
    _refuse_overflowing(settings, postal, "es wurde keine Druckdatei erzeugt")
    layout = settings
    if dated is not None:
        layout = dataclasses.replace(
            settings, letter=dataclasses.replace(settings.letter, date=dated)
        )
    title, facts, steps = cover_text(
        batch, settings, len(postal), made or dt.datetime.now(), duplex=duplex
    )
    sections: list[Section] = [cover_section(settings, title, facts, steps)]
    for inv in postal:
        language, body = letter_text(campaign, inv, batch.template)
        content = letter_content(layout, inv, body, language)
        sections.append(dataclasses.replace(letter_section(settings, content), front_side=True))
        if batch.programme:
            sections.append(programme_section(settings))
        sections.append(
            Section(
                [],
                _printed_form(settings, inv),
                "plain",
                front_side=True,
            )
        )
    sender = settings.sender
    meta = Metadata(
        title=f"{batch.title}: {settings.letter.subject}",
        author=f"{sender.organisation} – {sender.office}",
        subject=f"Sendungen für den Postversand: {len(postal)}",
    )
    return build_pdf(sections, meta, duplex=duplex)


def make_print_batch(
    campaign: Campaign,
    state: Store,
    postal: Sequence[Invitee],
    batch: BatchKind = INVITATIONS,
    *,
    dated: dt.date | None = None,
    command: str = "letters",
    duplex: bool = True,
) -> Path:
    """Write the print batch and record which invitees it holds (status shows them as sent,
    or reminded, by post on that date)."""
    postal = sorted(postal, key=lambda inv: int(inv.number))
    made = dt.datetime.now()
    stamp = made.strftime("%Y-%m-%d-%H%M%S")
    suffix = "" if duplex else SIMPLEX_SUFFIX
    path = campaign.paths.print_batches / f"{batch.file_prefix}-{stamp}{suffix}.pdf"
    serial = 1
    while path.exists():  # two runs within one second must not overwrite a recorded batch
        serial += 1
        path = campaign.paths.print_batches / f"{batch.file_prefix}-{stamp}-{serial}{suffix}.pdf"
    write_atomic(path, print_batch_pdf(campaign, postal, batch, dated, duplex=duplex, made=made))
    add_print_batch(
        state,
        batch.kind,
        str(path.resolve()),
        [inv.number for inv in postal],
        command=command,
        action=batch.audit,
        detail=f"{path.name}, {len(postal)} Briefe",
    )
    return path


def make_reminder_batch(
    campaign: Campaign,
    state: Store,
    postal: Sequence[Invitee],
    today: dt.date,
    *,
    duplex: bool = True,
) -> Path:
    """Reminder letters with the printed form for open postal invitees, dated ``today``
    (``invite remind``); recorded so status shows „Erinnert am“ and no one gets two."""
    return make_print_batch(
        campaign, state, postal, REMINDERS, dated=today, command="remind", duplex=duplex
    )


def _printed_form(settings: Settings, invitee: Invitee) -> Decorate:
    """The Anmeldeformular of one invitee as a plain (not fillable) page of a print batch."""
    return lambda canvas, page: draw_form(canvas, settings, invitee, fillable=False)
