"""Capture: the one path by which EPCIS events enter the store (DESIGN.md §3)."""

from __future__ import annotations

import decimal
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from txng.accounts.principal import Principal
from txng.accounts.visibility import can_edit_organization
from txng.core.audit import audit_record
from txng.core.errors import PermissionDenied
from txng.epcis.canonical import digital_link
from txng.epcis.document import EPCISDocument
from txng.epcis.hashing import event_hash_id
from txng.epcis.models import (
    URI_MAX_LENGTH,
    CaptureJob,
    Event,
    EventBizTransaction,
    EventIdentifier,
    EventParty,
    EventSensorReport,
)
from txng.epcis.validation import VALIDATION_EXCEPTION, Problem, raise_problems, validate_event
from txng.registry.models import Organization

_BATCH = 1000
_QUANTUM = decimal.Decimal("0.000001")
_QUANTITY_LIMIT = decimal.Decimal(10) ** 14  # fits DecimalField(max_digits=20, decimal_places=6)
_DL_GTIN_PREFIX = "https://id.gs1.org/01/"
# Canonical Digital Link prefixes of a party (417) or location (414) GLN.
_DL_GLN_PREFIXES = ("https://id.gs1.org/414/", "https://id.gs1.org/417/")
_SENSOR_URIS = (
    ("device_id", "deviceID"),
    ("data_processing_method", "dataProcessingMethod"),
    ("microorganism", "microorganism"),
    ("chemical_substance", "chemicalSubstance"),
    ("biz_rules", "bizRules"),
    ("string_value", "stringValue"),
    ("hex_binary_value", "hexBinaryValue"),
    ("uri_value", "uriValue"),
)
_SENSOR_NUMBERS = (
    ("value", "value"),
    ("min_value", "minValue"),
    ("max_value", "maxValue"),
    ("mean_value", "meanValue"),
    ("s_dev", "sDev"),
    ("perc_rank", "percRank"),
    ("perc_value", "percValue"),
)
_SENSOR_TIMES = (("time", "time"), ("start_time", "startTime"), ("end_time", "endTime"))
_EPC_ROLES = (
    ("epcList", EventIdentifier.Role.EPC),
    ("childEPCs", EventIdentifier.Role.CHILD),
    ("inputEPCList", EventIdentifier.Role.INPUT),
    ("outputEPCList", EventIdentifier.Role.OUTPUT),
)
_QUANTITY_ROLES = (
    ("quantityList", EventIdentifier.Role.CLASS),
    ("childQuantityList", EventIdentifier.Role.CHILD_CLASS),
    ("inputQuantityList", EventIdentifier.Role.INPUT_CLASS),
    ("outputQuantityList", EventIdentifier.Role.OUTPUT_CLASS),
)


@dataclass
class CaptureResult:
    """What one capture did: the job, how many events were stored, skipped as duplicates, or rejected."""

    job: CaptureJob
    captured_count: int = 0
    skipped_count: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    event_ids: list[str] = field(default_factory=list)

    @property
    def is_success(self) -> bool:
        return self.job.status == CaptureJob.Status.SUCCESS


@dataclass
class _Prepared:
    event: Event
    identifiers: list[EventIdentifier]
    parties: list[EventParty] = field(default_factory=list)
    biz_transactions: list[EventBizTransaction] = field(default_factory=list)
    sensor_reports: list[EventSensorReport] = field(default_factory=list)


class _Rejected(Exception):
    def __init__(self, pointer: str, detail: str) -> None:
        super().__init__(detail)
        self.problem = Problem(pointer, detail)


def canonical_identifier(uri: str) -> str:
    """The form identifiers are indexed and queried in: canonical GS1 Digital Link for GS1 keys (URN or DL)."""
    return digital_link(uri) or uri


def problem_dict(problem: Problem) -> dict[str, Any]:
    """A capture-job error entry (RFC 7807 shape, EPCIS 2.0 exception type)."""
    return {
        "type": VALIDATION_EXCEPTION,
        "title": "The EPCIS event is not valid",
        "status": 400,
        "detail": problem.detail,
        "pointer": problem.pointer,
    }


