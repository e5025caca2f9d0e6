"""Write the RSVP status workbook for N invitees (default 10,000) and print seconds and peak memory.

    python benchmarks/bench_status.py [N] [ROUNDS] [--compare REVISION]

The campaign is realistic for its size: every invitee was sent an e-mail, 60 % answered
(some with names of companions and notes), 5 % were reminded, 2 % bounced, 1 % of the
replies wait for review, and the audit log has about three lines per invitee. Each round runs
the whole step (`write_status`: read and sync the 10,000-row contact list, check the
workbook on disk for staff edits, write all four sheets atomically, store the snapshot) in a
fresh process, so the peak resident memory reported (VmHWM) is that of one run,
interpreter and libraries included. A second figure is the step when staff have edited the
workbook (it is read back cell by cell and kept as a copy first), a third times the workbook
alone (rows from the database, all four sheets written), without reading the contact list.
Then where the time goes: each part of the step timed on its own, and the same rows written
the ways used before (XlsxWriter cell by cell; openpyxl's write-only mode) for comparison.
With ``--compare REVISION`` (e.g. ``--compare 53567c2``, the last commit before the data
rows were written by invite/workbook/sheet_xml.py) the same figures are measured for that
revision too — its code from ``git archive``, its own campaign built by its own bench — with
the rounds of both taking turns, so both see the same load: before and after, side by side.
Target: the whole step under 2 s (it runs after every send, remind, poll and record) and
300 MB. On a shared machine the wall time depends on the load, so the CPU time of the
process and the load average are printed too.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from workbooks import example_rows, write_contacts  # noqa: E402

from invite.campaign import Campaign  # noqa: E402
from invite.store import (  # noqa: E402
    InboxRecord,
    QueueItem,
    add_inbox_message,
    mark_sending,
    mark_sent,
    now,
    queue_deliveries,
    record_answer,
)

SENT = "2019-01-11T08:15:00+00:00"


def build(folder: Path, n: int) -> Campaign:
    """Contacts, synced state, ledger, answers, review items and audit for ``n`` invitees."""
    contacts = write_contacts(folder / "kontakte.xlsx", example_rows(n))
    campaign = Campaign.open(REPO / "invite" / "bundled", contacts, folder / "daten")
    rng = random.Random(7)
    with campaign.open_state() as state:
        campaign.sync(state, "bench")
        state.clock = lambda: SENT
        items, unclear = [], []
        for i in range(1, n + 1):
            items.append(
                QueueItem(
                    str(i), "invitation", 1, f"gast{i}@example.org", f"<invite.invitation.{i}@x>"
                )
            )
            if rng.random() < 0.05:
                items.append(QueueItem(str(i), "reminder", 1, "r@x", f"<invite.reminder.{i}@x>"))
            if rng.random() < 0.01:
                unclear.append(i)
        for row in queue_deliveries(state, items):  # as send and remind leave them
            mark_sending(state, row.id)
            mark_sent(state, row, "send" if row.kind == "invitation" else "remind")
        for i in unclear:  # as poll leaves a reply it could not read for sure
            record = InboxRecord(
                content_hash=f"h{i}",
                message_id=f"r{i}@x",
                folder="INBOX",
                uidvalidity=1,
                uid=i,
                sender=f"gast{i}@example.org",
                subject="Re: Einladung",
                kind="unclear",
                invitee=str(i),
                evidence="",
                reason="Antwort nicht eindeutig",
            )
            add_inbox_message(state, record, "poll")
        state.clock = now
        for i in range(1, n + 1):
            roll = rng.random()
            if roll < 0.02:
                record_answer(state, str(i), "unzustellbar", source="absender", command="poll")
            elif roll < 0.45:
                names = "Anna Schmidt, Ali Yılmaz" if roll < 0.1 else ""
                record_answer(
                    state,
                    str(i),
                    "zusage",
                    source="formular",
                    command="poll",
                    persons=rng.randint(1, 3),
                    participants=names,
                    note="vegetarisch" if roll < 0.05 else "",
                    capacity=campaign.settings.event.capacity,
                )
            elif roll < 0.62:
                record_answer(state, str(i), "absage", source="antwort", command="poll")
    return campaign


def measure(folder: Path, mode: str) -> dict[str, float]:
    """One run in this (fresh) process."""
    from zoneinfo import ZoneInfo

    from invite.core.rsvp import overview, status_rows
    from invite.facts import load_facts
    from invite.steps.status import _audit_lines, load_reviews, write_status
    from invite.workbook.status_workbook import WorkbookContent, write_status_workbook

    campaign = Campaign.open(
        REPO / "invite" / "bundled", folder / "kontakte.xlsx", folder / "daten"
    )
    if mode == "edited":
        shutil.copyfile(folder / "bearbeitet.xlsx", campaign.paths.status_workbook)
    start, cpu = time.perf_counter(), time.process_time()
    if mode in ("step", "edited"):
        write_status(campaign, today=dt.date(2019, 1, 20))
    else:
        zone = ZoneInfo("Europe/Berlin")
        with campaign.open_state() as state:
            rows = status_rows(load_facts(state, zone))
            reviews = load_reviews(state, zone)
            start, cpu = time.perf_counter(), time.process_time()
            write_status_workbook(
                folder / "nur-datei.xlsx",
                WorkbookContent(
                    "Bench",
                    dt.datetime(2019, 1, 20, 9, 0),
                    dt.datetime(2019, 1, 31, 17, 0),
                    rows,
                    overview(
                        rows,
                        capacity=120,
                        deadline=dt.date(2019, 1, 27),
                        today=dt.date(2019, 1, 20),
                        review_items=len(reviews),
                    ),
                    reviews,
                    _audit_lines(state, zone),
                ),
            )
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"seconds": seconds, "cpu": cpu, "peak_mb": peak_rss_mb()}


def parts(folder: Path) -> list[tuple[str, float]]:
    """CPU seconds of each part of the step, measured one after the other in this process."""
    from zoneinfo import ZoneInfo

    from invite.core.rsvp import overview, status_rows
    from invite.facts import load_facts
    from invite.steps.status import _audit_lines, _snapshot, load_reviews
    from invite.workbook.status_workbook import WorkbookContent, read_back, write_status_workbook

    campaign = Campaign.open(
        REPO / "invite" / "bundled", folder / "kontakte.xlsx", folder / "daten"
    )
    zone = ZoneInfo("Europe/Berlin")
    out: list[tuple[str, float]] = []

    def timed(label: str, func):  # noqa: ANN001, ANN202
        cpu = time.process_time()
        value = func()
        out.append((label, time.process_time() - cpu))
        return value

    with campaign.open_state() as state:
        timed("Kontaktliste abgleichen", lambda: campaign.sync(state, "bench"))
        facts = timed("Zustand aus der Datenbank", lambda: load_facts(state, zone))
        rows = timed("Zeilen berechnen", lambda: status_rows(facts))
        reviews = timed("Zu prüfen lesen", lambda: load_reviews(state, zone))
        audit = timed("Verlauf lesen", lambda: list(_audit_lines(state, zone)))
        timed("Schnappschuss", lambda: _snapshot(rows))
    content = WorkbookContent(
        "Bench",
        dt.datetime(2019, 1, 20, 9, 0),
        dt.datetime(2019, 1, 31, 17, 0),
        rows,
        overview(
            rows,
            capacity=120,
            deadline=dt.date(2019, 1, 27),
            today=dt.date(2019, 1, 20),
            review_items=len(reviews),
        ),
        reviews,
        audit,
    )
    target = folder / "teile.xlsx"
    timed(
        "Arbeitsmappe schreiben (XlsxWriter, Datenzeilen mit sheet_xml)",
        lambda: write_status_workbook(target, content),
    )
    timed("Änderungen zurücklesen (calamine)", lambda: read_back(target))
    timed("dasselbe mit openpyxl (vorher)", lambda: _openpyxl_read_back(target))
    timed(
        "dieselben Zeilen mit XlsxWriter Zelle für Zelle (vorher)",
        lambda: _xlsxwriter_per_cell(content),
    )
    timed("Arbeitsmappe mit openpyxl write-only (davor)", lambda: _openpyxl_write(content))
    return out


def _openpyxl_read_back(path: Path) -> int:
    """What the read-back cost before: openpyxl's read-only mode over sheet „Einladungen“."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    rows = sum(1 for _ in wb["Einladungen"].iter_rows(values_only=True))
    wb.close()
    return rows


