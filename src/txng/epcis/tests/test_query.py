"""Querying events: SimpleEventQuery parameters, keyset pagination, visibility (EPCIS 2.0 §8.2.7.1)."""

from __future__ import annotations

import orjson
import pytest

from txng.accounts.principal import OPERATOR, PUBLIC, principal_for_token
from txng.accounts.services import api_token_create
from txng.epcis.document import parse_document
from txng.epcis.selectors import events_query
from txng.epcis.services import events_capture
from txng.epcis.validation import EPCISValidationError
from txng.registry.tests.factories import OrganizationFactory, ProductFactory

pytestmark = pytest.mark.django_db

CONTEXT = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"]
SGTIN = "urn:epc:id:sgtin:8934567.012345.{}"


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
def organization():
    return OrganizationFactory()


@pytest.fixture
def actor(organization):
    token, _ = api_token_create(actor=OPERATOR, organization=organization)
    return principal_for_token(token)


@pytest.fixture
def store(actor, organization):
    def capture(*events: dict[str, object]) -> None:
        body = {
            "@context": CONTEXT,
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "epcisBody": {"eventList": events},
        }
        document = parse_document(orjson.dumps(body), "application/json", validate=False)
        events_capture(actor=actor, organization=organization, document=document)

    return capture


def serials(actor, **params: str) -> list[str]:
    page = events_query(principal=actor, params={k: [v] for k, v in params.items()})
    return [e["eventID"][-1] for e in page.events]


def test_match_epc_accepts_urn_and_digital_link_forms(actor, store):
    store(event("1"), event("2"))
    assert serials(actor, MATCH_epc=SGTIN.format("1")) == ["1"]
    assert serials(actor, MATCH_epc="https://example.vn/01/08934567123457/21/2") == ["2"]


def test_pipe_separated_values_are_alternatives(actor, store):
    store(event("1"), event("2"), event("3"))
    assert serials(actor, MATCH_epc=f"{SGTIN.format('1')}|{SGTIN.format('3')}") == ["1", "3"]


def test_match_epc_with_a_pattern_matches_every_serial(actor, store):
    store(event("1"), event("2"))
    assert serials(actor, MATCH_epc="urn:epc:idpat:sgtin:8934567.012345.*") == ["1", "2"]


def test_match_any_epc_parent_input_output_and_class(actor, store):
    parent = "urn:epc:id:sscc:8934567.0000000001"
    store(
        event("1", type="AggregationEvent", epcList=None, parentID=parent, childEPCs=[SGTIN.format("1")], action="ADD"),
        event(
            "2",
            type="TransformationEvent",
            action=None,
            epcList=None,
            inputEPCList=[SGTIN.format("7")],
            outputQuantityList=[{"epcClass": "urn:epc:class:lgtin:8934567.012345.L1", "quantity": 5, "uom": "KGM"}],
        ),
    )
    assert serials(actor, MATCH_parentID=parent) == ["1"]
    assert serials(actor, MATCH_anyEPC=parent) == ["1"]
    assert serials(actor, MATCH_epc=SGTIN.format("1")) == ["1"]
    assert serials(actor, MATCH_inputEPC=SGTIN.format("7")) == ["2"]
    assert serials(actor, MATCH_outputEPC=SGTIN.format("7")) == []
    assert serials(actor, MATCH_anyEPCClass="urn:epc:class:lgtin:8934567.012345.L1") == ["2"]
    assert serials(actor, MATCH_epcClass="urn:epc:class:lgtin:8934567.012345.L1") == []


