"""How well does `invite poll` read the labelled reply corpus? Parse → evidence → poll.assess.

    python benchmarks/bench_answers.py [--wrong]

Runs every case of the test corpus (tests/corpus.py with tests/corpus_replies.py and, when
present, tests/corpus_reports.py) through the same functions `invite poll` uses — without
IMAP — and prints: a confusion table (expected vs. got), wrong Zusagen/Absagen (must be 0),
bounces read as replies (must be 0), the share of clear answers settled automatically
(target ≥ 90 %), the review share, messages per second and the corpus size by kind and group.
``--wrong`` also lists every case that was not read as expected.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

import pytest  # noqa: E402
from corpus import Case, build_corpus  # noqa: E402
from sendkit import make_campaign  # noqa: E402
from workbooks import example_rows  # noqa: E402

from invite.mail.mailparse import parse_mail  # noqa: E402
from invite.steps.poll import Assessment, assess, directory_of  # noqa: E402

STATUSES = ("zusage", "absage", "unzustellbar", "pruefen", "—")


@dataclass
class Figures:
    """What the corpus run found; ``problems`` are the correctness failures."""

    cases: int = 0
    seconds: float = 0.0
    confusion: Counter = field(default_factory=Counter)  # (expected, got) -> count
    wrong_answers: list[str] = field(default_factory=list)  # a wrong Zusage/Absage
    wrong_persons: list[str] = field(default_factory=list)  # a Zusage settled with a wrong count
    bounces_as_replies: list[str] = field(default_factory=list)
    misread: list[str] = field(default_factory=list)  # any other difference (persons, kind)
    clear: int = 0
    clear_settled: int = 0
    review: int = 0
    by_kind: Counter = field(default_factory=Counter)
    by_group: Counter = field(default_factory=Counter)

    @property
    def settled_share(self) -> float:
        return self.clear_settled / self.clear if self.clear else 1.0

    @property
    def review_share(self) -> float:
        return self.review / self.cases if self.cases else 0.0


def status_of(answer: str | None) -> str:
    return answer or "—"


def evaluate(cases: Iterable[Case], outcome_of: dict[str, Assessment]) -> Figures:
    """Compare each case with the outcome ``assess`` gave its message."""
    figures = Figures()
    for case in cases:
        outcome = outcome_of[case.name]
        figures.cases += 1
        figures.by_kind[case.kinds[0]] += 1
        figures.by_group[case.group] += 1
        expected, got = status_of(case.answer), status_of(outcome.answer)
        figures.confusion[(expected, got)] += 1
        if outcome.kind in ("unclear", "unmatched", "rejected"):
            figures.review += 1
        said = outcome.kind in ("answer",) and outcome.answer in ("zusage", "absage")
        if said and (case.answer != outcome.answer or outcome.invitee != case.invitee):
            figures.wrong_answers.append(
                f"{case.name}: expected {expected}/{case.invitee}, got {got}/{outcome.invitee}"
            )
        if (
            said
            and case.answer == outcome.answer == "zusage"
            and case.persons is not None
            and (outcome.persons or 1) != case.persons
        ):
            figures.wrong_persons.append(
                f"{case.name}: expected {case.persons} persons, got {outcome.persons or 1}"
            )
        if case.group == "bounce" and outcome.kind == "answer":
            figures.bounces_as_replies.append(f"{case.name}: read as {got}")
        if case.answer in ("zusage", "absage"):
            figures.clear += 1
            right = (
                outcome.kind == "answer"
                and outcome.answer == case.answer
                and outcome.invitee == case.invitee
                and (case.persons is None or (outcome.persons or 1) == case.persons)
            )
            figures.clear_settled += right
        if (
            outcome.kind not in case.kinds
            or outcome.invitee != case.invitee
            or (case.answer or None) != (outcome.answer or None)
            or (
                case.answer == "zusage"
                and case.persons is not None
                and (outcome.persons or 1) != case.persons
            )
        ):
            figures.misread.append(
                f"{case.name} [{case.group}]: expected {case.kinds[0]}/{expected}/{case.persons}, "
                f"got {outcome.kind}/{got}/{outcome.persons} – {outcome.reason[:160]}"
            )
    return figures


def run_corpus(tmp: Path) -> tuple[list[Case], dict[str, Assessment], float]:
    """Build the corpus for 42 invitees and assess every message; returns the seconds spent
    in parse + assess (building the corpus is not timed)."""
    with pytest.MonkeyPatch.context():
        campaign = make_campaign(tmp, example_rows(42))
    with campaign.open_state() as state:
        cases = build_corpus(campaign, state)
        directory = directory_of(state, campaign)
    outcomes: dict[str, Assessment] = {}
    start = time.perf_counter()
    for case in cases:
        outcomes[case.name] = assess(parse_mail(case.raw), directory)
    return cases, outcomes, time.perf_counter() - start


def report(figures: Figures, show_wrong: bool) -> str:
    lines = [f"Corpus: {figures.cases} messages"]
    lines.append("  by kind:  " + ", ".join(f"{k} {n}" for k, n in sorted(figures.by_kind.items())))
    lines.append(
        "  by group: " + ", ".join(f"{g} {n}" for g, n in sorted(figures.by_group.items()))
    )
    lines.append("")
    lines.append("Expected \\ got   " + "".join(f"{s:>13}" for s in STATUSES))
    for expected in STATUSES:
        row = [figures.confusion.get((expected, got), 0) for got in STATUSES]
        if any(row):
            lines.append(f"{expected:16} " + "".join(f"{n:>13}" for n in row))
    lines.append("")
    lines.append(f"Wrong Zusage/Absage:            {len(figures.wrong_answers)} (must be 0)")
    for item in figures.wrong_answers:
        lines.append(f"    ✗ {item}")
    lines.append(f"Zusagen with a wrong count:     {len(figures.wrong_persons)} (must be 0)")
    for item in figures.wrong_persons:
        lines.append(f"    ✗ {item}")
    lines.append(f"Bounces read as replies:        {len(figures.bounces_as_replies)} (must be 0)")
    for item in figures.bounces_as_replies:
        lines.append(f"    ✗ {item}")
    lines.append(
        f"Clear answers settled:          {figures.clear_settled}/{figures.clear} "
        f"= {figures.settled_share:.1%} (target ≥ 90 %)"
    )
    lines.append(f"Review share (prüfen):          {figures.review_share:.1%}")
    lines.append(f"Not exactly as labelled:        {len(figures.misread)}")
    if show_wrong:
        for item in figures.misread:
            lines.append(f"    · {item}")
    if figures.seconds:
        lines.append(
            f"Speed: {figures.cases / figures.seconds:,.1f} messages/s "
            f"({figures.seconds:.1f} s for parse + evidence + assess)"
        )
    return "\n".join(lines)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cases, outcomes, seconds = run_corpus(Path(tmp))
    figures = evaluate(cases, outcomes)
    figures.seconds = seconds
    print(report(figures, "--wrong" in sys.argv))


if __name__ == "__main__":
    main()
