"""The EPCIS 2.0 REST binding: capture through HTTP, query back, errors, limits (openapi.json)."""

from __future__ import annotations

from urllib.parse import quote

import orjson
import pytest

from txng.accounts.principal import OPERATOR
from txng.accounts.services import api_token_create
from txng.epcis.document import parse_document
from txng.epcis.models import CaptureJob, Event
from txng.epcis.tests.conftest import EXAMPLES
from txng.registry.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

VALID = sorted((EXAMPLES / "json" / "capture" / "documents").glob("*.json"))
INVALID = sorted((EXAMPLES / "json" / "capture" / "invalid").glob("*.json"))
EVENT = {
    "type": "ObjectEvent",
    "eventTime": "2026-07-22T06:45:00.000+07:00",
    "eventTimeZoneOffset": "+07:00",
    "action": "OBSERVE",
    "epcList": ["urn:epc:id:sgtin:8934567.012345.1"],
    "bizStep": "shipping",
}
CONTEXT = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"]


def document(*events: dict[str, object]) -> bytes:
    return orjson.dumps(
        {
            "@context": CONTEXT,
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2026-07-22T00:00:00Z",
            "epcisBody": {"eventList": list(events)},
        }
    )


def token_for(organization: object) -> dict[str, str]:
    _, raw = api_token_create(actor=OPERATOR, organization=organization)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def capture(client, body: bytes, auth: dict[str, str], content_type: str = "application/ld+json", **headers: str):
    return client.post("/epcis/capture", body, content_type=content_type, **auth, **headers)


@pytest.fixture
def org_a():
    return OrganizationFactory()