def _xlsxwriter_per_cell(content) -> None:  # noqa: ANN001
    """The rows of „Einladungen“ and „Verlauf“ through XlsxWriter's write_string/write_number,
    one call per cell with a shared format per kind (the writer until sheet_xml), without
    chart, validations and print setup."""
    import io

    import xlsxwriter

    from invite.workbook.status_workbook import _put as put  # the overview's cell writer

    wb = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True, "strings_to_formulas": False})
    date = wb.add_format({"num_format": "DD.MM.YYYY HH:MM", "valign": "top"})
    status = wb.add_format({"bold": True, "bg_color": "#C6EFCE", "valign": "top"})
    top = wb.add_format({"valign": "top"})

    ws = wb.add_worksheet("Einladungen")
    for i, r in enumerate(content.rows, start=1):
        values = (
            int(r.number),
            r.code,
            r.organisation,
            r.name,
            r.email,
            r.channel,
            r.sent_at,
            r.status,
            r.persons,
            r.participants,
            r.answered_at,
            r.source,
            r.reminded_at,
            r.note,
            r.hint,
        )
        for col, value in enumerate(values):
            fmt = date if col in (6, 10, 12) else status if col == 7 else top
            put(ws, i, col, value, fmt)
    ws = wb.add_worksheet("Verlauf")
    for i, a in enumerate(content.audit, start=1):
        put(ws, i, 0, a.at, date)
        put(ws, i, 1, a.command)
        put(ws, i, 2, a.action)
        put(ws, i, 3, int(a.number) if a.number and a.number.isdigit() else a.number, top)
        put(ws, i, 4, a.detail)
    wb.close()


