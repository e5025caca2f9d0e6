"""The `invite` command line: parse arguments, call the campaign step, print in German.

No campaign logic lives here. Every user-facing failure arrives as an InviteError and is
printed once, with the exit code it carries (0 ok, 1 problems found, 2 usage/configuration).
"""

from __future__ import annotations

import contextlib
import copy
import re
import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from invite.campaign import Campaign, ContactErrors, problems_text
from invite.console import robust_streams
from invite.core.plurals import count, plural
from invite.errors import EXIT_PROBLEMS, EXIT_USAGE, InviteError
from invite.files import storage_message

# -- German help and usage texts ------------------------------------------------------------


class GermanHelp:
    """Mixin: German headings for click's help pages."""

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)  # type: ignore[attr-defined]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix="Aufruf: ")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        opts = [rv for p in self.get_params(ctx) if (rv := p.get_help_record(ctx))]  # type: ignore[attr-defined]
        if opts:
            with formatter.section("Optionen"):
                formatter.write_dl(opts)
        if isinstance(self, click.Group):
            commands = []
            for name in self.list_commands(ctx):
                cmd = self.get_command(ctx, name)
                if cmd is not None and not cmd.hidden:
                    commands.append((name, cmd.get_short_help_str(limit=70)))
            if commands:
                with formatter.section("Befehle"):
                    formatter.write_dl(commands)


class GermanCommand(GermanHelp, click.Command):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[OPTIONEN]")
        super().__init__(*args, **kwargs)


class GermanGroup(GermanHelp, click.Group):
    command_class = GermanCommand

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[OPTIONEN]")
        kwargs.setdefault("subcommand_metavar", "BEFEHL [ARGUMENTE]...")
        super().__init__(*args, **kwargs)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)  # campaign order, not alphabetical


HELP = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
HELP_TEXT = "Diese Hilfe anzeigen und beenden."

# -- global options, accepted before and after the command name ------------------------------

GLOBAL_OPTIONS = (
    (
        "campaign",
        "--campaign",
        "INVITE_CAMPAIGN",
        "letters",
        "Kampagnenordner (Einstellungen, Vorlagen).",
    ),
    ("contacts", "--contacts", "INVITE_CONTACTS", "contacts.xlsx", "Kontaktliste (Excel, .xlsx)."),
    ("data", "--data", "INVITE_DATA", "invite-data", "Datenordner (Datenbank, erzeugte Dateien)."),
)


def _group_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for name, flag, env, default, text in reversed(GLOBAL_OPTIONS):
        func = click.option(
            flag,
            name,
            envvar=env,
            default=default,
            metavar="PFAD",
            type=click.Path(path_type=Path),
            help=f"{text} Standard: {default}. Umgebungsvariable {env}.",
        )(func)
    return func


def _command_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for name, flag, _env, _default, text in reversed(GLOBAL_OPTIONS):
        func = click.option(
            flag,
            name,
            default=None,
            metavar="PFAD",
            type=click.Path(path_type=Path),
            help=text,
            expose_value=True,
        )(func)
    return func


def _paths(ctx: click.Context, kwargs: dict[str, Any]) -> tuple[Path, Path, Path]:
    """Command-level values win over the group's (which already include env and defaults)."""
    parent = ctx.find_root().params
    values = [kwargs.pop(name) or parent[name] for name, *_ in GLOBAL_OPTIONS]
    return values[0], values[1], values[2]


def campaign_from(ctx: click.Context, kwargs: dict[str, Any]) -> Campaign:
    campaign_dir, contacts, data = _paths(ctx, kwargs)
    return Campaign.open(campaign_dir, contacts, data)


@click.group(cls=GermanGroup, context_settings=HELP)
@click.help_option("-h", "--help", help=HELP_TEXT)
@click.version_option(package_name="invite", message="invite %(version)s", help="Version anzeigen.")
@_group_options
def cli(**_: Any) -> None:
    """Einladungskampagnen der Stadtverwaltung: Kontaktliste prüfen, Briefe erzeugen,
    E-Mails versenden, Antworten zuordnen, Rückmeldeliste führen, erinnern.

    Reihenfolge einer Kampagne: check → letters → send → poll → status → remind.
    """


