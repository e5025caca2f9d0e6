"""The `invite` command line: parse arguments, call the campaign step, print in German.

No campaign logic lives here. Every user-facing failure arrives as an InviteError and is
printed once, with the exit code it carries (0 ok, 1 problems found, 2 usage/configuration).
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import functools
import re
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import click

from invite import __version__, cli_text
from invite.cli_text import Line
from invite.console import robust_streams
from invite.errors import EXIT_PROBLEMS, EXIT_USAGE, InviteError, ProblemsFound
from invite.files import storage_message

if TYPE_CHECKING:
    from invite.campaign import Campaign
    from invite.core.contacts import Invitee
    from invite.mail.delivery import SendOutcome
    from invite.steps.poll import PollSummary

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
    """Open the campaign a command works on (imported here: `--help` does not need it)."""
    from invite.campaign import Campaign

    campaign_dir, contacts, data = _paths(ctx, kwargs)
    return Campaign.open(campaign_dir, contacts, data)


@click.group(cls=GermanGroup, context_settings=HELP)
@click.help_option("-h", "--help", help=HELP_TEXT)
@click.version_option(__version__, message="invite %(version)s", help="Version anzeigen.")
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


class ProgressBar(Protocol):
    """click's progress bar, or the quiet stand-in below."""

    length: int | None
    pos: int

    def update(self, n_steps: int) -> None: ...


class _QuietBar:
    """Stands in for a progress bar when nobody watches a terminal (scripts, CI, logs)."""

    length: int | None = 0
    pos = 0

    def __enter__(self) -> _QuietBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n_steps: int) -> None:
        self.pos += n_steps


def progress_bar(length: int, label: str) -> contextlib.AbstractContextManager[ProgressBar]:
    """A progress bar on stderr in a terminal; silent otherwise, so logs stay readable."""
    if not sys.stderr.isatty():
        return _QuietBar()
    return click.progressbar(length=length, label=label, file=sys.stderr, show_eta=False)


def ask_yes_no(question: str) -> bool:
    """A German yes/no question (click.confirm would show an English [y/N])."""
    answer = click.prompt(f"{question} [j/N]", default="n", show_default=False)
    return answer.strip().lower() in ("j", "ja", "y", "yes")


# -- printing: every summary goes through cli_text --------------------------------------------


def say(lines: Iterable[Line]) -> None:
    """Print the formatter's lines, warnings and failures on stderr."""
    for line in lines:
        click.echo(line.text, err=line.err)


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
        say(cli_text.refresh_lines(refresh_workbook(campaign)))


# -- commands ------------------------------------------------------------------------------
# Each command imports its step when it runs (not at start-up: `invite --help` stays fast).


@step("check", "Kontaktliste, Einstellungen und Vorlagen prüfen. Erzeugt nichts.")
@click.option(
    "--deliverability",
    is_flag=True,
    help="Auch im DNS prüfen, ob die E-Mail-Domains Post annehmen (braucht Internet).",
)
def check_cmd(ctx: click.Context, deliverability: bool, **kwargs: Any) -> None:
    from invite.steps.check import run_check

    report = run_check(campaign_from(ctx, kwargs), deliverability=deliverability)
    say(cli_text.check_lines(report))
    if report.errors:
        ctx.exit(EXIT_PROBLEMS)


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
    from invite.steps.letters import render_letters
    from invite.store import exclusive

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
    say(cli_text.letters_lines(report, paths))


# -- shared by send and remind: confirmation, progress bar ------------------------------------


def _confirm_batch(
    what: tuple[str, str],
    invitees: list[Invitee],
    *,
    yes: bool,
    dry_run: bool,
    then: tuple[str, ...] = (),
) -> bool:
    """Say how many emails go to whom (then what else the batch does); without --yes ask,
    and refuse without a terminal. ``what`` is the word for one and for several."""
    say(cli_text.batch_lines(what, invitees, dry_run=dry_run, then=then))
    if dry_run or yes:
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


class _Batch(Protocol):
    """What send and remind show before their batch: a plan with the emails it sends."""

    @property
    def to_send(self) -> list[Invitee]: ...

    @property
    def dry_run(self) -> bool: ...


PlanT = TypeVar("PlanT", bound=_Batch)
ResultT = TypeVar("ResultT")


