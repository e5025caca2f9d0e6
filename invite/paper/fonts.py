"""The one TTF family every letter is set in, found once per process, and what it can draw.

Helvetica would print names outside WinAnsi as black boxes without complaint, so there is no
fallback: either a TTF that covers the names is found, or the user gets a clear error.
DejaVu Sans ships inside the package (``invite/paper/fontfiles/``, with its licence), so letters need
no root, no apt and look the same on Windows, macOS and Linux; a system copy is only looked for
when the bundled files were removed (e.g. by a distribution that unbundles fonts).
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from arabic_reshaper import ArabicReshaper
from bidi.algorithm import get_display
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from invite.errors import ConfigError

REGULAR = "InviteSans"
BOLD = "InviteSans-Bold"
BUNDLED_DIR = Path(__file__).resolve().parent / "fontfiles"
DEJAVU_DIRS = (
    BUNDLED_DIR,
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu-sans-fonts"),  # Fedora
    Path("/usr/local/share/fonts"),
    Path("/Library/Fonts"),
    Path.home() / "Library" / "Fonts",
)
_RESHAPER = ArabicReshaper(configuration={"ARABIC LIGATURE ALLAH": False, "delete_harakat": False})


@dataclass(frozen=True)
class FontFiles:
    regular: Path
    bold: Path


def locate_fonts(regular: Path | None = None, bold: Path | None = None) -> FontFiles:
    """The configured TTF pair, else the bundled DejaVu Sans, else DejaVu Sans from the system."""
    if regular and bold:
        return FontFiles(regular, bold)
    found = {}
    for style, name in (("regular", "DejaVuSans.ttf"), ("bold", "DejaVuSans-Bold.ttf")):
        path = next((d / name for d in DEJAVU_DIRS if (d / name).is_file()), None)
        if path is None:
            path = _fc_match("DejaVu Sans" + (":style=Bold" if style == "bold" else ""))
            if path is not None and path.name != name:
                path = None
        if path is None:
            raise ConfigError(
                f"Schrift „DejaVu Sans“ ({name}) nicht gefunden: Sie gehört zu invite, fehlt "
                "aber in dieser Installation. Bitte invite neu installieren "
                "(bash scripts/setup.sh) oder in campaign.toml unter [letter] font und "
                "font_bold eine TrueType-Schrift (.ttf) angeben."
            )
        found[style] = path
    return FontFiles(found["regular"], found["bold"])


def _fc_match(pattern: str) -> Path | None:
    if not shutil.which("fc-match"):
        return None
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(out) if out else None


@functools.cache
def register_fonts(regular: Path | None = None, bold: Path | None = None) -> FontFiles:
    """Register the family with reportlab once per process (≈ 26 ms saved per letter)."""
    files = locate_fonts(regular, bold)
    for name, path in ((REGULAR, files.regular), (BOLD, files.bold)):
        try:
            pdfmetrics.registerFont(TTFont(name, str(path)))
        except (TTFError, OSError) as exc:
            raise ConfigError(f"Schrift „{path}“ lässt sich nicht laden: {exc}") from None
    pdfmetrics.registerFontFamily(
        REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD
    )
    return files


def missing_glyphs(text: str) -> list[str]:
    """Characters of ``text`` that the registered regular or bold font cannot draw."""
    missing: list[str] = []
    for ch in shape(text) if has_rtl(text) else text:
        if ch not in missing and not ch.isspace() and not _drawable(ch):
            missing.append(ch)
    return missing


@functools.cache
def _drawable(ch: str) -> bool:
    """Cached per character: checking 10,000 names costs a few lookups, not a second."""
    return all(ord(ch) in pdfmetrics.getFont(name).face.charToGlyph for name in (REGULAR, BOLD))


def describe_glyph(ch: str) -> str:
    """``„😀“ (U+1F600 GRINNING FACE)`` for error messages."""
    return f"„{ch}“ (U+{ord(ch):04X} {unicodedata.name(ch, 'unbekannt')})"


def has_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


def shape(text: str) -> str:
    """Text ready for reportlab: Arabic joined into presentation forms and put in visual order."""
    text = unicodedata.normalize("NFC", text)
    if not has_rtl(text):
        return text
    return get_display(_RESHAPER.reshape(text))
