"""API of the iot app under /api/iot/: devices, trip-file uploads by loggers, alerts, cold-chain summaries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from txng.accounts.auth import ANYONE, AUTHENTICATED, principal_of
from txng.core.errors import NotFound, PermissionDenied, ServiceError
from txng.iot import selectors, services
from txng.iot.ingest import readings_store
from txng.iot.models import Device
from txng.iot.protocol import Rejected, csv_parse, topic_for
from txng.registry.models import Organization

router = Router(tags=["iot"])
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class MeasurementIn(Schema):
    type: str = Field(examples=["Temperature"])
    uom: str = Field(examples=["CEL"])


class DeviceIn(Schema):
    organization_id: int
    name: str
    location_gln: str = ""
    location_extension: str = ""
    sscc: str = ""
    lot_identifier: str = ""
    measurements: list[MeasurementIn] = Field(default_factory=lambda: [MeasurementIn(type="Temperature", uom="CEL")])


def _device_json(device: Device) -> dict[str, Any]:
    return {
        "code": device.code,
        "name": device.name,
        "organization_id": device.organization_id,
        "location_gln": device.location_gln,
        "sscc": device.sscc,
        "lot_identifier": device.lot_identifier,
        "measurements": device.measurements,
        "topic": topic_for(device.code),
        "is_active": device.is_active,
        "last_seen_at": device.last_seen_at,
        "accepted_count": device.accepted_count,
        "rejected_count": device.rejected_count,
    }


@router.get("/devices", auth=AUTHENTICATED)
def device_list(request: HttpRequest) -> list[dict[str, Any]]:
    principal = principal_of(request)
    if principal.is_public:
        return []
    return [_device_json(device) for device in selectors.devices_visible(principal).order_by("pk")[:1000]]


@router.post("/devices", response={201: dict[str, Any]}, auth=AUTHENTICATED)
def device_add(request: HttpRequest, payload: DeviceIn) -> Status[dict[str, Any]]:
    organization = Organization.objects.filter(pk=payload.organization_id).first()
    if organization is None:
        raise NotFound(_("No such organization."), field="organization_id")
    device, secret = services.device_create(
        actor=principal_of(request),
        organization=organization,
        name=payload.name,
        location_gln=payload.location_gln,
        location_extension=payload.location_extension,
        sscc=payload.sscc,
        lot_identifier=payload.lot_identifier,
        measurements=[m.model_dump() for m in payload.measurements],
    )
    # The secret is shown this once; only its SHA-256 is stored.
    return Status(201, {**_device_json(device), "mqtt_username": device.code, "secret": secret})


@router.post("/devices/{code}/upload", auth=None)
def device_upload(request: HttpRequest, code: str) -> dict[str, Any]:
    """A data logger's trip file (CSV: time,type,value,unit[,seq]), authenticated by the device's secret."""
    header = request.headers.get("Authorization", "")
    secret = header[7:].strip() if header.lower().startswith("bearer ") else ""
    device = services.device_authenticate(code, secret)
    if device is None:
        services.rejections_count({(code[:64], "bad-token"): (1, "upload without a valid device token")})
        raise PermissionDenied(_("This device token is not valid."), code="bad-device-token")
    if len(request.body) > MAX_UPLOAD_BYTES:
        raise ServiceError(_("The file is too large."), code="too-large")
    units = {m["type"]: m["uom"] for m in device.measurements}
    try:
        readings = csv_parse(request.body.decode("utf-8-sig"), units, timezone.now())
    except (Rejected, UnicodeDecodeError) as error:
        detail = error.detail if isinstance(error, Rejected) else "not UTF-8 text"
        services.rejections_count({(device.code, "bad-file"): (1, detail)})
        raise ServiceError(_("The file could not be read: %(detail)s") % {"detail": detail}, code="bad-file") from None
    result = readings_store([(device, readings)])
    return {
        "stored": result.stored,
        "duplicates": result.duplicates,
        "events": result.event_ids,
        "alerts": result.alerts,
    }


@router.get("/alerts", auth=AUTHENTICATED)
def alert_list(request: HttpRequest) -> list[dict[str, Any]]:
    alerts = selectors.alerts_visible(principal_of(request))[:500]
    return [
        {
            "id": alert.pk,
            "organization": {"id": alert.organization_id, "name": alert.organization.name},
            "agency_id": alert.agency_id,
            "device": alert.excursion.device.code,
            "identifier": alert.excursion.identifier,
            "rule": alert.excursion.rule.name,
            "started_at": alert.excursion.started_at,
            "ended_at": alert.excursion.ended_at,
            "worst_value": alert.excursion.worst_value,
            "uom": alert.excursion.rule.uom,
            "event_id": alert.event_id,
            "created_at": alert.created_at,
        }
        for alert in alerts
    ]


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@router.get("/cold-chain", auth=ANYONE)
def cold_chain(request: HttpRequest, identifier: str) -> dict[str, Any]:
    """Was the cold chain of a lot or shipment (SSCC) kept? What the public may see of it."""
    summary = selectors.cold_chain_summary(lot_identifiers=[identifier], principal=principal_of(request))
    return {
        "identifiers": list(summary.identifiers),
        "is_monitored": summary.is_monitored,
        "is_kept": summary.is_kept,
        "reading_count": summary.reading_count,
        "first_time": _when(summary.first_time),
        "last_time": _when(summary.last_time),
        "breaks": [
            {
                "started_at": _when(b.started_at),
                "ended_at": _when(b.ended_at),
                "minutes": b.minutes,
                "place": b.place,
                "worst_value": b.worst_value,
                "uom": b.uom,
                "rule": b.rule_name,
            }
            for b in summary.breaks
        ],
    }
