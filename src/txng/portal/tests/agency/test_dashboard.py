"""Dashboards (SVG charts, CSV exports, scoped, a fixed number of queries), the annual report pages and
the catalog pages."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from txng.registry.tests.factories import officer
from txng.reports.models import AnnualReport
from txng.reports.tasks import annual_report_task
from txng.reports.tests.data import YEAR, programme

from .conftest import signed_in

pytestmark = pytest.mark.django_db


def test_dashboard_draws_every_figure_as_svg(dost_client: Client) -> None:
    # given
    programme()
    # when
    response = dost_client.get(reverse("portal:agency-dashboard"), {"year": YEAR})
    # then
    html = response.content.decode()
    assert response.status_code == 200
    keys = [figure.key for figure in response.context["figures"]]
    assert keys == ["targets", "sector", "ward", "growth", "groups", "stamps", "scans", "inspections"]
    assert html.count("<svg") == len(keys)
    assert "<title>Products by group</title>" in html


def test_dashboard_query_count_does_not_grow_with_data(dost_client: Client) -> None:
    # given
    with CaptureQueriesContext(connection) as empty:
        dost_client.get(reverse("portal:agency-dashboard"), {"year": YEAR})
    programme()
    # when
    with CaptureQueriesContext(connection) as full:
        dost_client.get(reverse("portal:agency-dashboard"), {"year": YEAR})
    # then
    assert len(full) == len(empty)
    assert len(full) < 25


def test_figure_csv_matches_the_database(dost_client: Client) -> None:
    # given
    programme()
    # when
    response = dost_client.get(reverse("portal:agency-figure-csv", args=["groups"]), {"year": YEAR})
    # then
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert response["Content-Type"].startswith("text/csv")
    assert rows[0] == ["Product group", "Products"]
    assert sorted(rows[1:]) == sorted([["Trái cây", "2"], ["Thủy sản", "1"], ["Thủ công mỹ nghệ", "1"]])


def test_dashboard_of_a_sector_officer_counts_their_sector_only() -> None:
    # given
    programme()
    client = signed_in(officer("sector_department", sector="industry_trade"))
    # when
    response = client.get(reverse("portal:agency-figure-csv", args=["groups"]), {"year": YEAR})
    # then
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1:] == [["Thủ công mỹ nghệ", "1"]]


def test_annual_report_is_queued_then_downloadable(
    dost_client: Client, django_capture_on_commit_callbacks: object
) -> None:
    # given
    programme()
    # when: the officer asks for the report; the task is queued on commit
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        started = dost_client.post(reverse("portal:agency-annual-report-start"), {"year": YEAR})
    report = AnnualReport.objects.get()
    queued = dost_client.get(reverse("portal:agency-annual-report", args=[report.pk]))
    annual_report_task.call(report_id=report.pk)  # what the db_worker does
    done = dost_client.get(reverse("portal:agency-annual-report", args=[report.pk]))
    pdf = dost_client.get(reverse("portal:agency-annual-file", args=[report.pk, "pdf"]))
    # then
    assert started.status_code == 302
    assert 'http-equiv="refresh"' in queued.content.decode()
    assert 'http-equiv="refresh"' not in done.content.decode()
    assert b"".join(pdf.streaming_content)[:5] == b"%PDF-"  # type: ignore[attr-defined]
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(task_path="txng.reports.tasks.annual_report_task").count() == 1


def test_annual_report_is_for_dost_only() -> None:
    # given
    client = signed_in(officer("sector_department", sector="health"))
    # when
    response = client.post(reverse("portal:agency-annual-report-start"), {"year": YEAR})
    # then
    assert response.status_code == 403
    assert AnnualReport.objects.count() == 0


def test_catalog_and_units_pages(dost_client: Client) -> None:
    # given
    programme()
    # when
    catalog = dost_client.get(reverse("portal:agency-catalog"))
    units = dost_client.get(reverse("portal:agency-units"))
    # then
    assert catalog.status_code == 200
    assert "Trái cây" in catalog.content.decode()
    assert "/admin/registry/productgroup/" in catalog.content.decode()
    assert "Phường Ninh Kiều" in units.content.decode()