def step(name: str, help_text: str) -> Callable[[Callable[..., Any]], click.Command]:
    """Declare a campaign command with the shared options."""

    def wrap(func: Callable[..., Any]) -> click.Command:
        func = _command_options(func)
        func = click.help_option("-h", "--help", help=HELP_TEXT)(func)
        return cli.command(name, help=help_text, short_help=help_text.split(".")[0] + ".")(
            click.pass_context(func)
        )

    return wrap


class _QuietBar:
    """Stands in for a progress bar when nobody watches a terminal (scripts, CI, logs)."""

    length = 0
    pos = 0

    def __enter__(self) -> _QuietBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, steps: int) -> None:
        self.pos += steps


def progress_bar(length: int, label: str) -> Any:
    """A progress bar on stderr in a terminal; silent otherwise, so logs stay readable."""
    if not sys.stderr.isatty():
        return _QuietBar()
    return click.progressbar(length=length, label=label, file=sys.stderr, show_eta=False)


def ask_yes_no(question: str) -> bool:
    """A German yes/no question (click.confirm would show an English [y/N])."""
    answer = click.prompt(f"{question} [j/N]", default="n", show_default=False)
    return answer.strip().lower() in ("j", "ja", "y", "yes")


# -- the workbook follows every step that changes answers or deliveries ---------------------


class WorkbookFollows:
    """Set ``changed = False`` when the step turned out to change nothing (dry run …)."""

    changed = True


@contextlib.contextmanager
def workbook_follows(campaign: Campaign) -> Iterator[WorkbookFollows]:
    """Run a step, then bring rsvp-status.xlsx up to date — also when the step ends with exit
    code 1 (problems reported). The refresh never changes the step's exit code."""
    follows = WorkbookFollows()
    try:
        yield follows
    except click.exceptions.Exit:
        refresh_now(campaign, follows)
        raise
    refresh_now(campaign, follows)


def refresh_now(campaign: Campaign, follows: WorkbookFollows | None = None) -> None:
    from invite.steps.status import refresh_workbook

    if follows is None or follows.changed:
        for line in refresh_workbook(campaign):
            click.echo(line)


# -- commands ------------------------------------------------------------------------------


@step("check", "Kontaktliste, Einstellungen und Vorlagen prüfen. Erzeugt nichts.")
@click.option(
    "--deliverability",
    is_flag=True,
    help="Auch im DNS prüfen, ob die E-Mail-Domains Post annehmen (braucht Internet).",
)
def check_cmd(ctx: click.Context, deliverability: bool, **kwargs: Any) -> None:
    from invite.steps.check import run_check

    campaign = campaign_from(ctx, kwargs)
    report = run_check(campaign, deliverability=deliverability)
    for notice in report.notices:
        click.echo(f"Hinweis: {notice}")
    if report.errors:
        click.echo(
            f"{count(len(report.errors), 'Fehler', 'Fehler')} in der Kontaktliste gefunden:",
            err=True,
        )
        click.echo(problems_text(report.errors), err=True)
        click.echo("Bitte korrigieren Sie die Liste. Es wurde nichts erzeugt.", err=True)
        ctx.exit(EXIT_PROBLEMS)
    counts = report.by_channel
    click.echo(
        f"Alles in Ordnung: {len(report.invitees)} Eingeladene "
        f"(E-Mail: {counts['email']}, Post: {counts['post']}, beides: {counts['both']}). "
        "Einstellungen und Vorlagen sind gültig."
    )


