"""Read returned Anmeldeformulare from attachments: form fields, metadata, page text, QR code.

PDF and image parsers are large C and Python code bases fed with files from strangers. Each
attachment is therefore examined in a child process with a time limit and, where the platform
has one (POSIX ``RLIMIT_AS``), a memory limit: an encrypted, looping or exploding PDF costs at
most a few seconds and is reported as a German reason, and the poll goes on with the next
message. The child is forked on Linux (cheap, starts warm) and spawned elsewhere (Windows,
macOS), where fork is missing or unsafe.
"""

from __future__ import annotations

import contextlib
import faulthandler
import io
import logging
import multiprocessing
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from invite.core.codes import normalise_code
from invite.core.layout import FORM
from invite.mail.mailparse import Attachment

FORM_FIELDS = ("code", "teilnahme", "personen", "namen", "email", "telefon", "bemerkungen")
QR_PREFIX = "INVITE:"
MAX_EXAMINED = 10  # attachments per message
TIMEOUT_SECONDS = 20.0
MEMORY_BUDGET = 768 * 1024 * 1024  # address space the child may add to what it inherited
MAX_PAGES_READ = 2
RENDER_DPI = 150
RETRY_DPI = 300
MAX_RENDER_PIXELS = 12_000_000  # A4 at 300 dpi is 8.7 million
MAX_IMAGE_PIXELS = 60_000_000
MAX_IMAGE_SIDE = 3000
MAX_PAGE_TEXT = 20_000
MAX_FIELD_TEXT = 2_000

_META_KEYWORD = re.compile(r"invite-code:\s*([0-9A-Za-z]{4}-?[0-9A-Za-z]{4})")
_META_SUBJECT = re.compile(r"Anmeldecode\s+([0-9A-Za-z]{4}-?[0-9A-Za-z]{4})")


@dataclass(frozen=True)
class Finding:
    """One code read from an attachment: ``source`` is formular, qr or code (page text)."""

    source: str
    code: str  # normalised; may name nobody
    detail: str  # German: where it was found


@dataclass(frozen=True)
class FormFields:
    """The values of a returned, filled-in Anmeldeformular (AcroForm)."""

    filename: str
    code: str = ""
    teilnahme: str = ""  # "ja" | "nein" | "" (nothing ticked) | anything else as found
    personen: str = ""
    namen: str = ""
    email: str = ""
    telefon: str = ""
    bemerkungen: str = ""
    printed: bool = False  # no fields: values from the page text, the tick from the page image


@dataclass(frozen=True)
class ScanReading:
    """A printed form that came back as an image, read through its QR code's position."""

    filename: str
    teilnahme: str = ""  # "ja" | "nein" | "" (no clear single tick)
    persons_written: bool = False  # ink in the "Anzahl Personen" box: a number to read by eye


@dataclass
class AttachmentReport:
    """Everything the attachments of one message told us."""

    findings: list[Finding] = field(default_factory=list)
    forms: list[FormFields] = field(default_factory=list)
    scans: list[ScanReading] = field(default_factory=list)  # forms known only by their QR code
    problems: list[str] = field(default_factory=list)

    def merge(self, other: AttachmentReport) -> None:
        self.findings.extend(other.findings)
        self.forms.extend(other.forms)
        self.scans.extend(other.scans)
        self.problems.extend(other.problems)


# -- what an attachment is --------------------------------------------------------------------

_IMAGE_TYPES = {"image/jpeg", "image/jpg", "image/pjpeg", "image/png", "image/tiff", "image/gif"}
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".gif")
_UNREADABLE = [
    (
        ("application/ms-tnef", "application/vnd.ms-tnef"),
        ("winmail.dat",),
        "„{name}“ ist ein Outlook-Sonderformat (winmail.dat) und kann nicht gelesen werden.",
    ),
    (
        (
            "application/zip",
            "application/x-zip-compressed",
            "application/x-7z-compressed",
            "application/x-rar-compressed",
            "application/gzip",
            "application/x-tar",
        ),
        (".zip", ".7z", ".rar", ".gz", ".tgz", ".tar"),
        "„{name}“ ist ein Archiv; Archive werden aus Sicherheitsgründen nicht geöffnet.",
    ),
    (
        ("image/heic", "image/heif"),
        (".heic", ".heif"),
        "„{name}“ ist ein HEIC-Foto und kann nicht gelesen werden (bitte als JPEG oder PDF).",
    ),
    (
        (
            "application/msword",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.oasis.opendocument.text",
        ),
        (".doc", ".docx", ".odt"),
        "„{name}“ ist ein Textdokument; nur PDF-Formulare und Bilder werden ausgewertet.",
    ),
]


