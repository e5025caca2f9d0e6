"""`invite prüfen` against the real Dovecot: the real CLI in a pseudo-terminal settles review
items (the IMAP move checked on the server), `--liste` without a terminal, a refused run
without a terminal, a move that fails (decision stands, done by the next poll), and the pure
core of the key handling."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from clirun import REPO, run_invite
from corpus import Corpus
from imapclient import IMAPClient
from mailservers import DovecotServer, ImapAccount, free_port
from sendkit import imap_env, make_campaign

from invite import reviewing
from invite.campaign import Campaign
from invite.session import connect_mailbox as connect
from invite.steps import review
from invite.steps.poll import poll
from invite.store import audit_log, latest_answers, review_decisions

MATCHED, REVIEW = "Anmeldungen.zugeordnet", "Anmeldungen.prüfen"  # Dovecot's separator is "."


def imap(account: ImapAccount) -> IMAPClient:
    client = IMAPClient(account.host, port=account.ssl_port, ssl_context=account.ssl_context())
    client.login(account.username, account.password)
    return client


def ids_in(account: ImapAccount, folder: str) -> set[str]:
    with imap(account) as client:
        if not client.folder_exists(folder):
            return set()
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        data = client.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]) if uids else {}
    out = set()
    for entry in data.values():
        header = next(v for k, v in entry.items() if k.startswith(b"BODY[HEADER"))
        out.add(header.decode().split(":", 1)[1].strip().strip("<>"))
    return out


@dataclass
class Setup:
    campaign: Campaign
    account: ImapAccount
    corpus: Corpus
    env: dict[str, str]  # INVITE_IMAP_* for the CLI

    @property
    def args(self) -> list[str]:
        c = self.campaign
        return ["--campaign", str(c.settings.campaign_dir), "--contacts", str(c.contacts_file),
                "--data", str(c.paths.data)]  # fmt: skip


def stranger(corpus: Corpus) -> bytes:
    return corpus.reply(
        "r9", None, "Gilt das auch für uns?", sender="fremd@example.net", subject="Frage"
    )


@pytest.fixture
def queue(dovecot: DovecotServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Setup:
    """Six invitees; polled: a thank-you from Nr. 4 (unclear), a question from a stranger
    (unmatched) and a clear Zusage from Nr. 1."""
    account = dovecot.new_account()
    env = imap_env(monkeypatch, account)
    monkeypatch.setenv("INVITE_IMAP_FOLDER", "RSVP")
    env["INVITE_IMAP_FOLDER"] = "RSVP"
    campaign = make_campaign(tmp_path, 6)
    with campaign.open_state() as state:
        corpus = Corpus(campaign, state)
    for raw in (
        corpus.one_click("r1", "1", yes=True),
        corpus.reply("r4", "4", "Vielen Dank für die Einladung!"),
        stranger(corpus),
    ):
        dovecot.deliver(account.address, raw, folder="RSVP")
    summary = poll(campaign)
    assert (summary.answers, summary.set_aside) == (1, 2)
    return Setup(campaign, account, corpus, env)


class Terminal:
    """The real `invite` CLI in a pseudo-terminal: read what it shows, type keys."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        import pty  # POSIX only: imported here, never at module import time

        self.master, slave = pty.openpty()
        environ = {k: v for k, v in os.environ.items() if not k.startswith("INVITE_")}
        environ.update(env)
        environ["PYTHONPATH"] = str(REPO)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "invite", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=environ,
            cwd=REPO,
            close_fds=True,
        )
        os.close(slave)
        self.seen = ""

    def expect(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{text!r} not shown; screen so far:\n{self.seen}")
            ready, _, _ = select.select([self.master], [], [], min(left, 0.5))
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the child closed the terminal
                    chunk = b""
                if not chunk and self.proc.poll() is not None:
                    raise AssertionError(f"{text!r} not shown before exit:\n{self.seen}")
                self.seen += chunk.decode("utf-8", "replace")
        return self.seen

    def type(self, line: str) -> None:
        """Type a line (for a prompt: the terminal buffers it until it is read)."""
        os.write(self.master, line.encode())

    def key(self, key: str, timeout: float = 30) -> None:
        """Press one key once the CLI waits for a single key: click.getchar switches the
        terminal to raw mode and drops what was typed before (as a real terminal does)."""
        import termios

        deadline = time.monotonic() + timeout
        while termios.tcgetattr(self.master)[3] & termios.ICANON:
            assert time.monotonic() < deadline, f"no key wanted; screen:\n{self.seen}"
            time.sleep(0.02)
        os.write(self.master, key.encode())

    def finish(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    self.seen += os.read(self.master, 65536).decode("utf-8", "replace")
                except OSError:
                    break
        code = self.proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        os.close(self.master)
        return code


def test_pruefen_settles_items_in_a_terminal_and_moves_the_mails(queue: Setup) -> None:
    campaign, account, corpus, env = queue.campaign, queue.account, queue.corpus, queue.env
    assert {"r4@corpus.test", "r9@corpus.test"} <= ids_in(account, REVIEW)
    term = Terminal(["prüfen", *queue.args], env)
    screen = term.expect("[b] beenden")
    assert "2 Nachrichten zu prüfen" in screen
    assert "Nr. 4 – " in screen and "Grund:" in screen
    term.key("z")
    term.expect("Wie viele Personen?")
    term.type("2\r")
    term.expect("Zusage eingetragen für Nr. 4")
    screen = term.expect("Niemandem zugeordnet.")
    assert "fremd@example.net" in screen
    term.key("a")  # nobody to give an Absage to: refused, asks again
    term.expect("bitte erst mit [n]")
    term.key("n")
    term.expect("Nr. oder welchem Code")
    term.type(f"{corpus.inv('5').code}\r")
    term.expect("Nachricht zugeordnet: Nr. 5")
    term.key("a")
    term.expect("Absage eingetragen für Nr. 5")
    assert term.finish() == 0, term.seen
    assert "Entschieden: 2, übersprungen: 0." in term.seen
    assert "Traceback" not in term.seen

    with campaign.open_state() as state:
        answers = latest_answers(state)
        assert (answers["4"].answer, answers["4"].persons, answers["4"].source) == (
            "zusage",
            2,
            "manuell",
        )
        assert (answers["5"].answer, answers["5"].source) == ("absage", "manuell")
        decisions = review_decisions(state)
        assert [(d.decision, d.invitee, d.source) for d in decisions] == [
            ("zusage", "4", "manuell"),
            ("absage", "5", "manuell"),
        ]
        audit = [r.action for r in audit_log(state) if r.command == "pruefen"]
        assert audit.count("Prüfung entschieden") == 2 and "Nachricht verschoben" in audit
        assert not reviewing.load_queue(state, reviewing.ZoneInfo("Europe/Berlin"))
    assert ids_in(account, REVIEW) == set()
    assert {"r4@corpus.test", "r9@corpus.test", "r1@corpus.test"} <= ids_in(account, MATCHED)


def test_pruefen_keine_antwort_leaves_the_invitee_open_and_finds_the_mail_after_uidvalidity(
    queue: Setup,
) -> None:
    """The review folder is recreated on the server (new UIDVALIDITY, new UIDs): the mail is
    found again by its Message-ID."""
    campaign, account, corpus, env = queue.campaign, queue.account, queue.corpus, queue.env
    raw = corpus.reply("r4", "4", "Vielen Dank für die Einladung!")
    with imap(account) as client:
        client.select_folder(REVIEW, readonly=True)
        before = client.folder_status(REVIEW, ["UIDVALIDITY"])[b"UIDVALIDITY"]
        client.close_folder()
        client.delete_folder(REVIEW)
        client.create_folder(REVIEW)
        client.append(REVIEW, raw)
        client.append(REVIEW, stranger(corpus))
        assert client.folder_status(REVIEW, ["UIDVALIDITY"])[b"UIDVALIDITY"] != before
    with campaign.open_state() as state:
        assert latest_answers(state)["4"].answer == "pruefen"
    term = Terminal(["pruefen", *queue.args], env)
    term.expect("[b] beenden")
    term.key("k")
    term.expect("Keine Antwort")
    term.expect("Niemandem zugeordnet.")
    term.key("b")
    assert term.finish() == 0, term.seen
    assert "Entschieden: 1, übersprungen: 0, noch offen: 1." in term.seen
    with campaign.open_state() as state:
        assert "4" not in latest_answers(state)  # offen again: reminded like everybody open
    assert ids_in(account, REVIEW) == {"r9@corpus.test"}
    assert "r4@corpus.test" in ids_in(account, MATCHED)


def test_liste_without_a_terminal_and_refusal_without_one(queue: Setup) -> None:
    corpus, env = queue.corpus, queue.env
    listed = run_invite("prüfen", "--liste", *queue.args, env=env)
    assert listed.code == 0, listed.text
    assert "2 Nachrichten zu prüfen, die älteste zuerst:" in listed.out
    assert "fremd@example.net" in listed.out and "Betreff:  Frage" in listed.out
    assert f"Nr. 4 – {corpus.inv('4').display_name}" in listed.out
    assert "Vielen Dank für die Einladung!" in listed.out  # the sentence that decided
    assert "schrieb" not in listed.out  # only what poll kept, never the whole message
    refused = run_invite("pruefen", *queue.args, env=env)
    assert refused.code == 2
    assert "--liste" in refused.err and "Entscheidung" in refused.err
    assert "Traceback" not in refused.text


def test_decision_stands_when_the_server_is_away_and_the_next_poll_moves_the_mail(
    queue: Setup,
) -> None:
    campaign, account, env = queue.campaign, queue.account, queue.env
    away = {**env, "INVITE_IMAP_PORT": str(free_port())}
    term = Terminal(["prüfen", *queue.args], away)
    term.expect("[b] beenden")
    term.key("z")
    term.expect("Wie viele Personen?")
    term.type("\r")  # the default from the mail: 1
    term.expect("Entscheidung ist gespeichert")
    term.expect("Niemandem zugeordnet.")
    term.key("s")
    assert term.finish() == 0, term.seen
    assert "nicht verschoben werden" in term.seen and "invite poll" in term.seen
    with campaign.open_state() as state:
        assert latest_answers(state)["4"].answer == "zusage"
    assert "r4@corpus.test" in ids_in(account, REVIEW)
    poll(campaign)
    assert ids_in(account, REVIEW) == {"r9@corpus.test"}
    assert "r4@corpus.test" in ids_in(account, MATCHED)


# -- the pure core -----------------------------------------------------------------------------


ITEM = reviewing.ReviewItem(
    id=1,
    received=None,
    sender="a@example.org",
    subject="AW: Einladung",
    kind="unclear",
    reason="„Wir kommen vielleicht.“",
    evidence="",
    attachments="",
    persons=3,
    assigned="4",
    candidates=(reviewing.Candidate("4", "Anna Muster", "Verein"),),
)


def lookup(who: str) -> reviewing.Candidate | None:
    return reviewing.Candidate("17", "Ben", "") if who in ("17", "K7Q2-M9XA") else None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("zusage 2", reviewing.Parsed("zusage", 2)),
        ("Zusage", reviewing.Parsed("zusage")),
        ("ABSAGE", reviewing.Parsed("absage")),
        ("unzustellbar", reviewing.Parsed("unzustellbar")),
        ("Keine Antwort", reviewing.Parsed("keine")),
        ("nr 17", reviewing.Parsed("zuordnen", target="17")),
        ("Nr. 17 zusage 2 Personen", reviewing.Parsed("zusage", 2, "17")),
        ("code K7Q2-M9XA", reviewing.Parsed("zuordnen", target="k7q2-m9xa")),
        ("überspringen", reviewing.Parsed("weiter")),
    ],
)
def test_parse_decision_words(typed: str, expected: reviewing.Parsed) -> None:
    assert reviewing.parse_decision(typed) == expected


