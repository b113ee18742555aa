"""Capture: the one path by which EPCIS events enter the store (DESIGN.md §3)."""

from __future__ import annotations

import decimal
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from txng.accounts.principal import Principal
from txng.accounts.visibility import can_edit_organization
from txng.core.audit import audit_record
from txng.core.errors import PermissionDenied
from txng.core.gcpause import gc_paused
from txng.epcis.bulk import execute_arrays, insert_rows
from txng.epcis.canonical import canonical_identifier
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
from txng.lineage.derivation import EventRow, IdentifierRow, PartyRow
from txng.lineage.services import lineage_index_captured
from txng.publishing.services import publishing_record_events
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
# Plain str values (not the choices' enum members): the rows go to the driver as they are.
_PARENT = EventIdentifier.Role.PARENT.value
_EPC_ROLES = (
    ("epcList", EventIdentifier.Role.EPC.value),
    ("childEPCs", EventIdentifier.Role.CHILD.value),
    ("inputEPCList", EventIdentifier.Role.INPUT.value),
    ("outputEPCList", EventIdentifier.Role.OUTPUT.value),
)
_QUANTITY_ROLES = (
    ("quantityList", EventIdentifier.Role.CLASS.value),
    ("childQuantityList", EventIdentifier.Role.CHILD_CLASS.value),
    ("inputQuantityList", EventIdentifier.Role.INPUT_CLASS.value),
    ("outputQuantityList", EventIdentifier.Role.OUTPUT_CLASS.value),
)
_DIRECTIONS = (
    ("sourceList", EventParty.Direction.SOURCE.value),
    ("destinationList", EventParty.Direction.DESTINATION.value),
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


_Row = tuple[Any, ...]
# Column orders of the plain rows capture inserts (COPY on PostgreSQL, executemany on SQLite).
# An event row is (id, capture_job_id) + _Prepared.row + (document,); an index row gets its
# event_id put in front at store time.
_EVENT_COLUMNS = (
    "id",
    "capture_job_id",
    "organization_id",
    "event_id",
    "event_hash",
    "event_type",
    "event_time",
    "event_time_zone_offset",
    "record_time",
    "action",
    "biz_step",
    "disposition",
    "read_point",
    "biz_location",
    "is_error_declaration",
    "error_declaration_time",
    "namespaces",
    "document",
)
_IDENTIFIER_COLUMNS = ("event_id", "organization_id", "role", "identifier", "gtin", "quantity", "uom")
_PARTY_COLUMNS = ("event_id", "organization_id", "direction", "type", "value", "gln")
_BIZ_TRANSACTION_COLUMNS = ("event_id", "organization_id", "type", "value")
_SENSOR_COLUMNS = (
    "event_id",
    "organization_id",
    "type",
    *(column for column, _ in _SENSOR_URIS),
    *(column for column, _ in _SENSOR_NUMBERS),
    *(column for column, _ in _SENSOR_TIMES),
    "boolean_value",
    "uom",
)


@dataclass(slots=True)
class _Batch:
    """What every event of one capture shares, already in the database's form."""

    organization_id: int
    record_time: str
    record_time_value: object
    namespaces_json: str
    adapt_time: Callable[[datetime | None], object]


@dataclass(slots=True)
class _Prepared:
    event_id: str
    event_hash: str
    event_time: datetime
    document: dict[str, Any]
    row: _Row
    identifiers: list[_Row]
    parties: list[_Row]
    biz_transactions: list[_Row]
    sensor_reports: list[_Row]

    @property
    def keys(self) -> tuple[str, str]:
        """Idempotency keys: an error declaration is a new event beside the one it declares."""
        if "errorDeclaration" in self.document:
            return f"declared {self.event_id}", f"declared {self.event_hash}"
        return self.event_id, self.event_hash


class _Rejected(Exception):
    def __init__(self, pointer: str, detail: str) -> None:
        super().__init__(detail)
        self.problem = Problem(pointer, detail)


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


def _identifier(value: object, pointer: str) -> tuple[str, str]:
    """(canonical identifier, GTIN-14 inside it or "")."""
    canonical = _uri(canonical_identifier(value) if isinstance(value, str) else value, pointer)
    return canonical, canonical[22:36] if canonical.startswith(_DL_GTIN_PREFIX) else ""


def _quantity(value: object) -> decimal.Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = decimal.Decimal(str(value)).quantize(_QUANTUM)
    except decimal.InvalidOperation:
        return None
    # The document keeps the exact value; the index column keeps what fits.
    return number if abs(number) < _QUANTITY_LIMIT else None


def _identifiers(event: Mapping[str, Any], pointer: str, organization_id: int) -> Iterator[_Row]:
    parent = event.get("parentID")
    if isinstance(parent, str):
        yield (organization_id, _PARENT, *_identifier(parent, f"{pointer}/parentID"), None, "")
    for name, role in _EPC_ROLES:
        for index, epc in enumerate(event.get(name) or ()):
            yield (organization_id, role, *_identifier(epc, f"{pointer}/{name}/{index}"), None, "")
    for name, role in _QUANTITY_ROLES:
        for index, item in enumerate(event.get(name) or ()):
            canonical, gtin = _identifier(item.get("epcClass"), f"{pointer}/{name}/{index}")
            uom = str(item.get("uom") or "")[:10]
            yield (organization_id, role, canonical, gtin, _quantity(item.get("quantity")), uom)


def _parties(event: Mapping[str, Any], pointer: str, organization_id: int) -> Iterator[_Row]:
    for name, direction in _DIRECTIONS:
        for index, item in enumerate(event.get(name) or ()):
            value = item.get(direction) if isinstance(item, dict) else None
            if not isinstance(value, str):
                continue
            where = f"{pointer}/{name}/{index}"
            canonical = _uri(canonical_identifier(value), where)
            gln = canonical[23:36] if canonical.startswith(_DL_GLN_PREFIXES) else ""
            kind = _uri(str(item.get("type") or ""), where)
            yield (organization_id, direction, kind, canonical, gln)


def _biz_transactions(event: Mapping[str, Any], pointer: str, organization_id: int) -> Iterator[_Row]:
    for index, item in enumerate(event.get("bizTransactionList") or ()):
        value = item.get("bizTransaction") if isinstance(item, dict) else None
        if not isinstance(value, str):
            continue
        where = f"{pointer}/bizTransactionList/{index}"
        kind = _uri(str(item.get("type") or ""), where)
        yield (organization_id, kind, _uri(canonical_identifier(value), where))


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
        if moment is not None and moment.tzinfo is not None:
            moment.astimezone(UTC)  # within years 1-9999 in UTC too: else not indexed
    except (ValueError, OverflowError):
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def _sensor_reports(event: Mapping[str, Any], batch: _Batch) -> Iterator[_Row]:
    """One row per sensorReport (metadata folded in; a report's own deviceID etc. wins)."""
    for element in event.get("sensorElementList") or ():
        if not isinstance(element, dict):
            continue
        found = element.get("sensorMetadata")
        metadata: dict[str, Any] = found if isinstance(found, dict) else {}
        reports = [r for r in element.get("sensorReport") or () if isinstance(r, dict)] or [{}]
        for report in reports:
            merged = {**metadata, **report}
            boolean = report.get("booleanValue")
            yield (
                batch.organization_id,
                str(report.get("type") or "")[:URI_MAX_LENGTH],
                *(str(merged.get(key) or "")[:URI_MAX_LENGTH] for _, key in _SENSOR_URIS),
                *(_number(report.get(key)) for _, key in _SENSOR_NUMBERS),
                *(batch.adapt_time(_moment(merged.get(key))) for _, key in _SENSOR_TIMES),
                boolean if isinstance(boolean, bool) else None,
                str(report.get("uom") or "")[:10],
            )


def _place(event: Mapping[str, Any], name: str, pointer: str) -> str:
    found = event.get(name)
    place = found.get("id") if found else None
    return _uri(canonical_identifier(place) if isinstance(place, str) else "", pointer)


def _prepare(event: dict[str, Any], pointer: str, document: EPCISDocument, batch: _Batch) -> _Prepared:
    """Hash, complete (eventID, recordTime) and index one valid event (EPCIS 2.0 §7.4.1, CBV 2.0 §8.9)."""
    event_hash = event_hash_id(event, document.namespaces, ignore_fields=document.hash_ignore_fields)
    event_id = _uri(event.get("eventID") or event_hash, f"{pointer}/eventID")
    event["eventID"] = event_id
    # recordTime is the repository's to set (EPCIS 2.0 §7.4.1); a sent value is replaced.
    event["recordTime"] = batch.record_time
    try:
        event_time = datetime.fromisoformat(str(event["eventTime"]))
        event_time.astimezone(UTC)  # within years 1-9999 in UTC too, as the database stores it
    except (ValueError, OverflowError):
        raise _Rejected(f"{pointer}/eventTime", f"eventTime {event['eventTime']!r} is out of range") from None
    error = event.get("errorDeclaration")
    row = (
        batch.organization_id,
        event_id,
        event_hash,
        event["type"],
        batch.adapt_time(event_time),
        str(event.get("eventTimeZoneOffset", ""))[:6],
        batch.record_time_value,
        str(event.get("action") or ""),
        _uri(event.get("bizStep"), f"{pointer}/bizStep"),
        _uri(event.get("disposition"), f"{pointer}/disposition"),
        _place(event, "readPoint", f"{pointer}/readPoint"),
        _place(event, "bizLocation", f"{pointer}/bizLocation"),
        "errorDeclaration" in event,
        batch.adapt_time(_moment(error.get("declarationTime"))) if error else None,
        batch.namespaces_json,
    )
    organization_id = batch.organization_id
    return _Prepared(
        event_id,
        event_hash,
        event_time,
        event,
        row,
        list(_identifiers(event, pointer, organization_id)),
        list(_parties(event, pointer, organization_id)) if "sourceList" in event or "destinationList" in event else [],
        list(_biz_transactions(event, pointer, organization_id)) if "bizTransactionList" in event else [],
        list(_sensor_reports(event, batch)) if "sensorElementList" in event else [],
    )


def _json(value: object) -> str:
    """JSON text of a stored document: orjson, or json for what orjson refuses (integers beyond 64 bits)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(value)


def _existing_keys(organization_id: int, prepared: list[_Prepared]) -> tuple[set[str], set[str]]:
    """Idempotency keys (`_Prepared.keys`) already stored for the organization, one query per batch; and
    the eventIDs among them that a stored error declaration names."""
    found: set[str] = set()
    declared: set[str] = set()
    is_postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for start in range(0, len(prepared), _BATCH):
            chunk = prepared[start : start + _BATCH]
            ids = [p.event_id for p in chunk]
            hashes = [p.event_hash for p in chunk]
            if is_postgresql:
                # Two array parameters, not 2,000 adapted IN-list values; and one probe of each unique
                # index per key, whatever the statistics say (OFFSET 0 keeps each lookup a nested loop).
                # Left to itself, a planner with stale statistics (bulk loads outrun autovacuum) scans the
                # organization's every event instead, and capture slows down as the store grows.
                select = 'SELECT "event_id", "event_hash", "is_error_declaration" FROM "epcis_event" '
                rows = execute_arrays(
                    'SELECT e."event_id", e."event_hash", e."is_error_declaration" '  # noqa: S608 - constant text
                    "FROM unnest(%b::text[], %b::text[]) AS k(event_id, event_hash) CROSS JOIN LATERAL ("
                    f'({select} WHERE "event_id" = k.event_id AND "organization_id" = %b OFFSET 0) UNION ALL '
                    f'({select} WHERE "organization_id" = %b AND "event_hash" = k.event_hash OFFSET 0)) AS e',
                    [ids, hashes, organization_id, organization_id],
                )
            else:
                # One lookup per unique index: SQLite answers `org AND (id IN … OR hash IN …)` by reading
                # every event of the organization.
                marks = ", ".join(["%s"] * len(chunk))
                select = 'SELECT "event_id", "event_hash", "is_error_declaration" FROM "epcis_event" '
                cursor.execute(
                    f'{select} WHERE "organization_id" = %s AND "event_id" IN ({marks}) '
                    f'UNION ALL {select} WHERE "organization_id" = %s AND "event_hash" IN ({marks})',
                    [organization_id, *ids, organization_id, *hashes],
                )
                rows = cursor.fetchall()
            for event_id, event_hash, is_error_declaration in rows:
                if is_error_declaration:
                    found.update((f"declared {event_id}", f"declared {event_hash}"))
                    declared.add(event_id)
                else:
                    found.update((event_id, event_hash))
    return found, declared


def _allocate_event_ids(cursor: Any, count: int) -> list[int]:
    """`count` fresh primary keys for epcis_event in one query, inside the capture's transaction."""
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('epcis_event', 'id')) FROM generate_series(1, %s) ORDER BY 1",
            [count],
        )
        return [pk for (pk,) in cursor.fetchall()]
    # SQLite: the IMMEDIATE transaction holds the write lock, so nobody else allocates meanwhile;
    # AUTOINCREMENT's high-water mark is respected, so a deleted event's id is never reused.
    cursor.execute(
        'SELECT MAX(COALESCE((SELECT MAX("id") FROM "epcis_event"), 0), '
        'COALESCE((SELECT "seq" FROM "sqlite_sequence" WHERE "name" = \'epcis_event\'), 0))'
    )
    top = int(cursor.fetchone()[0])
    return list(range(top + 1, top + count + 1))


