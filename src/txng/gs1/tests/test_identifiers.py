from __future__ import annotations

import pytest

from txng.gs1.errors import GS1Error
from txng.gs1.identifiers import (
    company_prefix_position,
    guess_company_prefix_length,
    has_company_prefix,
    is_valid_gln,
    is_valid_gtin,
    is_valid_sscc,
    make_gln,
    make_gtin,
    make_sscc,
    normalize_gtin,
    validate_company_prefix,
    validate_gln,
    validate_gtin,
    validate_sscc,
)


@pytest.mark.parametrize(
    ("value", "gtin14"),
    [
        ("02345673", "00000002345673"),  # GTIN-8
        ("416000336108", "00416000336108"),  # GTIN-12 (UPC-A)
        ("8931234567897", "08931234567897"),  # GTIN-13
        ("18931234567894", "18931234567894"),  # GTIN-14
    ],
)
def test_normalize_gtin_pads_to_gtin14(value: str, gtin14: str) -> None:
    assert normalize_gtin(value) == gtin14
    assert is_valid_gtin(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("8931234567898", "check-digit"),
        ("893123456789", "check-digit"),  # a GTIN-12 that is really a GTIN-13 body
        ("89312345678", "length"),
        ("089312345678970", "length"),
        ("893123456789A", "charset"),
        (" 8931234567897", "charset"),
        ("８９３１２３４５６７８９７", "charset"),  # full-width digits pasted from a document
        ("", "empty"),
    ],
)
def test_normalize_gtin_rejects(value: str, code: str) -> None:
    with pytest.raises(GS1Error) as caught:
        normalize_gtin(value)
    assert caught.value.code == code
    assert not is_valid_gtin(value)


def test_gln_and_sscc() -> None:
    validate_gln("9520123456788")
    validate_sscc("952012345678912345")
    assert is_valid_gln("9520123456788")
    assert not is_valid_gln("9520123456789")
    assert not is_valid_gln("09520123456788")
    assert is_valid_sscc("106141412345678908")
    assert not is_valid_sscc("106141412345678907")
    with pytest.raises(GS1Error) as caught:
        validate_gtin("9520123456789")
    assert caught.value.code == "check-digit"


def test_make_keys_from_a_company_prefix() -> None:
    assert make_gtin("8931234", "56789") == "08931234567897"
    assert make_gtin("8931234", "56789", indicator="1") == "18931234567894"
    assert make_gln("0614141", "12345") == "0614141123452"
    assert make_sscc("0614141", "234567890", extension_digit="1") == "106141412345678908"


@pytest.mark.parametrize(
    ("prefix", "reference"),
    [("893", "123456789"), ("8931234567890", "0"), ("8931234", "5678"), ("8931234", "5678A")],
)
def test_make_gtin_rejects_wrong_lengths(prefix: str, reference: str) -> None:
    with pytest.raises(GS1Error):
        make_gtin(prefix, reference)


def test_validate_company_prefix() -> None:
    validate_company_prefix("8931234")
    for bad in ("893", "8931234567890", "89312A4"):
        with pytest.raises(GS1Error) as caught:
            validate_company_prefix(bad)
        assert caught.value.code == "company-prefix"


def test_company_prefix_position_comes_from_the_dictionary() -> None:
    assert company_prefix_position("01") == 2
    assert company_prefix_position("00") == 2
    assert company_prefix_position("414") == 1
    assert company_prefix_position("8004") == 1
    assert company_prefix_position("10") is None


def test_has_company_prefix() -> None:
    assert has_company_prefix("01", "08931234567897", "8931234")
    assert not has_company_prefix("01", "08931234567897", "8939999")
    assert has_company_prefix("414", "8931234000009", "8931234")
    assert not has_company_prefix("10", "8931234", "8931234")


def test_guess_company_prefix_length_uses_the_gs1_prefix_table() -> None:
    assert guess_company_prefix_length("01", "09520123456788") == 6
    assert guess_company_prefix_length("414", "0614141123452") == 7
    assert guess_company_prefix_length("10", "ABC") is None
