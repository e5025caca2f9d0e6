"""`invite purge`: after the event, delete every piece of personal data the campaign holds (DSGVO).

What stays is what a public body must be able to show later: how many were invited, how many
answered how, and the audit log of what was done when — with names and addresses scrubbed
from it. The database is vacuumed and its write-ahead log truncated, so deleted rows do not
linger in free pages of the file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from invite.campaign import Campaign
from invite.core.plurals import count
from invite.core.rsvp import CONFIRMED, STATUSES, overview, status_rows
from invite.errors import EXIT_USAGE, InviteError
from invite.state import PURGED_KEY, State, exclusive, now
from invite.steps.participants import LIST_WRITTEN, PARTICIPANT_LIST

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


def plan_purge(campaign: Campaign, state: State, now_local: dt.datetime) -> PurgePlan:
    zone = ZoneInfo(campaign.settings.event.timezone)
    from invite.steps.status import load_facts  # the same status rules as the workbook

    rows = status_rows(load_facts(state, zone))
    ov = overview(
        rows,
        capacity=campaign.settings.event.capacity,
        deadline=campaign.settings.event.rsvp_deadline,
        today=now_local.date(),
        review_items=0,
    )
    conn = state.conn
    purged = conn.execute("SELECT value FROM meta WHERE key = ?", (PURGED_KEY,)).fetchone()
    return PurgePlan(
        event_end=campaign.settings.event.end,
        too_early=now_local < campaign.settings.event.end,
        already_purged=purged[0] if purged else None,
        invitees=ov.invitees,
        status_counts=ov.counts,
        persons_confirmed=ov.persons_confirmed,
        emails_sent=conn.execute("SELECT COUNT(*) FROM deliveries WHERE state = 'sent'").fetchone()[
            0
        ],
        letters_printed=conn.execute("SELECT COUNT(*) FROM print_batch_items").fetchone()[0],
        messages=conn.execute("SELECT COUNT(*) FROM inbox_messages").fetchone()[0],
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
        _compact(state)
    return PurgeResult(plan, deleted, scrubbed)


def _generated_files(campaign: Campaign, state: State) -> list[Path]:
    paths = campaign.paths
    files = [
        paths.letters,
        paths.forms,
        paths.programme,
        paths.print_batches,
        paths.outbox,
        paths.status_workbook,
        paths.data / PARTICIPANT_LIST,
        paths.data / ".pdf-fingerprints.json",
    ]
    for (path,) in state.conn.execute("SELECT path FROM status_workbooks"):
        files.append(Path(path))
        files.extend(sorted(Path(path).parent.glob(f"{Path(path).stem}.vorher-*.xlsx")))
    for (path,) in state.conn.execute("SELECT detail FROM audit WHERE action = ?", (LIST_WRITTEN,)):
        files.append(Path(path))
    unique: list[Path] = []
    for f in files:
        if f not in unique and (f.exists() or f.is_symlink()):
            unique.append(f)  # only what is there: the count announced is the count deleted
    return unique


def _scrub_database(state: State, plan: PurgePlan) -> int:
    """Blank every personal field and scrub the audit details, in one transaction."""
    conn = state.conn
    conn.execute("PRAGMA secure_delete = ON")  # freed pages are zeroed, not left readable
    personal = _personal_strings(state)
    outside = sorted(
        {s for r in conn.execute("SELECT sender, subject FROM inbox_messages") for s in r if s},
        key=len,
        reverse=True,
    )
    stamp = now()
    scrubbed = 0
    summary = {
        "invitees": plan.invitees,
        "status": plan.status_counts,
        "persons_confirmed": plan.persons_confirmed,
        "emails_sent": plan.emails_sent,
        "letters_printed": plan.letters_printed,
        "messages": plan.messages,
    }
    with state.transaction():
        for row in conn.execute("SELECT id, invitee, detail FROM audit").fetchall():
            detail = _scrub(row["detail"], personal.get(row["invitee"], []), outside)
            if detail != row["detail"]:
                conn.execute("UPDATE audit SET detail = ? WHERE id = ?", (detail, row["id"]))
                scrubbed += 1
        conn.execute(
            "UPDATE invitees SET salutation = '', title = '', first_name = '', last_name = '', "
            "organisation = '', street = '', postcode = '', city = '', country = '', email = '', "
            "fingerprint = 'gelöscht', updated_at = ?",
            (stamp,),
        )
        conn.execute("UPDATE deliveries SET recipient = '', error = NULL")
        conn.execute(
            "UPDATE inbox_messages SET sender = '', subject = '', evidence = '', reason = '', "
            "attachments = '', message_id = NULL, move_to = NULL"
        )
        conn.execute("UPDATE answers SET participants = '', note = ''")
        conn.execute("DELETE FROM invitee_notes")
        conn.execute("DELETE FROM status_workbooks")
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?), (?, ?) ON CONFLICT (key) DO UPDATE "
            "SET value = excluded.value",
            (PURGED_KEY, stamp, SUMMARY_KEY, json.dumps(summary, ensure_ascii=False)),
        )
        State._audit(
            conn,
            COMMAND,
            "Personenbezogene Daten gelöscht",
            None,
            f"{plan.invitees} Eingeladene, {count(plan.persons_confirmed, 'Person', 'Personen')} "
            f"zugesagt, {_files(len(plan.files))}; Zählungen und Verlauf bleiben",
        )
    return scrubbed


def _personal_strings(state: State) -> dict[str, list[str]]:
    """Per Nr., the texts that identify the person, longest first (so „Ali Yılmaz“ goes
    before „Ali“)."""
    out: dict[str, set[str]] = {}
    for r in state.conn.execute("SELECT * FROM invitees"):
        values = {
            r[k] for k in ("first_name", "last_name", "organisation", "street", "email") if r[k]
        }
        full = " ".join(p for p in (r["title"], r["first_name"], r["last_name"]) if p)
        values.update({full, f"{r['first_name']} {r['last_name']}".strip()})
        out[r["number"]] = values
    for r in state.conn.execute("SELECT invitee, participants, note FROM answers"):
        target = out.setdefault(r["invitee"], set())
        for text in (r["participants"], r["note"]):
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


def _compact(state: State) -> None:
    """Rewrite the database file and empty the write-ahead log, which still hold old pages."""
    with contextlib.suppress(Exception):
        state.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    state.conn.execute("VACUUM")
    state.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


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
