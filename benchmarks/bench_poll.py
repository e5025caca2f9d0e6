"""`invite poll` against a private Dovecot: an inbox of N text replies (default 10,000).

    python benchmarks/bench_poll.py [N] [--hostile]

Prints the first poll's messages per second (target ≥ 100/s on the 2-core machine), the time
of a second poll with 10 new messages (target < 1 s, whatever the inbox size) and of a poll
with nothing new. With ``--hostile`` it also times every hostile message of the test corpus
on its own (parse, attachments, matching) and prints the slowest and the peak memory.
"""

from __future__ import annotations

import imaplib
import os
import random
import resource
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from corpus import Corpus, build_corpus  # noqa: E402
from mailservers import DovecotServer, make_test_ca  # noqa: E402
from sendkit import copy_campaign  # noqa: E402
from workbooks import example_rows, write_contacts  # noqa: E402

from invite.campaign import Campaign  # noqa: E402
from invite.mail.mailparse import parse_mail  # noqa: E402
from invite.steps.poll import assess, directory_of, poll  # noqa: E402

INVITEES = 400
TEXTS = [
    "Wir kommen gerne zu zweit.",
    "Leider können wir nicht teilnehmen.",
    "Ich nehme gerne teil.",
    "Vielen Dank, ich bin dabei!",
    "Unfortunately I cannot attend.",
    "I would be happy to attend.",
    "Vielleicht komme ich, ich melde mich noch.",
    "Wir nehmen mit 3 Personen teil.",
]


def replies(corpus: Corpus, count: int, prefix: str) -> list[bytes]:
    """Realistic text replies: quoted invitation, one-click answers, English, unsure ones."""
    rng = random.Random(count)
    out = []
    for i in range(count):
        nr = str(rng.randint(1, INVITEES))
        name = f"{prefix}{i}"
        if i % 5 == 0:
            out.append(corpus.one_click(name, nr, yes=bool(i % 2)))
        else:
            out.append(
                corpus.reply(
                    name, nr, rng.choice(TEXTS), quote=rng.choice(["top", "bottom", "outlook"])
                )
            )
    return out


def append_all(server: DovecotServer, address: str, messages: list[bytes]) -> None:
    ctx = ssl.create_default_context(cafile=str(server.cafile))
    with imaplib.IMAP4_SSL(server.host, server.ssl_port, ssl_context=ctx) as imap:
        imap.login(address, server.password)
        for raw in messages:
            imap.append("INBOX", None, None, raw)


def environment(server: DovecotServer, address: str) -> None:
    os.environ.update(
        {
            "INVITE_IMAP_HOST": server.host,
            "INVITE_IMAP_PORT": str(server.ssl_port),
            "INVITE_IMAP_SECURITY": "ssl",
            "INVITE_IMAP_USER": address,
            "INVITE_IMAP_PASSWORD": server.password,
            "INVITE_IMAP_CAFILE": str(server.cafile),
        }
    )


def hostile_figures(work: Path) -> None:
    """Build the hostile corpus here, then time it in a fresh process so that its memory
    figure is the poll's own, not the corpus generator's."""
    rows = example_rows(42)
    campaign_dir = copy_campaign(work / "hostile-kampagne")
    contacts = write_contacts(work / "hostile.xlsx", rows)
    data = work / "hostile-daten"
    campaign = Campaign.open(campaign_dir, contacts, data)
    with campaign.open_state() as state:
        cases = [c for c in build_corpus(campaign, state) if c.group == "hostile"]
    folder = work / "hostile"
    folder.mkdir()
    for case in cases:
        (folder / f"{case.name}.eml").write_bytes(case.raw)
    del cases
    subprocess.run(
        [
            sys.executable,
            __file__,
            "--assess",
            str(folder),
            str(campaign_dir),
            str(contacts),
            str(data),
        ],
        check=True,
    )


def peak_memory_mb() -> float:
    """VmHWM of this process (ru_maxrss would include the parent's peak from before exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def assess_files(folder: Path, campaign_dir: Path, contacts: Path, data: Path) -> None:
    campaign = Campaign.open(campaign_dir, contacts, data)
    with campaign.open_state() as state:
        directory = directory_of(state, campaign)
    timings = []
    for path in sorted(folder.iterdir()):
        raw = path.read_bytes()
        start = time.perf_counter()
        assess(parse_mail(raw), directory)
        timings.append((time.perf_counter() - start, path.stem, len(raw)))
        del raw
    timings.sort(reverse=True)
    own = peak_memory_mb()
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"hostile messages: {len(timings)}, total {sum(t for t, _, _ in timings):.1f} s")
    for seconds, name, size in timings[:5]:
        print(f"  slowest: {name:28} {seconds * 1000:8.0f} ms  ({size / 1024 / 1024:.1f} MB)")
    print(f"  median: {timings[len(timings) // 2][0] * 1000:.0f} ms per message")
    print(f"  peak memory: poll process {own:.0f} MB, largest attachment reader {children:.0f} MB")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    count = int(args[0]) if args else 10_000
    work = Path(tempfile.mkdtemp(prefix="bench-poll-"))
    server = DovecotServer(certs=make_test_ca(work / "certs"))
    server.start()
    try:
        address = server.new_mailbox()
        environment(server, address)
        campaign_dir = copy_campaign(work / "kampagne")
        contacts = write_contacts(work / "kontakte.xlsx", example_rows(INVITEES))
        campaign = Campaign.open(campaign_dir, contacts, work / "daten")
        start = time.perf_counter()
        with campaign.open_state() as state:
            corpus = Corpus(campaign, state)
        print(
            f"{INVITEES} invitations rendered and recorded as sent in {time.perf_counter() - start:.1f} s"
        )
        first_batch = replies(corpus, count, "r")
        start = time.perf_counter()
        append_all(server, address, first_batch)
        size = sum(len(m) for m in first_batch) / 1024 / 1024
        print(f"{count} replies ({size:.0f} MB) appended in {time.perf_counter() - start:.1f} s")

        start = time.perf_counter()
        first = poll(campaign)
        seconds = time.perf_counter() - start
        print(f"first poll: {first.new} messages in {seconds:.1f} s = {first.new / seconds:.0f} messages/s "
              f"(answers {first.answers}, unclear {first.unclear}, unmatched {first.unmatched})")  # fmt: skip

        append_all(server, address, replies(corpus, 10, "n"))
        start = time.perf_counter()
        second = poll(campaign)
        print(f"second poll: {second.new} new messages in {time.perf_counter() - start:.3f} s")

        start = time.perf_counter()
        third = poll(campaign)
        print(f"poll with nothing new: {third.new} messages in {time.perf_counter() - start:.3f} s")
        if "--hostile" in sys.argv:
            hostile_figures(work)
    finally:
        server.cleanup()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--assess"]:
        assess_files(*(Path(a) for a in sys.argv[2:6]))
    else:
        main()
