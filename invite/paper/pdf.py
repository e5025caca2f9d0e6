"""Drawing the city's letterhead style with reportlab: letters, the programme, shared helpers.

One document builder serves single letters and the print batch alike: a document is a list of
sections (a letter, a programme, a form page), each with its own page numbering and page
decorations, so a thousand letters can be drawn into one PDF with the fonts embedded once.
The letterhead helpers (``draw_letterhead``, ``styles``, ``paragraph``) are public so other
documents of the campaign (e.g. a participant list) look the same.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from PIL import Image
from reportlab import rl_config
from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    FrameActionFlowable,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from invite.core import layout as L
from invite.core.layout import Block, ColumnBlock, LetterContent
from invite.core.wording import letterhead
from invite.paper import fonts
from invite.settings import Settings
from invite.templates import event_context

# Streams stay binary (zlib only): ASCII85 makes files larger and rendering ≈ 35 % slower.
rl_config.useA85 = 0

GREY = Color(0.32, 0.32, 0.32)
SIGNATURE_WIDTH = 55.0  # mm; the height follows the image's aspect ratio
SIGNATURE_MAX_HEIGHT = 20.0
PRODUCER = "invite (Stadtverwaltung)"
CONTINUATION_WIDTH = (L.TEXT_RIGHT - L.MARGIN_LEFT) * mm


def x_pt(x_mm: float) -> float:
    """A layout x position (mm from the left edge) in PDF points."""
    return x_mm * mm


def y_pt(y_mm: float) -> float:
    """A layout y position (mm from the top edge) in PDF points (measured from the bottom)."""
    return (L.PAGE_HEIGHT - y_mm) * mm


# -- type ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    emphasis: ParagraphStyle  # the event block: bold, set apart
    subject: ParagraphStyle
    closing: ParagraphStyle
    signatory: ParagraphStyle
    column: ParagraphStyle
    title: ParagraphStyle
    heading: ParagraphStyle
    small: ParagraphStyle


@functools.cache
def styles() -> Styles:
    """The one family (regular + bold) at the sizes of the city's letters."""
    base = ParagraphStyle(
        "body",
        fontName=fonts.REGULAR,
        fontSize=10.5,
        leading=14.5,
        spaceAfter=7.5,
        allowWidows=0,
        allowOrphans=0,
        textColor=black,
    )
    return Styles(
        body=base,
        emphasis=ParagraphStyle(
            "emphasis", parent=base, fontName=fonts.BOLD, spaceBefore=3, spaceAfter=11
        ),
        subject=ParagraphStyle(
            "subject", parent=base, fontName=fonts.BOLD, leading=14, spaceAfter=17
        ),
        closing=ParagraphStyle("closing", parent=base, spaceBefore=4, spaceAfter=2),
        signatory=ParagraphStyle("signatory", parent=base, spaceAfter=0),
        column=ParagraphStyle(
            "column", fontName=fonts.REGULAR, fontSize=8, leading=10.2, textColor=black
        ),
        title=ParagraphStyle(
            "title", parent=base, fontName=fonts.BOLD, fontSize=16, leading=20, spaceAfter=6
        ),
        heading=ParagraphStyle(
            "heading", parent=base, fontName=fonts.BOLD, fontSize=11.5, leading=15, spaceAfter=4
        ),
        small=ParagraphStyle("small", parent=base, fontSize=8.5, leading=11, spaceAfter=3),
    )


def markup(text: str) -> str:
    """Plain text as paragraph markup: escaped, Arabic shaped, line breaks kept."""
    return "<br/>".join(escape(fonts.shape(line)) for line in text.split("\n"))


def paragraph(text: str, style: ParagraphStyle, *, bold: bool = False) -> Paragraph:
    """A paragraph of plain (never markup) text in the letter family."""
    body = markup(text)
    return Paragraph(f"<b>{body}</b>" if bold else body, style)


class BodyParagraph(Paragraph):
    """A body paragraph that never leaves a single line at the top of a continuation page.

    reportlab's widow control counts lines at the narrow page-1 width; re-wrapped at the full
    width of page 2, two leftover lines can shrink to one. Then one more line moves over.
    """

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        parts = super().split(availWidth, availHeight)
        leading = self.style.leading
        while len(parts) == 2 and availHeight > 2 * leading:
            _, rest_height = parts[1].wrap(CONTINUATION_WIDTH, L.PAGE_HEIGHT * mm)
            if rest_height > 1.5 * leading:
                break
            availHeight -= leading
            self.wrap(availWidth, availHeight)
            parts = super().split(availWidth, availHeight)
        return parts


