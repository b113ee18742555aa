"""Public recall pages and data, over txng.oversight (its `recalls_public()` decides which recalls are public).

A recall is the agency's public word, but the lots it reaches may belong to products or holders that are
not published: those are counted, never named (no unpublished name, GTIN or holder leaves the site).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from txng.accounts.principal import PUBLIC
from txng.oversight.models import Recall
from txng.oversight.selectors import affected_lots, recalls_public
from txng.public import opendata
from txng.public.caching import public_cache
from txng.public.opendata import Dataset, Field
from txng.public.selectors import published_organizations, published_products


@dataclass
class PublicLot:
    gtin: str
    lot: str
    product_name: str
    holder_id: int | None
    holder_name: str


@dataclass
class RecallLots:
    lots: list[PublicLot] = field(default_factory=list)
    unnamed: int = 0  # lots of products or holders that are not published


def recall_list() -> Any:
    """Public recalls (opened or closed), newest first."""
    return recalls_public().select_related("agency")


def recall_lots(recall: Recall) -> RecallLots:
    """The recall's affected lots the public may see named: those of published products."""
    rows = list(affected_lots(principal=PUBLIC, recall=recall))
    gtins = {row.gtin for row in rows if row.gtin}
    products = dict(published_products().filter(gtin__in=gtins).values_list("gtin", "name"))
    holders = dict(
        published_organizations().filter(pk__in={row.organization_id for row in rows}).values_list("pk", "name")
    )
    result = RecallLots()
    seen: set[tuple[str, str, int | None]] = set()
    for row in rows:
        if row.gtin not in products:
            result.unnamed += 1
            continue
        holder = row.organization_id if row.organization_id in holders else None
        key = (row.gtin, row.lot, holder)
        if key in seen:
            continue
        seen.add(key)
        result.lots.append(PublicLot(row.gtin, row.lot, products[row.gtin], holder, holders.get(holder or -1, "")))
    return result


def _record(recall: Recall) -> dict[str, Any]:
    lots = recall_lots(recall)
    return {
        "code": recall.code,
        "title": recall.title,
        "reason": recall.reason,
        "hazard": recall.hazard,
        "hazard_class": recall.hazard_class,
        "legal_basis": recall.legal_basis,
        "status": recall.status,
        "agency": recall.agency.name,
        "opened_at": recall.opened_at.isoformat(),
        "closed_at": recall.closed_at.isoformat() if recall.closed_at else None,
        "lots": [{"gtin": lot.gtin, "lot": lot.lot, "product": lot.product_name} for lot in lots.lots],
        "other_lots": lots.unnamed,
    }


def recall_records(*, before_id: int | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """Open-data rows of the public recalls, newest first (keyset: pass the last id as `before_id`)."""
    queryset = recall_list().order_by("-pk")
    if before_id is not None:
        queryset = queryset.filter(pk__lt=before_id)
    recalls = list(queryset[:limit] if limit is not None else queryset)
    return [{"id": recall.pk, **_record(recall)} for recall in recalls]


RECALL_FIELDS = (
    Field("id", "integer", _("Recall number on this site")),
    Field("code", "string", _("Recall code")),
    Field("title", "string", _("Title")),
    Field("reason", "string", _("Reason")),
    Field("hazard", "string", _("Hazard")),
    Field("hazard_class", "string", _("Hazard class")),
    Field("legal_basis", "string", _("Legal basis")),
    Field("status", "string", _("Status: opened or closed")),
    Field("agency", "string", _("Agency that ordered the recall")),
    Field("opened_at", "datetime", _("Opened at")),
    Field("closed_at", "datetime|null", _("Closed at")),
    Field("lots", "list", _("Affected lots of published products: GTIN, lot, product")),
    Field("other_lots", "integer", _("Affected lots of products not in the public catalog")),
)

opendata.register(
    Dataset(
        "thu-hoi",
        _("Recalls"),
        _("Current and past recalls ordered by the authorities, with the affected lots."),
        RECALL_FIELDS,
        lambda: recall_records(),
        lambda: None,
    )
)
opendata.EXTRA_PAGES.append("public:recalls")


@require_safe
@public_cache(max_age=60)
def recalls_page(request: HttpRequest) -> HttpResponse:
    """Current and past recalls."""
    number = request.GET.get("page", "1")
    page = Paginator(recall_list(), 20).get_page(number if number.isdigit() else 1)
    return render(request, "public/recalls.html", {"page": page})


@require_safe
@public_cache(max_age=60)
def recall_page(request: HttpRequest, code: str) -> HttpResponse:
    """One public recall with its affected lots."""
    recall = recall_list().filter(code=code).first()
    if recall is None:
        return render(request, "public/not_found.html", {}, status=404)
    return render(request, "public/recall.html", {"recall": recall, "lots": recall_lots(recall)})
