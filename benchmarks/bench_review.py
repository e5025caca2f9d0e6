"""How fast the review queue answers: show the queue, settle one item, take in typed decisions.

    python benchmarks/bench_review.py [ITEMS] [INVITEES]

Builds a campaign (default 400 invitees) with ITEMS (default 300) open review items in the
database — half tied to an invitee with an unclear answer, half unmatched — then prints:
the time to load and render the whole queue (`invite prüfen --liste`), the time per decision
through the shared answer path (`review.settle`, what one key press costs apart from the IMAP
move, which is measured by the Dovecot tests' wall time, not here), and the time for
`invite status` to take in a decision typed into every row of „Zu prüfen“.
No mail server is involved; the IMAP move of each decision is owed and counted.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from sendkit import make_campaign  # noqa: E402

from invite.steps import review  # noqa: E402
from invite.steps.status import write_status  # noqa: E402
from invite.store import InboxRecord, add_inbox_message, pending_moves, record_answer  # noqa: E402


def seed(campaign, items: int) -> None:
    with campaign.open_state() as state:
        invitees = campaign.sync(state, "bench")
        for i in range(items):
            inv = invitees[i % len(invitees)]
            tied = i % 2 == 0
            record = InboxRecord(
                content_hash=f"bench-{i}",
                message_id=f"bench-{i}@example.org",
                folder="INBOX",
                uidvalidity=1,
                uid=i + 1,
                sender=inv.email if tied else f"fremd{i}@example.net",
                subject="AW: Einladung",
                kind="unclear" if tied else "unmatched",
                invitee=inv.number if tied else None,
                evidence=f"Absender {inv.email} → Nr. {inv.number} ({inv.display_name})",
                reason="Keine Zu- oder Absage erkannt: „Wir melden uns noch.“",
                received_at="Wed, 16 Jan 2019 11:30:00 +0100",
                attachments="Formular „Anmeldeformular.pdf“: nichts angekreuzt",
            )
            row = add_inbox_message(state, record, "poll")
            if tied:
                record_answer(
                    state, inv.number, "pruefen", source="antwort", command="poll", message=row
                )


def main() -> None:
    items = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    invitees = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    zone = ZoneInfo("Europe/Berlin")
    with tempfile.TemporaryDirectory() as tmp:
        campaign = make_campaign(Path(tmp) / "a", invitees)
        seed(campaign, items)
        start = time.perf_counter()
        lines = review.queue_lines(campaign)
        listed = time.perf_counter() - start
        print(f"{items} offene Nachrichten, {invitees} Eingeladene")
        print(f"  Liste laden und anzeigen (prüfen --liste): {listed:.3f} s ({len(lines)} Zeilen)")

        with campaign.open_state() as state:
            queue = review.load_queue(state, zone)
            tied = [q for q in queue if q.assigned][:100]
            start = time.perf_counter()
            for item in tied:
                choice = review.decide(item, review.Parsed("zusage", 2), lookup=lambda _: None)
                review.settle(campaign, state, item, choice)
            each = (time.perf_counter() - start) / max(len(tied), 1)
            owed = len(pending_moves(state))
        print(
            f"  eine Entscheidung speichern (ohne IMAP): {each * 1000:.1f} ms ({len(tied)} gemessen)"
        )
        print(f"  noch zu verschieben (beim nächsten poll): {owed}")

        other = make_campaign(Path(tmp) / "b", invitees)
        seed(other, items)
        path = write_status(other).path
        from openpyxl import load_workbook

        wb = load_workbook(path)
        ws = wb["Zu prüfen"]
        column = [c.value for c in ws[1]].index("Entscheidung") + 1
        for row in range(2, ws.max_row + 1):
            ws.cell(row, column).value = "keine antwort"
        wb.save(path)
        start = time.perf_counter()
        result = write_status(other)
        took = time.perf_counter() - start
        print(
            f"  invite status übernimmt {len(result.taken_in)} Entscheidungen aus „Zu prüfen“: "
            f"{took:.2f} s"
        )


if __name__ == "__main__":
    main()
