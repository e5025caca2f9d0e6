"""SMTP adapter: one verified connection per batch, and every failure sorted into what the
ledger needs to know — was the message handed over, refused for now, refused for good, or
nobody can tell?

The last case matters most: when the connection breaks after the message's final dot was
sent, the server may have taken it. Such a message is reported as ``OutcomeUnknown`` and is
never retried automatically.
"""

from __future__ import annotations

import base64
import contextlib
import smtplib
import socket
import ssl
from dataclasses import dataclass

from invite.errors import InviteError
from invite.mail.oauth import TokenCommand, login_with_token, xoauth2
from invite.mail.servers import refuse_cleartext_login, server_name, tls_context
from invite.settings import ServerSettings

RECONNECTS = 2  # per message, when the connection was found dead before the hand-over


class DeliveryError(Exception):
    """Base of the per-message outcomes other than success; ``str()`` is the server's text."""


class TemporaryFailure(DeliveryError):
    """4xx: the server refused for now; retry later (the message was not taken)."""


class PermanentFailure(DeliveryError):
    """5xx: the server refused this message for good (e.g. unknown recipient)."""


class OutcomeUnknown(DeliveryError):
    """The connection broke after the message was handed over; it may have been delivered."""


class ServerSilent(OutcomeUnknown):
    """No reply within the timeout after the hand-over: the server hangs. Handing it more
    messages would only make more unknown outcomes, so the batch stops."""


class _ConnectionLost(Exception):
    """The connection died before the hand-over; reconnecting and retrying is safe."""


@dataclass(frozen=True)
class Accepted:
    reply: str


def _text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(text.split())


def _reply(code: int, message: bytes | str) -> str:
    return f"{code} {_text(message)}".strip()


