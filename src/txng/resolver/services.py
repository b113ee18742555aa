"""Writes of the resolver: the scan log, PIN checks, consumer reports, counterfeit signals, product links."""

from __future__ import annotations

import datetime
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from txng.accounts.principal import Principal
from txng.accounts.visibility import can_edit_organization
from txng.codes.cache import TTLCache
from txng.codes.models import StampBatch
from txng.codes.selectors import StampCheck, stamp_pin_matches
from txng.codes.serials import decrypt_secret, serial_for
from txng.core.audit import audit_record
from txng.core.errors import PermissionDenied, ServiceError
from txng.registry.models import Product
from txng.resolver import scanlog
from txng.resolver.models import PinCheck, ProductLink, Scan, Signal, SuspectReport, Verdict
from txng.resolver.risk import PIN_WINDOW, PinEntry, ScanPoint, stamp_risk
from txng.resolver.selectors import STAMP_SCANS_LIMIT, stamp_scans

PIN_TRIES_PER_VISITOR_PER_HOUR: Final = 10
PIN_WRONG_PER_STAMP_PER_DAY: Final = 10
REPORTS_PER_VISITOR_PER_HOUR: Final = 5
PHOTO_MAX_BYTES: Final = 5 * 1024 * 1024
_COARSE = Decimal("0.01")  # ≈ 1 km: enough to see two far-apart places, not enough to find a home


class RateLimited(ServiceError):
    status = 429

    def __init__(self, message: str) -> None:
        super().__init__(message, code="rate-limited")


