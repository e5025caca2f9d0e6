"""Read the contact list into plain rows, refusing files that are not safe to open.

Workbooks (.xlsx, .xlsm, .xls, .ods) are read with python-calamine (a Rust reader, ≈ 20 times
faster than openpyxl); CSV files (Excel's "CSV (Trennzeichen-getrennt)", Outlook's contact
export) with their encoding and delimiter detected. The checks before calamine matter: an
encrypted file, a zip bomb or a renamed CSV must give a German message, never a traceback or
an exhausted machine. What calamine does not expose is looked up in the file itself: formulas
(the sheet XML of .xlsx/.xlsm, ``table:formula`` in .ods) and XML entity declarations.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from invite.errors import InviteError

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNPACKED_BYTES = 300 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 200
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
CSV_SUFFIXES = (".csv", ".txt")
# Encodings German offices produce: Excel "CSV UTF-8", Excel/Outlook "CSV" (Windows-1252),
# old DOS tools (cp850), old Macs, ISO 8859-15. charset-normalizer chooses among these only:
# unrestricted, it calls a German cp1252 file "cp1250" (same umlauts, other letters differ).
CSV_ENCODINGS = ("cp1252", "iso8859_15", "cp850", "mac_roman")
GERMAN_LETTERS = "äöüÄÖÜß"


class RawCell(NamedTuple):
    """A cell as found: its value, and whether the file holds a formula there."""

    column: str
    value: Any
    is_formula: bool = False


@dataclass(frozen=True)
class RawSheet:
    """The header as cells; each further non-empty row as its number and its values by
    column index (A = 0): 10,000 rows are 10,000 tuples, not 120,000 objects."""

    file: str
    sheet: str
    header_row: int
    header: tuple[RawCell, ...]
    rows: tuple[tuple[int, tuple[Any, ...]], ...]
    merged_ranges: tuple[str, ...] = ()
    hidden_sheets: tuple[str, ...] = ()
    file_problems: tuple[str, ...] = ()  # errors without a row (e.g. formulas in an .ods)
    # (row number, column index) -> formula text, for the cells that hold a formula
    formula_cells: dict[tuple[int, int], str] = field(default_factory=dict)


def _letters(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


COLUMN_LETTERS = tuple(_letters(i) for i in range(MAX_COLUMNS))


def read_contact_sheet(path: Path) -> RawSheet:
    """Return the first visible sheet's header and non-empty rows; raise InviteError if unreadable."""
    name = str(path)
    data = _read_bytes(path)
    if data.startswith(OLE_MAGIC):
        return _read_ole(name, data)
    if data.startswith(b"PK"):
        return _read_zip_workbook(name, data)
    if path.suffix.lower() in CSV_SUFFIXES:
        return read_csv(name, data)
    raise InviteError(
        f"{name}: Die Datei ist keine Excel- oder LibreOffice-Arbeitsmappe – vielleicht eine "
        "umbenannte CSV- oder Textdatei. Bitte in Excel öffnen und als .xlsx speichern "
        "(oder die Endung in .csv ändern)."
    )


def _read_bytes(path: Path) -> bytes:
    name = str(path)
    try:
        data = path.read_bytes() if path.stat().st_size <= MAX_FILE_BYTES else None
    except FileNotFoundError:
        raise InviteError(f"{name}: Die Kontaktliste wurde nicht gefunden.", exit_code=2) from None
    except IsADirectoryError:
        raise InviteError(f"{name}: Das ist ein Ordner, keine Kontaktliste.", exit_code=2) from None
    except PermissionError:
        if path.is_dir():  # Windows reports a folder as "permission denied"
            raise InviteError(
                f"{name}: Das ist ein Ordner, keine Kontaktliste.", exit_code=2
            ) from None
        raise InviteError(f"{name}: Keine Berechtigung, die Datei zu lesen.", exit_code=2) from None
    if data is None:
        raise InviteError(f"{name}: Die Datei ist größer als 50 MB – das ist keine Kontaktliste.")
    if not data:
        raise InviteError(f"{name}: Die Datei ist leer.")
    return data