def _openpyxl_write(content) -> None:  # noqa: ANN001
    """The same cells written with openpyxl's write-only mode and a cached style per
    combination (the writer before XlsxWriter), without chart and print setup."""
    import io

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook(write_only=True)
    fills = {s: PatternFill("solid", fgColor="C6EFCE") for s in ("x",)}
    top = Alignment(vertical="top")
    ws = wb.create_sheet("Einladungen")
    for r in content.rows:
        status = WriteOnlyCell(ws, r.status)
        status.fill, status.font = fills["x"], Font(bold=True)
        sent = WriteOnlyCell(ws, r.sent_at)
        sent.number_format, sent.alignment = "DD.MM.YYYY HH:MM", top
        ws.append(
            [
                int(r.number),
                r.code,
                r.organisation,
                r.name,
                r.email,
                r.channel,
                sent,
                status,
                r.persons,
                r.participants,
                r.answered_at,
                r.source,
                r.reminded_at,
                r.note,
                r.hint,
            ]
        )
    ws = wb.create_sheet("Verlauf")
    for a in content.audit:
        at = WriteOnlyCell(ws, a.at)
        at.number_format = "DD.MM.YYYY HH:MM"
        ws.append([at, a.command, a.action, int(a.number) if a.number else None, a.detail])
    wb.save(io.BytesIO())


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, because ru_maxrss on Linux also counts what
    the forking parent held before exec (here: the 10,000-invitee setup)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


MODES = (
    ("step", "invite status (ganzer Schritt)"),
    ("edited", "invite status nach Änderungen von Hand (zurücklesen, Kopie)"),
    ("file", "nur Arbeitsmappe (ohne Kontaktliste)"),
)

# Builds the campaign with the bench of another checkout (its own code and database schema).
_BUILD_ELSEWHERE = """
import subprocess, sys
from pathlib import Path
repo, folder, n = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
sys.path.insert(0, str(repo / "benchmarks"))
sys.argv = sys.argv[:1]
import bench_status
folder.mkdir()
bench_status.build(folder, n)
script = str(repo / "benchmarks" / "bench_status.py")
subprocess.run([sys.executable, script, "--child", str(folder), "step"], check=True, capture_output=True)
bench_status._edit_copy(folder)
"""


