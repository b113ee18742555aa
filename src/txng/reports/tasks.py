"""Background tasks of the reports app (django-tasks, database backend; run by `txng db_worker`)."""

from __future__ import annotations

from django_tasks import task

from txng.reports.annual import annual_report_generate
from txng.reports.models import AnnualReport


@task()
def annual_report_task(report_id: int) -> int:
    """Generate one annual report (its progress is kept on the row); returns the report's id."""
    report = AnnualReport.objects.get(pk=report_id)
    annual_report_generate(report)
    return report.pk


def annual_report_request(*, year: int, user_id: int | None) -> AnnualReport:
    """Create the report row and queue its generation once the transaction commits."""
    from django.db import transaction

    report = AnnualReport.objects.create(year=year, requested_by_id=user_id)
    transaction.on_commit(lambda: annual_report_task.enqueue(report_id=report.pk))
    return report
