"""IMAP adapter over imapclient: verified TLS, new messages by UID, MOVE with fallback, IDLE.

Only this module talks IMAP. It knows nothing about invitees; it fetches raw bytes, moves
messages between folders and waits for news. Every failure staff can act on becomes a German
``InviteError``; a dropped connection becomes ``ImapConnectionLost`` so ``--watch`` can
reconnect.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from imapclient import IMAPClient, imap4, tls
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

from invite.errors import InviteError
from invite.mail.oauth import TokenCommand, login_with_token
from invite.mail.servers import refuse_cleartext_login as _refuse
from invite.mail.servers import tls_context
from invite.settings import ServerSettings

R = TypeVar("R")

FETCH_CHUNK_MESSAGES = 200
FETCH_CHUNK_BYTES = 48 * 1024 * 1024
MAX_HEADER_PEEK = 64 * 1024
IDLE_SLICE_SECONDS = 1.0
IDLE_REFRESH_SECONDS = 25 * 60  # RFC 2177: re-issue IDLE before 29 minutes
# Resolver answers that mean "this name does not exist" (a setting to fix); any other resolver
# failure, above all EAI_AGAIN, is temporary and ``--watch`` keeps trying.
UNKNOWN_HOST_ERRORS = frozenset(
    code for code in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", None)) if code is not None
)


class ImapConnectionLost(InviteError):
    """The connection broke in the middle; ``--watch`` reconnects, a single poll just stops."""


class ImapTooSlow(ImapConnectionLost):
    """The server did not finish within the overall deadline (a trickling or stuck server)."""


# -- overall deadlines -------------------------------------------------------------------------
#
# The socket timeout bounds each single read; a server that trickles one byte every half
# second never trips it and could hold ``poll`` (and the data-folder lock) for hours. The
# watchdog bounds a whole command: when its time is up it shuts the socket down from a timer
# thread, the blocked read returns at once, and the command fails with ``ImapTooSlow``.


class Watchdog:
    """Shuts the connection's socket down when an armed deadline passes."""

    def __init__(self) -> None:
        self.sock: socket.socket | None = None
        self.fired = ""  # German: what took too long (set when the watchdog struck)
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def attach(self, sock: socket.socket) -> None:
        with self._lock:
            self.sock = sock

    def arm(self, seconds: float, what: str) -> None:
        self.disarm()
        timer = threading.Timer(max(seconds, 0.0), self._fire, (what,))
        timer.daemon = True
        self._timer = timer
        timer.start()

    def disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _fire(self, what: str) -> None:
        with self._lock:
            self.fired = what
            if self.sock is not None:
                with contextlib.suppress(OSError):
                    # the plain socket's shutdown also for TLS sockets: the blocked SSL read
                    # sees end-of-file, and no SSL state is changed from this thread
                    socket.socket.shutdown(self.sock, socket.SHUT_RDWR)

    @contextlib.contextmanager
    def limit(self, seconds: float, what: str) -> Iterator[None]:
        self.arm(seconds, what)
        try:
            yield
        finally:
            self.disarm()


class _WatchedPlain(imap4.IMAP4WithTimeout):
    def __init__(self, host: str, port: int, timeout: float | None, dog: Watchdog) -> None:
        self._dog = dog
        super().__init__(host, port, timeout)

    def _create_socket(self, timeout: float | None = None) -> socket.socket:
        sock = super()._create_socket(timeout)
        self._dog.attach(sock)  # the greeting is read under the watchdog, too
        return sock


class _WatchedTLS(tls.IMAP4_TLS):
    def __init__(
        self, host: str, port: int, context: ssl.SSLContext | None, timeout: float | None,
        dog: Watchdog,
    ) -> None:  # fmt: skip
        self._dog = dog
        super().__init__(host, port, context, timeout)

    def _create_socket(self, timeout: float | None = None) -> socket.socket:
        sock = super()._create_socket(timeout)
        self._dog.attach(sock)
        return sock


class _Client(IMAPClient):
    """IMAPClient whose socket is known to a ``Watchdog`` from the first byte on."""

    def __init__(self, *args: object, watchdog: Watchdog, **kwargs: object) -> None:
        self.watchdog = watchdog
        super().__init__(*args, **kwargs)

    def _create_IMAP4(self) -> object:  # noqa: N802 (imapclient's name)
        connect_timeout = getattr(self._timeout, "connect", None)
        if self.ssl:
            return _WatchedTLS(
                self.host, self.port, self.ssl_context, connect_timeout, self.watchdog
            )
        return _WatchedPlain(self.host, self.port, connect_timeout, self.watchdog)


