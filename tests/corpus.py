"""A realistic corpus of replies to a campaign, built from the messages the tool really sent.

``build_corpus(campaign, state)`` renders every invitee's real letter and Anmeldeformular,
composes the real invitation e-mails (recorded as sent in the state's delivery ledger), and
answers them the ways people do: filled forms, forms printed and scanned (rotated, noisy,
JPEG, image-only PDF, TIFF fax), German and English text replies, one-click answers,
forwards, out-of-office notices, bounces, spoofing attempts and hostile or broken mail. Each
``Case`` says what ``invite poll`` must make of it.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.policy
import io
import random
from collections.abc import Sequence
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import SMTP
from email.utils import format_datetime, formataddr

import pypdfium2
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from pypdf import PdfReader, PdfWriter

from invite.campaign import Campaign
from invite.core import layout as L
from invite.core.codes import format_code
from invite.core.contacts import Invitee
from invite.core.message import Attachment, Recipient, compose, new_message_id
from invite.paper.form import FIELDS_TOP
from invite.paper.production import ensure_rendered
from invite.store import QueueItem, Store, mark_sent, queue_deliveries
from invite.templates import template_context

REVIEW = ("unclear", "unmatched", "rejected")
DATE = dt.datetime(2019, 1, 15, 10, 30, tzinfo=dt.UTC)
MB = 1024 * 1024


@dataclass(frozen=True)
class Case:
    """One message and what poll must decide about it."""

    name: str
    group: str  # form | scan | text-de | text-en | one-click | forward | spoof | autoreply | bounce | hostile | duplicate
    raw: bytes
    kind: str | tuple[str, ...]  # expected inbox kind(s)
    invitee: str | None = None  # expected invitee (None: tied to nobody)
    answer: str | None = None  # expected recorded answer from this message
    persons: int | None = None
    source: str | None = None
    reason: str = ""  # must appear in the stored reason (German)
    mid: str = ""  # the Message-ID when it is not ``<name@corpus.test>``

    @property
    def message_id(self) -> str:
        return self.mid or f"{self.name}@corpus.test"

    @property
    def kinds(self) -> tuple[str, ...]:
        return self.kind if isinstance(self.kind, tuple) else (self.kind,)


class Corpus:
    """Sends (on paper) the campaign's invitations and writes the answers."""

    def __init__(self, campaign: Campaign, state: Store, seed: int = 7) -> None:
        self.campaign = campaign
        self.settings = campaign.settings
        self.state = state
        self.invitees = {inv.number: inv for inv in campaign.sync(state, "send")}
        ensure_rendered(campaign, state, list(self.invitees.values()))
        self.sent: dict[str, EmailMessage] = {}
        self.sent_raw: dict[str, bytes] = {}
        self.rng = random.Random(seed)
        self._send_invitations()

    # -- the tool's own messages -----------------------------------------------------------

    def _send_invitations(self) -> None:
        items, messages = [], {}
        for inv in self.invitees.values():
            if not inv.email:
                continue
            ctx = template_context(self.settings, inv)
            rendered = self.campaign.templates.render_mail("email", inv.language, ctx)
            mid = new_message_id("invitation", self.settings.mail.from_address)
            msg = compose(
                self.settings.mail,
                Recipient(inv.display_name, inv.email),
                rendered,
                message_id=mid,
                date=DATE,
                attachments=[
                    Attachment(
                        f"Anmeldeformular {format_code(inv.code)}.pdf", self.form(inv.number)
                    )
                ],
            )
            # The composer returns wire bytes (``MailMessage``) or an EmailMessage.
            raw = msg.data if hasattr(msg, "data") else msg.as_bytes(policy=SMTP)
            self.sent_raw[inv.number] = raw
            messages[inv.number] = message_from_bytes(raw, policy=email.policy.default)
            items.append(QueueItem(inv.number, "invitation", 1, inv.email, mid))
        for delivery in queue_deliveries(self.state, items):
            mark_sent(self.state, delivery, "send")
        self.sent = messages

    def inv(self, nr: str) -> Invitee:
        return self.invitees[nr]

    def form(self, nr: str) -> bytes:
        return self.campaign.paths.form(self.inv(nr)).read_bytes()

    def mid(self, nr: str) -> str:
        return str(self.sent[nr]["Message-ID"])

    def body_of(self, nr: str) -> str:
        return self.sent[nr].get_body(("plain",)).get_content()

    # -- answers ---------------------------------------------------------------------------

    def filled_form(self, nr: str, **values: str) -> bytes:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(self.form(nr))))
        writer.update_page_form_field_values(writer.pages[0], values, auto_regenerate=False)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    def reply(
        self,
        name: str,
        nr: str | None,
        text: str,
        *,
        sender: str | None = None,
        subject: str | None = None,
        quote: str = "top",  # top | bottom | outlook | none
        threaded: bool = True,
        html: bool = False,
        attachments: Sequence[tuple[str, bytes, str]] = (),
        headers: dict[str, str] | None = None,
    ) -> bytes:
        """A reply as a mail program writes it (quoting the invitation of ``nr``)."""
        inv = self.inv(nr) if nr else None
        msg = EmailMessage()
        msg["From"] = sender or (
            formataddr((inv.display_name, inv.email)) if inv else "x@example.net"
        )
        msg["To"] = self.settings.mail.reply_to
        original = self.sent.get(nr or "")
        msg["Subject"] = (
            subject
            if subject is not None
            else f"AW: {original['Subject']}"
            if original
            else "Anmeldung"
        )
        msg["Date"] = format_datetime(DATE + dt.timedelta(days=1))
        msg["Message-ID"] = f"<{name}@corpus.test>"
        if original is not None and threaded:
            msg["In-Reply-To"] = str(original["Message-ID"])
            msg["References"] = str(original["Message-ID"])
        for key, value in (headers or {}).items():
            msg[key] = value
        body = text
        if original is not None and quote != "none":
            quoted = self.body_of(nr)  # type: ignore[arg-type]
            head = f"Am 15.01.2019 um 11:30 schrieb {self.settings.mail.from_name} <{self.settings.mail.from_address}>:"
            if quote == "top":
                body = f"{text}\n\n{head}\n" + "\n".join(
                    "> " + line for line in quoted.splitlines()
                )
            elif quote == "bottom":
                body = (
                    f"{head}\n"
                    + "\n".join("> " + line for line in quoted.splitlines())
                    + f"\n\n{text}\n"
                )
            elif quote == "outlook":
                body = (
                    f"{text}\n\n________________________________\nVon: {self.settings.mail.from_name}\n"
                    f"Gesendet: Dienstag, 15. Januar 2019 11:30\nAn: {inv.email if inv else ''}\n"
                    f"Betreff: {original['Subject']}\n\n{quoted}"
                )
        if html:
            paragraphs = "".join(f"<p>{line}</p>" for line in text.splitlines() if line)
            quoted_html = self.body_of(nr).replace("\n", "<br>") if original is not None else ""  # type: ignore[arg-type]
            msg.set_content(
                f"<html><body>{paragraphs}<div class=gmail_quote>Am 15.01.2019 schrieb Stadt Münster:"
                f"<blockquote>{quoted_html}</blockquote></div></body></html>",
                subtype="html",
            )
        else:
            msg.set_content(body)
        for filename, data, ctype in attachments:
            maintype, subtype = ctype.split("/")
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
        return msg.as_bytes(policy=SMTP)

    def one_click(self, name: str, nr: str, yes: bool) -> bytes:
        """What the mailto: answer link of the invitation produces."""
        inv = self.inv(nr)
        msg = EmailMessage()
        msg["From"] = formataddr((inv.display_name, inv.email))
        msg["To"] = self.settings.mail.reply_to
        msg["Subject"] = f"{'Zusage' if yes else 'Absage'} {inv.code}"
        msg["Message-ID"] = f"<{name}@corpus.test>"
        msg["Date"] = format_datetime(DATE + dt.timedelta(days=2))
        if yes:
            msg.set_content(
                f"Ich nehme teil. Anmeldecode: {format_code(inv.code)}\nAnzahl Personen: 1\n"
                f"Namen der Teilnehmenden: {inv.display_name}\n"
            )
        else:
            msg.set_content(
                f"Ich kann leider nicht teilnehmen. Anmeldecode: {format_code(inv.code)}\n"
            )
        return msg.as_bytes(policy=SMTP)

    # -- scans -----------------------------------------------------------------------------

    def scan_image(
        self,
        nr: str,
        *,
        tick: str | None = "ja",
        persons: str = "",
        angle: float = 2.0,
        dpi: int = 150,
    ) -> Image.Image:
        """The blank form printed, ticked by hand, scanned: rotated, blurred and noisy."""
        page = pypdfium2.PdfDocument(self.form(nr))[0]
        image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        if tick:
            px = dpi / 25.4
            row = FIELDS_TOP + 7 + (0 if tick == "ja" else 8)
            cx, cy = (L.MARGIN_LEFT + 2.5) * px, (row - 1.3) * px
            draw = ImageDraw.Draw(image)
            r = 2.2 * px
            draw.line((cx - r, cy - r, cx + r, cy + r), fill=20, width=max(2, int(0.6 * px)))
            draw.line((cx - r, cy + r, cx + r, cy - r), fill=20, width=max(2, int(0.6 * px)))
        if persons:
            px = dpi / 25.4
            font = ImageFont.load_default(size=int(6 * px))
            box_left, box_top = (L.MARGIN_LEFT + 48) * px, (FIELDS_TOP + 29 - 5) * px
            ImageDraw.Draw(image).text((box_left, box_top), persons, fill=30, font=font)
        image = image.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=255)
        image = image.filter(ImageFilter.GaussianBlur(0.6))
        noise = Image.effect_noise(image.size, 40).convert("L")
        return Image.blend(image, noise, 0.12)

    def scan_jpeg(self, nr: str, **kw: object) -> bytes:
        out = io.BytesIO()
        self.scan_image(nr, **kw).save(out, "JPEG", quality=50)  # type: ignore[arg-type]
        return out.getvalue()

    def scan_pdf(self, nr: str, **kw: object) -> bytes:
        out = io.BytesIO()
        self.scan_image(nr, **kw).convert("RGB").save(out, "PDF", resolution=150)  # type: ignore[arg-type]
        return out.getvalue()

    def scan_tiff(self, nr: str, **kw: object) -> bytes:
        out = io.BytesIO()
        fax = self.scan_image(nr, dpi=200, **kw).point(lambda v: 255 if v > 140 else 0).convert("1")  # type: ignore[arg-type]
        fax.save(out, "TIFF", compression="group4")
        return out.getvalue()


