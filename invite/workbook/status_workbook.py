"""The RSVP status workbook as a file: write it (styled, safe, atomic) and read staff edits back.

Written with XlsxWriter (styles, chart, validations, print set-up) whose data rows of
„Einladungen“, „Zu prüfen“ and „Verlauf“ are rendered as sheet XML in one pass
(invite/workbook/sheet_xml.py), and read back with python-calamine: the workbook is rewritten
after every step that changes answers or deliveries, so for 10,000 invitees it has to be
quick. Measured with benchmarks/bench_status.py --compare 53567c2 (10,000 invitees, 26,000
history lines, 5 rounds each taking turns with the code before, shared 2-core machine at load
2.8): the whole step took 3.13 s (2.38 s of CPU, median) with XlsxWriter writing cell by cell
and 1.82 s (1.44 s CPU) with the rows as sheet XML; the workbook alone 2.46 s and 0.91 s of
CPU. Before that, openpyxl's write-only writer needed 4.4 s, and reading edits back took
1.4 s with openpyxl and 0.2 s with calamine. Every text from outside (names, subjects,
notes) is stored as a string cell, never as a formula: a reply saying ``=HYPERLINK(…)``
shows as exactly that text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter
from python_calamine import CalamineWorkbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from invite.core.plurals import plural
from invite.core.rsvp import (
    CHECK,
    CONFIRMED,
    DECLINED,
    NOT_SENT,
    OPEN,
    STATUSES,
    UNDELIVERABLE,
    EditableCells,
    FoundCells,
    Overview,
    StatusRow,
    cell_text,
    deadline_text,
)
from invite.errors import EXIT_USAGE, InviteError
from invite.files import storage_error, write_atomic
from invite.workbook.sheet_xml import RowsSheet, cell, clean_text, row_height, serial, style

SHEET_INVITEES = "Einladungen"
SHEET_OVERVIEW = "Übersicht"
SHEET_REVIEW = "Zu prüfen"
SHEET_HISTORY = "Verlauf"

DATE_TIME = "DD.MM.YYYY HH:MM"
DATE = "DD.MM.YYYY"
PAPER_A4 = "9"
FONT = "Calibri"  # the workbook default; styled cells must name it too
LINE_HEIGHT = 15.0  # points per line of wrapped text

# (header, width range) in sheet order; widths follow the content within these bounds.
INVITEE_COLUMNS: tuple[tuple[str, int, int], ...] = (
    ("Nr.", 6, 6),
    ("Code", 11, 11),
    ("Organisation", 14, 30),
    ("Name", 12, 24),
    ("E-Mail", 14, 36),
    ("Versand", 9, 9),
    ("Versendet am", 16, 16),
    ("Status", 15, 15),
    ("Personen", 9, 9),
    ("Teilnehmende", 14, 26),
    ("Antwort am", 16, 16),
    ("Zugeordnet über", 11, 11),
    ("Erinnert am", 16, 16),
    ("Bemerkung", 16, 28),
    ("Hinweis", 12, 34),
)
WRAPPED_COLUMNS = ("Organisation", "Name", "Versand", "Teilnehmende", "Bemerkung", "Hinweis")
EDITABLE_COLUMNS = ("Status", "Personen", "Teilnehmende", "Bemerkung")
READ_ONLY_TEXT_COLUMNS = ("Organisation", "Name", "E-Mail")

STATUS_COLOURS = {  # fill, font
    NOT_SENT: ("EDEDED", "595959"),
    OPEN: ("DDEBF7", "1F4E79"),
    CONFIRMED: ("C6EFCE", "006100"),
    DECLINED: ("FFC7CE", "9C0006"),
    UNDELIVERABLE: ("F8CBAD", "833C0B"),
    CHECK: ("FFEB9C", "9C5700"),
}
WAITING_FILL = "E2EFDA"
GRID_COLOUR = "BFBFBF"
HEADER_FILL = "1F4E79"
# Sheet „Zu prüfen“: staff type a decision (zusage 2, absage, nr 17 …) next to the Vorgang.
REVIEW_DECISION_COLUMNS = ["Vorgang", "Entscheidung"]
REVIEW_KIND_LABELS = {
    "unclear": "unklar",
    "unmatched": "nicht zugeordnet",
    "rejected": "zurückgestellt",
    "bounce": "Rückläufer, nicht zugeordnet",
}


def written_cells(row: StatusRow) -> EditableCells:
    """The editable cells as they will read back (NFC, no outer spaces): compared with what
    is read, an untouched row must never look like a staff edit."""
    return EditableCells(
        row.status,
        row.persons,
        cell_text(clean_text(row.participants)),
        cell_text(clean_text(row.note)),
    )


def read_only_texts(row: StatusRow) -> tuple[str, str, str]:
    return clean_text(row.organisation), clean_text(row.name), clean_text(row.email)


@dataclass(frozen=True)
class ReviewLine:
    """A message the inbox could not settle (sheet „Zu prüfen“)."""

    at: dt.datetime | None
    sender: str
    subject: str
    kind: str
    reason: str
    number: str | None
    folder: str
    item: int = 0  # the message's row id: column „Vorgang“, ties a typed decision to it


@dataclass(frozen=True)
class AuditLine:
    at: dt.datetime | None
    command: str
    action: str
    number: str | None
    detail: str


@dataclass(frozen=True)
class WorkbookContent:
    title: str
    generated_at: dt.datetime
    event_start: dt.datetime
    rows: Sequence[StatusRow]
    overview: Overview
    reviews: Sequence[ReviewLine]
    audit: Iterable[AuditLine]


class _Formats:
    """Every cell format of one workbook, made once per combination and shared by every cell
    (XlsxWriter writes each distinct format once into the file's style table)."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self._workbook = workbook
        self._made: dict[tuple[tuple[str, Any], ...], Format] = {}
        self.header = self.get(
            bold=True,
            font_color="#FFFFFF",
            bg_color=f"#{HEADER_FILL}",
            valign="vcenter",
            text_wrap=True,
            bottom=2,
            bottom_color="#000000",
        )
        self.title = self.get(bold=True, font_size=14, font_color=f"#{HEADER_FILL}")
        self.bold = self.get(bold=True)
        self.italic = self.get(italic=True, font_color="#595959")
        self.muted = self.get(italic=True, font_color="#808080")
        self.row_line = self.get(bottom=1, bottom_color=f"#{GRID_COLOUR}")
        self._rows: dict[tuple[bool, bool], _RowFormats] = {}

    def get(self, **props: Any) -> Format:
        key = tuple(sorted(props.items()))
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = self._workbook.add_format(props)
        return made

    def status(self, status: str, **extra: Any) -> Format:
        fill, font = STATUS_COLOURS[status]
        return self.get(bg_color=f"#{fill}", font_color=f"#{font}", bold=True, **extra)

    def row(self, *, waiting: bool, tall: bool) -> _RowFormats:
        """The cell styles of one invitee row: a waiting-list row is tinted, a tall row
        (wrapped text) is aligned to the top so every cell starts on the first line."""
        key = (waiting, tall)
        made = self._rows.get(key)
        if made is None:
            base: dict[str, Any] = {"bg_color": f"#{WAITING_FILL}"} if waiting else {}
            if tall:
                base["valign"] = "top"
            made = self._rows[key] = _RowFormats(
                filled=waiting,
                plain=style(self.get(**base) if base else None),
                wrap=style(
                    self.get(**base, text_wrap=True) if tall else self.get(**base) if base else None
                ),
                centre=style(self.get(**{**base, "valign": "top"}, align="center")),
                date=style(self.get(**{**base, "valign": "top"}, num_format=DATE_TIME)),
                status={s: style(self.status(s, valign="top")) for s in STATUSES},
            )
        return made


@dataclass(frozen=True)
class _RowFormats:
    """Cell styles as ``s`` attributes of the rows written by sheet_xml."""

    filled: bool  # the row is tinted: empty cells are written too, to show the tint
    plain: str
    wrap: str
    centre: str
    date: str
    status: dict[str, str]


def _put(ws: Worksheet, row: int, col: int, value: Any, fmt: Format | None = None) -> None:
    """One cell of the overview (the big sheets' rows go through sheet_xml.cell). Text
    always goes in as text (write_string), never as a formula: the formula-injection
    defence. A date needs a date format."""
    if value is None or value == "":
        return
    if isinstance(value, str):
        ws.write_string(row, col, clean_text(value), fmt)
    elif isinstance(value, dt.date):
        ws.write_number(row, col, serial(value), fmt)
    else:
        ws.write_number(row, col, value, fmt)


def write_status_workbook(path: Path, content: WorkbookContent) -> str:
    """Write the workbook atomically and return the SHA-256 of the file as written."""
    refuse_if_open_elsewhere(path)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            # write_string is used for every text; these keep a stray write() safe too.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    formats = _Formats(workbook)
    stamp = f"{content.generated_at:%d.%m.%Y %H:%M}"
    _write_overview(workbook, content, formats, stamp)
    _write_invitees(workbook, content.rows, formats, stamp)
    _write_reviews(workbook, content.reviews, formats, stamp)
    _write_history(workbook, content.audit, formats, stamp)
    workbook.close()
    return _save_atomically(buffer.getvalue(), path)


# -- paper ------------------------------------------------------------------------------------

MIN_PRINT_POINTS = 8.0  # smallest type that still reads well on paper
FONT_POINTS = 11.0  # the workbook's body text (Calibri 11)
PAGE_WIDTH_POINTS = 297 / 25.4 * 72  # A4 landscape
SIDE_MARGIN_INCHES = 0.5


DIGIT_EM = 1038 / 2048  # advance width of a digit in Calibri (and metric-equal Carlito)


def column_points(width: float) -> float:
    """Printed width of a column of ``width`` characters, as the wider of the two programs
    lays it out: Excel (7 px per character plus 5 px padding, 96 px per inch) and
    LibreOffice (the width as written, padding included, times the digit width of the
    11 pt font — about 6 % wider)."""
    excel = (int(width * 7 + 0.5) + 5) * 0.75
    libreoffice = (width + 5 / 7) * DIGIT_EM * FONT_POINTS
    return max(excel, libreoffice)


def print_scale(widths: Sequence[float], extra_points: float = 0.0) -> int:
    """The print scale in percent, computed from the column widths: 100 when the sheet fits
    the page width; smaller to fit it, but never below the scale that keeps the text at
    8 pt — then the columns continue on a further page across. A fixed percentage rather
    than Excel's „fit to width“, which LibreOffice would also use to enlarge a narrow sheet."""
    usable = PAGE_WIDTH_POINTS - 2 * SIDE_MARGIN_INCHES * 72
    # 2 % to spare for rounding inside the programs.
    needed = (sum(column_points(w) for w in widths) + extra_points) * 1.02
    smallest = math.ceil(MIN_PRINT_POINTS / FONT_POINTS * 100)
    return max(min(100, math.floor(usable / needed * 100)), smallest)


def _paper(
    ws: Worksheet,
    widths: Sequence[float],
    stamp: str,
    *,
    extra_points: float = 0.0,
    title_rows: bool = True,
    repeat_column: bool = False,
) -> None:
    """A4 landscape, never smaller than 8 pt, header row on every page, page numbers."""
    ws.set_landscape()
    ws.set_paper(PAPER_A4)
    ws.set_margins(left=SIDE_MARGIN_INCHES, right=SIDE_MARGIN_INCHES, top=0.6, bottom=0.7)
    scale = print_scale(widths, extra_points)
    ws.set_print_scale(scale)
    usable = PAGE_WIDTH_POINTS - 2 * SIDE_MARGIN_INCHES * 72
    if sum(column_points(w) for w in widths) * scale / 100 > usable:
        ws.print_across()  # both halves of the same rows follow each other
        if repeat_column:
            ws.repeat_columns(0)  # the Nr. on the right-hand half too
    if title_rows:
        ws.repeat_rows(0)
    ws.set_footer(f"&C&A – Seite &P von &N&RStand: {stamp}")


# -- sheets -----------------------------------------------------------------------------------


def _header(ws: Worksheet, headers: Sequence[str], formats: _Formats, row: int = 0) -> None:
    for col, text in enumerate(headers):
        ws.write_string(row, col, text, formats.header)


def _prepare_table(
    ws: Worksheet,
    widths: Sequence[float],
    rows: int,
    formats: _Formats,
    stamp: str,
    *,
    repeat_column: bool = False,
) -> None:
    """Column widths, frozen header, filter, row lines and print setup."""
    for index, width in enumerate(widths):
        ws.set_column(index, index, width)
    ws.set_row(0, 30)
    ws.freeze_panes(1, 0)
    last_col = len(widths) - 1
    ws.autofilter(0, 0, max(rows, 1), last_col)
    # One rule draws every row's line: per-cell borders would need a styled cell for each
    # empty field.
    ws.conditional_format(
        1,
        0,
        max(rows, 1),
        last_col,
        {"type": "formula", "criteria": "TRUE", "format": formats.row_line},
    )
    _paper(ws, widths, stamp, repeat_column=repeat_column)


def _lines(text: str, width: float) -> int:
    """How many lines a wrapped cell needs (column width is in characters, roughly)."""
    usable = max(width * 1.15 - 1.5, 1.0)  # text is narrower than the „0“ the width counts
    if len(text) <= usable and "\n" not in text:
        return 1  # most cells: no splitting needed
    return sum(max(1, math.ceil(len(part) / usable)) for part in text.split("\n"))


def _row_lines(cells: Iterable[tuple[str, float]]) -> int:
    """Lines of the tallest wrapped cell of a row. Excel does not grow rows of a generated
    file by itself, and LibreOffice does not either, so long names would hide behind the
    next row: rows taller than one line get a height (and their cells top alignment)."""
    lines = 1
    for text, width in cells:
        if text:
            lines = max(lines, _lines(text, width))
    return lines


def _height(lines: int) -> str:
    """The ``<row>`` attributes of a row of ``lines`` lines ("" for one line)."""
    return row_height(LINE_HEIGHT * min(lines, 15)) if lines > 1 else ""


def _number_or_text(number: str | None) -> int | str | None:
    """An invitee's Nr. as a number when it is one (so the column sorts as numbers)."""
    return int(number) if number and number.isdigit() else number


def _fit(values: Iterable[str], low: int, high: int) -> float:
    longest = max((len(v) for v in values), default=0)
    return float(min(max(longest + 2, low), high))


def _write_invitees(
    wb: xlsxwriter.Workbook, rows: Sequence[StatusRow], formats: _Formats, stamp: str
) -> None:
    ws = wb.add_worksheet(SHEET_INVITEES, worksheet_class=RowsSheet)
    texts = {
        "Organisation": (r.organisation for r in rows),
        "Name": (r.name for r in rows),
        "E-Mail": (r.email for r in rows),
        "Versand": (r.channel for r in rows),
        "Teilnehmende": (r.participants for r in rows),
        "Bemerkung": (r.note for r in rows),
        "Hinweis": (r.hint for r in rows),
    }
    widths = [
        _fit(texts[name], low, high) if name in texts else float(low)
        for name, low, high in INVITEE_COLUMNS
    ]
    _prepare_table(ws, widths, len(rows), formats, stamp, repeat_column=True)
    status_col = _column("Status") - 1
    last_row = max(len(rows), 1)
    ws.data_validation(
        1,
        status_col,
        last_row,
        status_col,
        {
            "validate": "list",
            "source": list(STATUSES),
            "ignore_blank": False,
            "error_type": "warning",
            "error_title": "Unbekannter Status",
            "error_message": "Bitte einen der Werte aus der Liste wählen: zugesagt, abgesagt, "
            "unzustellbar, prüfen.",
            "input_title": "Status",
            "input_message": "Antwort von Hand ändern: zugesagt, abgesagt, unzustellbar oder "
            "prüfen.",
        },
    )
    persons_col = _column("Personen") - 1
    ws.data_validation(
        1,
        persons_col,
        last_row,
        persons_col,
        {
            "validate": "integer",
            "criteria": "between",
            "minimum": 0,
            "maximum": 1000,
            "ignore_blank": True,
            "error_title": "Personen",
            "error_message": "Bitte eine ganze Zahl von 0 bis 1000 eintragen.",
        },
    )
    for status in STATUSES:  # colours follow what staff type
        ws.conditional_format(
            1,
            status_col,
            last_row,
            status_col,
            {
                "type": "cell",
                "criteria": "==",
                "value": f'"{status}"',
                "format": formats.status(status),
            },
        )

    _header(ws, [c[0] for c in INVITEE_COLUMNS], formats)
    wrapped = [widths[_column(name) - 1] for name in WRAPPED_COLUMNS]
    a, b, c, d, e, f_, g, h, i, j, k, l_, m, n, o = RowsSheet.columns(len(INVITEE_COLUMNS))
    xml = []
    for index, r in enumerate(rows, start=2):  # the row number as Excel counts it
        texts_here = (r.organisation, r.name, r.channel, r.participants, r.note, r.hint)
        lines = _row_lines(zip(texts_here, wrapped, strict=True))
        f = formats.row(waiting=r.waiting_position is not None, tall=lines > 1)
        plain, wrap, tint, at = f.plain, f.wrap, f.filled, str(index)
        xml.append(
            f'<row r="{at}"{_height(lines)}>'
            + cell(a + at, _number_or_text(r.number), f.centre)
            + cell(b + at, _code(r.code), plain, blank=tint)
            + cell(c + at, r.organisation, wrap, blank=tint)
            + cell(d + at, r.name, wrap, blank=tint)
            + cell(e + at, r.email, plain, blank=tint)
            + cell(f_ + at, r.channel, wrap, blank=tint)
            + cell(g + at, r.sent_at, f.date, blank=tint)
            + cell(h + at, r.status, f.status[r.status])
            + cell(i + at, r.persons, f.centre, blank=tint)
            + cell(j + at, r.participants, wrap, blank=tint)
            + cell(k + at, r.answered_at, f.date, blank=tint)
            + cell(l_ + at, r.source, plain, blank=tint)
            + cell(m + at, r.reminded_at, f.date, blank=tint)
            + cell(n + at, r.note, wrap, blank=tint)
            + cell(o + at, r.hint, wrap, blank=tint)
            + "</row>"
        )
    ws.add_rows(xml, len(rows), len(INVITEE_COLUMNS) - 1)


def _code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}" if len(code) == 8 else code


