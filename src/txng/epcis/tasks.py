"""Background tasks of the event store (django-tasks, database backend: no broker needed)."""

from __future__ import annotations

from django_tasks import task

from txng.epcis.queries import subscriptions_deliver


@task()
def deliver_subscriptions_task(organization_id: int | None = None) -> int:
    """Deliver new events to webhook subscriptions (one organization's after a capture, or all)."""
    return subscriptions_deliver(organization_id=organization_id).delivered
