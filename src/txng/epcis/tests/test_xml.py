"""XML: hardening against DTD attacks, EPCIS 1.2 upgrade, rendering that round-trips."""

from __future__ import annotations

import pytest
from lxml import etree

from txng.epcis.document import parse_document
from txng.epcis.tests.conftest import EXAMPLES, content_type, files, semantic
from txng.epcis.validation import EPCISValidationError
from txng.epcis.xml import render_xml

ROUND_TRIP = files("json/capture/documents/*.json", "xml/capture/documents/*.xml", "xml-1.2/capture/documents/*.xml")

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2"><EPCISBody><EventList>
<ObjectEvent><eventTime>&lol2;</eventTime></ObjectEvent></EventList></EPCISBody>
</epcis:EPCISDocument>"""


def test_billion_laughs_is_refused():
    with pytest.raises(EPCISValidationError, match="DOCTYPE or ENTITY"):
        parse_document(BILLION_LAUGHS, "application/xml")


def test_external_entity_is_refused_and_nothing_is_read(tmp_path):
    # given a secret file an XXE would read
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2"><EPCISBody>'
        "<EventList><ObjectEvent><eventTime>&x;</eventTime></ObjectEvent></EventList>"
        "</EPCISBody></epcis:EPCISDocument>"
    ).encode()
    # when / then
    with pytest.raises(EPCISValidationError) as raised:
        parse_document(body, "text/xml")
    assert "TOP-SECRET" not in str(raised.value)


def test_doctype_in_utf16_is_refused_after_parsing():
    body = ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x><x/>').encode("utf-16")
    with pytest.raises(EPCISValidationError, match="DOCTYPE"):
        parse_document(body, "application/xml")


def test_malformed_xml_names_the_problem():
    with pytest.raises(EPCISValidationError, match="not well-formed XML"):
        parse_document(b"<epcis:EPCISDocument>", "application/xml")


def test_epcis_12_extension_wrappers_are_flattened():
    path = EXAMPLES / "xml-1.2/capture/documents/ObjectEvent_with_baseExtension_errorDeclaration.xml"
    document = parse_document(path.read_bytes(), content_type(path))
    first, second, third = document.events
    assert first["sourceList"] == [{"type": "owning_party", "source": "urn:epc:id:sgln:9521141.00000.0"}]
    assert second["errorDeclaration"] == {
        "declarationTime": "2023-07-17T13:00:00.000-04:00",
        "reason": "incorrect_data",
        "correctiveEventIDs": ["urn:uuid:6926712e-599f-4c4e-b6e9-8dd888c906bd"],
    }
    assert third["eventID"] == "urn:uuid:6926712e-599f-4c4e-b6e9-8dd888c906bd"


def test_epcis_12_association_event_in_nested_extension_is_found():
    path = EXAMPLES / "xml-1.2/capture/documents/AssociationEvent.xml"
    document = parse_document(path.read_bytes(), content_type(path))
    assert [e["type"] for e in document.events] == ["AssociationEvent"]
    assert document.events[0]["bizStep"] == "installing"


def test_sbdh_sender_and_receiver_are_read():
    path = EXAMPLES / "xml-1.2/capture/documents/GS1_US_Pharma_Example_2_2_1_1.xml"
    document = parse_document(path.read_bytes(), content_type(path))
    assert document.sender == "urn:epc:id:sgln:030001.111111.0"
    assert document.receiver == "urn:epc:id:sgln:039999.999999.0"
    assert document.master_data is not None


@pytest.mark.parametrize("path", ROUND_TRIP, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_render_xml_round_trips(path):
    # given
    document = parse_document(path.read_bytes(), content_type(path), validate=False)
    # when
    body = render_xml(document.events, document.namespaces)
    again = parse_document(body, "application/xml", validate=False)
    # then
    assert again.syntax_problems == []
    assert semantic(_without_empty(again.events), again.namespaces) == semantic(
        _without_empty(document.events), document.namespaces
    )
    if path.suffix == ".xml":  # same syntax: nothing to normalise but absent values
        assert _without_empty(again.events) == _without_empty(document.events)


def test_render_xml_query_document_uses_cbv_urns():
    path = EXAMPLES / "json/capture/documents/ObjectEvent.json"
    document = parse_document(path.read_bytes(), content_type(path))
    body = render_xml(document.events, document.namespaces, query_name="SimpleEventQuery")
    root = etree.fromstring(body)
    assert root.tag == "{urn:epcglobal:epcis-query:xsd:2}EPCISQueryDocument"
    assert root.findtext(".//bizStep") == "urn:epcglobal:cbv:bizstep:shipping"


def test_extension_attributes_and_nesting_round_trip():
    body = b"""<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0"
      creationDate="2026-07-22T00:00:00Z" xmlns:ex="https://ex.example/"><EPCISBody><EventList>
      <ObjectEvent><eventTime>2026-07-22T06:45:00+07:00</eventTime>
      <eventTimeZoneOffset>+07:00</eventTimeZoneOffset><epcList/><action>OBSERVE</action>
      <ex:box ex:size="L">blue<ex:item>1</ex:item><ex:item>2</ex:item></ex:box>
      </ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>"""
    document = parse_document(body, "application/xml")
    assert document.events[0]["ex:box"] == {"@ex:size": "L", "ex:item": ["1", "2"], "#text": "blue"}
    again = parse_document(render_xml(document.events, document.namespaces), "application/xml")
    assert again.events == document.events


def _without_empty(value):
    # An absent quantity (xsi:nil) and an empty list are written back as absent.
    if isinstance(value, dict):
        return {k: _without_empty(v) for k, v in value.items() if v not in ("", [], {})}
    if isinstance(value, list):
        return [_without_empty(v) for v in value]
    return value