def _column(header: str) -> int:
    return 1 + [c[0] for c in INVITEE_COLUMNS].index(header)


OVERVIEW_WIDTHS = (40, 18, 10, 3)
CHART_CELL = "E5"
CHART_SIZE = (567, 283)  # pixels: 15 × 7.5 cm


def _write_overview(
    wb: xlsxwriter.Workbook, content: WorkbookContent, formats: _Formats, stamp: str
) -> None:
    ws = wb.add_worksheet(SHEET_OVERVIEW)
    ov = content.overview
    for index, width in enumerate(OVERVIEW_WIDTHS):
        ws.set_column(index, index, width)
    _paper(ws, OVERVIEW_WIDTHS, stamp, extra_points=CHART_SIZE[0] * 0.75, title_rows=False)

    top = formats.get(valign="top")
    grid = {"bottom": 1, "bottom_color": f"#{GRID_COLOUR}"}
    ws.write_string(0, 0, "Rückmeldungen", formats.title)
    _put(ws, 1, 0, content.title, formats.bold)
    ws.write_string(2, 0, "Stand", top)
    ws.write_datetime(2, 1, content.generated_at, formats.get(num_format=DATE_TIME, align="left"))
    _header(ws, ["Status", "Einladungen", "Anteil"], formats, row=4)
    first_status_row = 5  # zero-based: the sixth row
    for offset, status in enumerate(STATUSES):
        count = ov.counts[status]
        share = count / ov.invitees if ov.invitees else 0
        row = first_status_row + offset
        ws.write_string(row, 0, status, formats.status(status, **grid))
        ws.write_number(row, 1, count, formats.get(num_format="#,##0", **grid))
        ws.write_number(row, 2, share, formats.get(num_format="0%", **grid))
    row = first_status_row + len(STATUSES)
    ws.write_string(row, 0, "Eingeladen insgesamt", formats.bold)
    ws.write_number(row, 1, ov.invitees, formats.get(bold=True, num_format="#,##0"))
    ws.write_number(row, 2, 1 if ov.invitees else 0, formats.get(bold=True, num_format="0%"))
    row += 2
    _header(ws, ["Teilnahme", "Wert", ""], formats, row=row)
    capacity = ov.capacity or "unbegrenzt"
    lines: list[tuple[str, Any, str]] = [
        ("Personen zugesagt (ohne Warteliste)", ov.persons_confirmed, "#,##0"),
        ("Plätze im Saal", capacity, "#,##0"),
        ("Freie Plätze", ov.free_places if ov.capacity else "–", "#,##0"),
        ("Warteliste: Einladungen", ov.waiting_invitees, "#,##0"),
        ("Warteliste: Personen", ov.waiting_persons, "#,##0"),
        ("Anmeldeschluss", ov.deadline, DATE),
        ("Tage bis zum Anmeldeschluss", max(ov.days_left, 0), "#,##0"),
        ("Veranstaltung", content.event_start, DATE_TIME),
        ("Nachrichten zu prüfen (Blatt „Zu prüfen“)", ov.review_items, "#,##0"),
    ]
    label = formats.get(valign="top", **grid)
    for text, value, fmt in lines:
        row += 1
        ws.write_string(row, 0, text, label)
        _put(ws, row, 1, value, formats.get(num_format=fmt, align="right", valign="top", **grid))
    row += 2
    sentence = deadline_text(ov.days_left, ov.deadline)
    ws.write_string(row, 0, sentence[0].upper() + sentence[1:] + ".", formats.italic)

    chart = wb.add_chart({"type": "bar"})
    last_status_row = first_status_row + len(STATUSES) - 1
    points = []
    for status in STATUSES:
        colour = "#" + (STATUS_COLOURS[status][1] if status != NOT_SENT else "A6A6A6")
        points.append({"fill": {"color": colour}, "border": {"color": colour}})
    chart.add_series(
        {
            "name": [SHEET_OVERVIEW, first_status_row - 1, 1],
            "categories": [SHEET_OVERVIEW, first_status_row, 0, last_status_row, 0],
            "values": [SHEET_OVERVIEW, first_status_row, 1, last_status_row, 1],
            "points": points,
            "data_labels": {"value": True},
        }
    )
    chart.set_title({"name": "Stand der Antworten"})
    chart.set_legend({"none": True})
    # In a bar chart XlsxWriter's x axis is the horizontal (value) axis.
    chart.set_x_axis({"name": "Einladungen", "major_gridlines": {"visible": False}})
    chart.set_y_axis({"reverse": True})  # first status on top, like the table
    chart.set_style(10)
    chart.set_size({"width": CHART_SIZE[0], "height": CHART_SIZE[1]})
    ws.insert_chart(CHART_CELL, chart)


