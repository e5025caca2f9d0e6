"""German that reads right: every summary with 0, 1 and 2 items, and library English kept out."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from invite.answering import RecordResult, confirmation_lines
from invite.cli import say
from invite.cli_text import poll_lines, status_lines
from invite.core.contacts import Invitee
from invite.core.plurals import count, plural
from invite.core.rsvp import STATUSES, Overview
from invite.steps.check import undeliverable_reason
from invite.steps.poll import PollSummary
from invite.steps.purge import PurgePlan, PurgeResult, plan_lines
from invite.steps.purge import summary_lines as purge_summary
from invite.steps.status import StatusResult
from invite.store import AnswerRecord

NOUNS = {  # singular: plural, as the messages use them
    "Brief": "Briefe",
    "Erinnerungsbrief": "Erinnerungsbriefe",
    "Person": "Personen",
    "Zusage": "Zusagen",
    "Nachricht": "Nachrichten",
    "Einladung": "Einladungen",
    "Erinnerung": "Erinnerungen",
    "Datei": "Dateien",
    "Platz": "Plätze",
    "Anmeldeformular": "Anmeldeformulare",
    "E-Mail": "E-Mails",
    "Eintrag": "Einträge",
}
ONE_WITH_PLURAL = re.compile(
    r"(?<![\d.,])1 (?:neue |erzeugte )?(" + "|".join(map(re.escape, NOUNS.values())) + r")\b"
)
MANY_WITH_SINGULAR = re.compile(
    r"(?<![\d.,])(?:0|[2-9]|\d\d+) (?:neue |erzeugte )?("
    + "|".join(map(re.escape, NOUNS))
    + r")(?![\w-])"
)


def grammar_problems(lines: list[str]) -> list[str]:
    """„1 Briefe“, „2 Brief“, „Nachricht(en)“: the patterns an office reader stumbles over."""
    problems = []
    for line in lines:
        for pattern in (ONE_WITH_PLURAL, MANY_WITH_SINGULAR):
            problems += [f"{line!r}: {m.group(0)}" for m in pattern.finditer(line)]
        if re.search(r"\w\((?:n|en|e|s)\)", line):
            problems.append(f"{line!r}: (n)/(en)")
        if "Betreffs" in line:
            problems.append(f"{line!r}: Betreffs")
    return problems


def test_plural_helper_follows_the_german_and_english_rules() -> None:
    assert [count(n, "Brief", "Briefe") for n in (0, 1, 2)] == ["0 Briefe", "1 Brief", "2 Briefe"]
    assert plural(1, "steht", "stehen") == "steht" and plural(3, "steht", "stehen") == "stehen"
    assert count(1, "letter", "letters", language="en") == "1 letter"
    assert count(0, "letter", "letters", language="en") == "0 letters"


def test_the_checker_sees_the_known_mistakes() -> None:
    bad = ["1 Erinnerungsbriefe", "(1 Briefe)", "2 Personen aus 1 Zusagen", "3 Nachricht(en)"]
    assert all(grammar_problems([line]) for line in bad)
    assert grammar_problems(["Betreffs der Nachrichten"]) != []
    assert grammar_problems(["1 Brief, 2 Briefe, 0 Personen, 1 Person"]) == []


@pytest.mark.parametrize("n", [0, 1, 2])
def test_status_summary(n: int) -> None:
    counts = dict.fromkeys(STATUSES, 0)
    counts["zugesagt"] = n
    ov = Overview(counts, n, n, n, n, n, dt.date(2019, 1, 27), n, n)
    lines = [line.text for line in status_lines(StatusResult(Path("x.xlsx"), ov))]
    assert grammar_problems(lines) == [], lines


@pytest.mark.parametrize("n", [0, 1, 2])
def test_poll_summary(n: int) -> None:
    summary = PollSummary(
        new=max(n, 1), answers=n, unclear=n, unmatched=n, duplicates=n, confirmations=n
    )

    @click.command()
    def show() -> None:
        say(poll_lines(summary, "Anmeldungen/prüfen"))

    out = CliRunner().invoke(show).output
    assert grammar_problems(out.splitlines()) == [], out


@pytest.mark.parametrize("n", [0, 1, 2])
def test_purge_preview_and_result(n: int, tmp_path: Path) -> None:
    files = [tmp_path / f"f{i}" for i in range(n)]
    plan = PurgePlan(
        dt.datetime(2019, 1, 31, 20),
        False,
        None,
        n,
        {**dict.fromkeys(STATUSES, 0), "zugesagt": n},
        n,
        n,
        n,
        n,
        files,
    )
    lines = plan_lines(plan) + purge_summary(PurgeResult(plan, n, n))
    assert grammar_problems(lines) == [], lines
    assert f"{n} erzeugte" in lines[1] or (n == 1 and "1 erzeugte Datei" in lines[1])


@pytest.mark.parametrize("n", [1, 2])
def test_record_confirmation(n: int) -> None:
    invitee = Invitee(number="5", row=6, first_name="Eva", last_name="Muster")
    for answer, waiting in (("zusage", False), ("zusage", True), ("absage", False)):
        record = AnswerRecord(id=1, invitee="5", answer=answer, persons=n, waiting_list=waiting)
        result = RecordResult(invitee, record, n, n, 1 if waiting else None, n)
        lines = confirmation_lines(result)
        assert grammar_problems(lines) == [], lines


def test_the_deliverability_check_speaks_german() -> None:
    from email_validator import EmailSyntaxError, EmailUndeliverableError

    for english, german in (
        ("The domain name beispiel.invalid does not exist.", "gibt es laut DNS nicht"),
        ("The domain name beispiel.invalid does not accept email.", "nimmt laut DNS keine"),
        ("The DNS query timed out.", "keine eindeutige Antwort"),
    ):
        text = undeliverable_reason(EmailUndeliverableError(english), "a@beispiel.invalid")
        assert german in text and "„beispiel.invalid“" in text
        assert not re.search(r"\b(the|does|not|domain|name)\b", text)
    assert "nicht gültig" in undeliverable_reason(EmailSyntaxError("There must be…"), "a@")
