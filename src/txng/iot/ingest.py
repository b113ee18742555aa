"""Readings into the record: dedupe, store the narrow rows, batch into EPCIS sensor events, check the rules.

Called by the MQTT worker once per flush and by the HTTP upload, always with whole payloads.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final

from django.db import connection, transaction
from django.db.models import F

from txng.accounts.principal import Principal
from txng.epcis.document import EPCISDocument
from txng.epcis.services import events_capture
from txng.epcis.validation import EPCISValidationError
from txng.iot.models import Device, MonitoringSpan, Reading
from txng.iot.protocol import ParsedReading
from txng.registry.models import Organization

# Sensor reports per EPCIS event: big enough that 5,000 readings/s is a handful of events, small enough
# that one event stays a readable document (CBV 2.0 puts no limit on sensorReport).
READINGS_PER_EVENT: Final = 500
TXNG_NAMESPACE: Final = "https://ns.opentxng.vn/epcis/"
DEVICE_URI: Final = "https://ns.opentxng.vn/iot/device/"
# Event IDs are UUIDv5 in our own namespace, so the same readings always make the same eventID.
_EVENT_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, TXNG_NAMESPACE + "iot")
_VIETNAM: Final = timezone(timedelta(hours=7))


class CaptureFailed(Exception):
    """The capture service refused a sensor event we built: a bug, never a device's fault."""


@dataclass
class StoreResult:
    stored: int = 0
    duplicates: int = 0
    event_ids: list[str] = field(default_factory=list)
    alerts: int = 0


def device_principal(device: Device) -> Principal:
    """A device acts for its one organization, like an API token."""
    return Principal(label=f"device:{device.code}", organization_ids=frozenset({device.organization_id}))


def location_uri(device: Device) -> str:
    if not device.location_gln:
        return ""
    uri = f"https://id.gs1.org/414/{device.location_gln}"
    return f"{uri}/254/{device.location_extension}" if device.location_extension else uri


def sscc_uri(sscc: str) -> str:
    return f"https://id.gs1.org/00/{sscc}"


def monitored_identifiers(device: Device) -> list[str]:
    """What the device's readings are about: its logistic unit and/or lot."""
    return [uri for uri in (sscc_uri(device.sscc) if device.sscc else "", device.lot_identifier) if uri]


def epcis_time(moment: datetime) -> str:
    return moment.astimezone(_VIETNAM).isoformat(timespec="milliseconds")


def event_id_for(*parts: object) -> str:
    return f"urn:uuid:{uuid.uuid5(_EVENT_NAMESPACE, '|'.join(str(part) for part in parts))}"


def sensor_event_base(device: Device, event_time: datetime) -> dict[str, Any]:
    """The parts every sensor event of a device shares (CBV 2.0 bizStep sensor_reporting)."""
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": epcis_time(event_time),
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": "sensor_reporting",
        "epcList": [sscc_uri(device.sscc)] if device.sscc else [],
    }
    if device.lot_identifier:
        event["quantityList"] = [{"epcClass": device.lot_identifier}]
    location = location_uri(device)
    if location:
        event["readPoint"] = {"id": location}
        event["bizLocation"] = {"id": location}
    elif not device.sscc and not device.lot_identifier:
        event["readPoint"] = {"id": DEVICE_URI + device.code}
    return event


def _sensor_event(device: Device, readings: Sequence[ParsedReading]) -> dict[str, Any]:
    first, last = readings[0], readings[-1]
    event = sensor_event_base(device, last.time)
    # Deterministic: a re-sent reading is dropped before this point, so the same new readings
    # always make the same event, and capture skips an eventID it already holds.
    event["eventID"] = event_id_for("readings", device.code, first.type, first.time.isoformat(), len(readings))
    event["sensorElementList"] = [
        {
            # No startTime/endTime: every report has its own time, and capture would fold the
            # metadata's into each of up to 500 index rows.
            "sensorMetadata": {"deviceID": DEVICE_URI + device.code},
            "sensorReport": [
                {"type": r.type, "value": r.value, "uom": r.uom, "time": epcis_time(r.time)} for r in readings
            ],
        }
    ]
    return event


def capture(organization: Organization, principal: Principal, events: list[dict[str, Any]]) -> list[str]:
    """Store events through the one capture service; a refusal is a bug and raises."""
    document = EPCISDocument(events=events, namespaces={"txng": TXNG_NAMESPACE})
    try:
        result = events_capture(actor=principal, organization=organization, document=document)
    except EPCISValidationError as error:
        raise CaptureFailed(str(error)) from error
    if result.errors:
        raise CaptureFailed(str(result.errors[:3]))
    return result.event_ids


