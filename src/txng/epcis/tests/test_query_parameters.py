"""SimpleEventQuery parameter families beyond the basics (EPCIS 2.0 §8.2.7.1): each positive and negative."""

from __future__ import annotations

import orjson
import pytest

from txng.accounts.principal import OPERATOR, principal_for_token
from txng.accounts.services import api_token_create
from txng.epcis.document import parse_document
from txng.epcis.selectors import events_query
from txng.epcis.services import events_capture
from txng.epcis.validation import EPCISValidationError
from txng.registry.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

CONTEXT = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld", {"ex": "https://ns.example.vn/epcis/"}]
SGTIN = "urn:epc:id:sgtin:8934567.012345.{}"
LGTIN = "urn:epc:class:lgtin:8934567.012345.L{}"


def event(serial: str, **fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "type": "ObjectEvent",
        "eventID": f"urn:uuid:00000000-0000-0000-0000-{serial:0>12}",
        "eventTime": "2026-07-22T06:45:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "epcList": [SGTIN.format(serial)],
    }
    base.update(fields)
    return {key: value for key, value in base.items() if value is not None}


@pytest.fixture
def actor():
    organization = OrganizationFactory()
    token, _ = api_token_create(actor=OPERATOR, organization=organization)
    return principal_for_token(token)


@pytest.fixture
def store(actor):
    def capture(*events: dict[str, object]) -> None:
        body = {
            "@context": CONTEXT,
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "epcisBody": {"eventList": events},
        }
        document = parse_document(orjson.dumps(body), "application/json", validate=False)
        organization_id = next(iter(actor.organization_ids))
        from txng.registry.models import Organization

        events_capture(actor=actor, organization=Organization.objects.get(pk=organization_id), document=document)

    return capture


def serials(actor, **params: str) -> list[str]:
    page = events_query(principal=actor, params={k: [v] for k, v in params.items()})
    return [e["eventID"][-1] for e in page.events]


def test_eq_action(actor, store):
    store(event("1"), event("2", action="ADD"))
    assert serials(actor, EQ_action="ADD") == ["2"]
    assert serials(actor, EQ_action="DELETE") == []


def test_wd_biz_location_matches_the_gln_and_its_extensions(actor, store):
    store(
        event("1", bizLocation={"id": "urn:epc:id:sgln:8934567.00001.0"}),
        event("2", bizLocation={"id": "urn:epc:id:sgln:8934567.00001.shed2"}),
        event("3", bizLocation={"id": "urn:epc:id:sgln:8934567.00002.0"}),
    )
    assert serials(actor, WD_bizLocation="https://id.gs1.org/414/8934567000017") == ["1", "2"]
    assert serials(actor, EQ_bizLocation="urn:epc:id:sgln:8934567.00001.0") == ["1"]
    assert serials(actor, WD_bizLocation="urn:epc:id:sgln:8934567.00001.shed2") == ["2"]


def test_wd_read_point(actor, store):
    store(event("1", readPoint={"id": "urn:epc:id:sgln:8934567.00001.gate"}), event("2"))
    assert serials(actor, WD_readPoint="urn:epc:id:sgln:8934567.00001.0") == ["1"]
    assert serials(actor, WD_readPoint="urn:epc:id:sgln:8934567.00002.0") == []


def test_persistent_disposition_set_and_unset(actor, store):
    store(
        event("1", persistentDisposition={"set": ["completeness_verified"], "unset": ["completeness_inferred"]}),
        event("2"),
    )
    assert serials(actor, EQ_persistentDisposition_set="urn:epcglobal:cbv:disp:completeness_verified") == ["1"]
    assert serials(actor, EQ_persistentDisposition_unset="completeness_inferred") == ["1"]
    assert serials(actor, EQ_persistentDisposition_set="completeness_inferred") == []


