"""Salutations and DIN 5008 address blocks: pure functions of an invitee."""

from __future__ import annotations

from invite.core.contacts import Invitee

MAX_ADDRESS_LINES = 6


def salutation(invitee: Invitee, language: str = "de") -> str:
    """The letter's opening line, e.g. ``Sehr geehrte Frau Dr. Yılmaz,``."""
    name = " ".join(p for p in (invitee.title, invitee.last_name) if p)
    if language == "en":
        if not invitee.last_name:
            return "Dear Sir or Madam,"
        if invitee.salutation in ("Frau", "Herr"):
            if invitee.title:
                return f"Dear {name},"
            return f"Dear {'Ms' if invitee.salutation == 'Frau' else 'Mr'} {invitee.last_name},"
        return f"Dear {_full(invitee)},"
    if not invitee.last_name:
        return "Sehr geehrte Damen und Herren,"
    if invitee.salutation == "Frau":
        return f"Sehr geehrte Frau {name},"
    if invitee.salutation == "Herr":
        return f"Sehr geehrter Herr {name},"
    return f"Guten Tag {_full(invitee)},"


def _full(invitee: Invitee) -> str:
    return " ".join(p for p in (invitee.title, invitee.first_name, invitee.last_name) if p)


def recipient_line(invitee: Invitee) -> str:
    """``Frau Dr. Ayşe Yılmaz`` / ``Herrn Prof. Dr. Jan Nowak``; empty for an organisation alone."""
    if not invitee.last_name:
        return ""
    prefix = {"Frau": "Frau", "Herr": "Herrn"}.get(invitee.salutation, "")
    return " ".join(p for p in (prefix, _full(invitee)) if p)


def named_line(invitee: Invitee, language: str = "de") -> str:
    """Who is invited, as printed on the form: German as in the address (``Herrn Jan Nowak``),
    English ``Mr Kwame Mensah`` (or with the title alone, ``Dr Ayşe Yılmaz`` style)."""
    if language != "en":
        return recipient_line(invitee)
    if not invitee.last_name:
        return ""
    prefix = "" if invitee.title else {"Frau": "Ms", "Herr": "Mr"}.get(invitee.salutation, "")
    return " ".join(p for p in (prefix, _full(invitee)) if p)


def address_block(invitee: Invitee) -> list[str]:
    """The Anschriftzone lines: organisation, recipient, street, PLZ Ort (at most six).

    The recipient is named in the invitee's language (``Mr Kwame Mensah`` in an English letter)."""
    lines = [invitee.organisation, named_line(invitee, invitee.language), invitee.street]
    lines.append(" ".join(p for p in (invitee.postcode, invitee.city) if p))
    lines.append(invitee.country.upper())  # DIN 5008: the country in capitals, last line
    return [line for line in lines if line][:MAX_ADDRESS_LINES]
