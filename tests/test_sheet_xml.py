"""Data rows written as sheet XML (invite/workbook/sheet_xml.py): the cells read back exactly,
through calamine (the read-back of staff edits) and openpyxl, with their styles and heights."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import xlsxwriter
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook
from statuskit import make_campaign, seed

from invite.core.rsvp import interpret_edits, status_rows
from invite.steps.record import record_manual
from invite.steps.status import load_facts, write_status
from invite.workbook.sheet_xml import RowsSheet, cell, clean_text, row_height, style
from invite.workbook.status_workbook import SHEET_INVITEES, read_back, written_cells

TRICKY = [
    "a & b <c> d",
    "_x0041_ stays as typed",  # Excel would read a bare _x0041_ as „A“
    "Zeile eins\r\nZeile zwei",
    "  leading and trailing  ",
    '=HYPERLINK("http://x")',
    "@SUM(A1)",
    "Klingel \x07 und Nullbyte \x00",
    "rechts\u202elinks",
    "Nicht-Zeichen \ufffe",
    "Tab\tim Text",
    "Ayşe Yılmaz 😀",
    "x" * 40_000,
    "😀" * 20_000,  # 40,000 UTF-16 units: cut, never a broken pair
]


def _workbook(texts: list[str]) -> bytes:
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = wb.add_worksheet("Blatt", worksheet_class=RowsSheet)
    ws.write_string(0, 0, "Kopf")
    ws.set_row(0, 30)
    tint = style(wb.add_format({"bg_color": "#C6EFCE", "text_wrap": True}))
    date = style(wb.add_format({"num_format": "DD.MM.YYYY HH:MM"}))
    rows = []
    for number, text in enumerate(texts, start=2):
        rows.append(
            f'<row r="{number}"{row_height(45)}>'
            + cell(f"A{number}", text, tint)
            + cell(f"B{number}", dt.datetime(2019, 1, 11, 9, 15), date)
            + cell(f"C{number}", number)
            + cell(f"D{number}", None, tint, blank=True)
            + cell(f"E{number}", "", tint)  # empty and not asked for: no cell
            + "</row>"
        )
    ws.add_rows(rows, len(texts), 4)
    wb.close()
    return buffer.getvalue()


def test_text_reads_back_as_written_and_never_as_a_formula() -> None:
    data = _workbook(TRICKY)
    table = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("Blatt")
    read = table.to_python(skip_empty_area=False)
    assert read[0][0] == "Kopf"
    for text, row in zip(TRICKY, read[1:], strict=True):
        assert row[0] == clean_text(text)
        assert row[1] == dt.datetime(2019, 1, 11, 9, 15)
    assert read[1][2] == 2
    assert "\ufffd" in clean_text("Klingel \x07") and "\u202e" not in clean_text("r\u202el")
    cut = clean_text("😀" * 20_000)
    assert len(cut.encode("utf-16-le")) // 2 <= 32_000 and cut.endswith("😀…")

    ws = load_workbook(io.BytesIO(data))["Blatt"]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    assert ws["A6"].value == '=HYPERLINK("http://x")' and ws["A6"].data_type == "s"
    assert ws["A5"].value == "  leading and trailing  "


def test_styles_heights_blanks_and_dimension() -> None:
    data = _workbook(["eins", "zwei"])
    ws = load_workbook(io.BytesIO(data))["Blatt"]
    assert ws.row_dimensions[1].height == 30 and ws.row_dimensions[2].height == 45
    assert ws["A2"].fill.fgColor.rgb == "FFC6EFCE" and ws["A2"].alignment.wrap_text
    assert ws["D2"].fill.fgColor.rgb == "FFC6EFCE" and ws["D2"].value is None  # tinted blank
    assert ws["B2"].is_date and ws["B2"].number_format == "DD.MM.YYYY HH:MM"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert sheet.index('<row r="1"') < sheet.index('<row r="2"')  # header first, once
    assert sheet.count('<row r="1"') == 1 and 'r="E2"' not in sheet
    assert '<dimension ref="A1:E3"/>' in sheet  # the range the data rows span


def test_an_untouched_status_workbook_reads_back_as_written(tmp_path: Path) -> None:
    """The staff-edit detection compares what calamine reads with what was written: tricky
    text in notes must never look like an edit."""
    campaign = make_campaign(tmp_path)
    seed(campaign)
    for number, text in zip(("1", "2", "3", "5"), TRICKY[:4], strict=True):
        record_manual(campaign, number, "zusage", persons=1, note=text)
    path = write_status(campaign, today=dt.date(2019, 1, 20)).path
    zone = ZoneInfo(campaign.settings.event.timezone)
    with campaign.open_state() as state:
        written = {row.number: written_cells(row) for row in status_rows(load_facts(state, zone))}
    found = {number: row.cells for number, row in read_back(path).items()}
    assert found["2"].note == "_x0041_ stays as typed"
    report = interpret_edits(str(path), SHEET_INVITEES, written, found, written)
    assert report.edits == [] and report.problems == []