def test_transformation_id(actor, store):
    transformation = {"type": "TransformationEvent", "action": None, "epcList": None, "inputEPCList": [SGTIN.format(8)]}
    store(event("1", **transformation, transformationID="urn:uuid:11111111-0000-0000-0000-000000000001"), event("2"))
    assert serials(actor, EQ_transformationID="urn:uuid:11111111-0000-0000-0000-000000000001") == ["1"]
    assert serials(actor, EQ_transformationID="urn:uuid:11111111-0000-0000-0000-000000000002") == []


def test_quantity_comparisons(actor, store):
    store(
        event("1", epcList=None, quantityList=[{"epcClass": LGTIN.format(1), "quantity": 5, "uom": "KGM"}]),
        event("2", epcList=None, quantityList=[{"epcClass": LGTIN.format(2), "quantity": 20, "uom": "KGM"}]),
    )
    assert serials(actor, EQ_quantity="5") == ["1"]
    assert serials(actor, GT_quantity="5") == ["2"]
    assert serials(actor, GE_quantity="5") == ["1", "2"]
    assert serials(actor, LT_quantity="20") == ["1"]
    assert serials(actor, LE_quantity="4.5") == []
    with pytest.raises(EPCISValidationError, match="not a number"):
        serials(actor, GT_quantity="many")


def test_match_epc_class_variants(actor, store):
    store(
        event(
            "1",
            type="TransformationEvent",
            action=None,
            epcList=None,
            inputQuantityList=[{"epcClass": LGTIN.format(1), "quantity": 1}],
            outputQuantityList=[{"epcClass": LGTIN.format(2), "quantity": 1}],
        ),
        event("2", epcList=None, quantityList=[{"epcClass": LGTIN.format(1), "quantity": 1}]),
    )
    assert serials(actor, MATCH_inputEPCClass=LGTIN.format(1)) == ["1"]
    assert serials(actor, MATCH_outputEPCClass=LGTIN.format(2)) == ["1"]
    assert serials(actor, MATCH_epcClass=LGTIN.format(1)) == ["2"]
    assert serials(actor, MATCH_anyEPCClass=LGTIN.format(1)) == ["1", "2"]
    assert serials(actor, MATCH_outputEPCClass=LGTIN.format(1)) == []


def test_error_declaration_parameters(actor, store):
    declared = {
        "declarationTime": "2026-07-23T01:00:00Z",
        "reason": "incorrect_data",
        "correctiveEventIDs": ["urn:uuid:00000000-0000-0000-0000-000000000003"],
    }
    store(event("1", errorDeclaration=declared), event("3"))
    assert serials(actor, EXISTS_errorDeclaration="true") == ["1"]
    assert serials(actor, EXISTS_errorDeclaration="false") == ["1", "3"]
    assert serials(actor, GE_errorDeclarationTime="2026-07-23T00:00:00Z") == ["1"]
    assert serials(actor, LT_errorDeclarationTime="2026-07-23T00:00:00Z") == []
    assert serials(actor, EQ_errorReason="urn:epcglobal:cbv:er:incorrect_data") == ["1"]
    assert serials(actor, EQ_errorReason="did_not_occur") == []
    assert serials(actor, EQ_correctiveEventID="urn:uuid:00000000-0000-0000-0000-000000000003") == ["1"]
    assert serials(actor, EQ_correctiveEventID="urn:uuid:00000000-0000-0000-0000-000000000009") == []


