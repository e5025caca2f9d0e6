"""The storage API: old databases upgrade, newer ones are refused, the personal-data
declaration matches the tables."""

from __future__ import annotations

from pathlib import Path

import pytest
from crashkit import database_at

from invite.core.contacts import Invitee
from invite.errors import InviteError
from invite.store import (
    PERSONAL_DATA,
    PERSONAL_TABLES,
    SCHEMA_VERSION,
    Store,
    all_invitees,
    deliveries,
    fingerprint,
    inbox_messages,
    invitee_fingerprints,
    latest_answers,
    personal_row_counts,
    personal_values,
    review_decisions,
)

STAMP = "2019-01-11T08:15:00+00:00"
ADA = Invitee(
    number="1",
    salutation="Frau",
    first_name="Ada",
    last_name="Lovelace",
    street="Prinzipalmarkt 1",
    postcode="48143",
    city="Münster",
    email="ada@example.org",
    row=2,
)
V1_ROWS = [
    # invitees as version 1 knew them (no country), with the fingerprint it computed
    "INSERT INTO invitees (number, code, salutation, first_name, last_name, street, postcode, "
    "city, email, row, fingerprint, created_at, updated_at) VALUES ('1', 'K7Q2M9XA', 'Frau', "
    f"'Ada', 'Lovelace', 'Prinzipalmarkt 1', '48143', 'Münster', 'ada@example.org', 2, "
    f"'{fingerprint(ADA)}', '{STAMP}', '{STAMP}')",
    "INSERT INTO deliveries (invitee, kind, round, state, message_id, recipient, attempts, "
    f"created_at, updated_at, sent_at) VALUES ('1', 'invitation', 1, 'sent', '<m1@x>', "
    f"'ada@example.org', 1, '{STAMP}', '{STAMP}', '{STAMP}')",
    "INSERT INTO inbox_messages (content_hash, message_id, folder, sender, subject, kind, "
    f"invitee, reason, processed_at) VALUES ('h1', 'r1@x', 'INBOX', 'ada@example.org', 'Zusage', "
    f"'answer', '1', '', '{STAMP}')",
    "INSERT INTO answers (invitee, answer, persons, source, message, created_at) VALUES "
    f"('1', 'zusage', 2, 'antwort', 1, '{STAMP}')",
]


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
def test_an_database_at_opens_and_upgrades_keeping_its_data(tmp_path: Path, version: int) -> None:
    database_at(tmp_path, version, V1_ROWS)
    with Store.open(tmp_path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.secret() == bytes.fromhex("ab" * 32)  # codes stay valid
        (ada,) = all_invitees(store)
        assert (ada.code, ada.last_name, ada.country) == ("K7Q2M9XA", "Lovelace", "")
        # nothing to re-render: the fingerprint an old version stored still matches
        assert invitee_fingerprints(store) == {"1": fingerprint(ada)}
        assert [(d.state, d.recipient) for d in deliveries(store)] == [("sent", "ada@example.org")]
        (message,) = inbox_messages(store)
        assert (message.attachments, message.persons, message.move_to) == ("", None, None)
        answer = latest_answers(store)["1"]
        assert (answer.answer, answer.persons, answer.message) == ("zusage", 2, 1)
        assert review_decisions(store) == []
    with Store.open(tmp_path) as store:  # and opens again as it is
        assert store.schema_version == SCHEMA_VERSION


def test_a_database_from_a_newer_invite_is_refused(tmp_path: Path) -> None:
    database_at(tmp_path, SCHEMA_VERSION + 1, [])  # today's tables, a later version number
    with pytest.raises(InviteError, match="neueren Version") as caught:
        Store.open(tmp_path)
    assert caught.value.exit_code == 2


def test_every_declared_personal_column_exists(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        values = personal_values(store)  # selects each declared column: a typo would fail
        assert {t: set(c) for t, c in values.items()} == {
            t: set(c) for t, c in PERSONAL_DATA.items()
        }
        assert personal_row_counts(store) == dict.fromkeys(PERSONAL_TABLES, 0)
