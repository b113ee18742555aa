"""Stamps: order a batch, bind it to a lot, download labels, see scans and counterfeit signals."""

from __future__ import annotations

import io

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from txng.accounts.principal import Principal
from txng.codes.labels import stamp_batch_pdf, stamp_batch_write_csv
from txng.codes.models import StampBatch
from txng.codes.services import stamp_batch_bind_lot, stamp_batch_issue
from txng.core.errors import ServiceError
from txng.core.forms import form_add_service_error
from txng.registry.models import Organization
from txng.resolver.models import Scan, Signal

from .access import business_view
from .forms import LotBindForm, StampOrderForm, published_product_choices

BATCHES_SHOWN = 30
# The scan plot covers the Mekong Delta around Can Tho; scans outside are clamped to the edge.
PLOT = {"west": 104.4, "east": 106.8, "south": 8.5, "north": 10.9}


def _plot(scans: list[Scan]) -> list[tuple[float, float]]:
    width = PLOT["east"] - PLOT["west"]
    height = PLOT["north"] - PLOT["south"]
    points = []
    for scan in scans:
        if scan.latitude is None or scan.longitude is None:
            continue
        x = min(max((float(scan.longitude) - PLOT["west"]) / width, 0), 1) * 300
        y = min(max((PLOT["north"] - float(scan.latitude)) / height, 0), 1) * 300
        points.append((round(x, 1), round(y, 1)))
    return points


@business_view
def stamps(request: HttpRequest, principal: Principal, organization: Organization) -> HttpResponse:
    form = StampOrderForm(request.POST or None, products=published_product_choices(organization))
    if request.method == "POST" and form.is_valid():
        product = organization.products.get(pk=form.cleaned_data["product"], is_published=True)
        try:
            stamp_batch_issue(
                actor=principal,
                product=product,
                count=form.cleaned_data["count"],
                lot=form.cleaned_data["lot"],
                activate=True,
            )
        except ServiceError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, _("Stamp batch ordered."))
            return redirect("portal:business-stamps")
    batches = StampBatch.objects.filter(organization=organization).select_related("product").order_by("-created_at")
    scans = list(
        Scan.objects.filter(organization_id=organization.pk)
        .only("gtin", "lot", "serial", "verdict", "scanned_at", "latitude", "longitude")
        .order_by("-scanned_at")[:200]
    )
    signals = Signal.objects.filter(organization_id=organization.pk).order_by("-raised_at")[:50]
    context = {
        "form": form,
        "bind_form": LotBindForm(),
        "batches": batches[:BATCHES_SHOWN],
        "scans": scans[:50],
        "points": _plot(scans),
        "signals": signals,
        "organization": organization,
    }
    return render(request, "portal/business/stamps.html", context, status=400 if form.errors else 200)


@require_POST
@business_view
def stamp_bind(request: HttpRequest, principal: Principal, organization: Organization, pk: int) -> HttpResponse:
    batch = get_object_or_404(StampBatch, pk=pk, organization=organization)
    form = LotBindForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the lot number."))
        return redirect("portal:business-stamps")
    try:
        stamp_batch_bind_lot(actor=principal, batch=batch, lot=form.cleaned_data["lot"])
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The batch is bound to the lot."))
    return redirect("portal:business-stamps")


@business_view
def stamp_download(
    request: HttpRequest, principal: Principal, organization: Organization, pk: int, fmt: str
) -> HttpResponse:
    batch = get_object_or_404(StampBatch.objects.select_related("product"), pk=pk, organization=organization)
    base = request.build_absolute_uri("/").rstrip("/")
    if fmt == "csv":
        text = io.StringIO()
        stamp_batch_write_csv(batch, text, base=base)
        response = HttpResponse(text.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        binary = io.BytesIO()
        stamp_batch_pdf(batch, binary, base=base)
        response = HttpResponse(binary.getvalue(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="stamps-{batch.pk}.{fmt}"'
    return response