@step("letters", "Briefe, Anmeldeformulare, Programm und Druckstapel als PDF erzeugen.")
@click.option(
    "--only", multiple=True, metavar="NR", help="Nur für diese Nr. oder Codes (mehrfach möglich)."
)
@click.option(
    "--simplex",
    is_flag=True,
    help="Druckstapel für einen Drucker ohne beidseitigen Druck (ohne leere Rückseiten).",
)
def letters_cmd(ctx: click.Context, only: tuple[str, ...], simplex: bool, **kwargs: Any) -> None:
    from invite.state import exclusive
    from invite.steps.letters import render_letters

    campaign = campaign_from(ctx, kwargs)
    paths = campaign.paths
    with exclusive(paths.data, "letters"), campaign.open_state() as state:
        campaign.sync(state, "letters")
        with progress_bar(1, "PDFs werden erzeugt") as bar:

            def progress(done: int, total: int) -> None:
                bar.length = total
                bar.update(done - bar.pos)

            report = render_letters(
                campaign, state, only=only, progress=progress, duplex=not simplex
            )
    skipped = report.letters_skipped + report.forms_skipped
    click.echo(
        f"{count(report.letters_written, 'Brief', 'Briefe')} und "
        f"{count(report.forms_written, 'Anmeldeformular', 'Anmeldeformulare')} geschrieben, "
        f"{count(skipped, 'Datei', 'Dateien')} unverändert übersprungen "
        f"({report.invitees} Eingeladene)."
    )
    click.echo(f"Briefe: {paths.letters}")
    click.echo(f"Anmeldeformulare: {paths.forms}")
    state_word = "neu geschrieben" if report.programme_written else "unverändert"
    click.echo(f"Programm ({state_word}): {report.programme}")
    if report.print_batch is not None:
        what = "neu" if report.print_batch_new else "unverändert"
        click.echo(
            f"Druckstapel ({what}, {count(report.print_batch_count, 'Brief', 'Briefe')} für den "
            f"Postversand): "
            f"{report.print_batch}"
        )
    else:
        click.echo("Kein Druckstapel: niemand erhält die Einladung per Post.")


# -- shared by send and remind: confirmation, progress bar, summary ---------------------------


def _names(invitees: list[Any], shown: int = 5) -> str:
    names = ", ".join(f"{inv.display_name} <{inv.email}>" for inv in invitees[:shown])
    more = len(invitees) - shown
    return names + (f" und {more} weitere" if more > 0 else "")


def _confirm_batch(
    what: tuple[str, str],
    invitees: list[Any],
    *,
    yes: bool,
    dry_run: bool,
    then: tuple[str, ...] = (),
) -> bool:
    """Say how many emails go to whom (then what else the batch does); without --yes ask,
    and refuse without a terminal. ``what`` is the word for one and for several."""
    n = len(invitees)
    if dry_run:
        click.echo(
            f"Probelauf: {count(n, *what)} {plural(n, 'wird', 'werden')} nur als Datei abgelegt."
        )
        return True
    if invitees:
        click.echo(f"{count(n, *what)} {plural(n, 'geht', 'gehen')} an: {_names(invitees)}")
    for line in then:
        click.echo(line)
    if yes:
        return True
    if not sys.stdin.isatty():
        raise InviteError(
            "Keine Rückfrage möglich (kein Terminal). Zum Senden ohne Rückfrage --yes angeben.",
            exit_code=EXIT_USAGE,
        )
    return ask_yes_no("Jetzt senden?")


def _ask_password() -> Callable[[str], str] | None:
    if not sys.stdin.isatty():
        return None
    return lambda prompt: click.prompt(prompt, hide_input=True)


def _delivery_summary(delivery: Any, sent_label: str) -> bool:
    """Print what happened; True when everything went through."""
    if delivery.outbox is not None:
        click.echo(
            f"Probelauf: {count(len(delivery.previewed), 'Nachricht', 'Nachrichten')} als .eml "
            "abgelegt in "
            f"„{delivery.outbox / 'new'}“. Es wurde nichts gesendet."
        )
    else:
        click.echo(f"{sent_label}: {len(delivery.sent)}")
    for warning in delivery.warnings:
        click.echo(f"Hinweis: {warning}", err=True)
    if delivery.failed:
        click.echo(f"Fehlgeschlagen: {len(delivery.failed)}", err=True)
        for inv, reason in delivery.failed:
            click.echo(f"  – Nr. {inv.number} {inv.display_name} <{inv.email}>: {reason}", err=True)
    if delivery.unknown:
        click.echo(f"Ausgang unklar: {len(delivery.unknown)}", err=True)
        for inv, reason in delivery.unknown:
            click.echo(f"  – Nr. {inv.number} {inv.display_name} <{inv.email}>: {reason}", err=True)
    if delivery.stopped:
        click.echo(f"Abgebrochen: {delivery.stopped}", err=True)
        click.echo("Noch nicht Gesendetes bleibt vorgemerkt; einfach erneut starten.", err=True)
    return not (delivery.failed or delivery.unknown or delivery.stopped)


