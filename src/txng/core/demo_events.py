"""Demo seasons as EPCIS 2.0 events: a rice season milled, packed and sold on, and a pomelo harvest packed.

Captured through the one capture service, so the lot graph, the transparency ledger and the consumer
pages see them as they would see a business's own data. Event IDs are fixed, so loading twice stores
nothing new. Dates are counted back from `today`, so the demo always shows a recent season.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import orjson

from txng.accounts.principal import OPERATOR
from txng.codes.models import StampBatch
from txng.codes.services import stamp_batch_issue
from txng.core.demo import demo_tax_code
from txng.epcis.document import EPCISDocument, parse_document
from txng.epcis.services import events_capture
from txng.lineage.derivation import TXNG_NAMESPACE
from txng.registry.models import Facility, Organization, Product

CONTEXT = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld", {"txng": TXNG_NAMESPACE}]
_IDS = uuid.UUID("6f1d3c1e-4a57-4c1b-9a8e-0d2b5e7f9a10")  # the demo's namespace for fixed event IDs

RICE_PADDY_LOT = "LUA-DX2026"
RICE_MILLED_LOT = "XAT-2026-01"
RICE_BAG_LOT = "T5-2026-01"
POMELO_LOT = "BNR-2026-07"
POMELO_CASE_LOT = "BNR-T10-2026-07"


def _ago(today: datetime.date, days: int) -> datetime.date:
    return today - datetime.timedelta(days=days)


def _event(name: str, day: datetime.date, hour: int, fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "eventID": f"urn:uuid:{uuid.uuid5(_IDS, name)}",
        "eventTime": f"{day.isoformat()}T{hour:02d}:00:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        **fields,
    }


def _place(facility: Facility) -> dict[str, str]:
    return {"id": f"https://id.gs1.org/414/{facility.gln}"}


def _lot(product: Product, lot: str) -> str:
    return f"https://id.gs1.org/01/{product.gtin}/10/{lot}"


def _quantity(product: Product, lot: str, amount: float, uom: str = "KGM") -> dict[str, Any]:
    return {"epcClass": _lot(product, lot), "quantity": amount, "uom": uom}


def _step(name: str) -> str:
    return f"{TXNG_NAMESPACE}BizStep-{name}"


def _document(events: list[dict[str, Any]]) -> EPCISDocument:
    body = {"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0", "epcisBody": {"eventList": events}}
    return parse_document(orjson.dumps(body), "application/ld+json")


def _organization(key: str) -> Organization | None:
    return Organization.objects.filter(tax_code=demo_tax_code(key)).first()


def _rice_season(today: datetime.date) -> list[StampBatch]:
    farm_org, trader = _organization("hoquangtri"), _organization("ducthanh")
    if farm_org is None or trader is None:
        return []
    field, mill = farm_org.facilities.order_by("pk")[:2]
    trader_site = trader.facilities.order_by("pk").first()
    products = list(farm_org.products.order_by("pk"))
    rice, bag = products[0], products[2]
    observe = {"type": "ObjectEvent", "action": "OBSERVE", "readPoint": _place(field), "bizLocation": _place(field)}
    farm_events = [
        _event("rice-sowing", _ago(today, 110), 7, {**observe, "bizStep": _step("sowing"), "epcList": []}),
        _event("rice-fertilising", _ago(today, 85), 7, {**observe, "bizStep": _step("fertilising"), "epcList": []}),
        _event(
            "rice-spraying",
            _ago(today, 40),
            6,
            {
                **observe,
                "bizStep": _step("spraying"),
                "epcList": [],
                "txng:pesticide": "Validamycin 5SL",
                "txng:preHarvestIntervalDays": 14,
            },
        ),
        _event(
            "rice-harvest",
            _ago(today, 20),
            8,
            {
                "type": "ObjectEvent",
                "action": "ADD",
                "bizStep": _step("harvesting"),
                "readPoint": _place(field),
                "bizLocation": _place(field),
                "quantityList": [_quantity(rice, RICE_PADDY_LOT, 12000)],
            },
        ),
        _event(
            "rice-milling",
            _ago(today, 15),
            9,
            {
                "type": "TransformationEvent",
                "bizStep": _step("milling"),
                "readPoint": _place(mill),
                "bizLocation": _place(mill),
                "inputQuantityList": [_quantity(rice, RICE_PADDY_LOT, 12000)],
                "outputQuantityList": [_quantity(rice, RICE_MILLED_LOT, 7800)],
            },
        ),
        _event(
            "rice-packing",
            _ago(today, 12),
            10,
            {
                "type": "TransformationEvent",
                "bizStep": "packing",
                "readPoint": _place(mill),
                "bizLocation": _place(mill),
                "inputQuantityList": [_quantity(rice, RICE_MILLED_LOT, 5000)],
                "outputQuantityList": [_quantity(bag, RICE_BAG_LOT, 1000, "EA")],
                "ilmd": {"cbvmda:bestBeforeDate": (_ago(today, 12) + datetime.timedelta(days=365)).isoformat()},
            },
        ),
        _event(
            "rice-shipping",
            _ago(today, 10),
            8,
            {
                "type": "ObjectEvent",
                "action": "OBSERVE",
                "bizStep": "shipping",
                "disposition": "in_transit",
                "readPoint": _place(mill),
                "quantityList": [_quantity(bag, RICE_BAG_LOT, 400, "EA")],
                "sourceList": [{"type": "owning_party", "source": f"https://id.gs1.org/414/{mill.gln}"}],
                "destinationList": [
                    {"type": "owning_party", "destination": f"https://id.gs1.org/414/{trader_site.gln}"}
                ]
                if trader_site
                else [],
            },
        ),
    ]
    events_capture(actor=OPERATOR, organization=farm_org, document=_document(farm_events))
    if trader_site is not None:
        receiving = _event(
            "rice-receiving",
            _ago(today, 9),
            14,
            {
                "type": "ObjectEvent",
                "action": "OBSERVE",
                "bizStep": "receiving",
                "disposition": "in_progress",
                "readPoint": _place(trader_site),
                "bizLocation": _place(trader_site),
                "quantityList": [_quantity(bag, RICE_BAG_LOT, 400, "EA")],
                "sourceList": [{"type": "owning_party", "source": f"https://id.gs1.org/414/{mill.gln}"}],
            },
        )
        events_capture(actor=OPERATOR, organization=trader, document=_document([receiving]))
    return _stamps(bag, RICE_BAG_LOT)


def _pomelo_harvest(today: datetime.date) -> list[StampBatch]:
    coop = _organization("phuthanh")
    if coop is None:
        return []
    orchard, packing_house = coop.facilities.order_by("pk")[:2]
    fruit, case = list(coop.products.order_by("pk"))[:2]
    events = [
        _event(
            "pomelo-spraying",
            _ago(today, 30),
            6,
            {
                "type": "ObjectEvent",
                "action": "OBSERVE",
                "bizStep": _step("spraying"),
                "readPoint": _place(orchard),
                "bizLocation": _place(orchard),
                "epcList": [],
                "txng:pesticide": "Abamectin 3.6EC",
                "txng:preHarvestIntervalDays": 7,
            },
        ),
        _event(
            "pomelo-harvest",
            _ago(today, 6),
            7,
            {
                "type": "ObjectEvent",
                "action": "ADD",
                "bizStep": _step("harvesting"),
                "readPoint": _place(orchard),
                "bizLocation": _place(orchard),
                "quantityList": [_quantity(fruit, POMELO_LOT, 2000)],
            },
        ),
        _event(
            "pomelo-packing",
            _ago(today, 5),
            9,
            {
                "type": "TransformationEvent",
                "bizStep": "packing",
                "readPoint": _place(packing_house),
                "bizLocation": _place(packing_house),
                "inputQuantityList": [_quantity(fruit, POMELO_LOT, 1800)],
                "outputQuantityList": [_quantity(case, POMELO_CASE_LOT, 180, "EA")],
            },
        ),
    ]
    events_capture(actor=OPERATOR, organization=coop, document=_document(events))
    return _stamps(case, POMELO_CASE_LOT)


def _stamps(product: Product, lot: str) -> list[StampBatch]:
    existing = StampBatch.objects.filter(product=product, lot=lot).first()
    if existing is not None:
        return [existing]
    if not product.is_published:
        return []
    return [stamp_batch_issue(actor=OPERATOR, product=product, count=20, lot=lot, activate=True)]


def load_demo_events(*, today: datetime.date | None = None) -> list[StampBatch]:
    """Capture the demo seasons (idempotent) and return the stamp batches issued for their lots."""
    today = today or datetime.date.today()
    return [*_rice_season(today), *_pomelo_harvest(today)]