def too_slow(settings: ServerSettings, what: str) -> ImapTooSlow:
    return ImapTooSlow(
        f"Der IMAP-Server {_where(settings)} ist zu langsam: {what}. Der Abruf wurde "
        "abgebrochen und die Sperre des Datenordners freigegeben; bereits Verarbeitetes bleibt "
        "gespeichert, der Rest kommt beim nächsten Abruf (Grenzen: „imap.message_deadline“, "
        "„imap.run_deadline“ in campaign.toml)."
    )


@dataclass(frozen=True)
class FolderState:
    uidvalidity: int
    uidnext: int
    exists: int


def _where(settings: ServerSettings) -> str:
    return f"{settings.host}:{settings.port}"


def connection_error(settings: ServerSettings, exc: BaseException) -> InviteError:
    """A German message for what went wrong while talking to the IMAP server."""
    where = _where(settings)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return InviteError(
            f"Das Zertifikat des IMAP-Servers {where} ist nicht vertrauenswürdig "
            f"({exc.verify_message or exc.reason}). Es wurde nichts abgerufen. Wenn der Server "
            "ein eigenes Zertifikat nutzt, tragen Sie dessen CA-Datei unter „imap.cafile“ ein.",
            exit_code=2,
        )
    if isinstance(exc, ssl.SSLError):
        return InviteError(
            f"Die verschlüsselte Verbindung zum IMAP-Server {where} ist gescheitert ({exc.reason}). "
            "Stimmen Port und „imap.security“ (ssl, starttls, none)?",
            exit_code=2,
        )
    if isinstance(exc, socket.gaierror):
        if exc.errno in UNKNOWN_HOST_ERRORS:
            return InviteError(
                f"Den IMAP-Server „{settings.host}“ gibt es nicht (Name unbekannt).", exit_code=2
            )
        # EAI_AGAIN and the like: the name server is unreachable for now (network outage)
        return ImapConnectionLost(
            f"Der Name des IMAP-Servers „{settings.host}“ lässt sich gerade nicht auflösen "
            f"(Netz oder Namensserver nicht erreichbar: {exc.strerror or exc})."
        )
    if isinstance(exc, ConnectionRefusedError):
        return ImapConnectionLost(
            f"Der IMAP-Server {where} nimmt keine Verbindung an (abgewiesen)."
        )
    if isinstance(exc, TimeoutError | socket.timeout):
        return ImapConnectionLost(f"Der IMAP-Server {where} antwortet nicht (Zeitüberschreitung).")
    return ImapConnectionLost(f"Die Verbindung zum IMAP-Server {where} ist unterbrochen ({exc}).")


def refuse_cleartext_login(settings: ServerSettings) -> None:
    """The clear-text login rule of ``servers`` for the IMAP server."""
    _refuse(settings, "imap")


def open_client(
    settings: ServerSettings, password: str, watchdog: Watchdog | None = None
) -> IMAPClient:
    """Connect (none/starttls/ssl, certificates verified) and log in: the one way every IMAP
    session of the tool starts (RSVP mailbox and Sent folder), so TLS, login and German errors
    are the same everywhere. Greeting, STARTTLS and login together get ``message_deadline``."""
    refuse_cleartext_login(settings)
    context = tls_context(settings) if settings.security != "none" else None
    dog = watchdog or Watchdog()
    limit = settings.message_deadline
    if settings.auth == "oauth2":  # the token command may take its own time first
        limit += settings.token_timeout
    what = f"Verbindungsaufbau und Anmeldung dauerten länger als {limit:.0f} Sekunden"
    dog.arm(limit, what)
    try:
        return _login(settings, password, context, dog)
    except InviteError:
        if dog.fired:
            raise too_slow(settings, dog.fired) from None
        raise
    finally:
        dog.disarm()


