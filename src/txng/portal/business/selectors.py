"""Reads of the business portal, always for the organizations the principal belongs to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from txng.accounts.principal import Principal
from txng.core.errors import PermissionDenied
from txng.epcis.models import Event, EventBizTransaction, EventParty
from txng.lineage.checks import Finding, lot_checks
from txng.lineage.models import Lot
from txng.oversight.models import RecallNotice
from txng.registry.models import Organization
from txng.review.models import ProfileRevision

from .events import party_uri


def _require_member(principal: Principal, organization: Organization) -> None:
    if organization.pk not in principal.organization_ids:
        raise PermissionDenied("not a member of this organization")


@dataclass
class Shipment:
    event_id: str
    event_time: Any
    shipper: str
    items: list[dict[str, Any]]


def incoming_shipments(*, principal: Principal, organization: Organization, limit: int = 50) -> list[Shipment]:
    """Shipping events of other organizations addressed to us that we have not yet confirmed (two queries)."""
    _require_member(principal, organization)
    addressed = EventParty.objects.filter(direction=EventParty.Direction.DESTINATION)
    if organization.gln:
        addressed = addressed.filter(gln=organization.gln)
    else:  # (type, value) is the indexed way to an organization without a GLN
        addressed = addressed.filter(type="owning_party", value=party_uri(organization))
    rows = list(
        addressed.exclude(organization_id=organization.pk)
        .select_related("event", "event__organization")
        .only("event__event_id", "event__event_time", "event__document", "event__organization__name")
        .order_by("-event__event_time")[:limit]
    )
    confirmed = set(
        EventBizTransaction.objects.filter(
            type="desadv", value__in=[row.event.event_id for row in rows], organization_id=organization.pk
        ).values_list("value", flat=True)
    )
    return [
        Shipment(
            event_id=row.event.event_id,
            event_time=row.event.event_time,
            shipper=row.event.organization.name,
            items=list(row.event.document.get("quantityList") or []),
        )
        for row in rows
        if row.event.event_id not in confirmed
    ]


def shipment_get(*, principal: Principal, organization: Organization, event_id: str) -> Event | None:
    """One shipping event addressed to the organization."""
    _require_member(principal, organization)
    parties = EventParty.objects.filter(direction=EventParty.Direction.DESTINATION)
    parties = (
        parties.filter(gln=organization.gln) if organization.gln else parties.filter(value=party_uri(organization))
    )
    party = parties.filter(event__event_id=event_id).select_related("event", "event__organization").first()
    return party.event if party is not None else None


WARNED_LOTS = 3


@dataclass
class Dashboard:
    revision: ProfileRevision | None
    lots: list[Lot]
    events: list[Event]
    incoming: list[Shipment]
    open_recalls: int
    product_count: int
    facility_count: int
    warnings: list[tuple[Lot, Finding]]


def dashboard_get(*, principal: Principal, organization: Organization) -> Dashboard:
    """What the home page shows: review status and notes, recent lots and events, shipments, recalls."""
    _require_member(principal, organization)
    revision = (
        ProfileRevision.objects.filter(organization=organization, product__isnull=True).order_by("-number").first()
    )
    # Newest first by primary key: it follows the (organization_id, …) indexes, where a sort on a time
    # column would read every row of a large organization.
    lots = list(Lot.objects.filter(organization_id=organization.pk).order_by("-pk")[:10])
    events = list(
        Event.objects.filter(organization=organization)
        .only("event_id", "event_time", "biz_step", "event_type")
        .order_by("-pk")[:10]
    )
    return Dashboard(
        revision=revision,
        lots=lots,
        events=events,
        incoming=incoming_shipments(principal=principal, organization=organization, limit=10),
        open_recalls=RecallNotice.objects.filter(organization=organization, acknowledged_at__isnull=True).count(),
        product_count=organization.products.count(),
        facility_count=organization.facilities.count(),
        # The checks of the three newest lots: a constant number of queries whatever the history.
        warnings=[(lot, finding) for lot in lots[:WARNED_LOTS] for finding in lot_checks(lot)],
    )


def organization_lot(*, principal: Principal, organization: Organization, gtin: str, lot: str) -> Lot | None:
    _require_member(principal, organization)
    return Lot.objects.filter(organization_id=organization.pk, gtin=gtin, lot=lot).first()


def recent_lots(organization: Organization, limit: int = 50) -> list[tuple[str, str]]:
    """(lot URI, label) of the organization's most recent lots, for choosing a diary input."""
    rows = Lot.objects.filter(organization_id=organization.pk).order_by("-pk")[:limit]
    return [(row.identifier, f"{row.lot} · {row.gtin}") for row in rows.only("identifier", "lot", "gtin")]
