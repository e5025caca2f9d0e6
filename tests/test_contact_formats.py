"""The contact lists staff really have: .ods, .xls, Excel and LibreOffice CSV, Outlook exports.

The fixtures in tests/data/ were made from contacts.xlsx.example by
tests/data/make_contact_fixtures.py (LibreOffice for .ods/.xls); each must give the same
invitees as the .xlsx, up to what its format cannot hold (Windows-1252 has no „ş“ and Outlook
no academic title).
"""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import pytest
from clirun import REPO, run_invite

from invite.core.contacts import Invitee, parse_contacts
from invite.workbook.spreadsheet import read_contact_sheet

DATA = Path(__file__).resolve().parent / "data"
EXAMPLE = REPO / "contacts.xlsx.example"
TEXT_FIELDS = ("salutation", "title", "first_name", "last_name", "organisation", "street", "city")


def _as(invitees: list[Invitee], *, cp1252: bool = False, title: bool = True) -> list[Invitee]:
    out = []
    for inv in invitees:
        changes = {}
        if cp1252:
            changes = {
                f: getattr(inv, f).encode("cp1252", "replace").decode("cp1252") for f in TEXT_FIELDS
            }
        if not title:
            changes["title"] = ""
        out.append(dataclasses.replace(inv, **changes))
    return out


@pytest.fixture(scope="module")
def expected() -> list[Invitee]:
    contacts = parse_contacts(read_contact_sheet(EXAMPLE))
    assert not contacts.errors and len(contacts.invitees) == 25
    return contacts.invitees


FORMATS = [
    ("kontakte.ods", {}),
    ("kontakte.xls", {}),
    ("kontakte.xlsm", {}),
    ("kontakte-excel.csv", {"cp1252": True}),  # German Excel: Windows-1252, semicolons
    ("kontakte-excel-utf8.csv", {}),  # Excel "CSV UTF-8": BOM, semicolons
    ("kontakte-libreoffice.csv", {}),  # UTF-8, commas
    ("outlook-export-nr-versand.csv", {"cp1252": True, "title": False}),
]


@pytest.mark.parametrize(("name", "how"), FORMATS, ids=[n for n, _ in FORMATS])
def test_every_format_gives_the_same_invitees_as_the_xlsx(
    name: str, how: dict, expected: list[Invitee]
) -> None:
    contacts = parse_contacts(read_contact_sheet(DATA / name))
    assert contacts.errors == []
    assert contacts.invitees == _as(expected, **how)


@pytest.mark.parametrize(("name", "how"), FORMATS, ids=[n for n, _ in FORMATS])
def test_every_format_passes_invite_check(name: str, how: dict, tmp_path: Path) -> None:
    result = run_invite("check", "--contacts", str(DATA / name), "--data", str(tmp_path))
    assert result.code == 0, result.text
    assert "Alles in Ordnung: 25 Eingeladene (E-Mail: 19, Post: 3, beides: 3)" in result.out


def test_an_outlook_export_names_what_it_lacks_in_one_sentence(tmp_path: Path) -> None:
    result = run_invite(
        "check", "--contacts", str(DATA / "outlook-export.csv"), "--data", str(tmp_path)
    )
    assert result.code == 1, result.text
    errors = [line for line in result.err.splitlines() if line.startswith("  – ")]
    assert len(errors) == 1, result.err
    sentence = errors[0].split(": ", 1)[1]
    assert sentence.startswith("Das ist ein Kontakt-Export aus Outlook")
    assert "„Nr.“" in sentence and "„Versand“" in sentence and "einfügen" in sentence
    assert sentence.count(". ") == 0 and sentence.endswith(".")  # one sentence
    # the 80-odd Outlook columns invite does not use are one notice, not 80 lines
    assert result.out.count("Hinweis") == 1, result.out