def _run_with_progress(run: Callable[..., ResultT], confirm: Callable[[PlanT], bool]) -> ResultT:
    """Open the progress bar once the batch is confirmed; close it before the summary."""
    with contextlib.ExitStack() as stack:
        bar: list[ProgressBar] = []

        def confirm_and_start(plan: PlanT) -> bool:
            ok = confirm(plan)
            if ok and not plan.dry_run:
                bar.append(stack.enter_context(progress_bar(len(plan.to_send), "Senden")))
            return ok

        def progress(outcome: SendOutcome) -> None:
            if bar:
                bar[0].update(1)

        return run(
            confirm=confirm_and_start,
            progress=progress,
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
    from invite.steps.send import SendOptions, SendPlan, run_send

    yes = kwargs.pop("yes")
    options = SendOptions(
        dry_run=kwargs.pop("dry_run"),
        limit=kwargs.pop("limit"),
        only=tuple(kwargs.pop("only")),
        resend_unknown=kwargs.pop("resend_unknown"),
    )
    campaign = campaign_from(ctx, kwargs)

    def confirm(plan: SendPlan) -> bool:
        say(cli_text.send_plan_lines(plan))
        return _confirm_batch(
            ("Einladung", "Einladungen"), plan.to_send, yes=yes, dry_run=options.dry_run
        )

    with workbook_follows(campaign) as follows:
        follows.changed = not options.dry_run
        result = _run_with_progress(functools.partial(run_send, campaign, options), confirm)
        plan = result.plan
        say(cli_text.send_lines(result))
        if result.cancelled:
            follows.changed = False
            ctx.exit(EXIT_PROBLEMS)
        if not plan.to_send:
            follows.changed = follows.changed and bool(plan.resolved)
        if (plan.to_send and not cli_text.delivery_ok(result.delivery)) or plan.unknown:
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
        say(cli_text.poll_lines(summary, review_folder))
        if summary.new:
            refresh_now(campaign)
        return
    click.echo(f"Beobachte das Postfach „{campaign.settings.imap.folder}“. Beenden mit Strg+C.")

    def report(summary: PollSummary) -> None:
        if summary.new or summary.duplicates or summary.warnings:
            click.echo(f"[{_clock()}]")
            say(cli_text.poll_lines(summary, review_folder))
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
    return dt.datetime.now().strftime("%H:%M:%S")


@step("status", "Rückmeldeliste (Excel) schreiben und Zusammenfassung zeigen.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    metavar="DATEI",
    help="Zieldatei (Standard: <Datenordner>/rsvp-status.xlsx).",
)
def status_cmd(ctx: click.Context, out: Path | None, **kwargs: Any) -> None:
    from invite.steps.status import write_status

    say(cli_text.status_lines(write_status(campaign_from(ctx, kwargs), out)))


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
    from invite.answering import confirmation_lines
    from invite.steps.record import record_manual

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
    from invite.session import connect_mailbox
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

    summary = review.run_review(
        campaign,
        read_key=_read_key,
        ask=lambda prompt, default: click.prompt(
            prompt, default=default, show_default=bool(default)
        ),
        say=click.echo,
        connect=lambda: connect_mailbox(campaign, _ask_password()),
    )
    say(cli_text.review_lines(summary))
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
    from invite.steps.remind import RemindOptions, RemindPlan, run_remind

    yes = kwargs.pop("yes")
    options = RemindOptions(
        dry_run=kwargs.pop("dry_run"),
        force=kwargs.pop("force"),
        again=kwargs.pop("again"),
        resend_unknown=kwargs.pop("resend_unknown"),
        simplex=kwargs.pop("simplex"),
    )
    campaign = campaign_from(ctx, kwargs)

    def confirm(plan: RemindPlan) -> bool:
        then = cli_text.remind_plan_then(plan, dry_run=options.dry_run)
        return _confirm_batch(
            ("Erinnerung", "Erinnerungen"),
            plan.to_send,
            yes=yes,
            dry_run=options.dry_run,
            then=then,
        )

    with workbook_follows(campaign) as follows:
        follows.changed = not options.dry_run
        result = _run_with_progress(functools.partial(run_remind, campaign, options), confirm)
        plan = result.plan
        say(cli_text.remind_lines(result))
        if result.cancelled:
            follows.changed = False
            ctx.exit(EXIT_PROBLEMS)
        if not plan.to_send and not plan.post_open:
            follows.changed = False
        if (plan.to_send and not cli_text.delivery_ok(result.delivery)) or plan.unknown:
            ctx.exit(EXIT_PROBLEMS)


@step("teilnehmerliste", "Teilnehmerliste als PDF für den Einlass schreiben.")
@click.option("--out", type=click.Path(path_type=Path), metavar="DATEI", help="Zieldatei (PDF).")
def participants_cmd(ctx: click.Context, out: Path | None, **kwargs: Any) -> None:
    from invite.steps.participants import write_participant_list

    say(cli_text.participants_lines(write_participant_list(campaign_from(ctx, kwargs), out)))


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
        return str(typed).strip().casefold() == "löschen"

    result = run_purge(campaign_from(ctx, kwargs), force=force, confirm=confirm)
    for line in summary_lines(result):
        click.echo(line)


@cli.command("init", cls=GermanCommand, context_settings=HELP)
@click.help_option("-h", "--help", help=HELP_TEXT)
@click.argument("directory", metavar="ORDNER", type=click.Path(path_type=Path))
def init_cmd(directory: Path) -> None:
    """Neuen Kampagnenordner aus der mitgelieferten Vorlage anlegen."""
    from invite.steps.init import init_campaign

    say(cli_text.init_lines(init_campaign(directory)))


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
    except ProblemsFound as exc:
        click.echo(f"Fehler: {exc}", err=True)
        click.echo(cli_text.problems_text(exc.problems), err=True)
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
