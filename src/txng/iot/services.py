"""Writes of the iot app: devices, rules, rejection counters. Readings go through `ingest`."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from txng.accounts.principal import Principal
from txng.accounts.visibility import can_edit_organization
from txng.core.audit import audit_record
from txng.core.errors import PermissionDenied, ServiceError
from txng.epcis import vocabulary as voc
from txng.epcis.canonical import canonical_identifier
from txng.gs1.checkdigit import gs1_check_digit
from txng.iot.models import Device, IngestRejection, ThresholdRule
from txng.iot.protocol import secret_digest
from txng.registry.models import Organization, ProductGroup

SECRET_PREFIX = "txd_"  # noqa: S105 - a public prefix, not a secret
DEFAULT_MEASUREMENTS = ({"type": "Temperature", "uom": "CEL"},)


def _is_gs1_number(value: str, length: int) -> bool:
    return len(value) == length and value.isdigit() and gs1_check_digit(value[:-1]) == value[-1]


def _measurements(items: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
    cleaned: list[dict[str, str]] = []
    for item in items:
        kind = voc.to_short("measurementType", str(item.get("type", "")).strip())
        uom = str(item.get("uom", "")).strip()
        if kind not in voc.MEASUREMENT_TYPES:
            raise ServiceError(_("Unknown measurement type: %(type)s.") % {"type": kind}, field="measurements")
        if not voc.is_uom(uom):
            raise ServiceError(_("Unknown unit of measure: %(unit)s.") % {"unit": uom}, field="measurements")
        if any(found["type"] == kind for found in cleaned):
            raise ServiceError(_("A measurement type is listed twice."), field="measurements")
        cleaned.append({"type": kind, "uom": uom})
    if not cleaned:
        raise ServiceError(_("A device measures at least one thing."), field="measurements")
    return cleaned


def device_fields_clean(
    *,
    name: str,
    location_gln: str = "",
    location_extension: str = "",
    sscc: str = "",
    lot_identifier: str = "",
    measurements: Sequence[Mapping[str, str]] = DEFAULT_MEASUREMENTS,
) -> dict[str, Any]:
    """A device's fields checked and normalised; raises ServiceError naming the wrong field."""
    name = name.strip()
    if not name or len(name) > 200:
        raise ServiceError(_("Give the device a name of at most 200 characters."), field="name")
    if location_gln and not _is_gs1_number(location_gln, 13):
        raise ServiceError(_("The GLN must be 13 digits with a valid check digit."), field="location_gln")
    if sscc and not _is_gs1_number(sscc, 18):
        raise ServiceError(_("The SSCC must be 18 digits with a valid check digit."), field="sscc")
    if not (location_gln or sscc):
        raise ServiceError(_("Say where the device is: a location GLN or an SSCC."), field="location_gln")
    lot_identifier = canonical_identifier(lot_identifier.strip()) if lot_identifier.strip() else ""
    if lot_identifier and not lot_identifier.startswith("https://id.gs1.org/01/"):
        raise ServiceError(_("The lot must be a GS1 Digital Link of a GTIN and lot."), field="lot_identifier")
    return {
        "name": name,
        "location_gln": location_gln,
        "location_extension": location_extension.strip()[:20],
        "sscc": sscc,
        "lot_identifier": lot_identifier,
        "measurements": _measurements(measurements),
    }


@transaction.atomic
def device_create(
    *,
    actor: Principal,
    organization: Organization,
    name: str,
    location_gln: str = "",
    location_extension: str = "",
    sscc: str = "",
    lot_identifier: str = "",
    measurements: Sequence[Mapping[str, str]] = DEFAULT_MEASUREMENTS,
) -> tuple[Device, str]:
    """Register a device; its secret is returned once and only its hash is kept."""
    if not can_edit_organization(actor, organization.pk):
        raise PermissionDenied(_("You may not register devices for this organization."))
    fields = device_fields_clean(
        name=name,
        location_gln=location_gln,
        location_extension=location_extension,
        sscc=sscc,
        lot_identifier=lot_identifier,
        measurements=measurements,
    )
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    device = Device.objects.create(
        organization=organization,
        code="d-" + secrets.token_hex(6),
        secret_hash=secret_digest(secret),
        secret_prefix=secret[: len(SECRET_PREFIX) + 6],
        **fields,
    )
    audit_record(
        actor=actor, action="iot.device.create", obj=device, changes={"code": device.code, "name": fields["name"]}
    )
    return device, secret


def device_authenticate(code: str, secret: str) -> Device | None:
    """The active device with this code and secret (HTTP uploads), or None."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    return (
        Device.objects.select_related("organization")
        .filter(code=code, secret_hash=secret_digest(secret), is_active=True)
        .first()
    )


@transaction.atomic
def rule_create(
    *,
    actor: Principal,
    name: str,
    product_group: ProductGroup | None = None,
    sscc: str = "",
    organization: Organization | None = None,
    measurement_type: str = "Temperature",
    uom: str = "CEL",
    min_value: float | None = None,
    max_value: float | None = None,
    tolerance_minutes: int = 0,
) -> ThresholdRule:
    """A range per product group (officers, catalog-wide) or per shipment (its owner)."""
    if product_group is not None and not (actor.is_admin or actor.is_officer):
        raise PermissionDenied(_("Only officers set rules for a product group."))
    if sscc and (organization is None or not can_edit_organization(actor, organization.pk)):
        raise PermissionDenied(_("You may not set rules for this shipment."))
    if product_group is None and not sscc:
        raise ServiceError(_("A rule applies to a product group or a shipment."), field="product_group")
    if min_value is None and max_value is None:
        raise ServiceError(_("Give a minimum, a maximum or both."), field="min_value")
    if min_value is not None and max_value is not None and min_value > max_value:
        raise ServiceError(_("The minimum is above the maximum."), field="min_value")
    rule = ThresholdRule.objects.create(
        organization=organization,
        product_group=product_group,
        sscc=sscc,
        name=name.strip()[:200],
        measurement_type=voc.to_short("measurementType", measurement_type),
        uom=uom,
        min_value=min_value,
        max_value=max_value,
        tolerance_minutes=tolerance_minutes,
    )
    audit_record(actor=actor, action="iot.rule.create", obj=rule, changes={"name": rule.name})
    return rule


def rejections_count(counts: Mapping[tuple[str, str], tuple[int, str]], *, now: datetime | None = None) -> None:
    """Add refused payloads to the counters: {(device code, reason): (count, last detail)}."""
    now = now or timezone.now()
    by_device: dict[str, int] = {}
    for (code, reason), (count, detail) in sorted(counts.items()):
        updated = IngestRejection.objects.filter(device_code=code[:64], reason=reason).update(
            count=F("count") + count, last_detail=detail[:300], last_at=now
        )
        if not updated:
            IngestRejection.objects.create(
                device_code=code[:64], reason=reason, count=count, last_detail=detail[:300], last_at=now
            )
        by_device[code] = by_device.get(code, 0) + count
    for code, count in by_device.items():
        Device.objects.filter(code=code[:40]).update(rejected_count=F("rejected_count") + count)