# -- the corpus ------------------------------------------------------------------------------


def build_corpus(campaign: Campaign, state: Store) -> list[Case]:
    """Every case, good ones interleaved with hostile ones (the next good reply must still be
    processed). Needs 42 invitees with e-mail addresses (``example_rows(42)``)."""
    c = Corpus(campaign, state)
    good = _good_cases(c) + __import__("corpus_replies").reply_cases(c)  # written replies
    hostile = _hostile_cases(c)
    good += __import__("corpus_reports").report_cases(c)  # server reports (corpus_reports.py)
    cases: list[Case] = []
    while good or hostile:
        if hostile:
            cases.append(hostile.pop(0))
        if good:
            cases.append(good.pop(0))
    return cases


PDF = "application/pdf"


def _good_cases(c: Corpus) -> list[Case]:
    cases: list[Case] = []
    add = cases.append
    inv = c.inv
    # Filled forms -------------------------------------------------------------------------
    add(Case("form-ja-2", "form", c.reply("form-ja-2", "1", "Anbei das ausgefüllte Anmeldeformular.",
        attachments=[("Anmeldeformular.pdf", c.filled_form("1", teilnahme="/ja", personen="2", namen="Ayşe Yılmaz, Olga Petrowa"), PDF)]),
        "answer", "1", "zusage", 2, "formular"))  # fmt: skip
    add(Case("form-nein", "form", c.reply("form-nein", "2", "Anbei das Formular zurück.",
        attachments=[("Anmeldeformular.pdf", c.filled_form("2", teilnahme="/nein", bemerkungen="Viel Erfolg!"), PDF)]),
        "answer", "2", "absage", None, "formular"))  # fmt: skip
    add(Case("form-secretary", "form", c.reply("form-secretary", "3", "Im Auftrag von Frau Wiśniewska sende ich Ihnen das Formular.",
        sender="Sekretariat <sekretariat@polnische-mission.example>", threaded=False, subject="Anmeldung Vernetzungstreffen",
        attachments=[("scan0001.pdf", c.filled_form("3", teilnahme="/ja", personen="1"), PDF)]),
        "answer", "3", "zusage", 1, "formular"))  # fmt: skip
    add(Case("form-blank", "form", c.reply("form-blank", "4", "Anbei das Formular.",
        attachments=[("Anmeldeformular.pdf", c.form("4"), PDF)]),
        "unclear", "4", "pruefen", None, "formular", "keine Teilnahme angekreuzt"))  # fmt: skip
    add(Case("form-and-text-disagree", "form", c.reply("form-and-text-disagree", "5", "Leider kann ich doch nicht teilnehmen.",
        attachments=[("Anmeldeformular.pdf", c.filled_form("5", teilnahme="/ja"), PDF)]),
        "unclear", "5", "pruefen", None, "formular", "Widersprüchliche Angaben"))  # fmt: skip
    add(Case("form-persons-unreadable", "form", c.reply("form-persons-unreadable", "6", "Bis bald!",
        attachments=[("Anmeldeformular.pdf", c.filled_form("6", teilnahme="/ja", personen="ein paar"), PDF)]),
        "unclear", "6", "pruefen", None, "formular", "nicht lesbar"))  # fmt: skip
    # Scans (printed, ticked by hand, scanned) ---------------------------------------------
    add(Case("scan-jpeg", "scan", c.reply("scan-jpeg", "7", "Anbei mein Formular als Foto.",
        attachments=[("IMG_2041.jpg", c.scan_jpeg("7"), "image/jpeg")]),
        "answer", "7", "zusage", 1, "qr"))  # fmt: skip
    add(Case("scan-pdf-unknown-sender", "scan", c.reply("scan-pdf-unknown-sender", "8", "Formular anbei.",
        sender="Poststelle <poststelle@verein.example>", threaded=False, subject="Scan",
        attachments=[("Scan_20190116.pdf", c.scan_pdf("8", tick="nein"), PDF)]),
        "answer", "8", "absage", None, "qr"))  # fmt: skip
    add(Case("scan-tiff-fax", "scan", c.reply("scan-tiff-fax", "9", "",
        sender="Fax-Server <fax@verein.example>", threaded=False, subject="Fax von 0251 123456",
        attachments=[("fax.tif", c.scan_tiff("9"), "image/tiff")]),
        "answer", "9", "zusage", 1, "qr"))  # fmt: skip
    add(Case("scan-no-tick", "scan", c.reply("scan-no-tick", "41", "Anbei.",
        attachments=[("scan.pdf", c.scan_pdf("41", tick=None), PDF)]),
        "unclear", "41", "pruefen", None, "qr", "nicht eindeutig"))  # fmt: skip
    add(Case("scan-persons-by-hand", "scan", c.reply("scan-persons-by-hand", "42", "Anbei.",
        attachments=[("scan.jpg", c.scan_jpeg("42", persons="3"), "image/jpeg")]),
        "unclear", "42", "pruefen", None, "qr", "von Hand"))  # fmt: skip
    add(Case("scan-with-text", "scan", c.reply("scan-with-text", "10", "Wir kommen gerne zu zweit, das Formular hängt an.",
        attachments=[("formular.jpg", c.scan_jpeg("10"), "image/jpeg")]),
        "answer", "10", "zusage", 2, "qr"))  # fmt: skip
    # German text replies ------------------------------------------------------------------
    add(Case("de-zu-zweit", "text-de", c.reply("de-zu-zweit", "11", "Sehr geehrte Damen und Herren,\n\nwir kommen gerne zu zweit.\n\nMit freundlichen Grüßen\nMinh Nguyễn"),
        "answer", "11", "zusage", 2, "code"))  # fmt: skip
    add(Case("de-leider-nicht", "text-de", c.reply("de-leider-nicht", "12", "Vielen Dank für die Einladung. Leider können wir nicht teilnehmen.\n\nViele Grüße\nEleni Papadopoulou"),
        "answer", "12", "absage", None, "code"))  # fmt: skip
    add(Case("de-bottom-post", "text-de", c.reply("de-bottom-post", "13", "Ich bin dabei!\n\nGruß\nDmitri", quote="bottom"),
        "answer", "13", "zusage", 1, "code"))  # fmt: skip
    add(Case("de-vielleicht", "text-de", c.reply("de-vielleicht", "14", "Vielleicht komme ich, ich melde mich nochmal."),
        "unclear", "14", "pruefen", None, "code", "Vielleicht komme ich"))  # fmt: skip
    add(Case("de-mit-3-personen", "text-de", c.reply("de-mit-3-personen", "15", "Hallo,\nwir nehmen mit 3 Personen teil.\nLG"),
        "answer", "15", "zusage", 3, "code"))  # fmt: skip
    add(Case("de-outlook", "text-de", c.reply("de-outlook", "16", "Ich nehme gerne teil.", quote="outlook"),
        "answer", "16", "zusage", 1, "code"))  # fmt: skip
    add(Case("de-html-only", "text-de", c.reply("de-html-only", "17", "Gerne nehme ich teil.", html=True),
        "answer", "17", "zusage", 1, "code"))  # fmt: skip
    add(Case("de-substitute", "text-de", c.reply("de-substitute", "18", "Ich kann leider nicht, aber meine Kollegin Frau Demir kommt."),
        "unclear", "18", "pruefen", None, "code", "Kollegin"))  # fmt: skip
    add(Case("de-thanks-only", "text-de", c.reply("de-thanks-only", "19", "Danke für die Einladung!"),
        "unclear", "19", "pruefen", None, "code", "Keine Zu- oder Absage"))  # fmt: skip
    add(Case("de-threading-only", "text-de", c.reply("de-threading-only", "20", "Ich komme.", sender="Büro <buero@unbekannt.example>", subject="Termin", quote="none"),
        "answer", "20", "zusage", 1, "antwort"))  # fmt: skip
    add(Case("de-sender-only", "text-de", c.reply("de-sender-only", "21", "Hallo, ich komme gerne zum Vernetzungstreffen am 31.1.", subject="Vernetzungstreffen", threaded=False, quote="none"),
        "answer", "21", "zusage", 1, "absender"))  # fmt: skip
    add(Case("de-wir-ohne-zahl", "text-de", c.reply("de-wir-ohne-zahl", "22", "Wir kommen gerne!"),
        "unclear", "22", "pruefen", None, "code", "Anzahl Personen unklar"))  # fmt: skip
    # English --------------------------------------------------------------------------------
    add(Case("en-unfortunately", "text-en", c.reply("en-unfortunately", "23", "Dear Sir or Madam,\n\nunfortunately I cannot attend.\n\nBest regards\nSam"),
        "answer", "23", "absage", None, "code"))  # fmt: skip
    add(Case("en-two-of-us", "text-en", c.reply("en-two-of-us", "24", "Thank you! I'd be happy to attend, the two of us will come.", quote="bottom"),
        "answer", "24", "zusage", 2, "code"))  # fmt: skip
    # One-click answers (the mailto: links of the invitation) --------------------------------
    add(
        Case(
            "click-zusage",
            "one-click",
            c.one_click("click-zusage", "25", yes=True),
            "answer",
            "25",
            "zusage",
            1,
            "code",
        )
    )
    add(
        Case(
            "click-absage",
            "one-click",
            c.one_click("click-absage", "26", yes=False),
            "answer",
            "26",
            "absage",
            None,
            "code",
        )
    )
    add(
        Case(
            "click-zusage-then",
            "one-click",
            c.one_click("click-zusage-then", "27", yes=True),
            "answer",
            "27",
            "zusage",
            1,
            "code",
        )
    )
    add(
        Case(
            "click-absage-later",
            "one-click",
            c.one_click("click-absage-later", "27", yes=False),
            "answer",
            "27",
            "absage",
            None,
            "code",
        )
    )
    # Forwards and spoofing --------------------------------------------------------------------
    fwd = EmailMessage()
    fwd["From"] = f"{inv('28').display_name} <{inv('28').email}>"
    fwd["To"] = c.settings.mail.reply_to
    fwd["Subject"] = "WG: Anmeldung"
    fwd["Message-ID"] = "<forward-colleague-form@corpus.test>"
    fwd.set_content("Hallo, anbei die Anmeldung meiner Kollegin.\n")
    fwd.add_attachment(
        c.filled_form("29", teilnahme="/ja", personen="1"),
        maintype="application",
        subtype="pdf",
        filename="Anmeldeformular.pdf",
    )
    add(
        Case(
            "forward-colleague-form",
            "forward",
            fwd.as_bytes(policy=SMTP),
            "unmatched",
            None,
            None,
            reason="verschiedene Personen",
        )
    )
    outer = EmailMessage()
    outer["From"] = f"{inv('30').display_name} <{inv('30').email}>"
    outer["To"] = c.settings.mail.reply_to
    outer["Subject"] = f"WG: {c.sent['31']['Subject']}"
    outer["Message-ID"] = "<forward-as-attachment@corpus.test>"
    outer.set_content("Zur Info, ich komme gerne mit.")
    outer.add_attachment(c.sent["31"])
    add(
        Case(
            "forward-as-attachment",
            "forward",
            outer.as_bytes(policy=SMTP),
            "unmatched",
            None,
            None,
            reason="verschiedene Personen",
        )
    )
    add(Case("spoof-thread-vs-sender", "spoof", c.reply("spoof-thread-vs-sender", "32", "Ich komme.", sender=f"x <{inv('33').email}>", subject="Re: Termin", quote="none"),
        "unmatched", None, None, reason="verschiedene Personen"))  # fmt: skip
    add(Case("spoof-guessed-code", "spoof", c.reply("spoof-guessed-code", None, "Ich nehme teil.", sender="angreifer@example.net", subject="Zusage ZZZZ9999"),
        "unmatched", None, None, reason="Kein Hinweis"))  # fmt: skip
    tampered = c.filled_form("34", teilnahme="/ja", code="ZZZZ9999")
    add(Case("spoof-form-code-changed", "spoof", c.reply("spoof-form-code-changed", "34", "Anbei.", attachments=[("Anmeldeformular.pdf", tampered, PDF)]),
        "unmatched", None, None, reason="gibt"))  # fmt: skip
    other = c.filled_form("35", teilnahme="/ja", code=inv("36").code)
    add(Case("spoof-form-code-of-other", "spoof", c.reply("spoof-form-code-of-other", "35", "Anbei.", sender="anon@example.net", threaded=False, subject="Formular", quote="none",
        attachments=[("Anmeldeformular.pdf", other, PDF)]), "unmatched", None, None, reason="verschiedene Personen"))  # fmt: skip
    # Auto-replies ------------------------------------------------------------------------------
    add(Case("ooo-auto-submitted", "autoreply", c.reply("ooo-auto-submitted", "37", "Ich bin bis 28.1. nicht im Büro. Ich komme am 29.1. wieder.",
        subject=f"Abwesenheitsnotiz: {c.sent['37']['Subject']}", quote="none", headers={"Auto-Submitted": "auto-replied"}),
        "autoreply", "37", None, reason="Auto-Submitted"))  # fmt: skip
    add(Case("ooo-subject-only", "autoreply", c.reply("ooo-subject-only", "38", "I am out of the office and will attend to your mail later.",
        subject="Automatic reply: Invitation", quote="none"), "autoreply", "38", None, reason="Betreff"))  # fmt: skip
    add(Case("ooo-x-autoreply", "autoreply", c.reply("ooo-x-autoreply", "39", "Vielen Dank für Ihre Nachricht. Ich bin im Urlaub.",
        subject="Re: Einladung", quote="none", headers={"X-Autoreply": "yes"}), "autoreply", "39", None, reason="X-Autoreply"))  # fmt: skip
    add(
        Case(
            "own-message-copy",
            "autoreply",
            c.sent_raw["40"],
            "autoreply",
            None,
            None,
            reason="Eigene Nachricht",
            mid=c.mid("40").strip("<>"),
        )
    )
    # Bounces -----------------------------------------------------------------------------------
    dsn = _dsn(
        c,
        "bounce-dsn",
        "36",
        "550 5.1.1 <{addr}>: Recipient address rejected: User unknown",
        "failed",
    )
    add(Case("bounce-dsn", "bounce", dsn, "bounce", "36", "unzustellbar", source="antwort"))
    add(
        Case(
            "bounce-exim",
            "bounce",
            _exim_bounce(c, "35"),
            "bounce",
            "35",
            "unzustellbar",
            source="antwort",  # tied by our Message-ID in the returned header block
        )
    )
    delayed = _dsn(c, "bounce-delayed", "34", "450 4.2.0 mailbox busy", "delayed")
    add(Case("bounce-delayed", "bounce", delayed, "autoreply", "34", None, reason="verzögert"))
    unknown = _dsn(
        c,
        "bounce-unknown-recipient",
        None,
        "550 5.1.1 user unknown",
        "failed",
        address="niemand@example.org",
    )
    add(
        Case(
            "bounce-unknown-recipient", "bounce", unknown, "bounce", None, None, reason="Rückläufer"
        )
    )
    return cases


