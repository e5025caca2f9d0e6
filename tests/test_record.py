"""`invite record`: answers by phone, fax or in person, typed in by staff."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from clirun import run_invite
from openpyxl import load_workbook
from statuskit import REPO, make_campaign

from invite.answering import confirmation_lines
from invite.campaign import Campaign
from invite.core.codes import format_code
from invite.errors import InviteError
from invite.steps.record import record_manual
from invite.store import (
    Store,
    all_invitees,
    audit_log,
    latest_answers,
    lookup_invitee,
    sync_invitees,
)


@pytest.fixture
def campaign(tmp_path: Path) -> Campaign:
    campaign = make_campaign(tmp_path)
    with campaign.open_state() as state:
        campaign.sync(state, "test")
    return campaign


def cli(campaign: Campaign, *args: str):  # noqa: ANN201 - clirun.Result
    return run_invite(
        "record",
        *args,
        "--campaign",
        str(campaign.settings.campaign_dir),
        "--contacts",
        str(campaign.contacts_file),
        "--data",
        str(campaign.paths.data),
    )


def test_zusage_by_number_is_recorded_as_manual_with_time_note_and_history(
    campaign: Campaign,
) -> None:
    result = cli(campaign, "5", "zusage", "--personen", "2", "--notiz", "per Telefon")

    assert result.code == 0, result.text
    assert result.out.startswith(
        "Zusage eingetragen für Nr. 5 (Dimitrios Papadopoulos, Griechische Gemeinde Münster e.V.): "
        "2 Personen. Zugesagt sind jetzt 2 von 120 Plätzen."
    )
    with Store.open(campaign.paths.data) as state:
        answer = latest_answers(state)["5"]
        audit = [a for a in audit_log(state) if a.command == "record"][-1]
    assert (answer.answer, answer.persons, answer.note, answer.source) == (
        "zusage",
        2,
        "per Telefon",
        "manuell",
    )
    assert dt.datetime.fromisoformat(answer.created_at).tzinfo is not None
    assert (audit.command, audit.action, audit.invitee) == (
        "record",
        "Antwort erfasst",
        "5",
    )
    assert "über manuell" in audit.detail

    # The workbook follows at once: no separate „invite status“ needed.
    assert f"Rückmeldeliste aktualisiert: {campaign.paths.status_workbook}" in result.out
    ws = load_workbook(campaign.paths.status_workbook)["Einladungen"]
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == 5)
    assert row[7:9] == ("zugesagt", 2) and row[11] == "manuell" and row[13] == "per Telefon"
    assert isinstance(row[10], dt.datetime)


def test_absage_by_code_as_printed_or_typed_loosely(campaign: Campaign) -> None:
    with Store.open(campaign.paths.data) as state:
        code = lookup_invitee(state, "7").code
    typed = format_code(code).lower().replace("-", " - ")
    result = cli(campaign, typed, "absage")
    assert result.code == 0, result.text
    assert "Absage eingetragen für Nr. 7" in result.out
    with Store.open(campaign.paths.data) as state:
        assert latest_answers(state)["7"].answer == "absage"


def test_unknown_number_or_code_is_a_german_error(campaign: Campaign) -> None:
    for who in ("999", "K7Q2-M9XA", "Müller"):
        result = cli(campaign, who, "zusage")
        assert result.code == 2, result.text  # an operator error, not a problem in the data
        assert f"Fehler: „{who}“ ist weder eine Nr. noch ein Code" in result.err
        assert "Erlaubt ist die Nr. aus der Kontaktliste" in result.err
        assert "Traceback" not in result.text
    with Store.open(campaign.paths.data) as state:
        assert latest_answers(state) == {}


def test_wrong_combinations_are_usage_errors(campaign: Campaign) -> None:
    assert "passt nur zu einer Zusage" in cli(campaign, "1", "absage", "--personen", "2").err
    assert cli(campaign, "1", "absage", "--personen", "2").code == 2
    zero = cli(campaign, "1", "zusage", "--personen", "0")
    assert zero.code == 2 and "mindestens 1 Person" in zero.err
    bad = cli(campaign, "1", "vielleicht")
    assert (
        bad.code == 2 and "Fehler: „vielleicht“ lässt sich nicht als Antwort eintragen" in bad.err
    )
    assert "Erlaubt sind „zusage“ und „absage“" in bad.err
    assert "Ungültiger Wert" not in bad.err and "{zusage|absage}" not in bad.err
    assert cli(campaign, "1", "ZUSAGE").code == 0  # the word in any case


def test_beyond_capacity_goes_on_the_waiting_list_and_an_absage_frees_places(
    tmp_path: Path,
) -> None:
    campaign = make_campaign(tmp_path, capacity=3)
    with campaign.open_state() as state:
        campaign.sync(state, "test")

    first = record_manual(campaign, "1", "zusage", persons=2)
    second = record_manual(campaign, "2", "zusage", persons=2)
    third = record_manual(campaign, "3", "zusage")

    assert not first.record.waiting_list and first.persons_confirmed == 2
    assert second.record.waiting_list and second.waiting_position == 1
    assert confirmation_lines(second)[1] == (
        "Der Saal ist voll (3 Plätze, 2 zugesagt): Die Zusage steht auf der Warteliste, Platz 1."
    )
    assert not third.record.waiting_list and third.persons_confirmed == 3

    freed = record_manual(campaign, "1", "absage")
    lines = confirmation_lines(freed)
    assert lines[0].startswith("Absage eingetragen für Nr. 1")
    assert "Frei sind 2 Plätze; auf der Warteliste steht 1 Zusage." in lines[1]


def test_an_invitee_removed_from_the_list_cannot_answer(campaign: Campaign) -> None:
    with campaign.open_state() as state:
        others = [inv for inv in all_invitees(state) if inv.number != "4"]
        sync_invitees(state, others, "test")  # Nr. 4 left the list (the sync is not repeated:
        # the contact file is unchanged)
    with pytest.raises(InviteError, match="steht nicht mehr in der Kontaktliste"):
        record_manual(campaign, "4", "zusage")


def test_help_is_german() -> None:
    result = run_invite("record", "--help", cwd=REPO)
    assert result.code == 0
    assert "NR_ODER_CODE" in result.out and "--personen" in result.out and "Aufruf:" in result.out
