"""Writing the lot graph: `lineage_index_captured` (run by capture inside its transaction), `lineage_index_events`
(the same from stored events) and the rebuild.

The rules of what an event does to lots are in `derivation`; this module loads events in bulk, plans
their rows there, and writes nodes, ledger rows, edges and containments with a bounded number of
statements per batch, whatever its size.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, cast

from django.db import connection, transaction
from django.db.models import BooleanField, Model, Q, Sum
from django.db.models.expressions import RawSQL

from txng.epcis.bulk import execute_arrays, insert_rows
from txng.epcis.models import Event
from txng.lineage.derivation import (
    CHUNK,
    CLASS_ROLES,
    TXNG_NAMESPACE,
    Contents,
    EventRow,
    IdentifierRow,
    Kind,
    NodeKey,
    PartyRow,
    Plan,
    Resolver,
    contents_sum,
    event_plan,
    events_load,
    lot_parts,
    organizations_by_gln,
)
from txng.lineage.models import Containment, Lot, LotActivity, LotEdge

__all__ = ["TXNG_NAMESPACE", "lineage_index_captured", "lineage_index_events", "lineage_rebuild"]


# The lot graph's PostgreSQL advisory lock: indexing takes it shared, in its transaction; a rebuild takes it
# exclusively for its whole run. A capture that comes during a rebuild waits, then indexes into the rebuilt
# graph, instead of writing rows that point at lots the rebuild has just deleted (the derived rows carry no
# foreign-key constraints) or being missed by it. SQLite serializes writers.
GRAPH_LOCK_KEY: Final = 7_478_110_103


def _share_graph() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [GRAPH_LOCK_KEY])


@contextmanager
def _graph_held() -> Iterator[None]:
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [GRAPH_LOCK_KEY])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [GRAPH_LOCK_KEY])


def _insert(model: type[Model], names: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Bulk-insert rows whose values are already in database form (`connection.ops.adapt_…_value`)."""
    columns = [str(model._meta.get_field(name).column) for name in names]  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        insert_rows(cursor, model._meta.db_table, columns, rows)


def _among(column: str, values: Sequence[Any]) -> Q | RawSQL:
    """A filter: `column` is one of `values` (a column of the queried table alone, no joins).

    On PostgreSQL one array parameter (`= ANY`): psycopg converts a statement's placeholders in Python,
    and for an IN list of a thousand that took longer than the database took to run the query.
    """
    if connection.vendor != "postgresql":
        return Q(**{f"{column}__in": values})
    # The SQL text is the quoted column name only; the values are one parameter.
    return RawSQL(f"{connection.ops.quote_name(column)} = ANY(%s)", (list(values),), output_field=BooleanField())  # noqa: S611


def _rows_by_key(
    model: type[Model], key: str, values: Sequence[str], names: Sequence[str]
) -> Iterator[tuple[Any, ...]]:
    """The `names` columns of the rows whose `key` column is one of `values` (an indexed text column).

    On PostgreSQL one index probe per value, whatever the statistics say (OFFSET 0 keeps the lookup a
    nested loop): with stale statistics, as after a bulk load that autovacuum has not caught up with, the
    planner otherwise scans the whole table, and capture slows down as the lot graph grows.
    """
    if not values:
        return
    if connection.vendor != "postgresql":
        for start in range(0, len(values), CHUNK):
            yield from model._default_manager.filter(**{f"{key}__in": values[start : start + CHUNK]}).values_list(
                *names
            )
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(model._meta.get_field(name).column)) for name in names)  # type: ignore[union-attr]
    where = quote(str(model._meta.get_field(key).column))  # type: ignore[union-attr]
    sql = (
        f"SELECT {columns} FROM unnest(%b::text[]) AS k(v) CROSS JOIN LATERAL ("  # noqa: S608 - model metadata
        f"SELECT {columns} FROM {quote(model._meta.db_table)} WHERE {where} = k.v OFFSET 0) AS t"
    )
    yield from execute_arrays(sql, [list(values)])


