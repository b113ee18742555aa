"""Browse resources, GS1 headers, trading-partner visibility and query counts of the REST binding."""

from __future__ import annotations

from urllib.parse import quote

import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from txng.accounts.principal import OPERATOR
from txng.accounts.services import api_token_create
from txng.registry.tests.factories import FacilityFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

CONTEXT = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"]
SGTIN = "urn:epc:id:sgtin:8934567.012345.{}"
SHIPPING = {
    "type": "ObjectEvent",
    "eventTime": "2026-07-22T06:45:00.000+07:00",
    "eventTimeZoneOffset": "+07:00",
    "action": "OBSERVE",
    "bizStep": "shipping",
    "disposition": "in_transit",
    "readPoint": {"id": "urn:epc:id:sgln:8934567.00001.0"},
    "bizLocation": {"id": "urn:epc:id:sgln:8934567.00001.0"},
}


def event(serial: int, **fields: object) -> dict[str, object]:
    return {**SHIPPING, "epcList": [SGTIN.format(serial)], **fields}


def token_for(organization: object) -> dict[str, str]:
    _, raw = api_token_create(actor=OPERATOR, organization=organization)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def capture(client, auth: dict[str, str], *events: dict[str, object]) -> None:
    body = {"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0", "epcisBody": {"eventList": events}}
    response = client.post("/epcis/capture", orjson.dumps(body), content_type="application/ld+json", **auth)
    assert response.status_code == 202, response.content
    assert response.json()["success"] is True, response.content


def event_list(response) -> list[dict[str, object]]:
    assert response.status_code == 200, response.content
    return response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]


@pytest.fixture
def auth():
    return token_for(OrganizationFactory())


def test_event_types_lists_the_five_types(client):
    response = client.get("/epcis/eventTypes")
    assert response.json()["member"] == [
        "ObjectEvent",
        "AggregationEvent",
        "TransactionEvent",
        "TransformationEvent",
        "AssociationEvent",
    ]
    assert response["GS1-EPCIS-Version"] == "2.0.0"
    assert client.get("/epcis/eventTypes/ObjectEvent").json()["member"] == ["events"]
    assert client.get("/epcis/eventTypes/NoSuchEvent").status_code == 404


def test_event_type_events(client, auth):
    capture(client, auth, event(1), event(2, type="ObjectEvent", action="ADD"))
    assert len(event_list(client.get("/epcis/eventTypes/ObjectEvent/events", **auth))) == 2
    assert event_list(client.get("/epcis/eventTypes/AggregationEvent/events", **auth)) == []


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        ("bizSteps", ["receiving", "shipping"]),
        ("dispositions", ["in_progress", "in_transit"]),
        ("readPoints", ["https://id.gs1.org/414/8934567000017"]),
        ("bizLocations", ["https://id.gs1.org/414/8934567000017"]),
        ("epcs", ["https://id.gs1.org/01/08934567123457/21/1", "https://id.gs1.org/01/08934567123457/21/2"]),
    ],
)
def test_browse_lists_distinct_values(client, auth, resource, expected):
    capture(client, auth, event(1), event(2, bizStep="receiving", disposition="in_progress"), event(1, action="ADD"))
    response = client.get(f"/epcis/{resource}", **auth)
    assert response.json() == {
        "@context": "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
        "type": "Collection",
        "member": expected,
    }


def test_browse_lists_are_paginated(client, auth):
    capture(client, auth, event(1), event(2), event(3))
    first = client.get("/epcis/epcs", {"perPage": "2"}, **auth)
    assert len(first.json()["member"]) == 2
    link = first["Link"]
    assert link.endswith('>; rel="next"')
    assert first["GS1-Next-Page-Token-Expires"].endswith("Z")
    second = client.get(link[1 : link.index(">")], **auth)
    assert second.json()["member"] == ["https://id.gs1.org/01/08934567123457/21/3"]
    assert "Link" not in second


def test_browse_lists_respect_visibility(client, auth):
    capture(client, auth, event(1))
    assert client.get("/epcis/bizSteps").json()["member"] == []
    assert client.get("/epcis/epcs", **token_for(OrganizationFactory())).json()["member"] == []


@pytest.mark.parametrize(
    ("path", "count"),
    [
        ("/epcis/bizSteps/urn:epcglobal:cbv:bizstep:shipping/events", 1),
        ("/epcis/bizSteps/receiving/events", 0),
        ("/epcis/dispositions/in_transit/events", 1),
        (f"/epcis/readPoints/{quote('urn:epc:id:sgln:8934567.00001.0', safe='')}/events", 1),
        (f"/epcis/bizLocations/{quote('https://id.gs1.org/414/8934567000017', safe='')}/events", 1),
        (f"/epcis/epcs/{quote('https://id.gs1.org/01/08934567123457/21/1', safe='')}/events", 1),
        (f"/epcis/epcs/{quote(SGTIN.format(2), safe='')}/events", 0),
    ],
)
def test_browse_events(client, auth, path, count):
    capture(client, auth, event(1))
    assert len(event_list(client.get(path, **auth))) == count


