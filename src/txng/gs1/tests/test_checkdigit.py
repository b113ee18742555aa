from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from txng.gs1.checkdigit import (
    check_character_pair,
    gs1_check_digit,
    has_valid_check_character_pair,
    has_valid_check_digit,
)
from txng.gs1.errors import GS1Error
from txng.gs1.identifiers import is_valid_gtin

digits = st.text(alphabet="0123456789", min_size=13, max_size=13)


@pytest.mark.parametrize(
    ("body", "check"),
    [
        ("952012345678", "8"),  # GTIN-13 9520123456788 (GS1 General Specifications examples)
        ("0952012345678", "8"),  # same GTIN as GTIN-14: leading zeros do not change it
        ("8061414112345", "8"),  # GTIN-14 80614141123458 (TDS SGTIN example)
        ("95201234567891234", "5"),  # SSCC 952012345678912345
        ("893123456789", "7"),  # Vietnam prefix 893; by hand: weighted sum 133 -> 7
        ("0234567", "3"),  # GTIN-8 02345673
        ("41600033610", "8"),  # GTIN-12 416000336108
    ],
)
def test_gs1_check_digit_known_values(body: str, check: str) -> None:
    assert gs1_check_digit(body) == check


def test_gs1_check_digit_rejects_non_digits() -> None:
    with pytest.raises(GS1Error) as caught:
        gs1_check_digit("95201234567A")
    assert caught.value.code == "charset"


def test_gs1_check_digit_rejects_unicode_digits() -> None:
    # "²".isdigit() is True in Python; a GS1 key is ASCII only.
    with pytest.raises(GS1Error):
        gs1_check_digit("95201234567²")


def test_gs1_check_digit_rejects_empty() -> None:
    with pytest.raises(GS1Error) as caught:
        gs1_check_digit("")
    assert caught.value.code == "empty"


@given(digits)
def test_any_13_digits_with_computed_check_digit_is_a_valid_gtin14(body: str) -> None:
    assert is_valid_gtin(body + gs1_check_digit(body))


@given(digits, st.integers(min_value=0, max_value=13), st.integers(min_value=1, max_value=9))
def test_any_single_digit_change_is_detected(body: str, position: int, delta: int) -> None:
    # given a valid GTIN-14
    gtin = body + gs1_check_digit(body)
    # when one digit (check digit included) changes
    changed = gtin[:position] + str((int(gtin[position]) + delta) % 10) + gtin[position + 1 :]
    # then
    assert not has_valid_check_digit(changed)


@given(digits, st.integers(min_value=0, max_value=12))
def test_adjacent_transposition_is_detected_unless_digits_differ_by_5(body: str, position: int) -> None:
    gtin = body + gs1_check_digit(body)
    a, b = gtin[position], gtin[position + 1]
    swapped = gtin[:position] + b + a + gtin[position + 2 :]
    if abs(int(a) - int(b)) in (0, 5):
        assert has_valid_check_digit(swapped)
    else:
        assert not has_valid_check_digit(swapped)


@pytest.mark.parametrize(
    "value",
    [
        "1987654Ad4X4bL5ttr2310c2K",  # GMN example of the GS1 General Specifications
        "12345678901234567890123NT",
        "12345_ABCDEFGHIJKLMCP",
        "12345_!\"%&'()*+,-./LC",
        "7907665Bm8v2AB",
        "00000!HV",
        "22",
    ],
)
def test_check_character_pair_accepts_reference_values(value: str) -> None:
    assert has_valid_check_character_pair(value)
    assert check_character_pair(value[:-2]) == value[-2:]


@pytest.mark.parametrize("value", ["1987654Ad4X4bL5ttr2310cXK", "1987654Ad4X4bL5ttr2310c2X", "33", "2", ""])
def test_check_character_pair_rejects_wrong_pairs(value: str) -> None:
    assert not has_valid_check_character_pair(value)


def test_check_character_pair_rejects_characters_outside_cset82() -> None:
    assert not has_valid_check_character_pair(" 2345678901234567890123NT")