def _unclear_hint(invitees: list[Any], command: str) -> None:
    if invitees:
        click.echo(
            f"Unklar, ob angekommen (nicht erneut gesendet): {len(invitees)} – "
            + ", ".join(f"Nr. {inv.number}" for inv in invitees),
            err=True,
        )
        click.echo(
            "Bitte im Ordner „Gesendet“ oder beim Empfänger nachsehen; erneut senden mit "
            f"„invite {command} --resend-unknown“.",
            err=True,
        )


def _run_with_progress(run: Callable[..., Any], confirm: Callable[[Any], bool]) -> Any:
    """Open the progress bar once the batch is confirmed; close it before the summary."""
    with contextlib.ExitStack() as stack:
        bar: list[Any] = []

        def confirm_and_start(plan: Any) -> bool:
            ok = confirm(plan)
            if ok and not plan.dry_run:
                bar.append(stack.enter_context(progress_bar(len(plan.to_send), "Senden")))
            return ok

        return run(
            confirm=confirm_and_start,
            progress=lambda outcome: bar[0].update(1) if bar else None,
            notice=lambda text: click.echo(f"\n{text}", err=True),
            ask_password=_ask_password(),
        )


@step("send", "Einladungen per E-Mail versenden (genau einmal je Eingeladenem).")
@click.option(
    "--dry-run", is_flag=True, help="Nichts senden, Nachrichten nur als Probelauf ablegen."
)
@click.option(
    "--limit", type=click.IntRange(min=1), metavar="N", help="Höchstens N Nachrichten senden."
)
@click.option(
    "--only", multiple=True, metavar="NR", help="Nur an diese Nr. oder Codes (mehrfach möglich)."
)
@click.option("--yes", is_flag=True, help="Ohne Rückfrage senden.")
@click.option(
    "--resend-unknown", is_flag=True, help="Nachrichten mit unklarem Ausgang erneut senden."
)
def send_cmd(ctx: click.Context, **kwargs: Any) -> None:
    from invite.steps.send import SendOptions

    yes = kwargs.pop("yes")
    options = SendOptions(
        dry_run=kwargs.pop("dry_run"),
        limit=kwargs.pop("limit"),
        only=tuple(kwargs.pop("only")),
        resend_unknown=kwargs.pop("resend_unknown"),
    )
    campaign = campaign_from(ctx, kwargs)
    with workbook_follows(campaign) as follows:
        follows.changed = not options.dry_run
        _send(ctx, campaign, options, yes, follows)


def _send(
    ctx: click.Context, campaign: Campaign, options: Any, yes: bool, follows: WorkbookFollows
) -> None:
    from invite.steps.send import run_send

    def confirm(plan: Any) -> bool:
        for inv, old in plan.new_address:
            click.echo(
                f"Neue Adresse: Nr. {inv.number} {inv.display_name} – die Einladung ging an "
                f"<{old}>, jetzt noch einmal an <{inv.email}>."
            )
        return _confirm_batch(
            ("Einladung", "Einladungen"), plan.to_send, yes=yes, dry_run=options.dry_run
        )

    result = _run_with_progress(lambda **ui: run_send(campaign, options, **ui), confirm)
    plan = result.plan
    if plan.resolved:
        click.echo(f"Im Ordner Gesendet gefunden (gilt als gesendet): {len(plan.resolved)}")
    if result.cancelled:
        follows.changed = False
        click.echo("Abgebrochen. Es wurde nichts gesendet.")
        ctx.exit(EXIT_PROBLEMS)
    ok = True
    if plan.to_send:
        ok = _delivery_summary(result.delivery, "Gesendet")
        if plan.new_address:
            click.echo(f"Davon an eine neue Adresse (korrigiert): {len(plan.new_address)}")
    else:
        follows.changed = follows.changed and bool(plan.resolved)
        click.echo("Keine Einladung offen: es gibt nichts zu senden.")
    click.echo(f"Übersprungen (bereits gesendet): {len(plan.already_sent)}")
    if plan.post_only:
        click.echo(
            f"Übersprungen (nur per Post, siehe „invite letters“): {len(plan.post_only)} – "
            + ", ".join(f"Nr. {inv.number} {inv.display_name}" for inv in plan.post_only)
        )
    _unclear_hint(plan.unknown, "send")
    if not ok or plan.unknown:
        ctx.exit(EXIT_PROBLEMS)


