"""Named queries (openapi.json `/queries`): create, read, delete, run; visible only to their organization."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import orjson
import pytest

from txng.accounts.principal import OPERATOR
from txng.accounts.services import api_token_create
from txng.epcis.models_queries import NamedQuery, Subscription
from txng.epcis.queries import schedule_next
from txng.registry.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

CONTEXT = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"]
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def event(serial: int, biz_step: str = "shipping") -> dict[str, object]:
    return {
        "type": "ObjectEvent",
        "eventTime": "2026-07-22T06:45:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "epcList": [f"urn:epc:id:sgtin:8934567.012345.{serial}"],
        "bizStep": biz_step,
    }


def document(*events: dict[str, object]) -> bytes:
    body = {"eventList": list(events)}
    return orjson.dumps(
        {
            "@context": CONTEXT,
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2026-07-22T00:00:00Z",
            "epcisBody": body,
        }
    )


def token_for(organization: object) -> dict[str, str]:
    _, raw = api_token_create(actor=OPERATOR, organization=organization)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def create_query(client, auth, name="shipments", query=None):
    body = {"name": name, "query": query if query is not None else {"EQ_bizStep": ["shipping"]}}
    return client.post("/epcis/queries", orjson.dumps(body), content_type="application/json", **auth)


@pytest.fixture
def auth_a():
    return token_for(OrganizationFactory())


@pytest.fixture
def auth_b():
    return token_for(OrganizationFactory())


def test_create_returns_201_with_location_and_the_definition_reads_back(client, auth_a):
    # when
    response = create_query(client, auth_a, query={"EQ_bizStep": ["shipping", "receiving"], "eventType": "ObjectEvent"})
    # then
    assert response.status_code == 201, response.content
    assert response["Location"] == "/epcis/queries/shipments"
    assert client.get("/epcis/queries/shipments", **auth_a).json() == {
        "name": "shipments",
        "query": {"EQ_bizStep": ["shipping", "receiving"], "eventType": "ObjectEvent"},
    }
    assert [q["name"] for q in client.get("/epcis/queries", **auth_a).json()] == ["shipments"]


def test_the_same_name_twice_is_409_and_stores_one(client, auth_a):
    # given
    create_query(client, auth_a)
    # when
    response = create_query(client, auth_a)
    # then
    assert response.status_code == 409
    assert response.json()["type"] == "epcisException:ResourceAlreadyExistsException"
    assert NamedQuery.objects.count() == 1


def test_two_organizations_may_use_the_same_name(client, auth_a, auth_b):
    assert create_query(client, auth_a).status_code == 201
    assert create_query(client, auth_b).status_code == 201


def test_an_unknown_parameter_is_400_and_stores_nothing(client, auth_a):
    # when
    response = create_query(client, auth_a, query={"EQ_colour": "red", "nonsense": ["x"]})
    # then
    assert response.status_code == 400
    assert response.json()["type"] == "epcisException:QueryParameterException"
    assert NamedQuery.objects.count() == 0


def test_paging_parameters_are_not_part_of_a_query(client, auth_a):
    response = create_query(client, auth_a, query={"perPage": "5"})
    assert response.status_code == 400
    assert NamedQuery.objects.count() == 0


def test_the_public_cannot_create_a_query(client):
    response = create_query(client, {})
    assert response.status_code == 401
    assert NamedQuery.objects.count() == 0


def test_events_returns_only_matching_events_one_page_at_a_time(client, auth_a):
    # given
    client.post(
        "/epcis/capture",
        document(event(1), event(2, "receiving"), event(3)),
        content_type="application/ld+json",
        **auth_a,
    )
    create_query(client, auth_a)
    # when
    first = client.get("/epcis/queries/shipments/events", {"perPage": "1"}, **auth_a)
    next_url = first["Link"].split(">")[0].lstrip("<")
    second = client.get(next_url, **auth_a)

    # then
    def epcs(response):
        body = response.json()
        assert body["type"] == "EPCISQueryDocument"
        assert body["epcisBody"]["queryResults"]["queryName"] == "shipments"
        return [e["epcList"][0] for e in body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]

    assert epcs(first) == ["urn:epc:id:sgtin:8934567.012345.1"]
    assert epcs(second) == ["urn:epc:id:sgtin:8934567.012345.3"]
    assert "Link" not in second


def test_another_organization_cannot_see_run_or_delete_the_query(client, auth_a, auth_b):
    # given
    client.post("/epcis/capture", document(event(1)), content_type="application/ld+json", **auth_a)
    create_query(client, auth_a)
    # when / then
    assert client.get("/epcis/queries", **auth_b).json() == []
    assert client.get("/epcis/queries/shipments", **auth_b).status_code == 404
    assert client.get("/epcis/queries/shipments/events", **auth_b).status_code == 404
    assert client.delete("/epcis/queries/shipments", **auth_b).status_code == 404
    assert NamedQuery.objects.count() == 1


def test_another_organizations_query_with_the_same_filter_does_not_return_our_events(client, auth_a, auth_b):
    # given
    client.post("/epcis/capture", document(event(1)), content_type="application/ld+json", **auth_a)
    create_query(client, auth_b)
    # when
    body = client.get("/epcis/queries/shipments/events", **auth_b).json()
    # then
    assert body["epcisBody"]["queryResults"]["resultsBody"]["eventList"] == []


def test_delete_removes_the_query_and_its_subscriptions(client, auth_a, settings):
    # given
    settings.TXNG_ALLOW_HTTP_WEBHOOKS = True
    create_query(client, auth_a)
    subscribe = {"dest": "http://127.0.0.1:9/hook", "stream": True}
    assert (
        client.post(
            "/epcis/queries/shipments/subscriptions", orjson.dumps(subscribe), content_type="application/json", **auth_a
        ).status_code
        == 201
    )
    # when
    response = client.delete("/epcis/queries/shipments", **auth_a)
    # then
    assert response.status_code == 204
    assert NamedQuery.objects.count() == 0
    assert Subscription.objects.count() == 0


def test_schedule_hour_and_minute_fire_daily_at_that_minute_and_second_zero():
    after = datetime(2026, 7, 22, 1, 5, 0, tzinfo=HCM)
    assert schedule_next({"hour": "1", "minute": "5"}, after) == datetime(2026, 7, 23, 1, 5, 0, tzinfo=HCM)


def test_schedule_steps_ranges_and_lists():
    after = datetime(2026, 7, 22, 10, 0, 10, tzinfo=HCM)
    assert schedule_next({"second": "0/30"}, after) == datetime(2026, 7, 22, 10, 0, 30, tzinfo=HCM)
    assert schedule_next({"minute": "[15-20],45"}, after) == datetime(2026, 7, 22, 10, 15, 0, tzinfo=HCM)
    # 22/07/2026 is a Wednesday; dayOfWeek 1 is Monday (ISO 8601).
    assert schedule_next({"dayOfWeek": "1"}, after) == datetime(2026, 7, 27, 0, 0, 0, tzinfo=HCM)
