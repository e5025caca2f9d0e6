"""The session of a campaign run: what every batch starts with, and the credentials it needs.

- ``sending_batch``: one run at a time on the data folder (its lock), the contact list synced
  into the database, and rows a killed process left ``sending`` settled as ``unknown`` (never
  resent silently) — the prologue of `send` and `remind`.
- Passwords: taken from the environment or asked for once (``server_password``,
  ``remembering``), kept in memory only; ``make_transport`` collects what a batch of emails
  needs, ``connect_mailbox`` opens the RSVP mailbox.

Steps use this module; it uses the store and the mail adapters and never a step.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from invite.campaign import Campaign
from invite.core.contacts import Invitee
from invite.errors import InviteError
from invite.mail.delivery import RETRY_DELAYS, Transport
from invite.mail.imap import Mailbox
from invite.settings import ServerSettings
from invite.store import Store, exclusive, settle_interrupted

AskPassword = Callable[[str], str]


@contextlib.contextmanager
def sending_batch(campaign: Campaign, command: str) -> Iterator[tuple[Store, list[Invitee]]]:
    """What every sending step starts with: one sender at a time on the data folder, contacts
    synced, and rows a killed process left ``sending`` turned ``unknown`` (never resent
    silently)."""
    with exclusive(campaign.paths.data, command), campaign.open_state() as state:
        invitees = campaign.sync(state, command)
        settle_interrupted(state, command)
        yield state, invitees


def server_password(
    kind: str, server: ServerSettings, ask: Callable[[str], str] | None
) -> str | None:
    """The password from the environment, else asked for; never stored anywhere. None for
    ``auth = "oauth2"``: the token comes from the server's token_command at login."""
    user, password = server.user, server.password
    if not user or password is not None or server.auth == "oauth2":
        return password
    if ask is None:
        raise InviteError(
            f"Für die Anmeldung am {kind}-Server als „{user}“ fehlt das Passwort. Setzen Sie "
            f"die Umgebungsvariable INVITE_{kind}_PASSWORD oder starten Sie im Terminal.",
            exit_code=2,
        )
    return ask(f"Passwort für {user} ({kind})")


def make_transport(
    campaign: Campaign,
    ask_password: AskPassword | None,
    retry_delays: tuple[float, ...] = RETRY_DELAYS,
    imap_password: str | None = None,
) -> Transport:
    """Collect the passwords the batch needs, asking at most once each."""
    settings = campaign.settings
    smtp = settings.smtp
    imap = settings.imap
    if settings.mail.save_copy_to_sent and imap_password is None:
        imap_password = server_password("IMAP", imap, ask_password)
    return Transport(
        settings,
        smtp_password=server_password("SMTP", smtp, ask_password),
        imap_password=imap_password,
        retry_delays=retry_delays,
    )


def remembering(ask: AskPassword | None) -> AskPassword | None:
    """Ask each password once per run (``--watch`` polls many times)."""
    if ask is None:
        return None
    known: dict[str, str] = {}

    def remembered(prompt: str) -> str:
        if prompt not in known:
            known[prompt] = ask(prompt)
        return known[prompt]

    return remembered


def connect_mailbox(campaign: Campaign, ask_password: AskPassword | None) -> Mailbox:
    imap = campaign.settings.imap
    password = server_password("IMAP", imap, ask_password)
    return Mailbox.connect(imap, password or "")
