"""A capture that commits late never falls behind a subscription's watermark (PostgreSQL)."""

from __future__ import annotations

import threading

import orjson
import pytest
from django.db import connection, connections

from txng.accounts.principal import Principal
from txng.epcis import queries, services
from txng.epcis.document import parse_document
from txng.epcis.services import events_capture
from txng.registry.tests.factories import OrganizationFactory

CONTEXT = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"]


def _document(serial: str):
    body = {
        "@context": CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "epcisBody": {
            "eventList": [
                {
                    "type": "ObjectEvent",
                    "eventTime": "2026-07-22T06:45:00.000+07:00",
                    "eventTimeZoneOffset": "+07:00",
                    "action": "OBSERVE",
                    "epcList": [f"urn:epc:id:sgtin:8934567.012345.{serial}"],
                }
            ]
        },
    }
    return parse_document(orjson.dumps(body), "application/json", validate=False)


@pytest.mark.django_db(transaction=True)
def test_events_committed_out_of_id_order_are_all_delivered(monkeypatch: pytest.MonkeyPatch) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes writers, so ids commit in order")
    # given: capture A has allocated its ids and stays open; capture B allocates later ids and commits
    organization = OrganizationFactory()
    actor = Principal(label="test", is_admin=True)
    reader = Principal(label="reader", organization_ids=frozenset({organization.pk}))
    allocated, release = threading.Event(), threading.Event()
    index = services.lineage_index_captured

    def slow_index(*rows, **known):  # type: ignore[no-untyped-def]
        index(*rows, **known)
        if threading.current_thread().name == "capture-a":
            allocated.set()
            release.wait(timeout=30)

    monkeypatch.setattr(services, "lineage_index_captured", slow_index)

    def capture_a() -> None:
        try:
            events_capture(actor=actor, organization=organization, document=_document("A"))
        finally:
            connections.close_all()

    thread = threading.Thread(target=capture_a, name="capture-a")
    thread.start()
    assert allocated.wait(timeout=30)
    events_capture(actor=actor, organization=organization, document=_document("B"))
    # when: a subscription pages by id while A is still open
    early = queries._events_after(reader, {}, after_pk=0, limit=100)
    release.set()
    thread.join(timeout=30)
    late = queries._events_after(reader, {}, after_pk=early.last_event_pk, limit=100)
    # then: B waits behind A's floor, and after A commits both arrive, none skipped
    assert early.events == []
    serials = sorted(e["epcList"][0].rsplit(".", 1)[1] for e in late.events)
    assert serials == ["A", "B"]
