"""EPCIS 2.0 / CBV 2.0 validation: every official valid example passes, every invalid one
is rejected with a message naming what is wrong, and the deliberate edge-case choices."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from txng.epcis.document import parse_document
from txng.epcis.tests.conftest import EXAMPLES, content_type, files
from txng.epcis.validation import EPCISValidationError, validate_event

# Strict choice (see xml.py): EPCIS 2.0 XML must follow the XSD element sequence, which
# is also what rejects xml/capture/invalid/ObjectEvent_with_wrong_element_order.xml.
STRICTLY_REJECTED = {"xml/capture/documents/JumbledFieldsOrder.xml"}
VALID = [
    p
    for p in files(
        "json/capture/documents/*",
        "json/capture/events/*",
        "xml/capture/documents/*",
        "xml/capture/events/*",
        "xml-1.2/capture/documents/*",
    )
    if str(p.relative_to(EXAMPLES)) not in STRICTLY_REJECTED
]

INVALID = {
    "json/Combination_of_events_with_missing_mandatory_fields.json": "event 1: eventTimeZoneOffset is missing",
    "json/Combination_of_multiple_invalid_fields.json": "'place' is not a CBV 2.0 source/destination type",
    "json/Combination_of_non_standard_bizStep_and_disposition.json": "'in_transport' is not a CBV 2.0 disposition",
    "json/EPCISDocument_without_context.json": "@context is missing",
    "json/ObjectEvent_with_ilmd_field_without_namespace.json": "unknown field 'materialType' in ilmd",
    "json/ObjectEvent_with_invalid_action.json": "action 'CREATE' is not one of ADD, OBSERVE, DELETE",
    "json/ObjectEvent_with_invalid_certificationInfo.json": "certificationInfo is a URI or a list of URIs",
    "json/ObjectEvent_with_invalid_eventTime_format.json": "eventTime '22-07-2026' is not an ISO 8601 date-time",
    "json/ObjectEvent_with_non_standard_bizStep.json": "'transforming' is not a CBV 2.0 business step",
    "json/ObjectEvent_with_non_standard_bizStep_in_second_event.json": "event 1: business step 'transforming'",
    "json/ObjectEvent_with_non_standard_disposition.json": "'in_transport' is not a CBV 2.0 disposition",
    "json/ObjectEvent_with_quantity_as_text.json": "quantity 'twenty' in quantityList[0] is not a number",
    "json/ObjectEvent_with_unknown_field_in_quantityList.json": "unknown field 'weight' in quantityList[0]",
    "json/ObjectEvent_without_action_and_eventTime.json": "eventTime is missing",
    "json/ObjectEvent_without_identifier_list.json": "ObjectEvent names no objects",
    "xml/ObjectEvent_bare_event_without_action.xml": "ObjectEvent has no action",
    "xml/ObjectEvent_with_invalid_action.xml": "action 'CREATE' is not one of",
    "xml/ObjectEvent_with_invalid_eventTime_format.xml": "eventTime '22-07-2026' is not an ISO 8601 date-time",
    "xml/ObjectEvent_with_near_miss_action.xml": "action 'OBSERV' is not one of",
    "xml/ObjectEvent_with_unknown_element.xml": "unknown field 'madeUpField' in ObjectEvent",
    "xml/ObjectEvent_with_wrong_element_order.xml": "element <eventTime> is out of order",
    "xml/ObjectEvent_without_eventTime.xml": "eventTime is missing",
}


def _parse(path: Path) -> Any:
    return parse_document(path.read_bytes(), content_type(path))


def test_every_invalid_example_has_an_expected_message():
    on_disk = {str(p.relative_to(EXAMPLES)).replace("/capture/invalid", "") for p in files("*/capture/invalid/*")}
    assert on_disk == set(INVALID)


@pytest.mark.parametrize("path", VALID, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_valid_example_is_accepted(path):
    document = _parse(path)
    assert document.events


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_example_is_rejected_naming_the_problem(name):
    with pytest.raises(EPCISValidationError) as raised:
        _parse(EXAMPLES / name.replace("/", "/capture/invalid/", 1))
    assert INVALID[name] in raised.value.detail
    assert raised.value.status == 400
    assert raised.value.type == "epcisException:ValidationException"


def test_jumbled_xml_field_order_is_rejected_strictly():
    with pytest.raises(EPCISValidationError, match="is out of order"):
        _parse(EXAMPLES / "xml/capture/documents/JumbledFieldsOrder.xml")


def test_jumbled_json_field_order_is_accepted():
    assert _parse(EXAMPLES / "json/capture/documents/JumbledFieldsOrder.json").events


def test_epcis_qualified_xml_elements_are_accepted_leniently():
    document = _parse(EXAMPLES / "xml/capture/documents/Namespace_document.xml")
    assert document.events[0]["action"] == "ADD"


def test_alert_sensor_report_without_type_is_accepted_leniently():
    document = _parse(EXAMPLES / "json/capture/documents/SensorData_with_combined_events.json")
    reports = [r for e in document.events for s in e.get("sensorElementList", []) for r in s["sensorReport"]]
    assert any("type" not in r and "exception" in r for r in reports)


def _event(**fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": "2026-07-22T06:45:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "epcList": ["urn:epc:id:sgtin:8934567.012345.1"],
    }
    event.update(fields)
    return {k: v for k, v in event.items() if v is not None}


def _details(event: dict[str, Any], namespaces: dict[str, str] | None = None) -> list[str]:
    return [p.detail for p in validate_event(event, namespaces or {}) if not p.is_warning]


def test_a_valid_event_has_no_problems():
    assert _details(_event()) == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"type": "PackEvent"}, "event type 'PackEvent' is not one of the EPCIS 2.0 event types"),
        ({"eventTimeZoneOffset": "+7:00"}, "eventTimeZoneOffset '+7:00' is not of the form"),
        ({"eventTime": "2026-07-22T06:45:00"}, "is not an ISO 8601 date-time with a time zone"),
        ({"bizStep": "urn:epcglobal:cbv:bizstep:drying"}, "is not a CBV 2.0 business step"),
        ({"disposition": "https://ref.gs1.org/cbv/Disp-wet"}, "is not a CBV 2.0 disposition"),
        ({"ex:f": "1"}, "namespace prefix 'ex' of field 'ex:f' in ObjectEvent is not declared"),
        ({"gs1x:f": "1"}, "uses the GS1 reserved namespace"),
        (
            {"quantityList": [{"epcClass": "urn:epc:class:lgtin:8934567.012345.L1", "quantity": 2, "uom": "kilo"}]},
            "uom 'kilo'",
        ),
        ({"sourceList": [{"source": "urn:epc:id:pgln:8934567.00001"}]}, "sourceList[0] has no type"),
        (
            {"bizTransactionList": [{"type": "invoice", "bizTransaction": "urn:x:1"}]},
            "'invoice' is not a CBV 2.0 business transaction type",
        ),
        ({"persistentDisposition": {}}, "persistentDisposition must be an object with set"),
        ({"persistentDisposition": {"set": ["wet"]}}, "'wet' is not a CBV 2.0 disposition"),
        ({"errorDeclaration": {"reason": "incorrect_data"}}, "errorDeclaration has no declarationTime"),
        (
            {"errorDeclaration": {"declarationTime": "2026-07-22T00:00:00Z", "reason": "oops"}},
            "'oops' is not a CBV 2.0 error reason",
        ),
        ({"action": "ADD", "epcList": [], "ilmd": {"lot": "1"}}, "unknown field 'lot' in ilmd"),
        ({"ilmd": {"ex:lot": "1"}}, "ilmd is only allowed when action is ADD"),
        ({"certificationInfo": "certified"}, "certificationInfo 'certified' is not a URI"),
        ({"readPoint": {"id": "not a uri"}}, "readPoint.id 'not a uri' is not an absolute URI"),
        ({"readPoint": {"id": "urn:epc:id:sgtin:8934567.012345.1"}}, "not a valid GS1 identifier"),
        (
            {"sensorElementList": [{"sensorReport": [{"type": "Smell"}]}]},
            "'Smell' is not a CBV 2.0 sensor measurement type",
        ),
        ({"sensorElementList": [{"sensorReport": [{"value": 3}]}]}, "sensorReport has neither type nor exception"),
        (
            {"sensorElementList": [{"sensorReport": [{"type": "Temperature", "value": "hot"}]}]},
            "sensorReport.value 'hot' is not a number",
        ),
        (
            {"sensorElementList": [{"sensorReport": [{"type": "Count", "hexBinaryValue": "zz"}]}]},
            "hexBinaryValue 'zz' is not hex",
        ),
        (
            {"sensorElementList": [{"sensorMetadata": {"time": "noon"}, "sensorReport": [{"type": "Temperature"}]}]},
            "sensorMetadata.time 'noon' is not an ISO 8601",
        ),
    ],
)
def test_event_rule_names_what_is_wrong(fields, message):
    namespaces = {"ex": "https://ex.example/"} if "ilmd" in fields else {}
    if "gs1x:f" in fields:
        namespaces = {"gs1x": "https://gs1.org/voc/"}
    details = _details(_event(**fields), namespaces)
    assert any(message in detail for detail in details), details


def test_aggregation_add_needs_parent_id():
    event = _event(type="AggregationEvent", action="ADD", epcList=None, childEPCs=["urn:epc:id:sgtin:8934567.012345.1"])
    assert "AggregationEvent with action ADD needs a parentID" in _details(event)


def test_aggregation_observe_may_omit_parent_id():
    event = _event(type="AggregationEvent", epcList=None, childEPCs=["urn:epc:id:sgtin:8934567.012345.1"])
    assert _details(event) == []


def test_transformation_needs_inputs_and_outputs():
    event = _event(
        type="TransformationEvent", action=None, inputEPCList=["urn:epc:id:sgtin:8934567.012345.1"], epcList=None
    )
    assert any("needs both inputs and outputs" in d for d in _details(event))


def test_transformation_has_no_action():
    event = _event(
        type="TransformationEvent",
        epcList=None,
        inputEPCList=["urn:epc:id:sgtin:8934567.012345.1"],
        outputEPCList=["urn:epc:id:sgtin:8934567.012345.2"],
    )
    assert "a TransformationEvent has no action (EPCIS 2.0 §7.4.6)" in _details(event)


def test_transaction_needs_biz_transactions():
    event = _event(type="TransactionEvent")
    assert "TransactionEvent needs a non-empty bizTransactionList" in _details(event)


def test_wrong_check_digit_is_a_warning_not_a_rejection():
    event = _event(epcList=["https://id.gs1.org/01/08934567123450/21/1"])
    problems = validate_event(event, {})
    assert [p.is_warning for p in problems] == [True]
    assert "check digit" in problems[0].detail
