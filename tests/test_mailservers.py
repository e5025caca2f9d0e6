"""Smoke tests for the test servers themselves: if these fail, nothing else is trustworthy."""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Callable
from email.message import EmailMessage

import pytest
from imapclient import IMAPClient
from mailservers import DovecotServer, ImapAccount, SmtpServer, TestCerts

SMTP_USER, SMTP_PASSWORD = "invite", "smtp-secret"  # what the smtp_server fixture accepts

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def make_message(to: str = "buerger@example.org", subject: str = "Einladung") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Stadtverwaltung <rathaus@example.org>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = "<smoke-1@example.org>"
    msg.set_content("Sehr geehrte Damen und Herren,\n\nwir laden Sie herzlich ein.\n")
    msg.add_attachment(
        PDF_BYTES, maintype="application", subtype="pdf", filename="Einladung Müller.pdf"
    )
    return msg


# -- SMTP ---------------------------------------------------------------------------------------


def test_smtp_starttls_auth_delivers(smtp_server: SmtpServer, test_certs: TestCerts) -> None:
    ctx = test_certs.client_context()
    assert ctx.check_hostname and ctx.verify_mode == ssl.CERT_REQUIRED
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as smtp:
        smtp.starttls(context=ctx)
        smtp.login(SMTP_USER, SMTP_PASSWORD)
        smtp.send_message(make_message())

    (received,) = smtp_server.messages
    assert received.mail_from == "rathaus@example.org"
    assert received.rcpt_tos == ["buerger@example.org"]
    assert received.tls and received.auth_user == SMTP_USER
    assert received.message["Subject"] == "Einladung"
    (attachment,) = received.message.iter_attachments()
    assert attachment.get_filename() == "Einladung Müller.pdf"
    assert attachment.get_content() == PDF_BYTES


def test_smtp_requires_starttls_and_valid_auth(
    smtp_server: SmtpServer, test_certs: TestCerts
) -> None:
    with (
        smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as smtp,
        pytest.raises(smtplib.SMTPSenderRefused),  # 530 STARTTLS first
    ):
        smtp.send_message(make_message())
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as smtp:
        smtp.starttls(context=test_certs.client_context())
        with pytest.raises(smtplib.SMTPAuthenticationError):
            smtp.login(SMTP_USER, "wrong")
        with pytest.raises(smtplib.SMTPSenderRefused):  # 530 auth required
            smtp.send_message(make_message())
    assert smtp_server.messages == []


def test_smtp_implicit_tls(
    smtp_server_factory: Callable[..., SmtpServer], test_certs: TestCerts
) -> None:
    server = smtp_server_factory(security="ssl", password="pw")
    with smtplib.SMTP_SSL(
        server.host, server.port, context=test_certs.client_context(), timeout=5
    ) as smtp:
        with pytest.raises(smtplib.SMTPSenderRefused):  # 530 auth required
            smtp.send_message(make_message())
        smtp.login("invite", "pw")
        smtp.send_message(make_message(to="a@example.org"))
    (received,) = server.messages
    assert received.rcpt_tos == ["a@example.org"] and received.tls


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_tls_verification_refuses_wrong_cert(
    smtp_server_factory: Callable[..., SmtpServer], test_certs: TestCerts, security: str
) -> None:
    server = smtp_server_factory(security=security, wrong_cert=True)
    ctx = test_certs.client_context()
    with pytest.raises(ssl.SSLCertVerificationError):
        if security == "ssl":
            smtplib.SMTP_SSL(server.host, server.port, context=ctx, timeout=5)
        else:
            with smtplib.SMTP(server.host, server.port, timeout=5) as smtp:
                smtp.starttls(context=ctx)


def test_hostname_is_checked(smtp_server: SmtpServer, test_certs: TestCerts) -> None:
    """The right cert under a name it does not carry must be refused, too."""
    ctx = test_certs.client_context()
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as smtp:
        smtp._host = "other.example"  # the name smtplib checks the certificate against
        with pytest.raises(ssl.SSLCertVerificationError):
            smtp.starttls(context=ctx)


# -- SMTP fault hooks -----------------------------------------------------------------------------


def test_rcpt_451_then_accept(smtp_server_factory: Callable[..., SmtpServer]) -> None:
    server = smtp_server_factory(rcpt_replies={"later@example.org": ["451 4.3.0 try again"] * 2})
    for _ in range(2):
        with smtplib.SMTP(server.host, server.port, timeout=5) as smtp:
            with pytest.raises(smtplib.SMTPRecipientsRefused) as exc_info:
                smtp.send_message(make_message(to="later@example.org"))
            assert exc_info.value.recipients["later@example.org"][0] == 451
    with smtplib.SMTP(server.host, server.port, timeout=5) as smtp:
        smtp.send_message(make_message(to="later@example.org"))
    assert server.rcpt_attempts("later@example.org") == 3
    assert [m.rcpt_tos for m in server.messages] == [["later@example.org"]]