@dataclass(slots=True)
class _Node:
    """The columns of a lot node that indexing reads and brings up to date (model instances cost more to
    build than the rest of a node's indexing)."""

    pk: int
    organization_id: int
    identifier: str
    first_seen: datetime.datetime
    last_seen: datetime.datetime
    last_location: str
    expires_on: datetime.date | None
    produced_quantity: Decimal | None
    produced_uom: str


_NODE_FIELDS: Final = ("first_seen", "last_seen", "last_location", "expires_on", "produced_quantity", "produced_uom")
_NODE_COLUMNS: Final = ("id", "organization_id", "identifier", *_NODE_FIELDS)


def _lots(keys: set[NodeKey]) -> dict[NodeKey, _Node]:
    """The stored lot nodes among `keys`."""
    identifiers = sorted({identifier for _, identifier in keys})
    found: dict[NodeKey, _Node] = {}
    for row in _rows_by_key(Lot, "identifier", identifiers, _NODE_COLUMNS):
        node = _Node(*row)
        key = (node.organization_id, node.identifier)
        if key in keys:
            found[key] = node
    return found


def _produced(plan: Plan) -> tuple[dict[NodeKey, tuple[Decimal | None, str]], set[NodeKey]]:
    """The produced quantity and unit `_refresh_nodes` would total from the plan alone, per node that the
    plan produces in one unit; and the nodes it produces in several (the database picks among units in
    its collation's order, which Python's need not match: those are totalled there)."""
    totals: dict[NodeKey, dict[str, Decimal | None]] = defaultdict(dict)
    for key, _, kind, quantity, uom, _, _ in plan.activities:
        if kind != Kind.PRODUCED:
            continue
        by_uom = totals[key]
        if uom not in by_uom:
            by_uom[uom] = quantity
        elif quantity is not None:
            previous = by_uom[uom]
            by_uom[uom] = quantity if previous is None else previous + quantity  # SUM skips NULLs
    single: dict[NodeKey, tuple[Decimal | None, str]] = {}
    for key, by_uom in totals.items():
        if len(by_uom) == 1:
            ((uom, quantity),) = by_uom.items()
            single[key] = (quantity, uom if quantity is not None else "")
    return single, set(totals) - set(single)


_LOT_FIELDS: Final = (
    "organization_id",
    "identifier",
    "gtin",
    "lot",
    "first_seen",
    "last_seen",
    "last_location",
    "produced_quantity",
    "produced_uom",
    "expires_on",
)


def _insert_lots(values: list[tuple[Any, ...]]) -> list[tuple[int, int, str]]:
    """Insert lot nodes (`_LOT_FIELDS`, in database form) that a concurrent capture has not created
    meanwhile (ON CONFLICT DO NOTHING: the caller reads those back); (id, organization, identifier) of
    the rows inserted."""
    fields = [Lot._meta.get_field(name) for name in _LOT_FIELDS]
    quote = connection.ops.quote_name
    table, columns = quote(Lot._meta.db_table), ", ".join(quote(str(f.column)) for f in fields)  # type: ignore[union-attr]
    returning = f"ON CONFLICT DO NOTHING RETURNING {quote('id')}, {quote('organization_id')}, {quote('identifier')}"
    inserted: list[tuple[int, int, str]] = []
    if connection.vendor == "postgresql":
        # One array per column: one statement, and no per-value placeholders for the driver to convert.
        arrays = ", ".join(f"%b::{f.db_type(connection)}[]" for f in fields)  # type: ignore[union-attr]
        sql = f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays}) {returning}"  # noqa: S608 - model metadata
        columns_of_rows = [list(column) for column in zip(*values, strict=True)]
        return cast(list[tuple[int, int, str]], execute_arrays(sql, columns_of_rows))
    with connection.cursor() as cursor:
        marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
        # SQLite: its bound-parameter limit per statement.
        size = (connection.features.max_query_params or 999) // len(fields)
        for start in range(0, len(values), size):
            chunk = values[start : start + size]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([marks] * len(chunk))} {returning}",  # noqa: S608 - model metadata
                [value for row in chunk for value in row],
            )
            inserted.extend(cursor.fetchall())
    return inserted


