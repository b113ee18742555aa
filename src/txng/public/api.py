"""The read-only public API (open data): published products, producers and search; no token needed.

Lists use keyset pagination: each page gives `next`, the value to pass as `after` for the following one.
Whoever calls, only published data is returned (a token does not widen it: use the registry API for that).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field as SchemaField
from ninja import Query, Router, Schema

from txng.core.errors import NotFound
from txng.public import selectors
from txng.public.opendata import LICENCE
from txng.public.search import search_published

router = Router(tags=["public"])
MAX_PAGE = 500


def _cacheable(response: HttpResponse, max_age: int = 300) -> None:
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Link"] = f'<{LICENCE["url"]}>; rel="license"'


class CertificateOut(Schema):
    kind: str
    number: str
    expires_on: str | None


class ProductOut(Schema):
    gtin: str
    name: str
    name_en: str
    brand: str
    net_content: str
    shelf_life_days: int | None
    applied_standards: str
    group_code: str
    group_name: str
    is_priority_group: bool
    producer_id: int
    producer_name: str
    producer_tax_code: str
    ward_code: str
    ward_name: str
    ocop_stars: int | None
    ocop_valid_until: str | None
    certifications: list[CertificateOut]
    digital_link: str
    updated_at: str


class ProducerOut(Schema):
    id: int
    name: str
    name_en: str
    kind: str
    tax_code: str
    address: str
    ward_code: str
    ward_name: str
    phone: str
    website: str
    gln: str
    published_products: int
    updated_at: str


class ProductPage(Schema):
    items: list[ProductOut]
    next: str | None = SchemaField(None, description="pass as `after` for the next page; null on the last")


class ProducerPage(Schema):
    items: list[ProducerOut]
    next: int | None = SchemaField(None, description="pass as `after` for the next page; null on the last")


class ProductPageQuery(Schema):
    after: str = SchemaField("", max_length=14, pattern=r"^\d{0,14}$")
    limit: int = SchemaField(100, ge=1, le=MAX_PAGE)


class ProducerPageQuery(Schema):
    after: int = SchemaField(0, ge=0)
    limit: int = SchemaField(100, ge=1, le=MAX_PAGE)


class SearchQuery(Schema):
    q: str = SchemaField(..., min_length=1, max_length=200)
    limit: int = SchemaField(20, ge=1, le=100)
    offset: int = SchemaField(0, ge=0, le=1000)


class SearchHitOut(Schema):
    kind: str
    title: str
    subtitle: str
    url: str
    score: float
    gtin: str
    organization_id: int | None


class SearchOut(Schema):
    query: str
    total: int
    offset: int
    limit: int
    is_fuzzy: bool
    items: list[SearchHitOut]


@router.get("/products", response=ProductPage, summary="Published products, by GTIN")
def products_list(request: HttpRequest, response: HttpResponse, query: Query[ProductPageQuery]) -> dict[str, Any]:
    items = list(selectors.product_records(after_gtin=query.after, limit=query.limit + 1))
    _cacheable(response)
    more = len(items) > query.limit
    items = items[: query.limit]
    return {"items": items, "next": items[-1]["gtin"] if more else None}


@router.get("/products/{gtin}", response=ProductOut, summary="One published product")
def products_get(request: HttpRequest, response: HttpResponse, gtin: str) -> dict[str, Any]:
    if not gtin.isdigit() or len(gtin) > 14:
        raise NotFound("No such published product.")
    found = list(selectors.product_records(after_gtin=str(int(gtin.zfill(14)) - 1).zfill(14), limit=1))
    if not found or found[0]["gtin"] != gtin.zfill(14):
        raise NotFound("No such published product.")
    _cacheable(response)
    return found[0]


@router.get("/producers", response=ProducerPage, summary="Published producers, by number")
def producers_list(request: HttpRequest, response: HttpResponse, query: Query[ProducerPageQuery]) -> dict[str, Any]:
    items = list(selectors.producer_records(after_id=query.after, limit=query.limit + 1))
    _cacheable(response)
    more = len(items) > query.limit
    items = items[: query.limit]
    return {"items": items, "next": items[-1]["id"] if more else None}


@router.get("/producers/{organization_id}", response=ProducerOut, summary="One published producer")
def producers_get(request: HttpRequest, response: HttpResponse, organization_id: int) -> dict[str, Any]:
    found = list(selectors.producer_records(after_id=organization_id - 1, limit=1))
    if not found or found[0]["id"] != organization_id:
        raise NotFound("No such published producer.")
    _cacheable(response)
    return found[0]


@router.get("/search", response=SearchOut, summary="Search published products and producers")
def search(request: HttpRequest, response: HttpResponse, query: Query[SearchQuery]) -> dict[str, Any]:
    page = search_published(query.q, limit=query.limit, offset=query.offset)
    _cacheable(response, 60)
    return {
        "query": page.query,
        "total": page.total,
        "offset": page.offset,
        "limit": page.limit,
        "is_fuzzy": page.is_fuzzy,
        "items": [hit.__dict__ for hit in page.hits],
    }


class RecallLotOut(Schema):
    gtin: str
    lot: str
    product: str


class RecallOut(Schema):
    id: int
    code: str
    title: str
    reason: str
    hazard: str
    hazard_class: str
    legal_basis: str
    status: str
    agency: str
    opened_at: str
    closed_at: str | None
    lots: list[RecallLotOut]
    other_lots: int


class RecallPage(Schema):
    items: list[RecallOut]
    next: int | None = SchemaField(None, description="pass as `before` for the next (older) page; null on the last")


class RecallPageQuery(Schema):
    before: int | None = SchemaField(None, ge=1)
    limit: int = SchemaField(50, ge=1, le=MAX_PAGE)


@router.get("/recalls", response=RecallPage, summary="Current and past recalls, newest first")
def recalls_list(request: HttpRequest, response: HttpResponse, query: Query[RecallPageQuery]) -> dict[str, Any]:
    from txng.public.recalls import recall_records

    items = recall_records(before_id=query.before, limit=query.limit + 1)
    _cacheable(response, 60)
    more = len(items) > query.limit
    items = items[: query.limit]
    return {"items": items, "next": items[-1]["id"] if more else None}