def test_rcpt_550_always_and_partial_acceptance(
    smtp_server_factory: Callable[..., SmtpServer],
) -> None:
    server = smtp_server_factory(rcpt_replies={"gone@example.org": "550 5.1.1 user unknown"})
    with smtplib.SMTP(server.host, server.port, timeout=5) as smtp:
        for _ in range(2):
            with pytest.raises(smtplib.SMTPRecipientsRefused) as exc_info:
                smtp.send_message(make_message(to="gone@example.org"))
            code, text = exc_info.value.recipients["gone@example.org"]
            assert code == 550 and b"5.1.1" in text
        # One bad recipient among good ones: the rest is delivered, the refusal reported.
        refused = smtp.send_message(make_message(to="gone@example.org, ok@example.org"))
    assert refused == {"gone@example.org": (550, b"5.1.1 user unknown")}
    assert [m.rcpt_tos for m in server.messages] == [["ok@example.org"]]


def test_drop_after_closes_connection_mid_batch(
    smtp_server_factory: Callable[..., SmtpServer],
) -> None:
    server = smtp_server_factory(drop_after=2)
    smtp = smtplib.SMTP(server.host, server.port, timeout=5)
    smtp.send_message(make_message(to="1@example.org"))
    smtp.send_message(make_message(to="2@example.org"))
    with pytest.raises(smtplib.SMTPServerDisconnected):
        smtp.send_message(make_message(to="3@example.org"))
    smtp.close()
    assert [m.rcpt_tos[0] for m in server.messages] == ["1@example.org", "2@example.org"]
    # A new connection gets a fresh budget.
    with smtplib.SMTP(server.host, server.port, timeout=5) as smtp:
        smtp.send_message(make_message(to="3@example.org"))
    assert [m.session for m in server.messages] == [1, 1, 2]


def test_drop_after_over_starttls(
    smtp_server_factory: Callable[..., SmtpServer], test_certs: TestCerts
) -> None:
    server = smtp_server_factory(security="starttls", drop_after=1)
    with smtplib.SMTP(server.host, server.port, timeout=5) as smtp:
        smtp.starttls(context=test_certs.client_context())
        smtp.send_message(make_message())
        with pytest.raises(smtplib.SMTPServerDisconnected):
            smtp.send_message(make_message())
    assert len(server.messages) == 1


def test_reply_421_after(smtp_server_factory: Callable[..., SmtpServer]) -> None:
    server = smtp_server_factory(reply_421_after=1)
    with smtplib.SMTP(server.host, server.port, timeout=5) as smtp:
        smtp.send_message(make_message())
        with pytest.raises(smtplib.SMTPSenderRefused) as exc_info:
            smtp.send_message(make_message())
        assert exc_info.value.smtp_code == 421
        with pytest.raises(smtplib.SMTPServerDisconnected):
            smtp.noop()
    assert len(server.messages) == 1


def test_rcpt_421_closes_connection(smtp_server_factory: Callable[..., SmtpServer]) -> None:
    server = smtp_server_factory(rcpt_replies={"x@example.org": ["421 4.3.2 shutting down"] * 2})
    with smtplib.SMTP(server.host, server.port, timeout=5) as smtp:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as exc_info:
            smtp.send_message(make_message(to="x@example.org"))
        assert exc_info.value.recipients["x@example.org"][0] == 421
        with pytest.raises(smtplib.SMTPServerDisconnected):
            smtp.noop()
    # The server, too, hangs up after 421 (smtplib closes on its own, so check raw).
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        f = sock.makefile("rwb")
        for line in (b"EHLO t", b"MAIL FROM:<a@example.org>", b"RCPT TO:<x@example.org>"):
            f.write(line + b"\r\n")
            f.flush()
        replies = f.read()  # until EOF
    assert replies.rstrip().endswith(b"421 4.3.2 shutting down")
    with smtplib.SMTP(server.host, server.port, timeout=5) as smtp:  # next attempt works
        smtp.send_message(make_message(to="x@example.org"))
    assert len(server.messages) == 1


def test_stall_provokes_client_timeout(smtp_server_factory: Callable[..., SmtpServer]) -> None:
    server = smtp_server_factory(stall_seconds=2.0)
    smtp = smtplib.SMTP(server.host, server.port, timeout=5)
    smtp.sock.settimeout(0.2)
    with pytest.raises((TimeoutError, smtplib.SMTPServerDisconnected)):
        smtp.send_message(make_message())
    smtp.close()
    server.stall_seconds = 0  # fault hooks may be switched off while running
    with smtplib.SMTP(server.host, server.port, timeout=5) as smtp:
        smtp.send_message(make_message(to="after@example.org"))
    assert [m.rcpt_tos for m in server.wait_for_messages(1)] == [["after@example.org"]]