@pytest.fixture
def auth_a(org_a):
    return token_for(org_a)


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_every_valid_example_is_captured_and_queried_back_equal(client, auth_a, path):
    # given
    sent = parse_document(path.read_bytes(), "application/ld+json", validate=False).events
    # when
    response = capture(client, path.read_bytes(), auth_a)
    # then
    assert response.status_code == 202, response.content
    assert response.json()["success"] is True
    queried = client.get("/epcis/events", {"perPage": "1000"}, **auth_a).json()
    stored = queried["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert len(stored) == len(sent)
    for original, back in zip(sent, stored, strict=True):
        assert back["recordTime"]
        assert back["eventID"]
        expected = {k: v for k, v in original.items() if k not in ("eventID", "recordTime")}
        assert {k: v for k, v in back.items() if k not in ("eventID", "recordTime")} == expected
        if "eventID" in original:
            assert back["eventID"] == original["eventID"]


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_every_invalid_example_is_rejected_and_nothing_stored(client, auth_a, path):
    response = capture(client, path.read_bytes(), auth_a)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "epcisException:ValidationException"
    assert response.json()["detail"]
    assert Event.objects.count() == 0


def test_capture_answers_202_with_the_job_location_and_gs1_headers(client, auth_a):
    response = capture(client, document(EVENT), auth_a)
    assert response.status_code == 202
    job = CaptureJob.objects.get()
    assert response["Location"] == f"/epcis/capture/{job.pk}"
    assert response["GS1-EPCIS-Version"] == "2.0.0"
    assert response["GS1-CBV-Version"] == "2.0.0"


def test_capture_job_reports_the_outcome(client, auth_a):
    location = capture(client, document(EVENT), auth_a)["Location"]
    body = client.get(location, **auth_a).json()
    assert body["running"] is False
    assert body["success"] is True
    assert body["captureErrorBehaviour"] == "rollback"
    assert body["errors"] == []


def test_capture_without_token_is_401_and_stores_nothing(client):
    response = client.post("/epcis/capture", document(EVENT), content_type="application/json")
    assert response.status_code == 401
    assert Event.objects.count() == 0


def test_wrong_content_type_is_415(client, auth_a):
    response = capture(client, document(EVENT), auth_a, content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["type"] == "epcisException:UnsupportedMediaTypeException"
    assert Event.objects.count() == 0


def test_oversized_document_is_413(client, auth_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200
    response = capture(client, document(EVENT), auth_a)
    assert response.status_code == 413
    assert response.json()["type"] == "epcisException:CaptureLimitExceededException"
    assert Event.objects.count() == 0


def test_xml_document_is_captured(client, auth_a):
    path = EXAMPLES / "xml" / "capture" / "documents" / "ObjectEvent.xml"
    response = capture(client, path.read_bytes(), auth_a, content_type="application/xml")
    assert response.status_code == 202, response.content
    assert Event.objects.count() == len(parse_document(path.read_bytes(), "application/xml").events)


def test_same_document_twice_is_stored_once(client, auth_a):
    capture(client, document(EVENT, {**EVENT, "action": "ADD"}), auth_a)
    response = capture(client, document(EVENT, {**EVENT, "action": "ADD"}), auth_a)
    assert response.json()["success"] is True
    assert Event.objects.count() == 2


def test_rollback_stores_nothing_when_one_event_is_invalid(client, auth_a):
    response = capture(client, document(EVENT, {**EVENT, "action": "JUMP"}), auth_a)
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"].startswith("/epcisBody/eventList/1")
    assert Event.objects.count() == 0


def test_proceed_stores_the_valid_events_and_reports_the_rest(client, auth_a):
    body = document(EVENT, {**EVENT, "action": "JUMP"})
    response = capture(client, body, auth_a, HTTP_GS1_CAPTURE_ERROR_BEHAVIOUR="proceed")
    assert response.status_code == 202
    job = client.get(response["Location"], **auth_a).json()
    assert job["success"] is False
    assert job["captureErrorBehaviour"] == "proceed"
    assert [e["pointer"].split("/")[3] for e in job["errors"]] == ["1"]
    assert Event.objects.count() == 1


def test_post_event_is_201_then_409(client, auth_a):
    event = {"@context": CONTEXT, **EVENT, "eventID": "urn:uuid:6a4f3a58-8a4b-4d0e-9a5f-7b7e0f1d2c3b"}
    first = client.post("/epcis/events", orjson.dumps(event), content_type="application/json", **auth_a)
    second = client.post("/epcis/events", orjson.dumps(event), content_type="application/json", **auth_a)
    assert first.status_code == 201
    assert first["Location"] == "/epcis/events/urn%3Auuid%3A6a4f3a58-8a4b-4d0e-9a5f-7b7e0f1d2c3b"
    assert second.status_code == 409
    assert Event.objects.count() == 1


def test_event_without_id_is_found_by_its_hash(client, auth_a):
    capture(client, document(EVENT), auth_a)
    event_id = Event.objects.get().event_id
    response = client.get(f"/epcis/events/{quote(event_id, safe='')}", **auth_a)
    assert event_id.startswith("ni:///sha-256;")
    assert response.status_code == 200
    events = response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert [e["eventID"] for e in events] == [event_id]


def test_other_organization_sees_neither_events_nor_capture_job(client, auth_a):
    # given
    location = capture(client, document(EVENT), auth_a)["Location"]
    event_id = Event.objects.get().event_id
    auth_b = token_for(OrganizationFactory())
    # when
    listed = client.get("/epcis/events", **auth_b).json()
    single = client.get(f"/epcis/events/{quote(event_id, safe='')}", **auth_b)
    job = client.get(location, **auth_b)
    # then
    assert listed["epcisBody"]["queryResults"]["resultsBody"]["eventList"] == []
    assert single.status_code == 404
    assert job.status_code == 404


def test_query_returns_xml_on_request(client, auth_a):
    capture(client, document(EVENT), auth_a)
    response = client.get("/epcis/events", HTTP_ACCEPT="application/xml", **auth_a)
    assert response["Content-Type"] == "application/xml"
    assert b"EPCISQueryDocument" in response.content


def test_unknown_query_parameter_is_400(client, auth_a):
    response = client.get("/epcis/events", {"EQ_colour": "red"}, **auth_a)
    assert response.status_code == 400
    assert response.json()["type"] == "epcisException:QueryParameterException"