@step("poll", "Postfach abrufen und Antworten den Eingeladenen zuordnen.")
@click.option("--watch", is_flag=True, help="Weiter beobachten, bis Strg+C gedrückt wird.")
@click.option(
    "--interval",
    type=click.FloatRange(min=1),
    default=60,
    metavar="SEKUNDEN",
    help="Abstand der Abrufe ohne IDLE (Standard: 60).",
)
def poll_cmd(ctx: click.Context, watch: bool, interval: float, **kwargs: Any) -> None:
    from invite.steps import poll

    campaign = campaign_from(ctx, kwargs)
    review_folder = campaign.settings.imap.review_folder
    if not watch:
        summary = poll.poll(campaign, ask_password=_ask_password())
        _poll_summary(summary, review_folder)
        if summary.new:
            refresh_now(campaign)
        return
    click.echo(f"Beobachte das Postfach „{campaign.settings.imap.folder}“. Beenden mit Strg+C.")

    def report(summary: Any) -> None:
        if summary.new or summary.duplicates or summary.warnings:
            click.echo(f"[{_clock()}]")
            _poll_summary(summary, review_folder)
        if summary.new:
            refresh_now(campaign)

    def trouble(text: str) -> None:
        click.echo(f"[{_clock()}] {text}", err=True)

    try:
        poll.watch(
            campaign,
            interval=interval,
            report=report,
            trouble=trouble,
            ask_password=_ask_password(),
        )
    except KeyboardInterrupt:
        click.echo("Beobachtung beendet.")


def _clock() -> str:
    import datetime as dt

    return dt.datetime.now().strftime("%H:%M:%S")


def _poll_summary(summary: Any, review_folder: str) -> None:
    """German counts of one poll round."""
    for warning in summary.warnings:
        click.echo(f"Hinweis: {warning}")
    if not summary.new:
        extra = f" ({summary.duplicates} bereits bekannte)" if summary.duplicates else ""
        click.echo(f"Keine neuen Nachrichten{extra}.")
        return
    waiting = f" (davon {summary.waiting_list} auf der Warteliste)" if summary.waiting_list else ""
    lines = [
        ("Zugeordnet mit Antwort", f"{summary.answers}{waiting}"),
        ("Zugeordnet, Antwort prüfen", summary.unclear),
        ("Nicht zugeordnet", summary.unmatched),
        ("Unzustellbar (Rückläufer)", summary.bounces),
        ("Automatische Antworten (nicht gezählt)", summary.autoreplies),
        ("Zurückgestellt (beschädigt, zu groß …)", summary.rejected),
    ]
    click.echo(f"{count(summary.new, 'neue Nachricht', 'neue Nachrichten')} verarbeitet:")
    for label, value in lines:
        click.echo(f"  {label}: {value}")
    if summary.duplicates:
        click.echo(f"  Bereits bekannt (nicht doppelt gezählt): {summary.duplicates}")
    if summary.confirmations:
        click.echo(f"Anmeldebestätigungen gesendet: {summary.confirmations}")
    if summary.set_aside:
        click.echo(
            f"Bitte {count(summary.set_aside, 'Nachricht', 'Nachrichten')} im Ordner "
            f"„{review_folder}“ ansehen."
        )


@step("status", "Rückmeldeliste (Excel) schreiben und Zusammenfassung zeigen.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    metavar="DATEI",
    help="Zieldatei (Standard: <Datenordner>/rsvp-status.xlsx).",
)
def status_cmd(ctx: click.Context, out: Path | None, **kwargs: Any) -> None:
    from invite.steps.status import summary_lines, write_status

    result = write_status(campaign_from(ctx, kwargs), out)
    for line in summary_lines(result):
        click.echo(line)