class SmtpConnection:
    """A lazily (re)opened SMTP session. ``send`` returns ``Accepted`` or raises a
    ``DeliveryError``; problems with the server itself raise a German ``InviteError``."""

    def __init__(self, server: ServerSettings, password: str | None = None) -> None:
        self.server = server
        self.password = password
        self._smtp: smtplib.SMTP | None = None
        self._tokens = TokenCommand.of(server, "smtp") if server.auth == "oauth2" else None
        if server.user and password is None and self._tokens is None:
            raise InviteError(
                f"Für die Anmeldung am Mailserver als „{server.user}“ fehlt das Passwort "
                "(Umgebungsvariable INVITE_SMTP_PASSWORD).",
                exit_code=2,
            )
        if server.user:
            refuse_cleartext_login(server, "smtp")

    # -- connection ---------------------------------------------------------------------

    def open(self) -> None:
        """Connect, secure and log in; idempotent."""
        if self._smtp is not None:
            return
        server = self.server
        name = server_name(server)
        smtp: smtplib.SMTP | None = None
        try:
            if server.security == "ssl":
                smtp = smtplib.SMTP_SSL(
                    server.host, server.port, timeout=server.timeout, context=tls_context(server)
                )
            else:
                smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
            smtp.ehlo()
            if server.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise InviteError(
                        f"Der Mailserver {name} bietet keine verschlüsselte Verbindung "
                        "(STARTTLS) an. Bitte security und port unter [smtp] prüfen."
                    )
                smtp.starttls(context=tls_context(server))
                smtp.ehlo()
            if self._tokens is not None:
                _oauth_login(smtp, server, self._tokens)
            elif server.user:
                _login(smtp, server.user, self.password or "")
        except InviteError:
            _quietly_close(smtp)
            raise
        except smtplib.SMTPAuthenticationError as exc:
            _quietly_close(smtp)
            if self._tokens is not None:
                raise InviteError(
                    f"Der Mailserver {name} hat den Zugangsschlüssel (OAuth2) für "
                    f"„{server.user}“ abgelehnt, auch einen frisch geholten "
                    f"({_reply(exc.smtp_code, exc.smtp_error)}). Bitte token_command unter "
                    "[smtp] prüfen und ob das Konto SMTP mit OAuth2 nutzen darf "
                    "(siehe docs/oauth2.md).",
                    exit_code=2,
                ) from None
            raise InviteError(
                f"Anmeldung am Mailserver {name} als „{server.user}“ fehlgeschlagen: "
                f"Benutzername oder Passwort falsch ({_reply(exc.smtp_code, exc.smtp_error)}).",
                exit_code=2,
            ) from None
        except smtplib.SMTPNotSupportedError:
            _quietly_close(smtp)
            raise InviteError(
                f"Der Mailserver {name} bietet keine Anmeldung (AUTH) an. Ist [smtp] user "
                "richtig, oder braucht dieser Server keine Anmeldung (dann user leer lassen)?"
            ) from None
        except ssl.SSLCertVerificationError as exc:
            _quietly_close(smtp)
            raise InviteError(
                f"Das Zertifikat des Mailservers {name} ist nicht vertrauenswürdig "
                f"({exc.verify_message}). Verwendet Ihr Haus eine eigene Zertifizierungsstelle, "
                "tragen Sie deren Datei unter [smtp] cafile ein."
            ) from None
        except ssl.SSLError as exc:
            _quietly_close(smtp)
            raise InviteError(
                f"Verschlüsselte Verbindung zum Mailserver {name} fehlgeschlagen ({exc.reason}). "
                "Passt security (ssl oder starttls) zum Port?"
            ) from None
        except TimeoutError:
            _quietly_close(smtp)
            raise InviteError(
                f"Der Mailserver {name} antwortet nicht (Zeitüberschreitung nach "
                f"{server.timeout:g} s)."
            ) from None
        except socket.gaierror:
            _quietly_close(smtp)
            raise InviteError(
                f"Der Mailserver „{server.host}“ ist unbekannt. Bitte [smtp] host prüfen."
            ) from None
        except ConnectionRefusedError:
            _quietly_close(smtp)
            raise InviteError(
                f"Der Mailserver {name} ist nicht erreichbar (Verbindung abgelehnt). "
                "Stimmen host und port unter [smtp]?"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            _quietly_close(smtp)
            raise InviteError(f"Verbindung zum Mailserver {name} fehlgeschlagen: {exc}") from None
        self._smtp = smtp

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                _quietly_close(smtp)

    def __enter__(self) -> SmtpConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one message --------------------------------------------------------------------

    def send(self, sender: str, recipient: str, data: bytes, *, smtputf8: bool = False) -> Accepted:
        """Hand one message (CRLF line endings) to the server, reconnecting if the connection
        turns out to be dead before the hand-over."""
        for attempt in range(RECONNECTS + 1):
            self.open()
            try:
                return self._transaction(sender, recipient, data, smtputf8)
            except _ConnectionLost as exc:
                self._drop()
                if attempt == RECONNECTS:
                    raise TemporaryFailure(f"Verbindung zum Mailserver verloren ({exc})") from None
        raise AssertionError("unreachable")

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        _quietly_close(smtp)

    def _transaction(self, sender: str, recipient: str, data: bytes, smtputf8: bool) -> Accepted:
        smtp = self._smtp
        assert smtp is not None
        options: list[str] = []
        if smtputf8:
            if not smtp.has_extn("smtputf8"):
                raise PermanentFailure(
                    "Der Mailserver unterstützt keine Umlaute vor dem @ der Adresse (SMTPUTF8)."
                )
            options.append("SMTPUTF8")
        try:
            self._expect(smtp.mail(sender, options), 250, "MAIL FROM")
            code, message = smtp.rcpt(recipient)
            self._expect((code, message), (250, 251), "RCPT TO")
            self._expect(smtp.docmd("DATA"), 354, "DATA")
            smtp.send(_dot_stuffed(data))
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise _ConnectionLost(_text(str(exc)) or type(exc).__name__) from None
        # From here on the server has the whole message: a broken line means "unknown".
        try:
            code, message = smtp.getreply()
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
                raise ServerSilent(
                    f"Der Mailserver hat nach der Übergabe {self.server.timeout:g} s lang nicht "
                    "geantwortet; ob er die Nachricht angenommen hat, ist unklar"
                ) from None
            raise OutcomeUnknown(
                "Die Verbindung brach ab, nachdem die Nachricht übergeben war "
                f"({_text(str(exc)) or type(exc).__name__})"
            ) from None
        if code == 250:
            return Accepted(_reply(code, message))
        self._refused(code, message, "DATA")
        raise AssertionError("unreachable")

    def _expect(self, reply: tuple[int, bytes], ok: int | tuple[int, ...], step: str) -> None:
        code, message = reply
        if code in ((ok,) if isinstance(ok, int) else ok):
            return
        # Leave the server ready for the next message; a failing RSET means a dead line.
        if code != 421:
            try:
                assert self._smtp is not None
                self._smtp.rset()
            except (smtplib.SMTPException, OSError):
                self._drop()
        self._refused(code, message, step)

    def _refused(self, code: int, message: bytes, step: str) -> None:
        text = _reply(code, message)
        if code == 421:  # the server is closing this connection: a new one may work
            self._drop()
            raise _ConnectionLost(text)
        if 400 <= code < 500:
            raise TemporaryFailure(text)
        if code == -1:
            self._drop()
            raise _ConnectionLost(text or f"keine Antwort auf {step}")
        raise PermanentFailure(text)


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """Log in; a password with umlauts goes as UTF-8 AUTH PLAIN (RFC 4616), which smtplib's
    ASCII-only login cannot send."""
    if (user + password).isascii():
        smtp.login(user, password)
        return
    if not smtp.has_extn("auth"):
        raise smtplib.SMTPNotSupportedError("AUTH")
    token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode("ascii")
    code, reply = smtp.docmd("AUTH", "PLAIN " + token)
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


class _XOAuth2:
    """smtplib auth object: the XOAUTH2 response first; to the server's error challenge
    (a JSON saying why the token was refused) the empty response RFC 7628 asks for."""

    def __init__(self, user: str, token: str) -> None:
        self.response: str | None = xoauth2(user, token)

    def __call__(self, challenge: bytes | None = None) -> str:
        response, self.response = self.response or "", None
        return response


def _oauth_login(smtp: smtplib.SMTP, server: ServerSettings, tokens: TokenCommand) -> None:
    """SASL XOAUTH2 with the token command's token; one fresh token if the server refuses."""
    offered = str(smtp.esmtp_features.get("auth", "")).upper().split()
    if "XOAUTH2" not in offered:
        raise InviteError(
            f"Der Mailserver {server_name(server)} bietet keine Anmeldung mit OAuth2 (XOAUTH2) "
            f"an (angeboten: {', '.join(offered) or 'keine'}). Bitte auth unter [smtp] prüfen.",
            exit_code=2,
        )

    def login(token: str) -> None:
        auth = _XOAuth2(server.user, token)
        # RFC 4954 4: an initial response that makes the line longer than 512 octets is sent
        # after the server's empty challenge instead (Exchange tokens are ≈ 2 KB).
        short = len(base64.b64encode((auth.response or "").encode())) + 15 <= 512
        smtp.auth("XOAUTH2", auth, initial_response_ok=short)

    login_with_token(tokens, login, smtplib.SMTPAuthenticationError)


def _dot_stuffed(data: bytes) -> bytes:
    """SMTP transparency (RFC 5321 4.5.2) plus the terminating ``CRLF . CRLF``."""
    if data.startswith(b"."):
        data = b"." + data
    data = data.replace(b"\r\n.", b"\r\n..")
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _quietly_close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        with contextlib.suppress(OSError):
            smtp.close()
