"""`invite status`: the workbook staff read every morning, read back with openpyxl."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from clirun import run_invite
from openpyxl import Workbook, load_workbook
from statuskit import EXPECTED_STATUS, INJECTION, REPO, make_campaign, seed

from invite.campaign import Campaign
from invite.errors import InviteError
from invite.steps.record import record_manual
from invite.steps.status import write_status
from invite.store import AnswerRecord, Store, latest_answers, record_answer

TODAY = dt.date(2019, 1, 20)


@pytest.fixture
def campaign(tmp_path: Path) -> Campaign:
    campaign = make_campaign(tmp_path)
    seed(campaign)
    return campaign


def rows_by_number(path: Path) -> dict[str, dict[str, object]]:
    ws = load_workbook(path)["Einladungen"]
    header = [c.value for c in ws[1]]
    return {
        str(r[0].value): {h: c for h, c in zip(header, r, strict=True)}
        for r in ws.iter_rows(min_row=2)
    }


def edit(path: Path, changes: dict[tuple[str, str], object]) -> None:
    """Type into the workbook as staff would (Excel keeps cells; openpyxl is our Excel)."""
    wb = load_workbook(path)
    ws = wb["Einladungen"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        for (number, column), value in changes.items():
            if str(row[0].value) == number:
                row[header.index(column)].value = value
    wb.save(path)


def answers(campaign: Campaign) -> dict[str, AnswerRecord]:
    with Store.open(campaign.paths.data) as state:
        return latest_answers(state)


# -- what the workbook shows ------------------------------------------------------------------


def test_every_status_date_and_answer_is_shown(campaign: Campaign) -> None:
    result = write_status(campaign, today=TODAY)
    rows = rows_by_number(result.path)

    assert len(rows) == 25
    for number, status in EXPECTED_STATUS.items():
        assert rows[number]["Status"].value == status, number
    assert {rows[str(n)]["Status"].value for n in range(13, 26)} <= {"nicht versendet", "offen"}

    sent = rows["3"]["Versendet am"]
    assert sent.is_date and sent.value == dt.datetime(2019, 1, 11, 9, 15)  # local time
    assert sent.number_format == "DD.MM.YYYY HH:MM"
    assert rows["9"]["Versendet am"].value == dt.datetime(2019, 1, 11, 11, 0)  # print batch
    assert rows["12"]["Versendet am"].value is None
    assert rows["6"]["Erinnert am"].value == dt.datetime(2019, 1, 22, 8, 30)

    one = rows["1"]
    assert one["Personen"].value == 2
    assert one["Teilnehmende"].value == "Ayşe Yılmaz, Murat Yılmaz"
    assert one["Zugeordnet über"].value == "formular"
    assert one["Antwort am"].value == dt.datetime(2019, 1, 14, 17, 45)
    assert one["Code"].value.count("-") == 1 and len(one["Code"].value) == 9
    assert one["Versand"].value == "E-Mail"
    assert rows["2"]["Versand"].value == "E-Mail und Post"
    assert rows["11"]["Zugeordnet über"].value == "manuell"
    assert rows["4"]["Bemerkung"].value == "550 user unknown"
    assert "Mailbox unbekannt" in rows["8"]["Hinweis"].value
    assert "Versand unklar" in rows["10"]["Hinweis"].value
    assert "zu prüfen" in rows["7"]["Hinweis"].value


def test_overview_review_and_history_sheets(campaign: Campaign) -> None:
    path = write_status(campaign, today=TODAY).path
    wb = load_workbook(path)
    assert wb.sheetnames == ["Übersicht", "Einladungen", "Zu prüfen", "Verlauf"]

    overview = {r[0]: r[1] for r in wb["Übersicht"].iter_rows(values_only=True) if r and r[0]}
    assert overview["zugesagt"] == 2 and overview["prüfen"] == 3 and overview["offen"] == 3
    assert overview["unzustellbar"] == 1 and overview["abgesagt"] == 1
    assert overview["nicht versendet"] == 15
    assert overview["Eingeladen insgesamt"] == 25
    assert overview["Personen zugesagt (ohne Warteliste)"] == 3
    assert overview["Plätze im Saal"] == 120 and overview["Freie Plätze"] == 117
    assert overview["Tage bis zum Anmeldeschluss"] == 7
    assert overview["Anmeldeschluss"] == dt.datetime(2019, 1, 27)
    assert len(wb["Übersicht"]._charts) == 1

    review = list(wb["Zu prüfen"].iter_rows(min_row=2, values_only=True))
    assert len(review) == 4  # not the resolved one, nor the bounce tied to Nr. 4
    assert {r[1] for r in review} == {
        "fremd@example.net",
        "d.papadopoulos@gg-muenster.example",
        "spam@example.com",
        "MAILER-DAEMON@example.org",
    }
    assert {r[4] for r in review} == {
        "nicht zugeordnet",
        "unklar",
        "zurückgestellt",
        "Rückläufer, nicht zugeordnet",
    }
    assert all(isinstance(r[0], dt.datetime) for r in review)

    history = list(wb["Verlauf"].iter_rows(min_row=2, values_only=True))
    actions = [r[2] for r in history]
    assert "hinzugefügt" in actions and "Antwort erfasst" in actions
    assert all(isinstance(r[0], dt.datetime) for r in history)


def test_looks_cared_for_header_filter_widths_colours(campaign: Campaign) -> None:
    path = write_status(campaign, today=TODAY).path
    ws = load_workbook(path)["Einladungen"]
    header = [c.value for c in ws[1]]
    for column in (
        "Nr.",
        "Code",
        "Organisation",
        "Name",
        "E-Mail",
        "Versand",
        "Versendet am",
        "Status",
        "Personen",
        "Teilnehmende",
        "Antwort am",
        "Zugeordnet über",
        "Erinnert am",
        "Bemerkung",
    ):
        assert column in header
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:O26"
    assert ws.column_dimensions["C"].width >= 30  # long organisation names
    status = {r[7].value: r[7].fill.fgColor.rgb for r in ws.iter_rows(min_row=2)}
    assert len(set(status.values())) == len(status) == 6  # one colour per status


def test_outside_text_stays_text_never_a_formula(tmp_path: Path) -> None:
    contacts = tmp_path / "injection.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["Nr.", "Vorname", "Nachname", "Organisation", "E-Mail", "Versand"])
    ws.append([1, "Eva", "Muster", None, "eva@example.org", "E-Mail"])
    ws.append([2, "@SUM(A1)", "-2+3", None, "x@example.org", "E-Mail"])
    for row, value in ((2, INJECTION), (3, "+49 251 492")):
        ws.cell(row=row, column=4, value=value).data_type = "s"
    wb.save(contacts)
    campaign = make_campaign(tmp_path, contacts)
    seed_injection(campaign)

    wb = load_workbook(write_status(campaign, today=TODAY).path)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)  # no formula anywhere
    texts = {c.value for c in cells if c.data_type == "s"}
    assert INJECTION in texts  # organisation, note and reply subject, shown as typed
    assert "=1+2" in texts and "#N/A" in texts and "@SUM(A1) -2+3" in texts
    assert "Betreff \ufffd mit Klingel" in texts  # a control character cannot break the file


def seed_injection(campaign: Campaign) -> None:
    from statuskit import message

    with campaign.open_state() as state:
        campaign.sync(state, "test")
        message(state, "unmatched", sender=INJECTION, subject="#N/A", reason=INJECTION)
        message(state, "unmatched", sender="a@b.c", subject="Betreff \x07 mit Klingel", reason="")
    record_manual(campaign, "1", "zusage", persons=2, note="=1+2")


# -- staff edits ------------------------------------------------------------------------------


def test_staff_edits_are_taken_in_as_answers_from_the_table(campaign: Campaign) -> None:
    path = write_status(campaign, today=TODAY).path
    edit(
        path,
        {
            ("3", "Status"): "zugesagt",
            ("3", "Personen"): 3,
            ("6", "Status"): "Abgesagt ",  # typed by hand, with a stray space
            ("12", "Bemerkung"): "ruft am Montag zurück",
            ("1", "Personen"): 4.0,  # Excel stores numbers as floats
        },
    )

    result = write_status(campaign, today=TODAY)

    taken = {e.number: e for e in result.taken_in}
    assert set(taken) == {"1", "3", "6", "12"}
    assert "Status „offen“ → „zugesagt“" in taken["3"].changes
    latest = answers(campaign)
    assert (latest["3"].answer, latest["3"].persons, latest["3"].source) == (
        "zusage",
        3,
        "tabelle",
    )
    assert latest["6"].answer == "absage" and latest["6"].source == "tabelle"
    assert latest["1"].persons == 4 and latest["1"].participants == "Ayşe Yılmaz, Murat Yılmaz"
    assert "12" not in latest  # a note is not an answer
    rows = rows_by_number(result.path)
    assert rows["3"]["Status"].value == "zugesagt" and rows["3"]["Personen"].value == 3
    assert rows["3"]["Zugeordnet über"].value == "tabelle"
    assert rows["12"]["Bemerkung"].value == "ruft am Montag zurück"
    assert rows["12"]["Status"].value == "nicht versendet"

    again = write_status(campaign, today=TODAY)  # the tool's own file: nothing to take in
    assert again.taken_in == [] and again.notices == []


def test_untouched_rows_with_nfd_names_or_outer_spaces_are_no_edits(campaign: Campaign) -> None:
    """What is written is compared as it reads back (NFC, stripped): a reply's decomposed
    umlauts or a note ending in a space must not come back as a staff edit."""
    nfd = unicodedata.normalize("NFD", "Jürgen Müller; Zoë Weiß")
    assert nfd != unicodedata.normalize("NFC", nfd)
    with Store.open(campaign.paths.data) as state:
        record_answer(
            state,
            "3",
            "zusage",
            source="antwort",
            command="poll",
            persons=2,
            participants=nfd,
            note="kommt etwas später ",
        )
    path = write_status(campaign, today=TODAY).path
    edit(path, {})  # opened and saved again without a change: new bytes, same cells

    again = write_status(campaign, today=TODAY)

    assert again.taken_in == []
    # The re-saved file is kept as a copy (its bytes changed); nothing counts as edited.
    assert [n for n in again.notices if "bleibt als" not in n] == []
    latest = answers(campaign)["3"]
    assert (latest.source, latest.participants) == ("antwort", nfd)


def test_an_edit_that_cannot_be_understood_is_refused_and_nothing_is_lost(
    campaign: Campaign,
) -> None:
    path = write_status(campaign, today=TODAY).path
    edit(path, {("3", "Status"): "vielleicht", ("5", "Personen"): "drei", ("7", "Status"): "ja"})
    before = path.read_bytes()

    with pytest.raises(InviteError) as info:
        write_status(campaign, today=TODAY)

    message = str(info.value)
    assert "Zeile 4, Spalte „Status“" in message and "„vielleicht“" in message
    assert "Zeile 6, Spalte „Personen“" in message and "„drei“ ist keine Anzahl" in message
    assert "nichts übernommen und nichts überschrieben" in message
    assert path.read_bytes() == before  # staff's typing is still there
    assert "7" not in answers(campaign)  # not even the understandable edit was taken in


def test_inf_or_nan_typed_as_persons_is_refused_not_a_crash(campaign: Campaign) -> None:
    path = write_status(campaign, today=TODAY).path
    edit(path, {("3", "Status"): "zugesagt", ("3", "Personen"): "inf", ("6", "Personen"): "nan"})
    with pytest.raises(InviteError) as info:
        write_status(campaign, today=TODAY)
    message = str(info.value)
    assert "Zeile 4, Spalte „Personen“" in message and "„inf“ ist keine Anzahl" in message
    assert "Zeile 7, Spalte „Personen“" in message and "„nan“ ist keine Anzahl" in message
    assert "3" not in answers(campaign)


def test_an_answer_cannot_be_set_back_to_open(campaign: Campaign) -> None:
    path = write_status(campaign, today=TODAY).path
    edit(path, {("1", "Status"): "offen"})
    with pytest.raises(InviteError, match="nicht auf „offen“ zurücksetzen"):
        write_status(campaign, today=TODAY)


def test_edit_of_a_row_that_changed_meanwhile_is_a_conflict(campaign: Campaign) -> None:
    path = write_status(campaign, today=TODAY).path
    edit(path, {("3", "Personen"): 2, ("3", "Status"): "zugesagt"})
    record_manual(campaign, "3", "absage", note="per Fax")  # came in after the file was written
    with pytest.raises(InviteError, match="inzwischen hat sich auch die Rückmeldung geändert"):
        write_status(campaign, today=TODAY)
    assert answers(campaign)["3"].answer == "absage"


def test_typing_what_was_already_recorded_is_no_conflict(campaign: Campaign) -> None:
    path = write_status(campaign, today=TODAY).path
    edit(path, {("3", "Status"): "abgesagt"})
    record_manual(campaign, "3", "absage")
    result = write_status(campaign, today=TODAY)
    assert result.taken_in == []


def test_changes_in_contact_columns_and_deleted_rows_are_reported(campaign: Campaign) -> None:
    path = write_status(campaign, today=TODAY).path
    edit(path, {("4", "E-Mail"): "neu@example.org"})
    wb = load_workbook(path)
    wb["Einladungen"].delete_rows(20)  # Nr. 19
    wb.save(path)

    result = write_status(campaign, today=TODAY)

    assert result.taken_in == []
    assert any("Nr. 4: Änderung in „E-Mail“ nicht übernommen" in n for n in result.notices)
    assert any("Nr. 19: Die Zeile fehlte" in n for n in result.notices)
    assert rows_by_number(path)["4"]["E-Mail"].value == "huong.nguyen@vvm.example"


def test_a_row_added_by_hand_is_refused(campaign: Campaign) -> None:
    path = write_status(campaign, today=TODAY).path
    wb = load_workbook(path)
    wb["Einladungen"].append([99, None, "Neuer Verein", "Neu", None, None, None, "zugesagt"])
    wb.save(path)
    with pytest.raises(InviteError, match="Nr. 99 hat die Tabelle nicht geschrieben"):
        write_status(campaign, today=TODAY)


def test_a_foreign_file_at_the_target_is_not_overwritten(
    campaign: Campaign, tmp_path: Path
) -> None:
    target = tmp_path / "eigene.xlsx"
    Workbook().save(target)
    before = target.read_bytes()
    with pytest.raises(InviteError, match="nicht geschrieben"):
        write_status(campaign, target, today=TODAY)
    assert target.read_bytes() == before


# -- files that are open or locked ------------------------------------------------------------


def test_workbook_open_in_libreoffice_or_excel_is_not_replaced(campaign: Campaign) -> None:
    path = write_status(campaign, today=TODAY).path
    for lock in (f".~lock.{path.name}#", f"~${path.name}"):
        (path.parent / lock).write_text("Sabine,host,12.01.2019")
        with pytest.raises(InviteError, match="gerade in Excel oder LibreOffice geöffnet"):
            write_status(campaign, today=TODAY)
        (path.parent / lock).unlink()


@pytest.fixture
def locked(campaign: Campaign) -> Iterator[Path]:
    """The workbook made unreplaceable, as a file held open by Excel on a Windows share is."""
    path = write_status(campaign, today=TODAY).path
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True)
        yield path
        subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        path.parent.chmod(0o500)
        yield path
        path.parent.chmod(0o700)


def test_locked_workbook_gives_a_clear_message_not_a_traceback(
    campaign: Campaign, locked: Path
) -> None:
    before = locked.read_bytes()
    result = run_invite(
        "status",
        "--campaign",
        str(REPO / "invite" / "bundled"),
        "--contacts",
        str(campaign.contacts_file),
        "--data",
        str(campaign.paths.data),
    )
    assert result.code == 2, result.text  # an operator's matter: close the file, run again
    assert "Fehler: Die Rückmeldeliste" in result.err
    assert "gerade geöffnet (z. B. in Excel) oder schreibgeschützt" in result.err
    assert "Traceback" not in result.text
    assert locked.read_bytes() == before
    assert not [p for p in locked.parent.iterdir() if p.name.startswith(".invite-")]


def test_cli_writes_to_out_and_prints_a_german_summary(campaign: Campaign, tmp_path: Path) -> None:
    out = tmp_path / "Rückmeldungen.xlsx"
    result = run_invite(
        "status",
        "--out",
        str(out),
        "--campaign",
        str(REPO / "invite" / "bundled"),
        "--contacts",
        str(campaign.contacts_file),
        "--data",
        str(campaign.paths.data),
    )
    assert result.code == 0, result.text
    assert f"Rückmeldeliste geschrieben: {out}" in result.out
    assert "25 Eingeladene: 15 nicht versendet, 3 offen, 2 zugesagt" in result.out
    assert "Zugesagt: 3 Personen (Saal: 120 Plätze, 117 frei)" in result.out
    assert "4 Nachrichten zu prüfen" in result.out
    assert out.is_file()


def test_an_edited_workbook_is_kept_before_it_is_rewritten(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    campaign = make_campaign(tmp_path)
    seed(campaign)
    first = write_status(campaign, today=TODAY)
    wb = load_workbook(first.path)
    wb["Einladungen"]["O2"] = "Rückruf am Montag"  # the Hinweis column, not taken in
    wb.save(first.path)
    second = write_status(campaign, today=TODAY)
    backups = sorted(first.path.parent.glob("rsvp-status.vorher-*.xlsx"))
    assert len(backups) == 1
    assert load_workbook(backups[0])["Einladungen"]["O2"].value == "Rückruf am Montag"
    assert any(backups[0].name in notice for notice in second.notices)


# -- on paper ---------------------------------------------------------------------------------


def test_print_scale_is_computed_from_the_column_widths() -> None:
    from invite.workbook.status_workbook import FONT_POINTS, MIN_PRINT_POINTS, print_scale

    assert print_scale([10, 20, 30]) == 100  # fits: never enlarged
    medium = print_scale([30] * 5)  # a little too wide: shrunk to fit, still readable
    assert 73 <= medium < 100
    assert print_scale([30] * 20) == 73  # far too wide: 8 pt and a second page across
    assert FONT_POINTS * 73 / 100 >= MIN_PRINT_POINTS


def test_every_sheet_prints_landscape_at_8_pt_or_more_with_header_and_page_numbers(
    campaign: Campaign,
) -> None:
    path = write_status(campaign, today=TODAY).path
    wb = load_workbook(path)
    for ws in wb.worksheets:
        setup = ws.page_setup
        assert setup.orientation == "landscape" and setup.paperSize == 9, ws.title
        assert not ws.sheet_properties.pageSetUpPr.fitToPage, ws.title  # a fixed scale
        scale = setup.scale or 100  # 100 % is the default and left out of the file
        assert 11 * scale / 100 >= 8, (ws.title, scale)
        assert "Seite &P von &N" in ws.oddFooter.center.text, ws.title
        if ws.title != "Übersicht":
            assert ws.print_title_rows == "$1:$1", ws.title
    invitees = wb["Einladungen"]
    assert invitees.page_setup.scale == 73  # 15 columns: 8 pt, continued on a page across
    assert invitees.page_setup.pageOrder == "overThenDown"
    assert invitees.print_title_cols == "$A:$A"  # the Nr. on the right-hand pages too
    assert wb["Verlauf"].page_setup.scale in (None, 100)  # narrow: never enlarged