@step("record", "Antwort von Telefon, Fax oder persönlich eintragen (NR_ODER_CODE zusage|absage).")
@click.argument("who", metavar="NR_ODER_CODE")
@click.argument("answer", metavar="zusage|absage")
@click.option("--personen", type=click.IntRange(min=0, max=1000), help="Anzahl Personen.")
@click.option("--notiz", default="", help="Bemerkung, z. B. „per Telefon“.")
def record_cmd(
    ctx: click.Context,
    who: str,
    answer: str,
    personen: int | None,
    notiz: str,
    **kwargs: Any,
) -> None:
    from invite.steps.record import confirmation_lines, record_manual

    campaign = campaign_from(ctx, kwargs)
    result = record_manual(campaign, who, answer, persons=personen, note=notiz)
    for line in confirmation_lines(result):
        click.echo(line)
    refresh_now(campaign)


@step("prüfen", "Zurückgestellte Antworten im Terminal entscheiden, eine Taste je Nachricht.")
@click.option(
    "--liste", is_flag=True, help="Nur auflisten, was zu prüfen ist (ohne Terminal, ohne Fragen)."
)
def review_cmd(ctx: click.Context, liste: bool, **kwargs: Any) -> None:
    from invite.steps import review

    campaign = campaign_from(ctx, kwargs)
    if liste:
        for line in review.queue_lines(campaign):
            click.echo(line)
        return
    if not sys.stdin.isatty():
        raise InviteError(
            "„invite prüfen“ fragt im Terminal nach einer Taste je Nachricht, hier gibt es aber "
            "kein Terminal. Bitte „invite prüfen --liste“ verwenden oder die Entscheidung in der "
            "Rückmeldeliste eintragen (Blatt „Zu prüfen“, Spalte „Entscheidung“, danach "
            "„invite status“).",
            exit_code=EXIT_USAGE,
        )

    def connect() -> Any:
        from invite.steps.poll import connect as connect_mailbox

        return connect_mailbox(campaign, _ask_password())

    summary = review.run_review(
        campaign,
        read_key=_read_key,
        ask=lambda prompt, default: click.prompt(
            prompt, default=default, show_default=bool(default)
        ),
        say=click.echo,
        connect=connect,
    )
    click.echo(
        f"Entschieden: {summary.decided}, übersprungen: {summary.skipped}"
        + (f", noch offen: {summary.left}" if summary.left else "")
        + "."
    )
    if summary.decided:
        refresh_now(campaign)


def _read_key() -> str:
    """One key press in a terminal (echoed); a whole line where single keys cannot be read."""
    try:
        key = click.getchar()
    except (EOFError, KeyboardInterrupt):
        return ""
    except Exception:  # a console that cannot deliver single keys: read a line instead
        try:
            return input()
        except EOFError:
            return ""
    if key in ("\x03", "\x04"):  # Ctrl-C, Ctrl-D
        return ""
    click.echo(key if key.isprintable() else "")
    return key


_alias = copy.copy(cli.commands["prüfen"])
_alias.hidden = True
cli.add_command(_alias, "pruefen")


@step("remind", "Erinnerung an alle schicken, die noch nicht geantwortet haben.")
@click.option("--dry-run", is_flag=True, help="Nichts senden, nur als Probelauf ablegen.")
@click.option("--yes", is_flag=True, help="Ohne Rückfrage senden.")
@click.option("--force", is_flag=True, help="Auch nach Ablauf der Anmeldefrist erinnern.")
@click.option("--again", is_flag=True, help="Auch an bereits Erinnerte noch einmal senden.")
@click.option(
    "--resend-unknown", is_flag=True, help="Erinnerungen mit unklarem Ausgang erneut senden."
)
@click.option(
    "--simplex",
    is_flag=True,
    help="Erinnerungsbriefe für einen Drucker ohne beidseitigen Druck (ohne leere Rückseiten).",
)
def remind_cmd(ctx: click.Context, **kwargs: Any) -> None:
    from invite.steps.remind import RemindOptions

    yes = kwargs.pop("yes")
    options = RemindOptions(
        dry_run=kwargs.pop("dry_run"),
        force=kwargs.pop("force"),
        again=kwargs.pop("again"),
        resend_unknown=kwargs.pop("resend_unknown"),
        simplex=kwargs.pop("simplex"),
    )
    campaign = campaign_from(ctx, kwargs)
    with workbook_follows(campaign) as follows:
        follows.changed = not options.dry_run
        _remind(ctx, campaign, options, yes, follows)


