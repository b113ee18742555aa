"""Reads of the iot app, through the one visibility layer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q, QuerySet

from txng.accounts.principal import PUBLIC, Principal
from txng.accounts.visibility import NOTHING, organization_q
from txng.epcis.canonical import canonical_identifier
from txng.iot.ingest import sscc_uri
from txng.iot.models import Alert, Device, Excursion, MonitoringSpan, Reading, ThresholdRule
from txng.iot.rules import rules_for
from txng.registry.models import Facility


def devices_visible(principal: Principal) -> QuerySet[Device]:
    """Devices of organizations the principal may read (the public: of published organizations)."""
    return Device.objects.filter(organization_q(principal, prefix="organization__"))


def alerts_visible(principal: Principal) -> QuerySet[Alert]:
    """Alerts for the owner, the responsible agency's officers, and officers who oversee the owner."""
    if principal.is_public:
        return Alert.objects.none()
    q = organization_q(principal, prefix="organization__") if not principal.is_public else NOTHING
    agency_ids = {scope.agency_id for scope in principal.scopes}
    if agency_ids:
        q |= Q(agency_id__in=agency_ids)
    return Alert.objects.filter(q).select_related("excursion__device", "excursion__rule", "organization")


@dataclass(frozen=True)
class ColdChainBreak:
    """One excursion that outlasted its rule's tolerance."""

    started_at: datetime
    ended_at: datetime | None
    minutes: int
    place: str
    worst_value: float
    uom: str
    measurement_type: str
    rule_name: str
    min_value: float | None
    max_value: float | None


@dataclass(frozen=True)
class ColdChainSummary:
    """Whether the cold chain of a lot or shipment was kept, for its journey and the consumer page."""

    identifiers: tuple[str, ...]
    reading_count: int = 0
    first_time: datetime | None = None
    last_time: datetime | None = None
    breaks: list[ColdChainBreak] = field(default_factory=list)

    @property
    def is_monitored(self) -> bool:
        return self.reading_count > 0

    @property
    def is_kept(self) -> bool:
        return self.is_monitored and not self.breaks

    @property
    def broken_minutes(self) -> int:
        return sum(item.minutes for item in self.breaks)


def _canonical(values: Iterable[str]) -> list[str]:
    found = []
    for value in values:
        value = value.strip()
        if value.isdigit() and len(value) == 18:
            value = sscc_uri(value)
        found.append(canonical_identifier(value) if value else "")
    return [value for value in found if value]


def _places(devices: Iterable[Device]) -> dict[int, str]:
    """Where each device is: its facility's name (by GLN), else the logistic unit it travels with."""
    devices = list(devices)
    names = dict(
        Facility.objects.filter(gln__in={d.location_gln for d in devices if d.location_gln}).values_list("gln", "name")
    )
    return {
        d.pk: names.get(d.location_gln) or d.location_gln or (f"SSCC {d.sscc}" if d.sscc else d.name) for d in devices
    }


def cold_chain_summary(
    *, lot_identifiers: Iterable[str] = (), epcs: Iterable[str] = (), principal: Principal = PUBLIC
) -> ColdChainSummary:
    """ "Kept: yes / broken for 47 min at … (place, time)" for lots (Digital Link classes) or EPCs (SSCCs)."""
    identifiers = tuple(_canonical([*lot_identifiers, *epcs]))
    if not identifiers:
        return ColdChainSummary(identifiers=())
    visible = organization_q(principal, prefix="organization__")
    spans = list(MonitoringSpan.objects.filter(identifier__in=identifiers, device__in=Device.objects.filter(visible)))
    if not spans:
        return ColdChainSummary(identifiers=identifiers)
    excursions = list(
        Excursion.objects.filter(
            identifier__in=identifiers, is_alerted=True, device_id__in={s.device_id for s in spans}
        )
        .select_related("device", "rule")
        .order_by("started_at")
    )
    places = _places(e.device for e in excursions)
    breaks = [
        ColdChainBreak(
            started_at=e.started_at,
            ended_at=e.ended_at,
            minutes=round(((e.ended_at or e.last_out_at) - e.started_at).total_seconds() / 60),
            place=places[e.device_id],
            worst_value=e.worst_value,
            uom=e.rule.uom,
            measurement_type=e.rule.measurement_type,
            rule_name=e.rule.name,
            min_value=e.rule.min_value,
            max_value=e.rule.max_value,
        )
        for e in excursions
    ]
    return ColdChainSummary(
        identifiers=identifiers,
        reading_count=sum(s.reading_count for s in spans),
        first_time=min(s.first_time for s in spans),
        last_time=max(s.last_time for s in spans),
        breaks=breaks,
    )


@dataclass(frozen=True)
class Series:
    """The readings of one device and measurement type over a span, with the rule band if any."""

    device: Device
    place: str
    measurement_type: str
    uom: str
    points: list[tuple[datetime, float]]
    rule: ThresholdRule | None


def monitoring_series(*, principal: Principal, identifier: str, limit: int = 20_000) -> list[Series]:
    """Readings of every visible device that watched the lot or shipment, while it watched it."""
    identifiers = _canonical([identifier])
    if not identifiers:
        return []
    spans = list(
        MonitoringSpan.objects.filter(identifier=identifiers[0])
        .filter(device__in=devices_visible(principal))
        .select_related("device")
        .order_by("first_time")
    )
    devices = [span.device for span in spans]
    rules = rules_for(devices)
    places = _places(devices)
    series = []
    for span in spans:
        device = span.device
        for measurement in device.measurements:
            points = list(
                Reading.objects.filter(
                    organization_id=device.organization_id,
                    device=device,
                    type=measurement["type"],
                    time__gte=span.first_time,
                    time__lte=span.last_time,
                )
                .order_by("time")
                .values_list("time", "value")[:limit]
            )
            if not points:
                continue
            rule = next(
                (r for r in rules.get(device.pk, ()) if r.measurement_type == measurement["type"]),
                None,
            )
            series.append(Series(device, places[device.pk], measurement["type"], measurement["uom"], points, rule))
    return series
