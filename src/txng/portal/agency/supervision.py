"""Supervision for sector and local officers, scoped by the visibility layer: businesses, products and
lots with filters, certificates about to expire, businesses without events, counterfeit signals and
consumers' reports to triage."""

from __future__ import annotations

import datetime
from typing import Any, Final

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from txng.accounts.principal import Principal
from txng.accounts.visibility import organization_q, product_q
from txng.epcis.models import Event
from txng.lineage.models import Lot
from txng.oversight.inspections import report_mark_handled
from txng.oversight.models_inspections import ReportTriage
from txng.portal.agency.access import officer_view
from txng.portal.agency.forms import TriageForm
from txng.registry.models import (
    AdministrativeUnit,
    Certification,
    Facility,
    OcopRating,
    Organization,
    Product,
    ProductGroup,
)
from txng.resolver.models import Signal, SuspectReport

PAGE_SIZE: Final = 50
EXPIRY_DAYS: Final = 60
INACTIVE_DAYS: Final = 30


def _int(value: str | None, default: int | None = None) -> int | None:
    try:
        return int(value) if value else default
    except (TypeError, ValueError):
        return default


def _filters(request: HttpRequest) -> dict[str, str]:
    return {key: request.GET.get(key, "") for key in ("q", "group", "stars", "cert", "ward")}


def _certificate_q(status: str, prefix: str = "") -> Q | None:
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=EXPIRY_DAYS)
    certs = Certification.objects.filter(organization=OuterRef(f"{prefix}pk" if prefix else "pk"))
    if status == "valid":
        return Q(Exists(certs.filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))))
    if status == "expiring":
        return Q(Exists(certs.filter(expires_on__gte=today, expires_on__lte=soon)))
    if status == "expired":
        return Q(Exists(certs.filter(expires_on__lt=today)))
    if status == "none":
        return ~Q(Exists(certs))
    return None


def _choices(principal: Principal) -> dict[str, object]:
    return {
        "groups": ProductGroup.objects.order_by("name").values_list("pk", "name"),
        "wards": AdministrativeUnit.objects.exclude(kind=AdministrativeUnit.Kind.PROVINCE).values_list("code", "name"),
        "cert_statuses": [
            ("valid", _("Valid certificate")),
            ("expiring", _("Expiring within 60 days")),
            ("expired", _("Expired certificate")),
            ("none", _("No certificate")),
        ],
    }


def businesses_filtered(principal: Principal, filters: dict[str, str]) -> QuerySet[Organization]:
    orgs = Organization.objects.filter(organization_q(principal))
    if filters["q"]:
        orgs = orgs.filter(Q(name__icontains=filters["q"]) | Q(tax_code=filters["q"]))
    if filters["ward"]:
        orgs = orgs.filter(administrative_unit_id=filters["ward"])
    group = _int(filters["group"])
    if group is not None:
        orgs = orgs.filter(Exists(Product.objects.filter(organization=OuterRef("pk"), product_group_id=group)))
    stars = _int(filters["stars"])
    if stars is not None:
        orgs = orgs.filter(Exists(OcopRating.objects.filter(product__organization=OuterRef("pk"), stars=stars)))
    cert = _certificate_q(filters["cert"])
    if cert is not None:
        orgs = orgs.filter(cert)
    return orgs


@officer_view
def businesses(request: HttpRequest, principal: Principal) -> HttpResponse:
    filters = _filters(request)
    orgs = businesses_filtered(principal, filters).select_related("administrative_unit").order_by("name", "pk")
    page = Paginator(orgs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/agency/businesses.html",
        {"page": page, "filters": filters, **_choices(principal)},
    )


