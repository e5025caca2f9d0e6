"""Personal invitee codes: short, unguessable, easy to read aloud, type and scan.

A code is an HMAC of the invitee's ``Nr.`` under a per-campaign secret, written in
Crockford's base32 (no I, L, O, U), so it cannot be derived from the ID and a misread
O/0 or I/1 still resolves.
"""

from __future__ import annotations

import hashlib
import hmac
import re

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
# Human confusions folded onto the alphabet when reading a code back.
_READ_FIXES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
CODE_PATTERN = re.compile(r"(?<![0-9A-Za-z])([0-9A-Za-z]{4})[- ]?([0-9A-Za-z]{4})(?![0-9A-Za-z])")


def invitee_code(secret: bytes, number: str, attempt: int = 0) -> str:
    """The code for invitee ``number``; ``attempt`` > 0 only to step past a (rare) collision."""
    message = number.encode() if attempt == 0 else f"{number}#{attempt}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    value = int.from_bytes(digest[:5], "big")  # 40 bits = 8 base32 characters
    return "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(CODE_LENGTH)))


def format_code(code: str) -> str:
    """``K7Q2M9XA`` -> ``K7Q2-M9XA`` for print and speech."""
    return f"{code[:4]}-{code[4:]}"


def normalise_code(text: str) -> str | None:
    """Read a code as typed or printed (dash, spaces, lower case, O for 0); None if it is none."""
    cleaned = re.sub(r"[\s-]", "", text).upper().translate(_READ_FIXES)
    if len(cleaned) != CODE_LENGTH or any(c not in ALPHABET for c in cleaned):
        return None
    return cleaned


def find_code_candidates(text: str) -> list[str]:
    """All 8-character tokens in ``text`` that could be codes, normalised, in order, unique."""
    found: list[str] = []
    for match in CODE_PATTERN.finditer(text):
        code = normalise_code(match.group(1) + match.group(2))
        if code and code not in found:
            found.append(code)
    return found