def _store(prepared: list[_Prepared], job: CaptureJob) -> list[int]:
    """Insert the events and their index rows; returns the new events' primary keys."""
    if not prepared:
        return []
    job_value = Event._meta.get_field("capture_job").get_db_prep_save(job.pk, connection)
    events: list[_Row] = []
    identifiers: list[_Row] = []
    parties: list[_Row] = []
    biz_transactions: list[_Row] = []
    sensor_reports: list[_Row] = []
    with connection.cursor() as cursor:
        event_pks = _allocate_event_ids(cursor, len(prepared))
        for pk, p in zip(event_pks, prepared, strict=True):
            events.append((pk, job_value, *p.row, _json(p.document)))
            identifiers.extend((pk, *row) for row in p.identifiers)
            if p.parties:
                parties.extend((pk, *row) for row in p.parties)
            if p.biz_transactions:
                biz_transactions.extend((pk, *row) for row in p.biz_transactions)
            if p.sensor_reports:
                sensor_reports.extend((pk, *row) for row in p.sensor_reports)
        insert_rows(cursor, Event._meta.db_table, _EVENT_COLUMNS, events)
        insert_rows(cursor, EventIdentifier._meta.db_table, _IDENTIFIER_COLUMNS, identifiers)
        insert_rows(cursor, EventParty._meta.db_table, _PARTY_COLUMNS, parties)
        insert_rows(cursor, EventBizTransaction._meta.db_table, _BIZ_TRANSACTION_COLUMNS, biz_transactions)
        insert_rows(cursor, EventSensorReport._meta.db_table, _SENSOR_COLUMNS, sensor_reports)
    return event_pks


