"""Everything a campaign step needs, opened once: settings, templates, contacts, data paths."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from invite.core.contacts import LABELS, ContactList, Invitee, parse_contacts
from invite.errors import Problem, ProblemsFound
from invite.paper.fonts import describe_glyph, missing_glyphs, register_fonts
from invite.settings import Settings, load_settings
from invite.store import Store, all_invitees, ensure_not_purged, sync_invitees
from invite.templates import Templates
from invite.workbook.spreadsheet import read_contact_sheet


@dataclass(frozen=True)
class Paths:
    """Where generated files live inside the data folder (German names: staff open them)."""

    data: Path

    @property
    def letters(self) -> Path:
        return self.data / "briefe"

    @property
    def forms(self) -> Path:
        return self.data / "formulare"

    @property
    def programme(self) -> Path:
        return self.data / "Programm.pdf"

    @property
    def print_batches(self) -> Path:
        return self.data / "druck"

    @property
    def outbox(self) -> Path:
        """Maildir of dry-run messages."""
        return self.data / "probelauf"

    @property
    def status_workbook(self) -> Path:
        return self.data / "rsvp-status.xlsx"

    @property
    def participant_list(self) -> Path:
        """The door list (`invite teilnehmerliste`; ``--out`` may put it elsewhere)."""
        return self.data / "Teilnehmerliste.pdf"

    def letter(self, invitee: Invitee) -> Path:
        return self.letters / f"Einladung-{int(invitee.number):04d}.pdf"

    def form(self, invitee: Invitee) -> Path:
        return self.forms / f"Anmeldeformular-{int(invitee.number):04d}.pdf"


SYNCED_DIGEST_KEY = "contacts_digest"
# Audit action of a written door list; its detail is the file's path, so that `invite purge`
# finds a list written anywhere (``--out``).
LIST_WRITTEN = "Teilnehmerliste geschrieben"


class ContactErrors(ProblemsFound):
    """The contact list has problems: nothing is generated until all are fixed."""

    def __init__(self, contacts: ContactList) -> None:
        self.contacts = contacts
        count = len(contacts.errors)
        super().__init__(
            f"Die Kontaktliste hat {count} Fehler. Bitte korrigieren – es wurde nichts erzeugt.",
            contacts.errors,
        )


@dataclass
class Campaign:
    settings: Settings
    templates: Templates
    contacts_file: Path
    paths: Paths

    @classmethod
    def open(cls, campaign_dir: Path, contacts_file: Path, data_dir: Path) -> Campaign:
        settings = load_settings(campaign_dir)
        return cls(settings, Templates(campaign_dir), contacts_file, Paths(data_dir))

    def read_contacts(self) -> ContactList:
        """Read and check the spreadsheet; file-level failures raise, row problems are collected.

        Includes the font check: a name the letter font cannot draw is an error for every
        command, so no letter ever prints a black box instead of a name.
        """
        contacts = parse_contacts(read_contact_sheet(self.contacts_file))
        letter = self.settings.letter
        register_fonts(letter.font, letter.font_bold)
        contacts.errors.extend(unprintable(str(self.contacts_file), contacts.invitees))
        if contacts.errors:
            bad_rows = {p.row for p in contacts.errors}
            contacts.invitees = [i for i in contacts.invitees if i.row not in bad_rows]
        return contacts

    def open_state(self) -> Store:
        return Store.open(self.paths.data)

    def sync(self, state: Store, command: str) -> list[Invitee]:
        """Bring the database up to date with the spreadsheet, refusing a list with errors
        (and refusing to bring personal data back after `invite purge`)."""
        ensure_not_purged(state)
        digest = self._contacts_digest()
        if digest is not None and state.meta(SYNCED_DIGEST_KEY) == digest:
            return all_invitees(state)  # unchanged since the last good sync: skip re-reading it
        contacts = self.read_contacts()
        if contacts.errors:
            raise ContactErrors(contacts)
        sync_invitees(state, contacts.invitees, command)
        state.set_meta(SYNCED_DIGEST_KEY, digest)
        return all_invitees(state)

    def _contacts_digest(self) -> str | None:
        """What the last good sync depended on: the spreadsheet's bytes and the font settings."""
        try:
            data = self.contacts_file.read_bytes()
        except OSError:
            return None  # read_contacts reports it properly
        letter = self.settings.letter
        fonts = f"{letter.font}|{letter.font_bold}".encode()
        return hashlib.sha256(data + b"\0" + fonts).hexdigest()


# The contact fields a letter prints, by their spreadsheet header.
PRINTED_FIELDS = {
    key: LABELS[key]
    for key in (
        "title",
        "first_name",
        "last_name",
        "organisation",
        "street",
        "postcode",
        "city",
        "country",
    )
}


def unprintable(file: str, invitees: list[Invitee]) -> list[Problem]:
    """Problems for every printed field holding a character the registered font cannot draw."""
    problems = []
    for inv in invitees:
        for attr, label in PRINTED_FIELDS.items():
            missing = missing_glyphs(getattr(inv, attr))
            if missing:
                problems.append(
                    Problem(
                        file,
                        "Zeichen, die die Schrift nicht drucken kann: "
                        + ", ".join(describe_glyph(c) for c in missing),
                        row=inv.row,
                        column=label,
                    )
                )
    return problems