def _uri(value: object, pointer: str) -> str:
    if not isinstance(value, str):
        return ""
    if len(value) > URI_MAX_LENGTH:
        raise _Rejected(pointer, f"{value[:40]!r}… is longer than {URI_MAX_LENGTH} characters")
    return value


def _identifier_row(role: str, value: object, pointer: str, organization_id: int) -> EventIdentifier:
    canonical = _uri(canonical_identifier(value) if isinstance(value, str) else value, pointer)
    gtin = canonical[22:36] if canonical.startswith(_DL_GTIN_PREFIX) else ""
    return EventIdentifier(organization_id=organization_id, role=role, identifier=canonical, gtin=gtin)


def _quantity(value: object) -> decimal.Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = decimal.Decimal(str(value)).quantize(_QUANTUM)
    except decimal.InvalidOperation:
        return None
    # The document keeps the exact value; the index column keeps what fits.
    return number if abs(number) < _QUANTITY_LIMIT else None


def _identifiers(event: Mapping[str, Any], pointer: str, organization_id: int) -> Iterator[EventIdentifier]:
    parent = event.get("parentID")
    if isinstance(parent, str):
        yield _identifier_row(EventIdentifier.Role.PARENT, parent, f"{pointer}/parentID", organization_id)
    for name, role in _EPC_ROLES:
        for index, epc in enumerate(event.get(name) or ()):
            yield _identifier_row(role, epc, f"{pointer}/{name}/{index}", organization_id)
    for name, role in _QUANTITY_ROLES:
        for index, item in enumerate(event.get(name) or ()):
            row = _identifier_row(role, item.get("epcClass"), f"{pointer}/{name}/{index}", organization_id)
            row.quantity = _quantity(item.get("quantity"))
            row.uom = str(item.get("uom") or "")[:10]
            yield row


def _parties(event: Mapping[str, Any], pointer: str, organization_id: int) -> Iterator[EventParty]:
    for name, direction in (
        ("sourceList", EventParty.Direction.SOURCE),
        ("destinationList", EventParty.Direction.DESTINATION),
    ):
        for index, item in enumerate(event.get(name) or ()):
            value = item.get(direction) if isinstance(item, dict) else None
            if not isinstance(value, str):
                continue
            where = f"{pointer}/{name}/{index}"
            canonical = _uri(canonical_identifier(value), where)
            gln = canonical[23:36] if canonical.startswith(_DL_GLN_PREFIXES) else ""
            kind = _uri(str(item.get("type") or ""), where)
            yield EventParty(organization_id=organization_id, direction=direction, type=kind, value=canonical, gln=gln)


