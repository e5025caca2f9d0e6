"""`invite letters`: the generated PDFs, read back with pypdf (text, positions, images, metadata)."""

from __future__ import annotations

import re
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest
from clirun import run_invite
from openpyxl import load_workbook
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth

from invite.campaign import Campaign
from invite.core import layout as L
from invite.core.contacts import Invitee
from invite.errors import InviteError
from invite.paper import fonts
from invite.paper.production import LettersReport, ensure_rendered
from invite.steps.letters import render_letters
from invite.store import Store, all_invitees, lookup_invitee, print_batches

REPO = Path(__file__).resolve().parent.parent
CONTACTS = REPO / "contacts.xlsx.example"
PT_PER_MM = 72 / 25.4
TEMPLATE = Path("templates/de/letter.txt.j2")


# -- reading PDFs back ---------------------------------------------------------------------


@dataclass(frozen=True)
class Fragment:
    """A piece of text as drawn: left x and baseline y in mm from the top-left corner."""

    text: str
    x: float
    y: float
    size: float
    font: str

    @property
    def right(self) -> float:
        name = fonts.BOLD if "Bold" in self.font else fonts.REGULAR
        return self.x + stringWidth(self.text, name, self.size) / PT_PER_MM

    @property
    def bold(self) -> bool:
        return "Bold" in self.font


def fragments(page) -> list[Fragment]:
    found: list[Fragment] = []

    def visit(text, cm, tm, font, size):  # noqa: ANN001
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        base = str(font.get("/BaseFont", "")) if font else ""
        found.append(
            Fragment(text.strip("\n"), x / PT_PER_MM, L.PAGE_HEIGHT - y / PT_PER_MM, size, base)
        )

    page.extract_text(visitor_text=visit)
    return found


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def page_text(page) -> str:
    return flat(" ".join(f.text for f in fragments(page)))


def images_on(page) -> int:
    resources = page.get("/Resources") or {}
    xobjects = resources.get("/XObject") or {}
    count = 0
    for ref in xobjects.values():
        obj = ref.get_object()
        if obj.get("/Subtype") == "/Image":
            count += 1
        elif obj.get("/Subtype") == "/Form":
            inner = (obj.get("/Resources") or {}).get("/XObject") or {}
            count += sum(1 for r in inner.values() if r.get_object().get("/Subtype") == "/Image")
    return count


# -- fixtures ------------------------------------------------------------------------------


def open_campaign(campaign_dir: Path, data_dir: Path) -> tuple[Campaign, Store]:
    campaign = Campaign.open(campaign_dir, CONTACTS, data_dir)
    state = campaign.open_state()
    campaign.sync(state, "test")
    return campaign, state


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory):
    """The bundled campaign rendered once for all 25 example invitees."""
    root = tmp_path_factory.mktemp("letters")
    shutil.copytree(REPO / "invite" / "bundled", root / "campaign")
    campaign, state = open_campaign(root / "campaign", root / "data")
    report = render_letters(campaign, state)
    yield campaign, state, report
    state.close()


def invitee(state: Store, number: str) -> Invitee:
    found = lookup_invitee(state, number)
    assert found is not None
    return found


def letter(campaign: Campaign, state: Store, number: str) -> PdfReader:
    return PdfReader(campaign.paths.letter(invitee(state, number)))


# -- every element of the seed letter ------------------------------------------------------


