"""The IMAP Sent folder as a mail client uses it: keep a copy of every message that left, and
after a crash look there for a Message-ID whose fate the ledger does not know."""

from __future__ import annotations

import ssl

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from invite.errors import InviteError
from invite.settings import ServerSettings
from invite.smtp import tls_context


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
        server = self.server
        try:
            client = IMAPClient(
                server.host,
                port=server.port,
                ssl=server.security == "ssl",
                ssl_context=tls_context(server),
                timeout=server.timeout,
            )
            if server.security == "starttls":
                client.starttls(tls_context(server))
            client.login(server.user, self.password or "")
            if not client.folder_exists(self.folder):
                client.create_folder(self.folder)
        except ssl.SSLCertVerificationError as exc:
            raise InviteError(
                f"IMAP ({self._where()}): Zertifikat nicht vertrauenswürdig "
                f"({exc.verify_message}); ggf. [imap] cafile eintragen."
            ) from None
        except (TimeoutError, IMAPClientError, OSError) as exc:
            raise InviteError(f"IMAP ({self._where()}): {exc}") from None
        self._client = client

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.logout()
            except (IMAPClientError, OSError):
                client.shutdown()

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
