"""The lot and shipment monitoring pages: cold-chain summary and SVG charts of readings (no JavaScript)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from txng.accounts.principal import principal_for_request
from txng.iot.charts import line_chart
from txng.iot.ingest import sscc_uri
from txng.iot.selectors import cold_chain_summary, monitoring_series


def _context(request: HttpRequest, identifier: str) -> dict[str, Any]:
    principal = principal_for_request(request)
    series = monitoring_series(principal=principal, identifier=identifier)
    return {
        "identifier": identifier,
        "cold_chain": cold_chain_summary(lot_identifiers=[identifier], principal=principal),
        "charts": [{"series": s, "chart": line_chart(s.points, s.rule)} for s in series],
    }


def lot_page(request: HttpRequest) -> HttpResponse:
    identifier = request.GET.get("identifier", "").strip()[:300]
    context = _context(request, identifier) if identifier else {"identifier": "", "charts": []}
    return render(request, "iot/monitoring.html", {**context, "kind": "lot"})


def shipment_page(request: HttpRequest, sscc: str) -> HttpResponse:
    if not (sscc.isdigit() and len(sscc) == 18):
        raise Http404
    return render(
        request, "iot/monitoring.html", {**_context(request, sscc_uri(sscc)), "kind": "shipment", "sscc": sscc}
    )
