"""What one stored event does to lots: the rules `lineage_index_events` applies, with no writes.

What an event does to lots (TCVN 12850:2019 "one step back, one step forward"):
- TransformationEvent: each input lot is consumed, each output lot produced, one edge per input × output;
- ObjectEvent ADD: the lots named are produced (harvest, commissioning) by the capturing organization;
- bizStep shipping / receiving: the lots leave for / arrive from a trading partner (destinationList /
  sourceList, owning_party before possessing_party before location); when the partner is a registered
  organization the two holders' nodes are joined by a shipment edge;
- bizStep destroying, or disposition destroyed / disposed: the lots are destroyed;
- AggregationEvent ADD: a logistic unit (SSCC) records the lots packed in it, so later events that name
  only the SSCC move those lots; a parent that is itself a lot gets aggregation edges from its children.

Serials roll up to lots by the lot in their Digital Link (`/01/…/10/LOT/21/SERIAL`, which the canonical
form drops), the event's ILMD `cbvmda:lotNumber`, or an earlier event that did either. Events whose
containers were packed by an event not indexed yet miss those lots; `txng lineage rebuild` reads all
events in time order and fixes that.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final
from urllib.parse import unquote

from txng.epcis.canonical import canonical_identifier
from txng.epcis.models import Event, EventIdentifier, EventParty
from txng.lineage.models import LotActivity, LotEdge
from txng.registry.models import Facility, Organization

TXNG_NAMESPACE: Final = "https://ns.opentxng.vn/epcis/"
DL_GTIN_PREFIX: Final = "https://id.gs1.org/01/"
CHUNK: Final = 1000
_ROLE = EventIdentifier.Role
CLASS_ROLES: Final = frozenset((_ROLE.CLASS, _ROLE.INPUT_CLASS, _ROLE.OUTPUT_CLASS, _ROLE.CHILD_CLASS))
_INPUT_ROLES: Final = frozenset((_ROLE.INPUT, _ROLE.INPUT_CLASS))
_OUTPUT_ROLES: Final = frozenset((_ROLE.OUTPUT, _ROLE.OUTPUT_CLASS))
_CHILD_ROLES: Final = frozenset((_ROLE.CHILD, _ROLE.CHILD_CLASS))
_RAW_EPC_FIELDS: Final = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
SHIPPING_STEPS: Final = frozenset(("shipping",))
RECEIVING_STEPS: Final = frozenset(("receiving", "accepting"))
DESTROYING_STEPS: Final = frozenset(("destroying",))
DESTROYED_DISPOSITIONS: Final = frozenset(("destroyed", "disposed"))
_PARTY_PREFERENCE: Final = ("owning_party", "possessing_party", "location")
_EXPIRY_FIELDS: Final = ("itemExpirationDate", "bestBeforeDate", "sellByDate")

Kind = LotActivity.Kind
NodeKey = tuple[int, str]  # (holder organization, lot identifier)


def step_name(biz_step: str) -> str:
    """The CBV short name, or the local name of a non-standard bizStep URI (`…/BizStep-harvesting`)."""
    if "BizStep-" in biz_step:
        return biz_step.rsplit("BizStep-", 1)[1]
    for separator in ("#", "/", ":"):
        if separator in biz_step:
            biz_step = biz_step.rsplit(separator, 1)[1]
    return biz_step


def local_name(key: str) -> str:
    """`cbvmda:lotNumber`, `urn:epcglobal:cbv:mda#lotNumber` → `lotNumber`."""
    for separator in ("#", ":", "/"):
        key = key.rsplit(separator, 1)[-1]
    return key


def lot_parts(identifier: str) -> tuple[str, str]:
    """(GTIN-14, lot number) of a canonical Digital Link lot class; ("", "") for other identifiers."""
    if not identifier.startswith(DL_GTIN_PREFIX):
        return "", ""
    rest = identifier[36:]
    return identifier[22:36], unquote(rest[4:]) if rest.startswith("/10/") else ""


def ilmd_value(document: Mapping[str, Any], name: str) -> Any:
    """A master-data attribute of the event's ILMD by local name, whatever the prefix."""
    ilmd = document.get("ilmd")
    if isinstance(ilmd, dict):
        for key, value in ilmd.items():
            if local_name(key) == name:
                return value
    return None


