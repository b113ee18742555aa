from __future__ import annotations

import pytest

from txng.gs1.digital_link import (
    build_digital_link,
    claims_digital_link,
    is_valid_digital_link,
    parse_digital_link,
)
from txng.gs1.errors import GS1Error


def test_parse_splits_stem_path_attributes_and_other_params() -> None:
    # when
    link = parse_digital_link(
        "https://qr.hcm.example.vn/txng/01/08931234567897/10/L%2F01/21/S1?17=261231&linkType=gs1:pip&x#top"
    )
    # then
    assert link.stem == "https://qr.hcm.example.vn/txng"
    assert link.primary_key == ("01", "08931234567897")
    assert link.qualifiers == (("10", "L/01"), ("21", "S1"))
    assert link.attributes == (("17", "261231"),)
    assert link.other_params == (("linkType", "gs1:pip"), ("x", ""))
    assert link.fragment == "top"
    assert link.value("17") == "261231"
    assert link.value("22") is None


def test_element_string_uses_group_separators_after_variable_length_ais_only() -> None:
    link = parse_digital_link("https://id.gs1.org/01/09520123456788/10/ABC/21/XYZ?17=261231")
    assert link.element_string() == "0109520123456788" + "10ABC\x1d" + "21XYZ\x1d" + "17261231"
    assert link.hri == "(01)09520123456788(10)ABC(21)XYZ(17)261231"


def test_canonical_uri_moves_to_id_gs1_org_and_drops_attributes() -> None:
    link = parse_digital_link("http://brand.example.com/a/b/01/09520123456788/21/X%2BY?17=261231")
    assert link.canonical_uri() == "https://id.gs1.org/01/09520123456788/21/X%2BY"
    assert link.canonical_uri(include_attributes=True) == "https://id.gs1.org/01/09520123456788/21/X%2BY?17=261231"


def test_zero_suppressed_gtin_is_refused_by_default_and_padded_on_request() -> None:
    with pytest.raises(GS1Error) as caught:
        parse_digital_link("https://id.gs1.org/01/9520123456788")
    assert caught.value.code == "length"
    link = parse_digital_link("https://id.gs1.org/01/9520123456788", permit_zero_suppressed_gtin=True)
    assert link.primary_key == ("01", "09520123456788")


def test_associations_are_checked_unless_disabled() -> None:
    uri = "https://id.gs1.org/00/952012345678912345?10=ABC"  # (10) needs (01), (02), (03), …
    with pytest.raises(GS1Error) as caught:
        parse_digital_link(uri)
    assert caught.value.code == "association"
    assert parse_digital_link(uri, check_associations=False).attributes == (("10", "ABC"),)


def test_parse_results_are_cached_and_immutable() -> None:
    uri = "https://id.gs1.org/01/09520123456788/10/CACHE"
    assert parse_digital_link(uri) is parse_digital_link(uri)


def test_a_failed_parse_fails_again() -> None:
    for _ in range(2):
        assert not is_valid_digital_link("https://id.gs1.org/01/09520123456789")


@pytest.mark.parametrize(
    ("ais", "expected"),
    [
        ([("01", "09520123456788")], "https://r.example/01/09520123456788"),
        ([("01", "09520123456788"), ("10", "A/B%C")], "https://r.example/01/09520123456788/10/A%2FB%25C"),
        ([("01", "09520123456788"), ("99", "a&b=c+d")], "https://r.example/01/09520123456788?99=a%26b%3Dc%2Bd"),
        ([("414", "9520123456788"), ("254", "1")], "https://r.example/414/9520123456788/254/1"),
    ],
)
def test_build_digital_link_percent_encodes_all_but_unreserved(ais: list[tuple[str, str]], expected: str) -> None:
    assert build_digital_link("https://r.example", ais) == expected
    assert build_digital_link("https://r.example/", ais) == expected


def test_build_digital_link_needs_a_primary_key() -> None:
    with pytest.raises(GS1Error) as caught:
        build_digital_link("https://r.example", [("99", "AB")])
    assert caught.value.code == "no-primary-key"


def test_build_then_parse_round_trips_awkward_values() -> None:
    ais = [("01", "09520123456788"), ("10", "!\"%&'()*+,-./:;<=>?_"), ("21", "a+b")]
    uri = build_digital_link("https://r.example/p", ais)
    assert parse_digital_link(uri).path == tuple(ais)


@pytest.mark.parametrize("base", ["ftp://r.example", "https://", "https://r.example/p?x=1", "r.example"])
def test_build_digital_link_refuses_unusable_bases(base: str) -> None:
    with pytest.raises(GS1Error):
        build_digital_link(base, [("01", "09520123456788")])


def test_build_digital_link_validates_values() -> None:
    with pytest.raises(GS1Error) as caught:
        build_digital_link("https://r.example", [("01", "09520123456789")])
    assert caught.value.code == "check-digit"


@pytest.mark.parametrize(
    ("uri", "claims"),
    [
        ("https://id.gs1.org/01/09520123456788", True),
        ("HTTPS://EXAMPLE.COM/01/1", True),
        ("https://example.com/x/00/1?x#y", True),
        ("https://example.com/01/abc", False),
        ("https://example.com/2000/01/rdf-schema", False),
        ("https://example.com/89/1", False),
        ("https://example.com", False),
        ("urn:epc:id:sgtin:1.2.3", False),
    ],
)
def test_claims_digital_link(uri: str, claims: bool) -> None:
    assert claims_digital_link(uri) is claims


def test_any_uri_on_id_gs1_org_claims_to_be_a_digital_link() -> None:
    assert claims_digital_link("https://id.gs1.org/01/abc")
    assert claims_digital_link("HTTP://ID.GS1.ORG/")
