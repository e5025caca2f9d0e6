"""Server reports as real mail systems write them: bounces, delay notices, forgeries.

Each builder writes one report in the layout of one server (Postfix, Exim, qmail, Sendmail,
Exchange 2010 and Microsoft 365 in German and English, Gmail in German and English,
GMX/Web.de/1&1, T-Online), returning our message either with its Message-ID (a real report)
or without (what a stranger can write). ``report_cases(c)`` adds them to the reply corpus
(hook in ``corpus.build_corpus``); ``samples(...)`` serves the pure tests in test_reports.py.
The layouts follow the servers' published formats; names and hosts are made up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from email.header import Header

from corpus import Case, Corpus

CRLF = "\r\n"


@dataclass(frozen=True)
class Original:
    """What a report returns of our message."""

    sender: str  # our From
    recipient: str  # the invitee's address that failed
    message_id: str | None  # ours (with <>), or None: the report does not return it
    subject: str = "Einladung zum Vernetzungstreffen"
    reply_to: str = "anmeldung-vernetzung@stadt-muenster.de"

    def headers(self) -> str:
        lines = [
            "Return-Path: <" + self.sender + ">",
            "Received: from mail.stadt-muenster.de (mail.stadt-muenster.de [192.0.2.10])",
            "\tby mx.example.net with ESMTPS id 4Ab3x; Wed, 16 Jan 2019 09:59:58 +0100",
            f"From: Stadt Münster <{self.sender}>",
            f"To: {self.recipient}",
            f"Reply-To: {self.reply_to}",
            f"Subject: {self.subject}",
            "Date: Wed, 16 Jan 2019 09:59:50 +0100",
        ]
        if self.message_id:
            lines.append(f"Message-ID: {self.message_id}")
        lines.append("MIME-Version: 1.0")
        return CRLF.join(lines) + CRLF

    def message(self) -> str:
        """The returned message: headers plus the start of the invitation text, which says
        "zusagen" — a report's text must never be read as a reply."""
        return (
            self.headers()
            + "Content-Type: text/plain; charset=utf-8"
            + CRLF * 2
            + "Sehr geehrte Damen und Herren,"
            + CRLF * 2
            + "wir laden Sie herzlich ein. Bitte sagen Sie bis zum 25.01. zu oder ab:"
            + CRLF
            + "Ich nehme gern teil und komme mit 2 Personen."
            + CRLF
        )


def _encoded(head: str) -> str:
    """Header lines with non-ASCII text as RFC 2047 encoded words, as servers write them."""
    lines = []
    for line in head.split("\n"):
        name, sep, value = line.partition(": ")
        if sep and not value.isascii():
            value = Header(value, "utf-8").encode()
        lines.append(name + sep + value)
    return "\n".join(lines)


def _mime(head: str, boundary: str, parts: list[tuple[str, str]]) -> bytes:
    head = _encoded(head)
    out = head.replace("\n", CRLF) + CRLF
    for ctype, body in parts:
        out += f"--{boundary}{CRLF}Content-Type: {ctype}{CRLF}{CRLF}{body.replace(CRLF, chr(10)).replace(chr(10), CRLF)}{CRLF}"
    out += f"--{boundary}--{CRLF}"
    return out.encode("utf-8")


def _plain(head: str, body: str) -> bytes:
    text = (
        head + "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" + body
    )
    return text.replace(CRLF, "\n").replace("\n", CRLF).encode("utf-8")


def _dsn_fields(o: Original, action: str, status: str, diagnostic: str, mta: str) -> str:
    return (
        f"Reporting-MTA: dns; {mta}\nArrival-Date: Wed, 16 Jan 2019 09:59:58 +0100\n\n"
        f"Final-Recipient: rfc822; {o.recipient}\nOriginal-Recipient: rfc822;{o.recipient}\n"
        f"Action: {action}\nStatus: {status}\n"
        + (f"Diagnostic-Code: smtp; {diagnostic}\n" if diagnostic else "")
    )


def _returned_part(o: Original, whole: bool) -> tuple[str, str]:
    return ("message/rfc822", o.message()) if whole else ("text/rfc822-headers", o.headers())


# -- the servers -----------------------------------------------------------------------------------