def _expiry(document: Mapping[str, Any]) -> datetime.date | None:
    for name in _EXPIRY_FIELDS:
        value = ilmd_value(document, name)
        if isinstance(value, str):
            try:
                return datetime.date.fromisoformat(value[:10])
            except ValueError:
                continue
    return None


def _with_lot(gtin_class: str, lot_number: str) -> str:
    return canonical_identifier(f"{gtin_class}/10/{lot_number}")


def _is_serial(identifier: str) -> bool:
    return identifier.startswith(DL_GTIN_PREFIX) and identifier[36:40] == "/21/"


Contents = list[tuple[str, Decimal | None, str]]


@dataclass
class Plan:
    """Rows to write, keyed by node before nodes have primary keys."""

    activities: list[tuple[NodeKey, EventRow, str, Decimal | None, str, int | None, str]] = field(default_factory=list)
    edges: list[tuple[NodeKey, NodeKey, EventRow, str, Decimal | None, str]] = field(default_factory=list)
    containments: list[tuple[str, str, Decimal | None, str, int]] = field(default_factory=list)
    first_seen: dict[NodeKey, datetime.datetime] = field(default_factory=dict)
    last_seen: dict[NodeKey, tuple[datetime.datetime, str]] = field(default_factory=dict)
    expiry: dict[NodeKey, datetime.date] = field(default_factory=dict)

    def touch(self, key: NodeKey, event: EventRow, *, is_here: bool) -> None:
        """Note that the event names the node; `is_here` when the event happened where the node's lot is."""
        seen = self.first_seen.get(key)
        if seen is None or event.event_time < seen:
            self.first_seen[key] = event.event_time
        last = self.last_seen.get(key)
        location = event.biz_location or event.read_point if is_here else ""
        if last is None or (event.event_time >= last[0] and (location or not last[1])):
            self.last_seen[key] = (event.event_time, location)


def contents_sum(contents: Iterable[tuple[str, Decimal | None, str]]) -> Contents:
    """Add up quantities per (lot, unit); a missing quantity stays missing."""
    totals: dict[tuple[str, str], Decimal | None] = {}
    for lot, quantity, uom in contents:
        key = (lot, uom)
        if key in totals:
            previous = totals[key]
            totals[key] = None if previous is None or quantity is None else previous + quantity
        else:
            totals[key] = quantity
    return [(lot, quantity, uom) for (lot, uom), quantity in totals.items()]


class Resolver:
    """Turns an event's identifiers into lots, learning serial → lot and SSCC → lots as it goes."""

    def __init__(self, known: dict[str, Contents]) -> None:
        self.known = known

    def serial_lots(self, event: EventRow) -> dict[str, str]:
        """Serial → lot for the event's own Digital Links that carry the lot, and its ILMD lotNumber."""
        found: dict[str, str] = {}
        document = event.document
        raw: list[Any] = [document.get("parentID")]
        for name in _RAW_EPC_FIELDS:
            raw.extend(document.get(name) or ())
        for uri in raw:
            if isinstance(uri, str) and uri.startswith("http") and "/10/" in uri and "/21/" in uri:
                lot_class = canonical_identifier(uri[: uri.index("/21/")])
                if lot_class.startswith(DL_GTIN_PREFIX) and lot_class[36:40] == "/10/":
                    found[canonical_identifier(uri)] = lot_class
        lot_number = ilmd_value(document, "lotNumber")
        if isinstance(lot_number, str | int) and str(lot_number):
            for uri in raw:
                if isinstance(uri, str):
                    serial = canonical_identifier(uri)
                    if _is_serial(serial) and serial not in found:
                        found[serial] = _with_lot(serial[:36], str(lot_number))
        return found

    def contents(self, row: IdentifierRow, own_lots: Mapping[str, str], lot_number: str) -> Contents:
        identifier = row.identifier
        if row.role in CLASS_ROLES:
            if lot_number and identifier.startswith(DL_GTIN_PREFIX) and len(identifier) == 36:
                identifier = _with_lot(identifier, lot_number)
            return [(identifier, row.quantity, row.uom)]
        lot = own_lots.get(identifier)
        if lot is not None:
            return [(lot, Decimal(1), "")]
        return self.known.get(identifier, [])


