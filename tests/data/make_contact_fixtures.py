"""Write the contact-list fixtures in every format staff send, from contacts.xlsx.example.

    python tests/data/make_contact_fixtures.py

The files are committed, so the tests need neither LibreOffice nor Excel:
- kontakte.ods, kontakte.xls, kontakte.xlsm: LibreOffice (``soffice --headless --convert-to``)
  from the .xlsx (.xlsm with the "Calc MS Excel 2007 VBA XML" filter);
- kontakte-excel.csv: German Excel "CSV (Trennzeichen-getrennt)": Windows-1252, semicolons,
  CRLF, quotes only where needed; characters Windows-1252 lacks become "?" as in Excel;
- kontakte-excel-utf8.csv: German Excel "CSV UTF-8": BOM, semicolons;
- kontakte-libreoffice.csv: LibreOffice's default CSV: UTF-8 without BOM, commas;
- outlook-export.csv: a German Outlook contact export ("Kommagetrennte Werte"): its 92
  columns, Windows-1252, commas, every field quoted, CRLF — without "Nr." and "Versand";
- outlook-export-nr-versand.csv: the same after staff added "Nr." and "Versand" in front.

verbundene-zellen.ods/.xls were converted the same way (by hand) from the workbook that
tests/test_hostile_workbooks.py's ``merged_cells`` writes.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import tempfile
from pathlib import Path

from openpyxl import load_workbook

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent.parent / "contacts.xlsx.example"

# The header of a contact export from a German Outlook (Datei › Öffnen und Exportieren ›
# Importieren/Exportieren › In Datei exportieren › Kommagetrennte Werte), in its order.
OUTLOOK_HEADER = [
    "Anrede", "Vorname", "Weitere Vornamen", "Nachname", "Suffix", "Firma", "Abteilung",
    "Position", "Straße geschäftlich", "Straße geschäftlich 2", "Straße geschäftlich 3",
    "Ort geschäftlich", "Region geschäftlich", "Postleitzahl geschäftlich",
    "Land/Region geschäftlich", "Straße privat", "Straße privat 2", "Straße privat 3",
    "Ort privat", "Bundesland/Kanton privat", "Postleitzahl privat", "Land/Region privat",
    "Weitere Straße", "Weitere Straße 2", "Weitere Straße 3", "Weiterer Ort",
    "Weiteres/r Bundesland/Kanton", "Weitere Postleitzahl", "Weiteres/e Land/Region",
    "Telefon Assistent", "Fax geschäftlich", "Telefon geschäftlich", "Telefon geschäftlich 2",
    "Rückmeldung", "Autotelefon", "Telefon Firma", "Fax privat", "Telefon privat",
    "Telefon privat 2", "ISDN", "Mobiltelefon", "Weiteres Fax", "Weiteres Telefon", "Pager",
    "Haupttelefon", "Mobiltelefon 2", "Telefon für Hörbehinderte", "Telex",
    "Abrechnungsinformationen", "Benutzer 1", "Benutzer 2", "Benutzer 3", "Benutzer 4",
    "Beruf", "Büro", "E-Mail-Adresse", "E-Mail-Typ", "E-Mail: Angezeigter Name",
    "E-Mail 2: Adresse", "E-Mail 2: Typ", "E-Mail 2: Angezeigter Name", "E-Mail 3: Adresse",
    "E-Mail 3: Typ", "E-Mail 3: Angezeigter Name", "Empfohlen von", "Geburtstag",
    "Geschlecht", "Hobby", "Initialen", "Internet-Frei/Gebucht", "Jahrestag", "Kategorien",
    "Kinder", "Konto", "Name Assistent", "Name des/der Vorgesetzten", "Notizen",
    "Organisations-Nr.", "Ort", "Partner", "Postfach geschäftlich", "Postfach privat",
    "Priorität", "Privat", "Regierungs-Nr.", "Reisekilometer", "Sprache", "Stichwörter",
    "Vertraulichkeit", "Verzeichnisserver", "Webseite", "Weiteres Postfach",
]  # fmt: skip
# What Outlook writes into a field nobody filled in.
OUTLOOK_DEFAULTS = {
    "Geburtstag": "0.0.00",
    "Jahrestag": "0.0.00",
    "Geschlecht": "Nicht angegeben",
    "Priorität": "Normal",
    "Privat": "Aus",
    "Vertraulichkeit": "Normal",
}


def example_rows() -> tuple[list[str], list[list[str]]]:
    ws = load_workbook(io.BytesIO(EXAMPLE.read_bytes()), read_only=True).worksheets[0]
    rows = [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]
    return rows[0], [r for r in rows[1:] if any(r)]


def cp1252(text: str) -> str:
    """What Excel writes for a character Windows-1252 lacks: a question mark."""
    return text.encode("cp1252", "replace").decode("cp1252")


def write_csv(path: Path, header: list[str], rows: list[list[str]], **how: object) -> None:
    encoding = str(how.pop("encoding"))
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", **how)  # type: ignore[arg-type]
    writer.writerow(header)
    writer.writerows(rows)
    text = buffer.getvalue()
    if encoding == "cp1252":
        text = cp1252(text)
    path.write_bytes(text.encode(encoding))


def outlook_rows(header: list[str], rows: list[list[str]]) -> list[dict[str, str]]:
    col = {name: i for i, name in enumerate(header)}
    out = []
    for r in rows:
        person = " ".join(p for p in (r[col["Vorname"]], r[col["Nachname"]]) if p)
        email = r[col["E-Mail"]]
        record = dict.fromkeys(OUTLOOK_HEADER, "") | OUTLOOK_DEFAULTS
        record |= {
            "Anrede": r[col["Anrede"]],
            "Vorname": r[col["Vorname"]],
            "Nachname": r[col["Nachname"]],
            "Firma": r[col["Organisation"]],
            "Straße geschäftlich": r[col["Straße"]],
            "Ort geschäftlich": r[col["Ort"]],
            "Postleitzahl geschäftlich": r[col["PLZ"]],
            "Land/Region geschäftlich": "Deutschland",
            "E-Mail-Adresse": email,
            "E-Mail-Typ": "SMTP" if email else "",
            "E-Mail: Angezeigter Name": f"{person or r[col['Organisation']]} ({email})"
            if email
            else "",
            "Kategorien": "Migration",
            "Sprache": r[col["Sprache"]],
            "Nr.": r[col["Nr."]],
            "Versand": r[col["Versand"]],
        }
        out.append(record)
    return out


def main() -> None:
    header, rows = example_rows()
    write_csv(HERE / "kontakte-excel.csv", header, rows, encoding="cp1252", delimiter=";")
    write_csv(HERE / "kontakte-excel-utf8.csv", header, rows, encoding="utf-8-sig", delimiter=";")
    write_csv(HERE / "kontakte-libreoffice.csv", header, rows, encoding="utf-8", delimiter=",")
    records = outlook_rows(header, rows)
    write_csv(
        HERE / "outlook-export.csv",
        OUTLOOK_HEADER,
        [[rec[h] for h in OUTLOOK_HEADER] for rec in records],
        encoding="cp1252",
        quoting=csv.QUOTE_ALL,
    )
    added = ["Nr.", "Versand", *OUTLOOK_HEADER]
    write_csv(
        HERE / "outlook-export-nr-versand.csv",
        added,
        [[rec[h] for h in added] for rec in records],
        encoding="cp1252",
        quoting=csv.QUOTE_ALL,
    )
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        print("soffice not found: kontakte.ods and kontakte.xls left as they are")
        return
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "kontakte.xlsx"
        shutil.copy(EXAMPLE, source)
        for fmt in ("ods", "xls", "xlsm:Calc MS Excel 2007 VBA XML"):
            subprocess.run(
                [soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless",
                 "--convert-to", fmt, "--outdir", str(HERE), str(source)],
                check=True, capture_output=True, timeout=300,
            )  # fmt: skip


if __name__ == "__main__":
    main()