def postfix(o: Original, name: str) -> bytes:
    diagnostic = f"550 5.1.1 <{o.recipient}>: Recipient address rejected: User unknown in virtual mailbox table"
    head = (
        "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n"
        f"To: {o.sender}\nSubject: Undelivered Mail Returned to Sender\nMessage-ID: <{name}@corpus.test>\n"
        "Date: Wed, 16 Jan 2019 10:00:00 +0100\nAuto-Submitted: auto-replied\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="A1B2.1547629200/mx"\n'
    )
    text = (
        "This is the mail system at host mx.example.net.\n\n"
        "I'm sorry to have to inform you that your message could not\n"
        "be delivered to one or more recipients. It's attached below.\n\n"
        "For further assistance, please send mail to postmaster.\n\n"
        "If you do so, please include this problem report. You can\n"
        "delete your own text from the attached returned message.\n\n"
        "                   The mail system\n\n"
        f"<{o.recipient}>: host mx.{o.recipient.split('@')[1]}[198.51.100.7] said: {diagnostic}\n"
        "    (in reply to RCPT TO command)\n"
    )
    return _mime(
        head,
        "A1B2.1547629200/mx",
        [
            ("text/plain; charset=us-ascii", text),
            (
                "message/delivery-status",
                _dsn_fields(o, "failed", "5.1.1", diagnostic, "mx.example.net"),
            ),
            _returned_part(o, whole=True),
        ],
    )


def postfix_delay(o: Original, name: str) -> bytes:
    head = (
        "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n"
        f"To: {o.sender}\nSubject: Delayed Mail (still being retried)\nMessage-ID: <{name}@corpus.test>\n"
        "Date: Wed, 16 Jan 2019 14:00:00 +0100\nAuto-Submitted: auto-replied\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="D1/mx"\n'
    )
    text = (
        "This is the mail system at host mx.example.net.\n\n"
        "####################################################################\n"
        "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n"
        "####################################################################\n\n"
        "Your message could not be delivered for more than 4 hour(s).\n"
        "It will be retried until it is 5 day(s) old.\n\n"
        f"<{o.recipient}>: connect to mx.{o.recipient.split('@')[1]}[198.51.100.7]:25: Connection timed out\n"
    )
    return _mime(
        head,
        "D1/mx",
        [
            ("text/plain; charset=us-ascii", text),
            ("message/delivery-status", _dsn_fields(o, "delayed", "4.4.1", "", "mx.example.net")),
            _returned_part(o, whole=False),
        ],
    )


def exim(o: Original, name: str) -> bytes:
    head = (
        "From: Mail Delivery System <Mailer-Daemon@mail.example.net>\n"
        f"To: {o.sender}\nSubject: Mail delivery failed: returning message to sender\n"
        f"Message-ID: <{name}@corpus.test>\nDate: Wed, 16 Jan 2019 10:00:00 +0100\n"
        f"X-Failed-Recipients: {o.recipient}\nAuto-Submitted: auto-replied\nMIME-Version: 1.0\n"
    )
    body = (
        "This message was created automatically by mail delivery software.\n\n"
        "A message that you sent could not be delivered to one or more of its\n"
        "recipients. This is a permanent error. The following address(es) failed:\n\n"
        f"  {o.recipient}\n    SMTP error from remote mail server after RCPT TO:<{o.recipient}>:\n"
        "    550 5.1.1 User unknown\n\n"
        "------ This is a copy of the message, including all the headers. ------\n\n" + o.message()
    )
    return _plain(head, body)


def exim_delay(o: Original, name: str) -> bytes:
    head = (
        "From: Mail Delivery System <Mailer-Daemon@mail.example.net>\n"
        f"To: {o.sender}\nSubject: Warning: message 1gjX3f-0004Qx-9T delayed 24 hours\n"
        f"Message-ID: <{name}@corpus.test>\nDate: Thu, 17 Jan 2019 10:00:00 +0100\n"
        "Auto-Submitted: auto-replied\nMIME-Version: 1.0\n"
    )
    body = (
        "This message was created automatically by mail delivery software.\n"
        "A message that you sent has not yet been delivered to one or more of its\n"
        "recipients after more than 24 hours on the queue on mail.example.net.\n\n"
        f"The message identifier is:     1gjX3f-0004Qx-9T\nThe subject of the message is: {o.subject}\n"
        "The date of the message is:    Wed, 16 Jan 2019 09:59:50 +0100\n\n"
        "The address to which the message has not yet been delivered is:\n\n"
        f"  {o.recipient}\n    Delay reason: SMTP error from remote mail server after RCPT TO:<{o.recipient}>:\n"
        "    451 4.7.1 Greylisted, please try again later\n\n"
        "No action is required on your part. Delivery attempts will continue for\n"
        "some time, and this warning may be repeated at intervals if the message\n"
        "remains undelivered. Eventually the mail delivery software will give up,\n"
        "and when that happens, the message will be returned to you.\n"
    )
    return _plain(head, body)