@dataclass(slots=True)
class EventRow:
    """The columns of a stored event that indexing reads (no model instances: indexing runs per capture)."""

    pk: int
    organization_id: int
    event_id: str
    event_type: str
    event_time: datetime.datetime
    action: str
    biz_step: str
    disposition: str
    read_point: str
    biz_location: str
    document: dict[str, Any]
    is_error_declaration: bool


@dataclass(slots=True)
class IdentifierRow:
    role: str
    identifier: str
    quantity: Decimal | None
    uom: str


@dataclass(slots=True)
class PartyRow:
    direction: str
    type: str
    value: str
    gln: str


_EVENT_COLUMNS: Final = (
    "pk",
    "organization_id",
    "event_id",
    "event_type",
    "event_time",
    "action",
    "biz_step",
    "disposition",
    "read_point",
    "biz_location",
    "document",
    "is_error_declaration",
)


def events_load(
    event_ids: Sequence[int],
) -> tuple[list[EventRow], dict[int, list[IdentifierRow]], dict[int, list[PartyRow]]]:
    events: list[EventRow] = []
    identifiers: dict[int, list[IdentifierRow]] = defaultdict(list)
    parties: dict[int, list[PartyRow]] = defaultdict(list)
    for start in range(0, len(event_ids), CHUNK):
        chunk = list(event_ids[start : start + CHUNK])
        events.extend(EventRow(*row) for row in Event.objects.filter(pk__in=chunk).values_list(*_EVENT_COLUMNS))
        for event_pk, role, identifier, quantity, uom in (
            EventIdentifier.objects.filter(event_id__in=chunk)
            .order_by("pk")
            .values_list("event_id", "role", "identifier", "quantity", "uom")
        ):
            identifiers[event_pk].append(IdentifierRow(role, identifier, quantity, uom))
        for event_pk, direction, kind, value, gln in (
            EventParty.objects.filter(event_id__in=chunk)
            .order_by("pk")
            .values_list("event_id", "direction", "type", "value", "gln")
        ):
            parties[event_pk].append(PartyRow(direction, kind, value, gln))
    events.sort(key=lambda e: (e.event_time, e.pk))
    return events, identifiers, parties


def organizations_by_gln(parties: Iterable[PartyRow]) -> dict[str, int]:
    glns = {p.gln for p in parties if p.gln}
    if not glns:
        return {}
    found = dict(Facility.objects.filter(gln__in=glns).values_list("gln", "organization_id"))
    # A party GLN (AI 417) names the organization itself and wins over a facility with the same number.
    found.update(Organization.objects.filter(gln__in=glns).values_list("gln", "pk"))
    return found


def _partner(parties: list[PartyRow], direction: str, by_gln: Mapping[str, int]) -> tuple[int | None, str]:
    """The trading partner on one side of an event: (registered organization or None, party as captured)."""
    candidates = [p for p in parties if p.direction == direction]
    candidates.sort(key=lambda p: _PARTY_PREFERENCE.index(p.type) if p.type in _PARTY_PREFERENCE else 9)
    for party in candidates:
        if party.gln in by_gln:
            return by_gln[party.gln], party.value
    return None, candidates[0].value if candidates else ""


def _activity_kind(event: EventRow, step: str) -> str:
    if step in DESTROYING_STEPS or event.disposition in DESTROYED_DISPOSITIONS:
        return Kind.DESTROYED
    if step in SHIPPING_STEPS:
        return Kind.SHIPPED
    if step in RECEIVING_STEPS:
        return Kind.RECEIVED
    if event.action == "ADD" and event.event_type == "ObjectEvent":
        return Kind.PRODUCED
    return Kind.OBSERVED


