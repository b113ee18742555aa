"""Writes of the ledger: submit leaves (inside the caller's transaction), integrate them, issue checkpoints."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from txng.core.errors import ServiceError
from txng.ledger.merkle import EMPTY_ROOT, INDEX_BITS, CompactRange, complete_subtrees, node_id
from txng.ledger.models import Checkpoint, LeafKind, LogHead
from txng.ledger.signing import log_signer
from txng.ledger.verify_standalone import Checkpoint as CheckpointBody
from txng.ledger.verify_standalone import leaf_data, leaf_hash

logger = logging.getLogger(__name__)

DIGEST_PREFIX = "sha256:"
EVENT_HASH_PREFIX = "ni:///sha-256;"
INTEGRATE_BATCH = 10_000
_SUBMIT_BATCH = 2_000


class LedgerCorrupted(ServiceError):
    """The stored tree does not match itself: integration stops rather than extend a broken log."""

    status = 500


def canonical_json(data: Mapping[str, Any]) -> str:
    """Canonical JSON of a record: keys sorted, no whitespace, UTF-8 as is; dates ISO 8601, decimals as text."""
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str).decode()


def canonical_digest(data: Mapping[str, Any]) -> str:
    """The leaf value of a profile revision or recall: "sha256:" + hex SHA-256 of its canonical JSON."""
    return DIGEST_PREFIX + hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LeafInput:
    """One value to log. Events: value = the Event Hash ID (source_id = the event's pk when known).
    Profile revisions and recalls: data = the record (value, if given, must be canonical_digest(data))."""

    kind: str
    reference: str
    value: str = ""
    data: Mapping[str, Any] | None = None
    source_id: int | None = None


_Row = tuple[str, str, str, "int | None", str]  # kind, reference, value, source_id, canonical
# Computed once: Django's `Choices.values` builds a new list on every access (10 µs, once per event leaf).
_KINDS = frozenset(LeafKind.values)
_EVENT_KIND: str = LeafKind.EVENT.value


def _row(item: LeafInput) -> _Row:
    if item.kind not in _KINDS:
        raise ServiceError(f"unknown ledger leaf kind {item.kind!r}", code="ledger-kind", field="kind")
    if not item.reference or len(item.reference) > 600:
        raise ServiceError("a ledger leaf needs a reference of at most 600 characters", field="reference")
    if item.kind == _EVENT_KIND:
        if not item.value.startswith(EVENT_HASH_PREFIX):
            raise ServiceError("an event leaf's value is its Event Hash ID", code="ledger-value", field="value")
        return (item.kind, item.reference, item.value, item.source_id, "")
    if item.data is None:
        raise ServiceError("a record leaf needs its data", code="ledger-value", field="data")
    canonical = canonical_json(item.data)
    digest = DIGEST_PREFIX + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    if item.value and item.value != digest:
        raise ServiceError("the leaf value is not the digest of its data", code="ledger-value", field="value")
    return (item.kind, item.reference, digest, None, canonical)


def _resolve_event_sources(rows: list[_Row]) -> list[_Row]:
    """Fill the event pk of event leaves submitted without one (by eventID and hash: one query per batch)."""
    from txng.epcis.models import Event

    missing = {row[2] for row in rows if row[0] == LeafKind.EVENT and row[3] is None}
    if not missing:
        return rows
    found = Event.objects.filter(event_hash__in=missing).values_list("event_id", "event_hash", "pk")
    pks = {(event_id, event_hash): pk for event_id, event_hash, pk in found}
    return [
        (kind, reference, value, pks.get((reference, value)) if source_id is None else source_id, canonical)
        for kind, reference, value, source_id, canonical in rows
    ]


_LEAF_COLUMNS = '"kind", "reference", "value", "source_id", "canonical", "submitted_at"'


def _insert_pending(rows: list[_Row]) -> None:
    """Queue leaves, skipping references already queued or logged (the unique constraint decides, no race)."""
    rows = _resolve_event_sources(rows)
    now = timezone.now()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One JSON parameter: orjson writes it in C, where adapting five text[] arrays costs more than
            # the insert itself.
            cursor.execute(
                f'INSERT INTO "ledger_pendingleaf" ({_LEAF_COLUMNS}) '  # noqa: S608
                "SELECT u.k, u.r, u.v, u.s, u.c, %s FROM json_to_recordset(%s::json) "
                "AS u(k text, r text, v text, s bigint, c text) "
                'WHERE NOT EXISTS (SELECT 1 FROM "ledger_leaf" l WHERE l."reference" = u.r) '
                'ON CONFLICT ("reference") DO NOTHING',
                [now, orjson.dumps([{"k": k, "r": r, "v": v, "s": s, "c": c} for k, r, v, s, c in rows]).decode()],
            )
            return
        cursor.executemany(
            f'INSERT INTO "ledger_pendingleaf" ({_LEAF_COLUMNS}) SELECT %s, %s, %s, %s, %s, %s '  # noqa: S608
            'WHERE NOT EXISTS (SELECT 1 FROM "ledger_leaf" WHERE "reference" = %s) '
            'ON CONFLICT ("reference") DO NOTHING',
            [(*row, now, row[1]) for row in rows],
        )


def ledger_submit_many(items: Iterable[LeafInput]) -> int:
    """Queue values for the log, inside the caller's transaction; a reference already queued is skipped.

    Cheap: pending rows only, in bulk. `ledger_integrate` gives them their place in the tree.
    Returns how many items were given.
    """
    count = 0
    batch: list[_Row] = []
    for item in items:
        batch.append(_row(item))
        count += 1
        if len(batch) == _SUBMIT_BATCH:
            _insert_pending(batch)
            batch = []
    if batch:
        _insert_pending(batch)
    return count


def _locked_head() -> LogHead:
    """The log head, locked for this transaction (SQLite: the IMMEDIATE transaction already holds the lock)."""
    LogHead.objects.get_or_create(pk=1, defaults={"root_hash": EMPTY_ROOT})
    return LogHead.objects.select_for_update().get(pk=1)


def _edge(size: int) -> CompactRange:
    """The right edge of the stored tree of `size` leaves: one read."""
    keys = complete_subtrees(0, size)
    ids = [node_id(level, index) for level, index in keys]
    with connection.cursor() as cursor:
        found = _fetch_nodes(cursor, ids)
    if len(found) != len(ids):
        raise LedgerCorrupted(f"the ledger's tree of size {size} lacks stored nodes", code="ledger-corrupted")
    return CompactRange(size, [found[i] for i in ids])


def _fetch_nodes(cursor: Any, ids: Sequence[int]) -> dict[int, bytes]:
    """Stored node hashes by id, in one query."""
    if not ids:
        return {}
    if connection.vendor == "postgresql":
        cursor.execute('SELECT "id", "hash" FROM "ledger_node" WHERE "id" = ANY(%s)', [list(ids)])
    else:
        marks = ", ".join(["%s"] * len(ids))
        cursor.execute(f'SELECT "id", "hash" FROM "ledger_node" WHERE "id" IN ({marks})', list(ids))  # noqa: S608
    return {pk: bytes(hash_) for pk, hash_ in cursor.fetchall()}


def _copy(cursor: Any, table: str, columns: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert plain tuples: COPY FROM STDIN on PostgreSQL, one executemany on SQLite."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        with connection.wrap_database_errors, cursor.cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join(["%s"] * len(rows[0]))
    cursor.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', rows)  # noqa: S608


def _delete_pending(cursor: Any, ids: list[int]) -> None:
    if connection.vendor == "postgresql":
        # By id, not "id <= max": a lower id committed since our SELECT would be lost (READ COMMITTED).
        cursor.execute('DELETE FROM "ledger_pendingleaf" WHERE "id" = ANY(%s)', [ids])
    else:
        # SQLite: we hold the one write lock since BEGIN IMMEDIATE, so the batch is every id up to its last.
        cursor.execute('DELETE FROM "ledger_pendingleaf" WHERE "id" <= %s', [max(ids)])


def _already_logged(cursor: Any, references: list[str]) -> set[str]:
    """References of a batch that are in the log already (queued again while being integrated)."""
    if connection.vendor == "postgresql":
        cursor.execute('SELECT "reference" FROM "ledger_leaf" WHERE "reference" = ANY(%s)', [references])
    else:
        marks = ", ".join(["%s"] * len(references))
        cursor.execute(f'SELECT "reference" FROM "ledger_leaf" WHERE "reference" IN ({marks})', references)  # noqa: S608
    return {reference for (reference,) in cursor.fetchall()}


def _integrate_batch(limit: int) -> int:
    with transaction.atomic():
        head = _locked_head()
        with connection.cursor() as cursor:
            cursor.execute(
                f'SELECT "id", {_LEAF_COLUMNS} FROM "ledger_pendingleaf" ORDER BY "id" LIMIT %s',  # noqa: S608
                [limit],
            )
            pending = cursor.fetchall()
            if not pending:
                return 0
            logged = _already_logged(cursor, [row[2] for row in pending])
            if head.tree_size + len(pending) > 1 << INDEX_BITS:
                raise LedgerCorrupted("the ledger is full", code="ledger-full")
            edge = _edge(head.tree_size)
            if edge.root() != bytes(head.root_hash):
                raise LedgerCorrupted("the ledger's stored nodes do not match its head", code="ledger-corrupted")
            nodes: list[tuple[int, bytes]] = []
            leaves: list[tuple[Any, ...]] = []
            for _, kind, reference, value, source_id, canonical, submitted_at in pending:
                if reference in logged:
                    continue
                leaves.append((edge.size, kind, reference, value, source_id, canonical, submitted_at))
                nodes.extend(edge.append(leaf_hash(leaf_data(value))))
            _copy(cursor, "ledger_leaf", f'"leaf_index", {_LEAF_COLUMNS}', leaves)
            _copy(cursor, "ledger_node", '"id", "hash"', nodes)
            _delete_pending(cursor, [row[0] for row in pending])
        head.tree_size = edge.size
        head.root_hash = edge.root()
        head.save(update_fields=["tree_size", "root_hash", "updated_at"])
        return len(pending)


def ledger_integrate(*, batch_size: int = INTEGRATE_BATCH) -> int:
    """The sequencer: give pending leaves consecutive indexes and hash them into the tree.

    Each batch is one transaction holding the log head's lock, so appends are serialized and a crash
    leaves the log at the previous batch's end. Returns how many leaves were integrated.
    """
    total = 0
    while True:
        count = _integrate_batch(batch_size)
        total += count
        if count < batch_size:
            return total


def ledger_checkpoint_issue() -> Checkpoint:
    """Integrate pending leaves, then sign a checkpoint of the tree (the existing one if it did not grow)."""
    ledger_integrate()
    with transaction.atomic():
        head = _locked_head()
        existing = Checkpoint.objects.filter(tree_size=head.tree_size).first()
        if existing is not None:
            return existing
        body = CheckpointBody(settings.LEDGER_ORIGIN, head.tree_size, bytes(head.root_hash)).body()
        return Checkpoint.objects.create(
            tree_size=head.tree_size, root_hash=bytes(head.root_hash), note=log_signer().sign(body)
        )


def ledger_run(*, interval: float, iterations: int | None = None) -> None:
    """Issue a checkpoint every `interval` seconds (`txng ledger run`); an error is logged, not fatal."""
    done = 0
    while iterations is None or done < iterations:
        try:
            checkpoint = ledger_checkpoint_issue()
            logger.info("ledger checkpoint %s", checkpoint.tree_size)
        except Exception:
            logger.exception("ledger checkpoint failed")
        done += 1
        if iterations is None or done < iterations:
            time.sleep(interval)
