from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from txng.gs1.errors import GS1Error
from txng.gs1.tests.shared_data import shared_dir
from txng.gs1.validation import (
    is_absolute_uri,
    is_gs1_uri,
    parse_gs1_identifier,
    validate_epc,
    validate_epc_class,
    validate_location,
    validate_party,
)


@pytest.mark.parametrize(
    "uri",
    [
        "urn:epc:id:sgtin:0614141.812345.6789",
        "urn:epc:id:sscc:0614141.1234567890",
        "urn:epc:id:sgln:0614141.12345.400",
        "urn:epc:id:gid:95100000.12345.400",
        "https://id.gs1.org/01/09520123456788/21/ABC",
        "https://example.com/shop/01/09520123456788/10/L1/21/ABC",
        "http://id.gs1.org/00/952012345678912345",
        "https://id.gs1.org/01/09520123456788/235/TPX",
        "https://id.gs1.org/8004/0952012345678901234/7040/1A2B",
        "urn:example:pallet:42",
        "https://example.com/things/7",
        "https://example.com/2024/01/report",  # a path with /01/ but no GS1 key after it
        "http://www.w3.org/2000/01/rdf-schema#label",
        "urn:uuid:2e1f3a7c-2d3e-4f6a-9b1c-0d2e3f4a5b6c",
    ],
)
def test_validate_epc_accepts_instance_identifiers_and_any_other_uri(uri: str) -> None:
    validate_epc(uri)


@pytest.mark.parametrize(
    ("uri", "code"),
    [
        ("urn:epc:id:sgtin:0614141.812345", "epc-syntax"),
        ("urn:epc:class:lgtin:4012345.012345.998877", "identifier-type"),
        ("urn:epc:idpat:sgtin:4012345.012345.*", "identifier-type"),
        ("URN:EPC:ID:SGTIN:0614141.812345.6789", "epc-syntax"),
        ("https://id.gs1.org/01/09520123456789/21/ABC", "check-digit"),
        ("https://id.gs1.org/01/9520123456788/21/ABC", "length"),  # GTIN-13 in a DL
        ("https://id.gs1.org/01/09520123456788", "identifier-type"),  # class level
        ("https://id.gs1.org/01/09520123456788/21/ABC?17=261231", "query-not-allowed"),
        ("https://id.gs1.org/01/09520123456788/21/ABC#x", "query-not-allowed"),
        ("https://id.gs1.org/01/09520123456788/21/S/10/L", "qualifier-order"),
        ("https://example.com/2024/01/15", "length"),  # claims (01) with a digit value
        ("https://id.gs1.org/01/abc", "length"),  # anything on id.gs1.org claims to be GS1
        ("not a uri", "not-uri"),
        ("", "not-uri"),
        ("relative/path", "not-uri"),
    ],
)
def test_validate_epc_is_strict_for_uris_that_claim_to_be_gs1(uri: str, code: str) -> None:
    with pytest.raises(GS1Error) as caught:
        validate_epc(uri)
    assert caught.value.code == code


@pytest.mark.parametrize(
    "uri",
    [
        "urn:epc:class:lgtin:4012345.012345.998877",
        "urn:epc:idpat:sgtin:4012345.012345.*",
        "urn:epc:idpat:grai:4012345.55555.*",
        "https://id.gs1.org/01/09520123456788",
        "https://id.gs1.org/01/09520123456788/10/LOT-1",
        "https://id.gs1.org/01/09520123456788/22/CPV/10/LOT-1",
        "https://id.gs1.org/8003/09520123456788",
        "urn:example:class:mango",
    ],
)
def test_validate_epc_class_accepts_class_identifiers(uri: str) -> None:
    validate_epc_class(uri)


@pytest.mark.parametrize(
    ("uri", "code"),
    [
        ("urn:epc:id:sgtin:0614141.812345.6789", "identifier-type"),
        ("https://id.gs1.org/01/09520123456788/21/1", "identifier-type"),
        ("https://id.gs1.org/01/09520123456788/10/", "empty"),
        ("https://id.gs1.org/01/09520123456788?10=LOT", "should-be-in-path"),
        ("https://id.gs1.org/01/09520123456788?17=261231", "query-not-allowed"),
    ],
)
def test_validate_epc_class_refuses_instances_and_bad_uris(uri: str, code: str) -> None:
    with pytest.raises(GS1Error) as caught:
        validate_epc_class(uri)
    assert caught.value.code == code


@pytest.mark.parametrize(
    "uri",
    [
        "urn:epc:id:sgln:0614141.12345.0",
        "https://id.gs1.org/414/9520123456788",
        "https://id.gs1.org/414/9520123456788/254/32a%2Fb",
        "https://example.com/farms/7",
    ],
)
def test_validate_location(uri: str) -> None:
    validate_location(uri)


