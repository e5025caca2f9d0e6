"""The Anmeldeformular: fields, the code in four places, filling it in, and scanning the QR code."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from people import AYSE, FATIMA
from pypdf import PdfReader, PdfWriter

from invite.core.codes import format_code
from invite.core.contacts import Invitee
from invite.core.wording import FORM
from invite.paper.fonts import register_fonts, shape
from invite.paper.form import FIELDS, qr_modules, qr_payload, render_form
from invite.settings import Settings, load_settings

CAMPAIGN = Path(__file__).resolve().parent.parent / "invite" / "bundled"
MM_PER_INCH = 25.4


@pytest.fixture(scope="module")
def settings() -> Settings:
    settings = load_settings(CAMPAIGN, environ={})
    register_fonts(settings.letter.font, settings.letter.font_bold)
    return settings


@pytest.fixture(scope="module")
def form(settings: Settings) -> bytes:
    return render_form(settings, AYSE)


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))


def test_form_has_the_agreed_fields(form: bytes) -> None:
    fields = PdfReader(io.BytesIO(form)).get_fields()
    assert set(FIELDS) <= set(fields)
    assert fields["code"]["/V"] == "K7Q2M9XA"
    assert int(fields["code"].get("/Ff", 0)) & 1  # read-only
    assert fields["teilnahme"]["/FT"] == "/Btn"
    kids = [k.get_object() for k in fields["teilnahme"]["/Kids"]]
    values = {name for kid in kids for name in kid["/AP"]["/N"] if name != "/Off"}
    assert values == {"/ja", "/nein"}
    for name in ("personen", "namen", "email", "telefon", "bemerkungen"):
        assert fields[name]["/FT"] == "/Tx"
    assert fields["email"]["/V"] == "a.yilmaz@tdkv-muenster.example"


def test_code_is_in_metadata_and_page_text(form: bytes) -> None:
    reader = PdfReader(io.BytesIO(form))
    assert "Anmeldecode K7Q2M9XA" in reader.metadata.subject
    assert "invite-code:K7Q2M9XA" in reader.metadata["/Keywords"]
    assert reader.metadata.title.startswith("Anmeldeformular")
    text = text_of(form)
    assert format_code("K7Q2M9XA") == "K7Q2-M9XA" and "K7Q2-M9XA" in text


def test_form_prints_name_organisation_and_return_instructions(form: bytes) -> None:
    text = text_of(form)
    for expected in (
        "Anmeldung",
        "Frau Dr. Ayşe Yılmaz",
        "Türkisch-Deutscher Kulturverein Münster e.V.",
        "Donnerstag, den 31.1.2019, 17-20 Uhr, Festsaal des Rathauses",
        "Bitte senden Sie dieses Formular bis zum 27.1.2019 zurück",
        "per E-Mail an anmeldung-vernetzung@stadt-muenster.de",
        "per Fax an 02 51/492-77 83",
        "Ja, ich nehme / wir nehmen teil.",
        "Nein, ich kann / wir können leider nicht teilnehmen.",
        "Anzahl Personen",
        "Namen der Teilnehmenden",
        "Bemerkungen",
    ):
        assert expected in text, expected


def test_filled_form_reads_back_exactly(form: bytes) -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(form)))
    values = {
        "teilnahme": "/ja",
        "personen": "3",
        "namen": "Ayşe Yılmaz, Олег Петров, Łucja Żak",
        "telefon": "0251 123456",
        "bemerkungen": "Rollstuhlplatz, bitte",
    }
    writer.update_page_form_field_values(writer.pages[0], values, auto_regenerate=False)
    buffer = io.BytesIO()
    writer.write(buffer)
    fields = PdfReader(io.BytesIO(buffer.getvalue())).get_fields()
    assert fields["teilnahme"]["/V"] == "/ja"
    for name in ("personen", "namen", "telefon", "bemerkungen"):
        assert fields[name]["/V"] == values[name]
    assert fields["code"]["/V"] == "K7Q2M9XA"


def widgets(data: bytes) -> list[tuple[str, dict]]:
    """The page's field widgets in /Annots order (the tab order) with their field dicts."""
    page = PdfReader(io.BytesIO(data)).pages[0]
    found = []
    for ref in page["/Annots"]:
        annot = ref.get_object()
        field = annot.get("/Parent", annot).get_object() if "/T" not in annot else annot
        found.append((str(field["/T"]), {**field, **annot}))
    return found


