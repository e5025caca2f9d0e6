"""Real mail servers on 127.0.0.1 for the test suite: aiosmtpd (SMTP) and a private Dovecot.

Why real servers: the code under test speaks SMTP/IMAP over TLS, retries on temporary
errors and resumes interrupted batches. Mocks would only confirm our own assumptions about
those protocols; a real server on loopback is fast (milliseconds) and catches the rest.

This module has no pytest dependency so scripts and benchmarks can import it, too. It must
not import the ``invite`` package.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import email
import email.policy
import imaplib
import logging
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "DOVECOT_BINARY",
    "DovecotServer",
    "ImapAccount",
    "ReceivedMessage",
    "RcptReplies",
    "SmtpServer",
    "TestCerts",
    "dovecot_available",
    "free_port",
    "make_test_ca",
]

_log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
DOVECOT_BINARY = "/usr/sbin/dovecot"
# Unprivileged uid/gid for the Dovecot mail processes: Dovecot refuses uid 0 at SELECT.
MAIL_UID = 65534
MAIL_GID = 65534


# --------------------------------------------------------------------------------------------
# Ports and certificates
# --------------------------------------------------------------------------------------------


def free_port(host: str = LOOPBACK) -> int:
    """Return a TCP port that is free right now (servers here cannot bind to port 0).

    There is an unavoidable race until the server binds it; the servers retry with a new
    port when binding fails.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class TestCerts:
    """Paths of the test certificates.

    ``cert``/``key`` is a self-signed certificate for CN=localhost with SAN DNS:localhost and
    IP:127.0.0.1; clients use ``cafile`` (the same file) as their only trust anchor, so TLS
    verification stays switched on in tests. ``wrong_cert``/``wrong_key`` is an unrelated
    self-signed certificate (CN=wrong.example) that verification against ``cafile`` must
    refuse.
    """

    __test__ = False  # not a pytest test class despite the name

    cert: Path
    key: Path
    wrong_cert: Path
    wrong_key: Path

    @property
    def cafile(self) -> Path:
        """The CA file for clients: the self-signed server certificate itself."""
        return self.cert

    def client_context(self) -> ssl.SSLContext:
        """A verifying client context (hostname check on) that trusts only ``cafile``."""
        return ssl.create_default_context(cafile=str(self.cafile))

    def server_context(self, *, wrong: bool = False) -> ssl.SSLContext:
        """A server-side context presenting the right (or the wrong) certificate."""
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        if wrong:
            ctx.load_cert_chain(str(self.wrong_cert), str(self.wrong_key))
        else:
            ctx.load_cert_chain(str(self.cert), str(self.key))
        return ctx


def _openssl_self_signed(cert: Path, key: Path, cn: str, san: str) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError("openssl CLI not found; install the Debian package 'openssl'")
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "7",
            "-subj",
            f"/CN={cn}",
            "-addext",
            f"subjectAltName={san}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        stdin=subprocess.DEVNULL,
        capture_output=True,
    )
    # Dovecot reads the files as root, aiosmtpd as the test user: keep them readable.
    cert.chmod(0o644)
    key.chmod(0o644)


def make_test_ca(directory: str | os.PathLike[str]) -> TestCerts:
    """Create the test certificates in ``directory`` (about 20 ms, openssl CLI)."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    certs = TestCerts(
        cert=d / "cert.pem",
        key=d / "key.pem",
        wrong_cert=d / "wrong-cert.pem",
        wrong_key=d / "wrong-key.pem",
    )
    _openssl_self_signed(certs.cert, certs.key, "localhost", f"DNS:localhost,IP:{LOOPBACK}")
    _openssl_self_signed(certs.wrong_cert, certs.wrong_key, "wrong.example", "DNS:wrong.example")
    return certs


# --------------------------------------------------------------------------------------------
# SMTP
# --------------------------------------------------------------------------------------------

SmtpSecurity = Literal["none", "starttls", "ssl"]

#: Per-recipient RCPT replies. A mapping address -> reply: a ``str`` is sent on every attempt;
#: a sequence of strings is sent on attempts 1..n, after that the recipient is accepted.
#: Or a callable ``(address, attempt)`` (attempt counts from 1, across all connections)
#: returning a reply, or ``None`` to accept.
RcptReplies = Mapping[str, str | Sequence[str]] | Callable[[str, int], str | None]


@dataclass
class ReceivedMessage:
    """One message accepted by :class:`SmtpServer`."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    #: Ordinal of the SMTP session (connection; a new one after STARTTLS), from 1.
    session: int
    #: Login name if the client authenticated, else None.
    auth_user: str | None = None
    #: Whether the message travelled over TLS (STARTTLS or implicit).
    tls: bool = False
    mail_options: list[str] = field(default_factory=list)

    @cached_property
    def message(self) -> EmailMessage:
        """The parsed message (``email.policy.default``)."""
        msg = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        return msg