def block_paragraph(block: Block, style: ParagraphStyle) -> Paragraph:
    """A template paragraph with its bold runs and line breaks."""
    lines = []
    for line in block.lines:
        parts = []
        for run in line:
            text = escape(fonts.shape(run.text))
            parts.append(f"<b>{text}</b>" if run.bold else text)
        lines.append("".join(parts))
    return BodyParagraph("<br/>".join(lines), style)


@functools.lru_cache(maxsize=8)
def column_paragraphs(blocks: tuple[ColumnBlock, ...]) -> list[tuple[Paragraph, float]]:
    """Randspalte paragraphs with their heights, wrapped once per process: the column is the
    same on every letter, and a wrapped paragraph can be drawn again and again."""
    style = styles().column
    result = []
    for block in blocks:
        head = f"<b>{markup(block.heading)}</b><br/>" if block.heading else ""
        para = Paragraph(head + "<br/>".join(markup(t) for t in block.lines), style)
        _, height = para.wrap(L.INFO_TEXT_WIDTH * mm, L.PAGE_HEIGHT * mm)
        result.append((para, height))
    return result


def balanced_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """``text`` broken at spaces into as few lines as fit ``width`` (points), with the lines
    as even as possible: no lone last word („Ebene“) when a better break exists."""
    words = text.split()
    if not words:
        return []

    def measure(line: str) -> float:
        return stringWidth(fonts.shape(line), font, size)

    lines = L.wrap_words(text, measure, width)
    if len(lines) < 2:
        return lines
    # The narrowest measure that still needs no more lines gives the most even lines.
    low, high = max(measure(word) for word in words), width
    while high - low > 0.5:
        middle = (low + high) / 2
        if len(L.wrap_words(text, measure, middle)) <= len(lines):
            high = middle
        else:
            low = middle
    return L.wrap_words(text, measure, high)


def title_paragraph(
    text: str, style: ParagraphStyle, width: float, *, bold: bool = True
) -> Paragraph:
    """A title (event name) wrapped evenly over ``width`` points, for the programme, the form,
    the door list and the print batch's cover sheet."""
    font = fonts.BOLD if bold else style.fontName
    lines = balanced_lines(text, font, style.fontSize, width)
    body = "<br/>".join(markup(line) for line in lines)
    return Paragraph(f"<b>{body}</b>" if bold else body, style)


# -- letterhead ----------------------------------------------------------------------------


def draw_letterhead(
    canvas: Canvas,
    settings: Settings,
    page_number: int,
    *,
    continuation: str = "",
    language: str = "de",
) -> None:
    """The city's letterhead: full on page 1, reduced (wordmark, reference, page) after that."""
    sender = settings.sender
    canvas.saveState()
    if page_number == 1:
        canvas.setFillColor(black)
        canvas.setFont(fonts.BOLD, 21)
        canvas.drawString(x_pt(L.INFO_X), y_pt(24.0), fonts.shape(sender.organisation))
        canvas.setFont(fonts.REGULAR, 10)
        canvas.drawString(x_pt(L.INFO_X), y_pt(30.5), fonts.shape(sender.office))
    else:
        canvas.setFont(fonts.BOLD, 9)
        canvas.drawString(x_pt(L.MARGIN_LEFT), y_pt(14.0), fonts.shape(sender.organisation))
        width = stringWidth(sender.organisation, fonts.BOLD, 9)
        canvas.setFont(fonts.REGULAR, 9)
        canvas.drawString(
            x_pt(L.MARGIN_LEFT) + width, y_pt(14.0), fonts.shape(" · " + sender.office)
        )
        canvas.drawRightString(
            x_pt(L.TEXT_RIGHT), y_pt(14.0), f"{letterhead(language).page} {page_number}"
        )
        if continuation:
            canvas.setFont(fonts.REGULAR, 8)
            canvas.setFillColor(GREY)
            canvas.drawString(x_pt(L.MARGIN_LEFT), y_pt(18.5), fonts.shape(continuation))
    canvas.restoreState()