def _dsn(
    c: Corpus, name: str, nr: str | None, diagnostic: str, action: str, address: str = ""
) -> bytes:
    """An RFC 3464 delivery status notification as Postfix writes it, with original headers."""
    addr = address or c.inv(nr).email  # type: ignore[arg-type]
    diagnostic = diagnostic.format(addr=addr)
    original = c.mid(nr) if nr else "<invite.invitation.000000@stadt-muenster.de>"
    subject = (
        "Undelivered Mail Returned to Sender"
        if action == "failed"
        else "Delayed Mail (still being retried)"
    )
    status = "5.1.1" if action == "failed" else "4.2.0"
    text = f"""From: MAILER-DAEMON@mx.example.org (Mail Delivery System)
To: {c.settings.mail.from_address}
Subject: {subject}
Message-ID: <{name}@corpus.test>
Date: Wed, 16 Jan 2019 10:00:00 +0100
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="DSN"

--DSN
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.org.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<{addr}>: {diagnostic}

--DSN
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org
Arrival-Date: Wed, 16 Jan 2019 09:59:58 +0100

Final-Recipient: rfc822; {addr}
Original-Recipient: rfc822;{addr}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; {diagnostic}

--DSN
Content-Type: text/rfc822-headers

From: {c.settings.mail.from_address}
To: {addr}
Subject: Einladung
Message-ID: {original}

--DSN--
"""
    return text.replace("\n", "\r\n").encode()


