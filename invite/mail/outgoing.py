"""Outgoing messages: what an invitation, a reminder and an Anmeldebestätigung contain.

Each composer is called by ``invite.mail.delivery`` once per message with the invitee, the new
Message-ID and the date, and returns the finished ``MailMessage``. The steps decide *who* gets
*what*; this module only builds the message (template, attachments and their file names,
calendar entry). Used by `send` (invitations), `remind` (reminders) and
``invite.answering`` (confirmations after a Zusage).
"""

from __future__ import annotations

import datetime as dt

from invite.campaign import Campaign
from invite.core.codes import format_code
from invite.core.contacts import Invitee
from invite.core.message import (
    Attachment,
    CalendarEntries,
    EncodedPart,
    MailMessage,
    Recipient,
    calendar_uid,
    compose,
    encode_attachment,
)
from invite.errors import InviteError
from invite.templates import template_context

# Attachment names; they carry the organisation and event so a downloads folder stays clear.
FILE_NAMES = {
    "de": {"letter": "Einladung {org}.pdf", "programme": "Programm {event}.pdf",
           "form": "Anmeldeformular {code}.pdf", "calendar": "{event}.ics"},
    "en": {"letter": "Invitation {org}.pdf", "programme": "Programme {event}.pdf",
           "form": "Registration form {code}.pdf", "calendar": "{event}.ics"},
}  # fmt: skip


# -- composing -----------------------------------------------------------------------------


def file_name(kind: str, invitee: Invitee, campaign: Campaign) -> str:
    names = FILE_NAMES["en" if invitee.language == "en" else "de"]
    settings = campaign.settings
    return names[kind].format(
        org=settings.sender.organisation,
        event=settings.event.short_title,
        code=format_code(invitee.code),
    )


def recipient_of(invitee: Invitee) -> Recipient:
    return Recipient(invitee.full_name or invitee.organisation, invitee.email)


def read_pdf(path_kind: str, invitee: Invitee, campaign: Campaign) -> bytes:
    path = campaign.paths.letter(invitee) if path_kind == "letter" else campaign.paths.form(invitee)
    what = "Einladungsschreiben" if path_kind == "letter" else "Anmeldeformular"
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InviteError(
            f"{what} für Nr. {invitee.number} fehlt oder ist nicht lesbar ({path}: "
            f"{exc.strerror}). Bitte „invite letters“ ausführen.",
            exit_code=2,
        ) from None


def calendar_entries(campaign: Campaign, stamp: dt.datetime) -> CalendarEntries:
    """The event's .ics for this batch (one library build, a UID per invitee)."""
    settings = campaign.settings
    return CalendarEntries(
        settings.event,
        stamp=stamp,
        organizer=Recipient(settings.mail.from_name, settings.mail.reply_to),
        description=settings.event.title,
    )


def calendar_attachment(
    campaign: Campaign, invitee: Invitee, entries: CalendarEntries
) -> Attachment:
    settings = campaign.settings
    uid = calendar_uid(invitee.code, settings.event, settings.mail.from_address)
    return Attachment(
        file_name("calendar", invitee, campaign), entries.for_uid(uid), "text/calendar"
    )


class InvitationComposer:
    """Builds invitations; the programme is read and encoded once for the whole batch."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self._programme: dict[str, EncodedPart] = {}
        self.calendar = calendar_entries(campaign, dt.datetime.now(dt.UTC))

    def programme(self, invitee: Invitee) -> EncodedPart:
        name = file_name("programme", invitee, self.campaign)
        if name not in self._programme:
            path = self.campaign.paths.programme
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise InviteError(
                    f"Programm fehlt ({path}: {exc.strerror}). Bitte „invite letters“ ausführen.",
                    exit_code=2,
                ) from None
            self._programme[name] = encode_attachment(Attachment(name, data))
        return self._programme[name]

    def __call__(self, invitee: Invitee, message_id: str, date: dt.datetime) -> MailMessage:
        campaign = self.campaign
        settings = campaign.settings
        rendered = campaign.templates.render_mail(
            "email", invitee.language, template_context(settings, invitee)
        )
        attachments: list[Attachment | EncodedPart] = [
            Attachment(
                file_name("letter", invitee, campaign), read_pdf("letter", invitee, campaign)
            ),
            self.programme(invitee),
            Attachment(file_name("form", invitee, campaign), read_pdf("form", invitee, campaign)),
            calendar_attachment(campaign, invitee, self.calendar),
        ]
        return compose(
            settings.mail,
            recipient_of(invitee),
            rendered,
            message_id=message_id,
            date=date,
            attachments=attachments,
            language=invitee.language,
        )


class ConfirmationComposer:
    """Anmeldebestätigung with the calendar entry, as a reply to the invitee's answer."""

    def __init__(self, campaign: Campaign, answers: dict[str, tuple[int | None, str | None]]):
        self.campaign = campaign
        self.answers = answers  # invitee -> (persons, Message-ID of the answer mail)
        self.calendar = calendar_entries(campaign, dt.datetime.now(dt.UTC))

    def __call__(self, invitee: Invitee, message_id: str, date: dt.datetime) -> MailMessage:
        campaign = self.campaign
        settings = campaign.settings
        persons, in_reply_to = self.answers.get(invitee.number, (None, None))
        rendered = campaign.templates.render_mail(
            "confirmation", invitee.language, template_context(settings, invitee, persons=persons)
        )
        return compose(
            settings.mail,
            recipient_of(invitee),
            rendered,
            message_id=message_id,
            date=date,
            attachments=[calendar_attachment(campaign, invitee, self.calendar)],
            in_reply_to=in_reply_to,
            language=invitee.language,
        )


class ReminderComposer:
    """The reminder template, the code in the subject, the invitee's form attached again."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign

    def __call__(self, invitee: Invitee, message_id: str, date: dt.datetime) -> MailMessage:
        campaign = self.campaign
        settings = campaign.settings
        rendered = campaign.templates.render_mail(
            "reminder", invitee.language, template_context(settings, invitee)
        )
        if (
            invitee.code not in rendered.subject
            and format_code(invitee.code) not in rendered.subject
        ):
            rendered = type(rendered)(f"{rendered.subject} – {invitee.code}", rendered.body)
        form = Attachment(file_name("form", invitee, campaign), read_pdf("form", invitee, campaign))
        return compose(
            settings.mail,
            recipient_of(invitee),
            rendered,
            message_id=message_id,
            date=date,
            attachments=[form],
            language=invitee.language,
        )
