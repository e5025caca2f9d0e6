"""Kinds of processed inbox messages, and which of them wait for a staff decision.

`poll` stores every message with a kind (``answer``, ``bounce``, ``unclear``, ``unmatched``,
``rejected``, …). Set aside for `invite prüfen` are the ones it could not settle itself, and a
bounce that names no invitee of the campaign.
"""

from __future__ import annotations

SET_ASIDE_KINDS = ("unclear", "unmatched", "rejected")


def waits_for_staff(kind: str, invitee: str | None) -> bool:
    """A message of this kind (tied to this invitee, if any) goes to the review folder."""
    return kind in SET_ASIDE_KINDS or (kind == "bounce" and not invitee)