def qmail(o: Original, name: str) -> bytes:
    head = (
        "From: MAILER-DAEMON@mx.example.net\n"
        f"To: {o.sender}\nSubject: failure notice\nMessage-ID: <{name}@corpus.test>\n"
        "Date: 16 Jan 2019 09:00:00 -0000\nMIME-Version: 1.0\n"
    )
    body = (
        "Hi. This is the qmail-send program at mx.example.net.\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
        "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
        f"<{o.recipient}>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n"
        "--- Below this line is a copy of the message.\n\n" + o.message()
    )
    return _plain(head, body)


def sendmail(o: Original, name: str) -> bytes:
    head = (
        "From: Mail Delivery Subsystem <MAILER-DAEMON@relay.example.net>\n"
        f"To: <{o.sender}>\nSubject: Returned mail: see transcript for details\n"
        f"Message-Id: <{name}@corpus.test>\nDate: Wed, 16 Jan 2019 10:00:00 +0100\n"
        "Auto-Submitted: auto-generated (failure)\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="x0GA0aXk007741.1547629200/relay"\n'
    )
    text = (
        "The original message was received at Wed, 16 Jan 2019 09:59:58 +0100\n"
        "from mail.stadt-muenster.de [192.0.2.10]\n\n"
        "   ----- The following addresses had permanent fatal errors -----\n"
        f"<{o.recipient}>\n    (reason: 550 5.1.1 <{o.recipient}>... User unknown)\n\n"
        "   ----- Transcript of session follows -----\n"
        f"... while talking to mx.example.org.:\n>>> RCPT To:<{o.recipient}>\n"
        f"<<< 550 5.1.1 <{o.recipient}>... User unknown\n550 5.1.1 <{o.recipient}>... User unknown\n"
    )
    return _mime(
        head,
        "x0GA0aXk007741.1547629200/relay",
        [
            ("text/plain", text),
            (
                "message/delivery-status",
                _dsn_fields(o, "failed", "5.1.1", "550 5.1.1 User unknown", "relay.example.net"),
            ),
            _returned_part(o, whole=False),
        ],
    )


def exchange_2010_de(o: Original, name: str) -> bytes:
    head = (
        "From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@example.org>\n"
        f"To: {o.sender}\nSubject: Unzustellbar: {o.subject}\nMessage-ID: <{name}@corpus.test>\n"
        "Date: Wed, 16 Jan 2019 10:00:00 +0100\nAuto-Submitted: auto-replied\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="_000_ex2010de_"\n'
    )
    text = (
        "Die Zustellung an folgende Empfänger oder Gruppen ist fehlgeschlagen:\n\n"
        f"{o.recipient}\nDie eingegebene E-Mail-Adresse konnte nicht gefunden werden. Überprüfen "
        "Sie die E-Mail-Adresse des Empfängers, und versuchen Sie erneut, die Nachricht zu senden. "
        "Falls das Problem weiterhin besteht, wenden Sie sich an den Helpdesk.\n\n\n\n\n\n\n"
        "Diagnoseinformationen für Administratoren:\n\nGenerierender Server: EX01.example.org\n\n"
        f"{o.recipient}\n#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##\n\n"
        "Ursprüngliche Nachrichtenkopfzeilen:\n\n" + o.headers()
    )
    return _mime(
        head,
        "_000_ex2010de_",
        [
            ("text/plain; charset=utf-8", text),
            (
                "message/delivery-status",
                _dsn_fields(
                    o,
                    "failed",
                    "5.1.1",
                    "smtp;550 5.1.1 RESOLVER.ADR.RecipNotFound; not found",
                    "EX01.example.org",
                ),
            ),
            _returned_part(o, whole=True),
        ],
    )