def attachment_kind(att: Attachment) -> str:
    """``pdf``, ``image`` or ``other``; by content type or, failing that, by file name."""
    ctype, name = att.content_type.lower(), att.filename.lower()
    if ctype == "application/pdf" or name.endswith(".pdf") or att.data[:5] == b"%PDF-":
        return "pdf"
    if ctype in _IMAGE_TYPES or name.endswith(_IMAGE_SUFFIXES):
        return "image"
    return "other"


def _unreadable(att: Attachment) -> str:
    ctype, name = att.content_type.lower(), att.filename.lower()
    for types, suffixes, text in _UNREADABLE:
        if ctype in types or name.endswith(suffixes):
            return text.format(name=att.filename or att.content_type)
    return ""


def examine(
    attachments: Sequence[Attachment], *, timeout: float = TIMEOUT_SECONDS
) -> AttachmentReport:
    """Examine every PDF and image attachment (each in a guarded child process)."""
    report = AttachmentReport()
    readable = []
    for att in attachments:
        if note := _unreadable(att):
            report.problems.append(note)
        elif attachment_kind(att) in ("pdf", "image") and att.data:
            readable.append(att)
    if len(readable) > MAX_EXAMINED:
        report.problems.append(
            f"Die Nachricht hat {len(readable)} Dateianhänge; nur die ersten {MAX_EXAMINED} wurden ausgewertet."
        )
    if readable:
        _preload()
    for att in readable[:MAX_EXAMINED]:
        report.merge(guarded(examine_one, att, timeout=timeout))
    return report


def _preload() -> None:
    """Import the readers once in the parent, so each forked child starts warm (≈ 10 ms)."""
    import pypdf  # noqa: F401
    import pypdfium2  # noqa: F401
    import zxingcpp  # noqa: F401
    from PIL import Image, TiffImagePlugin  # noqa: F401


# -- the guard ---------------------------------------------------------------------------------


def guarded(func: Any, att: Attachment, *, timeout: float) -> AttachmentReport:
    """Run ``func(att)`` in a child process with time and memory limits; failures become reasons.

    ``func`` must be a module-level function where the child is spawned (it is pickled).
    """
    name = att.filename or att.content_type
    ctx = _context()
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(func, att, sender), daemon=True)
    child.start()
    sender.close()
    try:
        if receiver.poll(timeout):
            try:
                result: AttachmentReport = receiver.recv()
            except (EOFError, OSError):  # the child died (e.g. killed by the memory limit)
                return _problem(
                    f"„{name}“ konnte nicht gelesen werden (zu viel Speicher benötigt)."
                )
            return result
        return _problem(
            f"„{name}“ konnte nicht in {timeout:.0f} Sekunden gelesen werden (Datei zu aufwendig "
            "oder fehlerhaft) – bitte selbst ansehen."
        )
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join(5)


def _context() -> Any:
    """fork on Linux where available; spawn everywhere else (Windows has no fork)."""
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        try:
            return multiprocessing.get_context("fork")
        except ValueError:
            pass
    return multiprocessing.get_context("spawn")


def _child(func: Any, att: Attachment, sender: Any) -> None:  # pragma: no cover - child process
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)  # broken files are reported, not logged
    faulthandler.disable()  # a crash of the child is expected and reported by the parent
    _limit_memory()
    name = att.filename or att.content_type
    try:
        result = func(att)
    except MemoryError:
        result = _problem(
            f"„{name}“ braucht zu viel Speicher zum Lesen (PDF-Bombe?) und wurde übersprungen."
        )
    except RecursionError:
        result = _problem(
            f"„{name}“ ist fehlerhaft aufgebaut (Endlosverweis) und wurde übersprungen."
        )
    except Exception as exc:
        result = _problem(
            f"„{name}“ ist beschädigt und kann nicht gelesen werden ({type(exc).__name__})."
        )
    try:
        sender.send(result)
    finally:
        sender.close()
        os._exit(0)


