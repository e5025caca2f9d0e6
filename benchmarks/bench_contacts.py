"""Read and check a contact list of N rows (default 10,000) and print the seconds it takes.

    python benchmarks/bench_contacts.py [N] [ROUNDS]

Times what every command does first: read the file (``read_contact_sheet``) and check every
row (``parse_contacts``: headers, numbers, addresses, channels). The list is the realistic
test list (international names, all twelve columns), written as .xlsx by openpyxl like
Excel's own files, and the same rows as a German Excel CSV (cp1252, semicolons).
Target: under 0.5 s for 10,000 rows. The best of ROUNDS (default 5) is printed, with the
median and the CPU time of the process, because the machine may be shared.
"""

from __future__ import annotations

import csv
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from workbooks import HEADERS, example_rows, write_contacts  # noqa: E402

from invite.core.contacts import parse_contacts  # noqa: E402
from invite.workbook.spreadsheet import read_contact_sheet  # noqa: E402


def _time(path: Path, rounds: int) -> tuple[float, float, float, int]:
    times = []
    cpu = []
    count = 0
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        contacts = parse_contacts(read_contact_sheet(path))
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        assert not contacts.errors, contacts.errors[:3]
        count = len(contacts.invitees)
    return min(times), statistics.median(times), min(cpu), count


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with tempfile.TemporaryDirectory() as tmp:
        rows = example_rows(n)
        for row in rows:  # cp1252 cannot hold every test name; the CSV is a German export
            for key, value in row.items():
                if isinstance(value, str):
                    row[key] = value.encode("cp1252", "replace").decode("cp1252")
        xlsx = write_contacts(Path(tmp) / "kontakte.xlsx", rows)
        csv_path = Path(tmp) / "kontakte.csv"
        with csv_path.open("w", encoding="cp1252", newline="") as f:
            writer = csv.writer(f, delimiter=";")
            writer.writerow(HEADERS)
            for row in rows:
                writer.writerow([row.get(h, "") for h in HEADERS])
        for label, path in (("xlsx", xlsx), ("csv (cp1252, ;)", csv_path)):
            best, median, cpu, count = _time(path, rounds)
            print(
                f"{label:>16}: {count} rows read and checked in {best:.3f} s "
                f"(best of {rounds}; median {median:.3f} s; CPU {cpu:.3f} s; target < 0.5 s)"
            )
    if hasattr(os, "getloadavg"):  # not on Windows
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
