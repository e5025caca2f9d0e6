"""Passwords as staff choose them: umlauts and symbols work against real SMTP and IMAP servers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from mailservers import DovecotServer, SmtpServer, TestCerts
from sendkit import imap_env, make_campaign, smtp_env

from invite.errors import InviteError
from invite.mail.imap import Mailbox
from invite.steps.send import SendOptions, run_send

PASSWORD = "Grüße-aus-Münster-2019!§"


def test_smtp_password_with_umlauts(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    smtp_server_factory: Callable[..., SmtpServer],
    cafile: Path,
) -> None:
    server = smtp_server_factory(security="starttls", password=PASSWORD)
    smtp_env(monkeypatch, server, cafile)
    campaign = make_campaign(tmp_path, 2)
    result = run_send(campaign, SendOptions(), retry_delays=())
    assert len(result.delivery.sent) == 2
    assert {m.auth_user for m in server.messages} == {"invite"}


def test_wrong_smtp_password_is_a_configuration_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    smtp_server_factory: Callable[..., SmtpServer],
    cafile: Path,
) -> None:
    server = smtp_server_factory(security="starttls", password=PASSWORD)
    smtp_env(monkeypatch, server, cafile)
    monkeypatch.setenv("INVITE_SMTP_PASSWORD", "Grüße-falsch")
    campaign = make_campaign(tmp_path, 1)
    with pytest.raises(InviteError, match="Passwort falsch") as info:
        run_send(campaign, SendOptions(), retry_delays=())
    assert info.value.exit_code == 2
    assert server.messages == []


def test_imap_password_with_umlauts(
    tmp_path: Path, test_certs: TestCerts, dovecot: DovecotServer
) -> None:
    # ``dovecot`` only for its availability rule (fail in CI, skip elsewhere); this test
    # needs its own server, whose one password has umlauts.
    with DovecotServer(certs=test_certs, password=PASSWORD) as server:
        server.start()
        account = server.new_account()
        with pytest.MonkeyPatch.context() as monkeypatch:
            imap_env(monkeypatch, account)
            campaign = make_campaign(tmp_path, 1)
            with Mailbox.connect(campaign.settings.imap, PASSWORD) as mailbox:
                assert mailbox.select(campaign.settings.imap.folder) is not None
