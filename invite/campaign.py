"""Everything a campaign step needs, opened once: settings, templates, contacts, data paths."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from invite.contacts import ContactList, Invitee, parse_contacts
from invite.errors import InviteError, Problem
from invite.settings import Settings, load_settings
from invite.spreadsheet import read_contact_sheet
from invite.state import State
from invite.templates import Templates


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

    def letter(self, invitee: Invitee) -> Path:
        return self.letters / f"Einladung-{int(invitee.number):04d}.pdf"

    def form(self, invitee: Invitee) -> Path:
        return self.forms / f"Anmeldeformular-{int(invitee.number):04d}.pdf"


class ContactErrors(InviteError):
    """The contact list has problems: nothing is generated until all are fixed."""

    def __init__(self, contacts: ContactList) -> None:
        self.contacts = contacts
        count = len(contacts.errors)
        super().__init__(
            f"Die Kontaktliste hat {count} Fehler. Bitte korrigieren – es wurde nichts erzeugt."
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
        """Read and check the spreadsheet; file-level failures raise, row problems are collected."""
        return parse_contacts(read_contact_sheet(self.contacts_file))

    def open_state(self) -> State:
        return State.open(self.paths.data)

    def sync(self, state: State, command: str) -> list[Invitee]:
        """Bring the database up to date with the spreadsheet, refusing a list with errors."""
        contacts = self.read_contacts()
        if contacts.errors:
            raise ContactErrors(contacts)
        state.sync_invitees(contacts.invitees, command)
        return state.invitees()


def problems_text(problems: list[Problem]) -> str:
    return "\n".join(f"  – {p}" for p in problems)