def exchange_2010_en(o: Original, name: str) -> bytes:
    head = (
        "From: Microsoft Outlook <postmaster@example.org>\n"
        f"To: {o.sender}\nSubject: Undeliverable: {o.subject}\nMessage-ID: <{name}@corpus.test>\n"
        "Date: Wed, 16 Jan 2019 10:00:00 +0100\nMIME-Version: 1.0\nContent-Language: en-US\n"
    )
    # Exchange forwarded through a gateway that dropped the report structure: plain text only.
    body = (
        "Delivery has failed to these recipients or groups:\n\n"
        f"{o.recipient}\nThe e-mail address you entered couldn't be found. Please check the "
        "recipient's e-mail address and try to resend the message. If the problem continues, "
        "please contact your helpdesk.\n\n\n\n\n\n\nDiagnostic information for administrators:\n\n"
        f"Generating server: EX01.example.org\n\n{o.recipient}\n"
        "#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##\n\n"
        "Original message headers:\n\n" + o.headers()
    )
    return _plain(head, body)


def m365_en(o: Original, name: str) -> bytes:
    user, domain = o.recipient.split("@")
    head = (
        "From: postmaster@outlook.com\n"
        f"To: {o.sender}\nSubject: Undeliverable: {o.subject}\nMessage-ID: <{name}@corpus.test>\n"
        "Date: Wed, 16 Jan 2019 10:00:00 +0000\nAuto-Submitted: auto-replied\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="m365en"\n'
    )
    text = (
        f"Your message to {o.recipient} couldn't be delivered.\n"
        f"{user} wasn't found at {domain}.\n\n{o.sender.split('@')[0]}   Office 365   {user}\n"
        "Action Required                                   Recipient\n\n"
        "Unknown To address\n\nHow to Fix It\nThe address may be misspelled or may not exist. "
        "Try one or more of the following:\n\n\n\nDiagnostic information for administrators\n\n"
        f"Generating server: AM0PR04MB5409.eurprd04.prod.outlook.com\n{o.recipient}\n"
        "Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by "
        "SMTP address lookup'\n\nOriginal message headers:\n\n" + o.headers()
    )
    return _mime(
        head,
        "m365en",
        [
            ("text/plain; charset=utf-8", text),
            (
                "message/delivery-status",
                _dsn_fields(
                    o,
                    "failed",
                    "5.1.10",
                    "smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound",
                    "AM0PR04MB5409.eurprd04.prod.outlook.com",
                ),
            ),
            _returned_part(o, whole=False),
        ],
    )


def m365_de(o: Original, name: str) -> bytes:
    user, domain = o.recipient.split("@")
    head = (
        "From: Microsoft Outlook <postmaster@stadtverwaltung.onmicrosoft.com>\n"
        f"To: {o.sender}\nSubject: Unzustellbar: {o.subject}\nMessage-ID: <{name}@corpus.test>\n"
        "Date: Wed, 16 Jan 2019 10:00:00 +0000\nMIME-Version: 1.0\nContent-Language: de-DE\n"
    )
    body = (
        f"Ihre Nachricht an {o.recipient} konnte nicht zugestellt werden.\n"
        f"{user} wurde unter {domain} nicht gefunden.\n\n"
        "Aktion erforderlich                              Empfänger\n\nUnbekannte An-Adresse\n\n"
        "So beheben Sie das Problem\nDie Adresse ist möglicherweise falsch geschrieben oder "
        "existiert nicht.\n\nDiagnoseinformationen für Administratoren\n\n"
        f"Generierender Server: FR2P281MB0123.DEUP281.PROD.OUTLOOK.COM\n{o.recipient}\n"
        "Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found "
        "by SMTP address lookup'\n\nUrsprüngliche Nachrichtenkopfzeilen:\n\n" + o.headers()
    )
    return _plain(head, body)


