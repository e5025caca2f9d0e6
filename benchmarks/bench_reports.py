"""Server reports: how many layouts are read and tied correctly, and how fast.

    python benchmarks/bench_reports.py [ROUNDS]

For every bounce layout of tests/corpus_reports.py (Postfix, Exim, qmail, Sendmail, Exchange,
Microsoft 365, Gmail, GMX/Web.de/1&1, T-Online) and three recipient domains (one with a
hyphen), a real report (our Message-ID returned) and a forged one (without it), plus every
delay layout, runs ``reports.detect_bounce`` + ``matching.tie_report`` and prints: real
reports tied (target: all), forged reports tied (must be 0), delays counted as bounces (must
be 0), what flufl.bounce alone found, and reports per second.
"""

from __future__ import annotations

import sys
import time
from email import message_from_bytes
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from corpus_reports import BOUNCES, DELAYS, Original  # noqa: E402
from flufl.bounce import all_failures  # noqa: E402

from invite.core.matching import Directory, tie_report  # noqa: E402
from invite.core.reports import detect_bounce  # noqa: E402
from invite.mail.mailparse import parse_mail  # noqa: E402

OURS = "vernetzung@stadt-muenster.de"
MID = "<invite.invitation.0badc0ffee@stadt-muenster.de>"
DOMAINS = ("example.org", "t-online.de", "stadt-werke-muenster.de")


def directory(address: str) -> Directory:
    bare = MID.strip("<>")
    return Directory(by_message_id={bare: "7"}, by_email={address: ("7",)}, sent_to={bare: address})


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    cases = []
    for layout, build in BOUNCES.items():
        for domain in DOMAINS:
            address = f"hans.meier@{domain}"
            cases.append(("real", layout, address, build(Original(OURS, address, MID), "r")))
            cases.append(("forged", layout, address, build(Original(OURS, address, None), "f")))
    for layout, build in DELAYS.items():
        address = "hans.meier@t-online.de"
        cases.append(("delay", layout, address, build(Original(OURS, address, MID), "d")))
    tied = {"real": 0, "forged": 0}
    delays_as_bounce = 0
    flufl_found = 0
    missed: list[str] = []
    start = time.perf_counter()
    for _ in range(rounds):
        for kind, layout, address, raw in cases:
            bounce = detect_bounce(parse_mail(raw))
            if kind == "delay":
                delays_as_bounce += bool(bounce is not None and not bounce.delayed)
                continue
            if bounce is not None and not bounce.delayed:
                if tie_report(bounce, directory(address)).invitee == "7":
                    tied[kind] += 1
                elif kind == "real":
                    missed.append(f"{layout}/{address}")
            elif kind == "real":
                missed.append(f"{layout}/{address}")
    seconds = time.perf_counter() - start
    for kind, _layout, address, raw in cases:
        if kind == "real":
            _temp, permanent = all_failures(message_from_bytes(raw))
            flufl_found += address.encode() in permanent
    real = sum(1 for c in cases if c[0] == "real")
    forged = sum(1 for c in cases if c[0] == "forged")
    delays = sum(1 for c in cases if c[0] == "delay")
    print(f"layouts: {len(BOUNCES)} bounce, {len(DELAYS)} delay; domains: {', '.join(DOMAINS)}")
    print(f"real reports tied to the invitee:     {tied['real'] // rounds} / {real}")
    print(f"forged reports tied (must be 0):      {tied['forged'] // rounds} / {forged}")
    print(f"delays counted as bounces (must be 0): {delays_as_bounce // rounds} / {delays}")
    print(f"flufl.bounce alone found the address: {flufl_found} / {real}")
    print(f"reports per second: {len(cases) * rounds / seconds:.0f}")
    if missed:
        print("missed:", ", ".join(sorted(set(missed))))


if __name__ == "__main__":
    main()
