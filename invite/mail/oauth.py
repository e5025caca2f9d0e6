"""OAuth2 access tokens for SMTP and IMAP logins (SASL XOAUTH2).

invite does not talk to Microsoft or Google itself. Like mutt (``mutt_oauth2.py``), ``oama``
and isync (``PassCmd``) it runs the ``token_command`` from campaign.toml, whose standard
output is a valid access token; that program keeps the refresh token and renews the access
token when it has expired. When a server refuses a token, the command runs once more and the
login is tried once more (``login_with_token``); a second refusal ends in a German message.

The token lives in memory only: it is never written to a file, the database or a message.
"""

from __future__ import annotations

import locale
import os
import shlex
import subprocess
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from invite.errors import InviteError
from invite.settings import ServerSettings

T = TypeVar("T")
STDERR_SHOWN = 600  # characters of the command's error output quoted in the message


def xoauth2(user: str, token: str) -> str:
    """The SASL XOAUTH2 initial client response (before base64)."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def command_args(command: str, *, windows: bool | None = None) -> str | list[str]:
    """How the command is started without a shell: split like a POSIX shell would (``~``
    expanded), or, on Windows, passed whole to CreateProcess, which splits it itself."""
    if windows if windows is not None else os.name == "nt":
        return command
    return [os.path.expanduser(arg) for arg in shlex.split(command)]


@dataclass
class TokenCommand:
    """The ``token_command`` of one server section; ``token()`` runs it when needed."""

    section: str  # "smtp" or "imap": named in every message
    command: str
    timeout: float
    _token: str | None = field(default=None, repr=False)

    @classmethod
    def of(cls, server: ServerSettings, section: str) -> TokenCommand:
        return cls(section, server.token_command, server.token_timeout)

    def token(self, *, fresh: bool = False) -> str:
        """The access token: the one from the last run, or (``fresh``) a new run's."""
        if fresh or self._token is None:
            self._token = self._run()
        return self._token

    def _fail(self, text: str) -> InviteError:
        # Only the program is named, not its arguments: they might hold a client secret.
        return InviteError(
            f"Zugangsschlüssel für [{self.section}] (token_command, Programm "
            f"„{self.program()}“): {text}",
            exit_code=2,
        )

    def program(self) -> str:
        try:
            words = shlex.split(self.command, posix=os.name != "nt")
        except ValueError:
            words = self.command.split()
        return words[0].strip('"') if words else ""

    def _run(self) -> str:
        try:
            args = command_args(self.command)
        except ValueError as exc:  # an unclosed quote
            raise self._fail(f"Der Befehl ist nicht lesbar ({exc}).") from None
        if not args:
            raise self._fail("Der Befehl ist leer.")
        try:
            done = subprocess.run(
                args,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=self.timeout,
                check=False,
            )
        except FileNotFoundError:
            raise self._fail(
                "Das Programm wurde nicht gefunden. Ist es installiert und der Pfad richtig?"
            ) from None
        except subprocess.TimeoutExpired:
            raise self._fail(
                f"Keine Antwort nach {self.timeout:g} Sekunden; der Befehl wurde abgebrochen. "
                "Wartet er auf eine Anmeldung im Browser? Dann führen Sie ihn einmal selbst im "
                "Terminal aus."
            ) from None
        except OSError as exc:
            raise self._fail(
                f"Der Befehl lässt sich nicht starten ({exc.strerror or exc})."
            ) from None
        if done.returncode != 0:
            said = _error_output(done.stderr)
            raise self._fail(
                f"Der Befehl ist mit Fehler {done.returncode} beendet worden"
                + (f". Er meldet: {said}" if said else ", ohne eine Meldung.")
            )
        try:
            token = done.stdout.decode("ascii").strip()
        except UnicodeDecodeError:
            raise self._fail(
                "Die Ausgabe enthält Zeichen, die in keinem Zugangsschlüssel vorkommen."
            ) from None
        if not token:
            raise self._fail("Der Befehl hat keinen Zugangsschlüssel ausgegeben.")
        if any(c.isspace() for c in token):
            raise self._fail(
                "Der Befehl gibt mehr als den Zugangsschlüssel aus (Leerzeichen oder mehrere "
                "Zeilen). Er darf nur den Schlüssel selbst ausgeben."
            )
        return token


def login_with_token(
    tokens: TokenCommand, login: Callable[[str], T], refused: type[BaseException]
) -> T:
    """``login(token)``; when the server refuses the token (``refused``; it has expired or
    was revoked), run the command once more and try once more. A second refusal propagates."""
    try:
        return login(tokens.token())
    except refused:
        pass
    return login(tokens.token(fresh=True))


def _error_output(raw: bytes) -> str:
    """The last lines of the command's error output, readable whatever the console code page."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode(locale.getpreferredencoding(False) or "cp1252", "replace")
    text = "".join(c for c in text if c == "\n" or unicodedata.category(c) != "Cc")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    shown = " / ".join(line for line in lines if line)
    return shown[-STDERR_SHOWN:]
