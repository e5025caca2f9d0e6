"""Reading returned forms: AcroForm fields, metadata, page text, QR code, hand-made ticks on
scans — and the guard that keeps hostile files from hanging or exhausting the poll."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from corpus import Corpus
from pypdf import PdfReader, PdfWriter
from sendkit import make_campaign

from invite.mail.mailparse import Attachment
from invite.paper.evidence import AttachmentReport, examine, guarded
from invite.reviewing import attachment_summary


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    campaign = make_campaign(tmp_path_factory.mktemp("evidence"), 3)
    with campaign.open_state() as state:
        return Corpus(campaign, state)


def pdf(name: str, data: bytes) -> Attachment:
    return Attachment(name, "application/pdf", data)


def test_filled_form_gives_fields_and_the_code_three_ways(corpus: Corpus) -> None:
    data = corpus.filled_form("1", teilnahme="/ja", personen="2", namen="Ayşe Yılmaz, Олег Петров")
    report = examine([pdf("Anmeldeformular.pdf", data)])
    code = corpus.inv("1").code
    assert report.problems == []
    assert {(f.source, f.code) for f in report.findings} == {("formular", code), ("code", code)}
    assert len(report.findings) == 3  # field, metadata, page text
    form = report.forms[0]
    assert (form.code, form.teilnahme, form.personen, form.namen) == (
        code,
        "ja",
        "2",
        "Ayşe Yılmaz, Олег Петров",
    )
    assert report.scans == []


def test_multi_line_names_keep_one_name_per_line(corpus: Corpus) -> None:
    """PDF viewers store a multi-line field's lines with CR; the reader keeps them apart."""
    names = "Maria Schäfer-Nußbaum\rDr.  Jonas Weiß\r\n\r" + "Anna Beispiel-Lang " * 40
    data = corpus.filled_form("1", teilnahme="/ja", personen="3", namen=names)
    form = examine([pdf("Anmeldeformular.pdf", data)]).forms[0]
    lines = form.namen.split("\n")
    assert lines[:2] == ["Maria Schäfer-Nußbaum", "Dr. Jonas Weiß"] and len(lines) == 3
    assert len(form.namen) > 700  # the form allows 1,000 characters; nothing cut at 100


@pytest.mark.parametrize(
    ("tick", "persons", "expected"),
    [
        ("ja", "", ("ja", False)),
        ("nein", "", ("nein", False)),
        (None, "", ("", False)),
        ("ja", "3", ("ja", True)),
    ],
)
def test_scanned_form_ticks_are_read_through_the_qr_position(
    corpus: Corpus, tick: str | None, persons: str, expected: tuple
) -> None:
    image = Attachment(
        "scan.jpg", "image/jpeg", corpus.scan_jpeg("2", tick=tick, persons=persons, angle=-2.5)
    )
    report = examine([image])
    assert [(f.source, f.code) for f in report.findings] == [("qr", corpus.inv("2").code)]
    scan = report.scans[0]
    assert (scan.teilnahme, scan.persons_written) == expected


def test_image_only_pdf_and_fax_tiff_are_read(corpus: Corpus) -> None:
    report = examine(
        [
            pdf("scan.pdf", corpus.scan_pdf("3", tick="nein")),
            Attachment("fax.tif", "image/tiff", corpus.scan_tiff("3")),
        ]
    )
    assert [s.teilnahme for s in report.scans] == ["nein", "ja"]


def test_both_boxes_ticked_is_no_answer(corpus: Corpus) -> None:
    from PIL import ImageDraw

    from invite.core import layout as L
    from invite.paper.form import FIELDS_TOP

    image = corpus.scan_image("1", tick="ja", angle=0)
    px = 150 / 25.4
    cx, cy = (L.MARGIN_LEFT + 2.5) * px, (FIELDS_TOP + 15 - 1.3) * px
    ImageDraw.Draw(image).ellipse((cx - 10, cy - 10, cx + 10, cy + 10), fill=0)
    out = io.BytesIO()
    image.save(out, "PNG")
    report = examine([Attachment("scan.png", "image/png", out.getvalue())])
    assert report.scans[0].teilnahme == ""