def m365_delay_de(o: Original, name: str) -> bytes:
    head = (
        "From: Microsoft Outlook <postmaster@stadtverwaltung.onmicrosoft.com>\n"
        f"To: {o.sender}\nSubject: Zustellung verzögert: {o.subject}\nMessage-ID: <{name}@corpus.test>\n"
        "Date: Wed, 16 Jan 2019 14:00:00 +0000\nMIME-Version: 1.0\n"
    )
    body = (
        "Die Zustellung an folgende Empfänger oder Gruppen wurde verzögert:\n\n"
        f"{o.recipient}\n\nBetreff: {o.subject}\n\nDiese Nachricht wurde noch nicht zugestellt. "
        "Es wird weiterhin versucht, die Nachricht zuzustellen.\n\nDer Server wird noch 1 Tag(e), "
        "19 Stunde(n) und 52 Minute(n) versuchen, die Nachricht zuzustellen. Sie werden "
        "benachrichtigt, falls die Nachricht bis dahin nicht zugestellt werden kann.\n\n"
        "Diagnoseinformationen für Administratoren:\n\nGenerierender Server: EX01.example.org\n\n"
        "Ursprüngliche Nachrichtenkopfzeilen:\n\n" + o.headers()
    )
    return _plain(head, body)


def gmail_en(o: Original, name: str) -> bytes:
    head = (
        "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
        f"To: {o.sender}\nSubject: Delivery Status Notification (Failure)\n"
        f"Message-ID: <{name}@corpus.test>\nDate: Wed, 16 Jan 2019 01:00:00 -0800\n"
        "Auto-Submitted: auto-replied\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; boundary="000000000000gm"; report-type=delivery-status\n'
    )
    text = (
        "\n** Address not found **\n\n"
        f"Your message wasn't delivered to {o.recipient} because the address couldn't be found, or "
        "is unable to receive mail.\n\nLearn more here: https://support.google.com/mail/?p=NoSuchUser\n\n"
        "The response from the remote server was:\n"
        f"550 5.1.1 <{o.recipient}>: Recipient address rejected: User unknown\n"
    )
    return _mime(
        head,
        "000000000000gm",
        [
            ("text/plain; charset=UTF-8", text),
            (
                "message/delivery-status",
                _dsn_fields(o, "failed", "5.1.1", "smtp; 550 5.1.1 User unknown", "googlemail.com"),
            ),
            _returned_part(o, whole=True),
        ],
    )


def gmail_de(o: Original, name: str) -> bytes:
    head = (
        "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
        f"To: {o.sender}\nSubject: Delivery Status Notification (Failure)\n"
        f"Message-ID: <{name}@corpus.test>\nDate: Wed, 16 Jan 2019 01:00:00 -0800\n"
        "MIME-Version: 1.0\n"
    )
    # forwarded by a gateway as plain text: only the returned header block remains
    body = (
        "** Adresse nicht gefunden **\n\n"
        f"Ihre Nachricht wurde nicht an {o.recipient} zugestellt, weil die Adresse nicht gefunden "
        "wurde oder keine E-Mails empfangen kann.\n\nDie Antwort vom Remote-Server lautet:\n"
        f"550 5.1.1 <{o.recipient}>: Recipient address rejected: User unknown\n\n"
        "----- Original message -----\n\n" + o.headers()
    )
    return _plain(head, body)


def gmail_delay(o: Original, name: str) -> bytes:
    head = (
        "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
        f"To: {o.sender}\nSubject: Delivery Status Notification (Delay)\n"
        f"Message-ID: <{name}@corpus.test>\nDate: Wed, 16 Jan 2019 05:00:00 -0800\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/report; boundary="000000000000gd"; report-type=delivery-status\n'
    )
    text = (
        "\n** Message not delivered yet **\n\n"
        f"There was a temporary problem delivering your message to {o.recipient}. Gmail will retry "
        "for 47 more hours. You'll be notified if the delivery fails permanently.\n\n"
        "The response from the remote server was:\n451 4.3.0 Mailbox temporarily unavailable\n"
    )
    return _mime(
        head,
        "000000000000gd",
        [
            ("text/plain; charset=UTF-8", text),
            (
                "message/delivery-status",
                _dsn_fields(o, "delayed", "4.3.0", "smtp; 451 4.3.0", "googlemail.com"),
            ),
            _returned_part(o, whole=False),
        ],
    )


