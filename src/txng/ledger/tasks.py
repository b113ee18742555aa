"""Background tasks of the ledger (django-tasks, database backend)."""

from __future__ import annotations

from django_tasks import task

from txng.ledger.services import ledger_checkpoint_issue, ledger_integrate


@task()
def ledger_integrate_task() -> int:
    """Integrate pending leaves (enqueue on commit after submitting many)."""
    return ledger_integrate()


@task()
def ledger_checkpoint_task() -> int:
    """Integrate pending leaves and sign a checkpoint; returns its tree size."""
    return ledger_checkpoint_issue().tree_size