def _exim_bounce(c: Corpus, nr: str) -> bytes:
    """A non-DSN bounce as Exim writes it (X-Failed-Recipients, plain text)."""
    addr = c.inv(nr).email
    msg = EmailMessage()
    msg["From"] = "Mail Delivery System <Mailer-Daemon@mail.example.org>"
    msg["To"] = c.settings.mail.from_address
    msg["Subject"] = "Mail delivery failed: returning message to sender"
    msg["Message-ID"] = "<bounce-exim@corpus.test>"
    msg["X-Failed-Recipients"] = addr
    msg["Auto-Submitted"] = "auto-replied"
    msg.set_content(
        "This message was created automatically by mail delivery software.\n\n"
        "A message that you sent could not be delivered to one or more of its\n"
        "recipients. This is a permanent error. The following address(es) failed:\n\n"
        f"  {addr}\n    SMTP error from remote mail server after RCPT TO:<{addr}>:\n"
        "    550 5.1.1 User unknown\n\n------ This is a copy of the message, including all the headers. ------\n\n"
        f"Message-ID: {c.mid(nr)}\nSubject: Einladung\n\nSehr geehrte Damen und Herren,\n"
    )
    return msg.as_bytes(policy=SMTP)


# -- hostile and broken mail -------------------------------------------------------------------


