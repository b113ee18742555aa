"""The consumer page says which journey events are in the city ledger, with a link to each proof."""

from __future__ import annotations

import pytest
from django.test import Client

from txng.ledger.services import ledger_checkpoint_issue, ledger_integrate, ledger_submit_many
from txng.ledger.tests.conftest import capture_events, event_leaves
from txng.registry.models import Organization, Product

pytestmark = pytest.mark.django_db


def _publish(event_organization_id: int) -> Product:
    Organization.objects.filter(pk=event_organization_id).update(is_published=True)
    Product.objects.filter(organization_id=event_organization_id).update(is_published=True)
    return Product.objects.get(organization_id=event_organization_id)


def test_journey_step_shows_the_checkpoint_that_covers_its_event(client: Client) -> None:
    # given: a published harvest event, in the ledger and covered by a checkpoint
    [event] = capture_events(1)
    product = _publish(event.organization_id)
    ledger_submit_many(event_leaves([event]))
    ledger_integrate()
    ledger_checkpoint_issue()
    # when
    html = client.get(f"/trace/01/{product.gtin}/10/L0000").content.decode()
    # then
    assert "ledger-verified" in html
    assert "/ledger/proof?event_id=" in html


def test_journey_step_not_in_the_ledger_has_no_badge(client: Client) -> None:
    [event] = capture_events(1)
    product = _publish(event.organization_id)
    html = client.get(f"/trace/01/{product.gtin}/10/L0000").content.decode()
    assert 'class="timeline"' in html
    assert "ledger-badge" not in html