def test_biz_transaction_by_type(actor, store):
    store(
        event("1", bizTransactionList=[{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:8934567000016:PO-1"}]),
        event("2", bizTransactionList=[{"type": "inv", "bizTransaction": "urn:epcglobal:cbv:bt:8934567000016:PO-1"}]),
    )
    assert serials(actor, EQ_bizTransaction_po="urn:epcglobal:cbv:bt:8934567000016:PO-1") == ["1"]
    assert serials(
        actor, **{"EQ_bizTransaction_urn:epcglobal:cbv:btt:inv": "urn:epcglobal:cbv:bt:8934567000016:PO-1"}
    ) == ["2"]
    assert serials(actor, EQ_bizTransaction_po="urn:epcglobal:cbv:bt:8934567000016:PO-2") == []


def test_source_and_destination_by_type_in_either_identifier_form(actor, store):
    store(
        event(
            "1",
            sourceList=[{"type": "owning_party", "source": "urn:epc:id:pgln:8934567.00001"}],
            destinationList=[{"type": "location", "destination": "urn:epc:id:sgln:8934567.00002.0"}],
        ),
        event("2"),
    )
    assert serials(actor, EQ_source_owning_party="https://id.gs1.org/417/8934567000017") == ["1"]
    assert serials(actor, EQ_destination_location="urn:epc:id:sgln:8934567.00002.0") == ["1"]
    assert serials(actor, EQ_source_location="urn:epc:id:pgln:8934567.00001") == []
    assert serials(actor, EQ_destination_location="urn:epc:id:sgln:8934567.00001.0") == []


def test_ilmd_fields(actor, store):
    store(
        event("1", action="ADD", ilmd={"ex:grade": "A", "ex:weight": 12.5, "ex:origin": {"ex:province": "Cần Thơ"}}),
        event("2", action="ADD", ilmd={"ex:grade": "B", "ex:weight": 8}),
    )
    assert serials(actor, **{"EQ_ILMD_ex:grade": "A"}) == ["1"]
    assert serials(actor, **{"EQ_ILMD_ex:grade": "A|B"}) == ["1", "2"]
    assert serials(actor, **{"GT_ILMD_ex:weight": "10"}) == ["1"]
    assert serials(actor, **{"LE_ILMD_ex:weight": "8"}) == ["2"]
    assert serials(actor, **{"EXISTS_ILMD_ex:origin": ""}) == ["1"]
    assert serials(actor, **{"EQ_INNER_ILMD_ex:province": "Cần Thơ"}) == ["1"]
    # top-level names are not INNER, and INNER names are not top-level
    assert serials(actor, **{"EQ_INNER_ILMD_ex:grade": "A"}) == []
    assert serials(actor, **{"EQ_ILMD_ex:province": "Cần Thơ"}) == []


def test_extension_fields(actor, store):
    store(event("1", **{"ex:temperature": 4, "ex:batch": {"ex:line": "L2"}}), event("2"))
    assert serials(actor, **{"EQ_ex:temperature": "4"}) == ["1"]
    assert serials(actor, **{"LT_ex:temperature": "4"}) == []
    assert serials(actor, **{"EXISTS_ex:batch": ""}) == ["1"]
    assert serials(actor, **{"EQ_INNER_ex:line": "L2"}) == ["1"]
    assert serials(actor, **{"EXISTS_ex:missing": ""}) == []


def test_extension_field_names_are_checked(actor):
    with pytest.raises(EPCISValidationError, match="unknown"):
        serials(actor, **{"EQ_ex:bad'name": "x"})


SENSOR = [
    {
        "sensorMetadata": {
            "time": "2026-07-22T06:00:00Z",
            "deviceID": "urn:epc:id:giai:8934567.1",
            "bizRules": "https://example.vn/rules",
        },
        "sensorReport": [
            {
                "type": "gs1:Temperature",
                "value": 6.5,
                "uom": "CEL",
                "minValue": 2,
                "maxValue": 8,
                "meanValue": 5,
                "sDev": 0.4,
            },
            {"type": "gs1:RelativeHumidity", "value": 80, "uom": "A93", "percRank": 50, "percValue": 79},
        ],
    }
]


def test_sensor_parameters(actor, store):
    store(event("1", sensorElementList=SENSOR), event("2"))
    assert serials(actor, EQ_type="gs1:Temperature") == ["1"]
    assert serials(actor, EQ_type="Temperature") == ["1"]
    assert serials(actor, EQ_type="gs1:Pressure") == []
    assert serials(actor, EQ_deviceID="urn:epc:id:giai:8934567.1") == ["1"]
    assert serials(actor, EQ_bizRules="https://example.vn/rules") == ["1"]
    assert serials(actor, GE_time="2026-07-22T00:00:00Z") == ["1"]
    assert serials(actor, LT_time="2026-07-22T00:00:00Z") == []
    assert serials(actor, GT_value_CEL="6") == ["1"]
    assert serials(actor, GT_value_CEL="7") == []
    assert serials(actor, GE_minValue_CEL="2", LE_maxValue_CEL="8") == ["1"]
    assert serials(actor, EQ_meanValue_CEL="5") == ["1"]
    assert serials(actor, LT_sDev_CEL="0.5") == ["1"]
    assert serials(actor, EQ_percRank="50", EQ_percValue_A93="79") == ["1"]


def test_sensor_parameters_match_one_and_the_same_report(actor, store):
    store(event("1", sensorElementList=SENSOR))
    # 80 is the humidity reading, not a temperature
    assert serials(actor, EQ_type="gs1:Temperature", GE_value_CEL="80") == []
    assert serials(actor, EQ_type="gs1:RelativeHumidity", GE_value_A93="80") == ["1"]


def test_order_by_event_time_both_directions(actor, store):
    store(
        event("1", eventTime="2026-07-03T00:00:00Z"),
        event("2", eventTime="2026-07-01T00:00:00Z"),
        event("3", eventTime="2026-07-02T00:00:00Z"),
    )
    assert serials(actor, orderBy="eventTime", orderDirection="ASC") == ["2", "3", "1"]
    assert serials(actor, orderBy="eventTime") == ["1", "3", "2"]  # DESC by default
    assert serials(actor, orderBy="recordTime", orderDirection="ASC") == ["1", "2", "3"]
    with pytest.raises(EPCISValidationError, match="orderBy"):
        serials(actor, orderBy="colour")
    with pytest.raises(EPCISValidationError, match="orderDirection"):
        serials(actor, orderBy="eventTime", orderDirection="UP")


def test_order_by_pagination_walks_ties_once(actor, store):
    # given: five events, three sharing one eventTime
    times = ["2026-07-02T00:00:00Z", "2026-07-01T00:00:00Z", "2026-07-02T00:00:00Z", "2026-07-03T00:00:00Z"]
    store(*(event(str(i), eventTime=t) for i, t in enumerate(times, 1)), event("5", eventTime=times[0]))
    params = {"orderBy": ["eventTime"], "orderDirection": ["DESC"], "perPage": ["2"]}
    # when
    seen: list[str] = []
    page = events_query(principal=actor, params=params)
    seen += [e["eventID"][-1] for e in page.events]
    while page.next_page_token:
        page = events_query(principal=actor, params={**params, "nextPageToken": [page.next_page_token]})
        seen += [e["eventID"][-1] for e in page.events]
    # then
    assert seen == ["4", "5", "3", "1", "2"]  # ties in reverse capture order


def test_event_count_limit_caps_the_whole_result_across_pages(actor, store):
    store(*(event(str(i)) for i in range(1, 6)))
    first = events_query(principal=actor, params={"eventCountLimit": ["3"], "perPage": ["2"]})
    second = events_query(
        principal=actor, params={"eventCountLimit": ["3"], "perPage": ["2"], "nextPageToken": [first.next_page_token]}
    )
    assert [e["eventID"][-1] for e in first.events + second.events] == ["1", "2", "3"]
    assert second.next_page_token is None


def test_max_event_count_raises_query_too_large(actor, store):
    store(event("1"), event("2"))
    assert serials(actor, maxEventCount="2") == ["1", "2"]
    with pytest.raises(EPCISValidationError, match="maxEventCount") as raised:
        serials(actor, maxEventCount="1")
    assert raised.value.type == "epcisException:QueryTooLargeException"
    with pytest.raises(EPCISValidationError, match="together"):
        serials(actor, maxEventCount="1", eventCountLimit="1")
