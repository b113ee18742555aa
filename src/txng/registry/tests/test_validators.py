from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from txng.core.errors import ServiceError
from txng.registry.validators import tax_code_check_digit, validate_gln, validate_gtin, validate_tax_code


def _vectors(shared_dir: Path) -> list[dict[str, object]]:
    data = json.loads((shared_dir / "gs1/digital-link/dl-uri-test-vectors.json").read_text())
    return [*data["parse_vectors"], *data["supplementary_vectors"]]


@pytest.mark.parametrize(
    ("tax_code", "expected"),
    [
        ("0100109106", "0100109106"),
        (" 0100109106 ", "0100109106"),
        ("0100109106-001", "0100109106-001"),
        ("079123456789", "079123456789"),
    ],
)
def test_tax_code_accepts_valid_forms(tax_code: str, expected: str) -> None:
    assert validate_tax_code(tax_code) == expected


@pytest.mark.parametrize(
    ("tax_code", "code"),
    [
        ("0100109107", "tax-code-check-digit"),
        ("010010910", "tax-code-format"),
        ("01001091061", "tax-code-format"),
        ("01001O9106", "tax-code-format"),
        ("0100109106-000", "tax-code-format"),
        ("0100109106-01", "tax-code-format"),
        ("", "tax-code-format"),
    ],
)
def test_tax_code_rejects_with_reason(tax_code: str, code: str) -> None:
    with pytest.raises(ServiceError) as caught:
        validate_tax_code(tax_code)
    assert caught.value.code == code
    assert caught.value.field == "tax_code"


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_every_single_digit_change_of_a_tax_code_is_caught(body: str) -> None:
    digit = tax_code_check_digit(body)
    if digit is None:
        return
    for wrong in set(range(10)) - {digit}:
        with pytest.raises(ServiceError):
            validate_tax_code(body + str(wrong))


def test_gtin_and_gln_check_digits_agree_with_gs1_vectors(shared_dir: Path) -> None:
    # Every GTIN in /01/ and GLN in /414/ of a vector the reference implementation accepts is valid; the
    # supplementary vectors with a wrong check digit are refused.
    checked = 0
    for vector in _vectors(shared_dir):
        uri = str(vector["uri"])
        wrong_check_digit = "check digit" in str(vector.get("description", "")) and not vector["valid"]
        for gtin in re.findall(r"/01/(\d{14})(?:/|$|\?)", uri):
            if vector["valid"]:
                assert validate_gtin(gtin) == gtin
                checked += 1
            elif wrong_check_digit:
                with pytest.raises(ServiceError):
                    validate_gtin(gtin)
                checked += 1
        for gln in re.findall(r"/414/(\d{13})(?:/|$|\?)", uri):
            if vector["valid"]:
                assert validate_gln(gln) == gln
                checked += 1
            elif wrong_check_digit:
                with pytest.raises(ServiceError):
                    validate_gln(gln)
                checked += 1
    assert checked >= 40


@pytest.mark.parametrize(
    ("value", "gtin14"),
    [("96385074", "00000096385074"), ("036000291452", "00036000291452"), ("8934588012228", "08934588012228")],
)
def test_short_gtins_are_normalised_to_fourteen_digits(value: str, gtin14: str) -> None:
    assert validate_gtin(value) == gtin14


@pytest.mark.parametrize("value", ["8934588012229", "893458801222", "89345880122AB", ""])
def test_bad_gtins_are_refused(value: str) -> None:
    with pytest.raises(ServiceError) as caught:
        validate_gtin(value)
    assert caught.value.field == "gtin"


def test_gln_with_wrong_length_is_refused() -> None:
    with pytest.raises(ServiceError) as caught:
        validate_gln("893000000001")
    assert caught.value.code == "gln-length"
