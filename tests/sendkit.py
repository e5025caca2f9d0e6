"""Helpers for tests that send: a private copy of the bundled campaign and the INVITE_SMTP_*
environment pointing at a test server (which also exercises the settings' env contract)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from mailservers import ImapAccount, SmtpServer
from workbooks import example_rows, write_contacts

from invite.campaign import Campaign

REPO = Path(__file__).resolve().parent.parent
SMTP_USER, SMTP_PASSWORD = "invite", "smtp-secret"  # what the smtp_server fixture accepts


def copy_campaign(dest: Path, **mail_settings: object) -> Path:
    """Copy letters/ to ``dest``; keyword arguments replace ``key = value`` lines (TOML
    syntax of the value via repr for bools/numbers, quoted for strings)."""
    shutil.copytree(REPO / "invite" / "bundled", dest)
    toml = dest / "campaign.toml"
    text = toml.read_text(encoding="utf-8")
    for key, value in mail_settings.items():
        if isinstance(value, bool):
            shown = "true" if value else "false"
        elif isinstance(value, str) and not value[:1].isdigit():
            shown = f'"{value}"'
        else:
            shown = str(value)
        lines = text.splitlines()
        hits = [i for i, line in enumerate(lines) if line.startswith(f"{key} = ")]
        assert len(hits) == 1, f"{key} not found once in campaign.toml"
        lines[hits[0]] = f"{key} = {shown}"
        text = "\n".join(lines) + "\n"
    toml.write_text(text, encoding="utf-8")
    return dest


def smtp_env(
    monkeypatch: pytest.MonkeyPatch, server: SmtpServer, cafile: Path, *, user: str = SMTP_USER
) -> dict[str, str]:
    """Point [smtp] at ``server`` through the environment; returns the variables too."""
    env = {
        "INVITE_SMTP_HOST": "127.0.0.1",
        "INVITE_SMTP_PORT": str(server.port),
        "INVITE_SMTP_SECURITY": server.security,
        "INVITE_SMTP_USER": user if server.password is not None else "",
        "INVITE_SMTP_PASSWORD": server.password or "",
        "INVITE_SMTP_CAFILE": str(cafile),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def imap_env(monkeypatch: pytest.MonkeyPatch, account: ImapAccount) -> dict[str, str]:
    env = {
        "INVITE_IMAP_HOST": "127.0.0.1",
        "INVITE_IMAP_PORT": str(account.ssl_port),
        "INVITE_IMAP_SECURITY": "ssl",
        "INVITE_IMAP_USER": account.username,
        "INVITE_IMAP_PASSWORD": account.password,
        "INVITE_IMAP_CAFILE": str(account.cafile),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def make_campaign(tmp_path: Path, rows: list[dict] | int = 5, **mail_settings: object) -> Campaign:
    """A campaign in ``tmp_path`` with a fresh contact workbook and data folder."""
    campaign_dir = tmp_path / "kampagne"
    if not campaign_dir.exists():
        copy_campaign(campaign_dir, **mail_settings)
    contacts = write_contacts(
        tmp_path / "kontakte.xlsx", example_rows(rows) if isinstance(rows, int) else rows
    )
    return Campaign.open(campaign_dir, contacts, tmp_path / "daten")
