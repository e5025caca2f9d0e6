"""OAuth2 for the test servers: a local token authority and servers that accept its tokens.

- ``TokenAuthority``: an RFC 7662 token introspection endpoint on 127.0.0.1 (a tiny
  ``http.server`` thread). The test issues tokens for a user, marks them expired, and counts
  how often each was checked. No network, no real identity provider.
- ``OAuth2Dovecot``: a private Dovecot whose ``oauth2`` passdb asks the authority
  (``introspection_mode = post``) for every XOAUTH2/OAUTHBEARER login. PLAIN with the test
  password still works, so ``deliver()`` can seed mailboxes.
- ``OAuth2SmtpServer``: aiosmtpd with an ``AUTH XOAUTH2`` handler that answers a refused
  token the way Gmail and Exchange do: a ``334`` challenge carrying the error JSON, then
  ``535`` after the client's empty response.

Like mailservers.py this module does not import the ``invite`` package.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from mailservers import LOOPBACK, DovecotServer, SmtpServer, _Handler

ERROR_JSON = {"status": "401", "schemes": "bearer", "scope": "https://mail.google.com/"}


class TokenAuthority:
    """Issues opaque access tokens and answers introspection requests about them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users: dict[str, str] = {}  # token -> user
        self._expired: set[str] = set()
        self.checks: Counter[str] = Counter()  # token -> introspection/validation count
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def issue(self, user: str, *, expired: bool = False) -> str:
        """A new token for ``user`` (long like a real one: Exchange's are ≈ 1.5-2.5 KB)."""
        token = "ya29." + secrets.token_urlsafe(900)
        with self._lock:
            self._users[token] = user
            if expired:
                self._expired.add(token)
        return token

    def expire(self, token: str) -> None:
        with self._lock:
            self._expired.add(token)

    def check(self, token: str, user: str) -> bool:
        """Whether ``token`` is active and belongs to ``user`` (counts the check)."""
        with self._lock:
            self.checks[token] += 1
            return self._users.get(token) == user and token not in self._expired

    def introspect(self, token: str) -> dict[str, Any]:
        with self._lock:
            self.checks[token] += 1
            user = self._users.get(token)
            if user is None or token in self._expired:
                return {"active": False}
            return {"active": True, "username": user, "scope": "IMAP.AccessAsUser.All"}

    @property
    def url(self) -> str:
        assert self._server is not None, "TokenAuthority not started"
        return f"http://{LOOPBACK}:{self._server.server_address[1]}/introspect"

    def start(self) -> TokenAuthority:
        authority = self

        class Introspection(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server hook name
                length = int(self.headers.get("Content-Length", 0))
                form = parse_qs(self.rfile.read(length).decode("ascii", "replace"))
                answer = authority.introspect(form.get("token", [""])[0])
                body = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # quiet: the tokens are in the request

        self._server = ThreadingHTTPServer((LOOPBACK, 0), Introspection)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()


class OAuth2Dovecot(DovecotServer):
    """Dovecot with the ``oauth2`` passdb validating tokens at the local ``authority``."""

    def __init__(self, authority: TokenAuthority, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.authority = authority

    def _auth_config(self) -> str:
        assert self.dir is not None
        ext = Path(self.dir) / "dovecot-oauth2.conf.ext"
        ext.write_text(
            f"introspection_mode = post\n"
            f"introspection_url = {self.authority.url}\n"
            "username_attribute = username\n"
            "active_attribute = active\n"
            "active_value = true\n"
            "force_introspection = yes\n"
            "timeout_msecs = 5000\n"
        )
        ext.chmod(0o644)
        return (
            "auth_mechanisms = plain login xoauth2 oauthbearer\n"
            "passdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n"
            f"  args = {ext}\n}}\n"
            "passdb {\n  driver = static\n  mechanisms = plain login\n"
            f"  args = password={self.password}\n}}"
        )


def parse_xoauth2(blob: bytes) -> tuple[str, str]:
    """``user=U\\x01auth=Bearer T\\x01\\x01`` -> (U, T); empty strings if malformed."""
    fields = dict(
        part.split("=", 1) for part in blob.decode("ascii", "replace").split("\x01") if "=" in part
    )
    user = fields.get("user", "")
    scheme, _, token = fields.get("auth", "").partition(" ")
    return user, token if scheme.lower() == "bearer" else ""


class _XOAuth2Handler(_Handler):
    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> Any:  # noqa: N802 - aiosmtpd
        from aiosmtpd.smtp import MISSING, AuthResult

        if len(args) > 1:
            blob: Any = base64.b64decode(args[1], validate=False)
        else:
            blob = await server.challenge_auth("", encode_to_b64=False)
            if blob is MISSING:
                return AuthResult(success=False, handled=True)
        user, token = parse_xoauth2(blob)
        owner = self.owner
        assert isinstance(owner, OAuth2SmtpServer)
        owner.auth_attempts += 1
        if token and owner.authority.check(token, user):
            if owner.expire_after_login:  # the next connection finds it expired
                owner.authority.expire(token)
            return AuthResult(success=True, auth_data=user)
        # RFC 7628 3.2.2: the error as a challenge; the client answers with an empty line.
        answer = await server.challenge_auth(json.dumps(ERROR_JSON))
        if answer is MISSING:
            return AuthResult(success=False, handled=True)
        return AuthResult(
            success=False,
            handled=False,  # else aiosmtpd would send no reply at all
            message="535 5.7.8 Username and Password not accepted (token)",
        )


class OAuth2SmtpServer(SmtpServer):
    """aiosmtpd that accepts only ``AUTH XOAUTH2`` with a token of ``authority``; AUTH is
    required before MAIL. ``auth_attempts`` counts XOAUTH2 attempts. With
    ``expire_after_login`` every token expires once it was used (a long batch outliving
    its token)."""

    def __init__(
        self, authority: TokenAuthority, *, expire_after_login: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.authority = authority
        self.expire_after_login = expire_after_login
        self.auth_attempts = 0

    def _handler(self) -> _Handler:
        return _XOAuth2Handler(self)

    def _auth_enforced_by_handler(self) -> bool:
        return True

    def _build_controller(self) -> Any:
        from aiosmtpd.smtp import SMTP

        class LongSaslLines(SMTP):
            # RFC 4954 4: a SASL response line may be up to 12288 octets; aiosmtpd reads at
            # most 1001 (RFC 5321 text lines), too few for a real token of ≈ 2 KB.
            line_length_limit = 12288 + 2

        controller = super()._build_controller()
        # Only XOAUTH2 is offered (like an Exchange Online tenant without basic auth).
        controller.SMTP_kwargs["auth_exclude_mechanism"] = ["PLAIN", "LOGIN"]
        controller.factory = lambda: LongSaslLines(controller.handler, **controller.SMTP_kwargs)
        return controller