def test_eq_biz_step_disposition_read_point_and_location(actor, store):
    sgln = "urn:epc:id:sgln:8934567.00001.0"
    store(
        event("1", bizStep="shipping", disposition="in_transit", readPoint={"id": sgln}, bizLocation={"id": sgln}),
        event("2", bizStep="receiving"),
    )
    assert serials(actor, EQ_bizStep="urn:epcglobal:cbv:bizstep:shipping") == ["1"]
    assert serials(actor, EQ_bizStep="https://ref.gs1.org/cbv/BizStep-receiving") == ["2"]
    assert serials(actor, EQ_disposition="in_transit") == ["1"]
    assert serials(actor, EQ_readPoint=sgln) == ["1"]
    assert serials(actor, EQ_bizLocation="https://id.gs1.org/414/8934567000017") == ["1"]


def test_event_time_range_and_event_type(actor, store):
    store(
        event("1", eventTime="2026-07-01T00:00:00+07:00"),
        event(
            "2",
            eventTime="2026-08-01T00:00:00+07:00",
            type="TransactionEvent",
            bizTransactionList=[{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:8934567000016:1"}],
        ),
    )
    assert serials(actor, GE_eventTime="2026-07-15T00:00:00Z") == ["2"]
    # An unencoded '+' arrives as a space.
    assert serials(actor, LT_eventTime="2026-07-15T00:00:00 07:00") == ["1"]
    assert serials(actor, eventType="TransactionEvent") == ["2"]
    assert serials(actor, EQ_eventID="urn:uuid:00000000-0000-0000-0000-000000000001") == ["1"]


def test_record_time_range(actor, store):
    store(event("1"))
    assert serials(actor, GE_recordTime="2000-01-01T00:00:00Z") == ["1"]
    assert serials(actor, LT_recordTime="2000-01-01T00:00:00Z") == []


def test_bad_time_and_unknown_parameter_are_query_exceptions(actor):
    with pytest.raises(EPCISValidationError, match="time zone"):
        events_query(principal=actor, params={"GE_eventTime": ["2026-07-01"]})
    with pytest.raises(EPCISValidationError, match="EQ_colour"):
        events_query(principal=actor, params={"EQ_colour": ["red"]})


def test_pagination_walks_every_event_once_while_events_are_captured(actor, store):
    # given
    store(*(event(str(i)) for i in range(1, 6)))
    # when
    first = events_query(principal=actor, params={"perPage": ["2"]})
    store(event("9"))  # captured between pages: appears at the end, shifts nothing
    second = events_query(principal=actor, params={"perPage": ["2"], "nextPageToken": [first.next_page_token]})
    third = events_query(principal=actor, params={"perPage": ["2"], "nextPageToken": [second.next_page_token]})
    # then
    pages = [[e["eventID"][-1] for e in page.events] for page in (first, second, third)]
    assert pages == [["1", "2"], ["3", "4"], ["5", "9"]]
    assert third.next_page_token is None


def test_next_page_token_is_bound_to_its_query(actor, store):
    store(event("1"), event("2"))
    token = events_query(principal=actor, params={"perPage": ["1"]}).next_page_token
    with pytest.raises(EPCISValidationError, match="different query"):
        events_query(principal=actor, params={"perPage": ["1"], "nextPageToken": [token], "eventType": ["ObjectEvent"]})


def test_link_header_points_to_the_next_page(client, actor, organization, store):
    store(event("1"), event("2"))
    _, raw = api_token_create(actor=OPERATOR, organization=organization)
    response = client.get("/epcis/events", {"perPage": "1"}, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response["Link"].startswith("</epcis/events?perPage=1&nextPageToken=")
    assert response["Link"].endswith('>; rel="next"')


def test_public_sees_only_events_naming_published_products_of_their_owner(actor, organization, store):
    # given
    organization.is_published = True
    organization.save()
    ProductFactory(organization=organization, gtin="08934567123457", is_published=True)
    store(event("1"), event("2", epcList=["urn:epc:id:sgtin:8934567.099999.1"]))
    # when / then
    assert serials(PUBLIC, perPage="10") == ["1"]


def test_public_does_not_see_events_about_someone_elses_product(actor, store):
    ProductFactory(gtin="08934567123457", is_published=True, organization__is_published=True)
    store(event("1"))
    assert serials(PUBLIC) == []
