"""`invite remind` for invitees reached by post: one print batch of reminder letters per round.

The email side runs against the real SMTP server; the letters are read back with pypdf and the
status workbook with openpyxl.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

import pytest
from clirun import run_invite
from mailservers import SmtpServer, TestCerts
from openpyxl import load_workbook
from pypdf import PdfReader
from sendkit import make_campaign, smtp_env
from workbooks import example_rows

from invite.campaign import Campaign
from invite.core.codes import format_code
from invite.paper.production import make_print_batch
from invite.steps.remind import RemindOptions, run_remind
from invite.steps.send import SendOptions, run_send
from invite.steps.status import write_status
from invite.store import (
    Store,
    all_invitees,
    deliveries,
    lookup_invitee,
    print_batches,
    record_answer,
)

TODAY = dt.date(2019, 1, 20)  # before the deadline (27.1.2019); the reminder letters' date
RETURN_LINE = "Stadt Münster · 48127 Münster"  # opens every letter of a batch


def remind(campaign: Campaign, **options: object):
    return run_remind(
        campaign,
        RemindOptions(**options),  # type: ignore[arg-type]
        today=TODAY,
        retry_delays=(0.05, 0.1),
    )


def answer(campaign: Campaign, number: str, what: str) -> None:
    with Store.open(campaign.paths.data) as state:
        record_answer(state, number, what, source="manuell", command="test")


def reminder_batches(campaign: Campaign) -> list[tuple[str, list[str]]]:
    """(file, Nr. of its invitees) per recorded reminder print batch, oldest first."""
    with Store.open(campaign.paths.data) as state:
        return [(b.file, sorted(b.invitees)) for b in print_batches(state, "reminder")]


def text_of(page) -> str:
    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", page.extract_text()))


@pytest.fixture
def mixed(
    tmp_path: Path, smtp_server: SmtpServer, test_certs: TestCerts, monkeypatch: pytest.MonkeyPatch
) -> Campaign:
    """1–2 by email, 3–5 by post, 6 both; 7 by post but no letter printed yet. The emails are
    sent and the invitation letters of 3–6 are in a print batch."""
    smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    rows = example_rows(7)
    for row in rows[2:5] + rows[6:]:
        row["Versand"] = "Post"
    rows[5]["Versand"] = "beides"
    campaign = make_campaign(tmp_path, rows)
    assert sorted(i.number for i in run_send(campaign, SendOptions()).delivery.sent) == [
        "1",
        "2",
        "6",
    ]
    with Store.open(campaign.paths.data) as state:
        printed = [inv for inv in all_invitees(state) if inv.wants_post and inv.number != "7"]
        make_print_batch(campaign, state, printed)
    smtp_server.clear()
    return campaign


def test_open_postal_invitees_get_exactly_one_reminder_letter(
    mixed: Campaign, smtp_server: SmtpServer
) -> None:
    answer(mixed, "4", "zusage")

    result = remind(mixed)
    assert [i.number for i in result.plan.post_open] == ["3", "5"]
    assert sorted(i.number for i in result.delivery.sent) == ["1", "2", "6"]  # "beides": email
    assert "4" in {i.number for i in result.plan.answered}
    assert [i.number for i in result.plan.not_invited] == ["7"]  # no invitation letter yet
    assert result.letters is not None and result.letters.is_file()
    assert result.letters.parent == mixed.paths.print_batches
    assert result.letters.name.startswith("Erinnerungen-")
    assert reminder_batches(mixed) == [(str(result.letters), ["3", "5"])]

    again = remind(mixed)
    assert again.letters is None and not again.delivery.sent
    assert sorted(i.number for i in again.plan.already_reminded) == ["1", "2", "3", "5", "6"]
    assert len(reminder_batches(mixed)) == 1
    assert len(smtp_server.messages) == 3


def test_reminder_letters_name_each_invitee_with_code_and_reminder_wording(
    mixed: Campaign,
) -> None:
    letters = remind(mixed).letters
    assert letters is not None
    with Store.open(mixed.paths.data) as state:
        postal = [lookup_invitee(state, n) for n in ("3", "4", "5")]
    reader = PdfReader(letters)
    pages = [text_of(page) for page in reader.pages]
    starts = [i for i, text in enumerate(pages) if RETURN_LINE in text]
    assert len(starts) == 3
    for start, end, inv in zip(starts, [*starts[1:], len(pages)], postal, strict=True):
        assert inv is not None
        letter = pages[start]
        assert inv.full_name in letter  # in the address and the salutation
        assert "Erinnerung" in letter
        assert "mit Schreiben vom 10.1.2019" in letter  # the invitation's date
        assert "Münster, 20.1.2019" in letter  # the reminder's own date
        assert "bis zum 27.1.2019" in letter
        assert format_code(inv.code) in letter
        form = " ".join(pages[start + 1 : end])
        assert "Anmeld" in form and format_code(inv.code) in form
        # Double-sided by default: each invitee starts on a front side, the form too.
        assert start % 2 == 0 and (end - start) % 2 == 0  # 0-based: even = front
        form_page = next(i for i in range(start + 1, end) if "Anmeldung" in pages[i])
        assert form_page % 2 == 0
    assert not reader.get_fields()  # printed forms, not fillable ones
    assert reader.metadata is not None and reader.metadata.title.startswith("Erinnerungsbriefe")
    cover = pages[0]
    assert "Erinnerungsbriefe für den Postversand" in cover and "Anzahl Sendungen: 3" in cover
    assert "Beidseitig drucken" in cover and not pages[1]
    assert len(pages) % 2 == 0


def test_simplex_reminder_letters_have_no_blank_pages(mixed: Campaign) -> None:
    letters = remind(mixed, simplex=True).letters
    assert letters is not None and letters.stem.endswith("-einseitig")
    pages = [text_of(page) for page in PdfReader(letters).pages]
    assert all(pages) and "Einseitig drucken" in pages[0]
    assert sum(RETURN_LINE in text for text in pages) == 3


def test_again_prints_a_new_round_for_those_still_open(mixed: Campaign) -> None:
    first = remind(mixed).letters
    answer(mixed, "5", "absage")
    second = remind(mixed, again=True)
    assert second.letters is not None and second.letters != first
    assert [i.number for i in second.plan.post_open] == ["3", "4"]
    assert [nrs for _, nrs in reminder_batches(mixed)] == [["3", "4", "5"], ["3", "4"]]
    with Store.open(mixed.paths.data) as state:
        rounds = sorted((r.invitee, r.round) for r in deliveries(state, "reminder"))
    assert rounds == [("1", 1), ("1", 2), ("2", 1), ("2", 2), ("6", 1), ("6", 2)]


def test_dry_run_lists_the_letters_but_writes_none(mixed: Campaign) -> None:
    result = remind(mixed, dry_run=True)
    assert [i.number for i in result.plan.post_open] == ["3", "4", "5"]
    assert result.letters is None
    assert reminder_batches(mixed) == []
    assert not list(mixed.paths.print_batches.glob("Erinnerungen-*"))


def test_status_workbook_shows_erinnert_am_from_the_reminder_batch(mixed: Campaign) -> None:
    before = dt.datetime.now().replace(microsecond=0) - dt.timedelta(minutes=1)
    remind(mixed)
    ws = load_workbook(write_status(mixed, today=TODAY).path)["Einladungen"]
    header = [c.value for c in ws[1]]
    rows = {str(r[0].value): dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2)}
    for number in ("3", "4", "5"):
        reminded = rows[number]["Erinnert am"]
        assert reminded.is_date and reminded.value >= before, number
        assert rows[number]["Status"].value == "offen"
    assert rows["7"]["Erinnert am"].value is None
    assert rows["1"]["Erinnert am"].value is not None  # by email


def test_cli_names_the_reminder_print_batch(
    mixed: Campaign, smtp_server: SmtpServer, test_certs: TestCerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    args = [
        "--campaign", str(mixed.settings.campaign_dir),
        "--contacts", str(mixed.contacts_file),
        "--data", str(mixed.paths.data),
    ]  # fmt: skip
    dry = run_invite("remind", "--dry-run", "--force", *args, env=env)
    assert dry.code == 0, dry.text
    assert "3 Erinnerungsbriefe wären zu drucken" in dry.out
    assert "Es wurde kein Brief geschrieben" in dry.out

    result = run_invite("remind", "--yes", "--force", *args, env=env)
    assert result.code == 0, result.text
    ((file, _),) = reminder_batches(mixed)
    assert f"Erinnerungsbriefe zum Drucken: {file} (3 Briefe)" in result.out
    assert "Erinnerungen gesendet: 3" in result.out

    rerun = run_invite("remind", "--yes", "--force", *args, env=env)
    assert rerun.code == 0, rerun.text
    assert "Erinnerungsbriefe zum Drucken" not in rerun.out
    assert "Übersprungen (bereits erinnert): 6" in rerun.out
    assert len(reminder_batches(mixed)) == 1


def test_cli_remind_simplex_makes_a_one_sided_batch(
    mixed: Campaign, smtp_server: SmtpServer, test_certs: TestCerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = smtp_env(monkeypatch, smtp_server, test_certs.cafile)
    args = [
        "--campaign", str(mixed.settings.campaign_dir),
        "--contacts", str(mixed.contacts_file),
        "--data", str(mixed.paths.data),
    ]  # fmt: skip
    result = run_invite("remind", "--yes", "--force", "--simplex", *args, env=env)
    assert result.code == 0, result.text
    ((file, numbers),) = reminder_batches(mixed)
    assert Path(file).stem.endswith("-einseitig") and numbers == ["3", "4", "5"]
    assert all(text_of(page) for page in PdfReader(file).pages)  # no blank pages


def test_check_renders_the_reminder_letter_template(tmp_path: Path) -> None:
    campaign = make_campaign(tmp_path, example_rows(2))
    template = campaign.settings.campaign_dir / "templates" / "de" / "reminder_letter.txt.j2"
    template.write_text(
        template.read_text(encoding="utf-8").replace("{{ letter_date }}", "{{ brief_datum }}"),
        encoding="utf-8",
    )
    result = run_invite(
        "check",
        "--campaign", str(campaign.settings.campaign_dir),
        "--contacts", str(campaign.contacts_file),
    )  # fmt: skip
    assert result.code == 2, result.text
    assert "reminder_letter.txt.j2" in result.err and "„brief_datum“ gibt es nicht" in result.err
