"""Every vector of shared/gs1/digital-link/dl-uri-test-vectors.json (GS1 Barcode Syntax Engine)."""

from __future__ import annotations

from typing import Any

import pytest

from txng.gs1.digital_link import CANONICAL_BASE, build_digital_link, parse_digital_link
from txng.gs1.element_strings import parse_hri
from txng.gs1.errors import GS1Error
from txng.gs1.tests.shared_data import dl_vectors

VECTORS = dl_vectors()
pytestmark = pytest.mark.skipif(not VECTORS, reason="shared GS1 test vectors not found (set TXNG_SHARED_DIR)")

# Reference-engine messages -> our stable codes, to check that we fail for the same reason.
MESSAGE_CODES = {
    "not recognised as a GS1 Digital Link URI": "not-digital-link",
    "URI must contain a domain and path info": "uri-syntax",
    "Domain contains illegal characters": "uri-syntax",
    "URI contains illegal characters": "uri-syntax",
    "illegal null character": "uri-syntax",
    "No GS1 DL keys found in path info": "no-primary-key",
    "value is too short": "length",
    "value is too long": "length",
    "non-CSET 82 character": "charset",
    "element is empty": "empty",
    "Unknown AI": "unknown-ai",
    "should be in the path info": "should-be-in-path",
    "is duplicated": "duplicate-ai",
    "is not a valid DL URI data attribute": "not-data-attribute",
    "not a valid key-qualifier sequence": "qualifier-order",
    "check digit is incorrect": "check-digit",
    "A zero is required": "format",
    "illegal month": "date",
}


def _parse_options(options: dict[str, bool]) -> dict[str, bool]:
    return {
        "permit_zero_suppressed_gtin": options.get("permitZeroSuppressedGTIN", False),
        "permit_convenience_alphas": options.get("permitConvenienceAlphas", False),
        "permit_unknown_ais": options.get("permitUnknownAIs", False),
        "validate_unknown_ai_not_dl_attr": options.get("unknownAINotDLAttrValidation", True),
    }


def _expected_code(vector: dict[str, Any]) -> str | None:
    message = vector.get("error_message_from_reference_impl", "")
    return next((code for fragment, code in MESSAGE_CODES.items() if fragment in message), None)


def _id(vector: dict[str, Any]) -> str:
    return f"{'ok' if vector['valid'] else 'bad'}:{vector.get('uri', vector.get('ai_element_string_hri'))}"


PARSE_VECTORS = VECTORS.get("parse_vectors", []) + VECTORS.get("supplementary_vectors", [])


@pytest.mark.parametrize("vector", PARSE_VECTORS, ids=[_id(v) for v in PARSE_VECTORS])
def test_parse_vector(vector: dict[str, Any]) -> None:
    # given
    options = _parse_options(vector.get("options", {}))
    # when / then
    if vector["valid"]:
        link = parse_digital_link(vector["uri"], **options)
        if "expected_element_string" in vector:
            assert "^" + link.element_string(separator="^") == vector["expected_element_string"]
        if "expected_hri" in vector:
            assert link.hri == vector["expected_hri"]
        for ignored in vector.get("ignored_query_params", []):
            assert tuple(ignored.split("=", 1)) in link.other_params
    else:
        with pytest.raises(GS1Error) as caught:
            parse_digital_link(vector["uri"], **options)
        expected = _expected_code(vector)
        if expected is not None:
            assert caught.value.code == expected, caught.value.message


GENERATE_VECTORS = VECTORS.get("generate_vectors", [])


@pytest.mark.parametrize("vector", GENERATE_VECTORS, ids=[_id(v) for v in GENERATE_VECTORS])
def test_generate_vector(vector: dict[str, Any]) -> None:
    # given
    options = vector.get("options", {})
    permit_unknown = options.get("permitUnknownAIs", False)
    ais = parse_hri(vector["ai_element_string_hri"], validate=False)
    base = vector.get("uri_stem") or CANONICAL_BASE
    build_options = {
        "permit_unknown_ais": permit_unknown,
        "validate_unknown_ai_not_dl_attr": options.get("unknownAINotDLAttrValidation", True),
    }
    # when / then
    if vector["valid"]:
        assert build_digital_link(base, ais, **build_options) == vector["expected_uri"]
    else:
        with pytest.raises(GS1Error):
            build_digital_link(base, ais, **build_options)


def test_every_vector_is_driven() -> None:
    # then: nothing in the file is silently left out
    assert len(PARSE_VECTORS) == len(VECTORS["parse_vectors"]) + len(VECTORS["supplementary_vectors"]) == 135
    assert len(GENERATE_VECTORS) == 22
