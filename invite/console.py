"""Make German output survive consoles that are not UTF-8 (Windows cp850/cp1252, ``LANG=C``).

Python writes to a redirected Windows console in the ANSI code page and to a ``cmd.exe`` pipe
sometimes in cp850: „“ – … and € may not exist there, and a strict stream would crash with
``UnicodeEncodeError`` in the middle of a report. Umlauts exist in both code pages; only what
the stream cannot encode is written as its nearest plain form („Datei“ → "Datei", – → -),
never as ``?`` where an equivalent exists.
"""

from __future__ import annotations

import codecs
import sys
import unicodedata
from typing import TextIO

ERRORS = "invite-plain"
# Typographic characters of German texts and their plain equivalents.
PLAIN = {
    "„": '"',
    "“": '"',
    "”": '"',
    "‚": "'",
    "‘": "'",
    "’": "'",
    "»": '"',
    "«": '"',
    "–": "-",
    "—": "-",
    "−": "-",
    "…": "...",
    "€": "EUR",
    "•": "*",
    "→": "->",
    "≈": "~",
    "×": "x",
    "\u00a0": " ",
    "\u202f": " ",
    "ß": "ss",
    "ä": "ae",
    "ö": "oe",
    "ü": "ue",
    "Ä": "Ae",
    "Ö": "Oe",
    "Ü": "Ue",
}


def plain(text: str) -> str:
    """``text`` with every character replaced by its plain ASCII equivalent where it has one."""
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
        elif ch in PLAIN:
            out.append(PLAIN[ch])
        else:
            base = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            out.append(base or "?")
    return "".join(out)


def _handler(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    return plain(exc.object[exc.start : exc.end]), exc.end


codecs.register_error(ERRORS, _handler)


def robust_streams(streams: tuple[TextIO, ...] | None = None) -> None:
    """Let stdout/stderr write what they cannot encode in plain form instead of crashing.

    UTF-8 streams are left alone; a Windows console window gets UTF-8 (it can show everything).
    """
    for stream in streams if streams is not None else (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        encoding = getattr(stream, "encoding", None) or "ascii"
        if reconfigure is None or codecs.lookup(encoding).name == "utf-8":
            continue
        try:
            if sys.platform == "win32" and stream.isatty():
                reconfigure(encoding="utf-8", errors=ERRORS)
            else:
                reconfigure(errors=ERRORS)
        except (OSError, ValueError):
            continue
