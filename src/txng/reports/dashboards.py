"""The figures of the agency dashboards: each has a title, columns, rows, an SVG chart and a CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from txng.accounts.principal import Principal
from txng.reports import selectors
from txng.reports.charts import bar_chart, column_chart


@dataclass
class Figure:
    key: str
    title: str
    columns: list[str]
    rows: list[tuple[Any, ...]]
    kind: str  # "bar" (horizontal, by category) or "column" (over time)

    def chart(self) -> SafeString:
        data = [(str(row[0]), [float(value) for value in row[1:]]) for row in self.rows]
        draw = bar_chart if self.kind == "bar" else column_chart
        return draw(data, series=self.columns[1:], title=self.title)

    def csv(self) -> str:
        stream = io.StringIO()
        writer = csv.writer(stream)
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return stream.getvalue()


def _sector(principal: Principal, year: int) -> Figure:
    rows = selectors.participation_by_sector(principal, before=selectors.period_end(year))
    return Figure("sector", _("Businesses by sector"), [_("Sector"), _("Businesses"), _("Tracing")], list(rows), "bar")


def _ward(principal: Principal, year: int) -> Figure:
    rows = selectors.participation_by_ward(principal, before=selectors.period_end(year))[:30]
    return Figure("ward", _("Businesses by ward"), [_("Ward/commune"), _("Businesses"), _("Tracing")], rows, "bar")


def _over_time(principal: Principal, year: int) -> Figure:
    rows = selectors.participation_over_time(principal, year=year)
    return Figure("growth", _("Registered businesses over the year"), [_("Month"), _("Businesses")], rows, "column")


def _groups(principal: Principal, year: int) -> Figure:
    rows = selectors.products_by_group(principal, before=selectors.period_end(year))
    return Figure("groups", _("Products by group"), [_("Product group"), _("Products")], rows, "bar")


def _stamps(principal: Principal, year: int) -> Figure:
    rows = selectors.stamps_per_month(principal, year=year)
    return Figure("stamps", _("Stamps issued and scanned"), [_("Month"), _("Issued"), _("Scanned")], rows, "column")


def _scans(principal: Principal, year: int) -> Figure:
    rows = selectors.scans_per_day(principal)
    return Figure("scans", _("Scans per day (last 30 days)"), [_("Day"), _("Scans")], rows, "column")


def _inspections(principal: Principal, year: int) -> Figure:
    rows = selectors.inspections_per_month(principal, year=year)
    return Figure(
        "inspections", _("Inspections and violations"), [_("Month"), _("Inspections"), _("Violations")], rows, "column"
    )


def _targets(principal: Principal, year: int) -> Figure:
    progress = selectors.targets(principal, before=selectors.period_end(year))
    rows: list[tuple[Any, ...]] = [
        (_("Products traced"), progress.products_traced, selectors.PRODUCTS_TARGET),
        (_("Target-group businesses tracing (%)"), round(progress.share, 1), selectors.SHARE_TARGET_2025),
        (_("Target-group businesses tracing, 2030 (%)"), round(progress.share, 1), selectors.SHARE_TARGET_2030),
    ]
    return Figure("targets", _("Progress to the plan's targets"), [_("Target"), _("Reached"), _("Goal")], rows, "bar")


FIGURES: dict[str, Callable[[Principal, int], Figure]] = {
    "targets": _targets,
    "sector": _sector,
    "ward": _ward,
    "growth": _over_time,
    "groups": _groups,
    "stamps": _stamps,
    "scans": _scans,
    "inspections": _inspections,
}


def figures(principal: Principal, *, year: int) -> list[Figure]:
    return [build(principal, year) for build in FIGURES.values()]
