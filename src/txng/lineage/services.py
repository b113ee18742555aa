"""Writing the lot graph: `lineage_index_events` (run by capture inside its transaction) and the rebuild.

The rules of what an event does to lots are in `derivation`; this module loads events in bulk, plans
their rows there, and writes nodes, ledger rows, edges and containments with a bounded number of
statements per batch, whatever its size.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, Final

from django.db import connection, transaction
from django.db.models import Model, Q, Sum

from txng.epcis.models import Event
from txng.lineage.derivation import (
    CHUNK,
    CLASS_ROLES,
    TXNG_NAMESPACE,
    Contents,
    EventRow,
    Kind,
    NodeKey,
    Plan,
    Resolver,
    contents_sum,
    event_plan,
    events_load,
    lot_parts,
    organizations_by_gln,
)
from txng.lineage.models import Containment, Lot, LotActivity, LotEdge

__all__ = ["TXNG_NAMESPACE", "lineage_index_events", "lineage_rebuild"]


def _insert(
    model: type[Model], names: Sequence[str], rows: list[tuple[Any, ...]], *, ignore_conflicts: bool = False
) -> None:
    """Plain prepared INSERTs (executemany): values are already in database form (see `_db`)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(model._meta.get_field(name).column)) for name in names)  # type: ignore[union-attr]
    marks = ", ".join(["%s"] * len(names))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 - model metadata
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5 * CHUNK):
            cursor.executemany(sql, rows[start : start + 5 * CHUNK])


def _db_time(value: datetime.datetime | None) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _nodes(plan: Plan) -> dict[NodeKey, Lot]:
    """Existing and new lot nodes for every key in the plan, with their seen/expiry fields brought up to date."""
    keys = set(plan.first_seen)
    identifiers = sorted({identifier for _, identifier in keys})
    nodes: dict[NodeKey, Lot] = {}

    def fetch() -> None:
        for start in range(0, len(identifiers), CHUNK):
            for lot in Lot.objects.filter(identifier__in=identifiers[start : start + CHUNK]):
                key = (lot.organization_id, lot.identifier)
                if key in keys:
                    nodes[key] = lot

    fetch()
    missing = [key for key in keys if key not in nodes]
    if missing:
        fresh = []
        for organization_id, identifier in missing:
            gtin, lot_number = lot_parts(identifier)
            last_time, last_location = plan.last_seen[(organization_id, identifier)]
            expiry = plan.expiry.get((organization_id, identifier))
            fresh.append(
                (
                    organization_id,
                    identifier,
                    gtin,
                    lot_number[:40],
                    _db_time(plan.first_seen[(organization_id, identifier)]),
                    _db_time(last_time),
                    last_location,
                    "",
                    connection.ops.adapt_datefield_value(expiry),
                )
            )
        # ON CONFLICT DO NOTHING: a concurrent capture may create the same node; both then read it back.
        _insert(
            Lot,
            (
                "organization_id",
                "identifier",
                "gtin",
                "lot",
                "first_seen",
                "last_seen",
                "last_location",
                "produced_uom",
                "expires_on",
            ),
            fresh,
            ignore_conflicts=True,
        )
        fetch()
    return nodes


_NODE_FIELDS: Final = ("first_seen", "last_seen", "last_location", "expires_on", "produced_quantity", "produced_uom")


def _node_values(lot: Lot) -> tuple[Any, ...]:
    return tuple(getattr(lot, name) for name in _NODE_FIELDS)


def _refresh_nodes(nodes: Iterable[Lot], plan: Plan, recount: set[int]) -> None:
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
            LotActivity.objects.filter(lot_id__in=recount_ids[start : start + CHUNK], kind=Kind.PRODUCED)
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
        rows = Event.objects.filter(is_error_declaration=True, event_id__in=listed[start : start + CHUNK])
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
        touched = _retract([*event_ids, *_declared(events)])
        superseded = _superseded(events)
        live = [e for e in events if not e.is_error_declaration and (e.organization_id, e.event_id) not in superseded]
        wanted = {
            r.identifier
            for e in live
            for r in identifiers[e.pk]
            if r.role not in CLASS_ROLES and r.identifier.startswith("https://id.gs1.org/")
        }
        known: dict[str, Contents] = defaultdict(list)
        listed = sorted(wanted)
        for start in range(0, len(listed), CHUNK):
            for container, content, quantity, uom in Containment.objects.filter(
                container__in=listed[start : start + CHUNK]
            ).values_list("container", "content", "quantity", "uom"):
                known[container].append((content, quantity, uom))
        resolver = Resolver({k: contents_sum(v) for k, v in known.items()})
        by_gln = organizations_by_gln(p for e in live for p in parties[e.pk])
        plan = Plan()
        for event in live:
            event_plan(event, identifiers[event.pk], parties[event.pk], by_gln, resolver, plan)
        nodes = _nodes(plan)
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
                    _db_time(event.event_time),
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
                    _db_time(event.event_time),
                    kind,
                    quantity,
                    uom,
                )
                for source, target, event, kind, quantity, uom in plan.edges
            ],
        )
        _insert(Containment, ("container", "content", "quantity", "uom", "event"), plan.containments)
        touched_nodes = list(nodes.values())
        extra = touched - {lot.pk for lot in touched_nodes}
        if extra:
            touched_nodes.extend(Lot.objects.filter(pk__in=extra))
        produced = {nodes[key].pk for key, _, kind, *_ in plan.activities if kind == Kind.PRODUCED}
        _refresh_nodes(touched_nodes, plan, touched | produced)


def lineage_rebuild(*, chunk_size: int = 5000) -> int:
    """Rebuild the whole lot graph from the event store in event-time order; return the events read."""
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