@pytest.mark.parametrize("typed", ["vielleicht", "absage 2", "zusage 0", "nr", "z", "zusage zwei"])
def test_parse_decision_refuses_unclear_words(typed: str) -> None:
    with pytest.raises(ValueError):
        reviewing.parse_decision(typed)


def test_decide_uses_the_mails_persons_as_default_and_checks_typed_ones() -> None:
    zusage = reviewing.Parsed("zusage")
    assert reviewing.question(ITEM, zusage) == ("Wie viele Personen?", "3")
    assert reviewing.decide(ITEM, zusage, "", lookup=lookup) == reviewing.Choice("zusage", "4", 3)
    assert reviewing.decide(ITEM, zusage, "5", lookup=lookup) == reviewing.Choice("zusage", "4", 5)
    assert reviewing.decide(ITEM, zusage, "viele", lookup=lookup).error
    moved = reviewing.decide(ITEM, reviewing.Parsed("zusage", 2, "17"), lookup=lookup)
    assert moved == reviewing.Choice("zusage", "17", 2)
    assert reviewing.decide(ITEM, reviewing.Parsed("zuordnen"), "99", lookup=lookup).error
    nobody = reviewing.ReviewItem(**{**ITEM.__dict__, "assigned": None, "candidates": ()})
    assert reviewing.decide(nobody, reviewing.Parsed("absage"), lookup=lookup).error
    assert reviewing.decide(nobody, reviewing.Parsed("keine"), lookup=lookup) == reviewing.Choice(
        "keine"
    )


