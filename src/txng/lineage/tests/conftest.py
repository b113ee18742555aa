from __future__ import annotations

from dataclasses import dataclass

import pytest

from txng.lineage.tests.chains import (
    Business,
    harvest,
    lot_id,
    place,
    quantity,
    receive,
    ship,
    transform,
)
from txng.registry.models import Facility
from txng.registry.tests.factories import ProductGroupFactory

SSCC = "urn:epc:id:sscc:8934567.0000000001"


@dataclass
class RiceChain:
    farm: Business
    mill: Business
    distributor: Business
    retailer: Business
    outsider: Business
    paddy: str
    rice: str
    bags: str
    paddy_other: str


@pytest.fixture
def rice_chain(db: None) -> RiceChain:
    """Paddy field → mill (milling, packing into 5 kg bags on an SSCC pallet) → distributor → retailer."""
    group = ProductGroupFactory()
    farm, mill = Business("HTX Lúa Thới Lai"), Business("Nhà máy xay xát Ô Môn")
    distributor, retailer = Business("Nhà phân phối Ninh Kiều"), Business("Siêu thị Cái Răng")
    outsider = Business("HTX Không liên quan")
    field, factory = farm.facility(Facility.Kind.GROWING_AREA), mill.facility()
    depot, store = distributor.facility(Facility.Kind.WAREHOUSE), retailer.facility(Facility.Kind.STORE)
    paddy = lot_id(farm.product("Lúa tươi", group), "PADDY-01")
    paddy_other = lot_id(outsider.product("Lúa khác", group), "OTHER-01")
    rice = lot_id(mill.product("Gạo trắng", group), "RICE-01")
    bag_gtin = mill.product("Gạo ST25 túi 5 kg", group)
    bags = lot_id(bag_gtin, "PACK-01")
    outsider.capture(harvest(outsider.facility(Facility.Kind.GROWING_AREA), paddy_other, 500, 2))
    farm.capture(harvest(field, paddy, 10000, 1), ship(field, mill.organization, [quantity(paddy, 10000)], 2))
    serials = [f"https://id.gs1.org/01/{bag_gtin}/10/PACK-01/21/{n}" for n in range(1, 21)]
    packing = transform(factory, [quantity(rice, 100)], [], 5)
    del packing["outputQuantityList"]
    packing["outputEPCList"] = serials
    packing["ilmd"] = {"cbvmda:itemExpirationDate": "2027-03-05"}
    mill.capture(
        receive(factory, farm.organization, [quantity(paddy, 10000)], 2),
        transform(factory, [quantity(paddy, 10000)], [quantity(rice, 6500)], 3, step="milling"),
        packing,
        {
            "type": "AggregationEvent",
            "eventTime": "2026-03-05T10:00:00.000+07:00",
            "eventTimeZoneOffset": "+07:00",
            "action": "ADD",
            "bizStep": "packing",
            "parentID": SSCC,
            "childEPCs": serials,
            "readPoint": {"id": place(factory)},
        },
        {
            **ship(factory, distributor.organization, [], 6),
            "epcList": [SSCC],
        },
    )
    distributor.capture(
        {**receive(depot, mill.organization, [], 6), "epcList": [SSCC]},
        {
            **ship(depot, retailer.organization, [], 8),
            "epcList": [f"https://id.gs1.org/01/{bag_gtin}/21/{n}" for n in range(1, 6)],
        },
    )
    retailer.capture(
        {
            **receive(store, distributor.organization, [], 8),
            "epcList": [f"https://id.gs1.org/01/{bag_gtin}/21/{n}" for n in range(1, 6)],
        }
    )
    return RiceChain(farm, mill, distributor, retailer, outsider, paddy, rice, bags, paddy_other)