def test_encrypted_and_broken_pdfs_are_reasons(corpus: Corpus) -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(corpus.form("1"))))
    writer.encrypt(user_password="geheim", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    report = examine(
        [pdf("geheim.pdf", out.getvalue()), pdf("kaputt.pdf", b"%PDF-1.4 garbage" * 50)]
    )
    assert any("„geheim.pdf“ ist mit einem Passwort geschützt" in p for p in report.problems)
    assert report.findings == []


def test_unreadable_kinds_are_named() -> None:
    report = examine(
        [
            Attachment("winmail.dat", "application/ms-tnef", b"x"),
            Attachment("a.zip", "application/zip", b"PK"),
            Attachment("IMG.HEIC", "image/heic", b"x"),
            Attachment("logo.gif", "image/gif", b"GIF89a"),
            Attachment("notiz.txt", "text/plain", b"hallo"),
        ]
    )
    text = " ".join(report.problems)
    assert "winmail.dat" in text and "Archiv" in text and "HEIC" in text
    assert len(report.problems) == 4  # the broken GIF too; the text file is simply not a form


def sleepy(_att: Attachment) -> AttachmentReport:
    time.sleep(30)
    return AttachmentReport()


def greedy(_att: Attachment) -> AttachmentReport:
    hog = bytearray(4 * 1024 * 1024 * 1024)  # more than the child may have
    return AttachmentReport(problems=[str(len(hog))])


def dies(_att: Attachment) -> AttachmentReport:
    os._exit(3)


def test_guard_bounds_time_memory_and_crashes() -> None:
    att = pdf("x.pdf", b"%PDF")
    start = time.monotonic()
    slow = guarded(sleepy, att, timeout=1)
    assert time.monotonic() - start < 5
    assert "nicht in 1 Sekunden gelesen" in slow.problems[0]
    assert "Speicher" in guarded(greedy, att, timeout=20).problems[0]
    assert "konnte nicht gelesen werden" in guarded(dies, att, timeout=20).problems[0]


def zombies() -> list[str]:
    children: list[str] = []
    for task in os.listdir("/proc/self/task"):
        children += Path(f"/proc/self/task/{task}/children").read_text().split()
    states = []
    for pid in children:
        stat = Path(f"/proc/{pid}/stat")
        if stat.exists():
            states.append((pid, stat.read_text().rsplit(")", 1)[1].split()[0]))
    return [pid for pid, state in states if state == "Z"]


def test_children_are_reaped(corpus: Corpus) -> None:
    for _ in range(3):
        examine([pdf("f.pdf", corpus.form("1"))])
    guarded(sleepy, pdf("x.pdf", b"%PDF"), timeout=0.5)
    assert zombies() == []


def test_guard_without_fork_spawns_and_keeps_both_limits(
    monkeypatch: pytest.MonkeyPatch, corpus: Corpus
) -> None:
    """Windows has no fork: the child is spawned, and the time and memory limits still hold."""
    import multiprocessing

    real = multiprocessing.get_context

    def no_fork(method: str | None = None) -> object:
        if method == "fork":
            raise ValueError("cannot find context for 'fork'")
        return real(method)

    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    monkeypatch.setattr(multiprocessing, "get_context", no_fork)
    att = pdf("x.pdf", b"%PDF")
    start = time.monotonic()
    assert "nicht in 2 Sekunden gelesen" in guarded(sleepy, att, timeout=2).problems[0]
    assert time.monotonic() - start < 8
    assert "Speicher" in guarded(greedy, att, timeout=20).problems[0]
    report = examine([pdf("f.pdf", corpus.form("1"))])
    assert report.problems == [], report.problems
    assert {f.code for f in report.findings} == {corpus.inv("1").code}


def test_form_printed_to_pdf_is_read_from_its_page(corpus: Corpus) -> None:
    """„Drucken → Als PDF speichern“ drops the fields; the typed values stay as page text beside
    their labels and the tick is drawn: both are read, and a blank print reads as no tick."""
    from corpus_replies import _printed

    filled = corpus.filled_form("1", teilnahme="/ja", personen="2", namen="Olga Petrowa, Jan Nowak")
    report = examine([pdf("Formular.pdf", _printed(filled))])
    (form,) = report.forms
    assert (form.printed, form.teilnahme, form.personen) == (True, "ja", "2")
    assert "Petrowa" in form.namen.replace(" ", "") and form.code == corpus.inv("1").code
    nein = examine([pdf("f.pdf", _printed(corpus.filled_form("2", teilnahme="/nein")))]).forms
    assert [(f.printed, f.teilnahme) for f in nein] == [(True, "nein")]
    blank = examine([pdf("f.pdf", _printed(corpus.form("3")))])
    assert [(f.printed, f.teilnahme, f.personen) for f in blank.forms] == [(True, "", "")]

    # Review says what was read from the page, never „not readable“ for a tick it read.
    said = attachment_summary(report)
    assert "ohne Formularfelder gedruckt, auf der Seite gelesen: Ja angekreuzt" in said
    assert "Personen „2“" in said and "nicht lesbar" not in said
    assert "auf der Seite gelesen: Nein angekreuzt" in attachment_summary(
        AttachmentReport(forms=nein)
    )
    assert "auf der Seite gelesen: kein eindeutiges Kreuz" in attachment_summary(blank)
