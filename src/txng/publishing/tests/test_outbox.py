"""The outbox: recorded in the capture/publication transaction, claimed with a lease, pushed with retries."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from txng.accounts.principal import OPERATOR, Principal
from txng.core.errors import PermissionDenied, ServiceError
from txng.epcis.models import Event
from txng.publishing.models import Destination, OutboxItem
from txng.publishing.services import (
    destination_add,
    outbox_requeue,
    publishing_record_events,
    token_decrypt,
)
from txng.publishing.tests.helpers import capture, epcis_endpoint, event
from txng.publishing.worker import outbox_claim, outbox_push, retry_delay
from txng.registry.tests.factories import OrganizationFactory, ProductFactory, next_tax_code
from txng.review.services import revision_open, revision_publish_created

pytestmark = pytest.mark.django_db


@pytest.fixture
def http_allowed(settings: object) -> None:
    settings.TXNG_ALLOW_HTTP_WEBHOOKS = True  # type: ignore[attr-defined]


@pytest.fixture
def destination(http_allowed: None) -> Destination:
    return destination_add(actor=OPERATOR, name="hub", url="http://127.0.0.1:9/epcis", token="secret-token")


def test_event_of_a_published_organization_is_queued_for_every_destination(destination: Destination) -> None:
    # given
    other = destination_add(actor=OPERATOR, name="portal", url="http://127.0.0.1:9/portal")
    organization = OrganizationFactory(is_published=True)
    # when
    result = capture(organization, event(1), event(2))
    # then
    items = OutboxItem.objects.order_by("destination_id", "reference")
    assert [(i.destination_id, i.kind, i.reference, i.status) for i in items] == [
        (destination.pk, "event", result.event_ids[0], "pending"),
        (destination.pk, "event", result.event_ids[1], "pending"),
        (other.pk, "event", result.event_ids[0], "pending"),
        (other.pk, "event", result.event_ids[1], "pending"),
    ]
    assert {i.object_id for i in items} == set(Event.objects.values_list("pk", flat=True))


def test_event_of_an_unpublished_organization_is_not_queued_and_costs_one_query(destination: Destination) -> None:
    # given
    organization = OrganizationFactory(is_published=False)
    capture(organization, event(1), event(2))
    rows = list(Event.objects.values_list("pk", "event_id", "event_hash"))
    # when
    with CaptureQueriesContext(connection) as queries:
        publishing_record_events(organization.pk, rows)
    # then
    assert len(queries) == 1
    assert OutboxItem.objects.count() == 0


def test_recording_the_same_events_twice_queues_them_once(destination: Destination) -> None:
    # given
    organization = OrganizationFactory(is_published=True)
    capture(organization, event(1))
    # when
    publishing_record_events(organization.pk, list(Event.objects.values_list("pk", "event_id", "event_hash")))
    # then
    assert OutboxItem.objects.count() == 1


def test_publishing_an_organization_queues_its_profile_and_its_earlier_events(destination: Destination) -> None:
    # given
    organization = OrganizationFactory(is_published=False)
    result = capture(organization, event(1), event(2))
    revision = revision_open(actor=OPERATOR, organization=organization, data={"name": "HTX Bưởi Năm Roi"})
    # when
    revision_publish_created(actor=OPERATOR, revision=revision)
    # then
    rows = OutboxItem.objects.order_by("kind", "reference").values_list("kind", "reference", "object_id")
    assert list(rows) == [
        ("event", result.event_ids[0], Event.objects.get(event_id=result.event_ids[0]).pk),
        ("event", result.event_ids[1], Event.objects.get(event_id=result.event_ids[1]).pk),
        ("organization", f"{organization.tax_code}#{revision.number}", organization.pk),
    ]


def test_publishing_a_product_queues_its_profile_only(destination: Destination) -> None:
    # given
    product = ProductFactory(organization=OrganizationFactory(is_published=True))
    revision = revision_open(
        actor=OPERATOR, organization=product.organization, product=product, data={"name": "Bưởi Năm Roi 2 kg"}
    )
    # when
    revision_publish_created(actor=OPERATOR, revision=revision)
    # then
    assert list(OutboxItem.objects.values_list("kind", "reference")) == [
        ("product", f"{product.gtin}#{revision.number}")
    ]


def test_destination_token_is_stored_encrypted(destination: Destination) -> None:
    # given / when: the fixture added the destination
    stored = Destination.objects.get(pk=destination.pk).token_encrypted
    # then
    assert "secret-token" not in stored
    assert token_decrypt(stored) == "secret-token"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hub.example.vn/epcis",
        "https://user:pw@hub.example.vn/epcis",
        "https://10.0.0.5/epcis",
        "http://hub.example.vn",
    ],
)
def test_destination_url_must_be_https_to_a_public_host(url: str) -> None:
    # when / then
    with pytest.raises(ServiceError):
        destination_add(actor=OPERATOR, name="bad", url=url)
    assert Destination.objects.count() == 0


def test_plain_http_to_loopback_needs_the_setting(settings: object) -> None:
    # given
    settings.TXNG_ALLOW_HTTP_WEBHOOKS = False  # type: ignore[attr-defined]
    settings.DEBUG = False  # type: ignore[attr-defined]
    # when / then
    with pytest.raises(ServiceError):
        destination_add(actor=OPERATOR, name="local", url="http://127.0.0.1:8000/epcis")


def test_only_dost_staff_add_destinations() -> None:
    # given
    business = Principal(label="business", organization_ids=frozenset({1}))
    # when / then
    with pytest.raises(PermissionDenied):
        destination_add(actor=business, name="hub", url="https://hub.example.vn/epcis")


def test_two_claims_never_share_an_item(destination: Destination) -> None:
    # given
    capture(OrganizationFactory(is_published=True), *(event(n) for n in range(5)))
    now = timezone.now()
    # when
    _, first = outbox_claim(destination, now=now, limit=3)
    _, second = outbox_claim(destination, now=now, limit=3)
    # then
    assert len(first) == 3
    assert len(second) == 2
    assert not {i.pk for i in first} & {i.pk for i in second}


def test_a_lapsed_lease_is_claimed_again(destination: Destination, settings: object) -> None:
    # given: a worker claimed everything, then died
    settings.TXNG_PUBLISHING_LEASE_SECONDS = 60  # type: ignore[attr-defined]
    capture(OrganizationFactory(is_published=True), event(1))
    now = timezone.now()
    outbox_claim(destination, now=now, limit=10)
    # when
    _, during = outbox_claim(destination, now=now + timedelta(seconds=30), limit=10)
    _, after = outbox_claim(destination, now=now + timedelta(seconds=61), limit=10)
    # then
    assert during == []
    assert len(after) == 1


def test_retry_delay_grows_exponentially_with_jitter(settings: object) -> None:
    # given
    settings.TXNG_PUBLISHING_RETRY_BASE_SECONDS = 10  # type: ignore[attr-defined]
    settings.TXNG_PUBLISHING_RETRY_MAX_SECONDS = 100  # type: ignore[attr-defined]
    # when
    delays = [retry_delay(n).total_seconds() for n in (1, 2, 3, 5)]
    # then
    assert 5 <= delays[0] <= 10
    assert 10 <= delays[1] <= 20
    assert 20 <= delays[2] <= 40
    assert 50 <= delays[3] <= 100  # capped


@pytest.mark.django_db(transaction=True)
def test_push_delivers_events_once_as_an_epcis_document(http_allowed: None) -> None:
    # given
    organization = OrganizationFactory(is_published=True)
    with epcis_endpoint() as (url, received):
        destination = destination_add(actor=OPERATOR, name="hub", url=url, token="node-token")
        result = capture(organization, event(1), event(2))
        # when
        report = outbox_push()
        again = outbox_push()
    # then
    assert (report.delivered, again.claimed) == (2, 0)
    assert len(received.bodies) == 1
    body = received.bodies[0]
    assert body["type"] == "EPCISDocument"
    assert [e["eventID"] for e in body["epcisBody"]["eventList"]] == result.event_ids
    headers = received.headers[0]
    assert headers["Authorization"] == "Bearer node-token"
    assert headers["GS1-Capture-Error-Behaviour"] == "proceed"
    assert set(OutboxItem.objects.filter(destination=destination).values_list("status", flat=True)) == {"delivered"}


@pytest.mark.django_db(transaction=True)
def test_server_errors_are_retried_later_with_back_off(http_allowed: None) -> None:
    # given
    with epcis_endpoint(lambda index, body: (503, {"title": "busy"})) as (url, received):
        destination_add(actor=OPERATOR, name="hub", url=url)
        capture(OrganizationFactory(is_published=True), event(1))
        before = timezone.now()
        # when
        report = outbox_push()
        again = outbox_push()
    # then
    item = OutboxItem.objects.get()
    assert (report.retried, again.claimed) == (1, 0)
    assert (item.status, item.attempts, item.last_error) == ("failed", 1, "HTTP 503")
    assert item.next_attempt_at > before
    assert len(received.bodies) == 1


@pytest.mark.django_db(transaction=True)
def test_unreachable_destination_is_retried_later(destination: Destination) -> None:
    # given: nothing listens on port 9
    capture(OrganizationFactory(is_published=True), event(1))
    # when
    report = outbox_push()
    # then
    item = OutboxItem.objects.get()
    assert (report.retried, item.status, item.attempts) == (1, "failed", 1)
    assert item.last_error


@pytest.mark.django_db(transaction=True)
def test_refusals_become_dead_letters_after_the_limit_and_can_be_requeued(http_allowed: None, settings: object) -> None:
    # given
    settings.TXNG_PUBLISHING_MAX_REFUSALS = 2  # type: ignore[attr-defined]
    with epcis_endpoint(lambda index, body: (401, {"detail": "unknown token"})) as (url, _received):
        destination = destination_add(actor=OPERATOR, name="hub", url=url)
        capture(OrganizationFactory(is_published=True), event(1))
        outbox_push()
        OutboxItem.objects.update(next_attempt_at=timezone.now())
        # when
        report = outbox_push()
    # then
    item = OutboxItem.objects.get()
    assert (report.dead, item.status, item.attempts) == (1, "dead", 2)
    assert item.last_error == "HTTP 401: unknown token"
    # and when the operator requeues it
    assert outbox_requeue(actor=OPERATOR, destination=destination) == 1
    item.refresh_from_db()
    assert (item.status, item.attempts) == ("pending", 0)


@pytest.mark.django_db(transaction=True)
def test_an_event_the_destination_refuses_is_failed_alone(http_allowed: None, settings: object) -> None:
    # given: the receiver's capture job refuses the second event of the batch (GS1-Capture-Error-Behaviour: proceed)
    settings.TXNG_PUBLISHING_MAX_REFUSALS = 1  # type: ignore[attr-defined]

    def refuse_second(index: int, body: dict[str, object]) -> tuple[int, dict[str, object]]:
        error = {"status": 400, "pointer": "/epcisBody/eventList/1/bizStep", "detail": "event 1: bad"}
        return 202, {"running": False, "success": False, "errors": [error]}

    with epcis_endpoint(refuse_second) as (url, _received):
        destination_add(actor=OPERATOR, name="hub", url=url)
        result = capture(OrganizationFactory(is_published=True), event(1), event(2))
        # when
        report = outbox_push()
    # then
    statuses = dict(OutboxItem.objects.values_list("reference", "status"))
    assert statuses == {result.event_ids[0]: "delivered", result.event_ids[1]: "dead"}
    assert (report.delivered, report.dead) == (1, 1)


@pytest.mark.django_db(transaction=True)
def test_profiles_travel_as_epcis_master_data(http_allowed: None) -> None:
    # given
    organization = OrganizationFactory(is_published=False, tax_code=next_tax_code(), gln="8931234500009")
    product = ProductFactory(organization=organization, name="Bưởi Năm Roi", net_content="2 kg")
    with epcis_endpoint() as (url, received):
        destination_add(actor=OPERATOR, name="hub", url=url)
        org_revision = revision_open(actor=OPERATOR, organization=organization, data={"address": "Ninh Kiều"})
        revision_publish_created(actor=OPERATOR, revision=org_revision)
        product_revision = revision_open(actor=OPERATOR, organization=organization, product=product, data={})
        revision_publish_created(actor=OPERATOR, revision=product_revision)
        # when
        report = outbox_push()
    # then
    assert report.delivered == 2
    vocabularies = received.bodies[0]["epcisHeader"]["epcisMasterData"]["vocabularyList"]
    assert [v["type"] for v in vocabularies] == [
        "urn:epcglobal:epcis:vtype:Party",
        "urn:epcglobal:epcis:vtype:EPCClass",
    ]
    party = vocabularies[0]["vocabularyElementList"][0]
    assert party["id"] == "https://id.gs1.org/417/8931234500009"
    assert {"id": "https://opentxng.org/voc/mda#taxCode", "attribute": organization.tax_code} in party["attributes"]
    assert {"id": "urn:epcglobal:cbv:mda#streetAddressOne", "attribute": "Ninh Kiều"} in party["attributes"]
    product_element = vocabularies[1]["vocabularyElementList"][0]
    assert product_element["id"] == f"https://id.gs1.org/01/{product.gtin}"
    assert {"id": "urn:epcglobal:cbv:mda#descriptionShort", "attribute": "Bưởi Năm Roi"} in product_element[
        "attributes"
    ]
    assert received.bodies[0]["epcisBody"]["eventList"] == []


def test_push_refuses_to_run_inside_a_transaction(destination: Destination) -> None:
    # given: pytest-django wraps this test in a transaction
    # when / then
    with pytest.raises(RuntimeError):
        outbox_push()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_claim_disjoint_items_and_leave_none_behind(destination: Destination) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks between connections)")
    # given
    capture(OrganizationFactory(is_published=True), *(event(n) for n in range(40)))
    start = threading.Barrier(4)

    def claim_until_empty() -> list[int]:
        taken: list[int] = []
        try:
            start.wait()
            while True:
                _, items = outbox_claim(destination, now=timezone.now(), limit=3)
                if not items:
                    return taken
                taken.extend(item.pk for item in items)
        finally:
            connection.close()

    # when
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = [future.result() for future in [pool.submit(claim_until_empty) for _ in range(4)]]
    # then
    claimed = [pk for taken in results for pk in taken]
    assert len(claimed) == len(set(claimed)) == 40
