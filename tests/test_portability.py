"""invite as it runs on Windows: no fcntl, no resource, no fork, a profile path with umlauts.

Every command runs in a subprocess whose ``sitecustomize`` makes the POSIX-only modules
``fcntl`` and ``resource`` unimportable and takes fork away (``os.fork`` raises,
multiprocessing offers only spawn) — what Windows lacks. The whole campaign then runs in a
data folder like ``C:\\Users\\Müller\\Einladungen 2027\\``: check → letters → send (to
aiosmtpd) → poll (Dovecot, with a filled-in form read by the spawned attachment reader) →
status, printing to a Windows-1252 console.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest
from clirun import REPO
from mailservers import DovecotServer, ImapAccount, SmtpServer
from pypdf import PdfReader, PdfWriter
from sendkit import SMTP_PASSWORD, SMTP_USER, copy_campaign
from workbooks import example_rows, write_contacts

WINDOWS_LIKE = textwrap.dedent(
    '''
    """Test bootstrap: make this interpreter lack what Windows lacks (fcntl, resource, fork)."""
    import importlib.abc
    import os
    import sys

    BLOCKED = {"fcntl", "resource"}


    class _Blocker(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name in BLOCKED:
                raise ModuleNotFoundError(f"No module named {name!r} (as on Windows)", name=name)
            return None


    sys.meta_path.insert(0, _Blocker())
    for _name in BLOCKED:
        sys.modules.pop(_name, None)


    def _no_fork(*args, **kwargs):
        raise OSError("fork is not available on this platform (test)")


    os.fork = _no_fork

    import multiprocessing  # noqa: E402

    _real_get_context = multiprocessing.get_context


    def _get_context(method=None):
        if method in ("fork", "forkserver"):
            raise ValueError(f"cannot find context for {method!r}")
        return _real_get_context(method or "spawn")


    multiprocessing.get_context = _get_context
    multiprocessing.get_all_start_methods = lambda: ["spawn"]
    multiprocessing.set_start_method("spawn", force=True)
    '''
)
ENCODING = "cp1252"  # a redirected Windows console


@pytest.fixture
def windows_like(tmp_path: Path) -> dict[str, str]:
    boot = tmp_path / "boot"
    boot.mkdir()
    (boot / "sitecustomize.py").write_text(WINDOWS_LIKE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("INVITE_")}
    env.update(PYTHONPATH=os.pathsep.join([str(boot), str(REPO)]), PYTHONIOENCODING=ENCODING)
    return env


def _python(env: dict[str, str], code: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True, timeout=120
    )


def test_the_bootstrap_really_blocks(windows_like: dict[str, str]) -> None:
    probe = _python(
        windows_like,
        "import os, multiprocessing\n"
        "for name in ('fcntl', 'resource'):\n"
        "    try:\n"
        "        __import__(name)\n"
        "    except ModuleNotFoundError:\n"
        "        print('blocked', name)\n"
        "try:\n"
        "    os.fork()\n"
        "except OSError:\n"
        "    print('no fork')\n"
        "print(multiprocessing.get_all_start_methods())\n",
    )
    out = probe.stdout.decode(ENCODING)
    assert probe.returncode == 0, probe.stderr.decode(ENCODING)
    assert "blocked fcntl" in out and "blocked resource" in out and "no fork" in out
    assert "['spawn']" in out


def test_every_module_imports_without_posix_only_modules(windows_like: dict[str, str]) -> None:
    probe = _python(
        windows_like,
        "import importlib, pkgutil, sys\n"
        "import invite.cli\n"
        "import invite\n"
        "for m in pkgutil.iter_modules(invite.__path__):\n"
        "    if m.name != '__main__':  # that one runs the CLI\n"
        "        importlib.import_module('invite.' + m.name)\n"
        "assert 'fcntl' not in sys.modules and 'resource' not in sys.modules\n"
        "print('ok')\n",
    )
    assert probe.returncode == 0, probe.stderr.decode(ENCODING)
    assert probe.stdout.decode().strip() == "ok"


def _reply_with_form(received: EmailMessage, reply_to: str) -> bytes:
    """Invitee's answer: "Wir kommen zu zweit" with the attached form filled in (ja, 2)."""
    form = next(
        p for p in received.iter_attachments() if p.get_filename().startswith("Anmeldeformular")
    )
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(form.get_content())))
    writer.update_page_form_field_values(
        writer.pages[0], {"teilnahme": "/ja", "personen": "2"}, auto_regenerate=False
    )
    filled = io.BytesIO()
    writer.write(filled)
    msg = EmailMessage()
    msg["From"] = received["To"]
    msg["To"] = reply_to
    msg["Subject"] = f"AW: {received['Subject']}"
    msg["Message-ID"] = "<antwort-1@gast.example.org>"
    msg["In-Reply-To"] = received["Message-ID"]
    msg["References"] = received["Message-ID"]
    msg.set_content("Guten Tag,\n\nwir kommen gerne zu zweit. Das Formular ist anbei.\n")
    msg.add_attachment(
        filled.getvalue(), maintype="application", subtype="pdf", filename="Anmeldeformular.pdf"
    )
    return msg.as_bytes(policy=SMTP)