def event_plan(
    event: EventRow,
    rows: list[IdentifierRow],
    parties: list[PartyRow],
    by_gln: Mapping[str, int],
    resolver: Resolver,
    plan: Plan,
) -> None:
    holder = event.organization_id
    own_lots = resolver.serial_lots(event)
    lot_number = ilmd_value(event.document, "lotNumber")
    lot_number = str(lot_number) if isinstance(lot_number, str | int) else ""
    expiry = _expiry(event.document)
    for serial, lot in own_lots.items():
        if serial not in resolver.known:
            resolver.known[serial] = [(lot, Decimal(1), "")]
            plan.containments.append((serial, lot, Decimal(1), "", event.pk))

    def node(lot: str, organization_id: int = holder) -> NodeKey:
        key = (organization_id, lot)
        # The partner's end of a shipment is not where this event happened.
        plan.touch(key, event, is_here=organization_id == holder)
        return key

    def activity(key: NodeKey, kind: str, quantity: Decimal | None, uom: str, partner: tuple[int | None, str]) -> None:
        plan.activities.append((key, event, kind, quantity, uom, partner[0], partner[1]))
        if expiry is not None and kind == Kind.PRODUCED:
            plan.expiry[key] = expiry

    if event.event_type == "TransformationEvent":
        inputs = contents_sum(c for r in rows if r.role in _INPUT_ROLES for c in resolver.contents(r, own_lots, ""))
        outputs = contents_sum(
            c for r in rows if r.role in _OUTPUT_ROLES for c in resolver.contents(r, own_lots, lot_number)
        )
        for lot, quantity, uom in inputs:
            activity(node(lot), Kind.CONSUMED, quantity, uom, (None, ""))
        for lot, quantity, uom in outputs:
            activity(node(lot), Kind.PRODUCED, quantity, uom, (None, ""))
        for in_lot, quantity, uom in inputs:
            for out_lot, _, _ in outputs:
                if in_lot != out_lot:
                    plan.edges.append((node(in_lot), node(out_lot), event, LotEdge.Kind.TRANSFORMATION, quantity, uom))
        return

    parent = next((r for r in rows if r.role == _ROLE.PARENT), None)
    if event.event_type == "AggregationEvent":
        children = contents_sum(
            c for r in rows if r.role in _CHILD_ROLES for c in resolver.contents(r, own_lots, lot_number)
        )
        if parent is not None and event.action == "ADD" and children:
            parent_lot = own_lots.get(parent.identifier)
            if parent_lot is not None:
                for lot, quantity, uom in children:
                    if lot != parent_lot:
                        plan.edges.append((node(lot), node(parent_lot), event, LotEdge.Kind.AGGREGATION, quantity, uom))
            else:
                resolver.known[parent.identifier] = contents_sum(
                    [*resolver.known.get(parent.identifier, []), *children]
                )
                plan.containments.extend((parent.identifier, lot, q, u, event.pk) for lot, q, u in children)
        moving = children or (resolver.contents(parent, own_lots, "") if parent is not None else [])
    else:
        moving = contents_sum(
            c
            for r in rows
            if r.role in (_ROLE.EPC, _ROLE.CLASS, _ROLE.PARENT)
            for c in resolver.contents(r, own_lots, lot_number)
        )

    step = step_name(event.biz_step)
    kind = _activity_kind(event, step)
    partner: tuple[int | None, str] = (None, "")
    if kind == Kind.SHIPPED:
        partner = _partner(parties, EventParty.Direction.DESTINATION, by_gln)
    elif kind == Kind.RECEIVED:
        partner = _partner(parties, EventParty.Direction.SOURCE, by_gln)
    for lot, quantity, uom in moving:
        key = node(lot)
        activity(key, kind, quantity, uom, partner)
        other = partner[0]
        if other is None or other == holder:
            continue
        if kind == Kind.SHIPPED:
            plan.edges.append((key, node(lot, other), event, LotEdge.Kind.SHIPMENT, quantity, uom))
        elif kind == Kind.RECEIVED:
            plan.edges.append((node(lot, other), key, event, LotEdge.Kind.SHIPMENT, quantity, uom))
