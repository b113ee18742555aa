"""API of the publishing app: the outbox status for operators and monitoring."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from txng.accounts.auth import AUTHENTICATED, principal_of
from txng.publishing.selectors import destinations_status, source_nodes_status

router = Router(tags=["publishing"], auth=AUTHENTICATED)


def _time(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


@router.get("/status", response={200: dict[str, Any]}, summary="Outbox lag and failures per destination")
def status(request: HttpRequest) -> dict[str, Any]:
    """Per destination: pending items, the oldest one's age (lag), failing, dead letters, delivered last hour;
    in hub mode also the source nodes with the events each has pushed here (DOST staff only)."""
    principal = principal_of(request)
    return {
        "destinations": [
            {
                "name": row.destination.name,
                "url": row.destination.url,
                "isActive": row.destination.is_active,
                "pending": row.pending,
                "failing": row.failing,
                "dead": row.dead,
                "deliveredLastHour": row.delivered_last_hour,
                "oldestPendingAt": _time(row.oldest_pending_at),
                "lagSeconds": round(row.lag_seconds, 1),
                "lastError": row.last_error,
            }
            for row in destinations_status(principal=principal)
        ],
        "sourceNodes": [
            {
                "code": row.node.code,
                "name": row.node.name,
                "taxCode": row.node.organization.tax_code,
                "events": row.events,
                "lastReceivedAt": _time(row.last_received_at),
            }
            for row in source_nodes_status(principal=principal)
        ],
    }
