"""invite: run an invitation campaign from a contact spreadsheet to the RSVP list."""

__version__ = "0.1.0"
