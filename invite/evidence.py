"""Read returned Anmeldeformulare from attachments: form fields, metadata, page text, QR code.

PDF and image parsers are large C and Python code bases fed with files from strangers. Each
attachment is therefore examined in a forked child process with a time limit and a memory
limit: an encrypted, looping or exploding PDF costs at most a few seconds and is reported as
a German reason, and the poll goes on with the next message.
"""

from __future__ import annotations

import faulthandler
import io
import logging
import multiprocessing
import os
import re
import resource
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from invite.codes import normalise_code
from invite.mailparse import Attachment

FORM_FIELDS = ("code", "teilnahme", "personen", "namen", "email", "telefon", "bemerkungen")
QR_PREFIX = "INVITE:"
MAX_EXAMINED = 10  # attachments per message
TIMEOUT_SECONDS = 20.0
MEMORY_BUDGET = 1536 * 1024 * 1024  # address space the child may add to what it inherited
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


@dataclass
class AttachmentReport:
    """Everything the attachments of one message told us."""

    findings: list[Finding] = field(default_factory=list)
    forms: list[FormFields] = field(default_factory=list)
    scans: list[str] = field(default_factory=list)  # file names of forms known only by QR code
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
    """Run ``func(att)`` in a forked child with time and memory limits; failures become reasons."""
    name = att.filename or att.content_type
    ctx = multiprocessing.get_context("fork")
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


def _child(func: Any, att: Attachment, sender: Any) -> None:  # pragma: no cover - child process
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)  # broken files are reported, not logged
    faulthandler.disable()  # a crash of the child is expected and reported by the parent
    try:
        used = _address_space()
        limit = used + MEMORY_BUDGET
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (OSError, ValueError):
        pass
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


def _address_space() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
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
    if not report.findings:  # a scan or a flattened print: look for the QR code
        for code in _pdf_qr_codes(att.data, pages):
            report.findings.append(Finding("qr", code, f"QR-Code in „{name}“"))
        if any(f.source == "qr" for f in report.findings) and form is None:
            report.scans.append(name)
    return report


def _form_fields(reader: Any, name: str) -> FormFields | None:
    fields = reader.get_fields() or {}
    if not any(key in fields for key in FORM_FIELDS):
        return None
    values: dict[str, str] = {}
    for key in FORM_FIELDS:
        raw = fields.get(key, {}).get("/V") if key in fields else None
        values[key] = _field_text(raw)
    teilnahme = values["teilnahme"].lstrip("/").strip().lower()
    values["teilnahme"] = "" if teilnahme in ("off", "") else teilnahme
    return FormFields(filename=name, **values)


def _field_text(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, list | tuple):
        raw = ", ".join(str(v) for v in raw)
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


def _pdf_qr_codes(data: bytes, pages: int) -> list[str]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        for index in range(pages):
            page = document[index]
            codes = _qr_codes(_render(page, RENDER_DPI))
            if not codes and index == 0:
                codes = _qr_codes(_render(page, RETRY_DPI))
            page.close()
            if codes:
                return codes
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
            codes = _qr_codes(gray)
            if codes:
                report.findings.extend(Finding("qr", c, f"QR-Code in „{name}“") for c in codes)
                report.scans.append(name)
                break
    return report


def _qr_codes(image: Any) -> list[str]:
    import zxingcpp

    found: list[str] = []
    for barcode in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
        text = barcode.text.strip()
        if text.upper().startswith(QR_PREFIX):
            raw = text[len(QR_PREFIX) :]
            code = normalise_code(raw) or raw.strip().upper()[:20]
            if code not in found:
                found.append(code)
    return found
