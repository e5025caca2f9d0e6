"""OAuth2 logins (SASL XOAUTH2) with a token command, against aiosmtpd and a Dovecot whose
``oauth2`` passdb checks every token at a local introspection endpoint.

The token command is a small Python script written by each test: it hands out the tokens
the test issued, one per run, and counts its runs."""

from __future__ import annotations

import shlex
import sys
from collections import Counter
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from clirun import run_invite
from mailservers import DovecotServer, TestCerts
from oauthservers import OAuth2SmtpServer, TokenAuthority
from sendkit import make_campaign
from workbooks import example_rows

from invite.errors import ConfigError, InviteError
from invite.mail.oauth import TokenCommand, command_args
from invite.settings import load_settings
from invite.steps.poll import poll
from invite.steps.send import SendOptions, run_send
from invite.store import Store, deliveries, latest_answers

REPO = Path(__file__).resolve().parent.parent
USER = "einladung@stadt-muenster.example"
FAST_RETRY = (0.05, 0.1)


class TokenScript:
    """A token command: prints ``tokens[run]`` (the last one for every later run)."""

    def __init__(
        self, folder: Path, tokens: list[str], *, exit_code: int = 0, stderr: str = ""
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        (folder / "tokens.txt").write_text("\n".join(tokens), encoding="ascii")
        self.script = folder / "token.py"
        self.script.write_text(
            "import pathlib, sys\n"
            "here = pathlib.Path(__file__).parent\n"
            "runs = here / 'runs.txt'\n"
            "n = int(runs.read_text()) if runs.exists() else 0\n"
            "runs.write_text(str(n + 1))\n"
            f"if {exit_code}:\n"
            f"    sys.stderr.buffer.write({stderr!r}.encode('utf-8'))\n"
            f"    sys.exit({exit_code})\n"
            "tokens = (here / 'tokens.txt').read_text().split()\n"
            "print(tokens[min(n, len(tokens) - 1)])\n",
            encoding="utf-8",
        )

    @property
    def command(self) -> str:
        return shlex.join([sys.executable, str(self.script)])

    @property
    def runs(self) -> int:
        path = self.folder / "runs.txt"
        return int(path.read_text()) if path.exists() else 0


def smtp_oauth_env(
    monkeypatch: pytest.MonkeyPatch, server: OAuth2SmtpServer, cafile: Path, script: TokenScript
) -> dict[str, str]:
    env = {
        "INVITE_SMTP_HOST": "127.0.0.1",
        "INVITE_SMTP_PORT": str(server.port),
        "INVITE_SMTP_SECURITY": server.security,
        "INVITE_SMTP_USER": USER,
        "INVITE_SMTP_CAFILE": str(cafile),
        "INVITE_SMTP_AUTH": "oauth2",
        "INVITE_SMTP_TOKEN_COMMAND": script.command,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def imap_oauth_env(
    monkeypatch: pytest.MonkeyPatch, server: DovecotServer, user: str, script: TokenScript
) -> dict[str, str]:
    env = {
        "INVITE_IMAP_HOST": "127.0.0.1",
        "INVITE_IMAP_PORT": str(server.ssl_port),
        "INVITE_IMAP_SECURITY": "ssl",
        "INVITE_IMAP_USER": user,
        "INVITE_IMAP_CAFILE": str(server.cafile),
        "INVITE_IMAP_AUTH": "oauth2",
        "INVITE_IMAP_TOKEN_COMMAND": script.command,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def ledger(campaign) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with Store.open(campaign.paths.data) as state:
        return {d.invitee: d.state for d in deliveries(state, "invitation")}


def send(campaign):  # type: ignore[no-untyped-def]
    return run_send(campaign, SendOptions(), retry_delays=FAST_RETRY)


def files_containing(folder: Path, secret: str) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


# -- settings --------------------------------------------------------------------------------


def settings_with(environ: dict[str, str]):  # type: ignore[no-untyped-def]
    return load_settings(REPO / "invite" / "bundled", environ=environ)


def test_oauth2_from_the_environment_like_every_other_key() -> None:
    settings = settings_with(
        {
            "INVITE_SMTP_AUTH": "oauth2",
            "INVITE_SMTP_USER": USER,
            "INVITE_SMTP_TOKEN_COMMAND": "oama access " + USER,
            "INVITE_IMAP_AUTH": "oauth2",
            "INVITE_IMAP_USER": USER,
            "INVITE_IMAP_TOKEN_COMMAND": "python3 mutt_oauth2.py token.gpg",
        }
    )
    assert (settings.smtp.auth, settings.smtp.token_command) == ("oauth2", "oama access " + USER)
    assert settings.imap.auth == "oauth2" and settings.imap.password is None
    assert settings_with({}).smtp.auth == "password"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        (
            {"INVITE_SMTP_AUTH": "token"},
            "„smtp.auth“: erwartet einen der Werte „password“, „oauth2“",
        ),
        ({"INVITE_IMAP_AUTH": "oauth2", "INVITE_IMAP_USER": USER}, "„imap.token_command“"),
        (
            {
                "INVITE_SMTP_AUTH": "oauth2",
                "INVITE_SMTP_USER": "",
                "INVITE_SMTP_TOKEN_COMMAND": "x",
            },
            "„smtp.user“",
        ),
        (
            {
                "INVITE_SMTP_AUTH": "oauth2",
                "INVITE_SMTP_USER": USER,
                "INVITE_SMTP_TOKEN_COMMAND": "oama access x",
                "INVITE_SMTP_PASSWORD": "geheim",
            },
            "INVITE_SMTP_PASSWORD ist auch gesetzt",
        ),
        ({"INVITE_IMAP_TOKEN_COMMAND": "oama access x"}, '„imap.auth“: erwartet auth = "oauth2"'),
    ],
)
def test_contradicting_login_settings_are_named_in_german(
    environ: dict[str, str], expected: str
) -> None:
    with pytest.raises(ConfigError) as info:
        settings_with(environ)
    assert expected in str(info.value)
    assert "campaign.toml" in str(info.value)
    assert "geheim" not in str(info.value)


# -- the token command on its own -------------------------------------------------------------


def test_the_command_is_split_without_a_shell(tmp_path: Path) -> None:
    assert command_args('oama access "a b@x.de"', windows=False) == ["oama", "access", "a b@x.de"]
    assert command_args("~/bin/tok", windows=False)[0] == str(Path.home() / "bin" / "tok")
    windows = r'"C:\Program Files\oama\oama.exe" access a@x.de'
    assert command_args(windows, windows=True) == windows  # CreateProcess splits it
    assert command_args("echo $HOME; rm -rf /", windows=False) == [
        "echo",
        "$HOME;",
        "rm",
        "-rf",
        "/",
    ]


def test_the_token_is_read_and_kept_until_a_fresh_one_is_asked_for(tmp_path: Path) -> None:
    script = TokenScript(tmp_path / "Zugang Müller", ["erster", "zweiter"])  # space + umlaut
    tokens = TokenCommand("smtp", script.command, 10)
    assert tokens.token() == "erster" and tokens.token() == "erster"
    assert tokens.token(fresh=True) == "zweiter" and script.runs == 2
    assert "erster" not in repr(tokens) and "zweiter" not in repr(tokens)


def test_a_failing_command_shows_its_error_output_in_the_message(tmp_path: Path) -> None:
    script = TokenScript(
        tmp_path, [], exit_code=3, stderr="invalid_grant: Das Aktualisierungstoken ist abgelaufen\n"
    )
    with pytest.raises(InviteError) as info:
        TokenCommand("imap", script.command, 10).token()
    text = str(info.value)
    assert info.value.exit_code == 2
    assert "Zugangsschlüssel für [imap]" in text and "mit Fehler 3 beendet" in text
    assert f"Programm „{sys.executable}“" in text and "token.py" not in text  # no arguments
    assert "Das Aktualisierungstoken ist abgelaufen" in text


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/nicht/vorhanden/oama access x", "wurde nicht gefunden"),
        (
            shlex.join([sys.executable, "-c", "import time; time.sleep(30)"]),
            "Keine Antwort nach 0.5 Sekunden",
        ),
        (
            shlex.join([sys.executable, "-c", "print('Token: abc'); print('def')"]),
            "mehr als den Zugangsschlüssel",
        ),
        (shlex.join([sys.executable, "-c", "pass"]), "keinen Zugangsschlüssel ausgegeben"),
        ('oama "access', "nicht lesbar"),
    ],
)
def test_what_goes_wrong_with_the_command_is_said_in_german(command: str, expected: str) -> None:
    with pytest.raises(InviteError, match=expected):
        TokenCommand("smtp", command, 0.5).token()