def test_letter_shows_every_element_of_the_seed(rendered) -> None:
    campaign, state, _ = rendered
    reader = letter(campaign, state, "1")
    first = fragments(reader.pages[0])
    text = flat(" ".join(page_text(p) for p in reader.pages))
    one = page_text(reader.pages[0])
    for expected in (
        "Stadt Münster",
        "Amt für Bürger- und Ratsservice",
        "Stadt Münster · 48127 Münster (0102)",
        "Stadthaus 1",
        "Klemensstraße 10",
        "48143 Münster",
        "Ihr/e Ansprechpartnerinnen:",
        "Geschäftsstelle des Beirates für kommunale Entwicklungszusammenarbeit",
        "Susanne Rietkötter",
        "Zimmer: 312",
        "Telefon: 02 51/492-33 26",
        "Fax: 02 51/492-77 83",
        "Rietkoetter@stadt-muenster.de",
        "Geschäftsstelle des Integrationsrates",
        "Sandra Rischer",
        "Zimmer: 222",
        "Telefon: 02 51/4 92-33 69",
        "Fax: 02 51/492-77 22",
        "Rischer@stadt-muenster.de",
        "Mein Zeichen (bitte angeben) 33.00.0011",
        "Münster, 10.1.2019",
        "Telefon: 02 51/492-0",
        "Fax: 02 51/492-77 00",
        "stadtverwaltung@stadt-muenster.de",
        "www.stadt-muenster.de",
        "Service für Menschen mit Behinderung: www.stadt-muenster.de/barrierefrei",
        "Vernetzungstreffen im Rahmen des Projektes „Migration und Entwicklung auf kommunaler "
        "Ebene“ am 31. Januar 2019",
        "Sehr geehrte Frau Dr. Yılmaz,",
    ):
        assert expected in one, expected
    for expected in (
        "seit März 2018 führt die Stadt Münster das Projekt",
        "Donnerstag, den 31.1.2019 im Festsaal des Rathauses in der Zeit von 17-20 Uhr.",
        "bitte um Anmeldung bis zum 27.1.2019",
        "Mit freundlichen Grüßen Markus Lewe Oberbürgermeister",
    ):
        assert expected in text, expected
    # The sender information is page 1 only; the subject is bold, the return line 8 pt.
    assert "Ihr/e Ansprechpartnerinnen:" not in page_text(reader.pages[1])
    subject = next(f for f in first if f.text.startswith("Vernetzungstreffen im Rahmen"))
    assert subject.bold
    back = next(f for f in first if f.text == "Stadt Münster · 48127 Münster (0102)")
    assert back.size == 8
    assert back.y - back.size / PT_PER_MM >= L.ADDRESS_TOP and back.y <= L.ANSCHRIFT_TOP


def test_event_block_is_bold(rendered) -> None:
    campaign, state, _ = rendered
    reader = letter(campaign, state, "1")
    every = [f for p in reader.pages for f in fragments(p)]
    for line in ("Donnerstag, den 31.1.2019", "im Festsaal des Rathauses"):
        drawn = next(f for f in every if f.text == line)
        assert drawn.bold, line
    plain = next(f for f in every if f.text.startswith("Die Veranstaltung findet statt am"))
    assert not plain.bold


def test_metadata_title_author_subject_language(rendered) -> None:
    campaign, state, _ = rendered
    reader = letter(campaign, state, "4")
    meta = reader.metadata
    assert meta.title.startswith("Vernetzungstreffen im Rahmen des Projektes")
    assert meta.author == "Stadt Münster – Amt für Bürger- und Ratsservice"
    assert "Nguyễn Thị Hương" in meta.subject
    assert reader.trailer["/Root"]["/Lang"] == "de-DE"
    assert f"invite-code:{invitee(state, '4').code}" in (meta.get("/Keywords") or "")
    english = letter(campaign, state, "13")
    assert english.trailer["/Root"]["/Lang"] == "en-GB"
    assert "Münster, 10 January 2019" in page_text(english.pages[0])
    assert "Dear Mr Mensah," in page_text(english.pages[0])


def test_english_letter_has_an_english_letterhead_column_and_header(rendered) -> None:
    campaign, state, _ = rendered
    english = letter(campaign, state, "13")
    first = page_text(english.pages[0])
    for expected in (
        "Your contacts:",
        "Room: 312",
        "Phone: 02 51/492-33 26",
        "Fax: 02 51/492-77 83",
        "Our reference (please quote) 33.00.0011",
        "Service for people with disabilities:",
        # Names and addresses of the city stay as they are.
        "Stadt Münster",
        "Klemensstraße 10",
        "Geschäftsstelle des Integrationsrates",
    ):
        assert expected in first, expected
    for german in ("Ansprechpartnerinnen", "Zimmer", "Telefon", "Mein Zeichen", "Behinderung"):
        assert german not in first, german
    second = page_text(english.pages[1])
    assert "Page 2" in second and "Seite" not in second
    assert "Our reference 33.00.0011 · Münster, 10 January 2019" in second
    assert "Invitation to" in english.metadata.subject
    german = page_text(letter(campaign, state, "1").pages[1])
    assert "Seite 2" in german and "Mein Zeichen 33.00.0011 · Münster, 10.1.2019" in german