def test_data_replies_and_clear(smtp_server_factory: Callable[..., SmtpServer]) -> None:
    server = smtp_server_factory(data_replies=["554 5.6.0 rejected"])
    with smtplib.SMTP(server.host, server.port, timeout=5) as smtp:
        with pytest.raises(smtplib.SMTPDataError):
            smtp.send_message(make_message())
        smtp.send_message(make_message())
    assert len(server.messages) == 1
    server.clear()
    assert server.messages == []


# -- IMAP ---------------------------------------------------------------------------------------


def _append_and_fetch(client: IMAPClient, account: ImapAccount) -> None:
    client.login(account.address, account.password)
    assert client.select_folder("INBOX")[b"EXISTS"] == 0  # a fresh mailbox is empty
    raw = make_message(to=account.address, subject="Rückmeldung").as_bytes()
    client.append("INBOX", raw)
    client.select_folder("INBOX")
    uids = client.search(["UNSEEN", "SUBJECT", "Rückmeldung"], charset="UTF-8")
    assert len(uids) == 1
    fetched = client.fetch(uids, ["RFC822", "BODYSTRUCTURE"])[uids[0]]
    assert fetched[b"RFC822"].replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n")
    assert "pdf" in repr(fetched[b"BODYSTRUCTURE"]).lower()
    client.logout()


def test_imap_implicit_tls_append_search_fetch(imap_account: ImapAccount) -> None:
    with IMAPClient(
        imap_account.host, port=imap_account.ssl_port, ssl_context=imap_account.ssl_context()
    ) as client:
        _append_and_fetch(client, imap_account)


def test_imap_starttls_append_search_fetch(imap_account: ImapAccount) -> None:
    client = IMAPClient(imap_account.host, port=imap_account.port, ssl=False, timeout=5)
    client.starttls(imap_account.ssl_context())
    _append_and_fetch(client, imap_account)


def test_imap_wrong_password_and_mailbox_isolation(
    dovecot: DovecotServer, imap_account: ImapAccount
) -> None:
    dovecot.deliver(imap_account.address, make_message(to=imap_account.address))
    with IMAPClient(
        imap_account.host, port=imap_account.ssl_port, ssl_context=imap_account.ssl_context()
    ) as client:
        with pytest.raises(IMAPClient.Error):
            client.login(imap_account.address, "wrong")
        client.login(dovecot.new_mailbox(), dovecot.password)
        assert client.select_folder("INBOX")[b"EXISTS"] == 0
    with IMAPClient(
        imap_account.host, port=imap_account.ssl_port, ssl_context=imap_account.ssl_context()
    ) as client:
        client.login(imap_account.address, imap_account.password)
        assert client.select_folder("INBOX")[b"EXISTS"] == 1


def test_imap_tls_checks_hostname(imap_account: ImapAccount) -> None:
    """Dovecot's certificate verifies for 127.0.0.1 but not under another name."""
    ctx = imap_account.ssl_context()
    for name, ok in (("127.0.0.1", True), ("localhost", True), ("wrong.example", False)):
        with socket.create_connection((imap_account.host, imap_account.ssl_port), 5) as sock:
            if ok:
                with ctx.wrap_socket(sock, server_hostname=name) as tls:
                    assert tls.recv(100).startswith(b"* OK")
            else:
                with pytest.raises(ssl.SSLCertVerificationError):
                    ctx.wrap_socket(sock, server_hostname=name)


@pytest.mark.slow
@pytest.mark.parametrize("crash", [False, True], ids=["sigterm", "sigkill"])
def test_dovecot_restart_keeps_ports_and_mail(
    dovecot: DovecotServer, imap_account: ImapAccount, crash: bool
) -> None:
    dovecot.deliver(imap_account.address, make_message(to=imap_account.address))
    ports = (dovecot.port, dovecot.ssl_port)
    client = IMAPClient(
        imap_account.host, port=imap_account.ssl_port, ssl_context=imap_account.ssl_context()
    )
    client.login(imap_account.address, imap_account.password)
    client.select_folder("INBOX")

    dovecot.restart(crash=crash)  # up to ≈ 1 s with a connected client unless crash

    with pytest.raises((IMAPClient.AbortError, OSError)):  # the old session is gone
        client.noop()
    assert (dovecot.port, dovecot.ssl_port) == ports
    with IMAPClient(
        imap_account.host, port=imap_account.ssl_port, ssl_context=imap_account.ssl_context()
    ) as client:
        client.login(imap_account.address, imap_account.password)
        assert client.select_folder("INBOX")[b"EXISTS"] == 1
