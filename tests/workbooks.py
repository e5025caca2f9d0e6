"""Contact workbooks for tests, written with openpyxl exactly as staff's Excel files look.

``write_contacts(path, rows)`` writes the standard header and one row per dict (missing keys
stay empty); ``example_rows(n)`` makes n plausible invitees with international names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook

HEADERS = [
    "Nr.",
    "Anrede",
    "Titel",
    "Vorname",
    "Nachname",
    "Organisation",
    "Straße",
    "PLZ",
    "Ort",
    "E-Mail",
    "Versand",
    "Sprache",
]

_PEOPLE = [
    ("Frau", "", "Ayşe", "Yılmaz", "Türkischer Elternverein Münster e.V."),
    ("Herr", "Dr.", "Jürgen", "Müller", "Eine-Welt-Forum Münster"),
    ("Frau", "", "Małgorzata", "Wiśniewska", "Polnische Katholische Mission"),
    ("Herr", "", "Nguyễn Văn", "Minh", "Vietnamesischer Kulturverein"),
    ("Frau", "Prof. Dr.", "Eleni", "Papadopoulou", "Griechische Gemeinde Münster"),
    ("Herr", "", "Дмитрий", "Иванов", "Russischsprachiger Bildungsverein"),
    ("divers", "", "Sam", "O'Brien, Jr.", 'Verein "Brücken bauen"'),
    ("", "", "", "", "Afrika-Kooperative Westfalen"),
]


def example_rows(n: int, *, channel: str = "email", domain: str = "example.org") -> list[dict]:
    """``n`` invitees numbered 1..n, all with distinct addresses at ``domain``."""
    rows = []
    for i in range(1, n + 1):
        salutation, title, first, last, org = _PEOPLE[(i - 1) % len(_PEOPLE)]
        rows.append(
            {
                "Nr.": i,
                "Anrede": salutation,
                "Titel": title,
                "Vorname": first,
                "Nachname": last,
                "Organisation": org,
                "Straße": f"Prinzipalmarkt {i}",
                "PLZ": "48143",
                "Ort": "Münster",
                "E-Mail": f"gast{i}@{domain}",
                "Versand": channel,
                "Sprache": "de",
            }
        )
    return rows


def write_contacts(path: Path, rows: list[dict[str, Any]]) -> Path:
    """Write a contact workbook with the standard German header."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Kontakte"
    ws.append(HEADERS)
    for row in rows:
        ws.append([row.get(h, "") for h in HEADERS])
    wb.save(path)
    return path