# -- geometry ------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["1", "3", "4", "7", "14", "18", "20", "23"])
def test_address_lies_wholly_inside_the_din_lang_window(rendered, number: str) -> None:
    campaign, state, _ = rendered
    inv = invitee(state, number)
    page = letter(campaign, state, number).pages[0]
    in_field = [
        f for f in fragments(page) if f.x < L.WINDOW_RIGHT and L.WINDOW_TOP < f.y < L.SUBJECT_TOP
    ]
    assert in_field, "no address text found"
    for f in in_field:
        ascent = f.size * 0.76 / PT_PER_MM
        descent = f.size * 0.24 / PT_PER_MM
        assert f.x >= L.ADDRESS_TEXT_X - 0.01, f
        assert f.right <= L.WINDOW_RIGHT, f
        assert f.y - ascent >= L.WINDOW_TOP, f
        assert f.y + descent <= L.WINDOW_BOTTOM, f
    address = [f for f in in_field if f.y > L.ANSCHRIFT_TOP]
    assert 1 <= len(address) <= 6
    printed = " ".join(f.text for f in address)
    for part in (inv.organisation, inv.street, f"{inv.postcode} {inv.city}"):
        assert unicodedata.normalize("NFC", part) in printed or fonts.shape(part) in printed


def test_body_stays_left_of_the_column_and_column_from_x_125(rendered) -> None:
    campaign, state, _ = rendered
    page = letter(campaign, state, "1").pages[0]
    for f in fragments(page):
        if f.y > L.SUBJECT_TOP - 5 and f.x < L.INFO_X - 0.01:
            assert f.right <= L.BODY_RIGHT_FIRST_PAGE + 0.1, f
            assert f.y <= L.BODY_BOTTOM, f
        if f.x >= L.INFO_X - 0.01:
            assert f.right <= L.INFO_X + L.INFO_MAX_WIDTH, f


# -- signature and page flow ---------------------------------------------------------------


def short_campaign(tmp_path: Path, body: str) -> Path:
    campaign_dir = tmp_path / "campaign"
    shutil.copytree(REPO / "invite" / "bundled", campaign_dir)
    (campaign_dir / TEMPLATE).write_text(body, encoding="utf-8")
    return campaign_dir


def test_short_letter_has_signature_on_page_one(tmp_path: Path) -> None:
    body = (
        "{{ salutation }}\n\nwir laden Sie herzlich ein.\n\nDie Veranstaltung findet statt am\n\n"
        "**{{ event.date_long }}**\n**im {{ event.place }}**\n"
        "**in der Zeit von {{ event.time_range }}.**\n\nBitte melden Sie sich bis zum "
        "{{ event.deadline }} an.\n"
    )
    campaign, state = open_campaign(short_campaign(tmp_path, body), tmp_path / "data")
    with state:
        render_letters(campaign, state, only=["1"])
        reader = letter(campaign, state, "1")
    assert len(reader.pages) == 1
    assert images_on(reader.pages[0]) == 1
    text = page_text(reader.pages[0])
    assert "Mit freundlichen Grüßen Markus Lewe Oberbürgermeister" in text


def test_seed_letter_keeps_signature_with_closing_and_text(rendered) -> None:
    """The seed text needs two pages beside the Randspalte: the signature goes with the closing,
    the signatory and the last paragraph, never alone."""
    campaign, state, _ = rendered
    reader = letter(campaign, state, "1")
    assert len(reader.pages) == 2
    last = reader.pages[-1]
    assert images_on(reader.pages[0]) == 0 and images_on(last) == 1
    text = page_text(last)
    assert "Mit freundlichen Grüßen Markus Lewe Oberbürgermeister" in text
    assert text.index("Für Fragen stehen Ihnen") < text.index("Mit freundlichen Grüßen")


