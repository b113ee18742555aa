"""Reads of the publishing app: per-destination lag and failures, source nodes (operators only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from txng.accounts.principal import Principal
from txng.core.errors import PermissionDenied
from txng.publishing.models import Destination, OutboxItem, SourceNode


@dataclass(frozen=True)
class DestinationStatus:
    destination: Destination
    pending: int
    failing: int
    dead: int
    delivered_last_hour: int
    oldest_pending_at: datetime | None
    last_error: str

    @property
    def lag_seconds(self) -> float:
        """Age of the oldest undelivered item: how far behind the destination is."""
        if self.oldest_pending_at is None:
            return 0.0
        return max(0.0, (timezone.now() - self.oldest_pending_at).total_seconds())


@dataclass(frozen=True)
class NodeStatus:
    node: SourceNode
    events: int
    last_received_at: datetime | None


def can_operate(principal: Principal) -> bool:
    return principal.is_admin or principal.is_dost


def _require(principal: Principal) -> None:
    if not can_operate(principal):
        raise PermissionDenied(_("Only DOST staff may see the publishing status."))


def destinations_status(*, principal: Principal) -> list[DestinationStatus]:
    """Lag, failures and dead letters of every destination: one aggregate query plus one for errors."""
    _require(principal)
    hour_ago = timezone.now() - timedelta(hours=1)
    undelivered = Q(outbox_items__status__in=[OutboxItem.Status.PENDING, OutboxItem.Status.FAILED])
    rows = Destination.objects.order_by("name").annotate(
        pending=Count("outbox_items", filter=undelivered),
        failing=Count("outbox_items", filter=Q(outbox_items__status=OutboxItem.Status.FAILED)),
        dead=Count("outbox_items", filter=Q(outbox_items__status=OutboxItem.Status.DEAD)),
        delivered_last_hour=Count(
            "outbox_items",
            filter=Q(outbox_items__status=OutboxItem.Status.DELIVERED, outbox_items__delivered_at__gte=hour_ago),
        ),
        oldest_pending_at=Min("outbox_items__created_at", filter=undelivered),
        last_failed_pk=Max(
            "outbox_items__pk",
            filter=Q(outbox_items__status__in=[OutboxItem.Status.FAILED, OutboxItem.Status.DEAD]),
        ),
    )
    destinations = list(rows)
    errors = dict(
        OutboxItem.objects.filter(pk__in=[d.last_failed_pk for d in destinations if d.last_failed_pk]).values_list(
            "destination_id", "last_error"
        )
    )
    return [
        DestinationStatus(
            destination=d,
            pending=d.pending,
            failing=d.failing,
            dead=d.dead,
            delivered_last_hour=d.delivered_last_hour,
            oldest_pending_at=d.oldest_pending_at,
            last_error=errors.get(d.pk, ""),
        )
        for d in destinations
    ]


def dead_letters(*, principal: Principal, destination: Destination, limit: int = 50) -> list[OutboxItem]:
    _require(principal)
    dead = OutboxItem.objects.filter(destination=destination, status=OutboxItem.Status.DEAD)
    return list(dead.order_by("-pk")[:limit])


def source_nodes_status(*, principal: Principal) -> list[NodeStatus]:
    """Hub mode: each source node with how many events it has pushed here and when it last did."""
    _require(principal)
    nodes = SourceNode.objects.select_related("organization").annotate(
        event_count=Count("organization__events"), last_received_at=Max("organization__events__record_time")
    )
    return [NodeStatus(node, node.event_count, node.last_received_at) for node in nodes.order_by("code")]