REVIEW_COLUMNS = (
    "Eingegangen",
    "Absender",
    "Betreff",
    "Grund",
    "Art",
    "Nr.",
    "Ordner",
    *REVIEW_DECISION_COLUMNS,
)


def _write_reviews(
    wb: xlsxwriter.Workbook, reviews: Sequence[ReviewLine], formats: _Formats, stamp: str
) -> None:
    ws = wb.add_worksheet(SHEET_REVIEW, worksheet_class=RowsSheet)
    widths = [
        17,
        _fit((r.sender for r in reviews), 16, 34),
        _fit((r.subject for r in reviews), 20, 44),
        _fit((r.reason for r in reviews), 20, 50),
        16,
        6,
        _fit((r.folder for r in reviews), 10, 30),
        9,
        18,
    ]
    _prepare_table(ws, widths, len(reviews), formats, stamp)
    _header(ws, REVIEW_COLUMNS, formats)
    if reviews:
        column = len(REVIEW_COLUMNS) - 1  # „Entscheidung“
        ws.data_validation(
            1,
            column,
            len(reviews),
            column,
            {
                "validate": "any",
                "input_title": "Entscheidung",
                "input_message": "zusage 2, absage, unzustellbar, keine antwort, nr 17 oder "
                "code K7Q2-M9XA – übernimmt das nächste „invite status“.",
            },
        )
    if not reviews:
        ws.write_string(1, 0, "Keine offenen Nachrichten – alles zugeordnet.", formats.muted)
        return
    top = style(formats.get(valign="top"))
    wrap = style(formats.get(valign="top", text_wrap=True))
    date = style(formats.get(valign="top", num_format=DATE_TIME))
    centre = style(formats.get(valign="top", align="center"))
    entry = style(formats.get(valign="top", bg_color="#FFF2CC", border=1, border_color="#BFBFBF"))
    letters = RowsSheet.columns(len(REVIEW_COLUMNS))
    xml = []
    for index, r in enumerate(reviews, start=2):
        at = str(index)
        lines = _row_lines(zip((r.sender, r.subject, r.reason), widths[1:4], strict=True))
        values = (
            (r.at, date),
            (r.sender, wrap),
            (r.subject, wrap),
            (r.reason, wrap),
            (REVIEW_KIND_LABELS.get(r.kind, r.kind), top),
            (_number_or_text(r.number), centre),
            (r.folder, top),
            (r.item, top),
        )
        xml.append(
            f'<row r="{at}"{_height(lines)}>'
            + "".join(cell(x + at, v, s) for x, (v, s) in zip(letters, values, strict=False))
            # „Entscheidung“ stays empty (tinted as a field to fill in): typed by staff,
            # taken in by the next `invite status`.
            + cell(letters[-1] + at, None, entry, blank=True)
            + "</row>"
        )
    ws.add_rows(xml, len(reviews), len(REVIEW_COLUMNS) - 1)


