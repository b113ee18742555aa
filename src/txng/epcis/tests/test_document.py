"""Parsing into the stored form: JSON ⇄ XML equality, contexts, limits, rendering."""

from __future__ import annotations

import orjson
import pytest

from txng.epcis.document import parse_document, render_json
from txng.epcis.tests.conftest import EXAMPLES, content_type, files, semantic
from txng.epcis.validation import EPCISValidationError

JSON_WITH_XML_TWIN = [
    p
    for p in files("json/capture/documents/*.json", "json/capture/events/*.json")
    if (EXAMPLES / "xml" / p.relative_to(EXAMPLES / "json")).with_suffix(".xml").exists()
]
# The example pairs really differ here (the XML declarationTime is one hour earlier).
KNOWN_DIFFERENCES = {"Combination_of_different_event.json", "TransformationEvent.json"}


def _doc(body: dict[str, object]) -> bytes:
    return orjson.dumps(body)


def _event(**fields: object) -> dict[str, object]:
    event: dict[str, object] = {
        "type": "ObjectEvent",
        "eventTime": "2026-07-22T06:45:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "epcList": ["urn:epc:id:sgtin:8934567.012345.1"],
    }
    event.update(fields)
    return event


def _document(*events: dict[str, object], context: object = None) -> bytes:
    return _doc(
        {
            "@context": context or ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2026-07-22T00:00:00Z",
            "epcisBody": {"eventList": list(events)},
        }
    )


@pytest.mark.parametrize("json_path", JSON_WITH_XML_TWIN, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_json_and_xml_twins_parse_to_the_same_events(json_path):
    # given
    xml_path = (EXAMPLES / "xml" / json_path.relative_to(EXAMPLES / "json")).with_suffix(".xml")
    # when
    from_json = parse_document(json_path.read_bytes(), content_type(json_path), validate=False)
    from_xml = parse_document(xml_path.read_bytes(), content_type(xml_path), validate=False)
    # then
    left = semantic(from_json.events, from_json.namespaces)
    right = semantic(from_xml.events, from_xml.namespaces)
    if json_path.name in KNOWN_DIFFERENCES:
        for event in left + right:
            event.get("errorDeclaration", {}).pop("declarationTime", None)
    assert left == right


def test_cbv_values_are_stored_as_short_names_whatever_the_spelling():
    body = _document(
        _event(bizStep="urn:epcglobal:cbv:bizstep:shipping"),
        _event(bizStep="https://ref.gs1.org/cbv/BizStep-shipping"),
        _event(bizStep="cbv:BizStep-shipping"),
        _event(bizStep="shipping"),
    )
    document = parse_document(body, "application/json")
    assert [e["bizStep"] for e in document.events] == ["shipping"] * 4


def test_non_standard_biz_step_uri_is_kept_verbatim():
    document = parse_document(_document(_event(bizStep="https://example.vn/bizstep/drying")), "application/json")
    assert document.events[0]["bizStep"] == "https://example.vn/bizstep/drying"


def test_single_event_is_accepted_for_post_events():
    body = _doc({"@context": "https://ref.gs1.org/standards/epcis/epcis-context.jsonld", **_event()})
    document = parse_document(body, "application/ld+json")
    assert document.is_single_event
    assert document.events[0]["type"] == "ObjectEvent"


def test_extension_prefixes_come_from_the_context():
    context = [
        "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
        {"txng": "https://opentxng.example.vn/epcis/"},
    ]
    document = parse_document(_document(_event(**{"txng:farm": "A1"}), context=context), "application/json")
    assert document.namespaces == {"txng": "https://opentxng.example.vn/epcis/"}
    assert document.events[0]["txng:farm"] == "A1"


def test_event_level_prefix_clash_is_renamed():
    event = _event(**{"@context": [{"ex": "https://b.example/"}], "ex:f": "2"})
    context = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld", {"ex": "https://a.example/"}]
    document = parse_document(_document(_event(**{"ex:f": "1"}), event, context=context), "application/json")
    assert document.namespaces == {"ex": "https://a.example/", "ex2": "https://b.example/"}
    assert document.events[1]["ex2:f"] == "2"


def test_unknown_remote_context_is_refused_not_fetched():
    context = ["https://evil.example/context.jsonld"]
    with pytest.raises(EPCISValidationError, match="unknown remote JSON-LD context"):
        parse_document(_document(_event(), context=context), "application/json")


def test_unsupported_content_type_is_415():
    with pytest.raises(EPCISValidationError) as raised:
        parse_document(b"a,b", "text/csv")
    assert raised.value.status == 415


def test_too_many_events_is_413():
    with pytest.raises(EPCISValidationError) as raised:
        parse_document(_document(_event(), _event(), _event()), "application/json", max_events=2)
    assert (raised.value.status, raised.value.type) == (413, "epcisException:CaptureLimitExceededException")


def test_broken_json_names_the_problem():
    with pytest.raises(EPCISValidationError, match="not valid JSON"):
        parse_document(b'{"type": ', "application/json")


def test_render_json_is_a_query_document_that_parses_back():
    document = parse_document((EXAMPLES / "json/capture/documents/ObjectEvent.json").read_bytes(), "application/json")
    body = render_json(document.events, document.namespaces, query_name="SimpleEventQuery")
    rendered = orjson.loads(body)
    assert rendered["type"] == "EPCISQueryDocument"
    assert rendered["@context"][0] == "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
    assert parse_document(body, "application/json").events == document.events