def _login(
    settings: ServerSettings, password: str, context: ssl.SSLContext | None, dog: Watchdog
) -> IMAPClient:
    try:
        client = _Client(
            settings.host,
            port=settings.port,
            ssl=settings.security == "ssl",
            ssl_context=context if settings.security == "ssl" else None,
            timeout=settings.timeout,
            watchdog=dog,
        )
        if settings.security == "starttls":
            client.starttls(context)
            dog.attach(client.socket())
    except (OSError, IMAPClientError) as exc:
        raise connection_error(settings, exc) from None
    if settings.auth == "oauth2":
        _oauth_login(client, settings)
        return client
    try:
        if (settings.user + password).isascii():
            client.login(settings.user, password)
        else:  # LOGIN is ASCII-only in imaplib; AUTHENTICATE PLAIN carries UTF-8
            client.plain_login(settings.user, password)
    except LoginError:
        _quietly(client.shutdown)
        raise InviteError(
            f"Anmeldung am IMAP-Server {_where(settings)} als „{settings.user}“ fehlgeschlagen: "
            "Benutzername oder Passwort falsch (INVITE_IMAP_PASSWORD).",
            exit_code=2,
        ) from None
    except (OSError, IMAPClientError) as exc:
        _quietly(client.shutdown)
        raise connection_error(settings, exc) from None
    return client


def _oauth_login(client: IMAPClient, settings: ServerSettings) -> None:
    """AUTHENTICATE XOAUTH2 with the token command's token; a refused token (expired) is
    fetched once more. The command runs at every connect: it keeps and renews the token."""
    try:
        if not client.has_capability("AUTH=XOAUTH2"):
            _quietly(client.shutdown)
            raise InviteError(
                f"Der IMAP-Server {_where(settings)} bietet keine Anmeldung mit OAuth2 "
                "(XOAUTH2) an. Bitte „imap.auth“ prüfen.",
                exit_code=2,
            )
        tokens = TokenCommand.of(settings, "imap")
        login_with_token(
            tokens, lambda token: client.oauth2_login(settings.user, token), LoginError
        )
    except LoginError as exc:
        _quietly(client.shutdown)
        raise InviteError(
            f"Der IMAP-Server {_where(settings)} hat den Zugangsschlüssel (OAuth2) für "
            f"„{settings.user}“ abgelehnt, auch einen frisch geholten ({exc}). Bitte "
            "token_command unter [imap] prüfen und ob das Konto IMAP mit OAuth2 nutzen darf "
            "(siehe docs/oauth2.md).",
            exit_code=2,
        ) from None
    except InviteError:
        _quietly(client.shutdown)
        raise
    except (OSError, IMAPClientError) as exc:
        _quietly(client.shutdown)
        raise connection_error(settings, exc) from None


