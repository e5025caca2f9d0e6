"""The command-line contract: names, options before or after the command, exit codes, German."""

from __future__ import annotations

import shutil
from pathlib import Path

from clirun import REPO, run_invite

COMMANDS = ["check", "letters", "send", "poll", "status", "record", "remind", "init"]


def test_help_lists_every_command_in_german() -> None:
    result = run_invite("--help")
    assert result.code == 0
    assert "Aufruf: invite" in result.out and "Befehle:" in result.out
    for command in COMMANDS:
        assert f"  {command} " in result.out
    assert "Usage" not in result.out and "Show this message" not in result.out


def test_check_bundled_example_exits_zero() -> None:
    result = run_invite("check", "--contacts", "contacts.xlsx.example")
    assert result.code == 0, result.text
    assert "25 Eingeladene" in result.out


def test_global_options_before_or_after_command(tmp_path: Path) -> None:
    before = run_invite(
        "--data", str(tmp_path / "d"), "--contacts", "contacts.xlsx.example", "check"
    )
    after = run_invite(
        "check", "--data", str(tmp_path / "d"), "--contacts", "contacts.xlsx.example"
    )
    env = run_invite("check", env={"INVITE_CONTACTS": "contacts.xlsx.example"})
    assert before.code == after.code == env.code == 0, (before.text, after.text, env.text)


def test_command_option_beats_environment(tmp_path: Path) -> None:
    result = run_invite(
        "check",
        "--contacts",
        "contacts.xlsx.example",
        env={"INVITE_CONTACTS": str(tmp_path / "missing.xlsx")},
    )
    assert result.code == 0, result.text


def test_missing_contacts_file_is_usage_error(tmp_path: Path) -> None:
    result = run_invite("check", "--contacts", str(tmp_path / "fehlt.xlsx"))
    assert result.code == 2
    assert "Fehler:" in result.err and "nicht gefunden" in result.err
    assert "Traceback" not in result.text


def test_unknown_option_and_command_are_german_usage_errors() -> None:
    result = run_invite("check", "--nope")
    assert result.code == 2 and "Unbekannte Option: --nope" in result.err
    result = run_invite("versenden")
    assert result.code == 2 and "Unbekannter Befehl „versenden“" in result.err


def test_init_creates_campaign_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "kampagne"
    result = run_invite("init", str(target))
    assert result.code == 0, result.text
    assert (target / "campaign.toml").is_file() and (target / "signature.png").is_file()
    assert (target / "templates" / "de" / "letter.txt.j2").is_file()
    check = run_invite("--campaign", str(target), "check", "--contacts", "contacts.xlsx.example")
    assert check.code == 0, check.text
    again = run_invite("init", str(target))
    assert again.code == 2 and "existiert bereits" in again.err  # an operator error


def test_the_package_holds_the_example_campaign_as_real_files() -> None:
    """A Windows checkout without symbolic links turns a link into a small text file: the
    package data must be real files, and there is one copy of the templates."""
    from invite.steps.init import BUNDLED

    links = [p for p in (REPO / "invite").rglob("*") if p.is_symlink()]
    assert links == []
    assert BUNDLED == REPO / "invite" / "bundled" and (BUNDLED / "campaign.toml").is_file()
    assert not (REPO / "letters").exists()  # the folder it was linked from: gone, not copied


def _campaign_copy(tmp_path: Path) -> Path:
    target = tmp_path / "letters"
    shutil.copytree(REPO / "invite" / "bundled", target)
    return target


def test_settings_error_names_file_and_key(tmp_path: Path) -> None:
    campaign = _campaign_copy(tmp_path)
    toml = campaign / "campaign.toml"
    toml.write_text(
        toml.read_text().replace("rsvp_deadline = 2019-01-27", 'rsvp_deadline = "bald"')
    )
    result = run_invite("--campaign", str(campaign), "check", "--contacts", "contacts.xlsx.example")
    assert result.code == 2
    assert "campaign.toml" in result.err and "„event.rsvp_deadline“" in result.err
    assert "Datum" in result.err


def test_password_in_settings_is_refused(tmp_path: Path) -> None:
    campaign = _campaign_copy(tmp_path)
    toml = campaign / "campaign.toml"
    toml.write_text(toml.read_text().replace("[smtp]\n", '[smtp]\npassword = "geheim"\n'))
    result = run_invite("--campaign", str(campaign), "check", "--contacts", "contacts.xlsx.example")
    assert result.code == 2 and "Passwörter gehören nicht in Dateien" in result.err
    assert "geheim" not in result.text


def test_template_typo_names_file_and_line(tmp_path: Path) -> None:
    campaign = _campaign_copy(tmp_path)
    template = campaign / "templates" / "de" / "letter.txt.j2"
    lines = template.read_text().splitlines()
    lines[5] = "{{ invitee.nachname }} " + lines[5]
    template.write_text("\n".join(lines))
    result = run_invite("--campaign", str(campaign), "check", "--contacts", "contacts.xlsx.example")
    assert result.code == 2, result.text
    assert "letter.txt.j2, Zeile 6" in result.err and "„nachname“" in result.err


def test_template_syntax_error_names_line(tmp_path: Path) -> None:
    campaign = _campaign_copy(tmp_path)
    template = campaign / "templates" / "de" / "email.txt.j2"
    template.write_text(template.read_text().replace("{{ salutation }}", "{{ salutation }", 1))
    result = run_invite("--campaign", str(campaign), "check", "--contacts", "contacts.xlsx.example")
    assert result.code == 2 and "email.txt.j2, Zeile" in result.err


def test_missing_signature_image(tmp_path: Path) -> None:
    campaign = _campaign_copy(tmp_path)
    (campaign / "signature.png").unlink()
    result = run_invite("--campaign", str(campaign), "check", "--contacts", "contacts.xlsx.example")
    assert result.code == 2 and "„letter.signature_image“" in result.err


def test_unknown_font_file(tmp_path: Path) -> None:
    campaign = _campaign_copy(tmp_path)
    toml = campaign / "campaign.toml"
    toml.write_text(
        toml.read_text().replace(
            'font = ""\nfont_bold = ""', 'font = "Arial.ttf"\nfont_bold = "Arial-Bold.ttf"'
        )
    )
    result = run_invite("--campaign", str(campaign), "check", "--contacts", "contacts.xlsx.example")
    assert result.code == 2 and "„letter.font“" in result.err and "Arial.ttf" in result.err


def test_check_reports_an_address_too_long_for_the_window(tmp_path: Path) -> None:
    from workbooks import write_contacts

    organisation = "Verein für die Förderung der interkulturellen Zusammenarbeit " * 4
    contacts = write_contacts(
        tmp_path / "k.xlsx",
        [
            {
                "Nr.": 1,
                "Nachname": "Arslan",
                "Organisation": organisation.strip(),
                "Straße": "Weg 1",
                "PLZ": "48143",
                "Ort": "Münster",
                "E-Mail": "a@example.org",
            },
        ],
    )
    result = run_invite("check", "--contacts", str(contacts))
    assert result.code == 1, result.text
    assert (
        "Zeile 2" in result.err and "Sichtfenster" in result.err and "„Organisation“" in result.err
    )