def _index_lineage(prepared: list[_Prepared], event_pks: list[int], declared: set[str]) -> None:
    """Derive the lot graph from the rows just stored, as `events_load` would read them back; `declared`:
    the organization's eventIDs that a stored error declaration names (those just stored included)."""
    events: list[EventRow] = []
    identifiers: dict[int, list[IdentifierRow]] = {}
    parties: dict[int, list[PartyRow]] = {}
    for pk, p in zip(event_pks, prepared, strict=True):
        # p.row: organization_id, event_id, event_hash, event_type, event_time, zone offset, record_time,
        # action, biz_step, disposition, read_point, biz_location, is_error_declaration, …
        row = p.row
        events.append(
            EventRow(
                pk, row[0], row[1], row[3], p.event_time, row[7], row[8], row[9], row[10], row[11], p.document, row[12]
            )
        )
        identifiers[pk] = [IdentifierRow(r[1], r[2], r[4], r[5]) for r in p.identifiers]
        if p.parties:
            parties[pk] = [PartyRow(r[1], r[2], r[3], r[4]) for r in p.parties]
    lineage_index_captured(events, identifiers, parties, declared=declared)


def _batch(organization: Organization, namespaces: Mapping[str, str]) -> _Batch:
    now = timezone.now().isoformat(timespec="milliseconds").replace("+00:00", "Z")
    ops = connection.ops

    def adapt_time(value: datetime | None) -> object:
        return ops.adapt_datetimefield_value(value)

    # psycopg takes datetimes as they are; Django's SQLite backend stores UTC text.
    adapt: Callable[[datetime | None], object] = (
        (lambda value: value) if connection.vendor == "postgresql" else adapt_time
    )
    return _Batch(organization.pk, now, adapt(datetime.fromisoformat(now)), _json(namespaces), adapt)


