"""The pure status rules: one status per invitee, the overview's numbers, staff edits."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from invite.core.contacts import Invitee
from invite.core.rsvp import (
    Answer,
    DeliveryFact,
    EditableCells,
    Facts,
    FoundCells,
    Note,
    Printed,
    deadline_text,
    interpret_edits,
    local_time,
    overview,
    parse_persons,
    status_row,
    status_rows,
)

T0 = dt.datetime(2019, 1, 11, 9, 15)
LATER = dt.datetime(2019, 1, 14, 17, 45)


def inv(number: str = "1", channel: str = "email") -> Invitee:
    return Invitee(
        number,
        first_name="Ayşe",
        last_name="Yılmaz",
        organisation="Kulturverein",
        email="a@example.org",
        channel=channel,
        code="K7Q2M9XA",
    )


def answer(kind: str, **kwargs: object) -> Answer:
    values: dict = {"id": 1, "answer": kind, "source": "formular", "at": LATER, **kwargs}
    return Answer(**values)


SENT = DeliveryFact("invitation", "sent", T0)


@pytest.mark.parametrize(
    ("facts", "status"),
    [
        (Facts(inv()), "nicht versendet"),
        (Facts(inv(), (DeliveryFact("invitation", "queued"),)), "nicht versendet"),
        (Facts(inv(), (SENT,)), "offen"),
        (Facts(inv(channel="post"), printed=(Printed("invitation", T0),)), "offen"),
        (Facts(inv(), (SENT,), answer=answer("zusage", persons=2)), "zugesagt"),
        (Facts(inv(), (SENT,), answer=answer("absage")), "abgesagt"),
        (Facts(inv(), (SENT,), answer=answer("unzustellbar")), "unzustellbar"),
        (Facts(inv(), (SENT,), answer=answer("pruefen")), "prüfen"),
        (Facts(inv(), (DeliveryFact("invitation", "unknown", None, "abgebrochen"),)), "prüfen"),
        (Facts(inv(), (SENT,), review_times=(LATER,)), "prüfen"),
        # a message to review that came after the answer wins; one before it does not
        (
            Facts(inv(), (SENT,), answer=answer("zusage"), review_times=(LATER + dt.timedelta(1),)),
            "prüfen",
        ),
        (Facts(inv(), (SENT,), answer=answer("zusage"), review_times=(T0,)), "zugesagt"),
    ],
)
def test_status_follows_from_the_facts(facts: Facts, status: str) -> None:
    assert status_row(facts).status == status


def test_sent_date_is_the_first_of_mail_and_print_and_reminder_the_last() -> None:
    row = status_row(
        Facts(
            inv(channel="both"),
            (
                DeliveryFact("invitation", "sent", T0 + dt.timedelta(hours=2)),
                DeliveryFact("reminder", "sent", LATER),
                DeliveryFact("reminder", "failed", None, "550"),
            ),
            printed=(Printed("invitation", T0), Printed("reminder", T0 + dt.timedelta(days=1))),
        )
    )
    assert row.sent_at == T0
    assert row.reminded_at == LATER
    assert row.channel == "E-Mail und Post"


def test_failed_mail_is_not_sent_and_says_why() -> None:
    row = status_row(Facts(inv(), (DeliveryFact("invitation", "failed", None, "550 unbekannt"),)))
    assert row.status == "nicht versendet"
    assert row.hint == "E-Mail nicht versandt: 550 unbekannt"


def test_persons_and_participants_only_for_a_zusage() -> None:
    yes = status_row(Facts(inv(), answer=answer("zusage", persons=3, participants="A, B")))
    no = status_row(Facts(inv(), answer=answer("absage", persons=3, participants="A, B")))
    assert (yes.persons, yes.participants) == (3, "A, B")
    assert (no.persons, no.participants) == (None, "")


def test_note_shown_is_the_newer_of_answer_note_and_table_note() -> None:
    older = Note("ruft zurück", T0)
    newer = Note("", LATER + dt.timedelta(1))
    assert status_row(
        Facts(inv(), answer=answer("zusage", note="per Telefon"), note=older)
    ).note == ("per Telefon")
    assert (
        status_row(Facts(inv(), answer=answer("zusage", note="per Telefon"), note=newer)).note == ""
    )
    assert status_row(Facts(inv(), note=older)).note == "ruft zurück"


def test_waiting_list_places_follow_the_order_of_the_zusagen() -> None:
    facts = [
        Facts(inv("1"), answer=answer("zusage", id=7, persons=2, waiting_list=True)),
        Facts(inv("2"), answer=answer("zusage", id=3, persons=1, waiting_list=True)),
        Facts(inv("3"), answer=answer("zusage", id=1, persons=4)),
    ]
    rows = status_rows(facts)
    assert [r.waiting_position for r in rows] == [2, 1, None]
    assert rows[1].hint == "Warteliste, Platz 1"
    ov = overview(
        rows, capacity=5, deadline=dt.date(2019, 1, 27), today=dt.date(2019, 1, 20), review_items=2
    )
    assert (ov.persons_confirmed, ov.waiting_invitees, ov.waiting_persons) == (4, 2, 3)
    assert ov.free_places == 1 and ov.counts["zugesagt"] == 3 and ov.days_left == 7


def test_a_zusage_with_a_newer_message_to_check_still_holds_its_places() -> None:
    """Yes for 3, then a question about parking: the row says „prüfen“, but the 3 places are
    taken — as the waiting-list rule (state.confirmed_persons) counts them."""
    newer = (LATER + dt.timedelta(1),)
    facts = [
        Facts(inv("1"), (SENT,), answer=answer("zusage", id=1, persons=3), review_times=newer),
        Facts(inv("2"), (SENT,), answer=answer("zusage", id=2, persons=2)),
        Facts(
            inv("3"),
            (SENT,),
            answer=answer("zusage", id=3, persons=4, waiting_list=True),
            review_times=newer,
        ),
        Facts(inv("4"), (SENT,), answer=answer("absage", id=4, persons=5), review_times=newer),
    ]
    rows = status_rows(facts)
    assert [r.status for r in rows] == ["prüfen", "zugesagt", "prüfen", "prüfen"]
    ov = overview(
        rows, capacity=6, deadline=dt.date(2019, 1, 27), today=dt.date(2019, 1, 20), review_items=3
    )
    assert (ov.persons_confirmed, ov.free_places) == (5, 1)
    assert (ov.waiting_invitees, ov.waiting_persons) == (1, 4)
    assert (ov.counts["zugesagt"], ov.counts["prüfen"]) == (1, 3)


def test_overview_without_capacity_and_after_the_deadline() -> None:
    ov = overview(
        [], capacity=0, deadline=dt.date(2019, 1, 27), today=dt.date(2019, 2, 1), review_items=0
    )
    assert ov.free_places is None and ov.invitees == 0 and ov.days_left == -5
    assert deadline_text(ov.days_left, ov.deadline) == "Anmeldeschluss war am 27.01.2019"
    assert deadline_text(0, ov.deadline) == "heute ist Anmeldeschluss (27.01.2019)"
    assert deadline_text(1, ov.deadline) == "morgen ist Anmeldeschluss (27.01.2019)"
    assert deadline_text(3, ov.deadline) == "noch 3 Tage bis zum Anmeldeschluss (27.01.2019)"


def test_stored_utc_becomes_local_wall_time() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    assert local_time("2019-01-11T08:15:00+00:00", berlin) == T0
    assert local_time("2019-07-01T08:00:00+00:00", berlin) == dt.datetime(2019, 7, 1, 10, 0)
    assert local_time("2019-01-11T08:15:00", berlin) == T0  # naive means UTC
    assert local_time(None, berlin) is None and local_time("Montag", berlin) is None


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        (3, 3),
        (3.0, 3),
        ("3", 3),
        (" 2 ", 2),
        ("", None),
        (None, None),
        ("drei", "„drei“ ist keine Anzahl"),
        (2.5, "„2.5“ ist keine Anzahl von 0 bis 1000"),
        (-1, "„-1“ ist keine Anzahl von 0 bis 1000"),
        (True, "„Personen“ muss eine Anzahl sein"),
        ("inf", "„inf“ ist keine Anzahl"),  # float() reads these; int() would crash
        ("-Infinity", "„-Infinity“ ist keine Anzahl"),
        ("nan", "„nan“ ist keine Anzahl"),
        (float("inf"), "„inf“ ist keine Anzahl"),
        (float("nan"), "„nan“ ist keine Anzahl"),
    ],
)
def test_persons_cell_is_read_as_a_count(value: object, parsed: object) -> None:
    assert parse_persons(value) == parsed


# -- edits ------------------------------------------------------------------------------------

OPEN = EditableCells("offen", None, "", "")
YES = EditableCells("zugesagt", 2, "A, B", "per Telefon")


def edits(found: dict, written: dict | None = None, current: dict | None = None):
    written = written if written is not None else {"1": OPEN, "2": YES}
    return interpret_edits("rsvp.xlsx", "Einladungen", written, found, current or written)


def cells(
    row: int,
    status: object,
    persons: object = None,
    participants: object = None,
    note: object = None,
) -> FoundCells:
    return FoundCells(row, status, persons, participants, note)


def test_unchanged_rows_give_nothing() -> None:
    report = edits({"1": cells(2, "offen"), "2": cells(3, "zugesagt", 2.0, "A, B", "per Telefon")})
    assert report.edits == [] and report.problems == []


def test_status_and_persons_become_one_answer() -> None:
    report = edits({"1": cells(2, "Zugesagt ", "3")})
    (edit,) = report.edits
    assert (edit.number, edit.answer, edit.persons, edit.note) == ("1", "zusage", 3, "")
    assert edit.changes == ("Status „offen“ → „Zugesagt“", "Personen leer → 3")


def test_zusage_without_persons_counts_one() -> None:
    (edit,) = edits({"1": cells(2, "ja")}).edits
    assert (edit.answer, edit.persons) == ("zusage", 1)


def test_changing_only_persons_of_a_zusage_keeps_names_and_note() -> None:
    (edit,) = edits({"2": cells(3, "zugesagt", 4, "A, B", "per Telefon")}).edits
    assert (edit.answer, edit.persons, edit.participants, edit.note) == (
        "zusage",
        4,
        "A, B",
        "per Telefon",
    )


def test_absage_drops_persons_and_a_note_alone_is_no_answer() -> None:
    (absage,) = edits({"2": cells(3, "abgesagt", 2, "A, B", "per Telefon")}).edits
    assert (absage.answer, absage.persons, absage.participants) == ("absage", None, "")
    (note,) = edits({"1": cells(2, "offen", None, None, "kommt später")}).edits
    assert (note.answer, note.note, note.changes) == (None, "kommt später", ("Bemerkung geändert",))


@pytest.mark.parametrize(
    ("found", "column", "text"),
    [
        (cells(2, "vielleicht"), "Status", "„vielleicht“ kann nicht eingetragen werden"),
        (cells(2, None), "Status", "Ein leerer Status kann nicht eingetragen werden"),
        (cells(3, "offen", None, None, "per Telefon"), "Status", "zurücksetzen"),
        (cells(2, "offen", 3), "Personen", "aber der Status ist nicht „zugesagt“"),
        (cells(2, "zugesagt", "zwei"), "Personen", "„zwei“ ist keine Anzahl"),
        (cells(2, "zugesagt", 0), "Personen", "mindestens 1 Person"),
    ],
)
def test_edits_that_cannot_be_understood_are_problems(
    found: FoundCells, column: str, text: str
) -> None:
    number = "2" if found.row == 3 else "1"
    report = edits({number: found})
    assert report.edits == []
    (problem,) = report.problems
    assert problem.column == column and problem.row == found.row and text in problem.message
    assert str(problem).startswith("rsvp.xlsx, Blatt „Einladungen“, Zeile")


def test_unknown_number_and_conflicting_change_are_problems() -> None:
    report = edits({"9": cells(10, "zugesagt")})
    assert "Nr. 9 hat die Tabelle nicht geschrieben" in report.problems[0].message
    moved_on = {"1": EditableCells("abgesagt", None, "", ""), "2": YES}
    report = edits({"1": cells(2, "zugesagt")}, current=moved_on)
    assert "inzwischen" in report.problems[0].message


def test_what_the_database_already_says_is_no_edit() -> None:
    now = {"1": EditableCells("zugesagt", 1, "", ""), "2": YES}
    report = edits({"1": cells(2, "Zusage", 1)}, current=now)
    assert report.edits == [] and report.problems == []


def test_a_bounce_no_longer_counts_after_a_new_invitation_went_out() -> None:
    resent = DeliveryFact("invitation", "sent", LATER + dt.timedelta(days=1))
    bounced = answer("unzustellbar")
    row = status_row(Facts(inv(), (SENT, resent), answer=bounced))
    assert row.status == "offen" and "erneut eingeladen" in row.hint
    # An earlier invitation does not undo a later bounce.
    assert status_row(Facts(inv(), (SENT,), answer=bounced)).status == "unzustellbar"