def _biz_transactions(event: Mapping[str, Any], pointer: str, organization_id: int) -> Iterator[EventBizTransaction]:
    for index, item in enumerate(event.get("bizTransactionList") or ()):
        value = item.get("bizTransaction") if isinstance(item, dict) else None
        if not isinstance(value, str):
            continue
        where = f"{pointer}/bizTransactionList/{index}"
        kind = _uri(str(item.get("type") or ""), where)
        yield EventBizTransaction(
            organization_id=organization_id, type=kind, value=_uri(canonical_identifier(value), where)
        )


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _moment(value: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def _sensor_reports(event: Mapping[str, Any], organization_id: int) -> Iterator[EventSensorReport]:
    """One row per sensorReport (metadata folded in; a report's own deviceID etc. wins)."""
    for element in event.get("sensorElementList") or ():
        if not isinstance(element, dict):
            continue
        found = element.get("sensorMetadata")
        metadata: dict[str, Any] = found if isinstance(found, dict) else {}
        reports = [r for r in element.get("sensorReport") or () if isinstance(r, dict)] or [{}]
        for report in reports:
            merged = {**metadata, **report}
            row = EventSensorReport(
                organization_id=organization_id, type=str(report.get("type") or "")[:URI_MAX_LENGTH]
            )
            for column, key in _SENSOR_URIS:
                setattr(row, column, str(merged.get(key) or "")[:URI_MAX_LENGTH])
            for column, key in _SENSOR_NUMBERS:
                setattr(row, column, _number(report.get(key)))
            for column, key in _SENSOR_TIMES:
                setattr(row, column, _moment(merged.get(key)))
            boolean = report.get("booleanValue")
            row.boolean_value = boolean if isinstance(boolean, bool) else None
            row.uom = str(report.get("uom") or "")[:10]
            yield row


def _prepare(
    event: dict[str, Any], pointer: str, document: EPCISDocument, organization: Organization, record_time: str
) -> _Prepared:
    """Hash, complete (eventID, recordTime) and index one valid event (EPCIS 2.0 §7.4.1, CBV 2.0 §8.9)."""
    event_hash = event_hash_id(event, document.namespaces, ignore_fields=document.hash_ignore_fields)
    event_id = event.get("eventID") or event_hash
    event["eventID"] = _uri(event_id, f"{pointer}/eventID")
    # recordTime is the repository's to set (EPCIS 2.0 §7.4.1); a sent value is replaced.
    event["recordTime"] = record_time
    try:
        event_time = datetime.fromisoformat(str(event["eventTime"]))
    except ValueError:
        raise _Rejected(f"{pointer}/eventTime", f"eventTime {event['eventTime']!r} is out of range") from None
    read_point = (event.get("readPoint") or {}).get("id")
    biz_location = (event.get("bizLocation") or {}).get("id")
    row = Event(
        organization=organization,
        event_id=event["eventID"],
        event_hash=event_hash,
        event_type=event["type"],
        event_time=event_time,
        event_time_zone_offset=str(event.get("eventTimeZoneOffset", ""))[:6],
        record_time=datetime.fromisoformat(record_time),
        action=str(event.get("action") or ""),
        biz_step=_uri(event.get("bizStep"), f"{pointer}/bizStep"),
        disposition=_uri(event.get("disposition"), f"{pointer}/disposition"),
        read_point=_uri(
            canonical_identifier(read_point) if isinstance(read_point, str) else "", f"{pointer}/readPoint"
        ),
        biz_location=_uri(
            canonical_identifier(biz_location) if isinstance(biz_location, str) else "", f"{pointer}/bizLocation"
        ),
        document=event,
        namespaces=document.namespaces,
        is_error_declaration="errorDeclaration" in event,
        error_declaration_time=_moment((event.get("errorDeclaration") or {}).get("declarationTime")),
    )
    return _Prepared(
        row,
        list(_identifiers(event, pointer, organization.pk)),
        list(_parties(event, pointer, organization.pk)),
        list(_biz_transactions(event, pointer, organization.pk)),
        list(_sensor_reports(event, organization.pk)),
    )


def _existing_keys(organization: Organization, prepared: list[_Prepared]) -> set[str]:
    """Event IDs and hashes already stored for the organization: one query per batch."""
    found: set[str] = set()
    for start in range(0, len(prepared), _BATCH):
        chunk = prepared[start : start + _BATCH]
        ids = [p.event.event_id for p in chunk]
        hashes = [p.event.event_hash for p in chunk]
        rows = Event.objects.filter(Q(event_id__in=ids) | Q(event_hash__in=hashes), organization=organization)
        for event_id, event_hash in rows.values_list("event_id", "event_hash"):
            found.update((event_id, event_hash))
    return found


def _store(prepared: list[_Prepared], job: CaptureJob) -> None:
    events = [p.event for p in prepared]
    for event in events:
        event.capture_job = job
    Event.objects.bulk_create(events, batch_size=_BATCH)
    for p in prepared:
        rows: list[EventIdentifier | EventParty | EventBizTransaction | EventSensorReport] = [
            *p.identifiers,
            *p.parties,
            *p.biz_transactions,
            *p.sensor_reports,
        ]
        for row in rows:
            row.event_id = p.event.pk
    EventIdentifier.objects.bulk_create([i for p in prepared for i in p.identifiers], batch_size=2 * _BATCH)
    parties = [i for p in prepared for i in p.parties]
    biz_transactions = [i for p in prepared for i in p.biz_transactions]
    sensor_reports = [i for p in prepared for i in p.sensor_reports]
    if parties:
        EventParty.objects.bulk_create(parties, batch_size=2 * _BATCH)
    if biz_transactions:
        EventBizTransaction.objects.bulk_create(biz_transactions, batch_size=2 * _BATCH)
    if sensor_reports:
        EventSensorReport.objects.bulk_create(sensor_reports, batch_size=2 * _BATCH)


def _finish(job: CaptureJob, *, status: str, errors: list[dict[str, Any]], captured: int) -> None:
    job.status = status
    job.errors = errors
    job.captured_count = captured
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "errors", "captured_count", "finished_at"])


