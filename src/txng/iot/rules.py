"""Cold-chain rules: excursions outside a range, one alert (and one EPCIS event) when one outlasts its tolerance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q

from txng.accounts.models import Agency
from txng.iot.ingest import (
    DEVICE_URI,
    capture,
    device_principal,
    epcis_time,
    event_id_for,
    monitored_identifiers,
    sensor_event_base,
)
from txng.iot.models import Alert, Device, Excursion, ThresholdRule
from txng.iot.protocol import ParsedReading
from txng.registry.models import Product, ProductGroup

_DL_PREFIX = "https://id.gs1.org/01/"


def _gtin(lot_identifier: str) -> str:
    return lot_identifier[len(_DL_PREFIX) : len(_DL_PREFIX) + 14] if lot_identifier.startswith(_DL_PREFIX) else ""


def rules_for(devices: Sequence[Device]) -> dict[int, list[ThresholdRule]]:
    """Active rules per device: its shipment's (SSCC) and its lot's product group's (two queries)."""
    groups = dict(
        Product.objects.filter(gtin__in={_gtin(d.lot_identifier) for d in devices} - {""}).values_list(
            "gtin", "product_group_id"
        )
    )
    ssccs = {d.sscc for d in devices if d.sscc}
    group_ids = {g for g in groups.values() if g is not None}
    if not ssccs and not group_ids:
        return {}
    rules = list(
        ThresholdRule.objects.filter(Q(sscc__in=ssccs) | Q(product_group_id__in=group_ids), is_active=True).order_by(
            "pk"
        )
    )
    found: dict[int, list[ThresholdRule]] = {}
    for device in devices:
        group = groups.get(_gtin(device.lot_identifier))
        found[device.pk] = [
            rule
            for rule in rules
            if (rule.sscc and rule.sscc == device.sscc) or (rule.product_group_id and rule.product_group_id == group)
        ]
    return found


def _agency_for(rule: ThresholdRule) -> Agency | None:
    """The responsible agency: the sector department of the rule's product group, else the DOST."""
    if rule.product_group_id is not None:
        sector = ProductGroup.objects.filter(pk=rule.product_group_id).values_list("sector", flat=True).first()
        found = Agency.objects.filter(kind=Agency.Kind.SECTOR_DEPARTMENT, sector=sector).order_by("pk").first()
        if found is not None:
            return found
    return Agency.objects.filter(kind=Agency.Kind.DOST).order_by("pk").first()


def _alert_event(excursion: Excursion, rule: ThresholdRule, at: datetime) -> dict[str, Any]:
    """An ObjectEvent whose sensor report carries ALARM_CONDITION (EPCIS 2.0 §7.3.6.3) and our extension."""
    device = excursion.device
    event = sensor_event_base(device, at)
    event["eventID"] = event_id_for("excursion", device.code, rule.pk, excursion.started_at.isoformat())
    report: dict[str, Any] = {
        "type": rule.measurement_type,
        "exception": "ALARM_CONDITION",
        "uom": rule.uom,
        "value": excursion.worst_value,
        "time": epcis_time(excursion.last_out_at),
    }
    event["sensorElementList"] = [
        {
            "sensorMetadata": {
                "deviceID": DEVICE_URI + device.code,
                "startTime": epcis_time(excursion.started_at),
                "endTime": epcis_time(at),
            },
            "sensorReport": [report],
        }
    ]
    event["txng:coldChainExcursion"] = {
        "txng:rule": rule.name,
        "txng:allowedMinimum": rule.min_value,
        "txng:allowedMaximum": rule.max_value,
        "txng:toleranceMinutes": rule.tolerance_minutes,
        "txng:startTime": epcis_time(excursion.started_at),
    }
    return event


def _alert(excursion: Excursion, rule: ThresholdRule, at: datetime) -> None:
    device = excursion.device
    event = _alert_event(excursion, rule, at)
    capture(device.organization, device_principal(device), [event])
    bound = f"{rule.min_value if rule.min_value is not None else '-∞'}…{rule.max_value or '+∞'} {rule.uom}"
    Alert.objects.create(
        organization_id=device.organization_id,
        agency=_agency_for(rule),
        excursion=excursion,
        message=f"{rule.name}: {excursion.worst_value:g} {rule.uom} outside {bound} since "
        f"{epcis_time(excursion.started_at)} ({device.name})",
        event_id=event["eventID"],
    )
    excursion.is_alerted = True


def rules_apply(fresh_by_device: Sequence[tuple[Device, Sequence[ParsedReading]]]) -> int:
    """Walk new readings in time order through each device's rules; returns how many alerts were raised."""
    rules = rules_for([device for device, _ in fresh_by_device])
    if not any(rules.values()):
        return 0
    open_excursions = {
        (e.device_id, e.rule_id): e
        for e in Excursion.objects.select_related("device__organization").filter(
            device_id__in=[d.pk for d, _ in fresh_by_device], ended_at__isnull=True
        )
    }
    alerts = 0
    for device, readings in fresh_by_device:
        identifier = next(iter(monitored_identifiers(device)), "")
        for rule in rules.get(device.pk, ()):
            tolerance = timedelta(minutes=rule.tolerance_minutes)
            current = open_excursions.get((device.pk, rule.pk))
            touched = False
            for reading in readings:
                if reading.type != rule.measurement_type or reading.uom != rule.uom:
                    continue
                if current is not None and reading.time <= current.last_out_at:
                    continue  # a late reading from before what the excursion already covers
                if rule.is_within(reading.value):
                    if current is not None:
                        current.ended_at = reading.time
                        current.save()
                        current, touched = None, False
                    continue
                if current is None:
                    current = Excursion(
                        organization_id=device.organization_id,
                        device=device,
                        rule=rule,
                        identifier=identifier,
                        started_at=reading.time,
                        last_out_at=reading.time,
                        worst_value=reading.value,
                    )
                current.last_out_at = reading.time
                current.reading_count += 1
                current.worst_value = _worse(rule, current.worst_value, reading.value)
                touched = True
                if not current.is_alerted and reading.time - current.started_at >= tolerance:
                    current.save()
                    _alert(current, rule, reading.time)
                    alerts += 1
                    current.save()
            if current is not None and touched:
                current.save()
    return alerts


def _worse(rule: ThresholdRule, old: float, new: float) -> float:
    """The value further from the allowed range."""

    def distance(value: float) -> float:
        below = rule.min_value - value if rule.min_value is not None else 0.0
        above = value - rule.max_value if rule.max_value is not None else 0.0
        return max(below, above)

    return new if distance(new) > distance(old) else old
