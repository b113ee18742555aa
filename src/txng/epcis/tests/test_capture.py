"""The capture service: hashing, idempotency, error behaviour, indexing, query count."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from txng.accounts.principal import OPERATOR, PUBLIC, principal_for_token
from txng.accounts.services import api_token_create
from txng.core.errors import PermissionDenied
from txng.core.models import AuditEntry
from txng.epcis.document import parse_document
from txng.epcis.hashing import event_hash_id
from txng.epcis.models import CaptureJob, Event, EventIdentifier
from txng.epcis.services import events_capture
from txng.epcis.validation import EPCISValidationError
from txng.registry.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

CONTEXT = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"]


def event(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "type": "ObjectEvent",
        "eventTime": "2026-07-22T06:45:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "epcList": ["urn:epc:id:sgtin:8934567.012345.1"],
    }
    base.update(fields)
    return base


def parsed(*events: dict[str, object]):
    body = {"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0", "epcisBody": {"eventList": events}}
    return parse_document(orjson.dumps(body), "application/json", validate=False)


@pytest.fixture
def organization():
    return OrganizationFactory()


@pytest.fixture
def actor(organization):
    token, _ = api_token_create(actor=OPERATOR, organization=organization)
    return principal_for_token(token)


def test_event_without_id_gets_its_hash_as_event_id(actor, organization):
    sent = event()
    expected = event_hash_id(sent, {})
    events_capture(actor=actor, organization=organization, document=parsed(sent))
    stored = Event.objects.get()
    assert stored.event_id == expected
    assert stored.event_hash == expected
    assert stored.document["eventID"] == expected


def test_record_time_is_set_by_the_repository(actor, organization):
    events_capture(actor=actor, organization=organization, document=parsed(event(recordTime="2000-01-01T00:00:00Z")))
    stored = Event.objects.get()
    assert stored.document["recordTime"] != "2000-01-01T00:00:00Z"
    assert stored.record_time.year >= 2026


def test_same_event_with_another_event_id_is_skipped_by_hash(actor, organization):
    events_capture(actor=actor, organization=organization, document=parsed(event(eventID="urn:uuid:1")))
    result = events_capture(actor=actor, organization=organization, document=parsed(event(eventID="urn:uuid:2")))
    assert result.captured_count == 0
    assert result.skipped_count == 1
    assert Event.objects.count() == 1


def test_duplicate_inside_one_document_is_stored_once(actor, organization):
    result = events_capture(actor=actor, organization=organization, document=parsed(event(), event()))
    assert result.captured_count == 1
    assert Event.objects.count() == 1


def test_another_organization_may_capture_the_same_event(actor, organization):
    other = OrganizationFactory()
    token, _ = api_token_create(actor=OPERATOR, organization=other)
    events_capture(actor=actor, organization=organization, document=parsed(event(eventID="urn:uuid:1")))
    events_capture(actor=principal_for_token(token), organization=other, document=parsed(event(eventID="urn:uuid:1")))
    assert Event.objects.filter(event_id="urn:uuid:1").count() == 2


def test_rollback_raises_and_stores_nothing(actor, organization):
    with pytest.raises(EPCISValidationError, match="eventList/1"):
        events_capture(actor=actor, organization=organization, document=parsed(event(), event(action="JUMP")))
    assert Event.objects.count() == 0
    assert CaptureJob.objects.count() == 0


def test_proceed_stores_valid_events_and_records_the_errors(actor, organization):
    result = events_capture(
        actor=actor,
        organization=organization,
        document=parsed(event(), event(action="JUMP")),
        error_behaviour="proceed",
    )
    assert result.captured_count == 1
    assert result.job.status == CaptureJob.Status.FAILED
    assert result.job.event_count == 2
    assert [e["pointer"] for e in result.job.errors] == ["/epcisBody/eventList/1/action"]


def test_identifiers_are_indexed_in_canonical_form_with_quantities(actor, organization):
    sent = event(
        epcList=["urn:epc:id:sgtin:8934567.012345.1"],
        quantityList=[{"epcClass": "urn:epc:class:lgtin:8934567.012345.LOT1", "quantity": 12.5, "uom": "KGM"}],
    )
    events_capture(actor=actor, organization=organization, document=parsed(sent))
    rows = sorted(EventIdentifier.objects.values_list("role", "identifier", "gtin", "quantity", "uom"))
    assert rows == [
        ("class", "https://id.gs1.org/01/08934567123457/10/LOT1", "08934567123457", Decimal("12.5"), "KGM"),
        ("epc", "https://id.gs1.org/01/08934567123457/21/1", "08934567123457", None, ""),
    ]
    assert {row.organization_id for row in EventIdentifier.objects.all()} == {organization.pk}


def test_one_audit_entry_per_capture(actor, organization):
    events_capture(actor=actor, organization=organization, document=parsed(event(), event(action="ADD")))
    entry = AuditEntry.objects.get(action="epcis.capture")
    assert entry.changes == {"events": 2, "captured": 2, "skipped": 0}


def test_public_may_not_capture(organization):
    with pytest.raises(PermissionDenied):
        events_capture(actor=PUBLIC, organization=organization, document=parsed(event()))
    assert Event.objects.count() == 0


def test_query_count_does_not_grow_per_event(actor, organization):
    small = parsed(*(event(epcList=[f"urn:epc:id:sgtin:8934567.012345.a{i}"]) for i in range(5)))
    large = parsed(*(event(epcList=[f"urn:epc:id:sgtin:8934567.012345.b{i}"]) for i in range(300)))
    with CaptureQueriesContext(connection) as few:
        events_capture(actor=actor, organization=organization, document=small)
    with CaptureQueriesContext(connection) as many:
        events_capture(actor=actor, organization=organization, document=large)
    assert Event.objects.count() == 305
    # SQLite splits bulk inserts into 999-parameter batches: a few more statements, never one per event.
    # 9 statements of capture itself + 1 of the lot-graph indexing done in the same transaction (the known
    # containers: the graph is derived from the rows capture holds, not read back) + 1 publishing check
    # (txng.publishing.services.publishing_record_events); + 3 on PostgreSQL: 2 to open the capture's event
    # id floor (CaptureJob.event_pk_floor), 1 to share the lot graph's lock (lineage.services.GRAPH_LOCK_KEY).
    assert len(few.captured_queries) == 11 + (3 if connection.vendor == "postgresql" else 0)
    assert len(many.captured_queries) < 30


DECLARATION = {"declarationTime": "2026-07-23T08:00:00+07:00", "reason": "incorrect_data"}


def test_error_declaration_of_a_stored_event_is_stored_beside_it(actor, organization):
    # given an event stored earlier
    events_capture(actor=actor, organization=organization, document=parsed(event(eventID="urn:uuid:7")))
    # when the same event comes back with an errorDeclaration (EPCIS 2.0 §7.4.1.2)
    result = events_capture(
        actor=actor,
        organization=organization,
        document=parsed(event(eventID="urn:uuid:7", errorDeclaration=DECLARATION)),
    )
    # then the correction is a new event and the original is kept as it was
    assert result.captured_count == 1
    rows = list(Event.objects.order_by("pk").values_list("event_id", "is_error_declaration"))
    assert rows == [("urn:uuid:7", False), ("urn:uuid:7", True)]
    assert "errorDeclaration" not in Event.objects.order_by("pk").first().document


def test_error_declaration_sent_twice_is_stored_once(actor, organization):
    declared = event(eventID="urn:uuid:8", errorDeclaration=DECLARATION)
    events_capture(actor=actor, organization=organization, document=parsed(event(eventID="urn:uuid:8")))
    events_capture(actor=actor, organization=organization, document=parsed(declared))
    result = events_capture(actor=actor, organization=organization, document=parsed(declared))
    assert result.captured_count == 0
    assert result.skipped_count == 1
    assert Event.objects.filter(is_error_declaration=True).count() == 1


def test_event_detail_answers_with_the_declaration_once_an_error_is_declared(actor, organization, client):
    events_capture(actor=actor, organization=organization, document=parsed(event(eventID="urn:uuid:9")))
    events_capture(
        actor=actor,
        organization=organization,
        document=parsed(event(eventID="urn:uuid:9", errorDeclaration=DECLARATION)),
    )
    _, raw = api_token_create(actor=OPERATOR, organization=organization)
    response = client.get("/epcis/events/urn:uuid:9", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert b'"errorDeclaration"' in response.content
    assert b"incorrect_data" in response.content


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59.999-12:00", "0001-01-01T00:30:00.000+01:00"])
def test_an_event_time_outside_the_calendar_in_utc_is_refused_with_its_pointer(actor, organization, moment):
    with pytest.raises(EPCISValidationError) as raised:
        events_capture(actor=actor, organization=organization, document=parsed(event(eventTime=moment)))
    assert raised.value.problems[0].pointer == "/epcisBody/eventList/0/eventTime"
    assert "out of range" in str(raised.value)
    assert Event.objects.count() == 0
