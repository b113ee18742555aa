"""Dashboards (SVG charts and CSV exports), the annual report (queued, with progress) and the catalog."""

from __future__ import annotations

from typing import Final

from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from txng.accounts.principal import Principal
from txng.portal.agency.access import forbidden, officer_view
from txng.registry.models import AdministrativeUnit, Gs1Prefix, ProductGroup
from txng.reports.dashboards import FIGURES, figures
from txng.reports.models import AnnualReport
from txng.reports.tasks import annual_report_request

FIRST_YEAR: Final = 2021  # Plan 82/KH-UBND of 12 April 2021


def _year(request: HttpRequest) -> int:
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", this_year))
    except ValueError:
        return this_year
    return min(max(year, FIRST_YEAR), this_year)


@officer_view
def dashboard(request: HttpRequest, principal: Principal) -> HttpResponse:
    year = _year(request)
    return render(
        request,
        "portal/agency/dashboard.html",
        {
            "figures": figures(principal, year=year),
            "year": year,
            "years": range(timezone.localdate().year, FIRST_YEAR - 1, -1),
        },
    )


@officer_view
def figure_csv(request: HttpRequest, principal: Principal, key: str) -> HttpResponse:
    build = FIGURES.get(key)
    if build is None:
        raise Http404
    year = _year(request)
    figure = build(principal, year)
    response = HttpResponse("\ufeff" + figure.csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{key}-{year}.csv"'
    return response


@officer_view
def annual_reports(request: HttpRequest, principal: Principal) -> HttpResponse:
    if not principal.sees_everything:
        return forbidden(request)
    return render(
        request,
        "portal/agency/annual_reports.html",
        {
            "reports": AnnualReport.objects.all()[:20],
            "year": timezone.localdate().year,
            "years": range(timezone.localdate().year, FIRST_YEAR - 1, -1),
        },
    )


@officer_view
@require_POST
def annual_report_start(request: HttpRequest, principal: Principal) -> HttpResponse:
    if not principal.sees_everything:
        return forbidden(request)
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        year = timezone.localdate().year
    year = min(max(year, FIRST_YEAR), timezone.localdate().year)
    report = annual_report_request(year=year, user_id=request.user.pk)
    return redirect("portal:agency-annual-report", pk=report.pk)


@officer_view
def annual_report_detail(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    if not principal.sees_everything:
        return forbidden(request)
    report = get_object_or_404(AnnualReport, pk=pk)
    return render(request, "portal/agency/annual_report.html", {"report": report})


@officer_view
def annual_report_file(request: HttpRequest, principal: Principal, pk: int, fmt: str) -> FileResponse:
    if not principal.sees_everything:
        raise Http404
    report = get_object_or_404(AnnualReport, pk=pk, status=AnnualReport.Status.DONE)
    field = report.pdf if fmt == "pdf" else report.xlsx
    if not field:
        raise Http404
    return FileResponse(field.open("rb"), as_attachment=True, filename=f"bao-cao-truy-xuat-{report.year}.{fmt}")


@officer_view
def catalog(request: HttpRequest, principal: Principal) -> HttpResponse:
    """Product groups with their rules, the GS1 prefix pool; changes are made in the back office."""
    groups = ProductGroup.objects.annotate(products=Count("product")).order_by("sector", "name")
    prefixes = Gs1Prefix.objects.annotate(allocated=Count("allocations")).order_by("prefix")
    return render(
        request,
        "portal/agency/catalog.html",
        {"groups": groups, "prefixes": prefixes, "can_edit": principal.is_admin or principal.is_dost},
    )


@officer_view
def units(request: HttpRequest, principal: Principal) -> HttpResponse:
    rows = AdministrativeUnit.objects.select_related("parent").order_by("code")
    return render(request, "portal/agency/units.html", {"units": rows})