def _limit_memory() -> None:
    """Cap the child's address space where the platform can (POSIX); elsewhere only time limits."""
    try:
        import resource  # POSIX only: imported here so Windows can import this module
    except ImportError:
        return
    used = _address_space()
    if not used:  # no /proc (macOS): no reliable base to add the budget to
        return
    limit = used + MEMORY_BUDGET
    with contextlib.suppress(OSError, ValueError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _address_space() -> int:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


def _problem(text: str) -> AttachmentReport:
    return AttachmentReport(problems=[text])


# -- examining one file (runs in the child) ----------------------------------------------------


def examine_one(att: Attachment) -> AttachmentReport:
    """Read codes and form values from one PDF or image; raises on broken input."""
    if attachment_kind(att) == "pdf":
        return _examine_pdf(att)
    return _examine_image(att)


def _examine_pdf(att: Attachment) -> AttachmentReport:
    from pypdf import PdfReader

    name = att.filename or "PDF"
    report = AttachmentReport()
    reader = PdfReader(io.BytesIO(att.data), strict=False)
    if reader.is_encrypted:
        opened: int  # pypdf.PasswordType, an IntEnum: 0 = not decrypted
        try:
            opened = reader.decrypt("")
        except Exception:
            opened = 0
        if not opened:
            report.problems.append(
                f"„{name}“ ist mit einem Passwort geschützt und kann nicht gelesen werden."
            )
            return report
    form = _form_fields(reader, name)
    if form is not None:
        report.forms.append(form)
        if form.code:
            code = normalise_code(form.code) or form.code.strip().upper()[:20]
            report.findings.append(Finding("formular", code, f"Formularfeld „code“ in „{name}“"))
    for code in _metadata_codes(reader):
        report.findings.append(Finding("formular", code, f"Dokumenteigenschaften von „{name}“"))
    pages = min(len(reader.pages), MAX_PAGES_READ)
    text = ""
    for index in range(pages):
        text += (reader.pages[index].extract_text() or "")[:MAX_PAGE_TEXT] + "\n"
    for code in _text_codes(text):
        report.findings.append(Finding("code", code, f"Seitentext von „{name}“"))
    if form is None and report.findings and _PRINTED_FORM.search(text):
        report.merge(_printed_form(att.data, pages, name, report.findings[0].code))
        return report
    if not report.findings:  # a scan or a flattened print: look for the QR code
        for code, scan in _pdf_qr_codes(att.data, pages, name):
            report.findings.append(Finding("qr", code, f"QR-Code in „{name}“"))
            if form is None:
                report.scans.append(scan)
    return report


_PRINTED_FORM = re.compile(r"Anzahl\s*Personen|Number\s*of\s*(?:persons|people)", re.IGNORECASE)
_LABELS = {
    "personen": re.compile(r"^(?:Anzahl Personen|Number of (?:persons|people))", re.IGNORECASE),
    "namen": re.compile(
        r"^(?:Namen der Teilnehmenden|Names? of (?:the )?participants)", re.IGNORECASE
    ),
}


def _printed_form(data: bytes, pages: int, name: str, code: str) -> AttachmentReport:
    """Our form printed to PDF („Drucken als PDF“, flattened): no fields any more, but the
    typed values are page text beside their labels, and the tick is drawn — read it from the
    rendered page through the QR code, as on a scan. Nothing readable → teilnahme empty,
    which sends the mail to review whatever else it says."""
    report = AttachmentReport()
    values = _printed_values(data)
    tick = ""
    for qr_code, scan in _pdf_qr_codes(data, pages, name):
        report.findings.append(Finding("qr", qr_code, f"QR-Code in „{name}“"))
        tick = tick or scan.teilnahme
    report.forms.append(
        FormFields(
            filename=name,
            code=code,
            teilnahme=tick,
            personen=values.get("personen", ""),
            namen=values.get("namen", ""),
            printed=True,
        )
    )
    return report


def _printed_values(data: bytes) -> dict[str, str]:
    """Text typed into „Anzahl Personen“ (same line, right of the label) and „Namen der
    Teilnehmenden“ (the band below its label), from the first page's text boxes."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        textpage = document[0].get_textpage()
        boxes = []
        for index in range(min(textpage.count_rects(), 2000)):
            left, bottom, right, top = textpage.get_rect(index)
            text = " ".join(textpage.get_text_bounded(left, bottom, right, top).split())
            if text:
                boxes.append((left, bottom, right, top, text))
    finally:
        document.close()
    values: dict[str, str] = {}
    for key, label in _LABELS.items():
        anchor = next((b for b in boxes if label.match(b[4])), None)
        if anchor is None:
            continue
        left, bottom, right, top, _text = anchor
        if key == "personen":
            parts = [b for b in boxes if abs(b[1] - bottom) < 4 and b[0] > right + 2]
        else:
            parts = [b for b in boxes if bottom - 28 < b[3] <= bottom + 1 and b is not anchor]
        parts.sort(key=lambda b: (-((b[1] + b[3]) // 16), b[0]))  # lines, then left to right
        value = "".join(
            (" " if i and part[0] - parts[i - 1][2] > 1.5 else "") + part[4]
            for i, part in enumerate(parts)
        )
        if value.strip():
            values[key] = value.strip()[:MAX_FIELD_TEXT]
    return values


def _form_fields(reader: Any, name: str) -> FormFields | None:
    fields = reader.get_fields() or {}
    if not any(key in fields for key in FORM_FIELDS):
        return None
    values: dict[str, str] = {}
    for key in FORM_FIELDS:
        raw = fields.get(key, {}).get("/V") if key in fields else None
        values[key] = _field_text(raw, keep_lines=key == "namen")  # one name per line
    teilnahme = values["teilnahme"].lstrip("/").strip().lower()
    values["teilnahme"] = "" if teilnahme in ("off", "") else teilnahme
    return FormFields(
        filename=name,
        code=values["code"],
        teilnahme=values["teilnahme"],
        personen=values["personen"],
        namen=values["namen"],
        email=values["email"],
        telefon=values["telefon"],
        bemerkungen=values["bemerkungen"],
    )


def _field_text(raw: object, *, keep_lines: bool = False) -> str:
    """A field's value with its white space tidied; ``keep_lines`` keeps the line breaks of a
    multi-line field (PDF viewers store them as CR or LF) as ``\n``."""
    if raw is None:
        return ""
    if isinstance(raw, list | tuple):
        raw = ", ".join(str(v) for v in raw)
    if keep_lines:
        lines = (" ".join(line.split()) for line in str(raw).splitlines())
        return "\n".join(line for line in lines if line)[:MAX_FIELD_TEXT]
    return " ".join(str(raw).split())[:MAX_FIELD_TEXT]


def _metadata_codes(reader: Any) -> list[str]:
    meta = reader.metadata or {}
    found: list[str] = []
    for key, pattern in (("/Keywords", _META_KEYWORD), ("/Subject", _META_SUBJECT)):
        value = str(meta.get(key, "") or "")[:2000]
        for match in pattern.finditer(value):
            code = normalise_code(match.group(1))
            if code and code not in found:
                found.append(code)
    return found


def _text_codes(text: str) -> list[str]:
    """Printed codes look like ``K7Q2-M9XA``; print-to-PDF may add spaces around the dash."""
    text = re.sub(r"(?<=\w)[ \t]*[-‐‑–][ \t]*(?=\w)", "-", text)
    dashed = re.findall(r"(?<![0-9A-Za-z])[0-9A-Z]{4}-[0-9A-Z]{4}(?![0-9A-Za-z])", text)
    codes = [c for c in (normalise_code(d) for d in dashed) if c]
    return list(dict.fromkeys(codes))[:50]


def _pdf_qr_codes(data: bytes, pages: int, name: str) -> list[tuple[str, ScanReading]]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        for index in range(pages):
            page = document[index]
            found = _read_scan(_render(page, RENDER_DPI), name)
            if not found and index == 0:
                found = _read_scan(_render(page, RETRY_DPI), name)
            page.close()
            if found:
                return found
    finally:
        document.close()
    return []


def _render(page: Any, dpi: int) -> Any:
    width, height = page.get_size()  # points
    scale = dpi / 72
    pixels = width * scale * height * scale
    if pixels > MAX_RENDER_PIXELS:
        scale *= (MAX_RENDER_PIXELS / pixels) ** 0.5
    return page.render(scale=scale, grayscale=True).to_pil()


def _examine_image(att: Attachment) -> AttachmentReport:
    from PIL import Image, ImageSequence

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    name = att.filename or "Bild"
    report = AttachmentReport()
    try:
        image = Image.open(io.BytesIO(att.data))
    except Image.DecompressionBombError:
        raise MemoryError from None
    with image:
        if image.width * image.height > MAX_IMAGE_PIXELS:
            raise MemoryError
        for index, frame in enumerate(ImageSequence.Iterator(image)):
            if index >= MAX_PAGES_READ:
                break
            gray = frame.convert("L")
            if max(gray.size) > MAX_IMAGE_SIDE:
                gray.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
            found = _read_scan(gray, name)
            for code, scan in found:
                report.findings.append(Finding("qr", code, f"QR-Code in „{name}“"))
                report.scans.append(scan)
            if found:
                break
    return report


def _read_scan(image: Any, name: str) -> list[tuple[str, ScanReading]]:
    """Invite QR codes on a page image, each with the ticks read relative to its position."""
    import zxingcpp

    found: list[tuple[str, ScanReading]] = []
    for barcode in zxingcpp.read_barcodes(
        image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    ):
        text = barcode.text.strip()
        if not text.upper().startswith(QR_PREFIX):
            continue
        raw = text[len(QR_PREFIX) :]
        code = normalise_code(raw) or raw.strip().upper()[:20]
        if code in (c for c, _ in found):
            continue
        try:
            scan = _read_ticks(image, barcode.position, code, name)
        except Exception:  # an odd image must not lose the code we already have
            scan = ScanReading(name)
        found.append((code, scan))
    return found


# -- reading the ticks of a scanned form ----------------------------------------------------------

TICKED = 0.10  # share of dark pixels inside a circle that counts as a tick
CLEAN = 0.02  # … and as untouched
INKED = 0.01  # share of dark pixels that means something is written in a box
DARK = 110  # grey value below which a pixel is ink


@dataclass(frozen=True)
class TickPositions:
    """The Anmeldeformular's QR symbol and tick places for one code (``core.layout.FORM``),
    in mm from the page's top left corner."""

    qr_left: float
    qr_top: float
    qr_side: float  # the symbol without its quiet zone
    ja: tuple[float, float]
    nein: tuple[float, float]
    tick_radius: float
    persons: tuple[float, float, float, float]  # left, top, right, bottom (inside the box)


def form_geometry(code: str) -> TickPositions:
    """Positions as ``invite.paper.form.draw_form`` draws them: both take them from
    ``core.layout.FORM``; only the symbol's module count depends on the code."""
    from invite.paper.form import qr_modules, qr_payload  # reportlab's QR encoder, when used

    qr_left, qr_top, qr_side = FORM.qr_symbol(len(qr_modules(qr_payload(code))))
    return TickPositions(
        qr_left=qr_left,
        qr_top=qr_top,
        qr_side=qr_side,
        ja=FORM.tick_centre(0),
        nein=FORM.tick_centre(1),
        tick_radius=FORM.tick_radius,
        persons=FORM.persons_inside,
    )


def _read_ticks(image: Any, position: Any, code: str, name: str) -> ScanReading:
    """Map form millimetres to image pixels through the QR corners (rotation and scale of the
    scan included), then look for ink in the two Teilnahme circles and the persons box."""
    geo = form_geometry(code)
    tl, tr, bl = position.top_left, position.top_right, position.bottom_left
    ux = ((tr.x - tl.x) / geo.qr_side, (tr.y - tl.y) / geo.qr_side)  # pixels per mm along x
    uy = ((bl.x - tl.x) / geo.qr_side, (bl.y - tl.y) / geo.qr_side)

    def pixel(x_mm: float, y_mm: float) -> tuple[float, float]:
        dx, dy = x_mm - geo.qr_left, y_mm - geo.qr_top
        return tl.x + dx * ux[0] + dy * uy[0], tl.y + dx * ux[1] + dy * uy[1]

    gray = image.convert("L")
    pixels = gray.load()
    width, height = gray.size

    def ink(points: list[tuple[float, float]]) -> float:
        dark = total = 0
        for x_mm, y_mm in points:
            x, y = pixel(x_mm, y_mm)
            if 0 <= x < width and 0 <= y < height:
                total += 1
                dark += pixels[int(x), int(y)] < DARK
        return dark / total if total else 0.0

    step = 0.2  # mm

    def disc(cx: float, cy: float, r: float) -> list[tuple[float, float]]:
        n = int(r / step)
        return [
            (cx + i * step, cy + j * step)
            for i in range(-n, n + 1)
            for j in range(-n, n + 1)
            if (i * i + j * j) * step * step <= r * r
        ]

    yes, no = ink(disc(*geo.ja, geo.tick_radius)), ink(disc(*geo.nein, geo.tick_radius))
    left, top, right, bottom = geo.persons
    box = [
        (left + i * step, top + j * step)
        for i in range(int((right - left) / step))
        for j in range(int((bottom - top) / step))
    ]
    teilnahme = ""
    if yes >= TICKED and no <= CLEAN:
        teilnahme = "ja"
    elif no >= TICKED and yes <= CLEAN:
        teilnahme = "nein"
    return ScanReading(name, teilnahme, ink(box) >= INKED)