def test_browse_sub_resource_lists_events(client):
    assert client.get("/epcis/bizSteps/shipping").json()["member"] == ["events"]


def test_epc_format_always_epc_urn_renders_urns(client, auth):
    capture(client, auth, event(1, epcList=["https://id.gs1.org/01/08934567123457/21/1"]))
    response = client.get("/epcis/events", HTTP_GS1_EPC_FORMAT="Always_EPC_URN", **auth)
    [found] = event_list(response)
    assert found["epcList"] == [SGTIN.format(1)]
    assert found["readPoint"] == {"id": "urn:epc:id:sgln:8934567.00001.0"}
    assert response["GS1-EPC-Format"] == "Always_EPC_URN"


def test_epc_format_always_digital_link_renders_digital_links(client, auth):
    capture(client, auth, event(1))
    [found] = event_list(client.get("/epcis/events", HTTP_GS1_EPC_FORMAT="Always_GS1_Digital_Link", **auth))
    assert found["epcList"] == ["https://id.gs1.org/01/08934567123457/21/1"]
    assert found["bizLocation"] == {"id": "https://id.gs1.org/414/8934567000017"}


def test_without_epc_format_events_come_back_as_captured(client, auth):
    capture(client, auth, event(1))
    response = client.get("/epcis/events", **auth)
    assert event_list(response)[0]["epcList"] == [SGTIN.format(1)]
    assert response["GS1-EPC-Format"] == "No_Preference"


def test_epcs_browse_honours_epc_format(client, auth):
    capture(client, auth, event(1))
    response = client.get("/epcis/epcs", HTTP_GS1_EPC_FORMAT="Always_EPC_URN", **auth)
    assert response.json()["member"] == [SGTIN.format(1)]


def test_next_page_headers(client, auth):
    capture(client, auth, event(1), event(2))
    response = client.get("/epcis/events", {"perPage": "1", "orderBy": "eventTime"}, **auth)
    assert response["Link"].startswith("</epcis/events?perPage=1&orderBy=eventTime&nextPageToken=")
    assert response["GS1-Next-Page-Token-Expires"].endswith("Z")


def test_unknown_parameter_is_a_400_problem(client):
    response = client.get("/epcis/events", {"EQ_colour": "red"})
    assert response.status_code == 400
    assert response.json()["type"] == "epcisException:QueryParameterException"


def test_max_event_count_is_a_413_problem(client, auth):
    capture(client, auth, event(1), event(2))
    response = client.get("/epcis/events", {"maxEventCount": "1"}, **auth)
    assert response.status_code == 413
    assert response.json()["type"] == "epcisException:QueryTooLargeException"


# -- trading partners (sourceList / destinationList) --------------------------------------------------


@pytest.fixture
def shipment(client):
    """Organization A ships to organization B's facility; C is a bystander."""
    org_a, org_b = OrganizationFactory(gln="8934567000017"), OrganizationFactory()
    FacilityFactory(organization=org_b, gln="8934568000016")
    capture(
        client,
        token_for(org_a),
        event(
            1,
            sourceList=[{"type": "owning_party", "source": "urn:epc:id:pgln:8934567.00001"}],
            destinationList=[{"type": "location", "destination": "https://id.gs1.org/414/8934568000016"}],
        ),
        event(2),
    )
    return org_a, org_b


def test_destination_sees_the_shipping_event(client, shipment):
    _, org_b = shipment
    found = event_list(client.get("/epcis/events", **token_for(org_b)))
    assert [e["epcList"] for e in found] == [[SGTIN.format(1)]]


def test_bystander_does_not_see_the_shipping_event(client, shipment):
    assert event_list(client.get("/epcis/events", **token_for(OrganizationFactory()))) == []


def test_destination_named_in_urn_form_is_a_trading_partner(client):
    org_a, org_b = OrganizationFactory(), OrganizationFactory(gln="8934568000016")
    destination = [{"type": "owning_party", "destination": "urn:epc:id:pgln:8934568.00001"}]
    capture(client, token_for(org_a), event(1, destinationList=destination))
    assert len(event_list(client.get("/epcis/events", **token_for(org_b)))) == 1


# -- query counts -------------------------------------------------------------------------------------


def test_a_page_of_100_events_takes_a_bounded_number_of_queries(client, auth):
    capture(client, auth, *(event(i, epcList=[SGTIN.format(i), SGTIN.format(i + 1000)]) for i in range(100)))
    with CaptureQueriesContext(connection) as queries:
        found = event_list(client.get("/epcis/events", {"perPage": "100"}, **auth))
    assert len(found) == 100
    # token lookup (+ last-used update) and the page itself: independent of the page size
    assert len(queries) <= 4, [q["sql"][:120] for q in queries.captured_queries]
