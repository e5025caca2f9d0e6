"""Render letter + Anmeldeformular for N synthetic invitees (default 1,000) and print the figures.

    python benchmarks/bench_letters.py [N]

Prints ms per invitee, files per second, invitees per second and peak memory (this process and
its worker processes). Target on the 2-core machine: ≥ 50 invitees per second. A print batch of
all N is drawn afterwards and timed separately.
"""

from __future__ import annotations

import dataclasses
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from invite.campaign import Campaign, Paths
from invite.core.contacts import Invitee
from invite.paper.fonts import register_fonts
from invite.paper.production import Job, print_batch_pdf, run_jobs
from invite.templates import template_context

REPO = Path(__file__).resolve().parent.parent
NAMES = [
    ("Frau", "Dr.", "Ayşe", "Yılmaz"),
    ("Herr", "", "Łukasz", "Wiśniewski"),
    ("Frau", "", "Nguyễn Thị", "Hương"),
    ("Herr", "Dr.", "محمد", "العلي"),
    ("Frau", "", "Ελένη", "Ιωάννου"),
    ("Frau", "", "Ольга", "Иванова"),
    ("", "", "", ""),
]


def invitees(count: int) -> list[Invitee]:
    result = []
    for i in range(1, count + 1):
        salutation, title, first, last = NAMES[i % len(NAMES)]
        result.append(
            Invitee(
                number=str(i),
                salutation=salutation,
                title=title,
                first_name=first,
                last_name=last,
                organisation=f"Verein für Entwicklungszusammenarbeit Nr. {i} e.V.",
                street=f"Musterstraße {i}",
                postcode="48143",
                city="Münster",
                email=f"person{i}@example.org",
                channel="post" if i % 5 == 0 else "email",
                code=f"{i:08d}".translate(str.maketrans("01", "AB")),
            )
        )
    return result


def peak_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def cpu_seconds() -> float:
    """User + system time of this process and its (finished) worker processes."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    cores = len(os.sched_getaffinity(0))
    print(f"Kerne: {cores}, Last vorher: {os.getloadavg()[0]:.1f} (andere Prozesse bremsen mit)")
    data = Path(tempfile.mkdtemp(prefix="bench-letters-"))
    try:
        campaign = Campaign.open(REPO / "invite" / "bundled", REPO / "contacts.xlsx.example", data)
        settings = campaign.settings
        paths = Paths(data)
        register_fonts(settings.letter.font, settings.letter.font_bold)
        people = invitees(count)
        start = time.perf_counter()
        cpu_start = cpu_seconds()
        jobs = [
            Job(
                inv,
                "de",
                campaign.templates.render("letter", "de", template_context(settings, inv)),
                paths.letter(inv),
                paths.form(inv),
            )
            for inv in people
        ]
        planned = time.perf_counter()
        outcomes = run_jobs(settings, jobs)
        elapsed = time.perf_counter() - start
        cpu = cpu_seconds() - cpu_start
        failed = [o for o in outcomes if o.error]
        files = sum(o.letter + o.form for o in outcomes)
        size = sum(p.stat().st_size for p in data.rglob("*.pdf")) / count / 1024
        own, children = peak_mb()
        print(f"Eingeladene:               {count} (Brief + Anmeldeformular)")
        print(
            f"Vorlagen gerendert:        {(planned - start) * 1000 / count:.2f} ms je Eingeladenem"
        )
        print(f"Gesamt:                    {elapsed:.2f} s")
        print(f"ms je Eingeladenem:        {elapsed * 1000 / count:.1f}")
        print(f"Eingeladene pro Sekunde:   {count / elapsed:.1f}  (Ziel ≥ 50)")
        print(f"Dateien pro Sekunde:       {files / elapsed:.1f}")
        print(f"CPU-Zeit je Eingeladenem:  {cpu * 1000 / count:.1f} ms (alle Prozesse)")
        print(
            f"Bei {cores} freien Kernen:     ≈ {count * cores / cpu:.0f} Eingeladene pro Sekunde "
            "(aus der CPU-Zeit)"
        )
        print(f"Größe je Eingeladenem:     {size:.0f} KB (Brief + Formular)")
        print(f"Spitzenspeicher:           {own:.0f} MB Hauptprozess, {children:.0f} MB je Worker")
        print(f"Fehler:                    {len(failed)}")

        postal = [inv for inv in people if inv.wants_post] or people[:1]
        postal = [dataclasses.replace(inv, channel="post") for inv in postal]
        start = time.perf_counter()
        batch = print_batch_pdf(campaign, postal)
        elapsed = time.perf_counter() - start
        print(
            f"Druckstapel:               {len(postal)} Briefe + Formulare in {elapsed:.2f} s "
            f"({elapsed * 1000 / len(postal):.1f} ms je Eingeladenem, "
            f"{len(batch) / 1024 / 1024:.1f} MB)"
        )
        print(f"Spitzenspeicher danach:    {peak_mb()[0]:.0f} MB Hauptprozess")
    finally:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
