"""Reading the lot graph: backward and forward trace, one step back / one step forward, recall impact.

Trace walks `LotEdge` with one recursive CTE (WITH RECURSIVE on both PostgreSQL and SQLite), bounded by
depth and by event time. Visibility is the accounts layer's: an edge is walked when either end is held
by an organization the principal may read. A business therefore sees its own lots and the partner
links that touch them, and nothing beyond its partners; DOST and administrators see the whole graph;
sector and area officers walk through the organizations of their scope.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from django.db import connection
from django.utils.translation import gettext as _

from txng.accounts.principal import Principal
from txng.accounts.visibility import organization_q
from txng.core.errors import NotFound, PermissionDenied
from txng.epcis.canonical import canonical_identifier
from txng.lineage.models import Lot, LotActivity, LotEdge
from txng.registry.models import Organization

Direction = Literal["backward", "forward"]
DEPTH_DEFAULT: Final = 25
DEPTH_MAX: Final = 200
_CHUNK: Final = 2000


@dataclass(frozen=True)
class Scope:
    """Organizations whose lots a principal may walk through; `None` SQL means every organization."""

    sql: str | None
    params: tuple[Any, ...] = ()

    @property
    def is_everything(self) -> bool:
        return self.sql is None


EVERYTHING: Final = Scope(None)


def trace_scope(principal: Principal) -> Scope:
    """The principal's walkable organizations; the public traces nothing."""
    if principal.sees_everything:
        return EVERYTHING
    if principal.is_public:
        raise PermissionDenied(_("Sign in to trace lots."), code="trace-forbidden")
    query = Organization.objects.filter(organization_q(principal)).order_by().values("pk").query
    sql, params = query.sql_with_params()
    return Scope(sql, tuple(params))


def organization_scope(organization_ids: Iterable[int]) -> Scope:
    """A scope of exactly these organizations (one step back / forward for a business)."""
    ids = sorted(set(organization_ids))
    if not ids:
        return Scope("SELECT NULL WHERE 1 = 0")
    return Scope("SELECT %s" + " UNION ALL SELECT %s" * (len(ids) - 1), tuple(ids))


def _in_scope(lots: Iterable[Lot], scope: Scope) -> list[Lot]:
    lots = list(lots)
    if scope.is_everything or not lots:
        return lots
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({scope.sql}) visible", scope.params)  # noqa: S608 - SQL from the ORM
        visible = {row[0] for row in cursor.fetchall()}
    return [lot for lot in lots if lot.organization_id in visible]


def lots_find(*, principal: Principal, identifier: str, scope: Scope | None = None) -> list[Lot]:
    """The principal's visible nodes of one lot (by GS1 Digital Link, EPC class URN or captured class URI)."""
    scope = scope or trace_scope(principal)
    canonical = canonical_identifier(identifier.strip())
    lots = _in_scope(Lot.objects.filter(identifier=canonical).order_by("pk"), scope)
    if not lots:
        raise NotFound(_("No lot with this code is visible to you."), code="lot-not-found", field="lot")
    return lots


@dataclass
class Trace:
    """Lot nodes reached (with their distance) and the edges between them."""

    direction: str
    start: list[Lot]
    depth: dict[int, int]
    lots: dict[int, Lot]
    edges: list[LotEdge] = field(default_factory=list)


def _walk_sql(
    start_ids: Sequence[int],
    *,
    direction: Direction,
    depth: int,
    scope: Scope,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
) -> tuple[str, list[Any]]:
    """The recursive CTE `walk(lot_id, depth)` of every node reached; callers append their SELECT."""
    this, other = ("to_lot_id", "from_lot_id") if direction == "backward" else ("from_lot_id", "to_lot_id")
    conditions = ["w.depth < %s"]
    params: list[Any] = [depth]
    if since is not None:
        conditions.append("e.event_time >= %s")
        params.append(since)
    if until is not None:
        conditions.append("e.event_time < %s")
        params.append(until)
    if not scope.is_everything:
        conditions.append(f"(e.from_organization_id IN ({scope.sql}) OR e.to_organization_id IN ({scope.sql}))")
        params.extend([*scope.params, *scope.params])
    starts = ", ".join(["%s"] * len(start_ids))
    sql = f"""
        WITH RECURSIVE walk(lot_id, depth) AS (
            SELECT id, 0 FROM lineage_lot WHERE id IN ({starts})
            UNION
            SELECT e.{other}, w.depth + 1
            FROM walk w JOIN lineage_lotedge e ON e.{this} = w.lot_id
            WHERE {" AND ".join(conditions)}
        )
    """  # noqa: S608 - column names are fixed above, values travel as parameters
    return sql, [*start_ids, *params]


