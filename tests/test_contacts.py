"""Reading and checking the contact spreadsheet: every problem found at once, located exactly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from clirun import run_invite
from openpyxl import Workbook
from workbooks import HEADERS

from invite.campaign import Campaign
from invite.core.contacts import parse_contacts
from invite.store import all_invitees
from invite.workbook.spreadsheet import read_contact_sheet

REPO = Path(__file__).resolve().parent.parent


def workbook(path: Path, rows: list[list[Any]], header: list[str] = HEADERS) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Kontakte"
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def parse(path: Path):
    return parse_contacts(read_contact_sheet(path))


def test_bundled_example_is_valid() -> None:
    result = parse(REPO / "contacts.xlsx.example")
    assert result.errors == []
    assert len(result.invitees) == 25
    by_nr = {i.number: i for i in result.invitees}
    assert by_nr["1"].first_name == "Ayşe" and by_nr["1"].title == "Dr."
    assert by_nr["9"].channel == "post" and by_nr["9"].email == ""
    assert by_nr["13"].language == "en"
    assert by_nr["3"].last_name == "" and by_nr["3"].organisation


def test_ten_kinds_of_mistakes_in_one_report(tmp_path: Path) -> None:
    # fmt: off
    rows = [
        [1, "Frau", "", "Anna", "Ok", "Verein A", "Weg 1", "48143", "Münster", "anna@example.org", "E-Mail", "de"],
        [2, "Frau", "", "Bea", "Bad", "Verein B", "", "", "", "kein-at-zeichen", "E-Mail", "de"],  # invalid email
        [1, "Herr", "", "Carl", "Dup", "Verein C", "", "", "", "carl@example.org", "E-Mail", "de"],  # duplicate Nr.
        [4, "Herr", "", "Dirk", "Twin", "Verein D", "", "", "", "anna@example.org", "E-Mail", "de"],  # duplicate email
        [5, "", "", "", "", "", "", "", "", "eve@example.org", "E-Mail", "de"],  # no name, no organisation
        [6, "Frau", "", "Fia", "Nomail", "Verein F", "", "", "", "", "E-Mail", "de"],  # email wanted, missing
        [7, "Herr", "", "Gus", "Post", "Verein G", "Weg 7", "", "Münster", "", "Post", "de"],  # PLZ missing for Post
        [8, "Frau", "", "Hanna\nZeile", "Break", "Verein H", "", "", "", "h@example.org", "E-Mail", "de"],  # line break
        [9, "Frau", "", "Ida", "=1+2", "Verein I", "", "", "", "i@example.org", "E-Mail", "de"],  # formula
        [10, "Madame", "", "Jo", "Anrede", "Verein J", "", "", "", "j@example.org", "E-Mail", "de"],  # unknown Anrede
        [11, "Herr", "", "Kai", "Versand", "Verein K", "", "", "", "k@example.org", "Fax", "de"],  # unknown Versand
        ["zwölf", "Herr", "", "Leo", "Nummer", "Verein L", "", "", "", "l@example.org", "E-Mail", "de"],  # bad Nr.
        [13, "Frau", "", "Mia\u202e", "Bidi", "Verein M", "", "", "", "m@example.org", "E-Mail", "de"],  # RTL override
        [14, "Herr", "", "Ole", "Emoji", "Verein 🦄", "", "", "", "o@example.org", "E-Mail", "de"],  # unprintable
    ]
    # fmt: on
    result = parse(workbook(tmp_path / "kontakte.xlsx", rows))
    found = {(p.row, p.column) for p in result.errors}
    expected = {
        (3, "E-Mail"),
        (4, "Nr."),
        (5, "E-Mail"),
        (6, "Nachname"),
        (7, "E-Mail"),
        (8, "PLZ"),
        (9, "Vorname"),
        (10, "Nachname"),
        (11, "Anrede"),
        (12, "Versand"),
        (13, "Nr."),
        (14, "Vorname"),
    }
    assert expected <= found, sorted(found)
    # Row 15's unicorn is refused by the font check, which needs the campaign's font (below).
    assert [i.number for i in result.invitees] == ["1", "14"]
    text = "\n".join(str(p) for p in result.errors)
    assert "Zeile 3, Spalte „E-Mail“" in text
    assert "kommt doppelt vor (auch in Zeile 2)" in text
    assert "Formel" in text and "Zeilenumbruch" in text and "U+202E" in text
    assert all(str(p).startswith(str(tmp_path / "kontakte.xlsx")) for p in result.errors)
    # The same list through the command line: one German report, every row named, exit 1.
    cli = run_invite("check", "--contacts", str(tmp_path / "kontakte.xlsx"))
    assert cli.code == 1, cli.text
    assert "Fehler in der Kontaktliste gefunden" in cli.err and "Traceback" not in cli.text
    for row, column in expected | {(15, "Organisation")}:
        assert f"Zeile {row}, Spalte „{column}“" in cli.err, (row, column)


def test_headers_case_space_and_english_aliases(tmp_path: Path) -> None:
    header = [
        " nr ",
        "SALUTATION",
        "title",
        "First Name",
        "last name",
        "Organization",
        "street",
        "Zip",
        "City",
        "email",
        "Channel",
        "language",
    ]
    rows = [
        [
            3.0,
            "Mr",
            "",
            "Jan",
            "Nowak",
            "PKM",
            "Platz 7",
            1067,
            "Dresden",
            "Jan@Example.org",
            "both",
            "English",
        ]
    ]
    result = parse(workbook(tmp_path / "en.xlsx", rows, header))
    assert result.errors == []
    (inv,) = result.invitees
    assert inv.number == "3" and inv.salutation == "Herr" and inv.channel == "both"
    assert inv.postcode == "01067"  # the leading zero Excel dropped
    assert inv.language == "en"
    assert inv.email == "Jan@example.org"  # domain normalised, local part kept


def test_empty_rows_ignored_and_channel_defaults(tmp_path: Path) -> None:
    rows = [
        [1, "Frau", "", "A", "B", "", "", "", "", "a@example.org", "", ""],
        [None] * 12,
        ["", "", "", "", "", "", "", "", "", "", "", ""],
        [2, "", "", "", "", "Verein", "Weg 2", "48143", "Münster", "", "", ""],
    ]
    result = parse(workbook(tmp_path / "k.xlsx", rows))
    assert result.errors == []
    assert [(i.number, i.channel) for i in result.invitees] == [("1", "email"), ("2", "post")]


def test_missing_required_columns(tmp_path: Path) -> None:
    result = parse(workbook(tmp_path / "k.xlsx", [[1, "x"]], ["Nr.", "Name der Person"]))
    assert len(result.errors) == 1
    assert "„Organisation“, „E-Mail“ fehlen" in str(result.errors[0])
    assert result.errors[0].row == 1


def test_campaign_sync_refuses_list_with_errors(tmp_path: Path) -> None:
    from invite.campaign import ContactErrors

    path = workbook(tmp_path / "k.xlsx", [[1, "", "", "", "", "", "", "", "", "x@", "E-Mail", ""]])
    campaign = Campaign.open(REPO / "invite" / "bundled", path, tmp_path / "data")
    with campaign.open_state() as state, pytest.raises(ContactErrors):
        campaign.sync(state, "test")
    with campaign.open_state() as state:
        assert all_invitees(state) == []


def test_umlauts_before_the_at_are_a_contact_error_in_the_domain_fine(tmp_path: Path) -> None:
    rows = [
        [1, "Herr", "", "Jörg", "Ömer", "", "", "", "", "jörg@münster.de", "", ""],
        [2, "Frau", "", "Eva", "Beck", "", "", "", "", "eva@münster.de", "", ""],
    ]
    result = parse(workbook(tmp_path / "k.xlsx", rows))
    (error,) = result.errors
    assert "„jörg@münster.de“: Umlaute vor dem @" in str(error)
    assert "ohne Umlaute" in str(error) and error.row == 2
    assert [i.email for i in result.invitees if i.number == "2"] == ["eva@münster.de"]


def test_invisible_characters_are_reported_with_row_and_column_never_removed(
    tmp_path: Path,
) -> None:
    # fmt: off
    rows = [
        [1, "Frau", "", "Anna", "Mül\u200bler", "Verein A", "", "", "", "a@example.org", "", ""],
        [2, "Herr", "", "\ufeffBen", "Weber", "Verein B", "", "", "", "b@example.org", "", ""],
        [3, "Frau", "", "Cara", "Roth", "Welt\u2060laden", "", "", "", "c@example.org", "", ""],
        [4, "Herr", "", "Dan", "Ost\u00adermann", "Verein D", "", "", "", "d@example.org", "", ""],
        [5, "Frau", "", "Eda", "Kaya\u200f", "Verein E", "", "", "", "e@example.org", "", ""],
        [6, "Frau", "", "Farah", "Nik\u200cnam", "Verein F", "", "", "", "f@example.org", "", ""],  # ZWNJ: Persian spelling
    ]
    # fmt: on
    result = parse(workbook(tmp_path / "k.xlsx", rows))
    found = {(p.row, p.column): str(p) for p in result.errors}
    assert set(found) == {(2, "Nachname"), (3, "Vorname"), (4, "Organisation"), (5, "Nachname"),
                          (6, "Nachname")}  # fmt: skip
    assert "U+200B (Leerzeichen ohne Breite) nach „Mül“" in found[(2, "Nachname")]
    assert "U+FEFF (Byte-Reihenfolge-Markierung (BOM)) am Anfang" in found[(3, "Vorname")]
    assert "U+2060 (Wortverbinder)" in found[(4, "Organisation")]
    assert "U+00AD (weiches Trennzeichen)" in found[(5, "Nachname")]
    assert "U+200F" in found[(6, "Nachname")]
    assert [inv.number for inv in result.invitees] == ["6"]
    assert result.invitees[0].last_name == "Nik\u200cnam"  # kept exactly as typed


def test_german_plz_must_have_five_digits_foreign_addresses_name_their_country(
    tmp_path: Path,
) -> None:
    header = [*HEADERS, "Land"]
    # fmt: off
    rows = [
        [1, "Frau", "", "Anna", "Post", "", "Weg 1", "4814", "Münster", "", "Post", "", ""],  # 04814
        [2, "Herr", "", "Ben", "Post", "", "Weg 2", "481430", "Münster", "", "Post", "", ""],
        [3, "Frau", "", "Cara", "Post", "", "Weg 3", "D-48143", "Münster", "", "Post", "", "Deutschland"],
        [4, "Herr", "", "Dan", "Mail", "", "", "4814 3", "", "d@example.org", "E-Mail", "", ""],
        [5, "Frau", "", "Eda", "Wien", "", "Ring 1", "1010", "Wien", "", "Post", "", "Österreich"],
        [6, "Herr", "", "Finn", "Leiden", "", "Rapenburg 7", "2311 GE", "Leiden", "", "Post", "", "Niederlande"],
        [7, "Frau", "", "Gül", "Ok", "", "Weg 7", "48143", "Münster", "", "Post", "", "Germany"],
    ]
    # fmt: on
    result = parse(workbook(tmp_path / "k.xlsx", rows, header))
    errors = {(p.row, p.column): str(p) for p in result.errors}
    assert set(errors) == {(3, "PLZ"), (4, "PLZ")}
    assert "PLZ „481430“ ist keine deutsche Postleitzahl (fünf Ziffern)" in errors[(3, "PLZ")]
    assert "„D-48143“" in errors[(4, "PLZ")] and "Spalte „Land“" in errors[(4, "PLZ")]
    assert [(p.row, p.column) for p in result.notices] == [(5, "PLZ")]  # email only: a notice
    by_nr = {inv.number: inv for inv in result.invitees}
    assert by_nr["1"].postcode == "04814"
    assert (by_nr["5"].postcode, by_nr["5"].country) == ("1010", "Österreich")  # no zero added
    assert by_nr["6"].postcode == "2311 GE" and by_nr["7"].country == ""  # Germany: not printed


def test_foreign_country_is_the_last_line_of_the_address() -> None:
    from invite.core.contacts import Invitee
    from invite.core.salutation import address_block

    vienna = Invitee(
        "5", "Frau", "", "Eda", "Wien", "Verein", "Ring 1", "1010", "Wien", "Österreich"
    )
    assert address_block(vienna) == ["Verein", "Frau Eda Wien", "Ring 1", "1010 Wien", "ÖSTERREICH"]


def test_the_new_column_land_changes_no_fingerprint_of_a_german_address() -> None:
    """After an update, invitees without a country are not all reported as changed."""
    import dataclasses
    import hashlib
    import json

    from invite.core.contacts import Invitee
    from invite.store import fingerprint

    inv = Invitee("1", "Frau", "", "Anna", "Ok", "Verein", "Weg 1", "48143", "Münster")
    before = [v for k, v in dataclasses.asdict(inv).items() if k not in ("row", "code", "country")]
    assert fingerprint(inv) == hashlib.sha256(json.dumps(before).encode()).hexdigest()[:16]
    assert fingerprint(dataclasses.replace(inv, country="Österreich")) != fingerprint(inv)