def _nodes(plan: Plan) -> tuple[dict[NodeKey, _Node], set[int]]:
    """Existing and new lot nodes for every key in the plan; and the new nodes whose fields are final
    (all but those whose produced quantity the database has to total, see `_produced`)."""
    keys = set(plan.first_seen)
    nodes = _lots(keys)
    missing = sorted(keys - nodes.keys())
    settled: set[int] = set()
    if not missing:
        return nodes, settled
    produced, several = _produced(plan)
    # Bound once: `connection` is a per-thread proxy, and this loop runs for every new lot.
    db_time, db_date = connection.ops.adapt_datetimefield_value, connection.ops.adapt_datefield_value
    rows = []
    for key in missing:
        organization_id, identifier = key
        gtin, lot_number = lot_parts(identifier)
        last_time, last_location = plan.last_seen[key]
        quantity, uom = produced.get(key, (None, ""))
        expiry = plan.expiry.get(key)
        rows.append(
            (
                organization_id,
                identifier,
                gtin,
                lot_number[:40],
                db_time(plan.first_seen[key]),
                db_time(last_time),
                last_location,
                quantity,
                uom,
                db_date(expiry),
            )
        )
    for pk, organization_id, identifier in _insert_lots(rows):
        key = (organization_id, identifier)
        last_time, last_location = plan.last_seen[key]
        quantity, uom = produced.get(key, (None, ""))
        nodes[key] = _Node(
            pk,
            organization_id,
            identifier,
            plan.first_seen[key],
            last_time,
            last_location,
            plan.expiry.get(key),
            quantity,
            uom,
        )
        if key not in several:
            settled.add(pk)
    lost = {key for key in missing if key not in nodes}
    if lost:
        nodes.update(_lots(lost))
    return nodes, settled


def _node_values(lot: _Node) -> tuple[Any, ...]:
    return tuple(getattr(lot, name) for name in _NODE_FIELDS)


