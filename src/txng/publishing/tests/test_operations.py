"""Operating the outbox: the status API and page, dead-letter requeue, the task, the command, hub source nodes."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from txng.accounts.models import ApiToken
from txng.accounts.principal import OPERATOR
from txng.accounts.services import api_token_create
from txng.core.errors import ServiceError
from txng.publishing.models import Destination, OutboxItem, SourceNode
from txng.publishing.services import destination_add, source_node_add, token_decrypt
from txng.publishing.tasks import push_outbox_task
from txng.publishing.tests.helpers import capture, epcis_endpoint, event
from txng.registry.tests.factories import OrganizationFactory, business_user, next_tax_code, officer

pytestmark = pytest.mark.django_db


@pytest.fixture
def destination(settings: object) -> Destination:
    settings.TXNG_ALLOW_HTTP_WEBHOOKS = True  # type: ignore[attr-defined]
    return destination_add(actor=OPERATOR, name="hub", url="http://127.0.0.1:9/epcis", token="t0ken")


def _dead_letter(destination: Destination) -> OutboxItem:
    result = capture(OrganizationFactory(is_published=True), event(1))
    OutboxItem.objects.update(status=OutboxItem.Status.DEAD, attempts=3, last_error="HTTP 400: bad")
    assert result.event_ids
    return OutboxItem.objects.get()


def test_status_reports_lag_failures_and_dead_letters_per_destination(destination: Destination) -> None:
    # given: two waiting (one failing, an hour old), one dead, one delivered a minute ago
    capture(OrganizationFactory(is_published=True), *(event(n) for n in range(4)))
    items = list(OutboxItem.objects.order_by("pk"))
    hour_ago = timezone.now() - timedelta(hours=1)
    OutboxItem.objects.filter(pk=items[0].pk).update(created_at=hour_ago)
    OutboxItem.objects.filter(pk=items[1].pk).update(status="failed", attempts=2, last_error="HTTP 503")
    OutboxItem.objects.filter(pk=items[2].pk).update(status="dead", last_error="HTTP 400: bad")
    OutboxItem.objects.filter(pk=items[3].pk).update(status="delivered", delivered_at=timezone.now())
    client = Client()
    client.force_login(officer("dost"))
    # when
    response = client.get("/api/publishing/status")
    # then
    assert response.status_code == 200
    row = response.json()["destinations"][0]
    assert (row["name"], row["pending"], row["failing"], row["dead"], row["deliveredLastHour"]) == ("hub", 2, 1, 1, 1)
    assert 3590 <= row["lagSeconds"] <= 3700
    assert row["lastError"] == "HTTP 400: bad"


def test_status_is_refused_to_a_business() -> None:
    # given
    organization = OrganizationFactory()
    _, raw = api_token_create(actor=OPERATOR, organization=organization)
    # when
    response = Client().get("/api/publishing/status", HTTP_AUTHORIZATION=f"Bearer {raw}")
    # then
    assert response.status_code == 403


def test_operator_page_shows_destinations_and_dead_letters(destination: Destination) -> None:
    # given
    item = _dead_letter(destination)
    client = Client()
    client.force_login(officer("dost"))
    # when
    response = client.get("/publishing/")
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "hub" in html
    assert item.reference in html
    assert "HTTP 400: bad" in html


def test_operator_page_is_refused_to_a_business_user() -> None:
    # given
    client = Client()
    client.force_login(business_user(OrganizationFactory()))
    # when
    response = client.get("/publishing/")
    # then
    assert response.status_code == 403


def test_operator_page_asks_anonymous_visitors_to_sign_in() -> None:
    # when
    response = Client().get("/publishing/")
    # then
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_operator_requeues_one_dead_letter_from_the_page(destination: Destination) -> None:
    # given
    item = _dead_letter(destination)
    client = Client()
    client.force_login(officer("dost"))
    # when
    response = client.post(f"/publishing/destinations/{destination.pk}/requeue", {"item": str(item.pk)})
    # then
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.attempts) == ("pending", 0)


def test_business_user_cannot_requeue(destination: Destination) -> None:
    # given
    item = _dead_letter(destination)
    client = Client()
    client.force_login(business_user(OrganizationFactory()))
    # when
    response = client.post(f"/publishing/destinations/{destination.pk}/requeue", {"item": str(item.pk)})
    # then
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.status == "dead"


@pytest.mark.django_db(transaction=True)
def test_queueing_schedules_a_push_task_after_commit(destination: Destination) -> None:
    # when
    capture(OrganizationFactory(is_published=True), event(1))
    # then
    paths = list(DBTaskResult.objects.values_list("task_path", flat=True))
    assert paths.count("txng.publishing.tasks.push_outbox_task") == 1


@pytest.mark.django_db(transaction=True)
def test_push_task_delivers(settings: object) -> None:
    # given
    settings.TXNG_ALLOW_HTTP_WEBHOOKS = True  # type: ignore[attr-defined]
    with epcis_endpoint() as (url, received):
        destination_add(actor=OPERATOR, name="hub", url=url)
        capture(OrganizationFactory(is_published=True), event(1), event(2))
        # when
        delivered = push_outbox_task.call()
    # then
    assert delivered == 2
    assert len(received.bodies) == 1


def test_source_node_gets_a_published_organization_and_a_token() -> None:
    # given
    tax_code = next_tax_code()
    # when
    node, raw = source_node_add(actor=OPERATOR, code="can-tho", name="Can Tho City node", tax_code=tax_code)
    # then
    assert node.organization.tax_code == tax_code
    assert node.organization.is_published
    token = ApiToken.objects.get(organization=node.organization)
    assert raw.startswith(token.prefix)


def test_source_node_code_is_registered_once() -> None:
    # given
    source_node_add(actor=OPERATOR, code="can-tho", name="Can Tho", tax_code=next_tax_code())
    # when / then
    with pytest.raises(ServiceError):
        source_node_add(actor=OPERATOR, code="can-tho", name="Can Tho again", tax_code=next_tax_code())
    assert SourceNode.objects.count() == 1


def test_command_adds_a_destination_without_echoing_the_token(settings: object) -> None:
    # given
    settings.TXNG_ALLOW_HTTP_WEBHOOKS = True  # type: ignore[attr-defined]
    out = StringIO()
    # when
    call_command(
        "publishing", "destination", "add", "--name", "hub", "--url", "http://127.0.0.1:8001/epcis/",
        "--token", "s3cret", stdout=out,
    )  # fmt: skip
    call_command("publishing", "destination", "list", stdout=out)
    # then
    destination = Destination.objects.get()
    assert destination.url == "http://127.0.0.1:8001/epcis"
    assert token_decrypt(destination.token_encrypted) == "s3cret"
    assert "s3cret" not in out.getvalue()
    assert "token set" in out.getvalue()


def test_admin_form_keeps_the_token_when_left_empty(destination: Destination, settings: object) -> None:
    # given
    from txng.publishing.admin import DestinationForm

    settings.TXNG_ALLOW_HTTP_WEBHOOKS = True  # type: ignore[attr-defined]
    stored = Destination.objects.get(pk=destination.pk).token_encrypted
    data = {"name": "hub", "connector": "epcis_capture", "url": "http://127.0.0.1:9/epcis", "is_active": "on"}
    # when
    form = DestinationForm(data=data, instance=destination)
    assert form.is_valid(), form.errors
    form.save()
    # then
    assert Destination.objects.get(pk=destination.pk).token_encrypted == stored
    assert token_decrypt(stored) == "t0ken"


def test_status_lists_source_nodes_with_the_events_each_pushed() -> None:
    # given: a hub with two nodes, one of which has pushed two events
    busy, _ = source_node_add(actor=OPERATOR, code="can-tho", name="Can Tho", tax_code=next_tax_code())
    source_node_add(actor=OPERATOR, code="soc-trang", name="Soc Trang", tax_code=next_tax_code())
    capture(busy.organization, event(1), event(2))
    client = Client()
    client.force_login(officer("dost"))
    # when
    response = client.get("/api/publishing/status")
    # then
    nodes = {node["code"]: node for node in response.json()["sourceNodes"]}
    assert (nodes["can-tho"]["events"], nodes["soc-trang"]["events"]) == (2, 0)
    assert nodes["can-tho"]["lastReceivedAt"] is not None
    assert nodes["soc-trang"]["lastReceivedAt"] is None
