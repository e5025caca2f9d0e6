"""The labelled reply corpus read the way `invite poll` reads it: correctness figures.

The whole corpus goes through ``poll.assess`` (parse → evidence → matching → answer) without
servers; a representative subset goes through the real Dovecot with ``invite poll``. Speed is
measured in benchmarks/bench_answers.py, never asserted here.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from corpus import Case
from corpus_replies import FORMATS
from mailservers import DovecotServer
from sendkit import imap_env, make_campaign
from workbooks import example_rows

from invite.steps.poll import Assessment, poll
from invite.store import all_answers, inbox_messages

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from bench_answers import Figures, evaluate, run_corpus  # noqa: E402


@dataclass
class Assessed:
    cases: list[Case]
    outcomes: dict[str, Assessment]
    figures: Figures


@pytest.fixture(scope="module")
def assessed(tmp_path_factory: pytest.TempPathFactory) -> Assessed:
    cases, outcomes, _seconds = run_corpus(tmp_path_factory.mktemp("answers"))
    return Assessed(cases, outcomes, evaluate(cases, outcomes))


def test_corpus_has_at_least_300_realistic_replies(assessed: Assessed) -> None:
    figures = assessed.figures
    assert figures.cases >= 300
    assert figures.by_group["text-de"] >= 150 and figures.by_group["text-en"] >= 30
    assert figures.by_group["text-other"] >= 8
    assert len({c.name for c in assessed.cases}) == len(assessed.cases)


def test_no_wrong_zusage_or_absage(assessed: Assessed) -> None:
    assert assessed.figures.wrong_answers == []
    assert assessed.figures.wrong_persons == []


def test_no_bounce_read_as_a_reply(assessed: Assessed) -> None:
    assert assessed.figures.bounces_as_replies == []


def test_clear_answers_are_settled_automatically(assessed: Assessed) -> None:
    figures = assessed.figures
    assert figures.clear >= 150
    assert figures.settled_share >= 0.90, figures.misread


def test_review_reasons_quote_what_decided(assessed: Assessed) -> None:
    """Every written reply set aside for review says why, quoting a sentence of the reply —
    never only the greeting or the signature."""
    for case in assessed.cases:
        outcome = assessed.outcomes[case.name]
        if case.group.startswith("text-") and outcome.kind == "unclear":
            assert "„" in outcome.reason, (case.name, outcome.reason)
            quoted = outcome.reason.split("„", 1)[1].lower()
            assert not quoted.startswith(GREETINGS_AND_CLOSINGS), (case.name, outcome.reason)


GREETINGS_AND_CLOSINGS = (
    "sehr geehrte", "hallo", "liebe ", "dear ", "hi,", "mit freundlichen", "viele grüße", "best regards",
)  # fmt: skip


def test_a_representative_subset_through_dovecot(
    dovecot: DovecotServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Every quoting format and every kind of written answer, polled from the real server."""
    from corpus import build_corpus

    account = dovecot.new_account()
    with pytest.MonkeyPatch.context() as mp:
        imap_env(mp, account)
        campaign = make_campaign(tmp_path_factory.mktemp("subset"), example_rows(42))
        with campaign.open_state() as state:
            cases = build_corpus(campaign, state)
        formats = [name for name, _ in FORMATS]
        subset, seen = [], set()
        for case in cases:  # one written reply per (quoting format, expected answer, group)
            fmt = next((f for f in formats if case.name.endswith("-" + f)), "")
            key = (fmt, case.answer, case.group)
            if (fmt and key not in seen) or case.name.startswith("tool-"):
                seen.add(key)
                subset.append(case)
        for case in subset:
            dovecot.deliver(account.address, case.raw)
        summary = poll(campaign)
    assert summary.new == len(subset)
    with campaign.open_state() as state:
        rows = {r.message_id: r for r in inbox_messages(state)}
        answers = {a.message: a for a in all_answers(state) if a.message is not None}
    problems = []
    for case in subset:
        row = rows[case.message_id]
        answer = answers.get(row.id)
        got = answer.answer if answer else None
        silent = case.answer == "pruefen" and got is None  # never replaces an earlier answer
        if row.kind not in case.kinds or row.invitee != case.invitee:
            problems.append(f"{case.name}: expected {case.kinds}, got {row.kind}")
        elif got != case.answer and not silent:
            problems.append(f"{case.name}: expected {case.answer}, got {row.kind}/{got}")
        elif case.answer == "zusage" and case.persons and answer.persons != case.persons:
            problems.append(f"{case.name}: expected {case.persons} persons, got {answer.persons}")
    assert len(subset) >= 40
    assert problems == []
