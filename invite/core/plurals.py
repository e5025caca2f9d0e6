"""German (and English) words that depend on a count: one rule, used by every message.

„1 Brief“, „2 Briefe“, „0 Briefe“ — the plural rule comes from Babel's CLDR data (the rules
gettext's ngettext applies), so the English texts follow English rules with the same call.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache


@cache
def _rule(language: str) -> Callable[[float], str]:
    from babel import Locale  # imported on first use: `invite --help` needs no plural rules

    return Locale.parse(language).plural_form


def plural(n: int, one: str, other: str, *, language: str = "de") -> str:
    """The word that goes with ``n``: ``plural(1, "Brief", "Briefe")`` is „Brief“."""
    return one if _rule(language)(abs(n)) == "one" else other


def count(n: int, one: str, other: str, *, language: str = "de") -> str:
    """``n`` and its word: ``count(2, "Brief", "Briefe")`` is „2 Briefe“."""
    return f"{n} {plural(n, one, other, language=language)}"
