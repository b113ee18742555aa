from __future__ import annotations

import pytest

from txng.gs1.element_strings import format_element_string, format_hri, parse_element_string, parse_hri
from txng.gs1.errors import GS1Error
from txng.gs1.trace_codes import location_trace_code, product_trace_code

AIS = [("01", "09520123456788"), ("10", "LOT(1)"), ("17", "261231"), ("21", "S1")]


def test_format_hri() -> None:
    assert format_hri(AIS) == "(01)09520123456788(10)LOT(1)(17)261231(21)S1"


def test_format_element_string_puts_separators_after_variable_length_ais_except_the_last() -> None:
    assert format_element_string(AIS) == "0109520123456788" + "10LOT(1)\x1d" + "17261231" + "21S1"
    assert format_element_string(AIS, separator="^") == "010952012345678810LOT(1)^1726123121S1"


def test_parse_hri_with_escaped_brackets() -> None:
    assert parse_hri(r"(01)09520123456788(10)LOT\(1)(17)261231(21)S1") == AIS


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("01)09520123456788", "format"),
        ("", "empty"),
        ("(01)09520123456789", "check-digit"),
        ("(10)ABC", "association"),
        ("(89)ABC", "unknown-ai"),
    ],
)
def test_parse_hri_rejects(text: str, code: str) -> None:
    with pytest.raises(GS1Error) as caught:
        parse_hri(text)
    assert caught.value.code == code


def test_parse_element_string_round_trips() -> None:
    data = format_element_string(AIS)
    assert parse_element_string(data) == AIS
    assert parse_element_string("\x1d" + data) == AIS


def test_parse_element_string_rejects_unknown_ais() -> None:
    with pytest.raises(GS1Error) as caught:
        parse_element_string("89ABC")
    assert caught.value.code == "unknown-ai"


def test_product_trace_code_normalizes_the_gtin() -> None:
    # when
    code = product_trace_code("8931234567897", lot="LO1", serial="0001")
    # then
    assert code.ais == (("01", "08931234567897"), ("10", "LO1"), ("21", "0001"))
    assert code.hri == "(01)08931234567897(10)LO1(21)0001"
    assert code.element_string == "0108931234567897" + "10LO1\x1d" + "210001"
    assert code.digital_link("https://qr.example.vn") == "https://qr.example.vn/01/08931234567897/10/LO1/21/0001"


def test_product_trace_code_without_lot_or_serial() -> None:
    assert product_trace_code("08931234567897").hri == "(01)08931234567897"


def test_product_trace_code_rejects_vietnamese_letters_in_a_lot() -> None:
    # CSET 82 has no diacritics: "LÔ 1" cannot be printed in a GS1 code.
    with pytest.raises(GS1Error) as caught:
        product_trace_code("8931234567897", lot="LÔ 1")
    assert caught.value.code == "charset"


def test_location_trace_code() -> None:
    code = location_trace_code("9520123456788", extension="KHO-2")
    assert code.hri == "(414)9520123456788(254)KHO-2"
    assert code.digital_link("https://qr.example.vn/") == "https://qr.example.vn/414/9520123456788/254/KHO-2"
    with pytest.raises(GS1Error) as caught:
        location_trace_code("9520123456789")
    assert caught.value.code == "check-digit"


def test_parse_element_string_tolerates_a_separator_after_a_fixed_length_ai() -> None:
    assert parse_element_string("0109520123456788\x1d10ABC") == [("01", "09520123456788"), ("10", "ABC")]