def _walk(
    start_ids: Sequence[int],
    *,
    direction: Direction,
    depth: int,
    scope: Scope,
    since: datetime.datetime | None,
    until: datetime.datetime | None,
) -> dict[int, int]:
    sql, params = _walk_sql(start_ids, direction=direction, depth=depth, scope=scope, since=since, until=until)
    with connection.cursor() as cursor:
        cursor.execute(sql + " SELECT lot_id, MIN(depth) FROM walk GROUP BY lot_id", params)  # noqa: S608
        return dict(cursor.fetchall())


def lot_trace(
    start: Sequence[Lot],
    *,
    direction: Direction,
    scope: Scope = EVERYTHING,
    depth: int = DEPTH_DEFAULT,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
    with_edges: bool = True,
) -> Trace:
    """Walk the graph from `start` nodes (no visibility check on the start: callers find them visibly)."""
    depth = max(0, min(depth, DEPTH_MAX))
    reached = _walk([lot.pk for lot in start], direction=direction, depth=depth, scope=scope, since=since, until=until)
    ids = sorted(reached)
    lots: dict[int, Lot] = {}
    edges: list[LotEdge] = []
    origin = "from_lot_id" if direction == "forward" else "to_lot_id"
    for begin in range(0, len(ids), _CHUNK):
        chunk = ids[begin : begin + _CHUNK]
        lots.update((lot.pk, lot) for lot in Lot.objects.filter(pk__in=chunk))
        if not with_edges:
            continue
        inner = [pk for pk in chunk if reached[pk] < depth]
        if not inner:
            continue
        query = (
            LotEdge.objects.filter(**{f"{origin}__in": inner})
            .select_related("event")
            .only(
                "from_lot_id",
                "to_lot_id",
                "from_organization_id",
                "to_organization_id",
                "kind",
                "quantity",
                "uom",
                "event_time",
                "event__event_id",
            )
        )
        if since is not None:
            query = query.filter(event_time__gte=since)
        if until is not None:
            query = query.filter(event_time__lt=until)
        edges.extend(query)
    if with_edges:
        edges = [e for e in edges if e.from_lot_id in reached and e.to_lot_id in reached]
        if not scope.is_everything:
            visible = {lot.organization_id for lot in _in_scope(lots.values(), scope)}
            edges = [e for e in edges if e.from_organization_id in visible or e.to_organization_id in visible]
        edges.sort(key=lambda e: (e.event_time, e.pk))
    return Trace(direction=direction, start=list(start), depth=reached, lots=lots, edges=edges)


def trace_get(
    *,
    principal: Principal,
    identifier: str,
    direction: Direction,
    depth: int = DEPTH_DEFAULT,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
) -> Trace:
    """Backward or forward trace of one lot as the principal may see it."""
    scope = trace_scope(principal)
    start = lots_find(principal=principal, identifier=identifier, scope=scope)
    return lot_trace(start, direction=direction, scope=scope, depth=depth, since=since, until=until)


@dataclass(frozen=True)
class Partner:
    """One trading partner of a lot, one step back (supplier) or one step forward (customer)."""

    organization_id: int | None
    party: str
    lot: str
    quantity: str
    uom: str
    event_time: datetime.datetime
    event_id: str


@dataclass
class OneStep:
    organization_id: int
    identifier: str
    suppliers: list[Partner]
    customers: list[Partner]