def _remind(
    ctx: click.Context, campaign: Campaign, options: Any, yes: bool, follows: WorkbookFollows
) -> None:
    from invite.steps.remind import run_remind

    def confirm(plan: Any) -> bool:
        then: tuple[str, ...] = ()
        if plan.post_open and not options.dry_run:
            letters = count(len(plan.post_open), "Erinnerungsbrief", "Erinnerungsbriefe")
            lead = "Dazu " if plan.to_send else ""
            verb = plural(len(plan.post_open), "wird", "werden")
            then = (f"{lead or 'Es '}{verb} {letters} für die Post erstellt.",)
        return _confirm_batch(
            ("Erinnerung", "Erinnerungen"),
            plan.to_send,
            yes=yes,
            dry_run=options.dry_run,
            then=then,
        )

    result = _run_with_progress(lambda **ui: run_remind(campaign, options, **ui), confirm)
    plan = result.plan
    if result.cancelled:
        follows.changed = False
        click.echo("Abgebrochen. Es wurde nichts gesendet und nichts gedruckt.")
        ctx.exit(EXIT_PROBLEMS)
    ok = True
    if plan.to_send:
        ok = _delivery_summary(result.delivery, "Erinnerungen gesendet")
    elif not plan.post_open:
        follows.changed = False
        click.echo("Niemand ist offen und noch nicht erinnert: es gibt nichts zu senden.")
    if result.letters is not None:
        click.echo(
            f"Erinnerungsbriefe zum Drucken: {result.letters} "
            f"({count(len(plan.post_open), 'Brief', 'Briefe')})"
        )
    elif plan.post_open:
        click.echo(
            f"Probelauf: {count(len(plan.post_open), 'Erinnerungsbrief', 'Erinnerungsbriefe')} "
            f"{plural(len(plan.post_open), 'wäre', 'wären')} zu drucken, für "
            + ", ".join(f"Nr. {inv.number} {inv.display_name}" for inv in plan.post_open)
            + ". Es wurde kein Brief geschrieben."
        )
    click.echo(f"Übersprungen (bereits erinnert): {len(plan.already_reminded)}")
    click.echo(f"Übersprungen (haben geantwortet): {len(plan.answered)}")
    if plan.not_invited:
        click.echo(f"Übersprungen (Einladung noch nicht gesendet): {len(plan.not_invited)}")
    if plan.in_review:
        click.echo(
            f"Übersprungen (Nachricht zu prüfen, „invite prüfen“): {len(plan.in_review)} – "
            + ", ".join(f"Nr. {inv.number}" for inv in plan.in_review)
        )
    _unclear_hint(plan.unknown, "remind")
    if not ok or plan.unknown:
        ctx.exit(EXIT_PROBLEMS)


@step("teilnehmerliste", "Teilnehmerliste als PDF für den Einlass schreiben.")
@click.option("--out", type=click.Path(path_type=Path), metavar="DATEI", help="Zieldatei (PDF).")
def participants_cmd(ctx: click.Context, out: Path | None, **kwargs: Any) -> None:
    from invite.steps.participants import write_participant_list

    result = write_participant_list(campaign_from(ctx, kwargs), out)
    click.echo(
        f"Teilnehmerliste geschrieben: {result.path} "
        f"({count(result.attendees, 'Person', 'Personen')} aus "
        f"{count(result.invitees, 'Zusage', 'Zusagen')})."
    )
    if result.waiting:
        click.echo(
            f"Nicht auf der Liste: {count(result.waiting, 'Zusage', 'Zusagen')} auf der Warteliste."
        )
    if result.to_check:
        click.echo(
            "Bitte die Namen prüfen (in der Liste rot markiert): Nr. " + ", ".join(result.to_check)
        )


