"""Shared pytest fixtures: real SMTP/IMAP servers on loopback (logic in mailservers.py).

Import helpers as ``from mailservers import ...``: tests/ has no ``__init__.py``, so pytest
puts this directory on sys.path (works with both ``pytest`` and ``python -m pytest``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from mailservers import (
    DOVECOT_BINARY,
    DovecotServer,
    ImapAccount,
    SmtpServer,
    TestCerts,
    dovecot_available,
    make_test_ca,
)
from oauthservers import OAuth2Dovecot, OAuth2SmtpServer, TokenAuthority

SMTP_USER = "invite"
SMTP_PASSWORD = "smtp-secret"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


@pytest.fixture(autouse=True)
def env_clean(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove INVITE_* variables so a developer's own settings never leak into tests."""
    for name in list(os.environ):
        if name.startswith("INVITE_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def test_certs(tmp_path_factory: pytest.TempPathFactory) -> TestCerts:
    """Self-signed localhost certificate (use ``.cafile`` to verify) plus a wrong one."""
    return make_test_ca(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def smtp_server_factory(test_certs: TestCerts) -> Iterator[Callable[..., SmtpServer]]:
    """``factory(**kwargs)`` -> started SmtpServer (certs preset); all stopped at teardown."""
    servers: list[SmtpServer] = []

    def factory(**kwargs: Any) -> SmtpServer:
        kwargs.setdefault("certs", test_certs)
        server = SmtpServer(**kwargs)
        servers.append(server)
        return server.start()

    yield factory
    for server in servers:
        server.stop()


@pytest.fixture
def smtp_server(smtp_server_factory: Callable[..., SmtpServer]) -> SmtpServer:
    """Fresh SMTP server: STARTTLS required, AUTH required (invite / smtp-secret)."""
    return smtp_server_factory(security="starttls", username=SMTP_USER, password=SMTP_PASSWORD)


@pytest.fixture(scope="session")
def dovecot(test_certs: TestCerts) -> Iterator[DovecotServer]:
    """One private Dovecot per session; in CI a missing Dovecot fails instead of skipping."""
    if not dovecot_available():
        reason = f"Dovecot not installed ({DOVECOT_BINARY}); apt-get install dovecot-imapd"
        if _in_ci():
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason)
    server = DovecotServer(certs=test_certs)
    server.start()
    yield server
    server.cleanup()


@pytest.fixture
def imap_account(dovecot: DovecotServer) -> ImapAccount:
    """A fresh, empty mailbox on the session's Dovecot."""
    if not dovecot.running:  # a test stopped it (restart scenarios) and failed midway
        dovecot.start()
    return dovecot.new_account()


@pytest.fixture
def cafile(test_certs: TestCerts) -> Path:
    """Path of the CA file that clients must trust."""
    return test_certs.cafile


# -- OAuth2 (XOAUTH2): a local token authority and servers that ask it (tests/oauthservers.py) --


@pytest.fixture(scope="session")
def token_authority() -> Iterator[TokenAuthority]:
    """A local token introspection endpoint; tests issue and expire tokens on it."""
    authority = TokenAuthority().start()
    yield authority
    authority.stop()


@pytest.fixture(scope="session")
def oauth_dovecot(
    test_certs: TestCerts, token_authority: TokenAuthority
) -> Iterator[DovecotServer]:
    """A second private Dovecot whose logins are XOAUTH2 tokens checked by the authority
    (the password-based ``dovecot`` fixture stays as it is)."""
    if not dovecot_available():
        reason = f"Dovecot not installed ({DOVECOT_BINARY}); apt-get install dovecot-imapd"
        if _in_ci():
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason)
    server = OAuth2Dovecot(token_authority, certs=test_certs)
    server.start()
    yield server
    server.cleanup()


@pytest.fixture
def oauth_smtp_factory(
    test_certs: TestCerts, token_authority: TokenAuthority
) -> Iterator[Callable[..., OAuth2SmtpServer]]:
    """``factory(**kwargs)`` -> started aiosmtpd (STARTTLS) accepting only AUTH XOAUTH2."""
    servers: list[OAuth2SmtpServer] = []

    def factory(**kwargs: Any) -> OAuth2SmtpServer:
        kwargs.setdefault("security", "starttls")
        kwargs.setdefault("certs", test_certs)
        server = OAuth2SmtpServer(token_authority, **kwargs)
        servers.append(server)
        return server.start()

    yield factory
    for server in servers:
        server.stop()
