"""`invite check`: is everything ready? Contacts, settings, templates and fonts, all at once."""

from __future__ import annotations

from dataclasses import dataclass, field

from invite.campaign import Campaign
from invite.core.contacts import Invitee
from invite.errors import InviteError, Problem
from invite.paper.window import address_problems
from invite.templates import LETTER_TEMPLATES, TEMPLATE_NAMES, template_context


@dataclass
class CheckReport:
    invitees: list[Invitee] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    notices: list[Problem] = field(default_factory=list)

    @property
    def by_channel(self) -> dict[str, int]:
        counts = {"email": 0, "post": 0, "both": 0}
        for inv in self.invitees:
            counts[inv.channel] += 1
        return counts


def run_check(campaign: Campaign, *, deliverability: bool = False) -> CheckReport:
    """Collect every problem; settings errors raise (exit 2), contact problems are listed (exit 1).

    Only with ``deliverability`` does anything leave the machine: DNS look-ups of the domains.
    """
    settings = campaign.settings
    contacts = campaign.read_contacts()
    report = CheckReport(contacts.invitees, list(contacts.errors), list(contacts.notices))
    file = str(campaign.contacts_file)
    languages = campaign.templates.languages()
    for inv in contacts.invitees:
        if inv.language not in languages:
            report.notices.append(
                Problem(
                    file,
                    f"Keine Vorlagen für Sprache „{inv.language}“ – es wird Deutsch verwendet.",
                    row=inv.row,
                    column="Sprache",
                )
            )
    # Render each template once per language with a real invitee: unknown placeholders show here.
    sample = contacts.invitees[0] if contacts.invitees else Invitee(number="1", last_name="Muster")
    sample = Invitee(**{**sample.__dict__, "code": "K7Q2M9XA"})
    for language in languages or ["de"]:
        probe = Invitee(**{**sample.__dict__, "language": language})
        context = template_context(settings, probe, persons=2)
        for name in TEMPLATE_NAMES:
            if name in LETTER_TEMPLATES:
                campaign.templates.render(name, language, context)
            else:
                campaign.templates.render_mail(name, language, context)
    _check_signature(campaign)
    for inv in contacts.invitees:  # the whole address must fit the envelope window
        for message in address_problems(settings, [inv]):
            report.errors.append(Problem(file, message, row=inv.row))
    if deliverability:
        report.errors.extend(_undeliverable(file, contacts.invitees))
    return report


def _undeliverable(file: str, invitees: list[Invitee]) -> list[Problem]:
    """Ask DNS whether each email domain accepts mail (MX or A record)."""
    from email_validator import EmailNotValidError, validate_email

    problems = []
    for inv in invitees:
        if not inv.email:
            continue
        try:
            validate_email(inv.email, check_deliverability=True)
        except EmailNotValidError as exc:
            problems.append(
                Problem(
                    file,
                    f"E-Mail-Adresse {inv.email} ist nicht zustellbar: "
                    f"{undeliverable_reason(exc, inv.email)}",
                    row=inv.row,
                    column="E-Mail",
                )
            )
    return problems


def undeliverable_reason(exc: Exception, address: str) -> str:
    """email-validator's English reason in German (staff never see the library's words)."""
    from email_validator import EmailSyntaxError

    domain = address.rpartition("@")[2]
    text = str(exc)
    if isinstance(exc, EmailSyntaxError):
        return "Die Adresse ist so nicht gültig (Schreibweise prüfen)."
    if "does not exist" in text:
        return f"Die Domain „{domain}“ gibt es laut DNS nicht (Tippfehler?)."
    if "does not accept email" in text:
        return f"Die Domain „{domain}“ nimmt laut DNS keine E-Mails an."
    if "does not send email" in text:
        return f"Die Domain „{domain}“ sendet und empfängt laut DNS keine E-Mails."
    return (
        f"Für die Domain „{domain}“ kam keine eindeutige Antwort aus dem DNS "
        "(Zeitüberschreitung oder keine Internetverbindung). Bitte später erneut prüfen."
    )


def _check_signature(campaign: Campaign) -> None:
    from PIL import Image, UnidentifiedImageError

    path = campaign.settings.letter.signature_image
    try:
        with Image.open(path) as img:
            img.verify()
    except (UnidentifiedImageError, OSError) as exc:
        raise InviteError(
            f"{campaign.settings.file}: Schlüssel „letter.signature_image“: „{path}“ ist kein "
            f"lesbares Bild ({exc}).",
            exit_code=2,
        ) from None