def test_long_letter_flows_onto_three_pages(tmp_path: Path) -> None:
    seed = (REPO / "invite" / "bundled" / TEMPLATE).read_text(encoding="utf-8")
    body = seed.split("-#}", 1)[1]
    paragraphs = [p for p in body.split("\n\n") if p.strip() and "salutation" not in p]
    long_body = "{{ salutation }}\n\n" + "\n\n".join(paragraphs[:6] * 2 + paragraphs) + "\n"
    campaign, state = open_campaign(short_campaign(tmp_path, long_body), tmp_path / "data")
    with state:
        render_letters(campaign, state, only=["2"])
        reader = letter(campaign, state, "2")
    assert len(reader.pages) == 3
    texts = [page_text(p) for p in reader.pages]
    assert "Seite" not in texts[0]
    for number, text in enumerate(texts[1:], start=2):
        assert f"Stadt Münster · Amt für Bürger- und Ratsservice Seite {number}" in text
        assert "Mein Zeichen 33.00.0011 · Münster, 10.1.2019" in text
        assert "Ihr/e Ansprechpartnerinnen:" not in text
    assert "Mit freundlichen Grüßen Markus Lewe Oberbürgermeister" in texts[2]
    assert texts[2].index("Für Fragen stehen") < texts[2].index("Mit freundlichen Grüßen")
    assert images_on(reader.pages[2]) == 1
    # Continuation pages use the full width below the reduced header.
    for f in fragments(reader.pages[1]):
        assert f.x >= L.MARGIN_LEFT - 0.01 and f.right <= L.TEXT_RIGHT + 0.1, f


def test_english_template_can_set_its_own_subject_and_closing(tmp_path: Path) -> None:
    campaign_dir = short_campaign(
        tmp_path, (REPO / "invite" / "bundled" / TEMPLATE).read_text("utf-8")
    )
    english = campaign_dir / "templates" / "en" / "letter.txt.j2"
    comment, _, body = english.read_text("utf-8").partition("-#}")
    body = "\n".join(
        line for line in body.splitlines() if not line.startswith(("Betreff:", "Grußformel:"))
    )
    front = "\nBetreff: Networking meeting on {{ event.date_long }}\nGrußformel: Yours sincerely\n"
    english.write_text(comment + "-#}" + front + body, "utf-8")
    campaign, state = open_campaign(campaign_dir, tmp_path / "data")
    with state:
        render_letters(campaign, state, only=["13", "1"])
        mensah = letter(campaign, state, "13")
        text = " ".join(page_text(p) for p in mensah.pages)
        assert "Networking meeting on Thursday, 31 January 2019" in text
        assert "Yours sincerely Markus Lewe" in text and "Betreff" not in text
        assert mensah.metadata.title == "Networking meeting on Thursday, 31 January 2019"
        german = " ".join(page_text(p) for p in letter(campaign, state, "1").pages)
        assert "Mit freundlichen Grüßen" in german


@pytest.mark.parametrize("number", ["1", "7", "13"])
def test_no_single_line_opens_a_continuation_page(rendered, number: str) -> None:
    """Widow control also holds when page 2 is wider than the text column of page 1."""
    campaign, state, _ = rendered
    page = letter(campaign, state, number).pages[1]
    body = sorted(f.y for f in fragments(page) if f.y > L.CONTINUATION_TOP)
    first_paragraph = 1
    while first_paragraph < len(body) and body[first_paragraph] - body[first_paragraph - 1] < 6:
        first_paragraph += 1
    assert first_paragraph >= 2, body[:3]


# -- every name prints ---------------------------------------------------------------------