def one_step_get(*, principal: Principal, identifier: str, organization_id: int | None = None) -> OneStep:
    """A business's suppliers and customers for one of its lots (TCVN 12850: one step back, one step forward).

    The walk runs through the business's own lots (repacking and processing included) and stops at the
    first link to another organization; shipments to parties outside the registry are listed as captured.
    """
    if organization_id is None:
        if len(principal.organization_ids) != 1:
            raise NotFound(_("Choose the organization."), code="organization-required", field="organization")
        organization_id = next(iter(principal.organization_ids))
    if not (principal.sees_everything or organization_id in principal.organization_ids):
        raise PermissionDenied(_("You may not see this organization's partners."), code="trace-forbidden")
    scope = organization_scope([organization_id])
    start = lots_find(principal=principal, identifier=identifier, scope=scope)
    back = lot_trace(start, direction="backward", scope=scope, depth=DEPTH_MAX)
    forward = lot_trace(start, direction="forward", scope=scope, depth=DEPTH_MAX)

    def partner(edge: LotEdge, lots: dict[int, Lot], far: int, organization: int) -> Partner:
        return Partner(
            organization_id=organization,
            party="",
            lot=lots[far].identifier,
            quantity="" if edge.quantity is None else str(edge.quantity.normalize()),
            uom=edge.uom,
            event_time=edge.event_time,
            event_id=edge.event.event_id,
        )

    suppliers = [
        partner(e, back.lots, e.from_lot_id, e.from_organization_id)
        for e in back.edges
        if e.to_organization_id == organization_id and e.from_organization_id != organization_id
    ]
    customers = [
        partner(e, forward.lots, e.to_lot_id, e.to_organization_id)
        for e in forward.edges
        if e.from_organization_id == organization_id and e.to_organization_id != organization_id
    ]
    own_forward = [pk for pk, lot in forward.lots.items() if lot.organization_id == organization_id]
    external = (
        LotActivity.objects.filter(
            lot_id__in=own_forward, kind=LotActivity.Kind.SHIPPED, counterparty_organization_id__isnull=True
        )
        .exclude(counterparty="")
        .select_related("lot", "event")
        .order_by("event_time", "pk")
    )
    customers.extend(
        Partner(
            organization_id=None,
            party=a.counterparty,
            lot=a.lot.identifier,
            quantity="" if a.quantity is None else str(a.quantity.normalize()),
            uom=a.uom,
            event_time=a.event_time,
            event_id=a.event.event_id,
        )
        for a in external
    )
    return OneStep(
        organization_id=organization_id, identifier=start[0].identifier, suppliers=suppliers, customers=customers
    )


@dataclass
class RecallImpact:
    """Everything downstream of recalled lots: lot nodes, lot codes, holders, and where the lots are."""

    lot_ids: list[int]
    identifiers: list[str]
    organization_ids: list[int]
    locations: list[str]
    external_parties: list[str]


def recall_impact(lots: Iterable[Lot], *, depth: int = DEPTH_MAX) -> RecallImpact:
    """The forward trace of recalled lots wherever they are held, without visibility limits (agency use).

    Two statements whatever the size: the walk with the reached nodes' columns, then the walk again for
    the parties outside the registry the lots were shipped to. No model instances: a recall reaches
    thousands of nodes.
    """
    identifiers = sorted({lot.identifier for lot in lots})
    start = list(Lot.objects.filter(identifier__in=identifiers).values_list("pk", flat=True)) if identifiers else []
    if not start:
        return RecallImpact([], [], [], [], [])
    sql, params = _walk_sql(start, direction="forward", depth=max(0, min(depth, DEPTH_MAX)), scope=EVERYTHING)
    # Fixed SQL text; every value travels as a parameter.
    nodes_sql = sql + " SELECT l.id, l.identifier, l.organization_id, l.last_location FROM lineage_lot l "  # noqa: S608
    nodes_sql += "WHERE l.id IN (SELECT lot_id FROM walk)"
    external_sql = sql + " SELECT DISTINCT a.counterparty FROM lineage_lotactivity a "  # noqa: S608
    external_sql += "WHERE a.lot_id IN (SELECT lot_id FROM walk) AND a.kind = %s "
    external_sql += "AND a.counterparty_organization_id IS NULL AND a.counterparty <> ''"
    with connection.cursor() as cursor:
        cursor.execute(nodes_sql, params)
        reached = cursor.fetchall()
        cursor.execute(external_sql, [*params, LotActivity.Kind.SHIPPED])
        external = sorted(row[0] for row in cursor.fetchall())
    return RecallImpact(
        lot_ids=sorted(row[0] for row in reached),
        identifiers=sorted({row[1] for row in reached}),
        organization_ids=sorted({row[2] for row in reached}),
        locations=sorted({row[3] for row in reached if row[3]}),
        external_parties=external,
    )


def lot_activities(lot_ids: Sequence[int]) -> list[LotActivity]:
    """The ledger of the given lot nodes, oldest first, with their events (for timelines and reports)."""
    rows: list[LotActivity] = []
    for begin in range(0, len(lot_ids), _CHUNK):
        rows.extend(
            LotActivity.objects.filter(lot_id__in=lot_ids[begin : begin + _CHUNK]).select_related("lot", "event")
        )
    rows.sort(key=lambda a: (a.event_time, a.pk))
    return rows
