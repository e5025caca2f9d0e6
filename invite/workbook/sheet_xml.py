"""Data rows of a worksheet written as SpreadsheetML text, inside a workbook XlsxWriter makes.

XlsxWriter keeps every cell as an object and writes the sheet XML at ``close()`` through
several calls per cell: for the status workbook (220,000 cells for 10,000 invitees) that was
1.7 of the step's 2.1 CPU seconds (benchmarks/bench_status.py). Here the rows are rendered
once, straight to the text XlsxWriter would write, and handed to a worksheet that inserts
them into its ``<sheetData>``: about a sixth of the time. Everything else of the sheet (header
row, widths, frozen pane, filter, conditional formats, validations, print set-up) and the rest
of the workbook (styles, chart, shared strings of the other cells) stay XlsxWriter's.

Text cells are inline strings (``t="inlineStr"``, as XlsxWriter's own constant-memory mode
writes them): always text, never a formula, whatever the text says. Control characters and
literal ``_xHHHH_`` are escaped exactly as XlsxWriter escapes them.

Three XlsxWriter internals are used, all stable since its first versions and covered by the
tests that read the file back (tests/test_status.py, tests/test_sheet_xml.py): the worksheet's
``_write_sheet_data`` (extended, not replaced), ``_check_dimensions`` (so ``<dimension>``
covers the rows) and a format's ``_get_xf_index`` (the style number a cell refers to).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

EXCEL_EPOCH = dt.datetime(1899, 12, 30)
MAX_CELL_TEXT = 32_000  # Excel's limit is 32,767 UTF-16 units per cell
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\ufffe\uffff]")  # overrides, non-characters
_NEEDS_ESCAPING = re.compile("[&<>\r]|_x[0-9a-fA-F]{4}_")
_LITERAL_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")


def clean_text(value: str) -> str:
    """Text as a cell can hold it: C0 controls (which a workbook cannot hold), invisible
    direction overrides (which can disguise a subject) and the non-characters U+FFFE/U+FFFF
    become U+FFFD; over-long text is cut."""
    if value.isprintable() and len(value) <= MAX_CELL_TEXT // 2:
        return value  # the common case, without two regular expressions per cell
    value = _INVISIBLE.sub("\ufffd", _ILLEGAL.sub("\ufffd", value))
    if len(value) <= MAX_CELL_TEXT // 2:
        return value
    units = value.encode("utf-16-le")
    if len(units) <= 2 * MAX_CELL_TEXT:
        return value
    # Cut on a character boundary (a surrogate pair is never split) and mark the cut.
    return units[: 2 * (MAX_CELL_TEXT - 1)].decode("utf-16-le", errors="ignore") + "…"


def serial(value: dt.date) -> float:
    """Excel's day number of a date or time (what XlsxWriter's write_datetime computes; every
    date here is naive local time)."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    delta = value - EXCEL_EPOCH
    return delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400


def xml_text(value: str) -> str:
    """Clean cell text as XML character data, escaped as XlsxWriter escapes it: a literal
    ``_xHHHH_`` keeps its meaning (Excel reads ``_x0041_`` as „A“ otherwise) and a carriage
    return becomes Excel's ``_x000D_`` (the other control characters never reach a cell)."""
    if _NEEDS_ESCAPING.search(value) is None:
        return value
    value = _LITERAL_ESCAPE.sub(r"_x005F\1", value).replace("\r", "_x000D_")
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def style(fmt: Format | None) -> str:
    """The ``s`` attribute of a cell in this format ("" for the default format)."""
    index = fmt._get_xf_index() if fmt is not None else 0
    return f' s="{index}"' if index else ""


def cell(ref: str, value: Any, style_attr: str = "", *, blank: bool = False) -> str:
    """One ``<c>`` element. Text is always text, never a formula (the formula-injection
    defence); a date is its day number (the style gives it a date format); an empty value
    is only written when ``blank`` and styled (to show a tint), else nothing."""
    if value is None or value == "":
        return f'<c r="{ref}"{style_attr}/>' if blank and style_attr else ""
    if isinstance(value, str):
        if not (
            value.isprintable()  # no control, direction or other invisible character
            and len(value) <= MAX_CELL_TEXT // 2
            and value[0] != " "
            and value[-1] != " "
            and _NEEDS_ESCAPING.search(value) is None
        ):
            return _text_cell(ref, value, style_attr)
        return f'<c r="{ref}"{style_attr} t="inlineStr"><is><t>{value}</t></is></c>'
    if isinstance(value, dt.date):
        value = serial(value)
    return f'<c r="{ref}"{style_attr}><v>{value:.16G}</v></c>'


def _text_cell(ref: str, value: str, style_attr: str) -> str:
    """A text cell whose text needs cleaning, escaping or its outer spaces kept."""
    value = clean_text(value)
    space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""
    return f'<c r="{ref}"{style_attr} t="inlineStr"><is><t{space}>{xml_text(value)}</t></is></c>'


def row_height(points: float) -> str:
    """The height attributes of a ``<row>``, rounded to whole pixels as XlsxWriter's
    ``set_row`` does."""
    return f' ht="{int(points * 4 / 3 + 0.5) * 0.75:.16g}" customHeight="1"'


class RowsSheet(Worksheet):
    """A worksheet whose data rows come as ready ``<row>`` elements (``add_rows``), below the
    rows written through XlsxWriter's own methods (the header)."""

    def __init__(self) -> None:
        super().__init__()
        self._rows_xml: list[str] = []

    @staticmethod
    def columns(count: int) -> list[str]:
        """Column letters A, B, … for cell references."""
        return [xl_col_to_name(col) for col in range(count)]

    def add_rows(self, rows: Iterable[str], last_row: int, last_col: int) -> None:
        """Rows rendered with ``cell``/``row_height``, numbered after every row already
        written, up to ``last_row`` (zero-based) and ``last_col``."""
        self._rows_xml.extend(rows)
        self._check_dimensions(last_row, last_col)

    def _write_sheet_data(self) -> None:
        if not self._rows_xml:
            super()._write_sheet_data()
            return
        self._xml_start_tag("sheetData")
        self._write_rows()  # XlsxWriter's own rows: the header, above the data rows
        self.fh.write("".join(self._rows_xml))
        self._xml_end_tag("sheetData")
