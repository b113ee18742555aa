"""Background imports: a checked file is written in chunks by a django-tasks task, with progress."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from txng.accounts.principal import PUBLIC, Principal, principal_for_user
from txng.core.errors import PermissionDenied
from txng.portal.models import ImportJob
from txng.registry.models import Organization
from txng.registry.services import products_import

CHUNK = 500


def import_job_start(
    *, actor: Principal, organization: Organization, kind: str, rows: list[dict[str, Any]]
) -> ImportJob:
    """Queue the import of rows that passed the dry run; the task starts after commit."""
    if organization.pk not in actor.organization_ids:
        raise PermissionDenied("not a member of this organization")
    job = ImportJob.objects.create(
        organization=organization, created_by=actor.user, kind=kind, rows=rows, total=len(rows)
    )
    transaction.on_commit(lambda: import_job_task.enqueue(job_id=job.pk))
    return job


def import_job_run(job_id: int) -> None:
    """Write the job's rows chunk by chunk; a chunk that fails stops the job with its row errors."""
    from .imports import facilities_import

    # Claim the job once: a second worker picking the same task finds it no longer queued.
    if not ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(status=ImportJob.Status.RUNNING):
        return
    job = ImportJob.objects.select_related("organization", "created_by").get(pk=job_id)
    actor = principal_for_user(job.created_by) if job.created_by else PUBLIC
    for start in range(0, len(job.rows), CHUNK):
        chunk = job.rows[start : start + CHUNK]
        if job.kind == "products":
            errors = products_import(actor=actor, organization=job.organization, rows=chunk).errors
        else:
            errors = facilities_import(actor=actor, organization=job.organization, rows=chunk, dry_run=False)
        if errors:
            ImportJob.objects.filter(pk=job_id).update(
                status=ImportJob.Status.FAILED,
                errors=[{"row": start + e.row, "field": e.field or "", "message": e.message} for e in errors],
                finished_at=timezone.now(),
            )
            return
        ImportJob.objects.filter(pk=job_id).update(done=F("done") + len(chunk))
    ImportJob.objects.filter(pk=job_id).update(status=ImportJob.Status.DONE, finished_at=timezone.now(), rows=[])


@task()
def import_job_task(job_id: int) -> None:
    import_job_run(job_id)
