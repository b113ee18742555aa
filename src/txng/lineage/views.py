"""The trace page: a server-drawn SVG of the lot graph, the timeline and the checks (no JavaScript)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from txng.accounts.principal import principal_for_request
from txng.core.errors import ServiceError
from txng.lineage.checks import lot_checks
from txng.lineage.selectors import Trace, lot_activities, trace_get
from txng.registry.models import Organization

_WIDTH: Final = 230
_HEIGHT: Final = 58
_GAP_X: Final = 70
_GAP_Y: Final = 22
_TIMELINE_MAX: Final = 300


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    title: str
    subtitle: str
    is_start: bool


@dataclass(frozen=True)
class Line:
    x1: int
    y1: int
    x2: int
    y2: int
    kind: str


def _drawing(trace: Trace) -> dict[str, Any]:
    """Columns by distance from the start (inputs on the left, outputs on the right)."""
    names = dict(
        Organization.objects.filter(pk__in={lot.organization_id for lot in trace.lots.values()}).values_list(
            "pk", "name"
        )
    )
    deepest = max(trace.depth.values(), default=0)
    columns: dict[int, list[int]] = {}
    for pk in sorted(trace.lots, key=lambda pk: (trace.depth[pk], trace.lots[pk].identifier)):
        column = deepest - trace.depth[pk] if trace.direction == "backward" else trace.depth[pk]
        columns.setdefault(column, []).append(pk)
    places: dict[int, tuple[int, int]] = {}
    boxes = []
    start = {lot.pk for lot in trace.start}
    for column, pks in columns.items():
        for row, pk in enumerate(pks):
            x, y = 10 + column * (_WIDTH + _GAP_X), 10 + row * (_HEIGHT + _GAP_Y)
            places[pk] = (x, y)
            lot = trace.lots[pk]
            boxes.append(
                Box(x, y, lot.lot or lot.identifier[-28:], names.get(lot.organization_id, "")[:34], pk in start)
            )
    lines = [
        Line(
            places[e.from_lot_id][0] + _WIDTH,
            places[e.from_lot_id][1] + _HEIGHT // 2,
            places[e.to_lot_id][0],
            places[e.to_lot_id][1] + _HEIGHT // 2,
            e.kind,
        )
        for e in trace.edges
        if e.from_lot_id in places and e.to_lot_id in places
    ]
    rows = max((len(pks) for pks in columns.values()), default=1)
    return {
        "boxes": boxes,
        "lines": lines,
        "width": 20 + len(columns) * (_WIDTH + _GAP_X),
        "height": 20 + rows * (_HEIGHT + _GAP_Y),
        "box_width": _WIDTH,
        "box_height": _HEIGHT,
    }


def trace_page(request: HttpRequest) -> HttpResponse:
    """GET ?lot=…&direction=backward|forward&depth=N"""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    principal = principal_for_request(request)
    identifier = request.GET.get("lot", "").strip()
    direction: Literal["backward", "forward"] = "forward" if request.GET.get("direction") == "forward" else "backward"
    depth_text = request.GET.get("depth", "")
    depth = int(depth_text) if depth_text.isdigit() else 25
    context: dict[str, Any] = {"lot": identifier, "direction": direction, "depth": depth}
    if identifier:
        try:
            trace = trace_get(principal=principal, identifier=identifier, direction=direction, depth=depth)
        except ServiceError as error:
            context["error"] = error.message
            return render(request, "lineage/trace.html", context, status=error.status)
        context["drawing"] = _drawing(trace)
        activities = lot_activities(sorted(trace.lots))
        context["timeline"] = activities[:_TIMELINE_MAX]
        context["is_timeline_cut"] = len(activities) > _TIMELINE_MAX
        context["findings"] = [finding for lot in trace.start for finding in lot_checks(lot)]
    return render(request, "lineage/trace.html", context)
