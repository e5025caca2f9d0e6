"""`invite purge`: after the event, delete every piece of personal data the campaign holds (DSGVO).

What stays is what a public body must be able to show later: how many were invited, how many
answered how, and the audit log of what was done when — with names and addresses scrubbed
from it. The database is vacuumed and its write-ahead log truncated, so deleted rows do not
linger in free pages of the file.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from invite.campaign import LIST_WRITTEN, Campaign
from invite.core.plurals import count
from invite.core.rsvp import CONFIRMED, STATUSES, overview, status_rows
from invite.errors import EXIT_USAGE, InviteError
from invite.facts import load_facts  # the same status rules as the workbook
from invite.store import (
    Store,
    all_answers,
    all_invitees,
    audit_details,
    compact,
    count_inbox_messages,
    count_printed_letters,
    count_sent,
    exclusive,
    inbox_senders_and_subjects,
    purged_at,
    scrub_personal_data,
    workbook_paths,
)

COMMAND = "purge"
SUMMARY_KEY = "purge_summary"
SCRUBBED = "[gelöscht]"
_EMAIL = re.compile(r"[^\s<>\"'(),;:]+@[^\s<>\"'(),;:]+")
_SPLIT = re.compile(r"[,;\n/]|\bund\b")


@dataclass(frozen=True)
class PurgePlan:
    """What a purge would delete and keep — shown before anyone confirms."""

    event_end: dt.datetime
    too_early: bool
    already_purged: str | None
    invitees: int
    status_counts: dict[str, int]
    persons_confirmed: int
    emails_sent: int
    letters_printed: int
    messages: int
    files: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class PurgeResult:
    plan: PurgePlan
    deleted_files: int
    scrubbed_audit_lines: int


def plan_purge(campaign: Campaign, state: Store, now_local: dt.datetime) -> PurgePlan:
    zone = ZoneInfo(campaign.settings.event.timezone)
    rows = status_rows(load_facts(state, zone))
    ov = overview(
        rows,
        capacity=campaign.settings.event.capacity,
        deadline=campaign.settings.event.rsvp_deadline,
        today=now_local.date(),
        review_items=0,
    )
    return PurgePlan(
        event_end=campaign.settings.event.end,
        too_early=now_local < campaign.settings.event.end,
        already_purged=purged_at(state),
        invitees=ov.invitees,
        status_counts=ov.counts,
        persons_confirmed=ov.persons_confirmed,
        emails_sent=count_sent(state),
        letters_printed=count_printed_letters(state),
        messages=count_inbox_messages(state),
        files=[p for p in _generated_files(campaign, state) if p.exists()],
    )


def run_purge(
    campaign: Campaign,
    *,
    force: bool,
    confirm: Callable[[PurgePlan], bool],
    now_local: dt.datetime | None = None,
) -> PurgeResult:
    """Delete personal data after the event; ``confirm`` sees the plan and may say no."""
    zone = ZoneInfo(campaign.settings.event.timezone)
    now_local = now_local or dt.datetime.now(zone).replace(tzinfo=None)
    data = campaign.paths.data
    if not (data / "invite.sqlite").is_file():
        raise InviteError(
            f"Im Datenordner „{data}“ gibt es keine Kampagnendaten zum Löschen.",
            exit_code=EXIT_USAGE,
        )
    with exclusive(data, COMMAND), campaign.open_state() as state:
        plan = plan_purge(campaign, state, now_local)
        if plan.too_early and not force:
            raise InviteError(
                "Die Veranstaltung ist noch nicht vorbei (Ende: "
                f"{plan.event_end:%d.%m.%Y %H:%M} Uhr). Personenbezogene Daten werden erst danach "
                "gelöscht. Wenn es wirklich jetzt sein muss: „invite purge --force“.",
                exit_code=EXIT_USAGE,
            )
        if not confirm(plan):
            raise InviteError("Abgebrochen. Es wurde nichts gelöscht.")
        scrubbed = _scrub_database(state, plan)
        deleted = _delete_files(plan.files)
        compact(state)
    return PurgeResult(plan, deleted, scrubbed)


def _generated_files(campaign: Campaign, state: Store) -> list[Path]:
    paths = campaign.paths
    files = [
        paths.letters,
        paths.forms,
        paths.programme,
        paths.print_batches,
        paths.outbox,
        paths.status_workbook,
        paths.participant_list,
        paths.data / ".pdf-fingerprints.json",
    ]
    for path in workbook_paths(state):
        files.append(Path(path))
        files.extend(sorted(Path(path).parent.glob(f"{Path(path).stem}.vorher-*.xlsx")))
    for path in audit_details(state, LIST_WRITTEN):
        files.append(Path(path))
    unique: list[Path] = []
    for f in files:
        if f not in unique and (f.exists() or f.is_symlink()):
            unique.append(f)  # only what is there: the count announced is the count deleted
    return unique


def _scrub_database(state: Store, plan: PurgePlan) -> int:
    """Blank every personal field and scrub the audit details, in one transaction."""
    personal = _personal_strings(state)
    outside = sorted(inbox_senders_and_subjects(state), key=len, reverse=True)
    summary = {
        "invitees": plan.invitees,
        "status": plan.status_counts,
        "persons_confirmed": plan.persons_confirmed,
        "emails_sent": plan.emails_sent,
        "letters_printed": plan.letters_printed,
        "messages": plan.messages,
    }
    return scrub_personal_data(
        state,
        lambda text, invitee: _scrub(text, personal.get(invitee or "", []), outside),
        meta={SUMMARY_KEY: json.dumps(summary, ensure_ascii=False)},
        command=COMMAND,
        action="Personenbezogene Daten gelöscht",
        detail=f"{plan.invitees} Eingeladene, {count(plan.persons_confirmed, 'Person', 'Personen')} "
        f"zugesagt, {_files(len(plan.files))}; Zählungen und Verlauf bleiben",
    )


def _personal_strings(state: Store) -> dict[str, list[str]]:
    """Per Nr., the texts that identify the person, longest first (so „Ali Yılmaz“ goes
    before „Ali“)."""
    out: dict[str, set[str]] = {}
    for r in all_invitees(state, include_removed=True):
        values = {v for v in (r.first_name, r.last_name, r.organisation, r.street, r.email) if v}
        full = " ".join(p for p in (r.title, r.first_name, r.last_name) if p)
        values.update({full, f"{r.first_name} {r.last_name}".strip()})
        out[r.number] = values
    for a in all_answers(state):
        target = out.setdefault(a.invitee, set())
        for text in (a.participants, a.note):
            if text:
                target.add(text)
                target.update(p.strip() for p in _SPLIT.split(text) if p.strip())
    return {
        number: sorted((v for v in values if len(v) >= 2), key=len, reverse=True)
        for number, values in out.items()
    }


def _scrub(detail: str, personal: list[str], outside: list[str]) -> str:
    if not detail:
        return detail
    for text in personal:
        if text in detail:  # whole words only: „Jo“ must not eat „Johannes“ elsewhere
            pattern = rf"(?<!\w){re.escape(text)}(?!\w)"
            detail = re.sub(pattern, SCRUBBED, detail)
    for text in outside:
        if len(text) >= 4 and text in detail:
            detail = detail.replace(text, SCRUBBED)
    return _EMAIL.sub(SCRUBBED, detail)


def _delete_files(files: list[Path]) -> int:
    deleted = 0
    for path in files:
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            deleted += 1
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise InviteError(
                f"„{path}“ konnte nicht gelöscht werden ({exc.strerror or exc}). Die Datenbank ist "
                "bereits bereinigt; bitte die Datei schließen und „invite purge“ erneut starten."
            ) from None
    return deleted


def _local_date(stamp: str) -> str:
    try:
        return dt.datetime.fromisoformat(stamp).astimezone().strftime("%d.%m.%Y")
    except ValueError:
        return stamp


# -- messages ---------------------------------------------------------------------------------


def plan_lines(plan: PurgePlan) -> list[str]:
    lines = []
    if plan.already_purged:
        lines.append(
            f"Die Daten wurden bereits am {_local_date(plan.already_purged)} gelöscht; "
            "es wird nur nachgeräumt."
        )
    lines += [
        "Gelöscht werden: Namen, Anschriften und E-Mail-Adressen "
        f"{_of_invitees(plan.invitees)}, Absender und Betreffzeilen "
        f"{_of_messages(plan.messages)}, Bemerkungen und Namen von Begleitpersonen,",
        f"  sowie {_files(len(plan.files))} (Briefe, Formulare, Druckstapel, "
        "Probelauf, Rückmeldeliste, Teilnehmerliste).",
        "Erhalten bleiben: die Zählungen und der Verlauf (ohne Namen und Adressen).",
    ]
    if plan.too_early:
        lines.append(
            "Achtung: Die Veranstaltung ist noch nicht vorbei "
            f"(Ende {plan.event_end:%d.%m.%Y %H:%M} Uhr)."
        )
    return lines


def summary_lines(result: PurgeResult) -> list[str]:
    plan = result.plan
    counts = ", ".join(f"{plan.status_counts[s]} {s}" for s in STATUSES if plan.status_counts[s])
    return [
        "Personenbezogene Daten gelöscht.",
        f"  Erhalten: {plan.invitees} Eingeladene ({counts or 'keine'}), "
        f"{count(plan.persons_confirmed, 'Person', 'Personen')} {CONFIRMED}, "
        f"{count(plan.emails_sent, 'E-Mail', 'E-Mails')} gesendet, "
        f"{count(plan.letters_printed, 'Brief', 'Briefe')} gedruckt, "
        f"{count(plan.messages, 'Nachricht', 'Nachrichten')} empfangen.",
        f"  Gelöscht: {_files(result.deleted_files, made=False)}; Verlauf bereinigt "
        f"({count(result.scrubbed_audit_lines, 'Eintrag', 'Einträge')}).",
        "  Nicht von invite gelöscht: die Kontaktliste (Excel) und die Nachrichten im "
        "Postfach – bitte selbst löschen, wenn sie nicht mehr gebraucht werden.",
    ]


def _files(n: int, *, made: bool = True) -> str:
    word = count(n, "erzeugte Datei bzw. erzeugter Ordner", "erzeugte Dateien/Ordner")
    return word if made else count(n, "Datei bzw. Ordner", "Dateien/Ordner")


def _of_invitees(n: int) -> str:
    return "der einen Eingeladenen" if n == 1 else f"aller {n} Eingeladenen"


def _of_messages(n: int) -> str:
    if n == 0:
        return "(keine Nachrichten empfangen)"
    return "der einen empfangenen Nachricht" if n == 1 else f"der {n} empfangenen Nachrichten"
