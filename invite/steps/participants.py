"""`invite teilnehmerliste`: the list for the door — who is expected, alphabetically, to sign.

Built on the letterhead helpers of invite.paper.pdf so it looks like every other paper of the
campaign. Who is on it is decided by the pure ``door_list``; only confirmed invitees that are
not on the waiting list count.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from invite.campaign import LIST_WRITTEN, Campaign
from invite.core import layout as L
from invite.core.contacts import Invitee
from invite.core.rsvp import holds_places
from invite.files import write_atomic
from invite.paper import fonts
from invite.paper.pdf import (
    Metadata,
    Section,
    build_pdf,
    draw_letterhead,
    paragraph,
    styles,
    title_paragraph,
)
from invite.settings import Settings
from invite.store import add_audit, all_invitees, ensure_not_purged, latest_answers
from invite.templates import event_context

# Not the comma: „Müller, Anna“ is one person (Nachname, Vorname), not two. A comma separates
# people only when that yields exactly the announced number of full names (see read_names).
_SEPARATORS = re.compile(r"\s*[;\r\n&]\s*|\s+und\s+")
_COMMA = re.compile(r"\s*,\s*")


@dataclass(frozen=True)
class Attendee:
    """A named person expected at the door."""

    name: str  # as printed: „Nachname, Vorname“ where the parts are known
    organisation: str
    number: str  # the invitation they came with
    companion_of: str = ""  # the invitee's name when this is a named companion
    sort_key: tuple[str, str] = ("", "")
    check: str = ""  # German: why staff should look at this registration (empty when clear)


@dataclass(frozen=True)
class Unnamed:
    """Persons announced without a name (``Personen`` greater than the names given)."""

    invitee: str
    organisation: str
    number: str
    count: int


@dataclass(frozen=True)
class DoorList:
    attendees: list[Attendee]
    unnamed: list[Unnamed]

    @property
    def persons(self) -> int:
        return len(self.attendees) + sum(u.count for u in self.unnamed)

    @property
    def to_check(self) -> list[str]:
        """Nr. of the registrations whose names need a look, each once."""
        return list(dict.fromkeys(a.number for a in self.attendees if a.check))


def collation_key(text: str) -> str:
    """German phone-book-free order (DIN 5007-1): ä sorts as a, ß as ss, case ignored."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("ß", "ss"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def split_names(text: str) -> list[str]:
    """„Anna Schmidt; Müller, Ali und Eva Weiß“ → three names (a comma stays in a name);
    one name per line of the form's names field."""
    return [n for n in (p.strip(" .,") for p in _SEPARATORS.split(text or "")) if n]


