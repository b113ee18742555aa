"""The consumer page's journey of a lot: its source lots, their growing area's diary, and who held it next."""

from __future__ import annotations

import pytest

from txng.lineage.tests.chains import Business, spray
from txng.registry.models import Organization, Product
from txng.resolver.selectors import lot_journey

pytestmark = pytest.mark.django_db


def _publish(*businesses: Business) -> None:
    ids = [b.organization.pk for b in businesses]
    Organization.objects.filter(pk__in=ids).update(is_published=True)
    Product.objects.filter(organization_id__in=ids).update(is_published=True)


def _steps(rice_chain, lot: str) -> list[tuple[str, int]]:
    product = Product.objects.get(organization=rice_chain.mill.organization, name="Gạo trắng")
    return [(step.event_id, step.is_this_lot) for step in lot_journey(product=product, lot=lot, serial="")]


def _event_ids(business: Business) -> set[str]:
    return set(business.organization.events.values_list("event_id", flat=True))


def test_journey_reaches_back_to_the_farm_and_its_diary(rice_chain):
    # given: every business published, and the farm's spraying recorded on its field before the harvest
    field = rice_chain.farm.organization.facilities.get()
    sprayed = spray(field, 1, 7)
    sprayed["eventTime"] = "2026-03-01T06:00:00.000+07:00"
    rice_chain.farm.capture(sprayed)
    _publish(rice_chain.farm, rice_chain.mill, rice_chain.distributor, rice_chain.retailer, rice_chain.outsider)
    # when
    steps = _steps(rice_chain, "RICE-01")
    # then: the spray, the harvest and shipment of the paddy, the mill's receipt and milling — nothing else
    found = {event_id for event_id, _ in steps}
    farm, mill = _event_ids(rice_chain.farm), _event_ids(rice_chain.mill)
    assert farm <= found
    assert found <= farm | mill
    assert not found & _event_ids(rice_chain.outsider)
    own = [event_id for event_id, is_this_lot in steps if is_this_lot]
    assert len(own) == 2  # the milling that produced RICE-01 and the packing that used it
    assert steps[0][0] in farm  # oldest first: the spray


def test_an_unpublished_supplier_stays_out_of_the_journey(rice_chain):
    # given: the farm is not published
    _publish(rice_chain.mill)
    # when
    found = {event_id for event_id, _ in _steps(rice_chain, "RICE-01")}
    # then
    assert found
    assert not found & _event_ids(rice_chain.farm)
