"""The letter's content and geometry as plain data: no PDF needed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from people import AYSE

from invite.core import layout as L
from invite.settings import Settings, load_settings

CAMPAIGN = Path(__file__).resolve().parent.parent / "invite" / "bundled"


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(CAMPAIGN, environ={})


def lines(blocks: list[L.ColumnBlock]) -> list[str]:
    return [text for b in blocks for text in ((b.heading,) if b.heading else ()) + b.lines]


def test_geometry_is_din_5008_form_b() -> None:
    assert (L.ADDRESS_X, L.ADDRESS_TOP, L.ADDRESS_WIDTH, L.ADDRESS_HEIGHT) == (20, 45, 85, 45)
    assert pytest.approx(L.ADDRESS_HEIGHT) == L.ZUSATZ_HEIGHT + L.ANSCHRIFT_HEIGHT
    assert pytest.approx(62.7) == L.ANSCHRIFT_TOP
    assert L.ADDRESS_TEXT_X == 25
    assert (L.INFO_X, L.INFO_TOP) == (125, 50) and L.INFO_TEXT_WIDTH <= L.INFO_MAX_WIDTH == 75
    assert L.FOLD_MARKS == (105, 210) and L.HOLE_MARK == 148.5 and L.MARK_X == 3.5
    assert (L.MARGIN_LEFT, L.PAGE_WIDTH - L.TEXT_RIGHT) == (25, 20)
    # The address text stays inside the DIN-lang window, the body left of the Randspalte.
    assert L.WINDOW_LEFT <= L.ADDRESS_TEXT_X
    assert L.ADDRESS_TEXT_X + L.ADDRESS_TEXT_WIDTH <= L.WINDOW_RIGHT
    assert L.BODY_RIGHT_FIRST_PAGE < L.INFO_X
    assert L.SUBJECT_TOP > L.WINDOW_BOTTOM


def test_info_column_has_office_address_both_contacts_reference_and_date(
    settings: Settings,
) -> None:
    column = lines(L.info_column(settings))
    assert column[:3] == ["Stadthaus 1", "Klemensstraße 10", "48143 Münster"]
    assert "Ihr/e Ansprechpartnerinnen:" in column
    for expected in (
        "Geschäftsstelle des Beirates für kommunale Entwicklungszusammenarbeit",
        "Susanne Rietkötter",
        "Zimmer: 312",
        "Telefon: 02 51/492-33 26",
        "Fax: 02 51/492-77 83",
        "Rietkoetter@stadt-muenster.de",
        "Geschäftsstelle des Integrationsrates",
        "Sandra Rischer",
        "Zimmer: 222",
        "Rischer@stadt-muenster.de",
        "Mein Zeichen (bitte angeben)",
        "33.00.0011",
        "Münster, 10.1.2019",
    ):
        assert expected in column
    # The heading stands once, above the first contact.
    assert column.index("Ihr/e Ansprechpartnerinnen:") < column.index("Susanne Rietkötter")
    assert column.count("Ihr/e Ansprechpartnerinnen:") == 1


def test_info_footer_has_general_contact_and_accessibility(settings: Settings) -> None:
    footer = lines(L.info_footer(settings))
    assert footer == [
        "Stadt Münster",
        "Telefon: 02 51/492-0",
        "Fax: 02 51/492-77 00",
        "stadtverwaltung@stadt-muenster.de",
        "www.stadt-muenster.de",
        "Service für Menschen mit Behinderung:",
        "www.stadt-muenster.de/barrierefrei",
    ]


def test_column_comes_from_settings_not_code(settings: Settings) -> None:
    other = dataclasses.replace(
        settings,
        sender=dataclasses.replace(settings.sender, address=("Rathaus", "12345 Musterstadt")),
        letter=dataclasses.replace(settings.letter, reference="99.1"),
    )
    column = lines(L.info_column(other))
    assert column[:2] == ["Rathaus", "12345 Musterstadt"] and "99.1" in column


def test_date_line_is_formatted_per_language(settings: Settings) -> None:
    assert L.date_line(settings) == "Münster, 10.1.2019"
    assert L.date_line(settings, "en") == "Münster, 10 January 2019"


def test_reference_for_continuation_pages(settings: Settings) -> None:
    assert L.reference_short(settings) == "Mein Zeichen 33.00.0011"


def test_address_field(settings: Settings) -> None:
    field = L.address_field(settings, AYSE)
    assert field.return_line == "Stadt Münster · 48127 Münster (0102)"
    assert field.lines == (
        "Türkisch-Deutscher Kulturverein Münster e.V.",
        "Frau Dr. Ayşe Yılmaz",
        "Hammer Straße 112",
        "48153 Münster",
    )


def width_by_length(text: str, size: float) -> float:
    """A fake font: every character is size/2 wide."""
    return len(text) * size / 2


def test_wrap_words_breaks_at_spaces_and_keeps_long_words() -> None:
    measure = lambda s: float(len(s))  # noqa: E731
    assert L.wrap_words("eins zwei drei vier", measure, 9) == ["eins zwei", "drei vier"]
    assert L.wrap_words("Donaudampfschifffahrt kurz", measure, 5) == [
        "Donaudampfschifffahrt",
        "kurz",
    ]


def test_fit_address_prefers_unbroken_lines_then_wraps() -> None:
    # Fits at 10 pt: unchanged.
    assert L.fit_address(["a" * 10, "b" * 8], width_by_length, 50) == (10.0, ["a" * 10, "b" * 8])
    # 11 characters need 55 at 10 pt; 9.5 pt (52.25) is still too wide, 9 pt (49.5) fits.
    assert L.fit_address(["a" * 11], width_by_length, 50) == (9.0, ["a" * 11])
    # Too long for any size unbroken: wrapped at the largest size.
    size, wrapped = L.fit_address(["aaaa bbbb cccc dddd"], width_by_length, 50)
    assert size == 10.0 and wrapped == ["aaaa bbbb", "cccc dddd"]
    # More than six lines even at 8 pt: an error, never a dropped line.
    with pytest.raises(L.AddressOverflow, match="höchstens 6 Zeilen"):
        L.fit_address(["x " * 60], width_by_length, 10)
    # A word wider than the field at 8 pt would stick out of the window: an error too.
    with pytest.raises(L.AddressOverflow):
        L.fit_address(["a" * 20], width_by_length, 50)


LONG_ORGANISATION = (
    "Arbeitsgemeinschaft der Vereine, Initiativen und Beratungsstellen für Migration, "
    "Integration und Entwicklungshilfe im Regierungsbezirk Münster und im ganzen Münsterland"
)


def test_a_long_organisation_keeps_plz_and_ort_or_is_refused() -> None:
    # 20 characters per line at 10 pt, 25 at 8 pt: the organisation wraps to three lines.
    wide = dataclasses.replace(AYSE, organisation="Verein " * 7, street="Hauptstraße 1")
    wide = dataclasses.replace(wide, postcode="48143", city="Münster")
    size, printed = L.fit_address(L.address_block(wide), width_by_length, 100)
    assert len(printed) == 6 and printed[-2:] == ["Hauptstraße 1", "48143 Münster"]
    assert L.address_problem(wide, width_by_length, 100) is None
    # The organisation alone needs seven lines at 8 pt: refused, not cut.
    too_long = dataclasses.replace(wide, organisation=LONG_ORGANISATION)
    with pytest.raises(L.AddressOverflow):
        L.fit_address(L.address_block(too_long), width_by_length, 100)
    problem = L.address_problem(too_long, width_by_length, 100)
    assert problem is not None
    assert problem.startswith("Nr. 1: Die Anschrift passt nicht ins Sichtfenster")
    assert "„Organisation“ ist zu lang" in problem and "kürzen" in problem
    # One unbreakable word names its field.
    street = dataclasses.replace(wide, street="Hauptstraßenverlängerungsabschnitt 1")
    problem = L.address_problem(street, width_by_length, 100)
    assert problem is not None and "im Feld „Straße“" in problem


def test_parse_body_paragraphs_bold_lines_and_inline_bold() -> None:
    text = (
        "Sehr geehrte Frau Dr. Yılmaz,\n\n"
        "erste Zeile\nzweite Zeile mit **fett** darin.\n\n\n"
        "**Donnerstag, den 31.1.2019**\n**im Festsaal des Rathauses**\n"
    )
    blocks = L.parse_body(text)
    assert [b.text for b in blocks] == [
        "Sehr geehrte Frau Dr. Yılmaz,",
        "erste Zeile\nzweite Zeile mit fett darin.",
        "Donnerstag, den 31.1.2019\nim Festsaal des Rathauses",
    ]
    assert blocks[1].lines[1] == (
        L.Run("zweite Zeile mit "),
        L.Run("fett", bold=True),
        L.Run(" darin."),
    )
    assert [b.emphasised for b in blocks] == [False, False, True]


def test_letter_content_collects_every_element(settings: Settings) -> None:
    content = L.letter_content(settings, AYSE, "Sehr geehrte Frau Dr. Yılmaz,\n\nText.")
    assert content.subject.startswith("Vernetzungstreffen im Rahmen des Projektes")
    assert content.closing == "Mit freundlichen Grüßen"
    assert (content.signatory, content.signatory_title) == ("Markus Lewe", "Oberbürgermeister")
    assert content.continuation == "Mein Zeichen 33.00.0011 · Münster, 10.1.2019"
    assert content.keywords == "invite-code:K7Q2M9XA"
    assert content.language == "de" and len(content.body) == 2
    assert "Ayşe Yılmaz" in content.description


def test_front_matter_of_a_template_overrides_subject_and_closing(settings: Settings) -> None:
    text = (
        "Betreff: Invitation to the networking meeting\nGrußformel: Yours sincerely\n\nDear Ms X,"
    )
    assert L.split_front_matter(text) == (
        {"subject": "Invitation to the networking meeting", "closing": "Yours sincerely"},
        "\nDear Ms X,",
    )
    content = L.letter_content(settings, AYSE, text, "en")
    assert content.subject == content.title == "Invitation to the networking meeting"
    assert content.closing == "Yours sincerely"
    assert [b.text for b in content.body] == ["Dear Ms X,"]
    assert content.continuation.endswith("Münster, 10 January 2019")
    # Without front matter the settings apply; a colon in the first body line is just text.
    assert L.split_front_matter("Hinweis: bitte lesen\n\nText") == (
        {},
        "Hinweis: bitte lesen\n\nText",
    )