class Mailbox:
    """One logged-in IMAP session. Use ``Mailbox.connect(...)`` and ``close()`` (or ``with``)."""

    def __init__(
        self, client: IMAPClient, settings: ServerSettings, watchdog: Watchdog | None = None
    ) -> None:
        self.client = client
        self.settings = settings
        self.watchdog = watchdog or Watchdog()
        if watchdog is None:
            with contextlib.suppress(Exception):
                self.watchdog.attach(client.socket())
        self.run_ends: float | None = None  # monotonic end of the current run (run_limit)
        self.delimiter = "/"
        self.selected: str | None = None
        self.can_move = client.has_capability("MOVE")
        self.can_uid_expunge = client.has_capability("UIDPLUS")
        self.can_idle = client.has_capability("IDLE")
        try:
            namespaces = client.namespace()
            personal = namespaces.personal if namespaces else None
            if personal and personal[0][1]:
                sep = personal[0][1]
                self.delimiter = sep.decode() if isinstance(sep, bytes) else str(sep)
        except IMAPClientError:
            pass

    @classmethod
    def connect(cls, settings: ServerSettings, password: str) -> Mailbox:
        """Connect (none/starttls/ssl, certificates verified) and log in."""
        dog = Watchdog()
        client = open_client(settings, password, dog)
        with dog.limit(settings.message_deadline, "Die Sitzung zu beginnen dauerte zu lange"):
            return cls(client, settings, dog)

    def close(self) -> None:
        if self.watchdog.fired:  # the line is dead: do not wait for a LOGOUT answer
            _quietly(self.client.shutdown)
            return
        with self.watchdog.limit(
            min(self.settings.message_deadline, 10.0), "Abmelden dauerte zu lange"
        ):
            _quietly(self.client.logout)

    @contextlib.contextmanager
    def run_limit(self, seconds: float) -> Iterator[None]:
        """Every command inside counts against one overall deadline of ``seconds``."""
        self.run_ends = time.monotonic() + seconds
        try:
            yield
        finally:
            self.run_ends = None

    def __enter__(self) -> Mailbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _guard(self, action: Callable[[], R], messages: int = 1) -> R:
        """Run one IMAP command under the deadlines: ``message_deadline`` per message it
        carries (at least one), never beyond the end of the current run."""
        limit = self.settings.message_deadline * max(messages, 1)
        what = (
            f"ein Befehl für {messages} Nachricht(en) dauerte länger als {limit:.0f} Sekunden"
            if messages > 1
            else f"ein Befehl dauerte länger als {limit:.0f} Sekunden"
        )
        if self.run_ends is not None:
            left = self.run_ends - time.monotonic()
            if left <= 0 or left < limit:
                limit = max(left, 0.0)
                what = (
                    "der Abruf dauerte länger als "
                    f"{self.settings.run_deadline:.0f} Sekunden insgesamt"
                )
        self.watchdog.arm(limit, what)
        try:
            return action()
        except (IMAPClientAbortError, IMAPClientError, OSError) as exc:
            if self.watchdog.fired:
                raise too_slow(self.settings, self.watchdog.fired) from None
            if isinstance(exc, IMAPClientAbortError | OSError):
                raise connection_error(self.settings, exc) from None
            raise
        finally:
            self.watchdog.disarm()

    # -- folders ---------------------------------------------------------------------------

    def folder_name(self, configured: str) -> str:
        """``Anmeldungen/prüfen`` -> the server's hierarchy separator (``.`` on many servers)."""
        return configured.replace("/", self.delimiter) if self.delimiter != "/" else configured

    def ensure_folder(self, configured: str) -> str:
        name = self.folder_name(configured)
        try:
            if not self._guard(lambda: self.client.folder_exists(name)):
                self._guard(lambda: self.client.create_folder(name))
        except IMAPClientAbortError as exc:
            raise connection_error(self.settings, exc) from None
        except IMAPClientError as exc:
            raise InviteError(
                f"Der IMAP-Ordner „{configured}“ konnte nicht angelegt werden ({exc})."
            ) from None
        return name

    def select(self, configured: str) -> FolderState:
        name = self.folder_name(configured)
        try:
            info = self._guard(lambda: self.client.select_folder(name))
        except IMAPClientAbortError as exc:
            raise connection_error(self.settings, exc) from None
        except IMAPClientError:
            raise InviteError(
                f"Den IMAP-Ordner „{configured}“ gibt es nicht. Bitte „imap.folder“ prüfen."
            ) from None
        assert isinstance(info, dict)
        self.selected = name
        return FolderState(
            uidvalidity=int(info.get(b"UIDVALIDITY", 0)),
            uidnext=int(info.get(b"UIDNEXT", 0)),
            exists=int(info.get(b"EXISTS", 0)),
        )

    # -- messages --------------------------------------------------------------------------

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs greater than ``last_uid`` (``N:*`` also returns the highest, hence the filter)."""
        found = self._guard(lambda: self.client.search(["UID", f"{last_uid + 1}:*"]))
        return sorted(uid for uid in found if uid > last_uid)

    def sizes(self, uids: Sequence[int]) -> dict[int, int]:
        if not uids:
            return {}
        data = self._guard(lambda: self.client.fetch(uids, ["RFC822.SIZE"]))
        return {uid: int(d.get(b"RFC822.SIZE", 0)) for uid, d in data.items()}

    def fetch(
        self, uids: Sequence[int], sizes: dict[int, int], max_bytes: int
    ) -> Iterator[tuple[int, bytes, bool]]:
        """Yield ``(uid, raw, complete)`` in chunks of bounded count and bytes, in UID order.

        Messages over ``max_bytes`` are not downloaded: only their header (``complete`` False).
        """
        chunk: list[int] = []
        total = 0
        for uid in uids:
            size = sizes.get(uid, 0)
            if size > max_bytes:
                yield from self._fetch_chunk(chunk)
                chunk, total = [], 0
                yield uid, self._header(uid), False
                continue
            if chunk and (len(chunk) >= FETCH_CHUNK_MESSAGES or total + size > FETCH_CHUNK_BYTES):
                yield from self._fetch_chunk(chunk)
                chunk, total = [], 0
            chunk.append(uid)
            total += size
        yield from self._fetch_chunk(chunk)

    def _fetch_chunk(self, uids: list[int]) -> Iterator[tuple[int, bytes, bool]]:
        if not uids:
            return
        data = self._guard(lambda: self.client.fetch(uids, ["BODY.PEEK[]"]), len(uids))
        for uid in uids:
            raw = data.get(uid, {}).get(b"BODY[]")
            if raw is not None:  # expunged meanwhile by someone else
                yield uid, bytes(raw), True

    def _header(self, uid: int) -> bytes:
        key = f"BODY.PEEK[HEADER]<0.{MAX_HEADER_PEEK}>"
        data = self._guard(lambda: self.client.fetch([uid], [key]))
        entry = data.get(uid, {})
        for name, value in entry.items():
            if name.startswith(b"BODY[HEADER]") and value:
                return bytes(value)
        return b""

    def find_message(self, message_id: str) -> list[int]:
        """UIDs in the selected folder whose Message-ID is exactly ``message_id`` (without
        angle brackets). UIDs change when a message is moved or a folder is recreated
        (UIDVALIDITY); the Message-ID does not."""
        if not message_id or any(c in message_id for c in '"\\\r\n'):
            return []
        found = self._guard(lambda: self.client.search(["HEADER", "Message-ID", message_id]))
        uids = sorted(found)
        if not uids:
            return []
        key = "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"
        data = self._guard(lambda: self.client.fetch(uids, [key]))
        exact = []
        for uid, entry in data.items():
            header = next((v for k, v in entry.items() if k.startswith(b"BODY[HEADER")), b"")
            value = bytes(header).decode("utf-8", "replace").partition(":")[2]
            value = "".join(value.split())  # unfolded
            if f"<{message_id}>" in value or value.strip("<>") == message_id:
                exact.append(uid)
        return sorted(exact)

    def move(self, uids: Sequence[int], configured: str) -> None:
        """MOVE, or COPY + delete + (UID) EXPUNGE where MOVE is missing. Nothing is deleted
        before its copy exists."""
        if not uids:
            return
        target = self.folder_name(configured)
        try:
            if self.can_move:
                self._guard(lambda: self.client.move(uids, target))
                return
            self._guard(lambda: self.client.copy(uids, target))
            self._guard(lambda: self.client.delete_messages(uids))
            if self.can_uid_expunge:
                self._guard(lambda: self.client.uid_expunge(uids))
            else:
                self._guard(self.client.expunge)
        except IMAPClientAbortError as exc:
            raise connection_error(self.settings, exc) from None
        except IMAPClientError as exc:
            raise InviteError(
                f"Nachrichten konnten nicht in den Ordner „{configured}“ verschoben werden ({exc})."
            ) from None

    # -- waiting ---------------------------------------------------------------------------

    def wait_for_news(self, seconds: float, stop: Callable[[], bool]) -> None:
        """Return when new mail may have arrived (IDLE) or after ``seconds`` (no IDLE), or as
        soon as ``stop()`` is true. Checked in short slices so Ctrl-C and ``stop`` act fast."""
        # IDLE does not notice a server that went away (no EOF while idling), so even with IDLE
        # we come back after ``seconds`` and the next round's commands test the line.
        deadline = time.monotonic() + min(seconds, IDLE_REFRESH_SECONDS)
        if not self.can_idle:
            while not stop() and time.monotonic() < deadline:
                time.sleep(min(IDLE_SLICE_SECONDS, max(0.0, deadline - time.monotonic())))
            self._guard(self.client.noop)
            return
        try:
            self._guard(self.client.idle)
        except IMAPClientError as exc:  # "* BYE Server shutting down" instead of "+ idling"
            raise connection_error(self.settings, exc) from None
        finished = False
        try:
            while not stop() and time.monotonic() < deadline:
                responses = self._guard(lambda: self.client.idle_check(timeout=IDLE_SLICE_SECONDS))
                if any(_is_news(r) for r in responses):
                    break
            finished = True
        finally:
            if finished:
                self._guard(self.client.idle_done)
            else:  # Ctrl-C or a broken line: do not hide the original exception
                _quietly(self.client.idle_done)


def _is_news(response: object) -> bool:
    return (
        isinstance(response, tuple) and len(response) > 1 and response[1] in (b"EXISTS", b"RECENT")
    )


def _quietly(action: Callable[[], object]) -> None:
    with contextlib.suppress(Exception):
        action()