def test_csv_errors_are_all_reported_with_file_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "Kontakte Müller.csv"
    path.write_bytes(
        "Nr.;Anrede;Nachname;Organisation;E-Mail;Versand\r\n"
        "1;Frau;Arslan;Verein;a@example.org;E-Mail\r\n"
        "2;Fräulein;Berg;Verein;b@example;E-Mail\r\n"
        "x;Herr;Cem;Verein;c@example.org;Brieftaube\r\n".encode("cp1252")
    )
    result = run_invite("check", "--contacts", str(path), "--data", str(tmp_path / "d"))
    assert result.code == 1, result.text
    assert "3 Fehler" in result.err or "4 Fehler" in result.err, result.err
    assert (
        "Kontakte Müller.csv, Zeile 3, Spalte „Anrede“: Anrede „Fräulein“ unbekannt" in result.err
    )
    assert "Zeile 3, Spalte „E-Mail“" in result.err
    assert "Zeile 4, Spalte „Nr.“" in result.err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Nr.;Nachname\r\n1;A\x00B\r\n", "Nullbytes"),
        (
            ("Nr.;Nachname;Organisation;E-Mail\n" + "1;A;V;a@example.org\n" * 40_002).encode(),
            "mehr als 20.000 Zeilen",
        ),
    ],
    ids=["nul-bytes", "too-many-rows"],
)
def test_hostile_csv_gets_one_clear_report(content: bytes, message: str, tmp_path: Path) -> None:
    path = tmp_path / "kontakte.csv"
    path.write_bytes(content)
    result = run_invite("check", "--contacts", str(path), "--data", str(tmp_path / "d"))
    assert result.code in (1, 2), result.text
    assert "Traceback" not in result.text
    assert message in result.err and "kontakte.csv" in result.err


def test_a_formula_in_an_ods_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kontakte.ods"
    with zipfile.ZipFile(DATA / "kontakte.ods") as src:
        parts = {i: src.read(i) for i in src.namelist()}
    content = parts["content.xml"].decode()
    marker = "<table:table-cell "
    at = content.index(marker, content.index("a.yilmaz") - 400)
    parts["content.xml"] = (
        content[:at] + marker + 'table:formula="of:=1+1" ' + content[at + len(marker) :]
    ).encode()
    with zipfile.ZipFile(path, "w") as dst:
        dst.writestr("mimetype", parts.pop("mimetype"), compress_type=zipfile.ZIP_STORED)
        for name, data in parts.items():
            dst.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    result = run_invite("check", "--contacts", str(path), "--data", str(tmp_path / "d"))
    assert result.code == 1, result.text
    assert "enthält Formeln" in result.err


def test_content_decides_not_the_name(tmp_path: Path) -> None:
    """An .xlsx saved under .csv is still read as the workbook it is."""
    path = tmp_path / "kontakte.csv"
    path.write_bytes(EXAMPLE.read_bytes())
    contacts = parse_contacts(read_contact_sheet(path))
    assert len(contacts.invitees) == 25 and not contacts.errors


@pytest.mark.parametrize("name", ["verbundene-zellen.ods", "verbundene-zellen.xls"])
def test_merged_cells_in_ods_and_xls_are_refused(name: str, tmp_path: Path) -> None:
    """Made by LibreOffice from test_hostile_workbooks.merged_cells (D2:E3 merged)."""
    result = run_invite("check", "--contacts", str(DATA / name), "--data", str(tmp_path))
    assert result.code == 1, result.text
    assert "verbundene Zellen" in result.err or "Verbundene Zellen (D2:E3)" in result.err


def test_excel_sep_hint_line_and_quoted_delimiters(tmp_path: Path) -> None:
    path = tmp_path / "kontakte.csv"
    path.write_bytes(
        b'sep=,\r\nNr.,Nachname,Organisation,E-Mail\r\n1,"M\xfcller; J\xfcrgen",Verein,a@example.org\r\n'
    )
    sheet = read_contact_sheet(path)
    assert (sheet.header_row, sheet.rows) == (
        1,
        ((2, ("1", "Müller; Jürgen", "Verein", "a@example.org")),),
    )