def _new_readings(device: Device, readings: Iterable[ParsedReading]) -> list[ParsedReading]:
    """Readings not stored yet (one range query per device), in time order, without repeats."""
    unique: dict[tuple[str, datetime], ParsedReading] = {}
    for reading in readings:
        unique.setdefault((reading.type, reading.time), reading)
    if not unique:
        return []
    times = [key[1] for key in unique]
    stored = set(
        Reading.objects.filter(device=device, time__gte=min(times), time__lte=max(times)).values_list("type", "time")
    )
    fresh = [reading for key, reading in unique.items() if (key[0], key[1].astimezone(UTC)) not in stored]
    fresh.sort(key=lambda r: (r.time, r.type))
    return fresh


_READING_COLUMNS: Final = ("organization_id", "device_id", "type", "time", "value", "uom", "sequence")


def _time_adapter() -> Callable[[datetime], object]:
    """Readings' times in the database's form, without Django's per-value adaptation (a hot path)."""
    if connection.vendor == "postgresql":
        return lambda moment: moment
    # What Django's SQLite backend stores for an aware datetime with USE_TZ: naive UTC text.
    return lambda moment: str(moment.astimezone(UTC).replace(tzinfo=None))


def _readings_insert(rows: list[tuple[Any, ...]]) -> None:
    """Plain rows into the narrow table: COPY on PostgreSQL, one executemany on SQLite."""
    if not rows:
        return
    table = Reading._meta.db_table
    names = ", ".join(f'"{column}"' for column in _READING_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with connection.wrap_database_errors, cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(_READING_COLUMNS))
            cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)  # noqa: S608


def _spans_update(device: Device, readings: Sequence[ParsedReading]) -> None:
    first, last = readings[0].time, readings[-1].time
    for identifier in monitored_identifiers(device):
        span, created = MonitoringSpan.objects.get_or_create(
            device=device,
            identifier=identifier,
            defaults={
                "organization_id": device.organization_id,
                "first_time": first,
                "last_time": last,
                "reading_count": len(readings),
            },
        )
        if not created:
            MonitoringSpan.objects.filter(pk=span.pk).update(
                first_time=min(span.first_time, first),
                last_time=max(span.last_time, last),
                reading_count=F("reading_count") + len(readings),
            )


def readings_store(batches: Iterable[tuple[Device, Sequence[ParsedReading]]]) -> StoreResult:
    """Store readings exactly once, as narrow rows and as EPCIS sensor events, and apply the rules."""
    from txng.iot.rules import rules_apply  # rules import this module's event helpers

    result = StoreResult()
    per_device: dict[int, tuple[Device, list[ParsedReading]]] = {}
    for device, readings in batches:
        per_device.setdefault(device.pk, (device, []))[1].extend(readings)
    with transaction.atomic():
        events_by_organization: dict[int, list[dict[str, Any]]] = defaultdict(list)
        fresh_by_device: list[tuple[Device, list[ParsedReading]]] = []
        rows: list[tuple[Any, ...]] = []
        adapt = _time_adapter()
        for device, readings in per_device.values():
            fresh = _new_readings(device, readings)
            result.duplicates += len(readings) - len(fresh)
            if not fresh:
                continue
            fresh_by_device.append((device, fresh))
            rows.extend(
                (device.organization_id, device.pk, r.type, adapt(r.time), r.value, r.uom, r.sequence) for r in fresh
            )
            for start in range(0, len(fresh), READINGS_PER_EVENT):
                events_by_organization[device.organization_id].append(
                    _sensor_event(device, fresh[start : start + READINGS_PER_EVENT])
                )
        _readings_insert(rows)
        result.stored = len(rows)
        devices = {device.organization_id: device for device, _ in fresh_by_device}
        for organization_id, events in events_by_organization.items():
            device = devices[organization_id]
            result.event_ids.extend(capture(device.organization, device_principal(device), events))
        for device, fresh in fresh_by_device:
            _spans_update(device, fresh)
            Device.objects.filter(pk=device.pk).update(
                accepted_count=F("accepted_count") + len(fresh), last_seen_at=fresh[-1].time
            )
        result.alerts = rules_apply(fresh_by_device)
    return result