class _QuietAiosmtpd(logging.Filter):
    """Drop aiosmtpd's own deprecation noise (it logs one on every successful AUTH)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "login_data is deprecated" not in record.getMessage()


logging.getLogger("mail.log").addFilter(_QuietAiosmtpd())


class _SessionState:
    def __init__(self, number: int) -> None:
        self.number = number
        self.accepted = 0


def _close_after(reply: str, server: Any) -> str:
    """Like a real MTA, close the connection after any 421 reply (RFC 5321 3.8)."""
    if reply.startswith("421"):
        # aiosmtpd's push() writes the reply synchronously before this callback runs, and
        # close() flushes it, so the client reads the 421 and then sees the disconnect.
        asyncio.get_running_loop().call_soon(server.transport.close)
    return reply


class _Handler:
    """aiosmtpd handler; all decisions read the owner's (mutable) attributes per command."""

    def __init__(self, owner: SmtpServer) -> None:
        self.owner = owner

    def _state(self, session: Any) -> _SessionState:
        state = getattr(session, "_mailservers_state", None)
        if state is None:
            state = _SessionState(self.owner._next_session_number())
            session._mailservers_state = state
        return state

    async def handle_exception(self, error: Exception) -> str:
        """Failed TLS handshakes are expected in tests (wrong cert); log them quietly."""
        from aiosmtpd.smtp import TLSSetupException

        if isinstance(error, TLSSetupException):
            _log.info("TLS handshake failed: %r", error.__cause__)
        else:
            _log.error("SMTP test server handler error", exc_info=error)
        return f"500 Error: ({type(error).__name__}) {error}"

    async def handle_MAIL(  # noqa: N802 - aiosmtpd hook name
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        owner = self.owner
        if owner._auth_enforced_by_handler() and not session.authenticated:
            return "530 5.7.0 Authentication required"
        state = self._state(session)
        limit = owner.reply_421_after
        if limit is not None and state.accepted >= limit:
            return _close_after("421 4.7.0 Too many messages in this connection, closing", server)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802 - aiosmtpd hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        reply = self.owner._rcpt_reply(address)
        if reply is not None:
            return _close_after(reply, server)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd hook name
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        owner = self.owner
        state = self._state(session)
        if owner.drop_after is not None and state.accepted >= owner.drop_after:
            # Simulate a crash mid-transaction: the data was sent but is never acknowledged.
            server.transport.abort()
            # connection_lost() cancels this task; aiosmtpd treats that as a lost connection.
            await asyncio.get_running_loop().create_future()
        if owner.stall_seconds > 0:
            await asyncio.sleep(owner.stall_seconds)
        reply = owner._data_reply()
        if reply is not None:
            return _close_after(reply, server)
        auth_data = session.auth_data
        if auth_data is None:
            auth_user = None
        elif isinstance(auth_data, str):
            auth_user = auth_data
        else:
            auth_user = str(auth_data)
        owner._store(
            ReceivedMessage(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                data=bytes(envelope.original_content or envelope.content or b""),
                session=state.number,
                auth_user=auth_user,
                tls=owner.security == "ssl" or session.ssl is not None,
                mail_options=list(envelope.mail_options),
            )
        )
        state.accepted += 1
        return "250 OK"


class SmtpServer:
    """aiosmtpd in a background thread that records every message, with fault injection.

    Security modes: ``none``; ``starttls`` (STARTTLS required before MAIL/AUTH); ``ssl``
    (implicit TLS, port-465 style). With ``password`` set, AUTH PLAIN/LOGIN accepts only
    ``username``/``password``, and is mandatory unless ``auth_required=False``.

    Fault hooks (plain attributes, may be changed while the server runs):

    - ``rcpt_replies``: see :data:`RcptReplies`, e.g. ``{"a@x.de": ["451 4.3.0 try again"] * 2,
      "b@x.de": "550 5.1.1 user unknown"}``. Any ``421`` reply also closes the connection.
    - ``data_replies``: replies for the first DATA commands (server-wide), then accept.
    - ``drop_after=N``: in one connection, after N accepted messages, the next message's DATA
      is read, then the connection is aborted without a reply; that message is not stored.
    - ``reply_421_after=N``: in one connection, after N accepted messages, the next MAIL gets
      ``421`` and the server closes the connection.
    - ``stall_seconds``: DATA waits this long before replying (provokes client timeouts;
      if the client gives up first, the message is not stored).
    """

    def __init__(
        self,
        security: SmtpSecurity = "none",
        *,
        certs: TestCerts | None = None,
        wrong_cert: bool = False,
        username: str = "invite",
        password: str | None = None,
        auth_required: bool = True,
        rcpt_replies: RcptReplies | None = None,
        data_replies: Sequence[str] = (),
        drop_after: int | None = None,
        reply_421_after: int | None = None,
        stall_seconds: float = 0.0,
        smtputf8: bool = False,
        data_size_limit: int = 32 * 1024 * 1024,
        host: str = LOOPBACK,
        port: int | None = None,
    ) -> None:
        if security not in ("none", "starttls", "ssl"):
            raise ValueError(f"unknown security mode {security!r}")
        if security != "none" and certs is None:
            raise ValueError(f"security={security!r} needs certs (see make_test_ca)")
        self.security: SmtpSecurity = security
        self.certs = certs
        self.wrong_cert = wrong_cert
        self.username = username
        self.password = password
        self.auth_required = auth_required
        self.rcpt_replies = rcpt_replies
        self.data_replies = list(data_replies)
        self.drop_after = drop_after
        self.reply_421_after = reply_421_after
        self.stall_seconds = stall_seconds
        self.smtputf8 = smtputf8
        self.data_size_limit = data_size_limit
        self.host = host
        self.port = port or 0
        self._controller: Any = None
        self._cond = threading.Condition()
        self._messages: list[ReceivedMessage] = []
        self._rcpt_attempts: dict[str, int] = {}
        self._data_attempts = 0
        self._sessions = 0

    # -- state shared with the handler (runs in the server thread) --------------------------

    def _next_session_number(self) -> int:
        with self._cond:
            self._sessions += 1
            return self._sessions

    def _rcpt_reply(self, address: str) -> str | None:
        key = address.lower()
        with self._cond:
            attempt = self._rcpt_attempts.get(key, 0) + 1
            self._rcpt_attempts[key] = attempt
        rules = self.rcpt_replies
        if rules is None:
            return None
        if callable(rules):
            return rules(address, attempt)
        rule = rules.get(address, rules.get(key))
        if rule is None:
            return None
        if isinstance(rule, str):
            return rule
        return rule[attempt - 1] if attempt <= len(rule) else None

    def _auth_enforced_by_handler(self) -> bool:
        return self.password is not None and self.auth_required and self.security != "starttls"

    def _data_reply(self) -> str | None:
        with self._cond:
            self._data_attempts += 1
            n = self._data_attempts
        return self.data_replies[n - 1] if n <= len(self.data_replies) else None

    def _store(self, msg: ReceivedMessage) -> None:
        with self._cond:
            self._messages.append(msg)
            self._cond.notify_all()

    # -- public API ---------------------------------------------------------------------------

    @property
    def messages(self) -> list[ReceivedMessage]:
        """A snapshot of all accepted messages, in order of acceptance."""
        with self._cond:
            return list(self._messages)

    @property
    def session_count(self) -> int:
        """How many SMTP sessions issued MAIL (to check connection reuse)."""
        with self._cond:
            return self._sessions

    def rcpt_attempts(self, address: str) -> int:
        """How often RCPT TO was tried for ``address`` (over all connections)."""
        with self._cond:
            return self._rcpt_attempts.get(address.lower(), 0)

    def wait_for_messages(self, count: int, timeout: float = 5.0) -> list[ReceivedMessage]:
        """Block until at least ``count`` messages arrived; raise TimeoutError otherwise."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._messages) >= count, timeout):
                raise TimeoutError(
                    f"expected {count} messages, got {len(self._messages)} in {timeout}s"
                )
            return list(self._messages)

    def clear(self) -> None:
        """Forget received messages and attempt counters (fault settings stay)."""
        with self._cond:
            self._messages.clear()
            self._rcpt_attempts.clear()
            self._data_attempts = 0

    def _build_controller(self) -> Any:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        kwargs: dict[str, Any] = {
            "enable_SMTPUTF8": self.smtputf8,
            "data_size_limit": self.data_size_limit,
        }
        ssl_context = None
        if self.security != "none":
            assert self.certs is not None
            ctx = self.certs.server_context(wrong=self.wrong_cert)
            if self.security == "ssl":
                ssl_context = ctx
            else:
                kwargs.update(tls_context=ctx, require_starttls=True)
        if self.password is not None:
            expected = (self.username.encode(), self.password.encode())

            def authenticator(
                server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
            ) -> Any:
                if (
                    isinstance(auth_data, LoginPassword)
                    and (auth_data.login, auth_data.password) == expected
                ):
                    return AuthResult(success=True, auth_data=auth_data.login.decode())
                return AuthResult(success=False, handled=False)

            # aiosmtpd only counts STARTTLS as TLS (and warns about AUTH without it), so for
            # the other modes AUTH is always offered and _Handler.handle_MAIL enforces it.
            starttls = self.security == "starttls"
            kwargs.update(
                authenticator=authenticator,
                auth_required=self.auth_required and starttls,
                auth_require_tls=starttls,
            )
        return Controller(
            self._handler(),
            hostname=self.host,
            port=self.port,
            ssl_context=ssl_context,
            server_hostname="localhost",
            ready_timeout=10,
            **kwargs,
        )

    def _handler(self) -> _Handler:
        """The aiosmtpd handler (a subclass may add ``auth_<MECHANISM>`` methods)."""
        return _Handler(self)

    def start(self) -> SmtpServer:
        """Start listening (a few ms). After ``stop()``, starts again on the same port."""
        if self._controller is not None:
            return self
        keep_port = bool(self.port)  # given by the caller, or a restart after stop()
        last_error: Exception | None = None
        for _ in range(1 if keep_port else 5):
            if not keep_port:
                self.port = free_port(self.host)
            controller = self._build_controller()
            try:
                controller.start()
            except OSError as exc:  # port taken between free_port() and bind
                last_error = exc
                controller.stop(no_assert=True)
                continue
            self._controller = controller
            return self
        raise RuntimeError(f"SMTP test server could not bind {self.host}:{self.port}: {last_error}")

    def stop(self) -> None:
        """Stop the server; open connections are dropped. Messages are kept."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    @property
    def running(self) -> bool:
        return self._controller is not None

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<SmtpServer {self.security} {self.host}:{self.port}>"


# --------------------------------------------------------------------------------------------
# IMAP
# --------------------------------------------------------------------------------------------


def dovecot_available(binary: str = DOVECOT_BINARY) -> bool:
    """Whether the Dovecot binary is installed (Debian package ``dovecot-imapd``)."""
    return os.access(binary, os.X_OK)


@dataclass(frozen=True)
class ImapAccount:
    """Credentials of one fresh, empty test mailbox."""

    address: str
    password: str
    host: str
    port: int  # plain port, use STARTTLS
    ssl_port: int  # implicit TLS
    cafile: Path

    @property
    def username(self) -> str:
        return self.address

    def ssl_context(self) -> ssl.SSLContext:
        """A verifying client context that trusts only the test CA."""
        return ssl.create_default_context(cafile=str(self.cafile))


_PR_SET_PDEATHSIG = 1


def _pdeathsig_preexec() -> Callable[[], None]:
    """A preexec_fn making the kernel SIGTERM the child when its parent dies.

    So no Dovecot outlives a killed pytest. libc is resolved here, in the parent: the forked
    child (aiosmtpd threads may be running) should do as little as possible.
    """
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    sigterm = int(signal.SIGTERM)

    def preexec() -> None:  # pragma: no cover - runs in the child
        prctl(_PR_SET_PDEATHSIG, sigterm, 0, 0, 0)

    return preexec


# How long stop() lets Dovecot shut down on SIGTERM before it SIGKILLs the process group.
_STOP_GRACE_SECONDS = 0.25


class DovecotServer:
    """A private Dovecot instance (IMAP only) on 127.0.0.1, in its own short temp dir.

    Any address logs in with ``password`` ("secret"), so :meth:`new_mailbox` just invents a
    fresh address: a fresh, empty mailbox, no restart needed. ``port`` is the plain/STARTTLS
    port, ``ssl_port`` implicit TLS. ``stop()``/``start()``/``restart()`` keep ports and mail.

    Timings (Dovecot 2.3.19): start ≈ 50 ms, stop ≈ 10-250 ms, login ≈ 5 ms. A *failed*
    login answers after ≈ 0.5 s with ``[AUTHENTICATIONFAILED]`` even with
    ``auth_failure_delay = 0`` (the auth process flushes failures on a 500 ms timer; the
    passdb ``nodelay`` workaround would change the reply to ``[CONTACTADMIN]``, so it is not
    used: tests should see what a real server says).

    Note: PR_SET_PDEATHSIG fires when the *thread* that started Dovecot ends; start it from
    the main thread (pytest fixtures do).
    """

    def __init__(
        self,
        certs: TestCerts | None = None,
        *,
        wrong_cert: bool = False,
        password: str = "secret",
        binary: str = DOVECOT_BINARY,
        start_timeout: float = 10.0,
    ) -> None:
        self.certs = certs
        self.wrong_cert = wrong_cert
        self.password = password
        self.binary = binary
        self.start_timeout = start_timeout
        self.host = LOOPBACK
        self.port = 0
        self.ssl_port = 0
        self.dir: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._cafile: Path | None = None

    # -- files ------------------------------------------------------------------------------

    @property
    def cafile(self) -> Path:
        if self._cafile is None:
            raise RuntimeError("DovecotServer not started yet")
        return self._cafile

    @property
    def log_path(self) -> Path:
        assert self.dir is not None
        return self.dir / "dovecot.log"

    def log_tail(self, lines: int = 30) -> str:
        """Last lines of Dovecot's log and stderr, for error messages."""
        if self.dir is None:
            return ""
        out = []
        for name in ("dovecot.log", "stderr.log"):
            path = self.dir / name
            if path.exists():
                text = path.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"--- {name} ---\n" + "\n".join(text))
        return "\n".join(out)

    def _prepare_dir(self) -> Path:
        # Short and world-traversable: unix socket paths must stay < 108 bytes and the
        # unprivileged auth/login users must reach them (pytest's tmp_path fails both).
        d = Path(tempfile.mkdtemp(prefix="dc-", dir="/tmp"))
        d.chmod(0o755)
        for sub in ("run", "state"):
            (d / sub).mkdir(mode=0o755)
        mail = d / "mail"
        mail.mkdir(mode=0o755)
        if os.geteuid() == 0:
            os.chown(mail, MAIL_UID, MAIL_GID)
        certs = self.certs or make_test_ca(d / "certs")
        src_cert, src_key = (
            (certs.wrong_cert, certs.wrong_key) if self.wrong_cert else (certs.cert, certs.key)
        )
        shutil.copyfile(src_cert, d / "cert.pem")
        shutil.copyfile(src_key, d / "key.pem")
        (d / "key.pem").chmod(0o600)
        self._cafile = certs.cafile
        return d

    def _config(self, greeting: str) -> str:
        d = self.dir
        assert d is not None
        if os.geteuid() == 0:
            internal_user, login_user = "dovecot", "dovenull"
            uid, gid = MAIL_UID, MAIL_GID
            extra, chroot = "", ""
        else:  # unprivileged: everything runs as the current user, no chroot possible
            import grp
            import pwd

            internal_user = login_user = pwd.getpwuid(os.geteuid()).pw_name
            uid, gid = os.geteuid(), os.getegid()
            extra = (
                f"default_internal_group = {grp.getgrgid(gid).gr_name}\n"
                f"first_valid_uid = {uid}\nfirst_valid_gid = {gid}\n"
            )
            chroot = "  chroot =\n"
        return f"""\
# Generated by tests/mailservers.py - private test instance, do not use in production.
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
info_log_path = {d}/dovecot.log
protocols = imap
listen = {self.host}
default_internal_user = {internal_user}
default_login_user = {login_user}
{extra}login_greeting = {greeting}
ssl = yes
ssl_cert = <{d}/cert.pem
ssl_key = <{d}/key.pem
disable_plaintext_auth = no
auth_failure_delay = 0
mail_fsync = never
mail_location = maildir:~/Maildir
{self._auth_config()}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={d}/mail/%d/%n
}}
namespace inbox {{
  inbox = yes
  mailbox Drafts {{
    special_use = \\Drafts
  }}
  mailbox Sent {{
    special_use = \\Sent
  }}
  mailbox Junk {{
    special_use = \\Junk
  }}
  mailbox Trash {{
    special_use = \\Trash
  }}
}}
protocol imap {{
  mail_max_userip_connections = 200
}}
service imap-login {{
{chroot}  inet_listener imap {{
    port = {self.port}
  }}
  inet_listener imaps {{
    port = {self.ssl_port}
    ssl = yes
  }}
}}
service anvil {{
{chroot}  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""

    def _auth_config(self) -> str:
        """How logins are checked: any address with ``password`` (a subclass may change it)."""
        return (
            "auth_mechanisms = plain login\n"
            f"passdb {{\n  driver = static\n  args = password={self.password}\n}}"
        )

    # -- lifecycle --------------------------------------------------------------------------

    def _spawn(self) -> subprocess.Popen[bytes]:
        assert self.dir is not None
        greeting = f"invite-test-{uuid.uuid4().hex}"
        conf = self.dir / "dovecot.conf"
        conf.write_text(self._config(greeting))
        with open(self.dir / "stderr.log", "ab") as err:
            proc = subprocess.Popen(
                [self.binary, "-F", "-c", str(conf)],
                stdin=subprocess.DEVNULL,
                stdout=err,
                stderr=subprocess.STDOUT,
                preexec_fn=_pdeathsig_preexec(),
                # Own process group: stop() can signal Dovecot's children, too (see there).
                start_new_session=True,
                close_fds=True,
            )
        try:
            self._wait_ready(proc, greeting)
        except BaseException:
            self._terminate(proc)
            raise
        return proc

    def _wait_ready(self, proc: subprocess.Popen[bytes], greeting: str) -> None:
        # Wait for *our* greeting: if the port was taken, another server may answer while
        # this Dovecot has already exited.
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise _EarlyExit(proc.returncode)
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as sock:
                    line = sock.makefile("rb").readline()
                if greeting.encode() in line:
                    return
            except OSError:
                pass
            time.sleep(0.01)
        raise RuntimeError(
            f"Dovecot did not greet on {self.host}:{self.port} within "
            f"{self.start_timeout}s\n{self.log_tail()}"
        )

    def start(self) -> DovecotServer:
        """Start Dovecot (about 50 ms); reuses dir, ports and mail after ``stop()``."""
        if self._proc is not None:
            return self
        if not dovecot_available(self.binary):
            raise RuntimeError(
                f"Dovecot is not installed ({self.binary} missing): "
                "apt-get install -y --no-install-recommends dovecot-imapd"
            )
        first_start = self.dir is None
        if first_start:
            self.dir = self._prepare_dir()
        last: _EarlyExit | None = None
        for _ in range(5):
            if first_start:
                # Ports are only picked on first start; restarts must keep them.
                self.port = free_port(self.host)
                self.ssl_port = free_port(self.host)
                while self.ssl_port == self.port:
                    self.ssl_port = free_port(self.host)
            try:
                self._proc = self._spawn()
                return self
            except _EarlyExit as exc:
                # Port taken (race with free_port) or, on restart, old sockets lingering.
                last = exc
                time.sleep(0.1)
        raise RuntimeError(
            f"Dovecot exited during startup (exit code {last.code if last else '?'})\n"
            f"{self.log_tail()}"
        )

    def _terminate(self, proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
        # Signal the whole process group (ours alone: start_new_session). Signalling only the
        # master takes ≈ 1.1 s and leaves the imap/imap-login processes of connected clients
        # running after it exits. With the group signalled, clients get their BYE and the
        # children exit within ms, but the master sometimes lingers 1-6 s (it respawns its
        # log process and waits for it). Nothing of value happens then: after a short grace,
        # SIGKILL whatever is left.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=_STOP_GRACE_SECONDS)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        if self.dir is not None:  # a killed master leaves it behind; its pid may be reused
            with contextlib.suppress(FileNotFoundError):
                (self.dir / "run" / "master.pid").unlink()

    def stop(self, *, crash: bool = False) -> None:
        """Stop (SIGTERM to Dovecot's process group, wait); clients are disconnected.

        ``crash=True`` uses SIGKILL instead: no BYE, no clean shutdown. Mail and ports are
        kept for ``start()``.
        """
        proc, self._proc = self._proc, None
        if proc is not None:
            self._terminate(proc, signal.SIGKILL if crash else signal.SIGTERM)

    def restart(self, *, crash: bool = False) -> None:
        """Stop (see ``stop``) and start again on the same ports with the same mailboxes."""
        self.stop(crash=crash)
        self.start()

    def cleanup(self) -> None:
        """Stop and delete the instance directory (including all mail)."""
        self.stop()
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def __enter__(self) -> DovecotServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

    def __repr__(self) -> str:
        return f"<DovecotServer {self.host}:{self.port}/{self.ssl_port} dir={self.dir}>"

    # -- mailboxes --------------------------------------------------------------------------

    def new_mailbox(self) -> str:
        """Invent a fresh address; its mailbox is empty (created on first login)."""
        return f"u{uuid.uuid4().hex}@test.local"

    def new_account(self) -> ImapAccount:
        """A fresh mailbox with everything a client needs to connect."""
        if self._proc is None:
            raise RuntimeError("DovecotServer not started")
        return ImapAccount(
            address=self.new_mailbox(),
            password=self.password,
            host=self.host,
            port=self.port,
            ssl_port=self.ssl_port,
            cafile=self.cafile,
        )

    def deliver(
        self,
        address: str,
        message: bytes | EmailMessage,
        folder: str = "INBOX",
        flags: str = "",
    ) -> None:
        """Put a message into ``address``'s ``folder`` (IMAP APPEND over TLS), e.g. a reply.

        Uses only the standard library so tests can seed mailboxes independently of the
        client code under test. ``flags`` e.g. ``"(\\Seen)"``; default unseen.
        """
        raw = (
            message.as_bytes(policy=email.policy.SMTP)
            if isinstance(message, EmailMessage)
            else message
        )
        ctx = ssl.create_default_context(cafile=str(self.cafile))
        with imaplib.IMAP4_SSL(self.host, self.ssl_port, ssl_context=ctx, timeout=10) as imap:
            imap.login(address, self.password)
            if folder.upper() != "INBOX":
                imap.create(folder)  # fails harmlessly if it exists
            typ, data = imap.append(folder, flags or None, None, raw)
            if typ != "OK":
                raise RuntimeError(f"APPEND to {address}/{folder} failed: {data!r}")
            imap.logout()


class _EarlyExit(Exception):
    def __init__(self, code: int | None) -> None:
        super().__init__(f"dovecot exited with code {code}")
        self.code = code