def test_whole_campaign_without_fcntl_resource_and_fork_in_a_umlaut_path(
    tmp_path: Path,
    windows_like: dict[str, str],
    smtp_server: SmtpServer,
    dovecot: DovecotServer,
    imap_account: ImapAccount,
    cafile: Path,
) -> None:
    home = tmp_path / "Users" / "Jürgen Müller" / "Einladungen 2027"
    campaign = copy_campaign(home / "Kampagne Vernetzung")
    contacts = write_contacts(home / "Kontakte (Stand März).xlsx", example_rows(3))
    data = home / "Daten für Müller"
    env = windows_like | {
        "INVITE_CAMPAIGN": str(campaign),
        "INVITE_CONTACTS": str(contacts),
        "INVITE_DATA": str(data),
        "INVITE_SMTP_HOST": "127.0.0.1",
        "INVITE_SMTP_PORT": str(smtp_server.port),
        "INVITE_SMTP_SECURITY": smtp_server.security,
        "INVITE_SMTP_USER": SMTP_USER,
        "INVITE_SMTP_PASSWORD": SMTP_PASSWORD,
        "INVITE_SMTP_CAFILE": str(cafile),
        "INVITE_IMAP_HOST": "127.0.0.1",
        "INVITE_IMAP_PORT": str(imap_account.ssl_port),
        "INVITE_IMAP_SECURITY": "ssl",
        "INVITE_IMAP_USER": imap_account.username,
        "INVITE_IMAP_PASSWORD": imap_account.password,
        "INVITE_IMAP_CAFILE": str(imap_account.cafile),
    }

    def invite(*args: str) -> str:
        proc = subprocess.run(
            [sys.executable, "-m", "invite", *args],
            env=env,
            cwd=home,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=300,
        )
        out = proc.stdout.decode(ENCODING) + proc.stderr.decode(ENCODING)
        assert proc.returncode == 0, out
        assert "Traceback" not in out and "\\u" not in out
        return out

    assert "Alles in Ordnung: 3 Eingeladene" in invite("check")
    assert "3 Briefe und 3 Anmeldeformulare geschrieben" in invite("letters")
    assert "Gesendet: 3" in invite("send", "--yes")
    received = smtp_server.messages
    assert len(received) == 3
    first = next(m.message for m in received if m.rcpt_tos == ["gast1@example.org"])
    reply_to = str(first["Reply-To"] or first["From"])
    dovecot.deliver(imap_account.address, _reply_with_form(first, reply_to))

    polled = invite("poll")
    assert "Zugeordnet mit Antwort: 1" in polled, polled
    assert "konnte nicht" not in polled  # the form was read by the spawned reader
    status = invite("status")
    assert "Zugesagt: 2 Personen" in status, status
    assert (data / "rsvp-status.xlsx").is_file()
    assert "Jürgen Müller" in status  # the path is printed as it is, in Windows-1252