def test_single_keys_and_whole_lines_mean_the_same() -> None:
    for key, line in (("z", "zusage"), ("a", "absage"), ("k", "keine antwort"), ("s", "weiter")):
        assert reviewing.parse_decision(key, keys=True) == reviewing.parse_decision(line, keys=True)


# -- decisions typed into the status workbook -------------------------------------------------


def type_decisions(path: Path, by_sender: dict[str, str]) -> None:
    """Staff open rsvp-status.xlsx, type into „Entscheidung“ on sheet „Zu prüfen“, save."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb["Zu prüfen"]
    header = [c.value for c in ws[1]]
    sender, decision = header.index("Absender") + 1, header.index("Entscheidung") + 1
    for row in range(2, ws.max_row + 1):
        typed = by_sender.get(ws.cell(row, sender).value)
        if typed is not None:
            ws.cell(row, decision).value = typed
    wb.save(path)


def test_a_decision_typed_into_the_workbook_is_taken_in_and_moved_by_the_next_poll(
    queue: Setup,
) -> None:
    campaign, account, corpus, env = queue.campaign, queue.account, queue.corpus, queue.env
    first = run_invite("status", *queue.args, env=env)
    assert first.code == 0, first.text
    path = campaign.paths.status_workbook
    type_decisions(path, {corpus.inv("4").email: "Zusage 2", "fremd@example.net": "nr 5 absage"})

    taken = run_invite("status", *queue.args, env=env)  # offline: no IMAP in status

    assert taken.code == 0, taken.text
    assert "Entscheidung „Zusage 2“ (Blatt „Zu prüfen“" in taken.out
    assert "beim nächsten „invite poll“" in taken.out
    with campaign.open_state() as state:
        answers = latest_answers(state)
        assert (answers["4"].answer, answers["4"].persons) == ("zusage", 2)
        assert (answers["5"].answer, answers["5"].source) == ("absage", "tabelle")
        assert answers["4"].source == "tabelle"
        assert not reviewing.load_queue(state, reviewing.ZoneInfo("Europe/Berlin"))
    assert {"r4@corpus.test", "r9@corpus.test"} <= ids_in(account, REVIEW)  # not moved yet

    poll(campaign)

    assert ids_in(account, REVIEW) == set()
    assert {"r4@corpus.test", "r9@corpus.test"} <= ids_in(account, MATCHED)
    listed = run_invite("prüfen", "--liste", *queue.args, env=env)
    assert "Keine offenen Nachrichten" in listed.out


def test_an_unclear_decision_word_is_refused_and_nothing_changes(queue: Setup) -> None:
    campaign, corpus, env = queue.campaign, queue.corpus, queue.env
    assert run_invite("status", *queue.args, env=env).code == 0
    path = campaign.paths.status_workbook
    type_decisions(path, {corpus.inv("4").email: "vielleicht", "fremd@example.net": "absage"})
    before = path.read_bytes()

    refused = run_invite("status", *queue.args, env=env)

    assert refused.code == 1, refused.text
    assert "Blatt „Zu prüfen“, Zeile 2, Spalte „Entscheidung“" in refused.err
    assert "„vielleicht“ ist keine Entscheidung" in refused.err
    assert "niemandem sicher zugeordnet" in refused.err  # an Absage needs a Nr. first
    assert "nichts übernommen und nichts überschrieben" in refused.err
    assert path.read_bytes() == before
    with campaign.open_state() as state:
        assert latest_answers(state)["4"].answer == "pruefen"
        assert "5" not in latest_answers(state)
        assert len(reviewing.load_queue(state, reviewing.ZoneInfo("Europe/Berlin"))) == 2


def test_a_zusage_decided_in_review_gets_its_confirmation_with_the_next_poll(
    dovecot: DovecotServer,
    smtp_server,
    cafile: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As for `invite record`: the Zusage is confirmed by the next poll, as a reply to the
    mail staff decided on. Keys come as whole lines here (a console without single keys)."""
    from sendkit import smtp_env

    account = dovecot.new_account()
    imap_env(monkeypatch, account)
    smtp_env(monkeypatch, smtp_server, cafile)
    campaign = make_campaign(tmp_path, 3, send_confirmation=True)
    with campaign.open_state() as state:
        corpus = Corpus(campaign, state)
    dovecot.deliver(
        account.address, corpus.reply("thanks-2", "2", "Vielen Dank für die Einladung!")
    )
    assert poll(campaign).confirmations == 0

    lines = ["zusage 2"]
    shown: list[str] = []
    summary = review.run_review(
        campaign,
        read_key=lambda: lines.pop(0) if lines else "",
        ask=lambda prompt, default: pytest.fail(f"asked {prompt!r} although persons were typed"),
        say=shown.append,
        connect=lambda: connect(campaign, None),
    )
    assert summary.decided == 1, "\n".join(shown)
    assert "thanks-2@corpus.test" in ids_in(account, MATCHED)

    assert poll(campaign).confirmations == 1
    sent = smtp_server.wait_for_messages(1)[0].message
    assert sent["To"].addresses[0].addr_spec == corpus.inv("2").email
    assert sent["In-Reply-To"] == "<thanks-2@corpus.test>"
    assert "2" in sent.get_body(("plain",)).get_content()


def test_a_decided_mail_delivered_again_is_not_reopened(
    queue: Setup, dovecot: DovecotServer
) -> None:
    """The inbox folder is recreated with the same mails (UIDVALIDITY): „keine Antwort“
    stays decided and the copy goes to the matched folder, not back to review."""
    campaign, account, corpus = queue.campaign, queue.account, queue.corpus
    lines = ["k", "b"]
    summary = review.run_review(
        campaign,
        read_key=lambda: lines.pop(0) if lines else "",
        ask=lambda prompt, default: default,
        say=lambda text: None,
        connect=lambda: connect(campaign, None),
    )
    assert summary.decided == 1
    dovecot.deliver(
        account.address, corpus.reply("r4", "4", "Vielen Dank für die Einladung!"), folder="RSVP"
    )
    assert poll(campaign).duplicates == 1
    with campaign.open_state() as state:
        assert "4" not in latest_answers(state)
        assert len(reviewing.load_queue(state, reviewing.ZoneInfo("Europe/Berlin"))) == 1
    assert ids_in(account, REVIEW) == {"r9@corpus.test"}