@pytest.mark.parametrize("number", ["4", "6", "7", "10", "16", "17", "20", "22"])
def test_names_in_every_script_print_without_missing_glyphs(rendered, number: str) -> None:
    campaign, state, _ = rendered
    inv = invitee(state, number)
    reader = letter(campaign, state, number)
    text = "".join(page_text(p) for p in reader.pages)
    face = pdfmetrics.getFont(fonts.REGULAR).face
    bold = pdfmetrics.getFont(fonts.BOLD).face
    missing = {
        ch
        for ch in text
        if not ch.isspace() and ord(ch) not in face.charToGlyph and ord(ch) not in bold.charToGlyph
    }
    assert not missing and "■" not in text
    for name in (inv.first_name, inv.last_name):
        if fonts.has_rtl(name):
            assert set(fonts.shape(name)) <= set(text)
        else:
            assert name in text


# -- the programme -------------------------------------------------------------------------


def test_programme_lists_the_agenda_on_the_letterhead(rendered) -> None:
    campaign, _, report = rendered
    reader = PdfReader(campaign.paths.programme)
    text = page_text(reader.pages[0])
    assert text.startswith("Stadt Münster Amt für Bürger- und Ratsservice Programm") or (
        "Programm Vernetzungstreffen" in text
    )
    for item in campaign.settings.programme:
        assert f"{item.time} Uhr" in text and item.item in text
    assert "Stadt Münster" in text and "Amt für Bürger- und Ratsservice" in text
    assert "Donnerstag, den 31.1.2019, 17-20 Uhr" in text
    assert reader.metadata.title.startswith("Programm")


def contacts_with(tmp_path: Path, number: int, **cells: str) -> Path:
    """A copy of the example contacts with some cells of one row replaced (by header)."""
    book = load_workbook(CONTACTS.open("rb"))
    sheet = book.active
    headers = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == number)
    for header, value in cells.items():
        row[headers.index(header)].value = value
    path = tmp_path / "contacts.xlsx"
    book.save(path)
    return path


LONG_ORGANISATION = (
    "Arbeitsgemeinschaft der Vereine, Initiativen und Beratungsstellen für Migration, "
    "Integration und Entwicklung im Regierungsbezirk Münster"
)


def test_a_long_organisation_keeps_plz_and_ort_in_the_window(tmp_path: Path) -> None:
    contacts = contacts_with(
        tmp_path, 2, Organisation=LONG_ORGANISATION, Straße="Hauptstraße 1", PLZ="48143"
    )
    campaign = Campaign.open(REPO / "invite" / "bundled", contacts, tmp_path / "data")
    with campaign.open_state() as state:
        campaign.sync(state, "test")
        render_letters(campaign, state, only=["2"])
        page = letter(campaign, state, "2").pages[0]
    address = [
        f for f in fragments(page) if f.x < L.WINDOW_RIGHT and L.ANSCHRIFT_TOP < f.y < L.SUBJECT_TOP
    ]
    printed = [f.text for f in address]
    assert printed[-2:] == ["Hauptstraße 1", "48143 Münster"]
    assert " ".join(printed[:-3]) == LONG_ORGANISATION
    for f in address:
        assert f.right <= L.WINDOW_RIGHT and f.y + f.size * 0.24 / PT_PER_MM <= L.WINDOW_BOTTOM


def test_an_address_too_long_for_the_window_is_refused_naming_nr_and_field(
    tmp_path: Path,
) -> None:
    contacts = contacts_with(tmp_path, 2, Organisation=LONG_ORGANISATION + " " + LONG_ORGANISATION)
    campaign = Campaign.open(REPO / "invite" / "bundled", contacts, tmp_path / "data")
    with campaign.open_state() as state:
        campaign.sync(state, "test")
        with pytest.raises(InviteError) as caught:
            render_letters(campaign, state)
        message = str(caught.value)
        assert "Nr. 2: Die Anschrift passt nicht ins Sichtfenster" in message
        assert "„Organisation“ ist zu lang" in message and "es wurde nichts erzeugt" in message
        assert not campaign.paths.programme.exists() and not campaign.paths.letters.exists()
        assert print_batches(state) == []


# -- incremental rendering, print batch, errors ---------------------------------------------