def _written_lines(text: str) -> list[str]:
    """The lines as written, for quoting them on one line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _full_name(text: str) -> bool:
    """At least two words („Dr. Jonas Weiß“), not a lone surname or given name („Anna“)."""
    return len(text.split()) >= 2


def read_names(text: str, persons: int | None) -> tuple[list[str], str]:
    """The names people wrote and, when the list needs a look, why (German; else empty).

    Lines, „;“, „&“ and „und“ always separate people. A comma does only when splitting at it
    gives exactly the announced number of persons, each a full name: „Maria Schäfer-Nußbaum,
    Dr. Jonas Weiß“ with 2 persons is two people, „Müller, Anna“ stays one.
    """
    names = split_names(text)
    if persons and len(names) != persons:
        by_comma = [part for name in names for part in _COMMA.split(name) if part.strip(" .")]
        by_comma = [part.strip(" .") for part in by_comma]
        if len(by_comma) == persons and all(_full_name(part) for part in by_comma):
            return by_comma, ""
    commas = [name for name in names if "," in name]
    if persons is not None and len(names) > persons:
        return names, f"{len(names)} Namen, angemeldete Personen: {persons}"
    # The comma may part two people or „Nachname, Vorname“: a person decides.
    if persons is not None and commas and len(names) < persons:
        return names, f"Namen mit Komma, angemeldete Personen: {persons}"
    if persons is None and commas and all(_full_name(p) for p in _COMMA.split(commas[0])):
        return names, "Namen mit Komma, ohne Personenzahl"
    return names, ""


def door_list(confirmed: list[tuple[Invitee, int | None, str]]) -> DoorList:
    """From (invitee, persons, participants) of every confirmed invitation, the door list.

    Named participants are the people who come (the invitee only if named or if nobody is);
    persons beyond the names appear as unnamed places to be filled in at the door. A name is
    never its own companion; registrations whose names do not add up are marked for a look.
    """
    attendees: list[Attendee] = []
    unnamed: list[Unnamed] = []
    for inv, persons, participants in confirmed:
        names, unclear = read_names(participants, persons)
        written = " / ".join(_written_lines(participants))
        check = f"Bitte prüfen: {unclear} („{written}“)" if unclear else ""
        own = " ".join(p for p in (inv.first_name, inv.last_name) if p)
        own_keys = {collation_key(n) for n in (own, inv.full_name, _surname_first(inv)) if n}
        if not names:
            attendees.append(_invitee_attendee(inv, check))
        for name in names:
            key = collation_key(name)
            if own and key in own_keys:
                attendees.append(_invitee_attendee(inv, check))
            elif own and (inside := next((k for k in own_keys if k in key), "")):
                # Her own name and more in one entry: never her own companion.
                rest = key.replace(inside, " ").strip(" ,.;")
                if check or _full_name(rest):
                    note = check or f"Bitte prüfen: mehrere Namen in einer Angabe („{name}“)"
                    row = _invitee_attendee(inv, note)
                    attendees.append(dataclasses.replace(row, name=name))
                else:  # „Frau Anna Müller“
                    attendees.append(_invitee_attendee(inv))
            else:
                attendees.append(_companion(name, inv, check))
        extra = (persons or 1) - max(len(names), 1)
        if extra > 0:
            unnamed.append(Unnamed(inv.display_name, _org(inv), inv.number, extra))
    attendees.sort(key=lambda a: (a.sort_key, int(a.number) if a.number.isdigit() else 0))
    unnamed.sort(key=lambda u: (collation_key(u.invitee), u.number))
    return DoorList(attendees, unnamed)


def _org(inv: Invitee) -> str:
    return inv.organisation if inv.organisation != inv.display_name else ""


def _invitee_attendee(inv: Invitee, check: str = "") -> Attendee:
    if inv.last_name and fonts.has_rtl(inv.full_name):  # „Nachname, Vorname“ breaks in RTL
        name = inv.full_name
        key = (collation_key(inv.last_name), collation_key(inv.first_name))
    elif inv.last_name:
        given = " ".join(p for p in (inv.title, inv.first_name) if p)
        name = f"{inv.last_name}, {given}" if given else inv.last_name
        key = (collation_key(inv.last_name), collation_key(given))
    else:
        name = inv.display_name
        key = (collation_key(name), "")
    return Attendee(name, _org(inv), inv.number, "", key, check)


def _surname_first(inv: Invitee) -> str:
    return f"{inv.last_name}, {inv.first_name}" if inv.last_name and inv.first_name else ""


def _companion(name: str, inv: Invitee, check: str = "") -> Attendee:
    parts = name.split()
    surname, comma, given = (p.strip() for p in name.partition(","))
    if comma and surname and given:  # written „Nachname, Vorname“ already
        shown = f"{surname}, {given}"
    elif len(parts) > 1 and not fonts.has_rtl(name):
        surname, given = parts[-1], " ".join(parts[:-1])
        shown = f"{surname}, {given}"
    else:
        surname, given, shown = name, "", name
    return Attendee(
        shown,
        inv.organisation,
        inv.number,
        inv.display_name,
        (collation_key(surname), collation_key(given)),
        check,
    )


# -- the step ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParticipantListResult:
    path: Path
    attendees: int  # persons on the list, named and unnamed
    invitees: int
    waiting: int
    to_check: list[str] = dataclasses.field(default_factory=list)  # Nr. whose names need a look


def write_participant_list(
    campaign: Campaign, out: Path | None = None, *, now_local: dt.datetime | None = None
) -> ParticipantListResult:
    """Write the door list PDF for the current Zusagen (waiting list excluded)."""
    settings = campaign.settings
    zone = ZoneInfo(settings.event.timezone)
    now_local = now_local or dt.datetime.now(zone).replace(tzinfo=None, microsecond=0)
    path = out or campaign.paths.participant_list
    with campaign.open_state() as state:
        ensure_not_purged(state)
        answers = latest_answers(state)
        confirmed, waiting = [], 0
        for inv in all_invitees(state):
            answer = answers.get(inv.number)
            if answer is None or answer.answer != "zusage":
                continue
            if not holds_places(answer):  # on the waiting list
                waiting += 1
                continue
            confirmed.append((inv, answer.persons, answer.participants))
        fonts.register_fonts(settings.letter.font, settings.letter.font_bold)
        door = door_list(confirmed)
        write_atomic(path, render_door_list(settings, door, now_local))
        # The path is remembered so that `invite purge` finds a list written anywhere (--out).
        add_audit(state, "teilnehmerliste", LIST_WRITTEN, None, str(path.resolve()))
    return ParticipantListResult(path, door.persons, len(confirmed), waiting, door.to_check)


# -- drawing ----------------------------------------------------------------------------------

TEXT_WIDTH = L.TEXT_RIGHT - L.MARGIN_LEFT  # mm
COLUMNS = (11.0, 52.0, 49.0, 13.0, 40.0)  # Lfd. | Name | Organisation | Nr. | Unterschrift
HEADER_FILL = colors.Color(0.12, 0.31, 0.47)
ZEBRA = colors.Color(0.95, 0.95, 0.95)


def render_door_list(settings: Settings, door: DoorList, now_local: dt.datetime) -> bytes:
    st = styles()
    cell = ParagraphStyle("cell", parent=st.body, fontSize=9.5, leading=12, spaceAfter=0)
    small = ParagraphStyle(
        "cellsmall", parent=cell, fontSize=8, leading=10, textColor=colors.Color(0.35, 0.35, 0.35)
    )
    head = ParagraphStyle("head", parent=cell, fontName=fonts.BOLD, textColor=colors.white)
    flagged = ParagraphStyle("cellcheck", parent=small, textColor=colors.Color(0.7, 0.1, 0.0))
    event = event_context(settings, "de")
    story: list[Flowable] = [
        paragraph("Teilnehmerliste", st.title),
        title_paragraph(settings.event.title, st.heading, TEXT_WIDTH * mm),
        paragraph(f"{event['date_long']}, {event['time_range']} · {settings.event.place}", st.body),
        paragraph(
            f"Stand: {now_local:%d.%m.%Y, %H:%M} Uhr · {door.persons} angemeldete "
            f"Person{'en' if door.persons != 1 else ''}",
            st.small,
        ),
        Spacer(1, 4 * mm),
    ]
    header = [paragraph(t, head) for t in ("Lfd.", "Name", "Organisation", "Nr.", "Unterschrift")]
    rows = [header]
    for index, a in enumerate(door.attendees, start=1):
        name = [paragraph(a.name, cell, bold=True)]
        if a.companion_of:
            name.append(paragraph(f"Begleitung von {a.companion_of}", small))
        if a.check:
            name.append(paragraph(a.check, flagged))
        rows.append(
            [
                paragraph(str(index), cell),
                name,
                paragraph(a.organisation, cell),
                paragraph(a.number, cell),
                "",
            ]
        )
    if len(rows) == 1:
        rows.append(["", paragraph("Noch keine Zusagen.", cell), "", "", ""])
    story.append(_table(rows))
    if door.unnamed:
        story += [
            Spacer(1, 7 * mm),
            paragraph("Ohne Namen angemeldet", st.heading),
            paragraph(
                "Diese Personen wurden mit einer Einladung angemeldet, ohne dass ihr Name "
                "genannt wurde. Bitte den Namen am Einlass eintragen.",
                st.small,
            ),
            Spacer(1, 2 * mm),
        ]
        rows = [
            [
                paragraph(t, head)
                for t in ("Lfd.", "Name (bitte eintragen)", "Angemeldet von", "Nr.", "Unterschrift")
            ]
        ]
        index = len(door.attendees)
        for u in door.unnamed:
            for place in range(1, u.count + 1):
                index += 1
                by = [paragraph(u.invitee, cell)]
                if u.organisation:
                    by.append(paragraph(u.organisation, small))
                by.append(paragraph(f"Begleitperson {place} von {u.count}", small))
                rows.append([paragraph(str(index), cell), "", by, paragraph(u.number, cell), ""])
        story.append(_table(rows))

    def decorate(canvas: Canvas, page: int) -> None:
        draw_letterhead(
            canvas, settings, page, continuation=f"Teilnehmerliste · {settings.event.title}"
        )

    meta = Metadata(
        title=f"Teilnehmerliste: {settings.event.title}",
        author=f"{settings.sender.organisation} – {settings.sender.office}",
        subject=f"Teilnehmerliste {settings.event.short_title}",
    )
    return build_pdf([Section(story, decorate, "plain")], meta)


def _table(rows: list[list]) -> Table:
    table = Table(rows, colWidths=[w * mm for w in COLUMNS], repeatRows=1)
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
        ("TOPPADDING", (0, 1), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 1), (-1, -1), 9),  # room to sign
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.Color(0.6, 0.6, 0.6)),
        ("LINEBELOW", (4, 1), (4, -1), 0.8, colors.black),
    ]
    for index in range(2, len(rows), 2):
        style.append(("BACKGROUND", (0, index), (-1, index), ZEBRA))
    table.setStyle(TableStyle(style))
    return table
