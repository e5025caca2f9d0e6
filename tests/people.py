"""Invitees the PDF tests share: one Latin-script person with title, one Arabic name."""

from invite.core.contacts import Invitee

AYSE = Invitee(
    number="1",
    salutation="Frau",
    title="Dr.",
    first_name="Ayşe",
    last_name="Yılmaz",
    organisation="Türkisch-Deutscher Kulturverein Münster e.V.",
    street="Hammer Straße 112",
    postcode="48153",
    city="Münster",
    email="a.yilmaz@tdkv-muenster.example",
    code="K7Q2M9XA",
)
FATIMA = Invitee(
    number="20",
    salutation="Frau",
    first_name="فاطمة",
    last_name="حسن",
    organisation="Syrischer Kulturverein Münster",
    code="7TQX3M0R",
)