HISTORY_COLUMNS = ("Zeitpunkt", "Befehl", "Vorgang", "Nr.", "Einzelheiten")


def _write_history(
    wb: xlsxwriter.Workbook, audit: Iterable[AuditLine], formats: _Formats, stamp: str
) -> None:
    ws = wb.add_worksheet(SHEET_HISTORY, worksheet_class=RowsSheet)
    lines = list(audit)
    widths = [
        17,
        12,
        _fit((a.action for a in lines), 16, 32),
        6,
        _fit((a.detail for a in lines), 20, 70),
    ]
    _prepare_table(ws, widths, len(lines), formats, stamp)
    _header(ws, HISTORY_COLUMNS, formats)
    date = style(formats.get(num_format=DATE_TIME, valign="top"))
    top = style(formats.get(valign="top"))
    wrap = style(formats.get(valign="top", text_wrap=True))
    centre = style(formats.get(valign="top", align="center"))
    detail_width = widths[4]
    a, b, c, d, e = RowsSheet.columns(len(HISTORY_COLUMNS))
    xml = []
    for index, line in enumerate(lines, start=2):
        at = str(index)
        height = _row_lines([(line.detail, detail_width)])
        align = top if height > 1 else ""
        xml.append(
            f'<row r="{at}"{_height(height)}>'
            + cell(a + at, line.at, date)
            + cell(b + at, line.command, align)
            + cell(c + at, line.action, align)
            + cell(d + at, _number_or_text(line.number), centre)
            + cell(e + at, line.detail, wrap if height > 1 else "")
            + "</row>"
        )
    ws.add_rows(xml, len(lines), len(HISTORY_COLUMNS) - 1)