def test_second_run_skips_everything_and_changes_rerender(tmp_path: Path) -> None:
    campaign_dir = tmp_path / "campaign"
    shutil.copytree(REPO / "invite" / "bundled", campaign_dir)
    campaign, state = open_campaign(campaign_dir, tmp_path / "data")
    with state:
        first = render_letters(campaign, state)
        assert (first.letters_written, first.forms_written) == (25, 25)
        assert first.programme_written and first.print_batch_new
        again = render_letters(campaign, state)
        assert (again.letters_written, again.forms_written) == (0, 0)
        assert (again.letters_skipped, again.forms_skipped) == (25, 25)
        assert not again.programme_written and not again.print_batch_new
        assert again.print_batch == first.print_batch
        # A deleted file is made again, alone.
        campaign.paths.letter(invitee(state, "5")).unlink()
        third = render_letters(campaign, state)
        assert (third.letters_written, third.forms_written) == (1, 0)
        assert not third.print_batch_new  # Nr. 5 is not a postal invitee
        # A changed letter template renders every letter again, but no form.
        template = campaign_dir / TEMPLATE
        template.write_text(template.read_text(encoding="utf-8") + "\nNachsatz.\n", "utf-8")
        fourth = render_letters(campaign, state)
        assert (fourth.letters_written, fourth.forms_written) == (23, 0)  # not the 2 English
        assert fourth.print_batch_new and fourth.print_batch != first.print_batch


def test_mail_server_settings_do_not_rerender_but_the_subject_does(tmp_path: Path) -> None:
    campaign_dir = tmp_path / "campaign"
    shutil.copytree(REPO / "invite" / "bundled", campaign_dir)
    settings_file = campaign_dir / "campaign.toml"

    def run() -> tuple[LettersReport, int]:
        campaign, state = open_campaign(campaign_dir, tmp_path / "data")
        with state:
            report = render_letters(campaign, state, only=["2", "9"])
            return report, len(print_batches(state))

    first, batches = run()
    assert (first.letters_written, first.forms_written, batches) == (2, 2, 1)
    text = settings_file.read_text(encoding="utf-8")
    assert 'host = "smtp.stadt-muenster.de"' in text
    settings_file.write_text(
        text.replace('host = "smtp.stadt-muenster.de"', 'host = "mail.example.org"'), "utf-8"
    )
    second, batches = run()
    assert (second.letters_written, second.forms_written) == (0, 0)
    assert not second.programme_written and not second.print_batch_new and batches == 1
    assert second.print_batch == first.print_batch
    text = settings_file.read_text(encoding="utf-8")
    settings_file.write_text(
        text.replace('subject = "Vernetzungstreffen', 'subject = "Treffen'), "utf-8"
    )
    third, batches = run()
    assert third.letters_written == 2 and third.print_batch_new and batches == 2


RETURN_LINE = "Stadt Münster · 48127 Münster"


def batch_parts(reader: PdfReader) -> tuple[str, list[list[str]]]:
    """The cover sheet's text and, per invitee, the texts of its pages (from one letter's
    first page, with its Rücksendeangabe, to the page before the next)."""
    texts = [page_text(p) for p in reader.pages]
    starts = [i for i, text in enumerate(texts) if RETURN_LINE in text]
    ends = [*starts[1:], len(texts)]
    return " ".join(texts[: starts[0]]), [texts[a:b] for a, b in zip(starts, ends, strict=True)]


