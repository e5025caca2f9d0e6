"""Read the contact workbook into plain rows, refusing files that are not safe to open.

The checks before openpyxl matter: a renamed CSV, an encrypted (OLE) file or a zip bomb
must give a German message, never a traceback or an exhausted machine.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from invite.errors import InviteError

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNPACKED_BYTES = 300 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 200
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class RawCell:
    """A cell as found: its value, and whether the file holds a formula there."""

    column: str
    value: Any
    is_formula: bool = False


@dataclass(frozen=True)
class RawSheet:
    file: str
    sheet: str
    header_row: int
    header: tuple[RawCell, ...]
    rows: tuple[tuple[int, tuple[RawCell, ...]], ...]
    merged_ranges: tuple[str, ...] = ()
    hidden_sheets: tuple[str, ...] = ()


def read_contact_sheet(path: Path) -> RawSheet:
    """Return the first visible sheet's header and non-empty rows; raise InviteError if unreadable."""
    name = str(path)
    try:
        data = path.read_bytes() if path.stat().st_size <= MAX_FILE_BYTES else None
    except FileNotFoundError:
        raise InviteError(f"{name}: Die Kontaktliste wurde nicht gefunden.", exit_code=2) from None
    except IsADirectoryError:
        raise InviteError(f"{name}: Das ist ein Ordner, keine Kontaktliste.", exit_code=2) from None
    except PermissionError:
        raise InviteError(f"{name}: Keine Berechtigung, die Datei zu lesen.", exit_code=2) from None
    if data is None:
        raise InviteError(f"{name}: Die Datei ist größer als 50 MB – das ist keine Kontaktliste.")
    if not data:
        raise InviteError(f"{name}: Die Datei ist leer.")
    if data.startswith(OLE_MAGIC):
        raise InviteError(
            f"{name}: Die Datei ist verschlüsselt (kennwortgeschützt) oder im alten .xls-Format. "
            "Bitte ohne Kennwort als Excel-Arbeitsmappe (.xlsx) speichern."
        )
    _check_zip(name, data)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise InviteError(
            f"{name}: Die Datei lässt sich nicht als Excel-Arbeitsmappe lesen ({type(exc).__name__})."
        ) from None
    try:
        visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
        hidden = tuple(ws.title for ws in wb.worksheets if ws.sheet_state != "visible")
        if not visible:
            raise InviteError(f"{name}: Die Arbeitsmappe hat kein sichtbares Tabellenblatt.")
        ws = visible[0]
        return _read_sheet(name, ws, hidden, _merged_ranges(data, ws))
    except InviteError:
        raise
    except Exception as exc:  # rows are parsed lazily: broken XML surfaces only here
        raise InviteError(
            f"{name}: Die Arbeitsmappe ist beschädigt und lässt sich nicht lesen "
            f"({type(exc).__name__}). Bitte in Excel öffnen und neu speichern."
        ) from None
    finally:
        wb.close()


def _check_zip(name: str, data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile:
        raise InviteError(
            f"{name}: Die Datei ist keine Excel-Arbeitsmappe (.xlsx) – vielleicht eine umbenannte "
            "CSV- oder Textdatei. Bitte in Excel öffnen und als .xlsx speichern."
        ) from None
    unpacked = sum(i.file_size for i in infos)
    if unpacked > MAX_UNPACKED_BYTES or len(infos) > 10_000:
        raise InviteError(
            f"{name}: Die Datei würde entpackt über {MAX_UNPACKED_BYTES // 2**20} MB groß "
            "(verdächtig, z. B. eine Zip-Bombe). Sie wird nicht geöffnet."
        )
    if not any(i.filename == "xl/workbook.xml" for i in infos):
        raise InviteError(f"{name}: Die Datei ist ein Zip-Archiv, aber keine Excel-Arbeitsmappe.")


def _merged_ranges(data: bytes, ws: Any) -> tuple[str, ...]:
    """Read-only worksheets hide merged cells, so look them up in the sheet's XML."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            xml = zf.read(ws._worksheet_path).decode("utf-8", "replace")  # noqa: SLF001
    except (KeyError, AttributeError):
        return ()
    return tuple(re.findall(r'<mergeCell[^>]*ref="([A-Z0-9:]+)"', xml))


def _read_sheet(name: str, ws: Any, hidden: tuple[str, ...], merged: tuple[str, ...]) -> RawSheet:
    header: tuple[RawCell, ...] | None = None
    header_row = 0
    rows: list[tuple[int, tuple[RawCell, ...]]] = []
    # No max_col: padding every row to MAX_COLUMNS made 10,000 rows cost 2 million cells.
    for row_number, full_row in enumerate(ws.iter_rows(), start=1):
        row = full_row[:MAX_COLUMNS]
        cells = tuple(
            RawCell(
                column=get_column_letter(i + 1),
                value=cell.value,
                is_formula=getattr(cell, "data_type", None) == "f",
            )
            for i, cell in enumerate(row)
        )
        if all(_blank(c.value) for c in cells):
            continue
        if header is None:
            header, header_row = cells, row_number
            continue
        rows.append((row_number, cells))
        if len(rows) > MAX_ROWS:
            raise InviteError(
                f"{name}: Blatt „{ws.title}“ hat mehr als {MAX_ROWS:,} Zeilen. ".replace(",", ".")
                + "Das ist zu viel für eine Einladungsliste – bitte die Datei prüfen."
            )
    if header is None:
        raise InviteError(f"{name}: Blatt „{ws.title}“ ist leer – keine Kopfzeile, keine Kontakte.")
    return RawSheet(name, ws.title, header_row, header, tuple(rows), merged, hidden)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