# -- files ------------------------------------------------------------------------------------


def file_digest(path: Path) -> str | None:
    """SHA-256 of the file, or None when there is none."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _file_error(path, exc, reading=True) from None


def lock_holder(path: Path) -> str | None:
    """The lock file Excel (``~$name``) or LibreOffice (``.~lock.name#``) keeps while open."""
    names = [f".~lock.{path.name}#", f"~${path.name}", f"~${path.name[2:]}"]
    for name in names:
        lock = path.with_name(name)
        if lock.is_file():
            return lock.name
    return None


class WorkbookOpen(InviteError):
    """The workbook is open in Excel or LibreOffice: replacing it now would let its next save
    undo ours, so it is left alone."""

    def __init__(self, path: Path, lock: str) -> None:
        super().__init__(
            f"Die Rückmeldeliste „{path}“ ist gerade in Excel oder LibreOffice geöffnet "
            f"(Sperrdatei „{lock}“). Bitte speichern und schließen Sie sie und starten Sie "
            "„invite status“ erneut. Es wurde nichts überschrieben.",
            exit_code=EXIT_USAGE,  # not a problem in the data: close the file, run again
        )
        self.path = path
        self.lock = lock


def refuse_if_open_elsewhere(path: Path) -> None:
    """Raise WorkbookOpen while Excel or LibreOffice holds the file."""
    lock = lock_holder(path)
    if lock is not None:
        raise WorkbookOpen(path, lock)


def _save_atomically(data: bytes, path: Path) -> str:
    write_atomic(path, data, name=_named(path), retry="invite status")
    return hashlib.sha256(data).hexdigest()


def _named(path: Path) -> str:
    return f"Die Rückmeldeliste „{path}“"


def _file_error(path: Path, exc: OSError, *, reading: bool) -> InviteError:
    return storage_error(path, exc, name=_named(path), reading=reading, retry="invite status")


# -- reading staff edits back -----------------------------------------------------------------


@dataclass(frozen=True)
class FoundRow:
    cells: FoundCells
    texts: tuple[str, str, str]  # Organisation, Name, E-Mail as found


MAX_READ_BYTES = 200 * 1024 * 1024


def read_back(path: Path) -> dict[str, FoundRow]:
    """The editable cells of every row of sheet „Einladungen“, by Nr.

    Raises InviteError when the file is no longer a workbook the tool can understand, with
    what to do about it — the caller refuses to overwrite then.
    """
    name = str(path)
    refuse = (
        " Die Datei wurde nicht überschrieben. Wenn Ihre Änderungen verworfen werden "
        "dürfen, benennen Sie die Datei um und starten Sie „invite status“ erneut."
    )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _file_error(path, exc, reading=True) from None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise InviteError(
            f"{name}: Die Datei ist keine Excel-Arbeitsmappe mehr." + refuse
        ) from None
    if unpacked > MAX_READ_BYTES:
        raise InviteError(f"{name}: Die Arbeitsmappe ist unerwartet groß." + refuse)
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = wb.sheet_names
        table = (
            wb.get_sheet_by_name(SHEET_INVITEES).to_python(skip_empty_area=False)
            if SHEET_INVITEES in sheets
            else None
        )
    except Exception as exc:  # calamine raises several types for broken files
        raise InviteError(
            f"{name}: Die Arbeitsmappe lässt sich nicht lesen ({type(exc).__name__})." + refuse
        ) from None
    if table is None:
        raise InviteError(f"{name}: Das Blatt „{SHEET_INVITEES}“ fehlt." + refuse)
    rows = iter(table)
    header = [str(v).strip() if v is not None else "" for v in next(rows, ())]
    wanted = ("Nr.", *EDITABLE_COLUMNS, *READ_ONLY_TEXT_COLUMNS)
    missing = [h for h in wanted if h not in header]
    if missing:
        raise InviteError(
            f"{name}, Blatt „{SHEET_INVITEES}“: "
            + plural(len(missing), "Die Spalte ", "Die Spalten ")
            + ", ".join(f"„{m}“" for m in missing)
            + plural(len(missing), " fehlt", " fehlen")
            + " in der Kopfzeile."
            + refuse
        )
    at = {h: header.index(h) for h in wanted}
    found: dict[str, FoundRow] = {}
    for row_number, raw in enumerate(rows, start=2):
        values = tuple(raw) + (None,) * (len(header) - len(raw))
        number_raw = values[at["Nr."]]
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        number = _number(number_raw)
        if number is None:
            raise InviteError(
                f"{name}, Blatt „{SHEET_INVITEES}“, Zeile {row_number}, Spalte „Nr.“: "
                f"„{number_raw if number_raw is not None else ''}“ ist keine Nr. einer "
                "Einladung." + refuse
            )
        if number in found:
            raise InviteError(
                f"{name}, Blatt „{SHEET_INVITEES}“, Zeile {row_number}: Nr. {number} steht "
                f"doppelt in der Tabelle (auch Zeile {found[number].cells.row})." + refuse
            )
        found[number] = FoundRow(
            FoundCells(
                row_number,
                values[at["Status"]],
                values[at["Personen"]],
                values[at["Teilnehmende"]],
                values[at["Bemerkung"]],
            ),
            tuple(_text(values[at[h]]) for h in READ_ONLY_TEXT_COLUMNS),  # type: ignore[arg-type]
        )
    return found


def _number(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if value > 0 else None
    if isinstance(value, float) and value.is_integer() and value > 0:
        return str(int(value))
    if isinstance(value, str) and re.fullmatch(r"\s*[1-9][0-9]{0,8}\s*", value):
        return value.strip()
    return None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


@dataclass(frozen=True)
class TypedDecision:
    """A decision staff typed into column „Entscheidung“ of sheet „Zu prüfen“."""

    row: int
    item: int | None  # None: the „Vorgang“ cell was changed into something that is no id
    text: str


def read_review_decisions(path: Path) -> list[TypedDecision]:
    """Non-empty „Entscheidung“ cells of sheet „Zu prüfen“ (none in a workbook written before
    the column existed). Call after ``read_back`` has accepted the file as a workbook."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _file_error(path, exc, reading=True) from None
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if SHEET_REVIEW not in wb.sheet_names:
            return []
        table = wb.get_sheet_by_name(SHEET_REVIEW).to_python(skip_empty_area=False)
    except Exception:  # read_back has accepted the file; an unreadable sheet holds nothing
        return []
    rows = iter(table)
    header = [str(v).strip() if v is not None else "" for v in next(rows, ())]
    if not all(h in header for h in REVIEW_DECISION_COLUMNS):
        return []
    at_item, at_text = (header.index(h) for h in REVIEW_DECISION_COLUMNS)
    found = []
    for row_number, raw in enumerate(rows, start=2):
        values = tuple(raw) + (None,) * (len(header) - len(raw))
        text = _text(values[at_text])
        if text:
            item = _number(values[at_item])
            found.append(TypedDecision(row_number, int(item) if item else None, text))
    return found
