"""Send N invitations (default 1,000) with `invite send` and with mailmerge 2.x to the same
minimal SMTP sink, interleaved over several rounds, and print messages per second.

    python benchmarks/bench_send.py [N] [ROUNDS]

Each message carries the invitee's letter and form, the shared programme and a calendar entry.
Letters are rendered once before any timing. mailmerge's figure is its core loop (render the
template + send, called through its API, no printing) with the same files attached. Ours is
printed twice: the same scope (from the confirmation on: render, compose, send, keep the
ledger) and the whole step (`run_send`, which also reads the contact list and checks that
every letter is current). The sink runs in its own process, speaks just enough SMTP and discards the
data, so it never is the bottleneck (aiosmtpd would be). Target: median ratio ≥ 3.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import shutil
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from sendkit import copy_campaign  # noqa: E402
from workbooks import example_rows, write_contacts  # noqa: E402

from invite.campaign import Campaign  # noqa: E402
from invite.mail.outgoing import calendar_attachment, calendar_entries  # noqa: E402
from invite.paper.production import ensure_rendered  # noqa: E402
from invite.steps.send import SendOptions, run_send  # noqa: E402
from invite.store import DB_FILE, SQLITE_SIDE_FILES  # noqa: E402
from invite.templates import template_context  # noqa: E402

PRISTINE = "invite-vorbereitet.sqlite"

# -- the sink ------------------------------------------------------------------------------


class _Sink(asyncio.Protocol):
    """Just enough SMTP: every command gets 250, DATA is read up to the final dot, discarded."""

    def __init__(self, counter: multiprocessing.sharedctypes.Synchronized) -> None:  # type: ignore[name-defined]
        self.counter = counter
        self.buffer = b""
        self.in_data = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(b"220 sink ESMTP\r\n")

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            if self.in_data:
                end = self.buffer.find(b"\r\n.\r\n")
                if end < 0:
                    self.buffer = self.buffer[-4:]  # keep a possible partial terminator
                    return
                self.buffer = self.buffer[end + 5 :]
                self.in_data = False
                with self.counter.get_lock():
                    self.counter.value += 1
                self.transport.write(b"250 2.0.0 discarded\r\n")
                continue
            line, sep, rest = self.buffer.partition(b"\r\n")
            if not sep:
                return
            self.buffer = rest
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.transport.write(b"250-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 0\r\n")
            elif verb == b"DATA":
                self.in_data = True
                self.transport.write(b"354 go ahead\r\n")
            elif verb == b"QUIT":
                self.transport.write(b"221 bye\r\n")
                self.transport.close()
                return
            else:
                self.transport.write(b"250 OK\r\n")


def _serve(port: int, counter: object, ready: object) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: _Sink(counter), "127.0.0.1", port)  # type: ignore[arg-type]
        ready.set()  # type: ignore[attr-defined]
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def start_sink() -> tuple[int, multiprocessing.Process, object]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    counter = multiprocessing.Value("i", 0)
    ready = multiprocessing.Event()
    proc = multiprocessing.Process(target=_serve, args=(port, counter, ready), daemon=True)
    proc.start()
    if not ready.wait(10):
        raise RuntimeError("sink did not start")
    return port, proc, counter


# -- the two contenders --------------------------------------------------------------------


def prepare(workdir: Path, count: int, port: int) -> Campaign:
    os.environ.update(
        INVITE_SMTP_HOST="127.0.0.1",
        INVITE_SMTP_PORT=str(port),
        INVITE_SMTP_SECURITY="none",
        INVITE_SMTP_USER="",
    )
    campaign_dir = copy_campaign(workdir / "kampagne")
    contacts = write_contacts(workdir / "kontakte.xlsx", example_rows(count))
    campaign = Campaign.open(campaign_dir, contacts, workdir / "daten")
    with campaign.open_state() as state:
        invitees = campaign.sync(state, "bench")
        ensure_rendered(campaign, state, invitees)
    # closed: the write-ahead log is folded in, the file alone is the whole state
    shutil.copy2(campaign.paths.data / DB_FILE, workdir / PRISTINE)
    return campaign


def reset_ledger(campaign: Campaign) -> None:
    """Back to the database as prepared (nothing sent): the next round sends everything."""
    data = campaign.paths.data
    for end in SQLITE_SIDE_FILES:
        (data / f"{DB_FILE}{end}").unlink(missing_ok=True)
    shutil.copy2(data.parent / PRISTINE, data / DB_FILE)


def run_invite(campaign: Campaign) -> tuple[int, float, float]:
    """(messages, seconds for the whole step, seconds from the confirmation on: compose,
    send and ledger — the same scope as mailmerge's loop)."""
    marks: list[float] = []
    start = time.perf_counter()
    result = run_send(
        campaign, SendOptions(), confirm=lambda plan: marks.append(time.perf_counter()) or True
    )
    end = time.perf_counter()
    assert not result.delivery.failed and not result.delivery.stopped, result.delivery
    return len(result.delivery.sent), end - start, end - marks[0]


def prepare_mailmerge(campaign: Campaign, workdir: Path, port: int) -> tuple[object, object, list]:
    """Same recipients, subjects, bodies and attachment files for mailmerge (made untimed)."""
    import datetime as dt

    from mailmerge.sendmail_client import SendmailClient
    from mailmerge.template_message import TemplateMessage

    settings = campaign.settings
    files = workdir / "mailmerge"
    files.mkdir()
    (files / "server.conf").write_text(f"[smtp_server]\nhost = 127.0.0.1\nport = {port}\n")
    (files / "template.txt").write_text(
        "TO: {{name}} <{{email}}>\n"
        f"FROM: {settings.mail.from_name} <{settings.mail.from_address}>\n"
        f"REPLY-TO: {settings.mail.reply_to}\n"
        "SUBJECT: {{subject}}\n"
        "ATTACHMENT: {{letter}}\nATTACHMENT: {{programme}}\nATTACHMENT: {{form}}\n"
        "ATTACHMENT: {{ics}}\n\n{{body}}\n",
        encoding="utf-8",
    )
    rows = []
    entries = calendar_entries(campaign, dt.datetime.now(dt.UTC))
    with campaign.open_state() as state:
        for inv in state.invitees():
            mail = campaign.templates.render_mail(
                "email", inv.language, template_context(settings, inv)
            )
            ics = files / f"{inv.number}.ics"
            ics.write_bytes(calendar_attachment(campaign, inv, entries).data)
            rows.append(
                {
                    "name": inv.display_name,
                    "email": inv.email,
                    "subject": mail.subject,
                    "body": mail.body,
                    "letter": str(campaign.paths.letter(inv)),
                    "programme": str(campaign.paths.programme),
                    "form": str(campaign.paths.form(inv)),
                    "ics": str(ics),
                }
            )
    template = TemplateMessage(files / "template.txt")
    client = SendmailClient(files / "server.conf", dry_run=False)
    return template, client, rows


def run_mailmerge(template: object, client: object, rows: list) -> int:
    for row in rows:
        sender, recipients, message = template.render(row)  # type: ignore[attr-defined]
        client.sendmail(sender, recipients, message)  # type: ignore[attr-defined]
    return len(rows)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    port, sink, counter = start_sink()
    with tempfile.TemporaryDirectory(prefix="bench-send-") as tmp:
        workdir = Path(tmp)
        started = time.perf_counter()
        campaign = prepare(workdir, count, port)
        template, client, rows = prepare_mailmerge(campaign, workdir, port)
        print(f"{count} invitations, letters rendered in {time.perf_counter() - started:.1f} s")
        steps, ours, theirs = [], [], []
        for round_ in range(1, rounds + 1):
            reset_ledger(campaign)
            before = counter.value  # type: ignore[attr-defined]
            sent, step_seconds, send_seconds = run_invite(campaign)
            steps.append(sent / step_seconds)
            ours.append(sent / send_seconds)
            t0 = time.perf_counter()
            merged = run_mailmerge(template, client, rows)
            theirs.append(merged / (time.perf_counter() - t0))
            received = counter.value - before  # type: ignore[attr-defined]
            assert received == sent + merged, (received, sent, merged)
            print(
                f"round {round_}: invite sending {ours[-1]:6.1f} msg/s (whole step "
                f"{steps[-1]:6.1f})   mailmerge {theirs[-1]:5.1f} msg/s   ratio "
                f"{ours[-1] / theirs[-1]:4.1f} (whole step {steps[-1] / theirs[-1]:4.1f})"
            )
        ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
        step_ratios = [a / b for a, b in zip(steps, theirs, strict=True)]
        size = sum(p.stat().st_size for p in (campaign.paths.letters).iterdir()) / count
        print(f"average letter size {size / 1024:.0f} KB; sink received {counter.value} messages")  # type: ignore[attr-defined]
        print(
            f"median: invite sending {statistics.median(ours):.1f} msg/s (whole step "
            f"{statistics.median(steps):.1f}), mailmerge {statistics.median(theirs):.1f} msg/s"
        )
        print(
            f"median ratio {statistics.median(ratios):.2f} (whole step incl. reading the "
            f"contact list and checking the letters: {statistics.median(step_ratios):.2f}); "
            "target ≥ 3"
        )
    sink.terminate()


if __name__ == "__main__":
    main()
