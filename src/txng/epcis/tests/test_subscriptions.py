"""Webhook subscriptions to named queries: signed, at-least-once, in order, retried with back-off."""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson
import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from txng.accounts.principal import OPERATOR
from txng.accounts.services import api_token_create
from txng.epcis.models import Event
from txng.epcis.models_queries import Subscription, SubscriptionDelivery
from txng.epcis.queries import subscriptions_deliver, subscriptions_notify_after_capture
from txng.epcis.tests.test_named_queries import create_query, document, event
from txng.registry.tests.factories import OrganizationFactory

# Delivery refuses to run inside a transaction (STYLE rule 4), so these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)
TOKEN = "13df38d8275b13f05704629e5f1cf3d45d6132d5"


class Receiver:
    """A webhook endpoint on 127.0.0.1 that records each POST and answers with the next planned status."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.received: list[tuple[Message, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((self.headers, body))  # names are case-insensitive
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"

    def events(self, index: int) -> list[str]:
        body = orjson.loads(self.received[index][1])
        return [e["epcList"][0] for e in body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]


def receiver_fixture(statuses: list[int]) -> Iterator[Receiver]:
    receiver = Receiver(statuses)
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from receiver_fixture([200])


@pytest.fixture
def flaky_receiver() -> Iterator[Receiver]:
    yield from receiver_fixture([500, 200])


@pytest.fixture(autouse=True)
def _http_webhooks(settings):
    settings.TXNG_ALLOW_HTTP_WEBHOOKS = True


@pytest.fixture
def org_a():
    return OrganizationFactory()


@pytest.fixture
def auth_a(org_a):
    _, raw = api_token_create(actor=OPERATOR, organization=org_a)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def auth_b():
    _, raw = api_token_create(actor=OPERATOR, organization=OrganizationFactory())
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def capture(client, auth, *events):
    response = client.post("/epcis/capture", document(*events), content_type="application/ld+json", **auth)
    assert response.status_code == 202, response.content


def subscribe(client, auth, name="shipments", **body):
    return client.post(
        f"/epcis/queries/{name}/subscriptions", orjson.dumps(body), content_type="application/json", **auth
    )


SHIPPED = ["urn:epc:id:sgtin:8934567.012345.1", "urn:epc:id:sgtin:8934567.012345.3"]


def test_stream_delivers_new_matching_events_once_with_a_valid_signature(client, auth_a, receiver):
    # given
    capture(client, auth_a, event(99))  # before the subscription: not sent (initialRecordTime = now)
    create_query(client, auth_a)
    created = subscribe(client, auth_a, dest=receiver.url, signatureToken=TOKEN, stream=True)
    assert created.status_code == 201, created.content
    capture(client, auth_a, event(1), event(2, "receiving"), event(3))
    # when
    first = subscriptions_deliver()
    second = subscriptions_deliver()
    # then
    assert (first.delivered, second.delivered, second.queued) == (1, 0, 0)
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    assert headers["GS1-Signature"] == hmac.new(TOKEN.encode(), body, hashlib.sha256).hexdigest()
    document_sent = orjson.loads(body)
    assert document_sent["type"] == "EPCISQueryDocument"
    assert document_sent["epcisBody"]["queryResults"]["subscriptionID"] == created.json()["subscriptionID"]
    assert receiver.events(0) == SHIPPED
    subscription = Subscription.objects.get()
    assert subscription.last_event_pk == Event.objects.get(document__epcList=[SHIPPED[1]]).pk
    assert subscription.last_notified_at is not None


def test_the_signature_token_is_never_returned_nor_stored_in_clear(client, auth_a, receiver):
    # given
    create_query(client, auth_a)
    # when
    created = subscribe(client, auth_a, dest=receiver.url, signatureToken=TOKEN, stream=True)
    shown = client.get(created["Location"], **auth_a)
    # then
    assert TOKEN not in created.content.decode()
    assert TOKEN not in shown.content.decode()
    assert shown.json()["stream"] is True
    assert TOKEN not in Subscription.objects.get().signature_token_encrypted


def test_a_failing_receiver_is_retried_later_and_gets_each_event_once(client, auth_a, flaky_receiver):
    # given
    create_query(client, auth_a)
    subscribe(client, auth_a, dest=flaky_receiver.url, signatureToken=TOKEN, stream=True)
    capture(client, auth_a, event(1), event(3))
    now = timezone.now()
    # when: the first attempt gets a 500
    failed = subscriptions_deliver(now=now)
    # then: nothing advanced; the retry waits for its back-off
    delivery = SubscriptionDelivery.objects.get()
    assert (failed.failed, delivery.status, delivery.attempts, delivery.response_code) == (1, "pending", 1, 500)
    assert Subscription.objects.get().last_event_pk < Event.objects.latest("pk").pk
    assert delivery.next_attempt_at == now + timedelta(seconds=30)
    assert subscriptions_deliver(now=now + timedelta(seconds=10)).delivered == 0
    assert len(flaky_receiver.received) == 1
    # when: the retry is due
    retried = subscriptions_deliver(now=now + timedelta(seconds=31))
    again = subscriptions_deliver(now=now + timedelta(seconds=60))
    # then: the same body was sent again, once, and the watermark moved to the last event
    assert (retried.delivered, again.delivered, again.queued) == (1, 0, 0)
    assert len(flaky_receiver.received) == 2
    assert flaky_receiver.received[0][1] == flaky_receiver.received[1][1]
    assert flaky_receiver.events(1) == SHIPPED
    assert Subscription.objects.get().last_event_pk == Event.objects.latest("pk").pk
    assert SubscriptionDelivery.objects.get().status == "delivered"


def test_after_the_last_attempt_the_delivery_is_dead_and_the_subscription_suspended(
    client, auth_a, settings, flaky_receiver
):
    # given
    settings.TXNG_WEBHOOK_MAX_ATTEMPTS = 1
    create_query(client, auth_a)
    subscribe(client, auth_a, dest=flaky_receiver.url, stream=True)
    capture(client, auth_a, event(1))
    # when
    report = subscriptions_deliver()
    later = subscriptions_deliver(now=timezone.now() + timedelta(days=1))
    # then
    assert (report.dead, later.queued, later.delivered) == (1, 0, 0)
    assert SubscriptionDelivery.objects.get().status == "dead"
    assert Subscription.objects.get().is_active is False
    assert len(flaky_receiver.received) == 1


def test_an_organization_cannot_subscribe_to_another_organizations_query(client, auth_a, auth_b, receiver):
    # given
    create_query(client, auth_a)
    # when
    response = subscribe(client, auth_b, dest=receiver.url, stream=True)
    # then
    assert response.status_code == 404
    assert Subscription.objects.count() == 0


def test_a_subscription_never_sends_another_organizations_events(client, auth_a, auth_b, receiver):
    # given: B subscribes to its own query with the same filter, then A captures
    create_query(client, auth_b)
    subscribe(client, auth_b, dest=receiver.url, stream=True)
    capture(client, auth_a, event(1), event(3))
    # when
    report = subscriptions_deliver()
    # then
    assert (report.queued, report.delivered) == (0, 0)
    assert receiver.received == []


@pytest.mark.parametrize(
    "dest",
    [
        "ftp://127.0.0.1/hook",
        "http://example.com/hook",
        "https://10.0.0.1/hook",
        "https://user:pw@example.com/",
        "hook",
    ],
)
def test_a_bad_destination_is_a_400_problem(client, auth_a, dest):
    # given
    create_query(client, auth_a)
    # when
    response = subscribe(client, auth_a, dest=dest, stream=True)
    # then
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "epcisException:ValidationException"
    assert Subscription.objects.count() == 0


def test_plain_http_to_this_machine_needs_the_setting(client, auth_a, settings, receiver):
    # given
    settings.TXNG_ALLOW_HTTP_WEBHOOKS = False
    settings.DEBUG = False
    create_query(client, auth_a)
    # when
    response = subscribe(client, auth_a, dest=receiver.url, stream=True)
    # then
    assert response.status_code == 400
    assert Subscription.objects.count() == 0


def test_stream_and_schedule_are_mutually_exclusive_and_one_is_required(client, auth_a, receiver):
    create_query(client, auth_a)
    assert subscribe(client, auth_a, dest=receiver.url).status_code == 400
    assert subscribe(client, auth_a, dest=receiver.url, stream=True, schedule={"minute": "5"}).status_code == 400
    assert subscribe(client, auth_a, dest=receiver.url, schedule={"minute": "61"}).status_code == 400
    assert Subscription.objects.count() == 0


def test_a_schedule_with_report_if_empty_sends_an_empty_document_when_due(client, auth_a, receiver):
    # given
    create_query(client, auth_a)
    subscribe(client, auth_a, dest=receiver.url, reportIfEmpty=True, schedule={"second": "0/30"})
    subscription = Subscription.objects.get()
    # when
    early = subscriptions_deliver(now=subscription.next_run_at - timedelta(seconds=1))
    due = subscriptions_deliver(now=subscription.next_run_at)
    # then
    assert (early.queued, due.delivered) == (0, 1)
    assert receiver.events(0) == []
    assert Subscription.objects.get().next_run_at == subscription.next_run_at + timedelta(seconds=30)


def test_the_capture_hook_enqueues_a_delivery_task_on_commit(org_a):
    # when
    subscriptions_notify_after_capture(org_a.pk)
    # then
    task = DBTaskResult.objects.get()
    assert task.task_path == "txng.epcis.tasks.deliver_subscriptions_task"
    assert task.args_kwargs == {"args": [], "kwargs": {"organization_id": org_a.pk}}


def test_unsubscribe_stops_delivery(client, auth_a, receiver):
    # given
    create_query(client, auth_a)
    created = subscribe(client, auth_a, dest=receiver.url, stream=True)
    # when
    response = client.delete(created["Location"], **auth_a)
    capture(client, auth_a, event(1))
    # then
    assert response.status_code == 204
    assert subscriptions_deliver().queued == 0
    assert receiver.received == []