def visitor_hash(ip_address: str) -> str:
    """A keyed hash of the client IP address (the address itself is never stored)."""
    key = hashlib.sha256(b"txng.resolver.visitor" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, ip_address.encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class ScanRequest:
    gtin: str
    lot: str = ""
    serial: str = ""
    visitor: str = ""
    platform: str = ""
    language: str = ""


def scan_record(
    *,
    request: ScanRequest,
    verdict: str,
    organization_id: int | None,
    batch: StampBatch | None = None,
    stamp_index: int | None = None,
    check: StampCheck | None = None,
    earlier_scans: Sequence[ScanPoint] | None = None,
    earlier_pins: Sequence[PinEntry] | None = None,
) -> Scan:
    """Log one resolution and raise signals it gives evidence for."""
    # `earlier_scans`, `earlier_pins`: the stamp's scans before this one (newest first) and its PIN entries,
    # as the verdict read them; given, the rules take them (and this scan) instead of reading them again.
    scan = Scan(
        organization_id=organization_id,
        gtin=request.gtin,
        lot=request.lot[:20],
        serial=request.serial[:20],
        batch=batch,
        stamp_index=stamp_index,
        verdict=verdict,
        scanned_at=timezone.now(),
        ip_hash=request.visitor,
        platform=request.platform[:40],
        language=request.language[:20],
    )
    scanlog.scan_insert(scan)
    if request.serial and (check in (StampCheck.FORGED, StampCheck.UNISSUED) or verdict == Verdict.VOIDED):
        signals_evaluate(
            gtin=request.gtin, serial=request.serial, organization_id=organization_id, batch=batch,
            stamp_index=stamp_index, is_invalid_serial=verdict != Verdict.VOIDED, is_voided=verdict == Verdict.VOIDED,
        )  # fmt: skip
    elif batch is not None and stamp_index is not None:
        scans = None
        if earlier_scans is not None:
            scans = [ScanPoint(scan.scanned_at, scan.ip_hash), *earlier_scans][:STAMP_SCANS_LIMIT]
        signals_evaluate(
            gtin=request.gtin, serial=request.serial, organization_id=organization_id, batch=batch,
            stamp_index=stamp_index, scans=scans, pins=earlier_pins if scans is not None else None,
        )  # fmt: skip
    return scan


def _coarse(value: float, limit: float) -> Decimal:
    if not -limit <= value <= limit:
        raise ServiceError(_("The position is not valid."), code="invalid", field="position")
    return Decimal(str(value)).quantize(_COARSE, rounding=ROUND_HALF_UP)


def scan_locate(*, scan: Scan, latitude: float, longitude: float) -> Scan:
    """Add the coarse position the visitor's phone shared; a scan's position is set once."""
    lat, lon = _coarse(latitude, 90), _coarse(longitude, 180)
    updated = Scan.objects.filter(pk=scan.pk, latitude__isnull=True).update(latitude=lat, longitude=lon)
    if updated:
        scan.latitude, scan.longitude = lat, lon
        if scan.batch_id is not None and scan.stamp_index is not None:
            signals_evaluate(
                gtin=scan.gtin, serial=scan.serial, organization_id=scan.organization_id, batch=scan.batch,
                stamp_index=scan.stamp_index,
            )  # fmt: skip
    return scan


# The norm moves slowly, and computing it reads every scan of the batch: without this cache each scan of a
# popular stamp would aggregate over the whole batch's scan log (measured: a third of a scan's time).
_BATCH_NORMS: TTLCache[float] = TTLCache(ttl=300, size=10_000)


def _batch_norm(batch: StampBatch) -> float:
    """Mean scans per scanned stamp of the batch (the norm a stamp's count is compared with)."""

    def load() -> float:
        row = Scan.objects.filter(batch=batch).aggregate(scans=Count("pk"), stamps=Count("stamp_index", distinct=True))
        return float(row["scans"] / row["stamps"]) if row["stamps"] else 1.0

    return _BATCH_NORMS.get(batch.pk, load)


def batch_norms_forget() -> None:
    """Drop this process's cached batch norms (tests; ids are reused after a rolled-back test)."""
    _BATCH_NORMS.clear()


def signals_evaluate(
    *,
    gtin: str,
    serial: str,
    organization_id: int | None,
    batch: StampBatch | None,
    stamp_index: int | None,
    is_invalid_serial: bool = False,
    is_voided: bool = False,
    scans: Sequence[ScanPoint] | None = None,
    pins: Sequence[PinEntry] | None = None,
) -> list[Signal]:
    """Score one stamp from its scans and PIN entries (each read unless given); store a signal per finding a day."""
    now = timezone.now()
    entries: Sequence[PinEntry] = []
    norm = 1.0
    if batch is None or stamp_index is None or is_invalid_serial:
        scans = []
    else:
        if scans is None:
            scans = stamp_scans(batch=batch, index=stamp_index)
        entries = (
            pins
            if pins is not None
            else scanlog.pin_entries(batch_id=batch.pk, index=stamp_index, since=now - PIN_WINDOW)
        )
        if len(scans) > 10:  # the norm only matters once a stamp is scanned often
            norm = _batch_norm(batch)
    risk = stamp_risk(
        scans=scans, pin_entries=entries, batch_norm=norm, is_invalid_serial=is_invalid_serial, is_voided=is_voided,
        now=now,
    )  # fmt: skip
    raised = []
    for finding in risk.findings:
        defaults: dict[str, Any] = {
            "organization_id": organization_id,
            "batch": batch,
            "stamp_index": stamp_index,
            "score": risk.score,
            "reasons": [f.as_dict() for f in risk.findings],
            "raised_at": now,
        }
        key: dict[str, Any] = {"gtin": gtin, "serial": serial, "kind": finding.kind, "day": timezone.localdate(now)}
        try:
            with transaction.atomic():
                signal, _created = Signal.objects.update_or_create(**key, defaults=defaults)
        except IntegrityError:  # a concurrent scan created it first; ours only repeats the evidence
            signal = Signal.objects.get(**key)
        raised.append(signal)
    return raised


@dataclass(frozen=True, slots=True)
class PinResult:
    is_correct: bool
    earlier_correct: int  # correct entries of this PIN before this one
    first_correct_at: datetime.datetime | None


def pin_check(*, batch: StampBatch, stamp_index: int, pin: str, visitor: str) -> PinResult:
    """Check a scratch-off PIN; a PIN entered correctly before means the stamp was used before."""
    now = timezone.now()
    hour_ago = now - datetime.timedelta(hours=1)
    if PinCheck.objects.filter(ip_hash=visitor, checked_at__gte=hour_ago).count() >= PIN_TRIES_PER_VISITOR_PER_HOUR:
        raise RateLimited(_("Too many PIN checks. Please try again in an hour."))
    stamp_pins = PinCheck.objects.filter(batch=batch, stamp_index=stamp_index)
    wrong_today = stamp_pins.filter(is_correct=False, checked_at__gte=now - datetime.timedelta(days=1)).count()
    if wrong_today >= PIN_WRONG_PER_STAMP_PER_DAY:
        raise RateLimited(_("Too many wrong PINs for this stamp today. Please try again tomorrow."))
    is_correct = stamp_pin_matches(batch=batch, index=stamp_index, pin=pin)
    earlier = list(stamp_pins.filter(is_correct=True).order_by("checked_at").values_list("checked_at", flat=True)[:1])
    earlier_count = stamp_pins.filter(is_correct=True).count() if is_correct else 0
    PinCheck.objects.create(
        batch=batch, stamp_index=stamp_index, is_correct=is_correct, ip_hash=visitor, checked_at=now
    )
    if not is_correct:
        serial = serial_for(decrypt_secret(batch.secret_encrypted), batch.pk, stamp_index, scheme=batch.serial_scheme)
        signals_evaluate(
            gtin=batch.product.gtin, serial=serial, organization_id=batch.organization_id, batch=batch,
            stamp_index=stamp_index,
        )  # fmt: skip
    return PinResult(is_correct, earlier_count, earlier[0] if earlier and is_correct else None)


def suspect_report_submit(
    *,
    gtin: str,
    serial: str,
    lot: str,
    description: str,
    place: str,
    contact: str,
    photo: UploadedFile | None,
    visitor: str,
    organization_id: int | None,
) -> SuspectReport:
    """Record a consumer's report of a suspect product (no login; a few per visitor per hour)."""
    description = description.strip()
    if not description:
        raise ServiceError(_("Please describe what looks wrong."), code="required", field="description")
    if len(description) > 2000:
        raise ServiceError(_("The description is too long (2000 characters at most)."), field="description")
    if photo is not None and (photo.size or 0) > PHOTO_MAX_BYTES:
        raise ServiceError(_("The photo is too large (5 MB at most)."), field="photo")
    hour_ago = timezone.now() - datetime.timedelta(hours=1)
    if SuspectReport.objects.filter(ip_hash=visitor, created_at__gte=hour_ago).count() >= REPORTS_PER_VISITOR_PER_HOUR:
        raise RateLimited(_("Too many reports. Please try again in an hour."))
    report = SuspectReport(
        organization_id=organization_id,
        gtin=gtin,
        serial=serial[:20],
        lot=lot[:20],
        description=description,
        place=place.strip()[:300],
        contact=contact.strip()[:200],
        ip_hash=visitor,
    )
    if photo is not None:
        report.photo.save(photo.name or "photo.jpg", photo, save=False)
    report.save()
    return report


@transaction.atomic
def product_link_create(
    *,
    actor: Principal,
    product: Product,
    link_type: str,
    href: str,
    title: str,
    language: str = "",
    context: str = "",
    media_type: str = "text/html",
) -> ProductLink:
    """Add a business's own link to its GTIN (served by the resolver and listed in its linkset)."""
    if not can_edit_organization(actor, product.organization_id):
        raise PermissionDenied(_("You may not change this organization's data."))
    if link_type not in ProductLink.LinkType.values:
        raise ServiceError(_("Unknown link type."), code="invalid-choice", field="link_type")
    if not href.startswith(("https://", "http://")):
        raise ServiceError(_("The link must start with https://."), code="invalid", field="href")
    if not title.strip():
        raise ServiceError(_("The title is required."), code="required", field="title")
    link = ProductLink.objects.create(
        product=product,
        organization_id=product.organization_id,
        link_type=link_type,
        href=href,
        title=title.strip(),
        language=language.strip().lower(),
        context=context.strip(),
        media_type=media_type,
    )
    audit_record(actor=actor, action="product_link.create", obj=link, changes={"link_type": link_type, "href": href})
    return link