def _raw(name: str, headers: str, body: bytes | str, sender: str = "fremd@example.net") -> bytes:
    """A message built by hand, byte for byte (the email package would repair the damage)."""
    head = (
        f"From: {sender}\r\nTo: anmeldung-vernetzung@stadt-muenster.de\r\nSubject: {name}\r\n"
        f"Message-ID: <{name}@corpus.test>\r\nDate: Wed, 16 Jan 2019 10:00:00 +0100\r\nMIME-Version: 1.0\r\n"
    )
    data = body.encode() if isinstance(body, str) else body
    return (head + headers).encode() + b"\r\n" + data


def _multipart(
    name: str, parts: Sequence[tuple[str, bytes]], sender: str = "fremd@example.net"
) -> bytes:
    """multipart/mixed with raw (headers, body) parts."""
    chunks = [b"--B\r\n" + h.encode() + b"\r\n\r\n" + body + b"\r\n" for h, body in parts]
    return _raw(
        name,
        'Content-Type: multipart/mixed; boundary="B"\r\n',
        b"".join(chunks) + b"--B--\r\n",
        sender,
    )


def _pdf_part(filename: str, data: bytes) -> tuple[str, bytes]:
    headers = f'Content-Type: application/pdf; name="{filename}"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="{filename}"'
    return headers, base64.encodebytes(data)