def main() -> None:
    args = sys.argv[1:]
    if args and args[0] == "--child":
        if args[2] == "parts":
            print(json.dumps(parts(Path(args[1]))))
        else:
            print(json.dumps(measure(Path(args[1]), args[2])))
        return
    compare = None
    if "--compare" in args:
        at = args.index("--compare")
        compare = args[at + 1]
        del args[at : at + 2]
    n = int(args[0]) if args else 10_000
    rounds = int(args[1]) if len(args) > 1 else 3
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "jetzt"
        folder.mkdir()
        began = time.perf_counter()
        build(folder, n)
        print(f"Aufbau: {n} Eingeladene in {time.perf_counter() - began:.1f} s")
        child = [sys.executable, __file__, "--child", str(folder)]
        subprocess.run([*child, "step"], capture_output=True, check=True, env=_env(REPO))
        _edit_copy(folder)
        sides = [("jetzt", REPO, folder)]
        if compare:
            sides.append((f"vorher ({compare})", *_checkout(compare, Path(tmp), n)))
        for mode, label in MODES:
            results: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in sides}
            for _ in range(rounds):
                for name, repo, data in sides:  # taking turns: both see the same load
                    results[name].append(_child(repo, data, mode))
            for name, _, _ in sides:
                prefix = f"{label}, {name}" if compare else label
                print(_figures(prefix, results[name]))
        load = os.getloadavg()[0]
        print(f"Systemlast während der Messung: {load:.1f} (auf {os.cpu_count()} Kernen)")
        size = (folder / "daten" / "rsvp-status.xlsx").stat().st_size
        print(f"Dateigröße: {size / 1e6:.1f} MB; Ziel: ganzer Schritt < 2 s und < 300 MB")
        print("Wohin die Zeit geht (CPU-Sekunden, ein Lauf):")
        split = json.loads(
            subprocess.run(
                [*child, "parts"], capture_output=True, text=True, check=True, env=_env(REPO)
            ).stdout
        )
        for label, seconds in split:
            print(f"  {label}: {seconds:.2f} s")


def _env(repo: Path) -> dict[str, str]:
    """A child imports ``invite`` from ``repo`` (not from wherever it is installed)."""
    return {**os.environ, "PYTHONPATH": str(repo)}


def _child(repo: Path, data: Path, mode: str) -> dict[str, float]:
    script = repo / "benchmarks" / "bench_status.py"
    done = subprocess.run(
        [sys.executable, str(script), "--child", str(data), mode],
        capture_output=True,
        text=True,
        check=True,
        env=_env(repo),
    )
    return json.loads(done.stdout)


def _checkout(revision: str, tmp: Path, n: int) -> tuple[Path, Path]:
    """The repository at ``revision`` (git archive) and its own campaign of ``n`` invitees."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", revision],
        capture_output=True,
        check=True,
    ).stdout
    repo = tmp / "vorher"
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(repo, filter="data")
    data = tmp / "vorher-daten"
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", _BUILD_ELSEWHERE, str(repo), str(data), str(n)],
        check=True,
        cwd=repo,  # "-c" puts the working folder first on sys.path: its invite, not ours
        env=_env(repo),
    )
    print(f"Aufbau mit {revision}: {time.perf_counter() - began:.1f} s")
    return repo, data


def _figures(label: str, results: list[dict[str, float]]) -> str:
    seconds = [r["seconds"] for r in results]
    cpu = [r["cpu"] for r in results]
    peak = max(r["peak_mb"] for r in results)
    return (
        f"{label}: Median {statistics.median(seconds):.2f} s "
        f"(min {min(seconds):.2f}, max {max(seconds):.2f}, {len(results)} Läufe; "
        f"CPU-Zeit Median {statistics.median(cpu):.2f} s), Spitze {peak:.0f} MB"
    )


def _edit_copy(folder: Path) -> None:
    """The workbook as staff leave it: one Bemerkung typed in Excel (here: openpyxl)."""
    from openpyxl import load_workbook

    wb = load_workbook(folder / "daten" / "rsvp-status.xlsx")
    wb["Einladungen"]["N2"] = "ruft zurück"
    wb.save(folder / "bearbeitet.xlsx")


if __name__ == "__main__":
    main()