def test_print_batch_holds_postal_letters_programme_and_forms_in_number_order(rendered) -> None:
    campaign, state, report = rendered
    postal = [inv for inv in all_invitees(state) if inv.wants_post]
    assert [inv.number for inv in postal] == ["2", "9", "12", "14", "18", "20"]
    assert report.print_batch is not None and report.print_batch_count == 6
    reader = PdfReader(report.print_batch)
    assert not reader.get_fields()  # printed forms have boxes, not fields
    cover, parts = batch_parts(reader)
    assert len(parts) == 6
    for pages, inv in zip(parts, postal, strict=True):
        letter_pages = len(letter(campaign, state, inv.number).pages)
        assert inv.organisation in pages[0]
        # Letter, then the programme the letter announces, then the form on its own sheet.
        programme = [i for i, text in enumerate(pages) if text.startswith("Programm ")]
        assert programme == [letter_pages], pages
        assert "Begrüßung" in pages[letter_pages] and "17:00 Uhr" in pages[letter_pages]
        forms = [i for i, text in enumerate(pages) if "Anmeldung" in text and inv.code[:4] in text]
        assert len(forms) == 1 and forms[0] % 2 == 0  # a front side
        # Duplex: every invitee has an even number of pages, so the next starts on a front.
        assert len(pages) % 2 == 0
        assert all(not text for text in pages[forms[0] + 1 :])  # only blank backs after it
    assert len(reader.pages) % 2 == 0 and not page_text(reader.pages[1])  # cover's blank back
    assert "Druckstapel für den Postversand" in cover and "Anzahl Sendungen: 6" in cover
    assert "Beidseitig drucken" in cover and "DIN lang" in cover and "Erstellt am" in cover
    rows = print_batches(state)
    assert len(rows) == 1 and rows[0].kind == "invitation"
    assert Path(rows[0].file) == report.print_batch
    assert sorted(rows[0].invitees) == ["12", "14", "18", "2", "20", "9"]


def test_simplex_print_batch_has_no_blank_pages_and_is_made_anew(tmp_path: Path) -> None:
    campaign, state = open_campaign(REPO / "invite" / "bundled", tmp_path / "data")
    with state:
        duplex = render_letters(campaign, state, only=["2", "9"])
        simplex = render_letters(campaign, state, only=["2", "9"], duplex=False)
        assert simplex.print_batch_new and simplex.print_batch != duplex.print_batch
        assert simplex.print_batch is not None and "einseitig" in simplex.print_batch.name
        reader = PdfReader(simplex.print_batch)
        texts = [page_text(p) for p in reader.pages]
        assert all(texts), "no blank page in a one-sided print"
        cover, parts = batch_parts(reader)
        assert "Einseitig drucken" in cover and "Anzahl Sendungen: 2" in cover
        letter_pages = len(letter(campaign, state, "2").pages)
        assert len(parts[0]) == letter_pages + 2  # letter, programme, form
        again = render_letters(campaign, state, only=["2", "9"], duplex=False)
        assert not again.print_batch_new and again.print_batch == simplex.print_batch


def test_cli_letters_simplex(tmp_path: Path) -> None:
    data = tmp_path / "d"
    args = ("letters", "--contacts", str(CONTACTS), "--data", str(data), "--only", "2")
    assert run_invite(*args, "--simplex").code == 0
    (batch,) = (data / "druck").glob("Druckstapel-*.pdf")
    assert batch.stem.endswith("-einseitig")
    pages = PdfReader(batch).pages
    assert all(page_text(p) for p in pages) and len(pages) == 1 + 2 + 1 + 1


def test_only_renders_the_given_numbers(tmp_path: Path) -> None:
    campaign, state = open_campaign(REPO / "invite" / "bundled", tmp_path / "data")
    with state:
        report = render_letters(campaign, state, only=["3", "9"])
        assert (report.letters_written, report.forms_written) == (2, 2)
        assert sorted(p.name for p in campaign.paths.letters.iterdir()) == [
            "Einladung-0003.pdf",
            "Einladung-0009.pdf",
        ]
        assert report.print_batch_count == 1
        with pytest.raises(InviteError, match="Nr. gibt es in der Kontaktliste nicht: 99"):
            render_letters(campaign, state, only=["99"])


def test_ensure_rendered_makes_missing_files(tmp_path: Path) -> None:
    campaign, state = open_campaign(REPO / "invite" / "bundled", tmp_path / "data")
    with state:
        chosen = [invitee(state, "1"), invitee(state, "13")]
        ensure_rendered(campaign, state, chosen)
        for inv in chosen:
            assert campaign.paths.letter(inv).is_file() and campaign.paths.form(inv).is_file()
        assert campaign.paths.programme.is_file()
        assert not campaign.paths.letter(invitee(state, "2")).exists()
        assert print_batches(state) == []