def events_capture(
    *,
    actor: Principal,
    organization: Organization,
    document: EPCISDocument,
    error_behaviour: str = CaptureJob.ErrorBehaviour.ROLLBACK,
    job: CaptureJob | None = None,
) -> CaptureResult:
    """Validate, hash and store a parsed document's events for `organization`, skipping ones already stored.

    rollback (the default): any invalid event raises EPCISValidationError and nothing is stored;
    proceed: valid events are stored and the others reported (EPCIS 2.0 §8.2.7,
    GS1-Capture-Error-Behaviour).
    """
    if not can_edit_organization(actor, organization.pk):
        raise PermissionDenied("You may not capture events for this organization.")
    if error_behaviour not in CaptureJob.ErrorBehaviour.values:
        raise ValueError(f"unknown error behaviour {error_behaviour!r}")
    record_time = timezone.now().isoformat(timespec="milliseconds").replace("+00:00", "Z")
    is_legacy = document.schema_version.startswith("1.")
    base = "" if document.is_single_event else "/epcisBody/eventList"
    problems: list[Problem] = list(document.syntax_problems)
    prepared: list[_Prepared] = []
    for index, event in enumerate(document.events):
        pointer = f"{base}/{index}"
        found = [p for p in validate_event(event, document.namespaces, is_legacy=is_legacy) if not p.is_warning]
        if found:
            problems.extend(Problem(f"{pointer}{p.pointer}", f"event {index}: {p.detail}") for p in found)
            continue
        try:
            prepared.append(_prepare(event, pointer, document, organization, record_time))
        except _Rejected as rejected:
            problems.append(rejected.problem)
    if problems and (error_behaviour == CaptureJob.ErrorBehaviour.ROLLBACK or document.syntax_problems):
        if job is not None:
            _finish(job, status=CaptureJob.Status.FAILED, errors=[problem_dict(p) for p in problems], captured=0)
        raise_problems(problems)

    # Idempotency: an eventID or Event Hash ID already stored (or repeated in this document) is skipped.
    seen = _existing_keys(organization, prepared)
    fresh: list[_Prepared] = []
    for p in prepared:
        if p.event.event_id in seen or p.event.event_hash in seen:
            continue
        seen.update((p.event.event_id, p.event.event_hash))
        fresh.append(p)
    if job is None:
        job = CaptureJob.objects.create(
            organization=organization, created_by=actor.label[:200], error_behaviour=error_behaviour
        )
    job.event_count = len(document.events)
    job.save(update_fields=["event_count"])
    errors = [problem_dict(p) for p in problems]
    result = CaptureResult(job=job, errors=errors, skipped_count=len(prepared) - len(fresh))
    try:
        with transaction.atomic():
            _store(fresh, job)
            _finish(
                job,
                status=CaptureJob.Status.FAILED if errors else CaptureJob.Status.SUCCESS,
                errors=errors,
                captured=len(fresh),
            )
            audit_record(
                actor=actor,
                action="epcis.capture",
                obj=job,
                changes={"events": len(document.events), "captured": len(fresh), "skipped": result.skipped_count},
            )
    except IntegrityError:
        # A concurrent capture stored one of these events between our check and our insert.
        result.errors = [
            *errors,
            {
                "type": "epcisException:ImplementationException",
                "title": "Conflict",
                "status": 409,
                "detail": "a concurrent capture stored some of these events; retry",
            },
        ]
        _finish(job, status=CaptureJob.Status.FAILED, errors=result.errors, captured=0)
        return result
    result.captured_count = len(fresh)
    result.event_ids = [p.event.event_id for p in fresh]
    if fresh:
        # Local import: queries → selectors → services would otherwise be circular.
        from txng.epcis.queries import subscriptions_notify_after_capture

        subscriptions_notify_after_capture(organization.pk)
    return result