def test_every_field_has_a_spoken_tooltip_room_and_top_to_bottom_tab_order(form: bytes) -> None:
    found = widgets(form)
    names = [name for name, _ in found]
    assert names == ["teilnahme", "teilnahme", "personen", "namen", "email", "telefon",
                     "bemerkungen", "code"]  # fmt: skip
    tips = [str(field.get("/TU", "")) for _, field in found]
    assert all(tip and tip not in FIELDS for tip in tips), tips  # never the raw field name
    assert "eine Person je Zeile" in tips[3] and "Barrierefreiheit" in tips[6]
    tops = [float(field["/Rect"][3]) for _, field in found]
    assert all(a >= b - 0.01 for a, b in zip(tops, tops[1:], strict=False))  # top to bottom
    fields = dict(found)
    for name in ("namen", "bemerkungen"):
        assert fields[name]["/MaxLen"] == 1000
        assert int(fields[name]["/Ff"]) & 4096  # multi-line
    assert not int(fields["email"].get("/Ff", 0)) & 4096
    assert "(eine Person je Zeile)" in text_of(form)


def test_a_thousand_characters_of_names_and_remarks_read_back(form: bytes) -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(form)))
    names = "\n".join(f"Teilnehmerin Nummer {i:03d} Beispiel" for i in range(30))[:1000]
    remarks = ("Wir brauchen einen Rollstuhlplatz und Gebärdensprache. " * 20)[:1000]
    values = {"namen": names, "bemerkungen": remarks}
    writer.update_page_form_field_values(writer.pages[0], values, auto_regenerate=False)
    buffer = io.BytesIO()
    writer.write(buffer)
    fields = PdfReader(io.BytesIO(buffer.getvalue())).get_fields()
    assert fields["namen"]["/V"] == names and fields["bemerkungen"]["/V"] == remarks


def test_english_invitee_gets_an_english_form_with_the_same_field_names(
    settings: Settings,
) -> None:
    mensah = Invitee(
        number="4", salutation="Herr", first_name="Kwame", last_name="Mensah",
        organisation="Ghana Union", email="k.mensah@example.org", language="en", code="4WJ9TQ2C",
    )  # fmt: skip
    data = render_form(settings, mensah)
    text = text_of(data)
    words = FORM["en"]
    for expected in (
        "Registration",
        "Invited: Mr Kwame Mensah",
        words.yes,
        words.no,
        "Number of persons",
        "Names of the participants",
        "(one person per line)",
        "Remarks (e.g. accessibility",
        "Your registration code",
        "Please return this form by 27 January 2019",
        "by email to anmeldung-vernetzung@stadt-muenster.de",
        "Thursday, 31 January 2019",
        "Stadt Münster",  # the city's name stays
    ):
        assert expected in text, expected
    for german in ("Anmeldung", "Teilnahme", "Bitte senden", "Namen der Teilnehmenden"):
        assert german not in text, german
    fields = PdfReader(io.BytesIO(data)).get_fields()
    assert set(FIELDS) <= set(fields)
    tips = [str(field.get("/TU", "")) for _, field in widgets(data)]
    assert "one person per line" in tips[3]
    reader = PdfReader(io.BytesIO(data))
    assert "Anmeldecode 4WJ9TQ2C" in reader.metadata.subject  # read by the inbox, unchanged
    assert reader.metadata.title.startswith("Registration form")


def decode(data: bytes, dpi: int = 150) -> tuple[str, float]:
    """Rasterise page 1, scan it; return the QR text and the symbol's width in mm."""
    page = pypdfium2.PdfDocument(data)[0]
    image = page.render(scale=dpi / 72).to_pil()
    results = zxingcpp.read_barcodes(image)
    assert len(results) == 1, results
    result = results[0]
    assert result.format == zxingcpp.BarcodeFormat.QRCode
    position = result.position
    width_px = abs(position.top_right.x - position.top_left.x)
    return result.text, width_px / dpi * MM_PER_INCH


def test_qr_code_decodes_to_the_invitee_code_and_is_at_least_25_mm(form: bytes) -> None:
    text, width = decode(form)
    assert text == "INVITE:K7Q2M9XA"
    assert width >= 25.0


def test_qr_code_survives_a_coarse_fax_like_scan(form: bytes) -> None:
    page = pypdfium2.PdfDocument(form)[0]
    image = page.render(scale=100 / 72, grayscale=True).to_pil().point(lambda v: 255 * (v > 128))
    results = zxingcpp.read_barcodes(image.convert("L"))
    assert [r.text for r in results] == ["INVITE:K7Q2M9XA"]


def test_qr_modules_are_level_m_version_1(settings: Settings) -> None:
    modules = qr_modules(qr_payload("K7Q2M9XA"))
    assert len(modules) == 21 and all(len(row) == 21 for row in modules)


def test_arabic_name_on_form_is_shaped_and_code_decodes(settings: Settings) -> None:
    data = render_form(settings, FATIMA)
    text = text_of(data)
    assert "Syrischer Kulturverein Münster" in text and "7TQX-3M0R" in text
    assert "■" not in text
    assert set(shape(FATIMA.first_name + FATIMA.last_name)) <= set(text)
    assert decode(data)[0] == "INVITE:7TQX3M0R"
