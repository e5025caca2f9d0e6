"""Salutations and DIN 5008 address blocks for the people this city really writes to."""

import pytest

from invite.core.contacts import Invitee
from invite.core.salutation import address_block, recipient_line, salutation


def person(**kw: str) -> Invitee:
    return Invitee(number="1", **kw)


@pytest.mark.parametrize(
    ("invitee", "expected"),
    [
        (
            person(salutation="Frau", title="Dr.", first_name="Ayşe", last_name="Yılmaz"),
            "Sehr geehrte Frau Dr. Yılmaz,",
        ),
        (
            person(salutation="Herr", title="Prof. Dr.", first_name="Jan", last_name="Nowak"),
            "Sehr geehrter Herr Prof. Dr. Nowak,",
        ),
        (
            person(salutation="divers", first_name="Alex", last_name="Schmidt"),
            "Guten Tag Alex Schmidt,",
        ),
        (person(first_name="Sam", last_name="Okonkwo"), "Guten Tag Sam Okonkwo,"),
        (person(organisation="Eine-Welt-Forum Münster e.V."), "Sehr geehrte Damen und Herren,"),
        (person(salutation="Frau", organisation="Verein"), "Sehr geehrte Damen und Herren,"),
        (
            person(salutation="Herr", first_name="Ольга", last_name="Иванова"),
            "Sehr geehrter Herr Иванова,",
        ),
    ],
)
def test_german_salutations(invitee: Invitee, expected: str) -> None:
    assert salutation(invitee) == expected


@pytest.mark.parametrize(
    ("invitee", "expected"),
    [
        (person(salutation="Frau", first_name="Elena", last_name="Georgiou"), "Dear Ms Georgiou,"),
        (person(salutation="Herr", last_name="Mensah"), "Dear Mr Mensah,"),
        (person(salutation="Herr", title="Dr.", last_name="Mensah"), "Dear Dr. Mensah,"),
        (person(first_name="Sam", last_name="Okonkwo"), "Dear Sam Okonkwo,"),
        (person(organisation="Ghana Union"), "Dear Sir or Madam,"),
    ],
)
def test_english_salutations(invitee: Invitee, expected: str) -> None:
    assert salutation(invitee, "en") == expected


def test_address_block_person_with_organisation() -> None:
    inv = person(
        salutation="Herr",
        title="Prof. Dr.",
        first_name="Jan",
        last_name="Nowak",
        organisation="Polnische Katholische Mission",
        street="Bremer Platz 7",
        postcode="48155",
        city="Münster",
    )
    assert address_block(inv) == [
        "Polnische Katholische Mission",
        "Herrn Prof. Dr. Jan Nowak",
        "Bremer Platz 7",
        "48155 Münster",
    ]


def test_address_block_names_the_recipient_in_the_letters_language() -> None:
    common = dict(first_name="Kwame", last_name="Mensah", street="Gievenbecker Weg 15")
    english = address_block(person(salutation="Herr", language="en", **common))
    assert english[0] == "Mr Kwame Mensah"
    german = address_block(person(salutation="Herr", language="de", **common))
    assert german[0] == "Herrn Kwame Mensah"


def test_address_block_organisation_only_and_divers() -> None:
    org = person(
        organisation="Weltladen", street="Frauenstraße 12", postcode="48143", city="Münster"
    )
    assert address_block(org) == ["Weltladen", "Frauenstraße 12", "48143 Münster"]
    assert recipient_line(person(salutation="divers", first_name="Alex", last_name="Schmidt")) == (
        "Alex Schmidt"
    )
    assert recipient_line(person(salutation="Frau", last_name="Demir")) == "Frau Demir"
