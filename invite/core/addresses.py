"""E-mail addresses as people have them: umlauts in the domain (``anna@münster-bürger.de``)
or the same domain in its ASCII form (``anna@xn--mnster-brger-dlbh.de``).

Pure. The wire always carries the ASCII (IDNA 2008, "punycode") domain: the SMTP envelope
and the address inside ``To:``/``From:`` (RFC 2047 forbids encoded-words there). For
matching, both spellings of an address are one key, built by ``address_key`` only.
"""

from __future__ import annotations

import contextlib
import functools
import unicodedata

import idna


@functools.lru_cache(maxsize=4096)  # a campaign has few domains; IDNA costs ≈ 60 µs
def ascii_domain(domain: str) -> str:
    """The domain as it goes over the wire: IDNA 2008 with UTS 46 mapping (case, width,
    NFC). An ASCII domain is returned as typed. Raises ``ValueError`` for a domain that
    IDNA 2008 refuses (e.g. one with an emoji)."""
    domain = domain.strip()
    if domain.isascii():
        return domain
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise ValueError(str(exc)) from None


def ascii_address(address: str) -> str:
    """``local@domain`` with the domain in its ASCII form (the local part is left alone)."""
    local, _, domain = address.strip().rpartition("@")
    return f"{local}@{ascii_domain(domain)}"


def address_key(address: str) -> str:
    """The one rule that decides whether two addresses are the same mailbox for matching and
    duplicates: local part and domain case-insensitive, the domain's Unicode and ASCII
    (punycode) spellings equal. Never raises: an address IDNA refuses keeps its text."""
    local, _, domain = unicodedata.normalize("NFC", address.strip()).rpartition("@")
    with contextlib.suppress(ValueError):
        domain = ascii_domain(domain)
    return f"{local}@{domain}".lower() if local else domain.lower()
