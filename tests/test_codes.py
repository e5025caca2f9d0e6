"""Invitee codes: stable, unguessable from the Nr., readable back from what people type."""

import secrets

from invite.core.codes import (
    ALPHABET,
    CODE_LENGTH,
    find_code_candidates,
    format_code,
    invitee_code,
    normalise_code,
)


def test_code_is_stable_and_depends_on_secret() -> None:
    secret = b"k" * 32
    assert invitee_code(secret, "7") == invitee_code(secret, "7")
    assert invitee_code(secret, "7") != invitee_code(secret, "8")
    assert invitee_code(secret, "7") != invitee_code(b"x" * 32, "7")


def test_code_shape() -> None:
    codes = {invitee_code(secrets.token_bytes(32), str(n)) for n in range(1, 2001)}
    assert len(codes) == 2000
    for code in codes:
        assert len(code) == CODE_LENGTH
        assert set(code) <= set(ALPHABET)
        assert not set(code) & set("ILOU")


def test_format_and_read_back() -> None:
    assert format_code("K7Q2M9XA") == "K7Q2-M9XA"
    assert normalise_code("k7q2-m9xa") == "K7Q2M9XA"
    assert normalise_code(" K7Q2 M9XA ") == "K7Q2M9XA"
    assert normalise_code("1O00-0000") == "10000000"  # O read as 0
    assert normalise_code("K7Q2M9X") is None
    assert normalise_code("K7Q2-M9X!") is None


def test_find_candidates_in_text() -> None:
    text = "Re: Einladung – Ihr Anmeldecode K7Q2M9XA\nZusage k7q2-m9xa, Telefon 0251492"
    assert find_code_candidates(text) == ["K7Q2M9XA"]
    assert find_code_candidates("TEILNAHMEN ist ein Wort") == []
