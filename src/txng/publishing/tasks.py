"""Background tasks of the publishing app (django-tasks, database backend: no broker needed)."""

from __future__ import annotations

from django_tasks import task

from txng.publishing.worker import outbox_push


@task()
def push_outbox_task() -> int:
    """One outbox worker pass over every active destination; returns how many items were delivered."""
    return outbox_push().delivered
