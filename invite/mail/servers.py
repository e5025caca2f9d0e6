"""What SMTP and IMAP share about reaching a mail server: the verified TLS context and the
rule that a password never crosses the network in clear text.

Both adapters (``smtp``, ``imap``) import from here; neither imports the other.
"""

from __future__ import annotations

import ssl

from invite.errors import InviteError
from invite.settings import ServerSettings

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")

# protocol -> (how staff call the server, the campaign.toml section, the suggested settings)
_NAMES = {
    "smtp": ("Mailserver", "[smtp]", '"starttls" oder "ssl"'),
    "imap": ("IMAP-Server", "[imap]", '"ssl" oder "starttls"'),
}


def server_name(server: ServerSettings) -> str:
    return f"{server.host}:{server.port}"


def tls_context(server: ServerSettings) -> ssl.SSLContext:
    """Certificate and host name are always verified; ``cafile`` adds the city's own CA."""
    cafile = str(server.cafile) if server.cafile else None
    try:
        return ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError) as exc:
        raise InviteError(
            f"Die Zertifikatsdatei „{server.cafile}“ (cafile) kann nicht gelesen werden: {exc}",
            exit_code=2,
        ) from None


def refuse_cleartext_login(server: ServerSettings, protocol: str) -> None:
    """Raise the German configuration error when a login would send the password in clear
    text (``security = "none"`` to a host other than this computer) — one rule for SMTP
    (``protocol="smtp"``) and IMAP (``protocol="imap"``)."""
    if server.security != "none" or server.host in LOOPBACK_HOSTS:
        return
    name, section, choices = _NAMES[protocol]
    raise InviteError(
        f"Anmeldung am {name} {server_name(server)} ohne Verschlüsselung wird nicht "
        "gemacht: das Passwort ginge im Klartext durchs Netz. Bitte in campaign.toml unter "
        f"{section} security = {choices} eintragen.",
        exit_code=2,
    )