def draw_fold_marks(canvas: Canvas) -> None:
    """Fold marks (105, 210 mm) and the hole mark (148.5 mm) in the left margin."""
    canvas.saveState()
    canvas.setLineWidth(0.4)
    canvas.setStrokeColor(GREY)
    for y in L.FOLD_MARKS:
        canvas.line(x_pt(L.MARK_X), y_pt(y), x_pt(L.MARK_X + L.FOLD_MARK_LENGTH), y_pt(y))
    canvas.line(
        x_pt(L.MARK_X), y_pt(L.HOLE_MARK), x_pt(L.MARK_X + L.HOLE_MARK_LENGTH), y_pt(L.HOLE_MARK)
    )
    canvas.restoreState()


def draw_address(canvas: Canvas, address: L.AddressField) -> None:
    """Rücksendeangabe (8 pt) at the foot of the Vermerkzone, the Anschrift below, in the window."""
    canvas.saveState()
    canvas.setFont(fonts.REGULAR, 8)
    canvas.drawString(
        x_pt(L.ADDRESS_TEXT_X), y_pt(L.ANSCHRIFT_TOP - 2.2), fonts.shape(address.return_line)
    )
    size, lines = L.fit_address(
        address.lines,
        lambda text, size: stringWidth(fonts.shape(text), fonts.REGULAR, size) / mm,
        L.ADDRESS_TEXT_WIDTH,
    )
    leading = size * 1.2 * 25.4 / 72  # mm
    baseline = L.ANSCHRIFT_TOP + 1.2 + size * 0.3528  # first line's cap height below the zone top
    canvas.setFont(fonts.REGULAR, size)
    for index, line in enumerate(lines):
        canvas.drawString(
            x_pt(L.ADDRESS_TEXT_X), y_pt(baseline + index * leading), fonts.shape(line)
        )
    canvas.restoreState()


def draw_column(canvas: Canvas, content: LetterContent) -> None:
    """The Randspalte: contacts from the top, the city's general contact at the foot."""
    gap = 3.2 * mm
    top = y_pt(L.INFO_TOP)
    for para, height in column_paragraphs(content.column):
        para.drawOn(canvas, x_pt(L.INFO_X), top - height)
        top -= height + gap
    footer = column_paragraphs(content.column_footer)
    total = sum(height for _, height in footer) + gap * (len(footer) - 1)
    bottom = y_pt(L.BODY_BOTTOM)
    start = min(top, bottom + total)  # at the foot of the page, or right below if it is full
    for para, height in footer:
        para.drawOn(canvas, x_pt(L.INFO_X), start - height)
        start -= height + gap


# -- signature -----------------------------------------------------------------------------


@functools.cache
def signature_image(path: Path) -> ImageReader:
    """Read the signature once per process, flattened onto white paper as greyscale: one
    small stream per letter instead of colour plus an alpha mask (JPEG would leave a faint box)."""
    with Image.open(path) as original:
        image = original.convert("RGBA")
    paper = Image.new("RGBA", image.size, "white")
    paper.alpha_composite(image)
    return ImageReader(paper.convert("L"))