def _file_part(filename: str, ctype: str, data: bytes) -> tuple[str, bytes]:
    headers = f'Content-Type: {ctype}; name="{filename}"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="{filename}"'
    return headers, base64.encodebytes(data)


TEXT = ("Content-Type: text/plain; charset=utf-8", b"Anbei meine Unterlagen.")


def _encrypted_pdf(data: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password="geheim", owner_password="geheim", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _looping_pdf() -> bytes:
    """A page tree whose Kids point back at itself."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length 8 >>\nstream\nq Q q Q \nendstream",
    ]
    return _pdf_from(objects)


def _pdf_from(objects: Sequence[bytes], trailer_extra: bytes = b"") -> bytes:
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, trailer_extra, xref)
    )
    return out.getvalue()


def _pdf_bomb() -> bytes:
    """A 10 MB Flate stream that inflates to 1 GB of page content, on a 200-inch page."""
    import zlib

    compressor = zlib.compressobj(9)
    chunk = b"0 0 m 1 1 l S\n" * 70_000  # ~1 MB
    stream = b"".join(compressor.compress(chunk) for _ in range(1000)) + compressor.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400 14400] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    return _pdf_from(objects)


def _many_pages_pdf(count: int) -> bytes:
    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("1", (width, height), 1).save(out, "PNG")
    return out.getvalue()


def _hostile_cases(c: Corpus) -> list[Case]:
    cases: list[Case] = []

    def add(
        name: str,
        raw: bytes,
        reason: str,
        kind: str | tuple[str, ...] = REVIEW,
        invitee: str | None = None,
    ) -> None:
        cases.append(
            Case(name, "hostile", raw, kind, invitee, "pruefen" if invitee else None, reason=reason)
        )

    nested = b"Hallo\r\n"
    for depth in range(60):
        nested = (
            b'Content-Type: multipart/mixed; boundary="n%d"\r\n\r\n--n%d\r\n' % (depth, depth)
            + nested
            + b"\r\n--n%d--\r\n" % depth
        )
    add(
        "h-deep-nesting", _raw("h-deep-nesting", "", b"")[:-2] + nested, "verschachtelt", "rejected"
    )
    add(
        "h-10000-parts",
        _multipart("h-10000-parts", [TEXT] * 10_000),
        "zu viele MIME-Teile",
        "rejected",
    )
    add("h-300-parts", _multipart("h-300-parts", [TEXT] * 300), "zu viele MIME-Teile", "rejected")
    add(
        "h-invalid-base64-text",
        _raw(
            "h-invalid-base64-text",
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n",
            b"SGFsbG8gV2VsdA=!!*?**==\r\n%%%\r\n",
        ),
        "Base64",
    )
    add(
        "h-invalid-base64-pdf",
        _multipart(
            "h-invalid-base64-pdf",
            [
                TEXT,
                (
                    'Content-Type: application/pdf; name="f.pdf"\r\nContent-Transfer-Encoding: base64',
                    b"JVBERi0xLjcK!!!!@@@@####\r\n",
                ),
            ],
        ),
        "Base64",
    )
    add(
        "h-unknown-charset",
        _raw(
            "h-unknown-charset",
            "Content-Type: text/plain; charset=x-klingon-42\r\n",
            b"Wir kommen",
        ),
        "Zeichensatz",
    )
    add(
        "h-bytes-codec-charset",
        _raw(
            "h-bytes-codec-charset",
            "Content-Type: text/plain; charset=zlib_codec\r\n",
            b"x\x9c\x01",
        ),
        "Zeichensatz",
    )
    add(
        "h-1mb-header-line",
        _raw("h-1mb-header-line", "X-Junk: " + "A" * MB + "\r\n", "Hallo"),
        "Kopfzeile",
        "rejected",
    )
    add(
        "h-huge-header-block",
        _raw(
            "h-huge-header-block",
            "".join(
                f"Received: from relay{i}.example.net by mx.example.net; Wed, 16 Jan 2019\r\n"
                for i in range(6000)
            ),
            "Hallo",
        ),
        "Nachrichtenkopf",
        "rejected",
    )
    big = _multipart(
        "h-30mb-attachment", [TEXT, _file_part("video.mp4", "video/mp4", b"\0" * (30 * MB))]
    )
    add("h-30mb-attachment", big, "zu groß", "rejected")
    add(
        "h-20mb-attachment",
        _multipart(
            "h-20mb-attachment", [TEXT, _pdf_part("riesig.pdf", b"%PDF-1.4\n" + b"0" * (20 * MB))]
        ),
        "zu groß",
    )
    add(
        "h-encrypted-pdf",
        _multipart(
            "h-encrypted-pdf",
            [
                TEXT,
                _pdf_part(
                    "Anmeldeformular.pdf", _encrypted_pdf(c.filled_form("28", teilnahme="/ja"))
                ),
            ],
        ),
        "Passwort",
    )
    add("h-encrypted-pdf-from-invitee", c.reply("h-encrypted-pdf-from-invitee", "39", "Anbei das Formular (verschlüsselt).", quote="none",
        attachments=[("Anmeldeformular.pdf", _encrypted_pdf(c.filled_form("39", teilnahme="/ja")), PDF)]), "Passwort", "unclear", "39")  # fmt: skip
    add(
        "h-looping-pdf",
        _multipart("h-looping-pdf", [TEXT, _pdf_part("loop.pdf", _looping_pdf())]),
        "",
    )
    add("h-pdf-bomb", _multipart("h-pdf-bomb", [TEXT, _pdf_part("bombe.pdf", _pdf_bomb())]), "")
    add(
        "h-garbage-pdf",
        _multipart(
            "h-garbage-pdf",
            [TEXT, _pdf_part("formular.pdf", bytes(random.Random(1).randbytes(50_000)))],
        ),
        "beschädigt",
    )
    add(
        "h-truncated-pdf",
        _multipart("h-truncated-pdf", [TEXT, _pdf_part("formular.pdf", c.form("33")[:1500])]),
        "",
    )
    add(
        "h-5000-pages-pdf",
        _multipart("h-5000-pages-pdf", [TEXT, _pdf_part("buch.pdf", _many_pages_pdf(5000))]),
        "Kein Hinweis",
    )
    add(
        "h-heic-photo",
        _multipart(
            "h-heic-photo",
            [TEXT, _file_part("IMG_0001.HEIC", "image/heic", b"\0\0\0\x18ftypheic" + b"\0" * 5000)],
        ),
        "HEIC",
    )
    add(
        "h-winmail-dat",
        _multipart(
            "h-winmail-dat",
            [
                TEXT,
                _file_part(
                    "winmail.dat", "application/ms-tnef", b"\x78\x9f\x3e\x22" + b"\0" * 3000
                ),
            ],
        ),
        "winmail.dat",
    )
    add(
        "h-zip",
        _multipart(
            "h-zip",
            [TEXT, _file_part("formulare.zip", "application/zip", b"PK\x03\x04" + b"\0" * 3000)],
        ),
        "Archiv",
    )
    add(
        "h-docx",
        _multipart(
            "h-docx",
            [
                TEXT,
                _file_part(
                    "Anmeldung.docx",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    b"PK\x03\x04" + b"\0" * 300,
                ),
            ],
        ),
        "Textdokument",
    )
    inner = MIMEMessage(
        MIMEMessage(MIMEText("Tief verschachtelte Weiterleitung.", "plain", "utf-8"))
    )
    outer = MIMEMultipart()
    outer.attach(MIMEText("Siehe Anhang.", "plain", "utf-8"))
    outer.attach(inner)
    add(
        "h-rfc822-in-rfc822",
        _raw(
            "h-rfc822-in-rfc822",
            f'Content-Type: multipart/mixed; boundary="{outer.get_boundary()}"\r\n',
            outer.as_bytes().split(b"\n\n", 1)[1],
        ),
        "Kein Hinweis",
    )
    add(
        "h-html-only-script",
        _raw(
            "h-html-only-script",
            "Content-Type: text/html; charset=utf-8\r\n",
            "<html><script>alert(1)</script><style>p{}</style><p>Hallo</p></html>",
        ),
        "Kein Hinweis",
    )
    add(
        "h-no-text-at-all",
        _raw("h-no-text-at-all", "Content-Type: text/plain\r\n", b""),
        "Kein Hinweis",
    )
    add("h-no-body-no-type", _raw("h-no-body-no-type", "", b""), "Kein Hinweis")
    add(
        "h-png-bomb",
        _multipart("h-png-bomb", [TEXT, _file_part("scan.png", "image/png", _png(20_000, 20_000))]),
        "Speicher",
    )
    add(
        "h-corrupt-jpeg",
        _multipart(
            "h-corrupt-jpeg",
            [
                TEXT,
                _file_part(
                    "scan.jpg",
                    "image/jpeg",
                    b"\xff\xd8\xff\xe0" + bytes(random.Random(2).randbytes(20_000)),
                ),
            ],
        ),
        "beschädigt",
    )
    add(
        "h-unclosed-boundary",
        _raw(
            "h-unclosed-boundary",
            'Content-Type: multipart/mixed; boundary="B"\r\n',
            b"--B\r\nContent-Type: text/plain\r\n\r\nHallo\r\n--B\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 garbage",
        ),
        "",
    )
    add(
        "h-multipart-no-boundary",
        _raw(
            "h-multipart-no-boundary",
            "Content-Type: multipart/mixed\r\n",
            b"--X\r\nContent-Type: text/plain\r\n\r\nHallo\r\n--X--\r\n",
        ),
        "Kein Hinweis",
    )
    add(
        "h-bad-quoted-printable",
        _raw(
            "h-bad-quoted-printable",
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n",
            b"Hallo =ZZ =\r\n=F\r\n=C3",
        ),
        "Kein Hinweis",
    )
    add(
        "h-nul-bytes",
        _raw(
            "h-nul-bytes",
            "Content-Type: text/plain; charset=utf-8\r\n",
            b"Ich\x00 komme\x00\x00 " * 1000,
        ),
        "Kein Hinweis",
    )
    add(
        "h-bidi-control-headers",
        _raw(
            "h-bidi-control-headers", "", "Text", sender="\u202eredna\u202c <x\x07@example.net>"
        ).replace(
            b"Subject: h-bidi-control-headers",
            b"Subject: =?utf-8?b?4oCuZWdhc3Va?= \x01\x02",
        ),
        "Kein Hinweis",
    )
    add(
        "h-malformed-from",
        _raw("h-malformed-from", "", "Hallo", sender="<<<@@@>>>,,;;"),
        "Kein Hinweis",
    )
    add(
        "h-unknown-charset-subject",
        _raw("h-unknown-charset-subject", "", "Hallo").replace(
            b"Subject: h-unknown-charset-subject", b"Subject: =?x-unknown?B?SGFsbG8=?="
        ),
        "Kein Hinweis",
    )
    add(
        "h-5mb-single-line",
        _raw("h-5mb-single-line", "Content-Type: text/plain\r\n", b"ja " * (5 * MB // 3)),
        "Kein Hinweis",
    )
    add(
        "h-regex-bait",
        _raw(
            "h-regex-bait",
            "Content-Type: text/plain; charset=utf-8\r\n",
            (
                "Am " + "a " * 20000 + "\n" + "Von: x\n" * 3000 + "> " * 30000 + "\nkomme " * 2000
            ).encode(),
        ),
        "",
    )
    add(
        "h-eleven-attachments",
        _multipart(
            "h-eleven-attachments",
            [TEXT] + [_pdf_part(f"f{i}.pdf", b"%PDF-1.4 kaputt") for i in range(11)],
        ),
        "nur die ersten 10",
    )
    add(
        "h-octet-stream-pdf",
        _multipart(
            "h-octet-stream-pdf",
            [
                TEXT,
                _file_part("formular.pdf", "application/octet-stream", b"Das ist kein PDF" * 100),
            ],
        ),
        "beschädigt",
    )
    add(
        "h-message-partial",
        _raw(
            "h-message-partial",
            'Content-Type: message/partial; id="abc"; number=1; total=3\r\n',
            b"Subject: Teil 1\r\n\r\nxx",
        ),
        "Kein Hinweis",
    )
    add(
        "h-utf16-body",
        _raw(
            "h-utf16-body",
            "Content-Type: text/plain; charset=utf-16\r\n",
            "Hallo zusammen".encode("utf-16"),
        ),
        "Kein Hinweis",
    )
    add(
        "h-10mb-text-part",
        _raw(
            "h-10mb-text-part",
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n",
            base64.encodebytes(b"Hallo Welt. " * (10 * MB // 12)),
        ),
        "Kein Hinweis",
    )
    add("h-smime-garbage", _raw("h-smime-garbage", 'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; boundary="S"\r\n',
        b"--S\r\nContent-Type: text/plain\r\n\r\nHallo\r\n--S\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!\r\n--S--\r\n"), "Kein Hinweis")  # fmt: skip
    add(
        "h-tiff-bomb",
        _multipart(
            "h-tiff-bomb", [TEXT, _file_part("fax.tif", "image/tiff", _tiff(24_000, 24_000))]
        ),
        "Speicher",
    )
    add("h-pdf-javascript", _multipart("h-pdf-javascript", [TEXT, _pdf_part("aktion.pdf", _pdf_from([
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]))]), "Kein Hinweis")  # fmt: skip
    return cases


def _tiff(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("1", (width, height), 1).save(out, "TIFF", compression="group4")
    return out.getvalue()


def duplicate_of(case: Case) -> bytes:
    """The same message delivered once more (another copy, same bytes)."""
    return case.raw
