"""Reads of the ledger: checkpoints, proofs, leaves, an event's status.

The log holds only published data and is public by design (anyone may audit it), so these selectors take
no principal: there is nothing in it a visitor may not see.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import connection
from django.urls import reverse
from django.utils.translation import gettext as _

from txng.core.errors import NotFound, ServiceError
from txng.ledger.merkle import NodeKey, consistency_plan, inclusion_plan, node_id, plan_hashes, plan_keys
from txng.ledger.models import Checkpoint, Leaf, LogHead, PendingLeaf
from txng.ledger.services import _fetch_nodes

LEAVES_PAGE_MAX = 1000


def ledger_tree_size() -> int:
    """How many leaves the log has integrated."""
    head = LogHead.objects.filter(pk=1).values_list("tree_size", flat=True).first()
    return head or 0


def ledger_latest_checkpoint() -> Checkpoint | None:
    """The newest signed checkpoint, if any."""
    return Checkpoint.objects.order_by("-tree_size").first()


def ledger_checkpoint_at(tree_size: int) -> Checkpoint | None:
    """The checkpoint of exactly this size, if one was issued."""
    return Checkpoint.objects.filter(tree_size=tree_size).first()


def _nodes(keys: set[NodeKey]) -> dict[NodeKey, bytes]:
    by_id = {node_id(level, index): (level, index) for level, index in keys}
    with connection.cursor() as cursor:
        found = _fetch_nodes(cursor, list(by_id))
    if len(found) != len(by_id):
        raise ServiceError(_("The ledger is missing tree nodes; run `txng ledger verify`."), code="ledger-corrupted")
    return {by_id[pk]: hash_ for pk, hash_ in found.items()}


def _size_error(size: int, asked: int, field: str) -> ServiceError:
    return ServiceError(
        _("The ledger has %(size)s leaves; %(asked)s is out of range.") % {"size": size, "asked": asked},
        code="ledger-size",
        field=field,
    )


def _check_size(tree_size: int, field: str) -> None:
    size = ledger_tree_size()
    if not 0 <= tree_size <= size:
        raise _size_error(size, tree_size, field)


@dataclass(frozen=True)
class InclusionProof:
    """RFC 9162 inclusion proof of one leaf in the tree of `tree_size` leaves."""

    leaf_index: int
    tree_size: int
    kind: str
    reference: str
    leaf_value: str
    leaf_hash: bytes
    hashes: list[bytes]


def ledger_inclusion_proof(*, leaf_index: int, tree_size: int | None = None) -> InclusionProof:
    """The inclusion proof of a leaf in the tree of `tree_size` (the latest checkpoint's size by default)."""
    if tree_size is None:
        checkpoint = ledger_latest_checkpoint()
        tree_size = checkpoint.tree_size if checkpoint else ledger_tree_size()
    with connection.cursor() as cursor:
        # The head's size and the leaf in one round trip: a proof is two reads (this, then its nodes).
        cursor.execute(
            'SELECT h."tree_size", l."kind", l."reference", l."value" FROM "ledger_loghead" h '
            'LEFT JOIN "ledger_leaf" l ON l."leaf_index" = %s WHERE h."id" = 1',
            [leaf_index],
        )
        row = cursor.fetchone()
    size = row[0] if row else 0
    if not 0 <= tree_size <= size:
        raise _size_error(size, tree_size, "tree_size")
    if not 0 <= leaf_index < tree_size:
        raise ServiceError(
            _("Leaf %(index)s is not in a tree of %(size)s leaves.") % {"index": leaf_index, "size": tree_size},
            code="ledger-leaf-index",
            field="leaf_index",
        )
    if row is None or row[1] is None:
        raise ServiceError(_("The ledger is missing a leaf; run `txng ledger verify`."), code="ledger-corrupted")
    leaf = row[1:]
    plan = inclusion_plan(leaf_index, tree_size)
    nodes = _nodes(plan_keys(plan) | {(0, leaf_index)})
    return InclusionProof(
        leaf_index=leaf_index,
        tree_size=tree_size,
        kind=leaf[0],
        reference=leaf[1],
        leaf_value=leaf[2],
        leaf_hash=nodes[(0, leaf_index)],
        hashes=plan_hashes(plan, nodes),
    )


def ledger_leaf_index_for_event(event_id: str) -> int:
    """The index of an event's leaf; NotFound when it is not (yet) in the log."""
    index = Leaf.objects.filter(kind=Leaf.Kind.EVENT, reference=event_id).values_list("leaf_index", flat=True).first()
    if index is None:
        raise NotFound(_("This event is not in the ledger yet."), code="ledger-event-not-found", field="event_id")
    return index


def ledger_consistency_proof(*, first: int, second: int) -> list[bytes]:
    """The RFC 9162 consistency proof between two tree sizes."""
    if first > second:
        raise ServiceError(_("The first tree size must not exceed the second."), code="ledger-size", field="first")
    _check_size(second, "second")
    if first < 0:
        raise ServiceError(_("Tree sizes are not negative."), code="ledger-size", field="first")
    plan = consistency_plan(first, second)
    return plan_hashes(plan, _nodes(plan_keys(plan)))


def ledger_leaves(*, start: int, end: int) -> list[tuple[int, str, str, str]]:
    """Integrated leaves [start, end) as (index, kind, reference, value), at most LEAVES_PAGE_MAX."""
    end = min(end, start + LEAVES_PAGE_MAX)
    rows = (
        Leaf.objects.filter(leaf_index__gte=start, leaf_index__lt=end)
        .order_by("leaf_index")
        .values_list("leaf_index", "kind", "reference", "value")
    )
    return list(rows)


@dataclass(frozen=True)
class LedgerStatus:
    """Where an event stands in the ledger, for the consumer page's badge."""

    event_id: str
    leaf_index: int | None  # None: queued, not yet integrated
    checkpoint_size: int | None  # the latest checkpoint that covers the leaf, if any
    proof_url: str

    @property
    def is_verified(self) -> bool:
        return self.checkpoint_size is not None


def ledger_status_for_event(event_id: str) -> LedgerStatus | None:
    """An event's place in the ledger (None when it was never submitted): two queries."""
    leaf_index = (
        Leaf.objects.filter(kind=Leaf.Kind.EVENT, reference=event_id).values_list("leaf_index", flat=True).first()
    )
    if leaf_index is None and not PendingLeaf.objects.filter(kind=Leaf.Kind.EVENT, reference=event_id).exists():
        return None
    checkpoint_size = None
    if leaf_index is not None:
        checkpoint_size = (
            Checkpoint.objects.filter(tree_size__gt=leaf_index)
            .order_by("-tree_size")
            .values_list("tree_size", flat=True)
            .first()
        )
    url = reverse("ledger:proof") + "?" + urlencode({"event_id": event_id})
    return LedgerStatus(event_id=event_id, leaf_index=leaf_index, checkpoint_size=checkpoint_size, proof_url=url)


def ledger_statuses_for_events(event_ids: Sequence[str]) -> dict[str, LedgerStatus]:
    """`ledger_status_for_event` for many events (a lot's journey) in at most three queries."""
    wanted = sorted(set(event_ids))
    if not wanted:
        return {}
    indexes = dict(
        Leaf.objects.filter(kind=Leaf.Kind.EVENT, reference__in=wanted).values_list("reference", "leaf_index")
    )
    pending = set()
    if len(indexes) < len(wanted):
        pending = set(
            PendingLeaf.objects.filter(
                kind=Leaf.Kind.EVENT, reference__in=[e for e in wanted if e not in indexes]
            ).values_list("reference", flat=True)
        )
    latest = Checkpoint.objects.order_by("-tree_size").values_list("tree_size", flat=True).first() if indexes else None
    statuses = {}
    for event_id in wanted:
        leaf_index = indexes.get(event_id)
        if leaf_index is None and event_id not in pending:
            continue
        covered = latest if latest is not None and leaf_index is not None and latest > leaf_index else None
        url = reverse("ledger:proof") + "?" + urlencode({"event_id": event_id})
        statuses[event_id] = LedgerStatus(
            event_id=event_id, leaf_index=leaf_index, checkpoint_size=covered, proof_url=url
        )
    return statuses