# -- workbooks ----------------------------------------------------------------------------------


def _read_ole(name: str, data: bytes) -> RawSheet:
    """An OLE compound file: an old .xls workbook, or an encrypted .xlsx (Excel's "Kennwort")."""
    if "EncryptedPackage".encode("utf-16-le") in data:
        raise _encrypted(name)
    return _read_calamine(name, data, formulas=None)


def _encrypted(name: str) -> InviteError:
    return InviteError(
        f"{name}: Die Datei ist verschlüsselt (kennwortgeschützt). Bitte in Excel öffnen, das "
        "Kennwort entfernen (Datei › Informationen › Arbeitsmappe schützen) und speichern."
    )


def _read_zip_workbook(name: str, data: bytes) -> RawSheet:
    kind, zf = _check_zip(name, data)
    with zf:
        _refuse_entities(name, zf, kind)
        if kind == "ods":
            return _read_calamine(name, data, formulas=None, file_problems=_ods_problems(zf))
        return _read_calamine(name, data, formulas=lambda sheet: _xlsx_formulas(zf, sheet))


def _check_zip(name: str, data: bytes) -> tuple[str, zipfile.ZipFile]:
    """The zip's kind ("xlsx" or "ods") after the size checks; the caller closes it."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise InviteError(
            f"{name}: Die Datei ist beschädigt (unvollständiges Zip-Archiv) und lässt sich nicht "
            "als Arbeitsmappe lesen. Bitte in Excel oder LibreOffice öffnen und neu speichern."
        ) from None
    unpacked = sum(i.file_size for i in infos)
    if unpacked > MAX_UNPACKED_BYTES or len(infos) > 10_000:
        zf.close()
        raise InviteError(
            f"{name}: Die Datei würde entpackt über {MAX_UNPACKED_BYTES // 2**20} MB groß "
            "(verdächtig, z. B. eine Zip-Bombe). Sie wird nicht geöffnet."
        )
    names = {i.filename for i in infos}
    if "xl/workbook.xml" in names:
        return "xlsx", zf
    if "content.xml" in names and _member(zf, "mimetype").startswith(
        b"application/vnd.oasis.opendocument.spreadsheet"
    ):
        return "ods", zf
    zf.close()
    raise InviteError(
        f"{name}: Die Datei ist ein Zip-Archiv, aber keine Arbeitsmappe (.xlsx, .xlsm, .ods)."
    )


def _member(zf: zipfile.ZipFile, member: str) -> bytes:
    try:
        return zf.read(member)
    except (KeyError, zipfile.BadZipFile, OSError, EOFError):
        return b""


def _refuse_entities(name: str, zf: zipfile.ZipFile, kind: str) -> None:
    """XML entity declarations have no place in a workbook (billion laughs, external entities)."""
    parts = (
        [i.filename for i in zf.infolist() if i.filename.endswith(".xml")]
        if kind == "xlsx"
        else ["content.xml"]
    )
    for part in parts:
        try:
            with zf.open(part) as member:
                head = member.read(4096)
        except (KeyError, zipfile.BadZipFile, OSError, EOFError):
            continue
        if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
            raise InviteError(
                f"{name}: Die Arbeitsmappe enthält XML-Entitätsdefinitionen (verdächtig, "
                "z. B. eine „Billion Laughs“-Datei). Sie wird nicht geöffnet."
            )


def _ods_problems(zf: zipfile.ZipFile) -> tuple[str, ...]:
    """calamine shows neither formulas nor merged cells of an .ods: look for them in its XML
    (for the whole file; the cell is not named)."""
    content = _member(zf, "content.xml")
    problems = []
    if b"table:formula=" in content:
        problems.append(
            "Die Tabelle enthält Formeln – bitte die Werte statt der Formeln eintragen "
            "(Kopieren, Inhalte einfügen › Nur Text/Zahlen)."
        )
    if re.search(rb'table:number-(?:columns|rows)-spanned="(?:[2-9]|[1-9][0-9]+)"', content):
        problems.append(
            "Die Tabelle enthält verbundene Zellen – bitte die Verbindung aufheben "
            "(Format › Zellen verbinden › Zellverbund aufheben)."
        )
    return tuple(problems)


def _xlsx_formulas(zf: zipfile.ZipFile, sheet: str) -> dict[tuple[int, int], str]:
    """(row, column index) -> formula of the cells that hold one in ``sheet``; calamine shows
    only the last computed value (none at all if the file was never opened in Excel)."""
    xml = _member(zf, _xlsx_sheet_part(zf, sheet))
    if b"<f>" not in xml and b"<f " not in xml and b"<f/>" not in xml:
        return {}
    found = {}
    for m in re.finditer(rb'<c r="([A-Z]+)([0-9]+)"[^>]*?(?:/>|>(.*?)</c>)', xml, re.S):
        formula = re.search(rb"<f(?:\s[^>]*)?(?:/>|>([^<]*)</f>)", m[3] or b"")
        if formula:
            text = _xml_unescape((formula[1] or b"").decode("utf-8", "replace"))
            found[(int(m[2]), column_index(m[1].decode()))] = "=" + text
    return found


def column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


def _xlsx_sheet_part(zf: zipfile.ZipFile, sheet: str) -> str:
    workbook = _member(zf, "xl/workbook.xml").decode("utf-8", "replace")
    rels = _member(zf, "xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", workbook):
        found = re.search(r'\bname="([^"]*)"', tag)
        rid = re.search(r'\br:id="([^"]*)"', tag) or re.search(r'\bid="([^"]*)"', tag)
        if not found or not rid or _xml_unescape(found[1]) != sheet:
            continue
        for rel in re.findall(r"<Relationship\b[^>]*>", rels):
            if f'Id="{rid[1]}"' in rel:
                target = re.search(r'Target="([^"]*)"', rel)
                if target:
                    part = target[1].lstrip("/")
                    return part if part.startswith("xl/") else "xl/" + part
    return ""


def _xml_unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def _read_calamine(
    name: str, data: bytes, *, formulas: Any, file_problems: tuple[str, ...] = ()
) -> RawSheet:
    from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum, SheetVisibleEnum

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError:
        raise _encrypted(name) from None
    except Exception as exc:  # calamine raises several types for broken files
        raise InviteError(
            f"{name}: Die Datei lässt sich nicht als Arbeitsmappe lesen ({_reason(exc)}). "
            "Bitte in Excel oder LibreOffice öffnen und als .xlsx speichern."
        ) from None
    try:
        sheets = [m for m in wb.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
        visible = [m.name for m in sheets if m.visible == SheetVisibleEnum.Visible]
        hidden = tuple(m.name for m in sheets if m.visible != SheetVisibleEnum.Visible)
        if not visible:
            raise InviteError(f"{name}: Die Arbeitsmappe hat kein sichtbares Tabellenblatt.")
        title = visible[0]
        ws = wb.get_sheet_by_name(title)
        merged = tuple(
            f"{COLUMN_LETTERS[c0] if c0 < MAX_COLUMNS else _letters(c0)}{r0 + 1}:"
            f"{COLUMN_LETTERS[c1] if c1 < MAX_COLUMNS else _letters(c1)}{r1 + 1}"
            for (r0, c0), (r1, c1) in (ws.merged_cell_ranges or ())
        )
        formula_refs = formulas(title) if formulas else {}
        if ws.height > MAX_ROWS * 5 or ws.width > 16 * MAX_COLUMNS:
            _too_many_rows(name, title)
        values = ws.to_python(skip_empty_area=False)
    except InviteError:
        raise
    except PasswordError:
        raise _encrypted(name) from None
    except Exception as exc:  # sheets are parsed lazily: broken XML surfaces only here
        raise InviteError(
            f"{name}: Die Arbeitsmappe ist beschädigt und lässt sich nicht lesen "
            f"({_reason(exc)}). Bitte in Excel öffnen und neu speichern."
        ) from None
    finally:
        wb.close()
    return _to_sheet(name, title, values, hidden, merged, formula_refs, file_problems)


def _reason(exc: Exception) -> str:
    text = str(exc).splitlines()[0][:120] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _too_many_rows(name: str, sheet: str) -> None:
    raise InviteError(
        f"{name}: Blatt „{sheet}“ hat mehr als {MAX_ROWS:,} Zeilen. ".replace(",", ".")
        + "Das ist zu viel für eine Einladungsliste – bitte die Datei prüfen."
    )


def _to_sheet(
    name: str,
    title: str,
    values: list[list[Any]],
    hidden: tuple[str, ...],
    merged: tuple[str, ...],
    formula_refs: dict[tuple[int, int], str],
    file_problems: tuple[str, ...],
) -> RawSheet:
    """Turn a dense grid (from A1) into the header and the non-empty rows."""
    header: tuple[RawCell, ...] | None = None
    header_row = 0
    rows: list[tuple[int, tuple[Any, ...]]] = []
    for row_number, full_row in enumerate(values, start=1):
        row = tuple(full_row[:MAX_COLUMNS])
        if not any(v != "" and v is not None and not (type(v) is str and v.isspace()) for v in row):
            continue
        if header is None:
            header = tuple(map(RawCell, COLUMN_LETTERS, row))
            header_row = row_number
            continue
        rows.append((row_number, row))
        if len(rows) > MAX_ROWS:
            _too_many_rows(name, title)
    if header is None:
        raise InviteError(f"{name}: Blatt „{title}“ ist leer – keine Kopfzeile, keine Kontakte.")
    return RawSheet(
        name, title, header_row, header, tuple(rows), merged, hidden, file_problems, formula_refs
    )


# -- CSV ----------------------------------------------------------------------------------------


def read_csv(name: str, data: bytes) -> RawSheet:
    """A CSV file as Excel, LibreOffice or Outlook write it: encoding and delimiter detected."""
    text = _decode(name, data)
    first, _, rest = text.partition("\n")
    if re.fullmatch(r"sep=[;,\t|]\r?", first):  # Excel's hint line; Excel does not show it
        delimiter, text = first[4], rest
    else:
        delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"')
    values: list[list[Any]] = []
    try:
        for record in reader:
            values.append(record)
            if len(values) > MAX_ROWS * 2:
                _too_many_rows(name, Path(name).name)
    except csv.Error as exc:
        raise InviteError(
            f"{name}, Zeile {len(values) + 1}: Die CSV-Datei ist fehlerhaft ({exc}). Bitte in "
            "Excel öffnen und als .xlsx speichern."
        ) from None
    return _to_sheet(name, "", values, (), (), {}, ())


def _decode(name: str, data: bytes) -> str:
    """Text and encoding of a CSV file: a BOM decides, then strict UTF-8, then the best of the
    Western single-byte encodings according to charset-normalizer."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                break
    if b"\0" in data:
        raise InviteError(
            f"{name}: Die Datei enthält Nullbytes und ist keine lesbare CSV-Datei. Bitte in Excel "
            "öffnen und als .xlsx oder „CSV UTF-8“ speichern."
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    # charset-normalizer judges how chaotic each decoding looks; on a short list several look
    # equally clean (a cp1252 „ä“ is a mac_roman „‰“), so German letters and then the
    # Windows default decide among the cleanest.
    sample = data[:200_000]
    scored = []
    for match in from_bytes(sample, cp_isolation=list(CSV_ENCODINGS)):
        try:
            text = sample.decode(match.encoding)
        except UnicodeDecodeError:
            continue
        german = sum(text.count(ch) for ch in GERMAN_LETTERS)
        preference = CSV_ENCODINGS.index(match.encoding) if match.encoding in CSV_ENCODINGS else 9
        scored.append((round(match.chaos, 2), -german, preference, match.encoding))
    encoding = min(scored)[3] if scored else "cp1252"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def _delimiter(text: str) -> str:
    """Semicolon (German Excel), comma (Outlook, English Excel) or tab, judged by the header."""
    head = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(head, delimiters=";,\t").delimiter
    except csv.Error:
        first = text.split("\n", 1)[0]
        return max(";,\t", key=first.count)
