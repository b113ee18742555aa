"""Building supply chains for tests: real EPCIS 2.0 JSON documents captured through `events_capture`."""

from __future__ import annotations

import itertools
from typing import Any

import orjson

from txng.accounts.principal import OPERATOR, Principal, principal_for_token
from txng.accounts.services import api_token_create
from txng.epcis.document import parse_document
from txng.epcis.models import Event
from txng.epcis.services import events_capture
from txng.gs1.checkdigit import gs1_check_digit
from txng.lineage.derivation import TXNG_NAMESPACE
from txng.lineage.models import Lot
from txng.lineage.services import lineage_index_events
from txng.registry.models import Facility, Organization
from txng.registry.tests.factories import FacilityFactory, OrganizationFactory, ProductFactory

CONTEXT = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld", {"txng": TXNG_NAMESPACE}]
_numbers = itertools.count(1)


def gln(company: str = "893456") -> str:
    body = f"{company}{next(_numbers):0{12 - len(company)}d}"
    return body + gs1_check_digit(body)


def party(organization: Organization) -> str:
    return f"https://id.gs1.org/417/{organization.gln}"


def place(facility: Facility) -> str:
    return f"https://id.gs1.org/414/{facility.gln}"


def lot_id(gtin: str, lot: str) -> str:
    return f"https://id.gs1.org/01/{gtin}/10/{lot}"


class Business:
    """One organization with an API token's principal, facilities and products."""

    def __init__(self, name: str) -> None:
        self.organization = OrganizationFactory(name=name, gln=gln())
        token, _ = api_token_create(actor=OPERATOR, organization=self.organization)
        self.actor: Principal = principal_for_token(token)

    def facility(self, kind: str = Facility.Kind.FACTORY, **fields: Any) -> Facility:
        return FacilityFactory(organization=self.organization, kind=kind, gln=gln(), **fields)

    def product(self, name: str, group: Any = None) -> str:
        return str(ProductFactory(organization=self.organization, name=name, product_group=group).gtin)

    def capture(self, *events: dict[str, Any]) -> list[int]:
        """Capture the events as one EPCIS document, index them, and return the stored primary keys."""
        body = {
            "@context": CONTEXT,
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "epcisBody": {"eventList": events},
        }
        document = parse_document(orjson.dumps(body), "application/ld+json")
        result = events_capture(actor=self.actor, organization=self.organization, document=document)
        assert result.errors == [], result.errors
        pks = list(
            Event.objects.filter(organization=self.organization, event_id__in=result.event_ids).values_list(
                "pk", flat=True
            )
        )
        lineage_index_events(pks)
        return pks

    def lot(self, identifier: str) -> Lot:
        return Lot.objects.get(organization_id=self.organization.pk, identifier=identifier)


def at(day: int, hour: int = 8) -> str:
    return f"2026-03-{day:02d}T{hour:02d}:00:00.000+07:00"


def quantity(identifier: str, amount: float, uom: str = "KGM") -> dict[str, Any]:
    return {"epcClass": identifier, "quantity": amount, "uom": uom}


def harvest(where: Facility, lot: str, amount: float, day: int, **extra: Any) -> dict[str, Any]:
    return {
        "type": "ObjectEvent",
        "eventTime": at(day),
        "eventTimeZoneOffset": "+07:00",
        "action": "ADD",
        "bizStep": f"{TXNG_NAMESPACE}BizStep-harvesting",
        "readPoint": {"id": place(where)},
        "bizLocation": {"id": place(where)},
        "quantityList": [quantity(lot, amount)],
        **extra,
    }


def spray(where: Facility, day: int, interval_days: int) -> dict[str, Any]:
    return {
        "type": "ObjectEvent",
        "eventTime": at(day),
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": f"{TXNG_NAMESPACE}BizStep-spraying",
        "epcList": [],
        "quantityList": [],
        "readPoint": {"id": place(where)},
        "bizLocation": {"id": place(where)},
        "txng:pesticide": "Abamectin 3.6EC",
        "txng:preHarvestIntervalDays": interval_days,
    }


def transform(
    where: Facility, inputs: list[dict[str, Any]], outputs: list[dict[str, Any]], day: int, step: str = "commissioning"
) -> dict[str, Any]:
    return {
        "type": "TransformationEvent",
        "eventTime": at(day),
        "eventTimeZoneOffset": "+07:00",
        "bizStep": step if step == "commissioning" else f"{TXNG_NAMESPACE}BizStep-{step}",
        "readPoint": {"id": place(where)},
        "bizLocation": {"id": place(where)},
        "inputQuantityList": inputs,
        "outputQuantityList": outputs,
    }


def ship(
    where: Facility, to: Organization | str, items: list[dict[str, Any]], day: int, **extra: Any
) -> dict[str, Any]:
    destination = party(to) if isinstance(to, Organization) else to
    return {
        "type": "ObjectEvent",
        "eventTime": at(day),
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": "shipping",
        "disposition": "in_transit",
        "readPoint": {"id": place(where)},
        "quantityList": items,
        "destinationList": [{"type": "owning_party", "destination": destination}],
        **extra,
    }


def receive(where: Facility, source: Organization, items: list[dict[str, Any]], day: int) -> dict[str, Any]:
    return {
        "type": "ObjectEvent",
        "eventTime": at(day, 14),
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": "receiving",
        "disposition": "in_progress",
        "readPoint": {"id": place(where)},
        "bizLocation": {"id": place(where)},
        "quantityList": items,
        "sourceList": [{"type": "owning_party", "source": party(source)}],
    }
