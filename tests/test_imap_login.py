"""The one IMAP connect+login (RSVP mailbox and Sent folder): umlaut passwords, no clear-text
login over the network, temporary resolver failures are outages, not configuration errors."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable
from pathlib import Path

import pytest
from imapclient import IMAPClient
from mailservers import DovecotServer, SmtpServer, TestCerts
from sendkit import imap_env, make_campaign, smtp_env

from invite.errors import InviteError
from invite.mail.imap import ImapConnectionLost, connection_error, refuse_cleartext_login
from invite.mail.sent_folder import SentFolder
from invite.mail.servers import tls_context
from invite.settings import ServerSettings
from invite.steps.send import SendOptions, run_send
from invite.store import Store, deliveries

PASSWORD = "Grüße-2019"


def settings(host: str = "imap.stadt-muenster.de", security: str = "ssl") -> ServerSettings:
    return ServerSettings(host, 993, security, "rsvp", None, 5)


def test_sent_folder_copy_with_an_umlaut_password(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    test_certs: TestCerts,
    dovecot: DovecotServer,
    smtp_server_factory: Callable[..., SmtpServer],
) -> None:
    # ``dovecot`` only for its availability rule; the Sent folder needs a server whose one
    # password has umlauts (LOGIN is ASCII-only, so this proves AUTHENTICATE PLAIN is used).
    with DovecotServer(certs=test_certs, password=PASSWORD) as server:
        server.start()
        account = server.new_account()
        smtp_env(monkeypatch, smtp_server_factory(security="starttls"), test_certs.cafile)
        imap_env(monkeypatch, account)
        campaign = make_campaign(tmp_path, 2, save_copy_to_sent=True)
        result = run_send(campaign, SendOptions(), retry_delays=())
        assert len(result.delivery.sent) == 2
        assert not result.delivery.warnings
        with Store.open(campaign.paths.data) as state:
            sent = {d.message_id for d in deliveries(state)}
        with IMAPClient(account.host, account.ssl_port, ssl_context=account.ssl_context()) as imap:
            imap.plain_login(account.username, PASSWORD)
            imap.select_folder("Sent", readonly=True)
            data = imap.fetch(imap.search("ALL"), ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
        copies = {
            v[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].decode().split(":", 1)[1].strip()
            for v in data.values()
        }
        assert copies == sent and len(sent) == 2
        # the crash-recovery look-up (resolve_unknown) logs in the same way
        with SentFolder(campaign.settings.imap, "Sent", PASSWORD) as folder:
            assert all(folder.contains(mid) for mid in sent)


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_encrypted_login_is_allowed_anywhere(security: str) -> None:
    refuse_cleartext_login(settings(security=security))


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_clear_text_login_is_allowed_on_this_computer(host: str) -> None:
    refuse_cleartext_login(settings(host, security="none"))


def test_clear_text_login_over_the_network_is_refused() -> None:
    with pytest.raises(InviteError, match="ohne Verschlüsselung wird nicht gemacht") as info:
        refuse_cleartext_login(settings(security="none"))
    assert info.value.exit_code == 2
    assert 'security = "ssl"' in str(info.value)


def test_temporary_name_lookup_failure_is_a_lost_connection() -> None:
    failure = socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
    error = connection_error(settings(), failure)
    assert isinstance(error, ImapConnectionLost)
    assert "gerade nicht auflösen" in str(error)


def test_unknown_host_is_a_configuration_error() -> None:
    failure = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    error = connection_error(settings(), failure)
    assert not isinstance(error, ImapConnectionLost)
    assert error.exit_code == 2
    assert "gibt es nicht" in str(error)


def test_tls_context_verifies_by_default() -> None:
    ctx = tls_context(settings())
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
