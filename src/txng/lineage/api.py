"""Trace API under /api/trace/: backward, forward, one step back/forward, checks, recall impact, exports."""

from __future__ import annotations

import datetime
from typing import Any, Literal

import orjson
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from txng.accounts.auth import AUTHENTICATED, principal_of
from txng.core.errors import PermissionDenied
from txng.lineage import exports, selectors
from txng.lineage.checks import lot_checks
from txng.lineage.selectors import DEPTH_DEFAULT, DEPTH_MAX, Trace
from txng.registry.models import Organization, Product

router = Router(tags=["trace"], auth=AUTHENTICATED)


class TraceQuery(Schema):
    lot: str
    depth: int = DEPTH_DEFAULT
    since: datetime.datetime | None = None
    until: datetime.datetime | None = None


def trace_json(trace: Trace) -> dict[str, Any]:
    """A trace as the API returns it: lots with holder and product names, edges with their events."""
    lots = list(trace.lots.values())
    names = dict(Organization.objects.filter(pk__in={lot.organization_id for lot in lots}).values_list("pk", "name"))
    products = dict(Product.objects.filter(gtin__in={lot.gtin for lot in lots if lot.gtin}).values_list("gtin", "name"))
    return {
        "direction": trace.direction,
        "lots": [
            {
                "id": lot.pk,
                "identifier": lot.identifier,
                "gtin": lot.gtin,
                "lot": lot.lot,
                "product": products.get(lot.gtin, ""),
                "organization": {"id": lot.organization_id, "name": names.get(lot.organization_id, "")},
                "depth": trace.depth[lot.pk],
                "first_seen": lot.first_seen,
                "last_seen": lot.last_seen,
                "location": lot.last_location,
                "produced_quantity": None if lot.produced_quantity is None else str(lot.produced_quantity.normalize()),
                "uom": lot.produced_uom,
                "expires_on": lot.expires_on,
            }
            for lot in sorted(lots, key=lambda lot: (trace.depth[lot.pk], lot.pk))
        ],
        "edges": [
            {
                "from": edge.from_lot_id,
                "to": edge.to_lot_id,
                "kind": edge.kind,
                "quantity": None if edge.quantity is None else str(edge.quantity.normalize()),
                "uom": edge.uom,
                "event_time": edge.event_time,
                "event_id": edge.event.event_id,
            }
            for edge in trace.edges
        ],
    }


def _json(data: Any) -> HttpResponse:
    return HttpResponse(orjson.dumps(data, default=str), content_type="application/json")


def _trace(request: HttpRequest, query: TraceQuery, direction: Literal["backward", "forward"]) -> HttpResponse:
    trace = selectors.trace_get(
        principal=principal_of(request),
        identifier=query.lot,
        direction=direction,
        depth=max(0, min(query.depth, DEPTH_MAX)),
        since=query.since,
        until=query.until,
    )
    return _json(trace_json(trace))


@router.get("/backward", summary="Backward trace of a lot: every input lot, holder and supplier")
def trace_backward(request: HttpRequest, query: Query[TraceQuery]) -> HttpResponse:
    return _trace(request, query, "backward")


@router.get("/forward", summary="Forward trace of a lot: every derived lot, shipment and recipient")
def trace_forward(request: HttpRequest, query: Query[TraceQuery]) -> HttpResponse:
    return _trace(request, query, "forward")


@router.get("/one-step", summary="One step back, one step forward: a business's suppliers and customers")
def trace_one_step(request: HttpRequest, lot: str, organization: int | None = None) -> HttpResponse:
    step = selectors.one_step_get(principal=principal_of(request), identifier=lot, organization_id=organization)
    return _json(exports.one_step_json(step))


@router.get("/checks", summary="Checks of a lot: mass balance, timeline, pre-harvest interval, missing KDEs")
def trace_checks(request: HttpRequest, lot: str) -> HttpResponse:
    lots = selectors.lots_find(principal=principal_of(request), identifier=lot)
    return _json(
        [
            {"lot": node.pk, "organization": node.organization_id, **finding.__dict__}
            for node in lots
            for finding in lot_checks(node)
        ]
    )


@router.get("/recall-impact", summary="Every lot, organization and location downstream of recalled lots")
def trace_recall_impact(request: HttpRequest, lot: Query[list[str]]) -> HttpResponse:
    principal = principal_of(request)
    if not (principal.sees_everything or principal.is_inspector or principal.is_officer):
        raise PermissionDenied(_("Only agencies compute recall impact."), code="trace-forbidden")
    start = [node for identifier in lot for node in selectors.lots_find(principal=principal, identifier=identifier)]
    impact = selectors.recall_impact(start)
    return _json(
        {
            "lots": impact.identifiers,
            "lot_count": len(impact.lot_ids),
            "organizations": impact.organization_ids,
            "locations": impact.locations,
            "external_parties": impact.external_parties,
        }
    )


@router.get("/export/fsma204", summary="FDA FSMA 204 sortable spreadsheet (XLSX or CSV)")
def trace_export_fsma(
    request: HttpRequest,
    gtin: str = "",
    lot: Query[list[str] | None] = None,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
    format: Literal["xlsx", "csv"] = "xlsx",
) -> HttpResponse:
    rows = exports.fsma_rows(principal=principal_of(request), gtin=gtin, lots=lot or [], since=since, until=until)
    if format == "csv":
        response = HttpResponse(exports.fsma_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="fsma204.csv"'
        return response
    response = HttpResponse(exports.fsma_xlsx(rows), content_type=exports.XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="fsma204.xlsx"'
    return response


@router.get("/export/eudr", summary="EUDR plot geolocation (GeoJSON, WGS84) of the lots a shipment event moved")
def trace_export_eudr(request: HttpRequest, event: str) -> HttpResponse:
    collection = exports.eudr_geojson(principal=principal_of(request), event_id=event)
    return HttpResponse(orjson.dumps(collection), content_type="application/geo+json")


@router.get("/export/epcis", summary="The events of a lot's lineage as an EPCIS 2.0 document")
def trace_export_epcis(
    request: HttpRequest, lot: str, direction: Literal["backward", "forward"] = "backward"
) -> HttpResponse:
    body = exports.lineage_epcis(principal=principal_of(request), identifier=lot, direction=direction)
    return HttpResponse(body, content_type="application/ld+json")
