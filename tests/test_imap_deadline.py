"""A trickling IMAP server cannot hold `poll` (and the data-folder lock) for long.

The peer here is a real TCP server on 127.0.0.1 speaking just enough IMAP for a poll to
start, then answering one byte every half second — a fault-injection peer, not a mock of
imapclient: the tool's real IMAP stack talks to it over a socket.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sendkit import make_campaign

from invite.errors import InviteError
from invite.mail.imap import ImapTooSlow
from invite.steps.poll import poll
from invite.store import exclusive

TRICKLE_SECONDS = 0.5


class TricklingImap:
    """Greets and logs in normally (or trickles from the greeting on), then sends every
    further answer one byte per ``TRICKLE_SECONDS``. Serves one connection at a time, stops
    itself after ``lifetime`` seconds at the latest."""

    def __init__(self, trickle_from: str = "SELECT", lifetime: float = 60.0) -> None:
        self.trickle_from = trickle_from
        self.lifetime = lifetime
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.stopped = threading.Event()
        self.trickled = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> TricklingImap:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join(5)
        self.listener.close()

    def _serve(self) -> None:
        ends = time.monotonic() + self.lifetime
        while not self.stopped.is_set() and time.monotonic() < ends:
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(0.2)
                self._session(conn, ends)

    def _send(self, conn: socket.socket, text: str, slow: bool, ends: float) -> bool:
        data = text.encode()
        if not slow:
            conn.sendall(data)
            return True
        for byte in data:
            if self.stopped.is_set() or time.monotonic() > ends:
                return False
            try:
                conn.sendall(bytes([byte]))
            except OSError:
                return False  # the client hung up: exactly what should happen
            self.trickled += 1
            time.sleep(TRICKLE_SECONDS)
        return True

    def _session(self, conn: socket.socket, ends: float) -> None:
        slow = self.trickle_from == "GREETING"
        greeting = "* OK [CAPABILITY IMAP4rev1 MOVE UIDPLUS IDLE] fake ready\r\n" + " " * 400
        if not self._send(conn, greeting.rstrip() + "\r\n", slow, ends):
            return
        buffer = b""
        while not self.stopped.is_set() and time.monotonic() < ends:
            try:
                chunk = conn.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            while b"\r\n" in buffer:
                line, buffer = buffer.split(b"\r\n", 1)
                tag, _, rest = line.decode(errors="replace").partition(" ")
                command = rest.split(" ", 1)[0].upper()
                if command == "UID":
                    command = rest.split(" ", 2)[1].upper()
                slow = slow or command == self.trickle_from
                if not self._send(conn, self._answer(tag, command), slow, ends):
                    return

    def _answer(self, tag: str, command: str) -> str:
        long_line = "* OK " + "x" * 2000 + "\r\n"  # a long answer, trickled
        answers = {
            "CAPABILITY": "* CAPABILITY IMAP4rev1 MOVE UIDPLUS IDLE NAMESPACE\r\n",
            "LOGIN": "",
            "NAMESPACE": '* NAMESPACE (("" "/")) NIL NIL\r\n',
            "LIST": '* LIST () "/" "x"\r\n',
            "SELECT": long_line + "* 1 EXISTS\r\n* OK [UIDVALIDITY 7] x\r\n* OK [UIDNEXT 2] x\r\n",
            "SEARCH": "* SEARCH 1\r\n",
            "LOGOUT": "* BYE bye\r\n",
        }
        return answers.get(command, "") + f"{tag} OK done\r\n"


@pytest.fixture
def campaign_at(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator:
    def make(port: int, message_deadline: float, run_deadline: float):
        for key, value in {
            "INVITE_IMAP_HOST": "127.0.0.1",
            "INVITE_IMAP_PORT": str(port),
            "INVITE_IMAP_SECURITY": "none",
            "INVITE_IMAP_USER": "anmeldung",
            "INVITE_IMAP_PASSWORD": "secret",
        }.items():
            monkeypatch.setenv(key, value)
        return make_campaign(
            tmp_path, 2, message_deadline=message_deadline, run_deadline=run_deadline
        )

    yield make


@pytest.mark.parametrize(
    ("trickle_from", "message_deadline", "run_deadline", "limit"),
    [
        ("SELECT", 2, 600, 2),  # one command may take message_deadline
        ("SELECT", 600, 3, 3),  # the whole run may take run_deadline
        ("GREETING", 2, 600, 2),  # also the greeting and the login
    ],
)
def test_a_trickling_server_ends_poll_within_its_deadline_and_frees_the_lock(
    campaign_at, trickle_from: str, message_deadline: float, run_deadline: float, limit: float
) -> None:
    with TricklingImap(trickle_from) as server:
        campaign = campaign_at(server.port, message_deadline, run_deadline)
        start = time.monotonic()
        with pytest.raises(ImapTooSlow) as caught:
            poll(campaign)
        took = time.monotonic() - start
    assert server.trickled >= 2  # it did trickle, and poll waited for it only so long
    assert took < limit + 3, took
    message = str(caught.value)
    assert "zu langsam" in message and "Sperre des Datenordners freigegeben" in message
    assert isinstance(caught.value, InviteError)
    with exclusive(campaign.paths.data, "status"):  # the lock is free again
        pass
