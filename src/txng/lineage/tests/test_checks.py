"""Checks on a lot's record: mass balance, yield, timeline, pre-harvest interval, missing KDEs."""

from __future__ import annotations

import pytest
from django.utils import translation

from txng.lineage.checks import lot_checks
from txng.lineage.tests.chains import Business, harvest, lot_id, quantity, ship, spray, transform
from txng.registry.models import Facility
from txng.registry.tests.factories import ProductGroupFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def farm():
    return Business("HTX Phong Điền")


def codes(findings):
    return [f.code for f in findings]


def test_shipping_114_percent_of_the_harvest_is_flagged(farm):
    # given
    buyer = Business("Thương lái Cờ Đỏ")
    field = farm.facility(Facility.Kind.GROWING_AREA)
    paddy = lot_id(farm.product("Lúa tươi"), "L114")
    farm.capture(harvest(field, paddy, 1000, 1), ship(field, buyer.organization, [quantity(paddy, 1140)], 2))
    # when
    with translation.override("en"):
        findings = lot_checks(farm.lot(paddy))
    # then
    assert codes(findings) == ["mass-balance"]
    assert "1,140" in findings[0].message or "1140" in findings[0].message
    assert "(114%)" in findings[0].message


def test_shipping_the_whole_harvest_is_not_flagged(farm):
    buyer = Business("Thương lái Cờ Đỏ")
    field = farm.facility(Facility.Kind.GROWING_AREA)
    paddy = lot_id(farm.product("Lúa tươi"), "L100")
    farm.capture(harvest(field, paddy, 1000, 1), ship(field, buyer.organization, [quantity(paddy, 1000)], 2))
    assert lot_checks(farm.lot(paddy)) == []


def test_harvest_three_days_after_spraying_with_seven_day_interval_is_flagged(farm):
    # given
    field = farm.facility(Facility.Kind.GROWING_AREA)
    mango = lot_id(farm.product("Xoài cát Hòa Lộc"), "XOAI-01")
    farm.capture(spray(field, 1, interval_days=7), harvest(field, mango, 300, 4))
    # when
    with translation.override("en"):
        findings = lot_checks(farm.lot(mango))
    # then
    assert codes(findings) == ["pre-harvest-interval"]
    assert "only 3 day(s) after spraying" in findings[0].message
    assert "interval is 7 days" in findings[0].message


def test_harvest_after_the_interval_is_not_flagged(farm):
    field = farm.facility(Facility.Kind.GROWING_AREA)
    mango = lot_id(farm.product("Xoài cát Hòa Lộc"), "XOAI-02")
    farm.capture(spray(field, 1, interval_days=7), harvest(field, mango, 300, 9))
    assert lot_checks(farm.lot(mango)) == []


def test_spraying_on_another_growing_area_is_not_flagged(farm):
    field, other = farm.facility(Facility.Kind.GROWING_AREA), farm.facility(Facility.Kind.GROWING_AREA)
    mango = lot_id(farm.product("Xoài cát Hòa Lộc"), "XOAI-03")
    farm.capture(spray(other, 1, interval_days=7), harvest(field, mango, 300, 4))
    assert lot_checks(farm.lot(mango)) == []


def test_shipping_before_harvest_is_flagged(farm):
    buyer = Business("Thương lái Cờ Đỏ")
    field = farm.facility(Facility.Kind.GROWING_AREA)
    paddy = lot_id(farm.product("Lúa tươi"), "EARLY")
    farm.capture(harvest(field, paddy, 1000, 5), ship(field, buyer.organization, [quantity(paddy, 500)], 3))
    assert codes(lot_checks(farm.lot(paddy))) == ["shipped-before-produced"]


def test_milling_yield_outside_the_rice_range_is_flagged(rice_chain):
    # 6,500 kg of rice from 10,000 kg of paddy is fine; the mill's paddy node balances too.
    assert lot_checks(rice_chain.mill.lot(rice_chain.rice)) == []
    assert lot_checks(rice_chain.mill.lot(rice_chain.paddy)) == []


def test_used_after_expiry_is_flagged(rice_chain):
    from txng.lineage.models import Lot

    Lot.objects.filter(identifier=rice_chain.bags).update(expires_on="2026-03-07")
    assert "used-after-expiry" in codes(lot_checks(rice_chain.distributor.lot(rice_chain.bags)))


def test_missing_destination_of_a_shipping_cte_is_flagged(farm):
    group = ProductGroupFactory(code="trai-cay", expected_ctes=["harvesting", "shipping"])
    field = farm.facility(Facility.Kind.GROWING_AREA)
    pomelo = lot_id(farm.product("Bưởi Năm Roi", group), "BUOI-01")
    shipping = ship(field, "x", [quantity(pomelo, 100)], 2)
    del shipping["destinationList"]
    farm.capture(harvest(field, pomelo, 100, 1), shipping)
    with translation.override("en"):
        findings = lot_checks(farm.lot(pomelo))
    assert codes(findings) == ["missing-kde"]
    assert findings[0].message.endswith("lacks: destination.")


def test_messages_are_vietnamese_by_default(farm):
    buyer = Business("Thương lái Cờ Đỏ")
    field = farm.facility(Facility.Kind.GROWING_AREA)
    paddy = lot_id(farm.product("Lúa tươi"), "L114VI")
    farm.capture(harvest(field, paddy, 1000, 1), ship(field, buyer.organization, [quantity(paddy, 1140)], 2))
    with translation.override("vi"):
        findings = lot_checks(farm.lot(paddy))
    assert findings[0].code == "mass-balance"


def test_milling_yield_above_the_rice_range_is_flagged(farm):
    # given: 8,000 kg of rice from 10,000 kg of paddy (80 %; rice milling yields 55–75 %)
    group = ProductGroupFactory()
    mill = farm.facility()
    paddy, rice = lot_id(farm.product("Lúa", group), "P80"), lot_id(farm.product("Gạo", group), "R80")
    farm.capture(
        harvest(farm.facility(Facility.Kind.GROWING_AREA), paddy, 10000, 1),
        transform(mill, [quantity(paddy, 10000)], [quantity(rice, 8000)], 3, step="milling"),
    )
    # when
    with translation.override("en"):
        findings = lot_checks(farm.lot(rice))
    # then
    assert codes(findings) == ["yield"]
    assert "is 80%" in findings[0].message