@officer_view
def business_detail(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    organization = get_object_or_404(Organization.objects.filter(organization_q(principal)), pk=pk)
    products = Product.objects.filter(product_q(principal), organization=organization).select_related("product_group")
    return render(
        request,
        "portal/agency/business_detail.html",
        {
            "organization": organization,
            "products": products.order_by("name")[:200],
            "facilities": Facility.objects.filter(organization=organization).select_related("administrative_unit"),
            "certificates": Certification.objects.filter(organization=organization).order_by("expires_on"),
            "today": timezone.localdate(),
        },
    )


@officer_view
def products(request: HttpRequest, principal: Principal) -> HttpResponse:
    filters = _filters(request)
    rows = Product.objects.filter(product_q(principal)).select_related("organization", "product_group")
    if filters["q"]:
        rows = rows.filter(Q(name__icontains=filters["q"]) | Q(gtin=filters["q"]))
    group = _int(filters["group"])
    if group is not None:
        rows = rows.filter(product_group_id=group)
    stars = _int(filters["stars"])
    if stars is not None:
        rows = rows.filter(Exists(OcopRating.objects.filter(product=OuterRef("pk"), stars=stars)))
    if filters["ward"]:
        rows = rows.filter(organization__administrative_unit_id=filters["ward"])
    cert = _certificate_q(filters["cert"], prefix="organization__")
    if cert is not None:
        rows = rows.filter(cert)
    page = Paginator(rows.order_by("name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/agency/products.html", {"page": page, "filters": filters, **_choices(principal)})


@officer_view
def lots(request: HttpRequest, principal: Principal) -> HttpResponse:
    visible = Organization.objects.filter(organization_q(principal)).values("pk")
    rows = Lot.objects.all() if principal.sees_everything else Lot.objects.filter(organization_id__in=visible)
    q = request.GET.get("q", "").strip()
    if q:
        rows = rows.filter(Q(gtin=q) | Q(lot=q))
    group = _int(request.GET.get("group"))
    if group is not None:
        rows = rows.filter(gtin__in=Product.objects.filter(product_group_id=group).values("gtin"))
    page = Paginator(rows.order_by("-last_seen", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    names = dict(Organization.objects.filter(pk__in={lot.organization_id for lot in page}).values_list("pk", "name"))
    return render(
        request,
        "portal/agency/lots.html",
        {
            "page": page,
            "items": [(lot, names.get(lot.organization_id, "")) for lot in page],
            "q": q,
            "group": group,
            "groups": ProductGroup.objects.order_by("name").values_list("pk", "name"),
        },
    )


@officer_view
def certificates(request: HttpRequest, principal: Principal) -> HttpResponse:
    """Certificates that expire within N days (60 unless asked), soonest first."""
    days = _int(request.GET.get("days"), EXPIRY_DAYS) or EXPIRY_DAYS
    today = timezone.localdate()
    rows = (
        Certification.objects.filter(
            organization__in=Organization.objects.filter(organization_q(principal)).values("pk"),
            expires_on__gte=today,
            expires_on__lte=today + datetime.timedelta(days=min(days, 3650)),
        )
        .select_related("organization")
        .order_by("expires_on", "pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/agency/certificates.html", {"page": page, "days": days, "today": today})


@officer_view
def inactive(request: HttpRequest, principal: Principal) -> HttpResponse:
    """Businesses with no event in the last N days (30 unless asked)."""
    days = _int(request.GET.get("days"), INACTIVE_DAYS) or INACTIVE_DAYS
    since = timezone.now() - datetime.timedelta(days=min(days, 3650))
    # The recent events are one range scan of the event-time index; the businesses not among them remain.
    recent = Event.objects.filter(event_time__gte=since).values("organization_id")
    rows = Organization.objects.filter(organization_q(principal)).exclude(pk__in=recent).order_by("name", "pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    last = dict(
        Event.objects.filter(organization_id__in=[o.pk for o in page])
        .values("organization_id")
        .annotate(last=Max("event_time"))
        .values_list("organization_id", "last")
        .order_by()
    )
    items = [(organization, last.get(organization.pk)) for organization in page]
    return render(request, "portal/agency/inactive.html", {"page": page, "items": items, "days": days})


def _visible_ids(principal: Principal) -> QuerySet[Organization, Any]:
    return Organization.objects.filter(organization_q(principal)).values("pk")


@officer_view
def signals(request: HttpRequest, principal: Principal) -> HttpResponse:
    rows = Signal.objects.all()
    if not principal.sees_everything:
        rows = rows.filter(organization_id__in=_visible_ids(principal))
    page = Paginator(rows.order_by("-raised_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    names = dict(Organization.objects.filter(pk__in={s.organization_id for s in page}).values_list("pk", "name"))
    return render(
        request,
        "portal/agency/signals.html",
        {"page": page, "items": [(signal, names.get(signal.organization_id or 0, "")) for signal in page]},
    )


def _reports_visible(principal: Principal) -> QuerySet[SuspectReport]:
    rows = SuspectReport.objects.all()
    if not principal.sees_everything:
        rows = rows.filter(organization_id__in=_visible_ids(principal))
    return rows


@officer_view
def reports(request: HttpRequest, principal: Principal) -> HttpResponse:
    """Consumers' suspect-product reports; those not handled first."""
    show = request.GET.get("show", "open")
    rows = _reports_visible(principal).annotate(handled=Exists(ReportTriage.objects.filter(report=OuterRef("pk"))))
    if show == "open":
        rows = rows.filter(handled=False)
    page = Paginator(rows.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    names = dict(Organization.objects.filter(pk__in={r.organization_id for r in page}).values_list("pk", "name"))
    return render(
        request,
        "portal/agency/reports.html",
        {
            "page": page,
            "show": show,
            "items": [(report, names.get(report.organization_id or 0, "")) for report in page],
            "form": TriageForm(),
        },
    )


@officer_view
@require_POST
def report_handle(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    report = get_object_or_404(_reports_visible(principal), pk=pk)
    form = TriageForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    report_mark_handled(actor=principal, report=report, note=note)
    messages.success(request, _("Report marked handled."))
    return redirect("portal:agency-reports")


MAP_POINTS: Final = 5000


@officer_view
def facility_map(request: HttpRequest, principal: Principal) -> HttpResponse:
    """Facilities with coordinates, drawn as points on an SVG map of their bounding box (no tiles, no JS)."""
    rows = [
        (pk, name, float(lat), float(lon), organization_id)
        for pk, name, lat, lon, organization_id in Facility.objects.filter(
            organization__in=_visible_ids(principal), latitude__isnull=False, longitude__isnull=False
        ).values_list("pk", "name", "latitude", "longitude", "organization_id")[:MAP_POINTS]
        if lat is not None and lon is not None
    ]
    points: list[dict[str, Any]] = []
    if rows:
        lats = [row[2] for row in rows]
        lons = [row[3] for row in rows]
        south, north, west, east = min(lats), max(lats), min(lons), max(lons)
        span_lat, span_lon = max(north - south, 0.01), max(east - west, 0.01)
        for pk, name, lat, lon, organization_id in rows:
            points.append(
                {
                    "x": round(10 + (lon - west) / span_lon * 580, 1),
                    "y": round(10 + (north - lat) / span_lat * 380, 1),
                    "name": name,
                    "pk": pk,
                    "organization_id": organization_id,
                }
            )
    return render(request, "portal/agency/map.html", {"points": points})