def _refresh_nodes(nodes: Iterable[_Node], plan: Plan, recount: set[int]) -> None:
    """Bring first/last seen and expiry of the touched nodes up to date, and the produced quantity of
    `recount` nodes; write only the rows that changed, with one prepared UPDATE (Django's bulk_update
    builds a CASE per row and field, which dominated indexing time)."""
    by_pk = {lot.pk: lot for lot in nodes}
    before = {pk: _node_values(lot) for pk, lot in by_pk.items()}
    for lot in by_pk.values():
        key = (lot.organization_id, lot.identifier)
        if key in plan.first_seen:
            lot.first_seen = min(lot.first_seen, plan.first_seen[key])
            last_time, last_location = plan.last_seen[key]
            if last_time >= lot.last_seen and (last_location or not lot.last_location):
                lot.last_seen, lot.last_location = last_time, last_location
            lot.expires_on = plan.expiry.get(key, lot.expires_on)
    recount_ids = sorted(pk for pk in recount if pk in by_pk)
    for pk in recount_ids:
        by_pk[pk].produced_quantity, by_pk[pk].produced_uom = None, ""
    for start in range(0, len(recount_ids), CHUNK):
        totals = (
            LotActivity.objects.filter(_among("lot_id", recount_ids[start : start + CHUNK]), kind=Kind.PRODUCED)
            .values_list("lot_id", "uom")
            .annotate(total=Sum("quantity"))
            .order_by("lot_id", "uom")
        )
        for lot_id, uom, total in totals:
            lot = by_pk[lot_id]
            if lot.produced_quantity is None and total is not None:
                lot.produced_quantity, lot.produced_uom = total, uom
    changed = [lot for pk, lot in by_pk.items() if _node_values(lot) != before[pk]]
    if not changed:
        return
    fields = [Lot._meta.get_field(name) for name in _NODE_FIELDS]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(f.column))} = %s" for f in fields)  # type: ignore[union-attr]
    sql = f"UPDATE {quote(Lot._meta.db_table)} SET {assignments} WHERE id = %s"  # noqa: S608 - model metadata
    rows = [
        [*(f.get_db_prep_save(getattr(lot, f.attname), connection) for f in fields), lot.pk]  # type: ignore[union-attr]
        for lot in changed
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _retract(event_pks: Iterable[int]) -> set[int]:
    """Remove what the given events contributed; return the lot nodes whose ledger changed."""
    pks = list(event_pks)
    if not pks:
        return set()
    touched = set(LotActivity.objects.filter(event_id__in=pks).values_list("lot_id", flat=True))
    LotActivity.objects.filter(event_id__in=pks).delete()
    LotEdge.objects.filter(event_id__in=pks).delete()
    Containment.objects.filter(event_id__in=pks).delete()
    return touched


def _declared(events: list[EventRow]) -> list[int]:
    """Stored events named by the batch's error declarations (same organization and eventID)."""
    declarations = {(e.organization_id, e.event_id) for e in events if e.is_error_declaration}
    if not declarations:
        return []
    rows = Event.objects.filter(event_id__in={event_id for _, event_id in declarations}).values_list(
        "pk", "organization_id", "event_id"
    )
    return [pk for pk, organization_id, event_id in rows if (organization_id, event_id) in declarations]


def _superseded(events: list[EventRow]) -> set[tuple[int, str]]:
    """(organization, eventID) of the batch's events that a stored error declaration names."""
    keys = {(e.organization_id, e.event_id) for e in events if not e.is_error_declaration}
    found: set[tuple[int, str]] = set()
    listed = sorted({event_id for _, event_id in keys})
    for start in range(0, len(listed), CHUNK):
        rows = Event.objects.filter(_among("event_id", listed[start : start + CHUNK]), is_error_declaration=True)
        found.update(row for row in rows.values_list("organization_id", "event_id") if row in keys)
    return found


def lineage_index_events(event_ids: Sequence[int]) -> None:
    """Derive lots, edges, activities and containments from just-stored events (by primary key), in bulk.

    Idempotent: indexing an event again replaces what it contributed. An event carrying an
    errorDeclaration contributes nothing and retracts what the declared event (same organization and
    eventID) contributed (EPCIS 2.0 §7.4.1.2). Call it inside the capture transaction.
    """
    if not event_ids:
        return
    with transaction.atomic():
        events, identifiers, parties = events_load(event_ids)
        _index(events, identifiers, parties, event_ids, _superseded(events))


def lineage_index_captured(
    events: Sequence[EventRow],
    identifiers: Mapping[int, list[IdentifierRow]],
    parties: Mapping[int, list[PartyRow]],
    *,
    declared: Collection[str],
) -> None:
    """`lineage_index_events` for the events one capture has just stored, from the rows capture holds.

    Nothing is read back, and nothing retracted but what their error declarations name: freshly
    allocated event keys have no lot rows yet. `identifiers` and `parties` are in capture order, as
    stored; `declared` holds the eventIDs of the capturing organization that a stored error declaration
    names (capture's idempotency check has read them). Call it inside the capture transaction.
    """
    if events:
        superseded = {(e.organization_id, e.event_id) for e in events if e.event_id in declared}
        _index(sorted(events, key=lambda e: (e.event_time, e.pk)), identifiers, parties, (), superseded)


def _index(
    events: list[EventRow],
    identifiers: Mapping[int, list[IdentifierRow]],
    parties: Mapping[int, list[PartyRow]],
    retract: Sequence[int],
    superseded: set[tuple[int, str]],
) -> None:
    """Index events sorted by (event time, primary key), after retracting what `retract` contributed;
    `superseded`: the (organization, eventID) of those that a stored error declaration names."""
    _share_graph()
    touched = _retract([*retract, *_declared(events)])
    live = [e for e in events if not e.is_error_declaration and (e.organization_id, e.event_id) not in superseded]
    wanted = {
        r.identifier
        for e in live
        for r in identifiers.get(e.pk, ())
        if r.role not in CLASS_ROLES and r.identifier.startswith("https://id.gs1.org/")
    }
    known: dict[str, Contents] = defaultdict(list)
    for container, content, quantity, uom in _rows_by_key(
        Containment, "container", sorted(wanted), ("container", "content", "quantity", "uom")
    ):
        known[container].append((content, quantity, uom))
    resolver = Resolver({k: contents_sum(v) for k, v in known.items()})
    by_gln = organizations_by_gln(p for e in live for p in parties.get(e.pk, ()))
    plan = Plan()
    for event in live:
        event_plan(event, identifiers.get(event.pk, []), parties.get(event.pk, []), by_gln, resolver, plan)
    nodes, settled = _nodes(plan)
    db_time = connection.ops.adapt_datetimefield_value
    _insert(
        LotActivity,
        (
            "organization_id",
            "lot",
            "event",
            "event_time",
            "kind",
            "biz_step",
            "location",
            "quantity",
            "uom",
            "counterparty_organization_id",
            "counterparty",
        ),
        [
            (
                event.organization_id,
                nodes[key].pk,
                event.pk,
                db_time(event.event_time),
                kind,
                event.biz_step,
                event.biz_location or event.read_point,
                quantity,
                uom,
                partner_id,
                partner,
            )
            for key, event, kind, quantity, uom, partner_id, partner in plan.activities
        ],
    )
    _insert(
        LotEdge,
        (
            "organization_id",
            "from_lot",
            "to_lot",
            "from_organization_id",
            "to_organization_id",
            "event",
            "event_time",
            "kind",
            "quantity",
            "uom",
        ),
        [
            (
                event.organization_id,
                nodes[source].pk,
                nodes[target].pk,
                source[0],
                target[0],
                event.pk,
                db_time(event.event_time),
                kind,
                quantity,
                uom,
            )
            for source, target, event, kind, quantity, uom in plan.edges
        ],
    )
    _insert(Containment, ("container", "content", "quantity", "uom", "event"), plan.containments)
    # A node created here already holds what the plan says (settled): nothing to bring up to date.
    touched_nodes = [node for node in nodes.values() if node.pk not in settled]
    extra = touched - {lot.pk for lot in touched_nodes}
    if extra:
        touched_nodes.extend(_Node(*row) for row in Lot.objects.filter(pk__in=extra).values_list(*_NODE_COLUMNS))
    produced = {nodes[key].pk for key, _, kind, *_ in plan.activities if kind == Kind.PRODUCED}
    _refresh_nodes(touched_nodes, plan, (touched | produced) - settled)


def lineage_rebuild(*, chunk_size: int = 5000) -> int:
    """Rebuild the whole lot graph from the event store in event-time order; return the events read."""
    with _graph_held():
        return _rebuild(chunk_size)


def _rebuild(chunk_size: int) -> int:
    with transaction.atomic():
        LotEdge.objects.all().delete()
        LotActivity.objects.all().delete()
        Containment.objects.all().delete()
        Lot.objects.all().delete()
    count = 0
    last: tuple[datetime.datetime, int] | None = None
    while True:
        events = Event.objects.order_by("event_time", "pk")
        if last is not None:
            events = events.filter(Q(event_time__gt=last[0]) | Q(event_time=last[0], pk__gt=last[1]))
        batch = list(events.values_list("event_time", "pk")[:chunk_size])
        if not batch:
            return count
        lineage_index_events([pk for _, pk in batch])
        count += len(batch)
        last = batch[-1]