@pytest.mark.parametrize(
    ("uri", "code"),
    [
        ("urn:epc:id:pgln:1234567.89012", "identifier-type"),
        ("https://id.gs1.org/414/9520123456789", "check-digit"),
        ("https://id.gs1.org/01/09520123456788/21/1", "identifier-type"),
    ],
)
def test_validate_location_refuses_non_locations(uri: str, code: str) -> None:
    with pytest.raises(GS1Error) as caught:
        validate_location(uri)
    assert caught.value.code == code


@pytest.mark.parametrize(
    "uri",
    [
        "urn:epc:id:pgln:1234567.89012",
        "urn:epc:id:sgln:0614141.12345.0",
        "https://id.gs1.org/417/9520123456788",
        "https://id.gs1.org/414/9520123456788",
        "https://example.com/companies/0312345678",
    ],
)
def test_validate_party(uri: str) -> None:
    validate_party(uri)


def test_validate_party_refuses_a_product() -> None:
    with pytest.raises(GS1Error) as caught:
        validate_party("urn:epc:id:sgtin:0614141.812345.6789")
    assert caught.value.code == "identifier-type"


def test_is_gs1_uri_means_claims_not_valid() -> None:
    assert is_gs1_uri("urn:epc:id:sgtin:broken")
    assert is_gs1_uri("https://example.com/01/123")
    assert not is_gs1_uri("https://example.com/01/abc")
    assert not is_gs1_uri("urn:example:x")


def test_is_absolute_uri() -> None:
    assert is_absolute_uri("urn:example:x")
    assert is_absolute_uri("https://example.com/a%20b?q=1#f")
    assert not is_absolute_uri("example.com/x")
    assert not is_absolute_uri("https://example.com/a b")
    assert not is_absolute_uri("https://example.com/%zz")
    assert not is_absolute_uri("https://ví-dụ.vn/x")  # IRIs must be percent-encoded


def test_parse_gs1_identifier_carries_the_company_prefix_length() -> None:
    epc = parse_gs1_identifier("https://id.gs1.org/01/80614141123458/21/6789", 7)
    assert epc.to_urn() == "urn:epc:id:sgtin:0614141.812345.6789"


# Identifiers of the official EPCIS 2.0 example documents (shared/gs1/epcis/examples/json).
# These five are wrong in the examples themselves: a GRAI Digital Link without the leading "0"
# filler of AI (8003), so the reference engine rejects them too.
KNOWN_BAD_EXAMPLE_IDENTIFIERS = {
    "https://id.example.com/8003/030013450007718765",  # check digit fails without the filler
    "https://id.example.com/8003/952012200000001004",  # first digit must be 0
}
_EPC_LISTS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
_QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")


def _identifiers(node: Any) -> Iterator[tuple[str, str]]:
    if isinstance(node, list):
        for item in node:
            yield from _identifiers(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in _EPC_LISTS and isinstance(value, list):
                yield from (("epc", v) for v in value if isinstance(v, str))
            elif key == "parentID" and isinstance(value, str):
                yield "epc", value
            elif key in _QUANTITY_LISTS and isinstance(value, list):
                yield from (("class", q["epcClass"]) for q in value if isinstance(q, dict) and "epcClass" in q)
            elif key in ("readPoint", "bizLocation") and isinstance(value, dict) and "id" in value:
                yield "location", value["id"]
            elif key in ("sourceList", "destinationList") and isinstance(value, list):
                for entry in value:
                    kind = "location" if str(entry.get("type", "")).endswith("location") else "party"
                    yield kind, entry.get("source") or entry.get("destination")
            yield from _identifiers(value)


def _example_documents() -> list[Path]:
    base = shared_dir()
    folder = base / "gs1" / "epcis" / "examples" / "json" if base else None
    if folder is None or not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*.json") if "invalid" not in p.parts)


VALIDATORS: dict[str, Callable[[str], None]] = {
    "epc": validate_epc,
    "class": validate_epc_class,
    "location": validate_location,
    "party": validate_party,
}


@pytest.mark.skipif(not _example_documents(), reason="shared EPCIS examples not found (set TXNG_SHARED_DIR)")
def test_identifiers_of_the_epcis_examples_validate() -> None:
    # given every identifier field of every valid example document
    checked, failures = 0, set()
    for path in _example_documents():
        for kind, uri in _identifiers(json.loads(path.read_text("utf-8"))):
            # when
            try:
                VALIDATORS[kind](uri)
            except GS1Error:
                failures.add(uri)
            checked += 1
    # then only the known-bad ones fail
    assert checked > 450
    assert failures == KNOWN_BAD_EXAMPLE_IDENTIFIERS