class Signature(Flowable):
    """The signature image at its natural aspect ratio."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.image = signature_image(path)
        px_w, px_h = self.image.getSize()
        self.width = SIGNATURE_WIDTH * mm
        self.height = min(self.width * px_h / px_w, SIGNATURE_MAX_HEIGHT * mm)
        self.width = self.height * px_w / px_h

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.canv.drawImage(self.image, 0, 0, self.width, self.height)


# -- the document builder ------------------------------------------------------------------

Decorate = Callable[[Canvas, int], None]


@dataclass
class Section:
    """Part of a document with its own page count: a letter, a programme, a form page."""

    flowables: list[Flowable]
    decorate: Decorate  # draws the page furniture, given the section's page number
    layout: str = "letter"  # "letter" (narrow first page) or "plain"
    front_side: bool = False  # in a double-sided print: starts on a front (odd) page


@dataclass(frozen=True)
class Metadata:
    title: str
    author: str
    subject: str
    keywords: str = ""
    language: str = "de"


class _Start(Flowable):
    """Invisible marker that opens a section."""

    def __init__(self, section: Section) -> None:
        super().__init__()
        self.section = section
        self.width = self.height = 0

    def wrap(self, *_: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        pass


# A page left blank on purpose (a back side in a double-sided print): nothing is drawn on it.
BLANK = Section([], lambda canvas, page: None, "plain")


class _Parity(FrameActionFlowable):
    """Double-sided printing: a blank page is put in when the current page number is even
    (``before_next`` = the next section would start on a back side) or, at the end, odd (the
    last sheet's back stays blank, so the document has an even page count)."""

    def __init__(self, doc: _Document, layout: str, *, at_end: bool = False) -> None:
        self.doc, self.layout, self.at_end = doc, layout, at_end

    def frameAction(self, frame: Frame) -> None:  # noqa: N802 (reportlab's name)
        if self.at_end and self.doc.page % 2 == 1:
            frame.add_generated_content(NextPageTemplate("plain"), PageBreak(), _Start(BLANK))
        elif not self.at_end and self.doc.page % 2 == 0:
            frame.add_generated_content(_Start(BLANK), NextPageTemplate(self.layout), PageBreak())


def _frame(template: str, left: float, top: float, right: float, bottom: float) -> Frame:
    return Frame(
        x_pt(left),
        y_pt(bottom),
        (right - left) * mm,
        (bottom - top) * mm,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id=template,
        showBoundary=0,
    )


PLAIN_TOP = 52.0


class _Document(BaseDocTemplate):
    def __init__(self, target: Any, meta: Metadata, first_layout: str) -> None:
        super().__init__(
            target,
            pagesize=A4,
            title=meta.title,
            author=meta.author,
            subject=meta.subject,
            keywords=meta.keywords,
            creator=PRODUCER,
            lang={"en": "en-GB"}.get(meta.language, "de-DE"),
            initialFontName=fonts.REGULAR,
        )
        self.section: Section | None = None
        self.section_start = 1
        later = _frame("later", L.MARGIN_LEFT, L.CONTINUATION_TOP, L.TEXT_RIGHT, L.BODY_BOTTOM)
        templates = [
            PageTemplate(
                "letter",
                [
                    _frame(
                        "first",
                        L.MARGIN_LEFT,
                        L.SUBJECT_TOP - 3.0,
                        L.BODY_RIGHT_FIRST_PAGE,
                        L.BODY_BOTTOM,
                    )
                ],
                onPageEnd=self._end_page,
                autoNextPageTemplate="later",
            ),
            PageTemplate(
                "plain",
                [_frame("plain", L.MARGIN_LEFT, PLAIN_TOP, L.TEXT_RIGHT, L.BODY_BOTTOM)],
                onPageEnd=self._end_page,
                autoNextPageTemplate="later",
            ),
            PageTemplate("later", [later], onPageEnd=self._end_page),
        ]
        # The first page template is the one the document starts on.
        templates.sort(key=lambda t: t.id != first_layout)
        self.addPageTemplates(templates)

    def afterFlowable(self, flowable: Flowable) -> None:
        if isinstance(flowable, _Start):
            self.section = flowable.section
            self.section_start = self.page

    def _end_page(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        if self.section is not None:
            self.section.decorate(canvas, self.page - self.section_start + 1)


def build_pdf(sections: Sequence[Section], meta: Metadata, *, duplex: bool = False) -> bytes:
    """Draw all sections into one PDF, each starting on a new page.

    ``duplex``: for a double-sided print, a section marked ``front_side`` starts on an odd
    page (a blank back page is put in before it when needed) and the page count is even."""
    buffer = io.BytesIO()
    doc = _Document(buffer, meta, sections[0].layout if sections else "letter")
    story: list[Flowable] = []
    for index, section in enumerate(sections):
        if index:
            story += [NextPageTemplate(section.layout), PageBreak()]
            if duplex and section.front_side:
                story.append(_Parity(doc, section.layout))
        story.append(_Start(section))
        story.extend(section.flowables)
    if duplex and sections:
        story.append(_Parity(doc, "plain", at_end=True))
    doc.build(story)
    return buffer.getvalue()


# -- the letter ----------------------------------------------------------------------------


def letter_flowables(content: LetterContent, signature: Path) -> list[Flowable]:
    """Subject, body, and the closing kept together with the last paragraph and the signature."""
    st = styles()
    story: list[Flowable] = [paragraph(content.subject, st.subject, bold=True)]
    body = list(content.body)
    closing_block: list[Flowable] = [
        paragraph(content.closing, st.closing),
        Signature(signature),
        paragraph(content.signatory + "\n" + content.signatory_title, st.signatory),
    ]
    last = body.pop() if body else None
    for index, block in enumerate(body):
        para = block_paragraph(block, st.emphasis if block.emphasised else st.body)
        following = body[index + 1] if index + 1 < len(body) else last
        if block.emphasised:
            para = KeepTogether([para])
        elif following is not None and following.emphasised:
            para.keepWithNext = True  # "findet statt am" stays with the date
        story.append(para)
    if last is not None:
        style = st.emphasis if last.emphasised else st.body
        closing_block.insert(0, block_paragraph(last, style))
    story.append(KeepTogether(closing_block))
    return story


def letter_section(settings: Settings, content: LetterContent) -> Section:
    def decorate(canvas: Canvas, page: int) -> None:
        draw_letterhead(
            canvas, settings, page, continuation=content.continuation, language=content.language
        )
        if page == 1:
            draw_fold_marks(canvas)
            draw_address(canvas, content.address)
            draw_column(canvas, content)

    return Section(letter_flowables(content, settings.letter.signature_image), decorate, "letter")


def letter_metadata(content: LetterContent) -> Metadata:
    return Metadata(
        content.title, content.author, content.description, content.keywords, content.language
    )


def render_letter(settings: Settings, content: LetterContent) -> bytes:
    """One invitee's letter as PDF bytes."""
    return build_pdf([letter_section(settings, content)], letter_metadata(content))


# -- the programme -------------------------------------------------------------------------


def programme_section(settings: Settings) -> Section:
    """The agenda from the settings, on the letterhead."""
    st = styles()
    event = event_context(settings, "de")
    story: list[Flowable] = [
        paragraph("Programm", st.title),
        title_paragraph(settings.event.title, st.heading, CONTINUATION_WIDTH),
        paragraph(
            f"{event['date_long']}, {event['time_range']}\n"
            f"{settings.event.place}, {settings.event.address}",
            st.body,
        ),
        Spacer(1, 6 * mm),
    ]
    rows = []
    for item in settings.programme:
        cell = paragraph(item.item, st.body, bold=True)
        if item.detail:
            cell = Paragraph(
                f"<b>{markup(item.item)}</b><br/>{markup(item.detail)}",
                ParagraphStyle("item", parent=st.body, spaceAfter=0),
            )
        rows.append([paragraph(f"{item.time} Uhr", st.body), cell])
    table = Table(rows, colWidths=[28 * mm, (L.TEXT_RIGHT - L.MARGIN_LEFT - 28) * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 9),
            ]
        )
    )
    story.append(table)
    story.append(Spacer(1, 8 * mm))
    contacts = settings.sender.contacts
    story.append(paragraph(settings.sender.contacts_heading, st.small, bold=True))
    for person in contacts:
        story.append(
            paragraph(
                f"{person.office}\n{person.name}, {letterhead('de').phone}: {person.phone}, {person.email}",
                st.small,
            )
        )

    def decorate(canvas: Canvas, page: int) -> None:
        draw_letterhead(canvas, settings, page, continuation=settings.event.title)

    return Section(story, decorate, "plain")