def test_a_failing_invitee_is_reported_and_no_print_batch_is_made(tmp_path: Path) -> None:
    campaign, state = open_campaign(REPO / "invite" / "bundled", tmp_path / "data")
    with state:
        campaign.paths.letters.parent.mkdir(parents=True, exist_ok=True)
        campaign.paths.letters.write_text("kein Ordner")  # letters cannot be written
        with pytest.raises(InviteError) as caught:
            render_letters(campaign, state)
        message = str(caught.value)
        assert "Für 25 Eingeladene konnten die PDFs nicht erzeugt werden" in message
        assert "Nr. 1:" in message and "kein Druckstapel" in message
        assert print_batches(state) == []
        # The forms that were written are known, so a fixed rerun only does the letters.
        campaign.paths.letters.unlink()
        report = render_letters(campaign, state)
        assert (report.letters_written, report.forms_written) == (25, 0)


def test_cli_letters_writes_everything_and_reports_in_german(tmp_path: Path) -> None:
    result = run_invite("letters", "--contacts", str(CONTACTS), "--data", str(tmp_path / "d"))
    assert result.code == 0, result.text
    assert "25 Briefe und 25 Anmeldeformulare geschrieben" in result.out
    assert "Druckstapel (neu, 6 Briefe für den Postversand)" in result.out
    assert len(list((tmp_path / "d" / "briefe").glob("*.pdf"))) == 25
    assert len(list((tmp_path / "d" / "formulare").glob("*.pdf"))) == 25
    assert (tmp_path / "d" / "Programm.pdf").is_file()
    assert len(list((tmp_path / "d" / "druck").glob("Druckstapel-*.pdf"))) == 1
    unknown = run_invite(
        "letters", "--contacts", str(CONTACTS), "--data", str(tmp_path / "d"), "--only", "77"
    )
    assert unknown.code == 2 and "Fehler: Diese Nr. gibt es in der Kontaktliste nicht: 77" in (
        unknown.err
    )


# -- titles --------------------------------------------------------------------------------

EVENT_TITLE = "Vernetzungstreffen „Migration und Entwicklung auf kommunaler Ebene“"


def title_lines(page) -> list[str]:
    """The lines of the event title as drawn (pypdf's lines that are part of the title)."""
    lines = [line.strip() for line in (page.extract_text() or "").splitlines()]
    words = set(EVENT_TITLE.split())
    return [line for line in lines if line and set(line.split()) <= words]


def test_balanced_lines_leave_no_lone_last_word() -> None:
    from invite.paper.pdf import CONTINUATION_WIDTH, balanced_lines, styles

    heading = styles().heading
    greedy = L.wrap_words(
        EVENT_TITLE, lambda s: stringWidth(s, fonts.BOLD, heading.fontSize), CONTINUATION_WIDTH
    )
    assert greedy[-1] == "Ebene“"  # the problem the issue saw
    lines = balanced_lines(EVENT_TITLE, fonts.BOLD, heading.fontSize, CONTINUATION_WIDTH)
    assert len(lines) == len(greedy) == 2 and " ".join(lines) == EVENT_TITLE
    assert all(len(line.split()) >= 3 for line in lines), lines
    assert balanced_lines("Kurz", fonts.BOLD, 11, 100) == ["Kurz"]
    assert balanced_lines("", fonts.BOLD, 11, 100) == []


def test_event_title_never_leaves_ebene_alone_on_programme_form_and_cover(rendered) -> None:
    campaign, state, report = rendered
    programme = PdfReader(campaign.paths.programme).pages[0]
    form = PdfReader(campaign.paths.form(invitee(state, "1"))).pages[0]
    assert report.print_batch is not None
    cover = PdfReader(report.print_batch).pages[0]
    for page in (programme, form, cover):
        lines = title_lines(page)
        assert " ".join(lines) == EVENT_TITLE and len(lines) >= 2, lines
        assert all(len(line.split()) >= 2 for line in lines), lines
