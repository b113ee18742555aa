"""Diary entries as EPCIS 2.0 events: each form becomes one JSON document captured through `events_capture`."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson
from django.utils import timezone

from txng.accounts.principal import Principal
from txng.epcis.document import parse_document
from txng.epcis.services import events_capture
from txng.lineage.derivation import TXNG_NAMESPACE
from txng.registry.models import Facility, Organization

CONTEXT = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld", {"txng": TXNG_NAMESPACE}]
# Diary activities whose step is not in CBV 2.0 use the OpenTXNG namespace (lineage/README.md).
LOCAL_STEPS = {"sowing", "fertilising", "spraying", "harvesting", "feeding", "drying", "milling"}
TRANSFORMING = {"drying", "milling", "processing", "packing"}


def lot_uri(gtin: str, lot: str) -> str:
    return f"https://id.gs1.org/01/{gtin}/10/{lot}"


def party_uri(organization: Organization) -> str:
    if organization.gln:
        return f"https://id.gs1.org/417/{organization.gln}"
    return f"urn:txng:organization:{organization.tax_code}"


def place_uri(facility: Facility) -> str:
    if facility.gln:
        suffix = f"/254/{facility.gln_extension}" if facility.gln_extension else ""
        return f"https://id.gs1.org/414/{facility.gln}{suffix}"
    return f"urn:txng:facility:{facility.pk}"


def biz_step(activity: str) -> str:
    return f"{TXNG_NAMESPACE}BizStep-{activity}" if activity in LOCAL_STEPS else activity


@dataclass
class Entry:
    """What one diary form says happened."""

    activity: str
    facility: Facility
    when: datetime.datetime
    gtin: str = ""
    lot: str = ""
    quantity: Decimal | None = None
    uom: str = "KGM"
    input_lot: str = ""  # a lot URI
    input_quantity: Decimal | None = None
    material: str = ""
    pre_harvest_interval_days: int | None = None
    destination: str = ""  # a party URI
    source: str = ""  # a party URI
    shipment: str = ""  # the shipping event's ID a receipt confirms
    note: str = ""


def _quantity(identifier: str, amount: Decimal | None, uom: str) -> dict[str, Any]:
    element: dict[str, Any] = {"epcClass": identifier}
    if amount is not None:
        element["quantity"] = float(amount)
        element["uom"] = uom
    return element


def entry_event(entry: Entry, organization: Organization) -> dict[str, Any]:
    """The EPCIS 2.0 event (JSON-LD) of one diary entry."""
    moment = timezone.localtime(entry.when)
    offset = moment.strftime("%z")
    event: dict[str, Any] = {
        "eventID": f"urn:uuid:{uuid.uuid4()}",
        "eventTime": moment.isoformat(timespec="milliseconds"),
        "eventTimeZoneOffset": f"{offset[:3]}:{offset[3:]}",
        "bizStep": biz_step(entry.activity),
        "readPoint": {"id": place_uri(entry.facility)},
        "bizLocation": {"id": place_uri(entry.facility)},
    }
    output = lot_uri(entry.gtin, entry.lot) if entry.gtin and entry.lot else ""
    if entry.activity in TRANSFORMING:
        event.update(
            type="TransformationEvent",
            inputQuantityList=[_quantity(entry.input_lot, entry.input_quantity, entry.uom)],
            outputQuantityList=[_quantity(output, entry.quantity, entry.uom)],
        )
    elif entry.activity == "harvesting":
        event.update(type="ObjectEvent", action="ADD", quantityList=[_quantity(output, entry.quantity, entry.uom)])
    elif entry.activity in {"shipping", "receiving"}:
        items = [_quantity(entry.input_lot, entry.quantity, entry.uom)]
        event.update(type="ObjectEvent", action="OBSERVE", epcList=[], quantityList=items)
        if entry.activity == "shipping":
            event["disposition"] = "in_transit"
            event["sourceList"] = [{"type": "owning_party", "source": party_uri(organization)}]
            event["destinationList"] = [{"type": "owning_party", "destination": entry.destination}]
            del event["bizLocation"]  # in transit: the goods leave the place
        else:
            event["disposition"] = "in_progress"
            event["sourceList"] = [{"type": "owning_party", "source": entry.source}]
            event["destinationList"] = [{"type": "owning_party", "destination": party_uri(organization)}]
            if entry.shipment:
                # The receiving event names the shipment it confirms, as a despatch advice would.
                event["bizTransactionList"] = [{"type": "desadv", "bizTransaction": entry.shipment}]
    elif entry.activity == "retail_selling":
        items = [_quantity(entry.input_lot, entry.quantity, entry.uom)]
        event.update(type="ObjectEvent", action="OBSERVE", epcList=[], quantityList=items, disposition="retail_sold")
    else:  # sowing, fertilising, spraying, feeding: observations of the growing area / pond
        event.update(type="ObjectEvent", action="OBSERVE", epcList=[], quantityList=[])
        if entry.input_lot:
            event["quantityList"] = [_quantity(entry.input_lot, None, entry.uom)]
    if entry.activity == "spraying":
        event["txng:pesticide"] = entry.material
        if entry.pre_harvest_interval_days is not None:
            event["txng:preHarvestIntervalDays"] = entry.pre_harvest_interval_days
    elif entry.material:
        event["txng:material"] = entry.material
    if entry.activity in {"sowing", "fertilising"} and entry.quantity is not None:
        event["txng:amount"] = float(entry.quantity)
        event["txng:amountUom"] = entry.uom
    if entry.note:
        event["txng:note"] = entry.note
    return event


def events_document(events: list[dict[str, Any]]) -> bytes:
    return orjson.dumps(
        {"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0", "epcisBody": {"eventList": events}}
    )


def entry_capture(*, actor: Principal, organization: Organization, entry: Entry) -> str:
    """Capture one diary entry through the EPCIS capture service; returns the event ID."""
    event = entry_event(entry, organization)
    document = parse_document(events_document([event]), "application/ld+json")
    events_capture(actor=actor, organization=organization, document=document)
    return str(event["eventID"])