# -- send over SMTP with XOAUTH2 ----------------------------------------------------------------


def test_send_logs_in_with_xoauth2_and_never_shows_or_stores_the_token(
    tmp_path: Path,
    oauth_smtp_factory,  # type: ignore[no-untyped-def]
    token_authority: TokenAuthority,
    test_certs: TestCerts,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = oauth_smtp_factory()
    token = token_authority.issue(USER)
    script = TokenScript(tmp_path / "tok", [token])
    env = smtp_oauth_env(monkeypatch, server, test_certs.cafile, script)
    campaign = make_campaign(tmp_path, 3)
    result = run_invite(
        "send", "--yes", "--campaign", str(campaign.settings.campaign_dir),
        "--contacts", str(campaign.contacts_file), "--data", str(campaign.paths.data), env=env,
    )  # fmt: skip
    assert result.code == 0, result.text
    assert "Gesendet: 3" in result.out
    assert [m.auth_user for m in server.messages] == [USER] * 3
    assert all(m.tls for m in server.messages)
    assert script.runs == 1 and server.auth_attempts == 1
    assert token not in result.text
    assert files_containing(campaign.paths.data, token) == []
    assert files_containing(campaign.settings.campaign_dir, token) == []


def test_an_expired_token_is_fetched_once_more_and_the_batch_goes_out_once(
    tmp_path: Path,
    oauth_smtp_factory,  # type: ignore[no-untyped-def]
    token_authority: TokenAuthority,
    test_certs: TestCerts,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = oauth_smtp_factory()
    expired, fresh = token_authority.issue(USER, expired=True), token_authority.issue(USER)
    script = TokenScript(tmp_path / "tok", [expired, fresh])
    smtp_oauth_env(monkeypatch, server, test_certs.cafile, script)
    campaign = make_campaign(tmp_path, 4)
    outcome = send(campaign)
    assert len(outcome.delivery.sent) == 4
    assert script.runs == 2 and server.auth_attempts == 2
    assert token_authority.checks[expired] == 1 and token_authority.checks[fresh] == 1
    assert Counter(r for m in server.messages for r in m.rcpt_tos) == Counter(
        {f"gast{i}@example.org": 1 for i in range(1, 5)}
    )
    assert set(ledger(campaign).values()) == {"sent"}


def test_a_token_expiring_mid_batch_is_renewed_at_the_reconnect(
    tmp_path: Path,
    oauth_smtp_factory,  # type: ignore[no-untyped-def]
    token_authority: TokenAuthority,
    test_certs: TestCerts,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The server closes every connection after two messages (421); each token is good for
    # one login only, so every reconnect meets an expired token and must fetch a new one.
    server = oauth_smtp_factory(reply_421_after=2, expire_after_login=True)
    script = TokenScript(tmp_path / "tok", [token_authority.issue(USER) for _ in range(4)])
    smtp_oauth_env(monkeypatch, server, test_certs.cafile, script)
    campaign = make_campaign(tmp_path, 5)
    outcome = send(campaign)
    assert len(outcome.delivery.sent) == 5 and not outcome.delivery.failed
    assert script.runs == 3  # three connections, each with its own token
    assert Counter(r for m in server.messages for r in m.rcpt_tos) == Counter(
        {f"gast{i}@example.org": 1 for i in range(1, 6)}
    )
    assert set(ledger(campaign).values()) == {"sent"}


def test_a_refused_token_stops_with_a_german_message_and_nothing_goes_twice(
    tmp_path: Path,
    oauth_smtp_factory,  # type: ignore[no-untyped-def]
    token_authority: TokenAuthority,
    test_certs: TestCerts,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = oauth_smtp_factory()
    revoked = token_authority.issue(USER, expired=True)
    script = TokenScript(tmp_path / "tok", [revoked])
    env = smtp_oauth_env(monkeypatch, server, test_certs.cafile, script)
    campaign = make_campaign(tmp_path, 3)
    args = [
        "--campaign",
        str(campaign.settings.campaign_dir),
        "--contacts",
        str(campaign.contacts_file),
    ]
    args += ["--data", str(campaign.paths.data)]
    result = run_invite("send", "--yes", *args, env=env)
    assert result.code == 2, result.text
    assert "hat den Zugangsschlüssel (OAuth2)" in result.err
    assert "auch einen frisch geholten" in result.err and "535" in result.err
    assert revoked not in result.text
    assert script.runs == 2 and server.auth_attempts == 2  # refreshed once, then stopped
    assert server.messages == []
    assert set(ledger(campaign).values()) <= {"queued"}

    # Once the IT has fixed the login, the next run sends each invitation exactly once.
    (script.folder / "tokens.txt").write_text(token_authority.issue(USER))
    again = run_invite("send", "--yes", *args, env=env)
    assert again.code == 0, again.text
    assert sorted(r for m in server.messages for r in m.rcpt_tos) == [
        f"gast{i}@example.org" for i in range(1, 4)
    ]
    assert set(ledger(campaign).values()) == {"sent"}


def test_a_failing_token_command_stops_before_anything_is_sent(
    tmp_path: Path,
    oauth_smtp_factory,  # type: ignore[no-untyped-def]
    test_certs: TestCerts,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = oauth_smtp_factory()
    script = TokenScript(
        tmp_path / "tok", [], exit_code=1, stderr="Keine Verbindung zu login.microsoftonline.com"
    )
    smtp_oauth_env(monkeypatch, server, test_certs.cafile, script)
    campaign = make_campaign(tmp_path, 2)
    with pytest.raises(InviteError, match="login.microsoftonline.com") as info:
        send(campaign)
    assert info.value.exit_code == 2
    assert server.messages == [] and server.auth_attempts == 0
    assert set(ledger(campaign).values()) <= {"queued"}


# -- poll over IMAP with XOAUTH2 --------------------------------------------------------------


def reply_from(campaign, number: str, text: str) -> bytes:  # type: ignore[no-untyped-def]
    inv = next(i for i in campaign.read_contacts().invitees if i.number == number)
    msg = EmailMessage()
    msg["From"] = f"{inv.display_name} <{inv.email}>"
    msg["To"] = campaign.settings.mail.reply_to
    msg["Subject"] = f"Anmeldung {inv.code}"
    msg["Message-ID"] = make_msgid(domain="client.example")
    msg.set_content(text)
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


def test_poll_logs_in_with_xoauth2_and_refreshes_an_expired_token_once(
    tmp_path: Path,
    oauth_dovecot: DovecotServer,
    token_authority: TokenAuthority,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = oauth_dovecot.new_mailbox()
    expired, fresh = token_authority.issue(user, expired=True), token_authority.issue(user)
    script = TokenScript(tmp_path / "tok", [expired, fresh])
    imap_oauth_env(monkeypatch, oauth_dovecot, user, script)
    campaign = make_campaign(tmp_path, example_rows(3))
    oauth_dovecot.deliver(user, reply_from(campaign, "2", "Ja, ich komme gerne."))
    summary = poll(campaign)
    assert summary.answers == 1, summary
    with Store.open(campaign.paths.data) as state:
        assert latest_answers(state)["2"].answer == "zusage"
    assert script.runs == 2
    assert token_authority.checks[expired] == 1 and token_authority.checks[fresh] == 1
    assert files_containing(campaign.paths.data, fresh) == []

    # A second poll runs the command again (it keeps and renews the token): one login.
    summary = poll(campaign)
    assert summary.new == 0 and script.runs == 3


def test_poll_with_a_refused_token_says_so_in_german_and_reads_nothing(
    tmp_path: Path,
    oauth_dovecot: DovecotServer,
    token_authority: TokenAuthority,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = oauth_dovecot.new_mailbox()
    other = token_authority.issue("jemand.anders@test.local")  # valid, but not this mailbox's
    script = TokenScript(tmp_path / "tok", [other])
    env = imap_oauth_env(monkeypatch, oauth_dovecot, user, script)
    campaign = make_campaign(tmp_path, example_rows(2))
    oauth_dovecot.deliver(user, reply_from(campaign, "1", "Ja, ich komme."))
    result = run_invite(
        "poll", "--campaign", str(campaign.settings.campaign_dir), "--contacts",
        str(campaign.contacts_file), "--data", str(campaign.paths.data), env=env,
    )  # fmt: skip
    assert result.code == 2, result.text
    assert "Der IMAP-Server" in result.err and "abgelehnt, auch einen frisch geholten" in result.err
    assert other not in result.text
    assert script.runs == 2
    with Store.open(campaign.paths.data) as state:
        assert latest_answers(state) == {}


def test_send_with_a_copy_in_the_sent_folder_uses_xoauth2_for_both_servers(
    tmp_path: Path,
    oauth_smtp_factory,  # type: ignore[no-untyped-def]
    oauth_dovecot: DovecotServer,
    token_authority: TokenAuthority,
    test_certs: TestCerts,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = oauth_smtp_factory()
    mailbox = oauth_dovecot.new_mailbox()
    smtp_script = TokenScript(tmp_path / "smtp", [token_authority.issue(USER)])
    imap_script = TokenScript(tmp_path / "imap", [token_authority.issue(mailbox)])
    smtp_oauth_env(monkeypatch, server, test_certs.cafile, smtp_script)
    imap_oauth_env(monkeypatch, oauth_dovecot, mailbox, imap_script)
    campaign = make_campaign(tmp_path, 2, save_copy_to_sent=True)
    outcome = send(campaign)
    assert len(outcome.delivery.sent) == 2 and not outcome.delivery.warnings
    assert smtp_script.runs == 1 and imap_script.runs == 1
    assert len(server.messages) == 2