def render_programme(settings: Settings) -> bytes:
    sender = settings.sender
    meta = Metadata(
        title=f"Programm: {settings.event.title}",
        author=f"{sender.organisation} – {sender.office}",
        subject=f"Programm {settings.event.short_title}",
    )
    return build_pdf([programme_section(settings)], meta)


# -- the cover sheet of a print batch --------------------------------------------------------


def cover_section(
    settings: Settings, title: str, facts: Sequence[str], steps: tuple[str, Sequence[str]]
) -> Section:
    """The first sheet of a print batch: what it is (``facts[0]``: the event, as a heading),
    how many, when, and what to do with it (``steps``: heading and numbered steps)."""
    st = styles()
    step_style = ParagraphStyle(
        "step", parent=st.body, leftIndent=7 * mm, bulletIndent=0, spaceAfter=5
    )
    story: list[Flowable] = [paragraph(title, st.title)]
    story.append(title_paragraph(facts[0], st.heading, CONTINUATION_WIDTH))
    story += [paragraph(fact, st.body) for fact in facts[1:]]
    story.append(Spacer(1, 5 * mm))
    steps_heading, steps_list = steps
    story.append(paragraph(steps_heading, st.heading))
    for number, step in enumerate(steps_list, start=1):
        story.append(Paragraph(markup(step), step_style, bulletText=f"{number}."))

    def decorate(canvas: Canvas, page: int) -> None:
        draw_letterhead(canvas, settings, page)

    return Section(story, decorate, "plain")
