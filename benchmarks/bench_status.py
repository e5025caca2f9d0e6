"""Write the RSVP status workbook for N invitees (default 10,000) and print seconds and peak memory.

    python benchmarks/bench_status.py [N] [ROUNDS]

The campaign is realistic for its size: every invitee was sent an e-mail, 60 % answered
(some with names of companions and notes), 5 % were reminded, 2 % bounced, 1 % of the
replies wait for review, and the audit log has about three lines per invitee. Each round runs
the whole step (`write_status`: read and sync the 10,000-row contact list, check the
workbook on disk for staff edits, write all four sheets atomically, store the snapshot) in a
fresh process, so the peak resident memory reported (VmHWM) is that of one run,
interpreter and libraries included. A second figure times the workbook alone (rows from the
database, all four sheets written), without reading the contact list.
Target: under 5 s and 300 MB. On a shared machine the wall time depends on the load, so
the CPU time of the process and the load average are printed too.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from workbooks import example_rows, write_contacts  # noqa: E402

from invite.campaign import Campaign  # noqa: E402
from invite.state import record_answer  # noqa: E402

SENT = "2019-01-11T08:15:00+00:00"


def build(folder: Path, n: int) -> Campaign:
    """Contacts, synced state, ledger, answers, review items and audit for ``n`` invitees."""
    contacts = write_contacts(folder / "kontakte.xlsx", example_rows(n))
    campaign = Campaign.open(REPO / "letters", contacts, folder / "daten")
    rng = random.Random(7)
    with campaign.open_state() as state:
        campaign.sync(state, "bench")
        with state.transaction() as conn:
            for i in range(1, n + 1):
                conn.execute(
                    "INSERT INTO deliveries (invitee, kind, round, state, message_id, recipient, "
                    "created_at, updated_at, sent_at) VALUES (?, 'invitation', 1, 'sent', ?, ?, "
                    "?, ?, ?)",
                    (
                        str(i),
                        f"<invite.invitation.{i}@x>",
                        f"gast{i}@example.org",
                        SENT,
                        SENT,
                        SENT,
                    ),
                )
                conn.execute(
                    "INSERT INTO audit (at, command, action, invitee, detail) VALUES "
                    "(?, 'send', 'Einladung gesendet', ?, ?)",
                    (SENT, str(i), f"an gast{i}@example.org"),
                )
                if rng.random() < 0.05:
                    conn.execute(
                        "INSERT INTO deliveries (invitee, kind, round, state, message_id, "
                        "recipient, created_at, updated_at, sent_at) VALUES (?, 'reminder', 1, "
                        "'sent', ?, ?, ?, ?, ?)",
                        (str(i), f"<invite.reminder.{i}@x>", "r@x", SENT, SENT, SENT),
                    )
                if rng.random() < 0.01:
                    conn.execute(
                        "INSERT INTO inbox_messages (content_hash, folder, sender, subject, kind, "
                        "invitee, reason, processed_at) VALUES (?, 'INBOX', ?, ?, 'unclear', ?, "
                        "'Antwort nicht eindeutig', ?)",
                        (f"h{i}", f"gast{i}@example.org", "Re: Einladung", str(i), SENT),
                    )
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

    from invite.rsvp import overview, status_rows
    from invite.status import _audit_lines, load_facts, load_reviews, write_status
    from invite.status_workbook import WorkbookContent, write_status_workbook

    campaign = Campaign.open(REPO / "letters", folder / "kontakte.xlsx", folder / "daten")
    start, cpu = time.perf_counter(), time.process_time()
    if mode == "step":
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


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(measure(Path(sys.argv[2]), sys.argv[3])))
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        began = time.perf_counter()
        build(folder, n)
        print(f"Aufbau: {n} Eingeladene in {time.perf_counter() - began:.1f} s")
        for mode, label in (
            ("step", "invite status (ganzer Schritt)"),
            ("file", "nur Arbeitsmappe (ohne Kontaktliste)"),
        ):
            results = [
                json.loads(
                    subprocess.run(
                        [sys.executable, __file__, "--child", str(folder), mode],
                        capture_output=True,
                        text=True,
                        check=True,
                    ).stdout
                )
                for _ in range(rounds)
            ]
            seconds = [r["seconds"] for r in results]
            cpu = [r["cpu"] for r in results]
            peak = max(r["peak_mb"] for r in results)
            print(
                f"{label}: Median {statistics.median(seconds):.2f} s "
                f"(min {min(seconds):.2f}, max {max(seconds):.2f}, {rounds} Läufe; "
                f"CPU-Zeit Median {statistics.median(cpu):.2f} s), Spitze {peak:.0f} MB"
            )
        load = os.getloadavg()[0]
        print(f"Systemlast während der Messung: {load:.1f} (auf {os.cpu_count()} Kernen)")
        size = (folder / "daten" / "rsvp-status.xlsx").stat().st_size
        print(f"Dateigröße: {size / 1e6:.1f} MB; Ziel: < 5 s und < 300 MB")


if __name__ == "__main__":
    main()
