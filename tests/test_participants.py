"""`invite teilnehmerliste`: who is expected at the door, alphabetically, with room to sign."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from clirun import run_invite
from pypdf import PdfReader
from statuskit import make_campaign

from invite.core.contacts import Invitee
from invite.steps.participants import (
    collation_key,
    door_list,
    read_names,
    split_names,
    write_participant_list,
)
from invite.store import all_invitees, record_answer


def person(number: str, first: str, last: str, org: str = "", title: str = "") -> Invitee:
    return Invitee(number, title=title, first_name=first, last_name=last, organisation=org)


def test_german_order_ignores_case_and_umlauts() -> None:
    names = ["Zander", "Özdemir", "Müller", "Ostermann", "Mayer", "weber", "Muster"]
    ordered = sorted(names, key=collation_key)
    assert ordered == ["Mayer", "Müller", "Muster", "Ostermann", "Özdemir", "weber", "Zander"]
    assert collation_key("Weiß") == collation_key("WEISS")


def test_participant_names_are_split_the_way_people_write_them() -> None:
    assert split_names("Anna Schmidt; Ali Yılmaz und Eva Weiß & Dr. Jan Nowak\nO. Ola") == [
        "Anna Schmidt",
        "Ali Yılmaz",
        "Eva Weiß",
        "Dr. Jan Nowak",
        "O. Ola",
    ]
    assert split_names("") == [] and split_names(" , ") == []
    assert split_names("Sundermann") == ["Sundermann"]  # „und“ inside a name is no separator


def test_surname_comma_first_name_is_one_person() -> None:
    assert split_names("Müller, Anna") == ["Müller, Anna"]
    assert split_names("Müller, Anna; Weiß, Eva") == ["Müller, Anna", "Weiß, Eva"]
    door = door_list([(person("5", "Jan", "Nowak", "Mission"), 1, "Müller, Anna")])
    assert [(a.name, a.companion_of) for a in door.attendees] == [("Müller, Anna", "Jan Nowak")]
    assert door.unnamed == [] and door.persons == 1
    herself = door_list([(person("6", "Anna", "Müller", "Verein"), 1, "Müller, Anna")])
    assert [(a.name, a.companion_of) for a in herself.attendees] == [("Müller, Anna", "")]
    assert herself.persons == 1


def test_door_list_has_invitees_companions_and_unnamed_places_in_order() -> None:
    yilmaz = person("1", "Ayşe", "Yılmaz", "Kulturverein", title="Dr.")
    forum = person("3", "", "", "Eine-Welt-Forum")
    nowak = person("2", "Jan", "Nowak", "Mission")
    alali = person("7", "محمد", "العلي", "Freundeskreis")
    door = door_list(
        [
            (yilmaz, 3, "Ayşe Yılmaz; Murat Öztürk"),  # herself named, one companion, one unnamed
            (forum, 2, ""),  # an organisation: one row for it, one unnamed
            (nowak, None, ""),
            (alali, 1, ""),
        ]
    )
    assert [a.name for a in door.attendees] == [
        "Eine-Welt-Forum",
        "Nowak, Jan",
        "Öztürk, Murat",
        "Yılmaz, Dr. Ayşe",
        "محمد العلي",  # right-to-left names are printed as written, not turned around a comma
    ]
    murat = door.attendees[2]
    assert (murat.organisation, murat.number, murat.companion_of) == (
        "Kulturverein",
        "1",
        "Ayşe Yılmaz",
    )
    assert [(u.invitee, u.count) for u in door.unnamed] == [
        ("Ayşe Yılmaz", 1),
        ("Eine-Welt-Forum", 1),
    ]
    assert door.persons == 7


def test_names_from_the_form_one_per_line_or_comma_when_the_count_matches() -> None:
    maria = person("8", "Maria", "Schäfer-Nußbaum", "Eine-Welt-Laden")
    # As in the issue: one line, a comma, Personen 2 -> two people, no empty companion row.
    door = door_list([(maria, 2, "Maria Schäfer-Nußbaum, Dr. Jonas Weiß")])
    assert [(a.name, a.companion_of, a.check) for a in door.attendees] == [
        ("Schäfer-Nußbaum, Maria", "", ""),
        ("Weiß, Dr. Jonas", "Maria Schäfer-Nußbaum", ""),
    ]
    assert door.unnamed == [] and door.persons == 2 and door.to_check == []
    # The multi-line names field: one name per line.
    lines = door_list([(maria, 2, "Maria Schäfer-Nußbaum\r\nDr. Jonas Weiß\n")])
    assert [a.name for a in lines.attendees] == [a.name for a in door.attendees]
    assert lines.unnamed == []


def test_a_comma_splits_only_when_it_gives_the_announced_count_of_full_names() -> None:
    assert read_names("Müller, Anna", 1) == (["Müller, Anna"], "")
    assert read_names("Anna Müller, Ben Weber", 2) == (["Anna Müller", "Ben Weber"], "")
    assert read_names("Müller, Anna; Weiß, Eva", 2) == (["Müller, Anna", "Weiß, Eva"], "")
    # Not full names, or the count differs: kept as written and marked for a look.
    names, why = read_names("Müller, Anna", 2)
    assert names == ["Müller, Anna"] and why == "Namen mit Komma, angemeldete Personen: 2"
    names, why = read_names("Anna Müller, Ben Weber, Carla Roth", 2)
    assert names == ["Anna Müller, Ben Weber, Carla Roth"] and "Komma" in why
    assert read_names("Anna Müller\nBen Weber\nCarla Roth", 2)[1] == (
        "3 Namen, angemeldete Personen: 2"
    )
    assert read_names("Anna Müller, Ben Weber", None)[1] == "Namen mit Komma, ohne Personenzahl"
    assert read_names("Anna Müller\nBen Weber", None) == (["Anna Müller", "Ben Weber"], "")


def test_unclear_names_are_marked_never_as_her_own_companion() -> None:
    maria = person("8", "Maria", "Schäfer-Nußbaum", "Eine-Welt-Laden")
    door = door_list([(maria, 3, "Maria Schäfer-Nußbaum, Jonas")])
    assert len(door.attendees) == 1
    row = door.attendees[0]
    assert row.companion_of == "" and row.name == "Maria Schäfer-Nußbaum, Jonas"
    assert row.check.startswith("Bitte prüfen: Namen mit Komma, angemeldete Personen: 3")
    assert [(u.invitee, u.count) for u in door.unnamed] == [("Maria Schäfer-Nußbaum", 2)]
    assert door.to_check == ["8"]
    # Her name with a salutation is just her.
    frau = door_list([(maria, 1, "Frau Maria Schäfer-Nußbaum")])
    assert [(a.name, a.companion_of, a.check) for a in frau.attendees] == [
        ("Schäfer-Nußbaum, Maria", "", "")
    ]


def test_names_only_of_companions_leave_out_the_invitee() -> None:
    door = door_list([(person("4", "Kwame", "Mensah", "Union"), 2, "Ama Mensah und Kofi Annan")])
    assert [a.name for a in door.attendees] == ["Annan, Kofi", "Mensah, Ama"]
    assert door.unnamed == []


def test_pdf_lists_confirmed_invitees_but_not_the_waiting_list(tmp_path: Path) -> None:
    campaign = make_campaign(tmp_path, capacity=4)
    with campaign.open_state() as state:
        campaign.sync(state, "test")
        for number, persons, names in (
            ("21", 1, ""),  # Mehmet Öztürk
            ("1", 2, "Ayşe Yılmaz; Murat Yılmaz"),
            ("8", 1, ""),  # Alex Schmidt
            ("13", 2, ""),  # beyond the 4 places: waiting list
        ):
            record_answer(
                state,
                number,
                "zusage",
                source="formular",
                command="t",
                persons=persons,
                participants=names,
                capacity=4,
            )
        record_answer(state, "5", "absage", source="formular", command="t")

    result = write_participant_list(campaign, now_local=dt.datetime(2019, 1, 30, 12, 0))

    assert result.path == campaign.paths.data / "Teilnehmerliste.pdf"
    assert (result.attendees, result.invitees, result.waiting) == (4, 3, 1)
    reader = PdfReader(result.path)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Teilnehmerliste" in text and "Unterschrift" in text
    assert "Stand: 30.01.2019, 12:00 Uhr · 4 angemeldete Personen" in text
    order = [
        text.index(n)
        for n in ("Öztürk, Mehmet", "Schmidt, Alex", "Yılmaz, Dr. Ayşe", "Yılmaz, Murat")
    ]
    assert order == sorted(order)
    assert "Mensah" not in text and "Papadopoulos" not in text  # waiting list, Absage
    assert "Stadt Münster" in text  # the letterhead
    assert reader.metadata.title.startswith("Teilnehmerliste")


def test_pdf_shows_two_named_rows_and_marks_unclear_names(tmp_path: Path) -> None:
    campaign = make_campaign(tmp_path)
    with campaign.open_state() as state:
        campaign.sync(state, "test")
        first, second = all_invitees(state)[:2]
        for inv, persons, names in (
            (first, 2, f"{first.first_name} {first.last_name}, Dr. Jonas Weiß"),
            (second, 3, "Anna Müller, Ben Weber"),
        ):
            record_answer(
                state,
                inv.number,
                "zusage",
                source="formular",
                command="t",
                persons=persons,
                participants=names,
            )
    result = write_participant_list(campaign, now_local=dt.datetime(2019, 1, 30, 12, 0))
    text = " ".join(page.extract_text() for page in PdfReader(result.path).pages)
    text = " ".join(text.split())
    assert "Weiß, Dr. Jonas" in text and f"Begleitung von {first.display_name}" in text
    assert f"Begleitung von {first.display_name}" not in text.split("Weiß, Dr. Jonas")[0]
    assert "Bitte prüfen: Namen mit Komma, angemeldete Personen: 3" in text
    assert "Begleitperson 1 von 2" in text and "Begleitperson 1 von 1" not in text
    assert result.to_check == [second.number] and result.attendees == 5
    # The event title wraps evenly: „Ebene“ never stands alone on its line.
    lines = PdfReader(result.path).pages[0].extract_text().splitlines()
    assert "Ebene“" not in [line.strip() for line in lines]
    assert any(line.strip().endswith("kommunaler Ebene“") for line in lines)


def test_cli_writes_the_list_and_names_the_waiting_list(tmp_path: Path) -> None:
    campaign = make_campaign(tmp_path, capacity=1)
    with campaign.open_state() as state:
        campaign.sync(state, "test")
        record_answer(state, "2", "zusage", source="manuell", command="t", capacity=1)
        record_answer(state, "3", "zusage", source="manuell", command="t", capacity=1)
    out = tmp_path / "Einlass.pdf"
    result = run_invite(
        "teilnehmerliste",
        "--out",
        str(out),
        "--campaign",
        str(campaign.settings.campaign_dir),
        "--data",
        str(campaign.paths.data),
    )
    assert result.code == 0, result.text
    assert result.out.splitlines() == [
        f"Teilnehmerliste geschrieben: {out} (1 Person aus 1 Zusage).",
        "Nicht auf der Liste: 1 Zusage auf der Warteliste.",
    ]
    assert out.read_bytes().startswith(b"%PDF")