def _finish(job: CaptureJob, *, status: str, errors: list[dict[str, Any]], captured: int) -> None:
    job.status = status
    job.errors = errors
    job.captured_count = captured
    job.finished_at = timezone.now()
    job.event_pk_floor = None
    job.event_pk_floor_at = None
    job.save(update_fields=["status", "errors", "captured_count", "finished_at", "event_pk_floor", "event_pk_floor_at"])


def _open_floor(job: CaptureJob) -> None:
    """Publish, before allocating ids, the highest event id committed so far (see CaptureJob.event_pk_floor).

    Committed on its own, outside the capture's transaction; `_finish` clears it in that transaction, so
    the floor disappears exactly when the events become visible. SQLite needs none: its writers are
    serialized, so ids are committed in order.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute('SELECT COALESCE(MAX("id"), 0) FROM "epcis_event"')
        floor = int(cursor.fetchone()[0])
    CaptureJob.objects.filter(pk=job.pk).update(event_pk_floor=floor, event_pk_floor_at=timezone.now())


def _close_floor(job: CaptureJob) -> None:
    if connection.vendor == "postgresql":
        CaptureJob.objects.filter(pk=job.pk).update(event_pk_floor=None, event_pk_floor_at=None)


# Capture holds the whole document in memory and makes few garbage cycles, collected after (core.gcpause).
@gc_paused()
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
    batch = _batch(organization, document.namespaces)
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
            prepared.append(_prepare(event, pointer, document, batch))
        except _Rejected as rejected:
            problems.append(rejected.problem)
    if problems and (error_behaviour == CaptureJob.ErrorBehaviour.ROLLBACK or document.syntax_problems):
        if job is not None:
            _finish(job, status=CaptureJob.Status.FAILED, errors=[problem_dict(p) for p in problems], captured=0)
        raise_problems(problems)

    # Idempotency: an eventID or Event Hash ID already stored (or repeated in this document) is skipped.
    seen, declared = _existing_keys(organization.pk, prepared)
    fresh: list[_Prepared] = []
    for p in prepared:
        keys = p.keys
        if keys[0] in seen or keys[1] in seen:
            continue
        seen.update(keys)
        fresh.append(p)
        if "errorDeclaration" in p.document:
            declared.add(p.event_id)
    if job is None:
        job = CaptureJob.objects.create(
            organization=organization,
            created_by=actor.label[:200],
            error_behaviour=error_behaviour,
            event_count=len(document.events),
        )
    else:
        job.event_count = len(document.events)
        job.save(update_fields=["event_count"])
    errors = [problem_dict(p) for p in problems]
    result = CaptureResult(job=job, errors=errors, skipped_count=len(prepared) - len(fresh))
    if fresh:
        _open_floor(job)
    try:
        with transaction.atomic():
            # The lot graph is derived in the same transaction, so it never disagrees with the events.
            event_pks = _store(fresh, job)
            _index_lineage(fresh, event_pks, declared)
            # Published events go to the transparency ledger and the outbox in this same transaction.
            publishing_record_events(
                organization.pk, [(pk, p.event_id, p.event_hash) for pk, p in zip(event_pks, fresh, strict=True)]
            )
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
    except BaseException:
        _close_floor(job)
        raise
    result.captured_count = len(fresh)
    result.event_ids = [p.event_id for p in fresh]
    if fresh:
        # Local import: queries → selectors → services would otherwise be circular.
        from txng.epcis.queries import subscriptions_notify_after_capture

        subscriptions_notify_after_capture(organization.pk)
    return result
