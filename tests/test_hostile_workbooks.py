"""Broken and hostile contact workbooks: one clear German report each, never a traceback."""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from clirun import REPO, run_invite
from openpyxl import Workbook
from workbooks import HEADERS

GOOD = [
    1,
    "Frau",
    "",
    "Anna",
    "Arslan",
    "Verein",
    "Weg 1",
    "48143",
    "Münster",
    "a@example.org",
    "E-Mail",
    "de",
]


def _book(
    path: Path, rows: list[list], header: list = HEADERS, edit: Callable | None = None
) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    if edit:
        edit(wb)
    wb.save(path)


def _patch_xml(path: Path, member: str, old: str, new: str) -> None:
    """Rewrite one XML part of a saved workbook (for what openpyxl refuses to write)."""
    src = zipfile.ZipFile(path)
    parts = {n: src.read(n) for n in src.namelist()}
    src.close()
    parts[member] = parts[member].decode().replace(old, new).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def wrong_columns(p: Path) -> None:
    _book(p, [["Anna", "a@example.org"]], ["Name", "Mail-Adresse des Kontakts"])


def merged_cells(p: Path) -> None:
    _book(
        p,
        [GOOD, [2, "Herr", "", "Ben", "B", "Verein", "", "", "", "b@example.org", "E-Mail", ""]],
        edit=lambda wb: wb.active.merge_cells("D2:E3"),
    )


def data_on_hidden_sheet(p: Path) -> None:
    def edit(wb: Workbook) -> None:
        wb.active.delete_rows(1, 5)
        hidden = wb.create_sheet("Geheim")
        hidden.append(HEADERS)
        hidden.append(GOOD)
        hidden.sheet_state = "hidden"

    _book(p, [], edit=edit)


def formulas(p: Path) -> None:
    row = GOOD[:]
    row[9] = '=HYPERLINK("http://evil.example","x")'
    _book(p, [row])


def hundred_thousand_rows(p: Path) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Kontakte")
    ws.append(HEADERS)
    for n in range(1, 100_001):
        ws.append([n, "", "", "", f"N{n}", "V", "", "", "", f"p{n}@example.org", "E-Mail", ""])
    wb.save(p)


def empty_file(p: Path) -> None:
    p.write_bytes(b"")


def password_protected(p: Path) -> None:
    # Excel saves encrypted workbooks as OLE compound files, whatever the extension.
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096)


def csv_renamed(p: Path) -> None:
    p.write_text("Nr.;Nachname;Organisation;E-Mail\n1;Arslan;Verein;a@example.org\n")


def zip_bomb(p: Path) -> None:
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(320):
                member.write(chunk)


def rtl_override_name(p: Path) -> None:
    row = GOOD[:]
    row[4] = "Arslan\u202egnp.exe"
    _book(p, [row])


def emoji_in_name(p: Path) -> None:
    row = GOOD[:]
    row[5] = "Verein 🦄 Einhorn"
    _book(p, [row])


def nul_byte(p: Path) -> None:
    row = GOOD[:]
    row[4] = "ARSLANNULMARK"
    _book(p, [row])
    _patch_xml(p, "xl/worksheets/sheet1.xml", "ARSLANNULMARK", "Ars&#0;lan")


def control_character(p: Path) -> None:
    row = GOOD[:]
    row[4] = "ARSLANBELMARK"
    _book(p, [row])
    _patch_xml(p, "xl/worksheets/sheet1.xml", "ARSLANBELMARK", "Ars\x7flan\u0085x")


def not_a_workbook_zip(p: Path) -> None:
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("hello.txt", "hallo")


def truncated(p: Path) -> None:
    buffer = io.BytesIO()
    wb = Workbook()
    wb.active.append(HEADERS)
    wb.active.append(GOOD)
    wb.save(buffer)
    p.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])


def header_only(p: Path) -> None:
    _book(p, [])


def blank_sheet(p: Path) -> None:
    Workbook().save(p)


def dates_in_names(p: Path) -> None:
    import datetime as dt

    row = GOOD[:]
    row[4] = dt.datetime(2019, 1, 31)
    _book(p, [row])


def newline_in_organisation(p: Path) -> None:
    row = GOOD[:]
    row[5] = "Verein\r\nBcc: victim@example.org"
    _book(p, [row])


def billion_laughs(p: Path) -> None:
    row = GOOD[:]
    row[4] = "LAUGHMARK"
    _book(p, [row])
    entities = "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    doctype = f'<!DOCTYPE worksheet [<!ENTITY lol "lol">{entities}]>'
    src = zipfile.ZipFile(p)
    sheet = src.read("xl/worksheets/sheet1.xml").decode()
    src.close()
    head, _, rest = sheet.partition("?>")
    _patch_xml(p, "xl/worksheets/sheet1.xml", sheet, head + "?>" + doctype + rest)
    _patch_xml(p, "xl/worksheets/sheet1.xml", "LAUGHMARK", "&lol9;")


def a_directory(p: Path) -> None:
    p.mkdir()


def giant_cell(p: Path) -> None:
    row = GOOD[:]
    row[5] = "V" * 40_000
    _book(p, [row])


def duplicate_everything(p: Path) -> None:
    _book(p, [GOOD, GOOD, GOOD])


def numbers_for_email(p: Path) -> None:
    row = GOOD[:]
    row[9] = 12345
    _book(p, [row])


CORPUS = [
    wrong_columns,
    merged_cells,
    data_on_hidden_sheet,
    formulas,
    hundred_thousand_rows,
    empty_file,
    password_protected,
    csv_renamed,
    zip_bomb,
    rtl_override_name,
    emoji_in_name,
    nul_byte,
    control_character,
    not_a_workbook_zip,
    truncated,
    header_only,
    blank_sheet,
    dates_in_names,
    newline_in_organisation,
    billion_laughs,
    a_directory,
    giant_cell,
    duplicate_everything,
    numbers_for_email,
]


@pytest.mark.parametrize("make", CORPUS, ids=[f.__name__ for f in CORPUS])
def test_hostile_workbook_gets_one_clear_report(
    make: Callable[[Path], None], tmp_path: Path
) -> None:
    contacts = tmp_path / "kontakte.xlsx"
    make(contacts)
    data = tmp_path / "daten"
    result = run_invite("check", "--contacts", str(contacts), "--data", str(data), timeout=60)
    assert result.code in (1, 2), result.text
    assert "Traceback" not in result.text
    assert "Fehler" in result.err
    assert "kontakte.xlsx" in result.err
    # `letters` on the same file generates nothing at all.
    letters = run_invite("letters", "--contacts", str(contacts), "--data", str(data), timeout=60)
    assert letters.code in (1, 2), letters.text
    assert "Traceback" not in letters.text
    generated = [p for p in data.rglob("*") if p.suffix.lower() in (".pdf", ".xlsx", ".eml")]
    assert generated == []


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 20
    assert shutil.which("invite") or (REPO / "invite").is_dir()
