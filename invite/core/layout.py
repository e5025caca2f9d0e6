"""What goes where on the letter page: DIN 5008 Form B geometry and the letter's content as data.

Pure: no reportlab here. Positions are millimetres from the top-left corner of an A4 sheet, as
DIN 5008 states them; ``invite.paper.pdf`` converts them to PDF points. Everything printed comes from
the campaign settings, the invitee and the rendered template, so the layout is testable with
plain values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from babel.dates import format_date

from invite.core.contacts import LABELS, Invitee
from invite.core.salutation import MAX_ADDRESS_LINES, address_block, named_line
from invite.core.wording import letterhead
from invite.errors import InviteError
from invite.settings import Settings

# -- geometry (mm from the top-left edge of the sheet) ---------------------------------------

PAGE_WIDTH = 210.0
PAGE_HEIGHT = 297.0

LETTERHEAD_BOTTOM = 45.0  # the letterhead band is 0–45

# Address field (Form B): 85 × 45 at x 20, y 45; Zusatz- und Vermerkzone on top, Anschriftzone below.
ADDRESS_X = 20.0
ADDRESS_TOP = 45.0
ADDRESS_WIDTH = 85.0
ADDRESS_HEIGHT = 45.0
ZUSATZ_HEIGHT = 17.7
ANSCHRIFT_TOP = ADDRESS_TOP + ZUSATZ_HEIGHT  # 62.7
ANSCHRIFT_HEIGHT = 27.3
ADDRESS_TEXT_X = 25.0
ADDRESS_TEXT_WIDTH = ADDRESS_X + ADDRESS_WIDTH - ADDRESS_TEXT_X - 2.0  # keep 2 mm off the edge

# The window of a DIN-lang envelope (C6/5, DL) that the Anschrift must stay inside.
WINDOW_LEFT, WINDOW_RIGHT = 20.0, 105.0
WINDOW_TOP, WINDOW_BOTTOM = 45.0, 90.0

# Information block / Randspalte: from x 125, y 50, at most 75 wide; text kept within 190.
INFO_X = 125.0
INFO_TOP = 50.0
INFO_MAX_WIDTH = 75.0
INFO_TEXT_WIDTH = 65.0

# Marks in the left margin: fold marks at 105 and 210, the hole mark at 148.5.
FOLD_MARKS = (105.0, 210.0)
HOLE_MARK = 148.5
MARK_X = 3.5
FOLD_MARK_LENGTH = 4.0
HOLE_MARK_LENGTH = 6.0

# Text area.
MARGIN_LEFT = 25.0
MARGIN_RIGHT = 20.0
TEXT_RIGHT = PAGE_WIDTH - MARGIN_RIGHT  # 190
BODY_RIGHT_FIRST_PAGE = INFO_X - 7.0  # 118: the body stays clear of the Randspalte
SUBJECT_TOP = WINDOW_BOTTOM + 8.46  # two blank lines below the address field
BODY_BOTTOM = PAGE_HEIGHT - 22.0
CONTINUATION_TOP = 32.0  # below the reduced header of pages 2 …

# -- the Anmeldeformular --------------------------------------------------------------------


@dataclass(frozen=True)
class FormGeometry:
    """Where the parts of the Anmeldeformular are, in mm from the page's top left corner: the
    one description ``invite.paper.form`` draws from and ``invite.paper.evidence`` reads ticks
    from in a scan (through the QR code's corners), so a layout change moves both."""

    left: float = MARGIN_LEFT
    right: float = TEXT_RIGHT
    title_top: float = 52.0
    invitee_top: float = 96.0
    fields_top: float = 118.0
    return_top: float = 240.0
    title_right: float = 148.0
    qr_size: float = 36.0  # including the quiet zone: the symbol is ≈ 26 mm (≥ 25 mm survives fax)
    qr_quiet_modules: int = 4
    tick_box: float = 5.0  # the square of each Teilnahme option
    tick_radius: float = 1.6  # where ink counts as a tick, around the square's centre
    persons_width: float = 20.0
    persons_height: float = 7.5

    @property
    def qr_box(self) -> tuple[float, float]:
        """Left and top of the QR code's square (quiet zone included)."""
        return self.right - self.qr_size, self.title_top - 8

    def qr_symbol(self, modules: int) -> tuple[float, float, float]:
        """Left, top and side of the symbol itself (no quiet zone) for ``modules`` per side."""
        unit = self.qr_size / (modules + 2 * self.qr_quiet_modules)
        box_left, box_top = self.qr_box
        quiet = self.qr_quiet_modules * unit
        return box_left + quiet, box_top + quiet, modules * unit

    def answer_row(self, index: int) -> float:
        """Baseline of Teilnahme option ``index`` (0 ja, 1 nein)."""
        return self.fields_top + 7 + index * 8

    def tick_square(self, index: int) -> tuple[float, float]:
        """Left and bottom of the square of option ``index``."""
        return self.left, self.answer_row(index) + 1.2

    def tick_centre(self, index: int) -> tuple[float, float]:
        left, bottom = self.tick_square(index)
        return left + self.tick_box / 2, bottom - self.tick_box / 2

    @property
    def persons_top(self) -> float:
        """Baseline of the „Personen“ label."""
        return self.fields_top + 29

    @property
    def persons_field(self) -> tuple[float, float, float, float]:
        """Left, top, width, height of the persons box."""
        return self.left + 45, self.persons_top - 5, self.persons_width, self.persons_height

    @property
    def persons_inside(self) -> tuple[float, float, float, float]:
        """Left, top, right, bottom inside the persons box's border (where digits are)."""
        left, top, width, height = self.persons_field
        return left + 1, top + 1.2, left + width - 1, top + height - 1.2


FORM = FormGeometry()


# -- the information column ----------------------------------------------------------------


@dataclass(frozen=True)
class ColumnBlock:
    """A group of lines in the Randspalte, separated from the next by space."""

    lines: tuple[str, ...]
    heading: str = ""  # printed bold above the lines


def date_line(settings: Settings, language: str = "de") -> str:
    """``Münster, 10.1.2019`` (English letters: ``Münster, 10 January 2019``)."""
    if language == "en":
        formatted = format_date(settings.letter.date, "d MMMM y", locale="en_GB")
    else:
        formatted = format_date(settings.letter.date, "d.M.y", locale="de_DE")
    return f"{settings.sender.place}, {formatted}"


def info_column(settings: Settings, language: str = "de") -> list[ColumnBlock]:
    """The top of the Randspalte: office address, both contacts, reference and date
    (labels in the letter's language; names and addresses as the campaign has them)."""
    sender, letter = settings.sender, settings.letter
    words = letterhead(language)
    blocks = [ColumnBlock(sender.address)]
    for index, person in enumerate(sender.contacts):
        blocks.append(
            ColumnBlock(
                (
                    person.office,
                    person.name,
                    f"{words.room}: {person.room}",
                    f"{words.phone}: {person.phone}",
                    f"{words.fax}: {person.fax}",
                    person.email,
                ),
                heading=(words.contacts_heading or sender.contacts_heading) if index == 0 else "",
            )
        )
    blocks.append(ColumnBlock((reference_label(settings, language), letter.reference)))
    blocks.append(ColumnBlock((date_line(settings, language),)))
    return blocks


def info_footer(settings: Settings, language: str = "de") -> list[ColumnBlock]:
    """The foot of the Randspalte: the city's general contact and the accessibility service."""
    general = settings.sender.general
    words = letterhead(language)
    return [
        ColumnBlock(
            (
                f"{words.phone}: {general.phone}",
                f"{words.fax}: {general.fax}",
                general.email,
                general.web,
            ),
            heading=general.heading,
        ),
        ColumnBlock(
            (general.accessibility,),
            heading=words.accessibility_label or general.accessibility_label,
        ),
    ]


def reference_label(settings: Settings, language: str = "de") -> str:
    """„Mein Zeichen (bitte angeben)“ as the campaign words it; English: its own label."""
    return letterhead(language).reference_label or settings.letter.reference_label


def reference_short(settings: Settings, language: str = "de") -> str:
    """``Mein Zeichen 33.00.0011`` for continuation pages (label without its parenthesis)."""
    label = reference_label(settings, language).split(" (")[0].strip()
    return f"{label} {settings.letter.reference}"


# -- the address field ---------------------------------------------------------------------


@dataclass(frozen=True)
class AddressField:
    return_line: str
    lines: tuple[str, ...]


def address_field(settings: Settings, invitee: Invitee) -> AddressField:
    return AddressField(settings.sender.return_address, tuple(address_block(invitee)))


def _at_size(measure: Callable[[str, float], float], size: float) -> Callable[[str], float]:
    """``measure`` with the font size fixed."""
    return lambda text: measure(text, size)


def wrap_words(text: str, measure: Callable[[str], float], width: float) -> list[str]:
    """Break ``text`` at spaces so each line measures at most ``width`` (a long word stays whole)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and measure(candidate) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


ADDRESS_SIZES = (10.0, 9.5, 9.0, 8.5, 8.0)  # pt; below 8 pt the address is too small to read


class AddressOverflow(InviteError):
    """The Anschrift does not fit the Anschriftzone even at the smallest size: printing it would
    cut a line (maybe PLZ and Ort) off, so the letter could not be delivered."""


def fit_address(
    lines: tuple[str, ...] | list[str],
    measure: Callable[[str, float], float],
    width: float,
    sizes: tuple[float, ...] = ADDRESS_SIZES,
    max_lines: int = MAX_ADDRESS_LINES,
) -> tuple[float, list[str]]:
    """Font size and lines for the Anschriftzone: unbroken lines at the largest size that fits,
    else lines wrapped at spaces. Every line is kept: when they need more than ``max_lines``
    or a word is wider than ``width`` even at the smallest size, ``AddressOverflow`` is raised.

    ``measure(text, size)`` gives the printed width in the same unit as ``width``.
    """
    lines = list(lines)
    if len(lines) <= max_lines:
        for size in sizes[:3]:
            if all(measure(line, size) <= width for line in lines):
                return size, lines
    for size in sizes:
        wrapped = [
            part for line in lines for part in wrap_words(line, _at_size(measure, size), width)
        ]
        if len(wrapped) <= max_lines and all(measure(w, size) <= width for w in wrapped):
            return size, wrapped
    raise AddressOverflow(
        f"Die Anschrift passt auch in {sizes[-1]:g} pt nicht in das Anschriftfeld "
        f"(höchstens {max_lines} Zeilen)."
    )


def address_problem(
    invitee: Invitee,
    measure: Callable[[str, float], float],
    width: float = ADDRESS_TEXT_WIDTH,
) -> str | None:
    """Why this invitee's Anschrift cannot be printed in the envelope window, in German and
    naming the field to shorten; ``None`` when it fits. For ``invite letters`` and ``check``."""
    try:
        fit_address(address_block(invitee), measure, width)
        return None
    except AddressOverflow:
        pass
    size = ADDRESS_SIZES[-1]
    fields = [
        (LABELS["organisation"], invitee.organisation),
        (
            f"{LABELS['title']}/{LABELS['first_name']}/{LABELS['last_name']}",
            named_line(invitee, invitee.language),
        ),
        (LABELS["street"], invitee.street),
        (f"{LABELS['postcode']}/{LABELS['city']}", f"{invitee.postcode} {invitee.city}".strip()),
    ]
    intro = f"Nr. {invitee.number}: Die Anschrift passt nicht ins Sichtfenster des Briefumschlags"
    for label, text in fields:
        long_words = [w for w in text.split() if measure(w, size) > width]
        if long_words:
            return (
                f"{intro} – im Feld „{label}“ ist „{long_words[0]}“ zu lang für eine Zeile, "
                "bitte in der Kontaktliste kürzen."
            )
    needed = {
        label: len(wrap_words(text, lambda s: measure(s, size), width)) for label, text in fields
    }
    label = max(needed, key=lambda key: needed[key])
    return (
        f"{intro} (höchstens {MAX_ADDRESS_LINES} Zeilen, zusammen wären es "
        f"{sum(needed.values())}) – das Feld „{label}“ ist zu lang ({needed[label]} Zeilen), "
        "bitte in der Kontaktliste kürzen."
    )


# -- the body ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False


@dataclass(frozen=True)
class Block:
    """A paragraph of the letter; its line breaks are kept as typed in the template."""

    lines: tuple[tuple[Run, ...], ...]

    @property
    def emphasised(self) -> bool:
        """All bold, like the event block: set apart and never split across pages."""
        return all(run.bold for line in self.lines for run in line if run.text.strip())

    @property
    def text(self) -> str:
        return "\n".join("".join(run.text for run in line) for line in self.lines)


_BOLD = re.compile(r"\*\*(.+?)\*\*")


def parse_line(line: str) -> tuple[Run, ...]:
    """``Am **31.1.** um 17 Uhr`` -> runs with the starred parts bold."""
    runs: list[Run] = []
    position = 0
    for match in _BOLD.finditer(line):
        if match.start() > position:
            runs.append(Run(line[position : match.start()]))
        runs.append(Run(match.group(1), bold=True))
        position = match.end()
    if position < len(line):
        runs.append(Run(line[position:]))
    return tuple(runs)


def parse_body(text: str) -> list[Block]:
    """Paragraphs are separated by blank lines; ``**…**`` marks bold text."""
    blocks: list[Block] = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        if lines:
            blocks.append(Block(tuple(parse_line(line) for line in lines)))
    return blocks


@dataclass(frozen=True)
class LetterContent:
    """Everything printed on one invitee's letter, in reading order."""

    language: str
    address: AddressField
    column: tuple[ColumnBlock, ...]
    column_footer: tuple[ColumnBlock, ...]
    subject: str
    body: tuple[Block, ...]
    closing: str
    signatory: str
    signatory_title: str
    continuation: str  # reference and date for the reduced header of pages 2 …
    title: str  # PDF metadata
    author: str
    description: str
    keywords: str


# Optional first lines of a letter template that override the settings for that language.
FRONT_MATTER = {"Betreff".casefold(): "subject", "Grußformel".casefold(): "closing"}


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """``Betreff: …`` / ``Grußformel: …`` lines at the top of a letter template, and the rest.

    Lets an English template carry its own subject and closing; German uses the settings.
    """
    found: dict[str, str] = {}
    lines = text.strip().splitlines()
    index = 0
    while index < len(lines):
        key, colon, value = lines[index].partition(":")
        field = FRONT_MATTER.get(key.strip().casefold())
        if not colon or field is None or field in found:
            break
        found[field] = value.strip()
        index += 1
    return found, "\n".join(lines[index:])


def letter_content(
    settings: Settings, invitee: Invitee, body_text: str, language: str | None = None
) -> LetterContent:
    """Assemble the letter from settings, invitee and the rendered letter template
    (``language`` is the template's language, which may have fallen back to German)."""
    if language is None:
        language = invitee.language if invitee.language in ("de", "en") else "de"
    letter, sender = settings.letter, settings.sender
    recipient = invitee.full_name or invitee.organisation
    front, body = split_front_matter(body_text)
    subject = front.get("subject") or letter.subject
    return LetterContent(
        language=language,
        address=address_field(settings, invitee),
        column=tuple(info_column(settings, language)),
        column_footer=tuple(info_footer(settings, language)),
        subject=subject,
        body=tuple(parse_body(body)),
        closing=front.get("closing") or letter.closing,
        signatory=letter.signatory,
        signatory_title=letter.signatory_title,
        continuation=f"{reference_short(settings, language)} · {date_line(settings, language)}",
        title=subject,
        author=f"{sender.organisation} – {sender.office}",
        description=f"{settings.event.title}: {letterhead(language).invitation_to} {recipient}",
        keywords=f"invite-code:{invitee.code}" if invitee.code else "",
    )
