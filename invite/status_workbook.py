"""The RSVP status workbook as a file: write it (styled, safe, atomic) and read staff edits back.

Written in openpyxl's write-only mode so 10,000 invitees stay fast and small in memory. Every
text from outside (names, subjects, notes) is stored as a string cell, never as a formula:
a reply saying ``=HYPERLINK(…)`` shows as exactly that text.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import io
import math
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import Cell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.marker import DataPoint
from openpyxl.formatting.rule import CellIsRule, Rule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from invite.errors import InviteError
from invite.rsvp import (
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

SHEET_INVITEES = "Einladungen"
SHEET_OVERVIEW = "Übersicht"
SHEET_REVIEW = "Zu prüfen"
SHEET_HISTORY = "Verlauf"

DATE_TIME = "DD.MM.YYYY HH:MM"
DATE = "DD.MM.YYYY"
PAPER_A4 = "9"
FONT = "Calibri"  # the workbook default; styled cells must name it too
LINE_HEIGHT = 15.0  # points per line of wrapped text
MAX_CELL_TEXT = 32_000  # Excel's limit is 32,767 characters per cell

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
ROW_LINE = Border(bottom=Side(style="thin", color="BFBFBF"))
HEADER_FILL = "1F4E79"
# Sheet „Zu prüfen“: staff type a decision (zusage 2, absage, nr 17 …) next to the Vorgang.
REVIEW_DECISION_COLUMNS = ["Vorgang", "Entscheidung"]
REVIEW_KINDS = {
    "unclear": "unklar",
    "unmatched": "nicht zugeordnet",
    "rejected": "zurückgestellt",
    "bounce": "Rückläufer, nicht zugeordnet",
}

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _harmless(text: str) -> bool:
    """Text openpyxl stores as text by itself (it turns „=…“ into a formula, „#N/A“ into an
    error); anything else gets an explicit string cell."""
    return not text.startswith("=") and text not in ERROR_CODES


def clean_text(value: str) -> str:
    """Text as a cell can hold it: C0 controls (which openpyxl refuses) and invisible
    direction overrides (which can disguise a subject) become U+FFFD; over-long text is cut."""
    value = _BIDI_CONTROLS.sub("\ufffd", _ILLEGAL.sub("\ufffd", value))
    return value if len(value) <= MAX_CELL_TEXT else value[: MAX_CELL_TEXT - 1] + "…"


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


class _Styles:
    """Style objects made once and shared by every cell (faster than one per cell)."""

    def __init__(self) -> None:
        thin = Side(style="thin", color="BFBFBF")
        self.header_font = Font(name=FONT, bold=True, color="FFFFFF")
        self.header_fill = PatternFill("solid", fgColor=HEADER_FILL)
        self.header_align = Alignment(vertical="center", wrap_text=True)
        self.header_border = Border(bottom=Side(style="medium", color="000000"))
        self.grid = Border(bottom=thin)
        self.top = Alignment(vertical="top")
        self.wrap = Alignment(vertical="top", wrap_text=True)
        self.centre = Alignment(vertical="top", horizontal="center")
        self.date = Alignment(vertical="top")
        self.bold = Font(name=FONT, bold=True)
        self.italic = Font(name=FONT, italic=True, color="595959")
        self.title = Font(name=FONT, bold=True, size=14, color=HEADER_FILL)
        self.muted = Font(name=FONT, italic=True, color="808080")
        self.status = {
            s: (PatternFill("solid", fgColor=fill), Font(name=FONT, color=font, bold=True))
            for s, (fill, font) in STATUS_COLOURS.items()
        }
        self.waiting = PatternFill("solid", fgColor=WAITING_FILL)
        self._arrays: dict[tuple[int, ...], tuple[StyleArray, tuple[Any, ...]]] = {}

    def cell(
        self,
        ws: Any,
        value: Any,
        *,
        font: Font | None = None,
        fill: PatternFill | None = None,
        align: Alignment | None = None,
        fmt: str | None = None,
        border: Border | None = None,
    ) -> Cell | None:
        """A write-only cell; strings always stay strings (the formula-injection defence).

        Setting styles attribute by attribute hashes them for every cell (most of the run
        time for 10,000 rows), so each combination is resolved once and its array reused.
        """
        if value is None and fill is None:
            return None  # an empty cell costs nothing; its grid line comes from _prepare_table
        if isinstance(value, str):
            value = clean_text(value)
        plain = font is None and fill is None and align is None and fmt is None and border is None
        if plain and (not isinstance(value, str) or _harmless(value)):
            return value  # openpyxl stores it as it is: a number, or text that is not a formula
        parts = (font, fill, align, fmt, border)
        key = (id(font), id(fill), id(align), id(fmt), id(border))
        cached = self._arrays.get(key)
        if cached is None:
            probe = Cell(ws, row=1, column=1)
            if font is not None:
                probe.font = font
            if fill is not None:
                probe.fill = fill
            if align is not None:
                probe.alignment = align
            if fmt is not None:
                probe.number_format = fmt
            if border is not None:
                probe.border = border
            cached = (probe._style, parts)  # keeping the parts alive keeps their ids unique
            self._arrays[key] = cached
        cell = Cell(ws, row=1, column=1, value=value, style_array=cached[0])
        if isinstance(value, str):
            cell.data_type = "s"
        return cell


def write_status_workbook(path: Path, content: WorkbookContent) -> str:
    """Write the workbook atomically and return the SHA-256 of the file as written."""
    _refuse_if_open_elsewhere(path)
    workbook = Workbook(write_only=True)
    styles = _Styles()
    _write_overview(workbook, content, styles)
    stamp = f"{content.generated_at:%d.%m.%Y %H:%M}"
    _write_invitees(workbook, content.rows, styles, stamp)
    _write_reviews(workbook, content.reviews, styles, stamp)
    _write_history(workbook, content.audit, styles, stamp)
    return _save_atomically(workbook, path)


# -- sheets -----------------------------------------------------------------------------------


def _header(ws: Any, headers: Sequence[str], styles: _Styles) -> list[Any]:
    return [
        styles.cell(
            ws,
            h,
            font=styles.header_font,
            fill=styles.header_fill,
            align=styles.header_align,
            border=styles.header_border,
        )
        for h in headers
    ]


def _prepare_table(ws: Any, widths: Sequence[float], rows: int, columns: int, stamp: str) -> None:
    """Column widths, frozen bold header, filter and print setup — before any row is written."""
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.row_dimensions[1].height = 30
    ws.freeze_panes = "A2"
    last = get_column_letter(columns)
    ws.auto_filter.ref = f"A1:{last}{max(rows, 1) + 1}"
    # One rule draws every row's line: per-cell borders would cost a styled cell for each
    # empty field (a third of the time for 10,000 rows).
    ws.conditional_formatting.add(
        f"A2:{last}{max(rows, 1) + 1}",
        Rule(type="expression", formula=["TRUE"], dxf=DifferentialStyle(border=ROW_LINE)),
    )
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = PAPER_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "&A – Seite &P von &N"
    ws.oddFooter.right.text = f"Stand: {stamp}"


def _lines(text: str, width: float) -> int:
    """How many lines a wrapped cell needs (column width is in characters, roughly)."""
    usable = max(width * 1.15 - 1.5, 1.0)  # text is narrower than the „0“ the width counts
    return sum(max(1, math.ceil(len(part) / usable)) for part in text.split("\n")) if text else 1


def _set_height(ws: Any, row: int, cells: Iterable[tuple[str, float]]) -> bool:
    """Row height for wrapped text: Excel does not grow rows of a generated file by itself,
    and LibreOffice does not either, so long names would hide behind the next row.
    True when the row is taller than one line (its cells then need top alignment)."""
    lines = max((_lines(text, width) for text, width in cells), default=1)
    if lines > 1:
        ws.row_dimensions[row].height = LINE_HEIGHT * min(lines, 15)
    return lines > 1


def _fit(values: Iterable[str], low: int, high: int) -> float:
    longest = max((len(v) for v in values), default=0)
    return float(min(max(longest + 2, low), high))


def _write_invitees(wb: Workbook, rows: Sequence[StatusRow], styles: _Styles, stamp: str) -> None:
    ws = wb.create_sheet(SHEET_INVITEES)
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
    _prepare_table(ws, widths, len(rows), len(INVITEE_COLUMNS), stamp)
    status_col = get_column_letter(_column("Status"))
    last_row = max(len(rows), 1) + 1
    choices = DataValidation(
        type="list",
        formula1='"' + ",".join(STATUSES) + '"',
        allow_blank=False,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="Unbekannter Status",
        error="Bitte einen der Werte aus der Liste wählen: zugesagt, abgesagt, unzustellbar, prüfen.",
        promptTitle="Status",
        prompt="Antwort von Hand ändern: zugesagt, abgesagt, unzustellbar oder prüfen.",
        showInputMessage=True,
    )
    choices.add(f"{status_col}2:{status_col}{last_row}")
    ws.data_validations.append(choices)
    persons_col = get_column_letter(_column("Personen"))
    numbers = DataValidation(
        type="whole",
        operator="between",
        formula1="0",
        formula2="1000",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Personen",
        error="Bitte eine ganze Zahl von 0 bis 1000 eintragen.",
    )
    numbers.add(f"{persons_col}2:{persons_col}{last_row}")
    ws.data_validations.append(numbers)
    for status, (fill, font) in styles.status.items():  # colours follow what staff type
        ws.conditional_formatting.add(
            f"{status_col}2:{status_col}{last_row}",
            CellIsRule(operator="equal", formula=[f'"{status}"'], fill=fill, font=font),
        )

    ws.append(_header(ws, [c[0] for c in INVITEE_COLUMNS], styles))
    centre = styles.centre
    wrapped = [widths[_column(name) - 1] for name in WRAPPED_COLUMNS]
    for index, r in enumerate(rows, start=2):
        fill, font = styles.status[r.status]
        row_fill = styles.waiting if r.waiting_position is not None else None
        texts_here = (r.organisation, r.name, r.channel, r.participants, r.note, r.hint)
        tall = _set_height(ws, index, zip(texts_here, wrapped, strict=True))
        top, wrap = (styles.top, styles.wrap) if tall else (None, None)

        def cell(
            value: Any, align: Any = None, fmt: str | None = None, _f: Any = row_fill, _t: Any = top
        ) -> Any:
            return styles.cell(ws, value, align=align or _t, fmt=fmt, fill=_f)

        ws.append(
            [
                cell(int(r.number) if r.number.isdigit() else r.number, centre),
                cell(_code(r.code)),
                cell(r.organisation, wrap),
                cell(r.name, wrap),
                cell(r.email),
                cell(r.channel, wrap),
                cell(r.sent_at, top, DATE_TIME),
                styles.cell(ws, r.status, font=font, fill=fill, align=top),
                cell(r.persons, centre),
                cell(r.participants, wrap),
                cell(r.answered_at, top, DATE_TIME),
                cell(r.source),
                cell(r.reminded_at, top, DATE_TIME),
                cell(r.note, wrap),
                cell(r.hint, wrap),
            ]
        )


def _code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}" if len(code) == 8 else code


def _column(header: str) -> int:
    return 1 + [c[0] for c in INVITEE_COLUMNS].index(header)


def _write_overview(wb: Workbook, content: WorkbookContent, styles: _Styles) -> None:
    ws = wb.create_sheet(SHEET_OVERVIEW)
    ov = content.overview
    for letter, width in zip("ABCD", (40, 18, 10, 3), strict=True):
        ws.column_dimensions[letter].width = width
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = PAPER_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToHeight = 1
    ws.oddFooter.center.text = "&A – Seite &P von &N"

    ws.append([styles.cell(ws, "Rückmeldungen", font=styles.title)])
    ws.append([styles.cell(ws, content.title, font=styles.bold, align=Alignment(wrap_text=False))])
    ws.append(
        [
            styles.cell(ws, "Stand", align=styles.top),
            styles.cell(
                ws, content.generated_at, fmt=DATE_TIME, align=Alignment(horizontal="left")
            ),
        ]
    )
    ws.append([])
    ws.append(_header(ws, ["Status", "Einladungen", "Anteil"], styles))
    first_status_row = 6
    for status in STATUSES:
        fill, font = styles.status[status]
        count = ov.counts[status]
        share = count / ov.invitees if ov.invitees else 0
        ws.append(
            [
                styles.cell(ws, status, font=font, fill=fill, border=styles.grid),
                styles.cell(ws, count, fmt="#,##0", border=styles.grid),
                styles.cell(ws, share, fmt="0%", border=styles.grid),
            ]
        )
    ws.append(
        [
            styles.cell(ws, "Eingeladen insgesamt", font=styles.bold),
            styles.cell(ws, ov.invitees, font=styles.bold, fmt="#,##0"),
            styles.cell(ws, 1 if ov.invitees else 0, font=styles.bold, fmt="0%"),
        ]
    )
    ws.append([])
    ws.append(_header(ws, ["Teilnahme", "Wert", ""], styles))
    capacity = ov.capacity or "unbegrenzt"
    lines: list[tuple[str, Any, str | None]] = [
        ("Personen zugesagt (ohne Warteliste)", ov.persons_confirmed, "#,##0"),
        ("Plätze im Saal", capacity, "#,##0"),
        ("Freie Plätze", ov.free_places if ov.capacity else "–", "#,##0"),
        ("Warteliste: Einladungen", ov.waiting_invitees, "#,##0"),
        ("Warteliste: Personen", ov.waiting_persons, "#,##0"),
        ("Anmeldeschluss", ov.deadline, DATE),
        (
            "Tage bis zum Anmeldeschluss",
            max(ov.days_left, 0),
            "#,##0",
        ),
        ("Veranstaltung", content.event_start, DATE_TIME),
        ("Nachrichten zu prüfen (Blatt „Zu prüfen“)", ov.review_items, "#,##0"),
    ]
    right = Alignment(horizontal="right", vertical="top")
    for text, value, fmt in lines:
        ws.append(
            [
                styles.cell(ws, text, align=styles.top, border=styles.grid),
                styles.cell(ws, value, fmt=fmt, align=right, border=styles.grid),
            ]
        )
    ws.append([])
    sentence = deadline_text(ov.days_left, ov.deadline)
    ws.append([styles.cell(ws, sentence[0].upper() + sentence[1:] + ".", font=styles.italic)])

    chart = BarChart()
    chart.type = "bar"
    chart.style = 10
    chart.title = "Stand der Antworten"
    chart.y_axis.title = "Einladungen"
    chart.y_axis.majorGridlines = None
    chart.legend = None
    chart.height = 7.5
    chart.width = 15
    data = Reference(
        ws, min_col=2, min_row=first_status_row - 1, max_row=first_status_row + len(STATUSES) - 1
    )
    cats = Reference(
        ws, min_col=1, min_row=first_status_row, max_row=first_status_row + len(STATUSES) - 1
    )
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    series = chart.series[0]
    for index, status in enumerate(STATUSES):
        point = DataPoint(idx=index)
        colour = STATUS_COLOURS[status][1] if status != NOT_SENT else "A6A6A6"
        point.graphicalProperties.solidFill = colour
        point.graphicalProperties.line.solidFill = colour
        series.dPt.append(point)
    series.dLbls = DataLabelList()
    series.dLbls.showVal = True
    for flag in ("showSerName", "showCatName", "showLegendKey", "showPercent"):
        setattr(series.dLbls, flag, False)
    chart.x_axis.scaling.orientation = "maxMin"  # first status on top, like the table
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    ws.add_chart(chart, "E5")


def _write_reviews(
    wb: Workbook, reviews: Sequence[ReviewLine], styles: _Styles, stamp: str
) -> None:
    ws = wb.create_sheet(SHEET_REVIEW)
    headers = ["Eingegangen", "Absender", "Betreff", "Grund", "Art", "Nr.", "Ordner"]
    headers += REVIEW_DECISION_COLUMNS
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
    _prepare_table(ws, widths, len(reviews), len(headers), stamp)
    ws.append(_header(ws, headers, styles))
    if not reviews:
        ws.append(
            [styles.cell(ws, "Keine offenen Nachrichten – alles zugeordnet.", font=styles.muted)]
        )
        return
    top, wrap = styles.top, styles.wrap
    for index, r in enumerate(reviews, start=2):
        _set_height(ws, index, zip((r.sender, r.subject, r.reason), widths[1:4], strict=True))
        ws.append(
            [
                styles.cell(ws, r.at, fmt=DATE_TIME, align=top),
                styles.cell(ws, r.sender, align=wrap),
                styles.cell(ws, r.subject, align=wrap),
                styles.cell(ws, r.reason, align=wrap),
                styles.cell(ws, REVIEW_KINDS.get(r.kind, r.kind), align=top),
                styles.cell(
                    ws,
                    int(r.number) if r.number and r.number.isdigit() else r.number,
                    align=styles.centre,
                ),
                styles.cell(ws, r.folder, align=top),
                styles.cell(ws, r.item, align=top),
                None,  # „Entscheidung“: typed by staff, taken in by the next `invite status`
            ]
        )


def _write_history(wb: Workbook, audit: Iterable[AuditLine], styles: _Styles, stamp: str) -> None:
    ws = wb.create_sheet(SHEET_HISTORY)
    lines = list(audit)
    headers = ["Zeitpunkt", "Befehl", "Vorgang", "Nr.", "Einzelheiten"]
    widths = [
        17,
        12,
        _fit((a.action for a in lines), 16, 32),
        6,
        _fit((a.detail for a in lines), 20, 70),
    ]
    _prepare_table(ws, widths, len(lines), len(headers), stamp)
    ws.append(_header(ws, headers, styles))
    for index, a in enumerate(lines, start=2):
        tall = _set_height(ws, index, [(a.detail, widths[4])])
        top = styles.top if tall else None
        ws.append(
            [
                styles.cell(ws, a.at, fmt=DATE_TIME, align=top),
                styles.cell(ws, a.command, align=top),
                styles.cell(ws, a.action, align=top),
                # A plain number: a styled cell per history line costs ~10 % of the run.
                int(a.number) if a.number and a.number.isdigit() else styles.cell(ws, a.number),
                styles.cell(ws, a.detail, align=styles.wrap if tall else None),
            ]
        )


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


def _refuse_if_open_elsewhere(path: Path) -> None:
    """Replacing a workbook that is open in Excel would let its next save undo ours."""
    lock = lock_holder(path)
    if lock is not None:
        raise InviteError(
            f"Die Rückmeldeliste „{path}“ ist gerade in Excel oder LibreOffice geöffnet "
            f"(Sperrdatei „{lock}“). Bitte speichern und schließen Sie sie und starten Sie "
            "„invite status“ erneut. Es wurde nichts überschrieben."
        )


def _save_atomically(workbook: Workbook, path: Path) -> str:
    tmp_name = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            dir=path.parent, prefix=".invite-", suffix=".xlsx", delete=False
        ) as tmp:
            tmp_name = tmp.name
            buffer = io.BytesIO()
            workbook.save(buffer)
            data = buffer.getvalue()
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp_name, path.stat().st_mode & 0o777)  # keep the mode staff chose
        os.replace(tmp_name, path)
        tmp_name = None
    except OSError as exc:
        raise _file_error(path, exc, reading=False) from None
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
    return hashlib.sha256(data).hexdigest()


def _file_error(path: Path, exc: OSError, *, reading: bool) -> InviteError:
    if isinstance(exc, PermissionError):
        return InviteError(
            f"Die Rückmeldeliste „{path}“ lässt sich nicht "
            f"{'lesen' if reading else 'überschreiben'}: Sie ist gerade geöffnet (z. B. in "
            "Excel) oder schreibgeschützt. Bitte schließen Sie die Datei und starten Sie "
            "„invite status“ erneut. Es wurde nichts überschrieben."
        )
    if exc.errno == errno.ENOSPC:
        return InviteError(
            f"Die Rückmeldeliste „{path}“ konnte nicht geschrieben werden: Der Datenträger "
            "ist voll. Die bisherige Datei ist unverändert."
        )
    if isinstance(exc, IsADirectoryError):
        return InviteError(f"„{path}“ ist ein Ordner. Bitte mit --out einen Dateinamen angeben.")
    return InviteError(
        f"Die Rückmeldeliste „{path}“ konnte nicht geschrieben werden ({exc.strerror or exc}). "
        "Die bisherige Datei ist unverändert."
    )


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
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise InviteError(
            f"{name}: Die Arbeitsmappe lässt sich nicht lesen ({type(exc).__name__})." + refuse
        ) from None
    try:
        if SHEET_INVITEES not in wb.sheetnames:
            raise InviteError(f"{name}: Das Blatt „{SHEET_INVITEES}“ fehlt." + refuse)
        rows = wb[SHEET_INVITEES].iter_rows(values_only=True)
        header = [str(v).strip() if v is not None else "" for v in next(rows, ())]
        wanted = ("Nr.", *EDITABLE_COLUMNS, *READ_ONLY_TEXT_COLUMNS)
        missing = [h for h in wanted if h not in header]
        if missing:
            raise InviteError(
                f"{name}, Blatt „{SHEET_INVITEES}“: Spalte(n) "
                + ", ".join(f"„{m}“" for m in missing)
                + " fehlen in der Kopfzeile."
                + refuse
            )
        at = {h: header.index(h) for h in wanted}
        found: dict[str, FoundRow] = {}
        for row_number, values in enumerate(rows, start=2):
            values = tuple(values) + (None,) * (len(header) - len(values))
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
    finally:
        wb.close()


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
        wb = load_workbook(io.BytesIO(path.read_bytes()), read_only=True, data_only=True)
    except OSError as exc:
        raise _file_error(path, exc, reading=True) from None
    try:
        if SHEET_REVIEW not in wb.sheetnames:
            return []
        rows = wb[SHEET_REVIEW].iter_rows(values_only=True)
        header = [str(v).strip() if v is not None else "" for v in next(rows, ())]
        if not all(h in header for h in REVIEW_DECISION_COLUMNS):
            return []
        at_item, at_text = (header.index(h) for h in REVIEW_DECISION_COLUMNS)
        found = []
        for row_number, values in enumerate(rows, start=2):
            values = tuple(values) + (None,) * (len(header) - len(values))
            text = _text(values[at_text])
            if text:
                item = _number(values[at_item])
                found.append(TypedDecision(row_number, int(item) if item else None, text))
        return found
    finally:
        wb.close()