def gmx(o: Original, name: str, host: str = "gmx.net") -> bytes:
    head = (
        f"From: Mail Delivery System <mailer-daemon@{host}>\n"
        f"To: {o.sender}\nSubject: Mail delivery failed: returning message to sender\n"
        f"Message-ID: <{name}@corpus.test>\nDate: Wed, 16 Jan 2019 10:00:00 +0100\n"
        "MIME-Version: 1.0\n"
    )
    domain = o.recipient.split("@")[1]
    body = (
        "This message was created automatically by mail delivery software.\n\n"
        "A message that you sent could not be delivered to one or more of\n"
        "its recipients. This is a permanent error. The following address(es)\nfailed:\n\n"
        f"{o.recipient}:\nSMTP error from remote server for RCPT TO command, host: mx00.{domain} "
        f"(194.25.134.8) reason: 550 5.1.1 <{o.recipient}>: Recipient address rejected: User unknown\n\n"
        "--- The header of the original message is following. ---\n\n" + o.headers()
    )
    return _plain(head, body)


def webde(o: Original, name: str) -> bytes:
    return gmx(o, name, host="web.de")


def ionos(o: Original, name: str) -> bytes:
    return gmx(o, name, host="kundenserver.de")


def t_online(o: Original, name: str) -> bytes:
    head = (
        "From: Mail Delivery System <MAILER-DAEMON@mailout01.t-online.de>\n"
        f"To: {o.sender}\nSubject: Mail delivery failed: returning message to sender\n"
        f"Message-ID: <{name}@corpus.test>\nDate: Wed, 16 Jan 2019 10:00:00 +0100\n"
        "MIME-Version: 1.0\n"
    )
    body = (
        "|------------------------- Failed addresses follow: ---------------------|\n"
        f" <{o.recipient}> ... unknown user / Account inactive\n"
        "|------------------------- Message text follows: ------------------------|\n" + o.message()
    )
    return _plain(head, body)


BOUNCES: dict[str, Callable[[Original, str], bytes]] = {
    "postfix": postfix,
    "exim": exim,
    "qmail": qmail,
    "sendmail": sendmail,
    "exchange-2010-de": exchange_2010_de,
    "exchange-2010-en": exchange_2010_en,
    "m365-en": m365_en,
    "m365-de": m365_de,
    "gmail-en": gmail_en,
    "gmail-de": gmail_de,
    "gmx": gmx,
    "webde": webde,
    "ionos": ionos,
    "t-online": t_online,
}
DELAYS: dict[str, Callable[[Original, str], bytes]] = {
    "postfix-delay": postfix_delay,
    "exim-delay": exim_delay,
    "m365-delay-de": m365_delay_de,
    "gmail-delay": gmail_delay,
}


def failed_recipients_only(recipient: str, name: str, sender: str = "fremd@example.net") -> bytes:
    """A stranger's mail whose only claim is an ``X-Failed-Recipients:`` header."""
    head = (
        f"From: {sender}\nTo: anmeldung-vernetzung@stadt-muenster.de\nSubject: Hinweis\n"
        f"Message-ID: <{name}@corpus.test>\nDate: Wed, 16 Jan 2019 10:00:00 +0100\n"
        f"X-Failed-Recipients: {recipient}\nMIME-Version: 1.0\n"
    )
    return _plain(head, "Ich sage zu und komme mit 2 Personen.\n")


# -- the corpus hook -------------------------------------------------------------------------------


def report_cases(c: Corpus) -> list[Case]:
    """Reports that must change nobody's status in the shared corpus: every bounce layout
    without our Message-ID (a forgery naming a real invitee), delay notices for our real
    messages, and an ``X-Failed-Recipients:``-only mail from a stranger."""
    ours = c.settings.mail.from_address
    cases: list[Case] = []
    victim = c.inv("30")
    for layout, build in BOUNCES.items():
        name = f"report-forged-{layout}"
        raw = build(Original(ours, victim.email, None), name)
        cases.append(
            Case(name, "bounce", raw, "bounce", None, None, reason="keine unserer Nachrichten")
        )
    for layout, build in DELAYS.items():
        name = f"report-{layout}"
        raw = build(Original(ours, c.inv("29").email, c.mid("29")), name)
        tied = None if layout == "exim-delay" else "29"  # Exim's warning returns no headers
        cases.append(Case(name, "bounce", raw, "autoreply", tied, None, reason="verzögert"))
    name = "report-x-failed-recipients-only"
    cases.append(
        Case(name, "bounce", failed_recipients_only(victim.email, name), "bounce", None, None,
             reason="keine unserer Nachrichten")
    )  # fmt: skip
    return cases
