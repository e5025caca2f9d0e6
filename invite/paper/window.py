"""Does an Anschrift fit the envelope window? Measured with the letter font as the PDF draws it.

Kept apart from the drawing code (`pdf`, `form`, `production`) so that `invite check` can ask
without loading reportlab's page layout and graphics.
"""

from __future__ import annotations

from collections.abc import Iterable

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from invite.core.contacts import Invitee
from invite.core.layout import address_problem
from invite.paper import fonts
from invite.settings import Settings


def measure_address(text: str, size: float) -> float:
    """Printed width in mm of an address line, measured as ``invite.paper.pdf`` draws it."""
    return stringWidth(fonts.shape(text), fonts.REGULAR, size) / mm


def address_problems(settings: Settings, invitees: Iterable[Invitee]) -> list[str]:
    """German messages for every invitee whose Anschrift would not fit the envelope window
    (an empty list when all fit); ``invite check`` can report them too."""
    fonts.register_fonts(settings.letter.font, settings.letter.font_bold)
    found = (address_problem(inv, measure_address) for inv in invitees)
    return [problem for problem in found if problem]
