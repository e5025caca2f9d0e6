"""The German lines the command line prints: one function per step summary, nothing else.

Every campaign step returns a typed summary (a dataclass); this module turns it into the lines
staff read. `cli.py` prints them (``Line.err`` to stderr) and decides the exit code; no other
module formats a step's result for the terminal. Counts go through `core.plurals`.
The step modules are imported for their types only, so `invite --help` stays fast.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from invite.core.plurals import count, plural
from invite.core.rsvp import STATUSES, deadline_text
from invite.errors import Problem

if TYPE_CHECKING:
    from invite.campaign import Paths
    from invite.core.contacts import Invitee
    from invite.mail.delivery import DeliveryResult
    from invite.steps.check import CheckReport
    from invite.steps.letters import LettersReport
    from invite.steps.participants import ParticipantListResult
    from invite.steps.poll import PollSummary
    from invite.steps.remind import RemindPlan, RemindResult
    from invite.steps.review import ReviewSummary
    from invite.steps.send import SendPlan, SendResult
    from invite.steps.status import StatusResult, WorkbookRefresh


@dataclass(frozen=True)
class Line:
    """One line of output; ``err`` lines (warnings, failures) go to stderr."""

    text: str
    err: bool = False


def out(*texts: str) -> list[Line]:
    return [Line(t) for t in texts]


def err(*texts: str) -> list[Line]:
    return [Line(t, err=True) for t in texts]


def problems_text(problems: Iterable[Problem]) -> str:
    """Located problems of an input file, one per line."""
    return "\n".join(f"  – {p}" for p in problems)


# -- check --------------------------------------------------------------------------------


def check_lines(report: CheckReport) -> list[Line]:
    lines = out(*(f"Hinweis: {notice}" for notice in report.notices))
    if report.errors:
        return lines + err(
            f"{count(len(report.errors), 'Fehler', 'Fehler')} in der Kontaktliste gefunden:",
            problems_text(report.errors),
            "Bitte korrigieren Sie die Liste. Es wurde nichts erzeugt.",
        )
    counts = report.by_channel
    return lines + out(
        f"Alles in Ordnung: {len(report.invitees)} Eingeladene "
        f"(E-Mail: {counts['email']}, Post: {counts['post']}, beides: {counts['both']}). "
        "Einstellungen und Vorlagen sind gültig."
    )


# -- letters ------------------------------------------------------------------------------


def letters_lines(report: LettersReport, paths: Paths) -> list[Line]:
    skipped = report.letters_skipped + report.forms_skipped
    state_word = "neu geschrieben" if report.programme_written else "unverändert"
    lines = out(
        f"{count(report.letters_written, 'Brief', 'Briefe')} und "
        f"{count(report.forms_written, 'Anmeldeformular', 'Anmeldeformulare')} geschrieben, "
        f"{count(skipped, 'Datei', 'Dateien')} unverändert übersprungen "
        f"({report.invitees} Eingeladene).",
        f"Briefe: {paths.letters}",
        f"Anmeldeformulare: {paths.forms}",
        f"Programm ({state_word}): {report.programme}",
    )
    if report.print_batch is not None:
        what = "neu" if report.print_batch_new else "unverändert"
        return lines + out(
            f"Druckstapel ({what}, {count(report.print_batch_count, 'Brief', 'Briefe')} für den "
            f"Postversand): {report.print_batch}"
        )
    return lines + out("Kein Druckstapel: niemand erhält die Einladung per Post.")


# -- send and remind: before confirming, after the batch ----------------------------------


def _names(invitees: Sequence[Invitee], shown: int = 5) -> str:
    names = ", ".join(f"{inv.display_name} <{inv.email}>" for inv in invitees[:shown])
    more = len(invitees) - shown
    return names + (f" und {more} weitere" if more > 0 else "")


def batch_lines(
    what: tuple[str, str], invitees: Sequence[Invitee], *, dry_run: bool, then: Sequence[str]
) -> list[Line]:
    """How many emails go to whom, then what else the batch does (before the question).
    ``what`` is the word for one and for several."""
    n = len(invitees)
    if dry_run:
        return out(
            f"Probelauf: {count(n, *what)} {plural(n, 'wird', 'werden')} nur als Datei abgelegt."
        )
    lines = out(f"{count(n, *what)} {plural(n, 'geht', 'gehen')} an: {_names(invitees)}")
    return (lines if invitees else []) + out(*then)


def send_plan_lines(plan: SendPlan) -> list[Line]:
    return out(
        *(
            f"Neue Adresse: Nr. {inv.number} {inv.display_name} – die Einladung ging an "
            f"<{old}>, jetzt noch einmal an <{inv.email}>."
            for inv, old in plan.new_address
        )
    )


def remind_plan_then(plan: RemindPlan, *, dry_run: bool) -> tuple[str, ...]:
    """The line about printed reminder letters that follows the email count."""
    if not plan.post_open or dry_run:
        return ()
    letters = count(len(plan.post_open), "Erinnerungsbrief", "Erinnerungsbriefe")
    lead = "Dazu " if plan.to_send else ""
    verb = plural(len(plan.post_open), "wird", "werden")
    return (f"{lead or 'Es '}{verb} {letters} für die Post erstellt.",)


def delivery_ok(delivery: DeliveryResult) -> bool:
    """Everything went through (no failure, no unclear outcome, not stopped)."""
    return not (delivery.failed or delivery.unknown or delivery.stopped)


def delivery_lines(delivery: DeliveryResult, sent_label: str) -> list[Line]:
    """What happened to one batch of emails."""
    if delivery.outbox is not None:
        lines = out(
            f"Probelauf: {count(len(delivery.previewed), 'Nachricht', 'Nachrichten')} als .eml "
            f"abgelegt in „{delivery.outbox / 'new'}“. Es wurde nichts gesendet."
        )
    else:
        lines = out(f"{sent_label}: {len(delivery.sent)}")
    lines += err(*(f"Hinweis: {warning}" for warning in delivery.warnings))
    for title, entries in (
        ("Fehlgeschlagen", delivery.failed),
        ("Ausgang unklar", delivery.unknown),
    ):
        if entries:
            lines += err(
                f"{title}: {len(entries)}",
                *(
                    f"  – Nr. {inv.number} {inv.display_name} <{inv.email}>: {reason}"
                    for inv, reason in entries
                ),
            )
    if delivery.stopped:
        lines += err(
            f"Abgebrochen: {delivery.stopped}",
            "Noch nicht Gesendetes bleibt vorgemerkt; einfach erneut starten.",
        )
    return lines


def unclear_lines(invitees: Sequence[Invitee], command: str) -> list[Line]:
    if not invitees:
        return []
    return err(
        f"Unklar, ob angekommen (nicht erneut gesendet): {len(invitees)} – "
        + ", ".join(f"Nr. {inv.number}" for inv in invitees),
        "Bitte im Ordner „Gesendet“ oder beim Empfänger nachsehen; erneut senden mit "
        f"„invite {command} --resend-unknown“.",
    )


def send_lines(result: SendResult) -> list[Line]:
    plan = result.plan
    lines = []
    if plan.resolved:
        lines += out(f"Im Ordner Gesendet gefunden (gilt als gesendet): {len(plan.resolved)}")
    if result.cancelled:
        return lines + out("Abgebrochen. Es wurde nichts gesendet.")
    if plan.to_send:
        lines += delivery_lines(result.delivery, "Gesendet")
        if plan.new_address:
            lines += out(f"Davon an eine neue Adresse (korrigiert): {len(plan.new_address)}")
    else:
        lines += out("Keine Einladung offen: es gibt nichts zu senden.")
    lines += out(f"Übersprungen (bereits gesendet): {len(plan.already_sent)}")
    if plan.post_only:
        lines += out(
            f"Übersprungen (nur per Post, siehe „invite letters“): {len(plan.post_only)} – "
            + ", ".join(f"Nr. {inv.number} {inv.display_name}" for inv in plan.post_only)
        )
    return lines + unclear_lines(plan.unknown, "send")


def remind_lines(result: RemindResult) -> list[Line]:
    plan = result.plan
    if result.cancelled:
        return out("Abgebrochen. Es wurde nichts gesendet und nichts gedruckt.")
    lines = []
    if plan.to_send:
        lines += delivery_lines(result.delivery, "Erinnerungen gesendet")
    elif not plan.post_open:
        lines += out("Niemand ist offen und noch nicht erinnert: es gibt nichts zu senden.")
    if result.letters is not None:
        lines += out(
            f"Erinnerungsbriefe zum Drucken: {result.letters} "
            f"({count(len(plan.post_open), 'Brief', 'Briefe')})"
        )
    elif plan.post_open:
        n = len(plan.post_open)
        lines += out(
            f"Probelauf: {count(n, 'Erinnerungsbrief', 'Erinnerungsbriefe')} "
            f"{plural(n, 'wäre', 'wären')} zu drucken, für "
            + ", ".join(f"Nr. {inv.number} {inv.display_name}" for inv in plan.post_open)
            + ". Es wurde kein Brief geschrieben."
        )
    lines += out(
        f"Übersprungen (bereits erinnert): {len(plan.already_reminded)}",
        f"Übersprungen (haben geantwortet): {len(plan.answered)}",
    )
    if plan.not_invited:
        lines += out(f"Übersprungen (Einladung noch nicht gesendet): {len(plan.not_invited)}")
    if plan.in_review:
        lines += out(
            f"Übersprungen (Nachricht zu prüfen, „invite prüfen“): {len(plan.in_review)} – "
            + ", ".join(f"Nr. {inv.number}" for inv in plan.in_review)
        )
    return lines + unclear_lines(plan.unknown, "remind")


# -- poll, prüfen -------------------------------------------------------------------------


def poll_lines(summary: PollSummary, review_folder: str) -> list[Line]:
    """German counts of one poll round."""
    lines = out(*(f"Hinweis: {warning}" for warning in summary.warnings))
    if not summary.new:
        extra = f" ({summary.duplicates} bereits bekannte)" if summary.duplicates else ""
        return lines + out(f"Keine neuen Nachrichten{extra}.")
    waiting = f" (davon {summary.waiting_list} auf der Warteliste)" if summary.waiting_list else ""
    counts: list[tuple[str, int | str]] = [
        ("Zugeordnet mit Antwort", f"{summary.answers}{waiting}"),
        ("Zugeordnet, Antwort prüfen", summary.unclear),
        ("Nicht zugeordnet", summary.unmatched),
        ("Unzustellbar (Rückläufer)", summary.bounces),
        ("Automatische Antworten (nicht gezählt)", summary.autoreplies),
        ("Zurückgestellt (beschädigt, zu groß …)", summary.rejected),
    ]
    lines += out(f"{count(summary.new, 'neue Nachricht', 'neue Nachrichten')} verarbeitet:")
    lines += out(*(f"  {label}: {value}" for label, value in counts))
    if summary.duplicates:
        lines += out(f"  Bereits bekannt (nicht doppelt gezählt): {summary.duplicates}")
    if summary.confirmations:
        lines += out(f"Anmeldebestätigungen gesendet: {summary.confirmations}")
    if summary.set_aside:
        lines += out(
            f"Bitte {count(summary.set_aside, 'Nachricht', 'Nachrichten')} im Ordner "
            f"„{review_folder}“ ansehen."
        )
    return lines


def review_lines(summary: ReviewSummary) -> list[Line]:
    return out(
        f"Entschieden: {summary.decided}, übersprungen: {summary.skipped}"
        + (f", noch offen: {summary.left}" if summary.left else "")
        + "."
    )


# -- status, and the workbook after other steps ------------------------------------------


def status_lines(result: StatusResult) -> list[Line]:
    """The summary of `invite status`."""
    ov = result.overview
    counts = ", ".join(f"{ov.counts[s]} {s}" for s in STATUSES if ov.counts[s])
    persons = f"  Zugesagt: {count(ov.persons_confirmed, 'Person', 'Personen')}"
    if ov.capacity:
        persons += f" (Saal: {count(ov.capacity, 'Platz', 'Plätze')}, {ov.free_places} frei)"
    lines = out(
        f"Rückmeldeliste geschrieben: {result.path}",
        f"  {count(ov.invitees, 'Eingeladene', 'Eingeladene')}: {counts or 'keine'}",
        persons,
    )
    if ov.waiting_invitees:
        lines += out(
            f"  Warteliste: {count(ov.waiting_invitees, 'Zusage', 'Zusagen')} mit "
            f"{count(ov.waiting_persons, 'Person', 'Personen')} – der Saal ist voll."
        )
    if ov.review_items:
        lines += out(
            f"  {count(ov.review_items, 'Nachricht', 'Nachrichten')} zu prüfen "
            "(Blatt „Zu prüfen“ in der Tabelle)."
        )
    deadline = deadline_text(ov.days_left, ov.deadline)
    return lines + out(f"  {deadline[0].upper()}{deadline[1:]}.") + _edit_lines(result)


def _edit_lines(result: StatusResult) -> list[Line]:
    lines = []
    if result.taken_in:
        lines += out("Aus der Tabelle übernommen (als Antwort „tabelle“):")
        lines += out(*(f"  – Nr. {e.number}: {', '.join(e.changes)}" for e in result.taken_in))
    return lines + out(*(f"Hinweis: {n}" for n in result.notices))


def refresh_lines(refresh: WorkbookRefresh) -> list[Line]:
    """After send, remind, poll, record, prüfen: the workbook updated, or why not and what to do."""
    if refresh.written is not None:
        return out(f"Rückmeldeliste aktualisiert: {refresh.written.path}") + _edit_lines(
            refresh.written
        )
    if refresh.held_open:
        return out(
            f"Hinweis: Die Rückmeldeliste „{refresh.held_open}“ ist gerade in Excel oder "
            "LibreOffice geöffnet und wurde nicht aktualisiert. Sie wird aktualisiert, sobald "
            "sie geschlossen ist und „invite status“ läuft."
        )
    if refresh.unclear_edits:
        return out(
            "Hinweis: Die Rückmeldeliste wurde nicht aktualisiert: Sie enthält Änderungen von "
            "Hand, die nicht eindeutig sind, und wird deshalb nicht überschrieben. "
            "„invite status“ nennt die Zellen, die zu korrigieren sind."
        )
    return out(f"Hinweis: Die Rückmeldeliste wurde nicht aktualisiert. {refresh.problem}")


# -- teilnehmerliste, init ----------------------------------------------------------------


def participants_lines(result: ParticipantListResult) -> list[Line]:
    lines = out(
        f"Teilnehmerliste geschrieben: {result.path} "
        f"({count(result.attendees, 'Person', 'Personen')} aus "
        f"{count(result.invitees, 'Zusage', 'Zusagen')})."
    )
    if result.waiting:
        lines += out(
            f"Nicht auf der Liste: {count(result.waiting, 'Zusage', 'Zusagen')} auf der Warteliste."
        )
    if result.to_check:
        lines += out(
            "Bitte die Namen prüfen (in der Liste rot markiert): Nr. " + ", ".join(result.to_check)
        )
    return lines


def init_lines(target: Path) -> list[Line]:
    return out(
        f"Kampagnenordner „{target}“ angelegt. Passen Sie campaign.toml und die Vorlagen an,",
        f"dann: invite --campaign {target} check",
    )
