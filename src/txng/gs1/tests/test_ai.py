from __future__ import annotations

import pytest

from txng.gs1.ai import (
    ai_table,
    check_ai_associations,
    dl_path_sequences,
    get_ai,
    is_valid_ai_value,
    parse_syntax_dictionary,
    require_ai,
    validate_ai_value,
)
from txng.gs1.errors import GS1Error
from txng.gs1.linters import LENIENT_LINTERS, LINTERS


def test_dictionary_loads_every_ai_including_ranges() -> None:
    table = ai_table()
    assert "3103" in table
    assert "3929" in table
    assert all(f"{n}" in table for n in range(91, 100))
    assert len(table) == 541


def test_gtin_definition_comes_from_the_dictionary() -> None:
    gtin = require_ai("01")
    assert gtin.title == "GTIN"
    assert not gtin.requires_fnc1
    assert gtin.is_dl_data_attribute
    assert gtin.is_dl_primary_key
    assert gtin.dl_qualifier_paths == (("22", "10", "21"), ("235",))
    assert gtin.excludes == ("255", "37")
    assert (gtin.min_length, gtin.max_length) == (14, 14)
    assert gtin.components[0].linter_names == ("csum", "gcppos2")
    assert gtin.gcp_position == 2


def test_optional_components_and_requirements_are_parsed() -> None:
    gdti = require_ai("253")
    assert [(c.kind, c.min_length, c.max_length, c.is_optional) for c in gdti.components] == [
        ("N", 13, 13, False),
        ("X", 1, 17, True),
    ]
    assert require_ai("250").requires == ((("01", "21"), ("03", "21"), ("8006", "21")),)
    assert require_ai("3103").excludes == ("310n",)


def test_serial_is_not_a_data_attribute_and_needs_fnc1() -> None:
    serial = require_ai("21")
    assert not serial.is_dl_data_attribute
    assert serial.requires_fnc1


def test_every_linter_name_in_the_dictionary_is_known() -> None:
    names = {name for d in ai_table().values() for c in d.components for name in c.linter_names}
    assert names <= set(LINTERS)
    assert set(LINTERS) >= LENIENT_LINTERS


def test_dl_path_sequences_are_ordered_subsets_of_qualifiers() -> None:
    sequences = dl_path_sequences()
    assert ("01", "22", "10", "21") in sequences
    assert ("01", "10", "21") in sequences
    assert ("01", "235") in sequences
    assert ("01", "10", "22") not in sequences
    assert ("01", "22", "235") not in sequences
    assert ("414", "254") in sequences
    assert ("00",) in sequences


def test_parse_syntax_dictionary_reads_flags_and_attributes() -> None:
    table = parse_syntax_dictionary(["# comment", "", "99  ?  X..90  req=01  dlpkey=10  # INTERNAL"])
    assert table["99"].is_dl_data_attribute
    assert table["99"].requires == ((("01",),),)
    assert table["99"].dl_qualifier_paths == (("10",),)


@pytest.mark.parametrize(
    ("ai", "value"),
    [
        ("01", "09520123456788"),
        ("00", "952012345678912345"),
        ("10", "ABC-123/x"),
        ("17", "261231"),
        ("17", "240200"),  # day 00 means end of month for (17)
        ("11", "240229"),  # 2024 is a leap year
        ("253", "9520123456788ABC"),
        ("8003", "09520123456788123"),
        ("8006", "095201234567880102"),
        ("8013", "1987654Ad4X4bL5ttr2310c2K"),
        ("4330", "001250-"),
        ("7003", "2612312359"),
        ("8007", "GB82WEST12345698765432"),
        ("3103", "000195"),
        ("7240", "x"),
    ],
)
def test_valid_values(ai: str, value: str) -> None:
    validate_ai_value(ai, value)
    assert is_valid_ai_value(ai, value)


@pytest.mark.parametrize(
    ("ai", "value", "code"),
    [
        ("01", "09520123456789", "check-digit"),
        ("01", "9520123456788", "length"),
        ("01", "095201234567888", "length"),
        ("01", "0952012345678A", "charset"),
        ("01", "", "empty"),
        ("10", "A" * 21, "length"),
        ("10", "ABC DEF", "charset"),  # space is not in CSET 82
        ("10", "Bánh", "charset"),
        ("17", "261301", "date"),
        ("17", "250229", "date"),  # 2025 is not a leap year
        ("15", "260431", "date"),
        ("7003", "2612312460", "date"),
        ("8003", "19520123456788123", "format"),  # first digit must be 0
        ("8006", "095201234567880302", "format"),  # piece 03 of total 02
        ("8013", "1987654Ad4X4bL5ttr2310cXK", "check-digit"),
        ("8004", "ABC123", "company-prefix"),
        ("8011", "0123", "format"),  # no leading zero
        ("8007", "GB82WEST12345698765433", "check-digit"),
        ("4330", "001250+", "format"),
        ("253", "9520123456788" + "X" * 18, "length"),
        ("8010", "0200abc", "charset"),  # CSET 39 has upper case only
    ],
)
def test_invalid_values_raise_with_stable_codes(ai: str, value: str, code: str) -> None:
    with pytest.raises(GS1Error) as caught:
        validate_ai_value(ai, value)
    assert caught.value.code == code
    assert caught.value.ai == ai
    assert not is_valid_ai_value(ai, value)


def test_unknown_ai_is_refused() -> None:
    with pytest.raises(GS1Error) as caught:
        validate_ai_value("89", "X")
    assert caught.value.code == "unknown-ai"
    assert get_ai("89") is None


def test_gs1_error_is_a_value_error_with_a_readable_message() -> None:
    with pytest.raises(ValueError, match=r"AI \(01\): The numeric check digit is incorrect."):
        validate_ai_value("01", "09520123456789")


def test_associations_accept_a_complete_message() -> None:
    check_ai_associations([("01", "09520123456788"), ("10", "A"), ("21", "1"), ("17", "261231")])


@pytest.mark.parametrize(
    ("ais", "failing_ai"),
    [
        ([("10", "A")], "10"),  # a lot needs a GTIN (or similar)
        ([("01", "09520123456788"), ("37", "5")], "01"),  # 01 excludes 37
        ([("01", "09520123456788"), ("3103", "000100"), ("3102", "001000")], "3103"),  # ex=310n
        ([("01", "09520123456788"), ("250", "X")], "250"),  # needs 01 + 21
        ([("01", "09520123456788"), ("21", "1"), ("235", "X")], "21"),
    ],
)
def test_associations_reject_broken_pairings(ais: list[tuple[str, str]], failing_ai: str) -> None:
    with pytest.raises(GS1Error) as caught:
        check_ai_associations(ais)
    assert caught.value.code == "association"
    assert caught.value.ai == failing_ai


def test_associations_allow_an_ai_to_match_its_own_exclusion_pattern() -> None:
    check_ai_associations([("01", "09520123456788"), ("3103", "000100")])


def test_repeated_ai_with_different_values_is_refused() -> None:
    with pytest.raises(GS1Error) as caught:
        check_ai_associations([("01", "09520123456788"), ("10", "A"), ("10", "B")])
    assert caught.value.code == "duplicate-ai"