@step("purge", "Nach der Veranstaltung alle personenbezogenen Daten löschen (DSGVO).")
@click.option("--yes", is_flag=True, help="Ohne Rückfrage löschen.")
@click.option("--force", is_flag=True, help="Auch vor dem Ende der Veranstaltung löschen.")
def purge_cmd(ctx: click.Context, yes: bool, force: bool, **kwargs: Any) -> None:
    from invite.steps.purge import PurgePlan, plan_lines, run_purge, summary_lines

    def confirm(plan: PurgePlan) -> bool:
        for line in plan_lines(plan):
            click.echo(line)
        if yes:
            return True
        if not sys.stdin.isatty():
            raise InviteError(
                "Löschen nur nach Rückfrage: Es gibt kein Terminal für die Rückfrage. "
                "Bitte in einem Terminal starten oder --yes angeben. Es wurde nichts gelöscht.",
                exit_code=EXIT_USAGE,
            )
        typed = click.prompt(
            "Das lässt sich nicht rückgängig machen. Zum Bestätigen „löschen“ eingeben",
            default="",
            show_default=False,
        )
        return typed.strip().casefold() == "löschen"

    result = run_purge(campaign_from(ctx, kwargs), force=force, confirm=confirm)
    for line in summary_lines(result):
        click.echo(line)


@cli.command("init", cls=GermanCommand, context_settings=HELP)
@click.help_option("-h", "--help", help=HELP_TEXT)
@click.argument("directory", metavar="ORDNER", type=click.Path(path_type=Path))
def init_cmd(directory: Path) -> None:
    """Neuen Kampagnenordner aus der mitgelieferten Vorlage anlegen."""
    from invite.steps.init import init_campaign

    target = init_campaign(directory)
    click.echo(
        f"Kampagnenordner „{target}“ angelegt. Passen Sie campaign.toml und die Vorlagen an,"
    )
    click.echo(f"dann: invite --campaign {target} check")


# -- entry point ---------------------------------------------------------------------------

USAGE_TRANSLATIONS = [
    (r"No such option:? '?([^'\s]+)'?\.?", r"Unbekannte Option: \1"),
    (r"No such command '([^']+)'\.?", r"Unbekannter Befehl „\1“."),
    (r"Missing argument '([^']+)'\.?", r"Es fehlt die Angabe \1."),
    (r"Missing option '([^']+)'\.?", r"Es fehlt die Option \1."),
    (r"Option '([^']+)' requires an argument\.?", r"Option \1 braucht einen Wert."),
    (r"Got unexpected extra arguments? \((.*)\)", r"Unerwartete Angabe: \1"),
    (r"Invalid value for '([^']+)': (.*)", r"Ungültiger Wert für \1: \2"),
    (r"'(.*)' is not one of (.*)\.", r"„\1“ ist keiner von \2."),
    (r"'(.*)' is not a valid integer(?: range)?\.?", r"„\1“ ist keine ganze Zahl."),
]


def _german_usage(message: str) -> str:
    for pattern, replacement in USAGE_TRANSLATIONS:
        message = re.sub(pattern, replacement, message)
    return message


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the CLI and turn every failure into a German message and code."""
    robust_streams()
    try:
        code = cli.main(args=argv, prog_name="invite", standalone_mode=False)
    except ContactErrors as exc:
        click.echo(f"Fehler: {exc}", err=True)
        click.echo(problems_text(exc.contacts.errors), err=True)
        sys.exit(exc.exit_code)
    except InviteError as exc:
        click.echo(f"Fehler: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Abgebrochen.", err=True)
        sys.exit(EXIT_PROBLEMS)
    except click.UsageError as exc:
        if exc.ctx is not None:
            click.echo(exc.ctx.get_usage().replace("Usage:", "Aufruf:"), err=True)
        click.echo(f"Fehler: {_german_usage(exc.format_message())}", err=True)
        click.echo("Hilfe: invite --help", err=True)
        sys.exit(EXIT_USAGE)
    except click.ClickException as exc:
        click.echo(f"Fehler: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except (OSError, sqlite3.OperationalError) as exc:
        message = storage_message(exc)
        if message is None:
            raise
        click.echo(f"Fehler: {message}", err=True)
        sys.exit(EXIT_USAGE)
    sys.exit(code if isinstance(code, int) else 0)
