"""The IMAP Sent folder as a mail client uses it: keep a copy of every message that left, and
after a crash look there for a Message-ID whose fate the ledger does not know."""

from __future__ import annotations

import contextlib

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from invite.errors import InviteError
from invite.mail.imap import open_client
from invite.settings import ServerSettings


class SentFolder:
    """One IMAP session for a batch. Failures raise a German ``InviteError``; callers treat
    copies as best effort but must not resolve an unknown delivery without a real answer."""

    def __init__(self, server: ServerSettings, folder: str, password: str | None) -> None:
        self.server = server
        self.folder = folder
        self.password = password
        self._client: IMAPClient | None = None

    def _where(self) -> str:
        return f"{self.server.host}:{self.server.port}, Ordner „{self.folder}“"

    def open(self) -> None:
        if self._client is not None:
            return
        client = open_client(self.server, self.password or "")
        try:
            if not client.folder_exists(self.folder):
                client.create_folder(self.folder)
        except (IMAPClientError, OSError) as exc:
            _shut(client)
            raise InviteError(f"IMAP ({self._where()}): Ordner nicht verfügbar: {exc}") from None
        self._client = client

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            _shut(client)

    def __enter__(self) -> SentFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def append(self, data: bytes) -> None:
        """Store a copy, marked as read like a client's own sent mail."""
        self.open()
        assert self._client is not None
        try:
            self._client.append(self.folder, data, flags=(b"\\Seen",))
        except (IMAPClientError, OSError) as exc:
            self._client = None
            raise InviteError(f"IMAP ({self._where()}): Kopie nicht abgelegt: {exc}") from None

    def contains(self, message_id: str) -> bool:
        """Whether a message with this Message-ID is in the folder."""
        self.open()
        assert self._client is not None
        try:
            self._client.select_folder(self.folder, readonly=True)
            return bool(self._client.search(["HEADER", "Message-ID", message_id]))
        except (IMAPClientError, OSError) as exc:
            self._client = None
            raise InviteError(f"IMAP ({self._where()}): Suche fehlgeschlagen: {exc}") from None


def _shut(client: IMAPClient) -> None:
    """Log out politely; a broken line is simply closed."""
    try:
        client.logout()
    except (IMAPClientError, OSError):
        with contextlib.suppress(OSError):
            client.shutdown()
