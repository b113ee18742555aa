"""Pages of the public portal (no login). Thin: parse, one selector, render; every GET is cacheable."""

from __future__ import annotations

import json
from typing import Any, Final

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe
from django.views.i18n import set_language

from txng.codes.cache import TTLCache
from txng.core.errors import NotFound
from txng.public import opendata, selectors
from txng.public.caching import public_cache
from txng.public.mapping import map_view
from txng.public.search import search_published

PAGE_SIZE: Final = 20
CATALOG_PAGE_SIZE: Final = 48


def _json_ld(data: dict[str, Any]) -> SafeString:
    # "</" must not close the script element; JSON allows the escaped form.
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    return mark_safe(text)  # noqa: S308 - escaped above, and built from our own data


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "public/not_found.html", {}, status=404)


def _page_number(request: HttpRequest) -> int:
    value = request.GET.get("page", "1")
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


# The language switch of public pages posts here: a language is a preference, not a change anyone could
# abuse, and pages without a CSRF token can be cached and shared.
language_switch = require_POST(csrf_exempt(set_language))


@require_safe
@public_cache()
def home(request: HttpRequest) -> HttpResponse:
    """Home page: search, figures, newest products, the ways into the catalog, map and open data."""
    return render(request, "public/home.html", selectors.home_figures())


@require_safe
@public_cache(max_age=60)
def search(request: HttpRequest) -> HttpResponse:
    """Search results (products and producers)."""
    query = request.GET.get("q", "")
    number = _page_number(request)
    page = search_published(query, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    if len(page.hits) == 1 and page.total == 1 and number == 1 and page.hits[0].score >= 2.0:
        # A pasted code names one thing: go there, as a scanner would.
        response = HttpResponse(status=302)
        response.headers["Location"] = page.hits[0].url
        return response
    return render(request, "public/search.html", {"page": page, "query": page.query, "number": number})


# Rendered product pages for visitors who are not signed in, per process for a few seconds: the same
# policy as the resolver's product cache (txng.resolver.selectors.PRODUCT_CACHE_SECONDS), for the same
# reason: popular products are asked for again and again, and a render costs several milliseconds.
# A withdrawal is seen by every process within PRODUCT_PAGE_SECONDS.
PRODUCT_PAGE_SECONDS: Final = 5.0
_product_pages: TTLCache[bytes | None] = TTLCache(ttl=PRODUCT_PAGE_SECONDS, size=4096)


def product_pages_forget() -> None:
    """Drop this process's rendered product pages (tests; after a change made here)."""
    _product_pages.clear()


@require_safe
@public_cache()
def product(request: HttpRequest, gtin: str) -> HttpResponse:
    """A published product: the consumer page's facts, without a stamp verdict; its Digital Link."""
    if request.user.is_authenticated:
        body = _product_body(request, gtin)
    else:
        key = (request.get_host(), request.get_full_path(), get_language())
        body = _product_pages.get(key, lambda: _product_body(request, gtin))
    if body is None:
        return _not_found(request)
    return HttpResponse(body)


def _product_body(request: HttpRequest, gtin: str) -> bytes | None:
    try:
        page = selectors.product_page(gtin=gtin)
    except NotFound:
        return None
    item = page.product
    organization = item.organization
    digital_link = f"{settings.DIGITAL_LINK_BASE}/01/{item.gtin}"
    ratings = page.facts.ocop_ratings
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": item.name,
        "gtin14": item.gtin,
        "url": request.build_absolute_uri(),
        "sameAs": digital_link,
        "manufacturer": {
            "@type": "Organization",
            "name": organization.name,
            "taxID": organization.tax_code,
            "url": request.build_absolute_uri(reverse("public:producer", args=[organization.pk])),
        },
    }
    if item.description:
        data["description"] = item.description
    if item.brand:
        data["brand"] = {"@type": "Brand", "name": item.brand}
    if item.image:
        data["image"] = request.build_absolute_uri(item.image.url)
    if item.product_group is not None:
        data["category"] = item.product_group.name
    if ratings:
        data["award"] = [f"OCOP {rating.stars}★ ({rating.issued_on.year})" for rating in ratings]
    context = {
        "product": item,
        "page": page.facts,
        "digital_link": digital_link,
        "linkset": f"{digital_link}?linkType=linkset",
        "json_ld": _json_ld(data),
    }
    return render(request, "public/product.html", context).content


@require_safe
@public_cache()
def producer(request: HttpRequest, organization_id: int) -> HttpResponse:
    """A published producer: profile, facilities on a map, certificates, OCOP and published products."""
    try:
        page = selectors.producer_page(organization_id=organization_id)
    except NotFound:
        return _not_found(request)
    organization = page.organization
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": organization.name,
        "taxID": organization.tax_code,
        "url": request.build_absolute_uri(),
        "address": {"@type": "PostalAddress", "streetAddress": organization.address, "addressCountry": "VN"},
    }
    if organization.gln:
        data["globalLocationNumber"] = organization.gln
    if organization.website:
        data["sameAs"] = organization.website
    if organization.phone:
        data["telephone"] = organization.phone
    places = selectors.map_places(organization_id=organization.pk)
    context = {
        "organization": organization,
        "page": page,
        "map": map_view(places, fit=True) if places else None,
        "json_ld": _json_ld(data),
    }
    return render(request, "public/producer.html", context)


@require_safe
@public_cache()
def catalog(request: HttpRequest) -> HttpResponse:
    """The city's catalog of published products: by group, ward, OCOP stars and certificate."""
    filters = selectors.CatalogFilter.from_query(request.GET)
    paginator = Paginator(selectors.catalog_products(filters), CATALOG_PAGE_SIZE)
    page = paginator.get_page(_page_number(request))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filters": filters, "page": page, "query": query.urlencode(), **selectors.catalog_choices()}
    return render(request, "public/catalog.html", context)


@require_safe
@public_cache()
def places_map(request: HttpRequest) -> HttpResponse:
    """Facilities and growing areas of published producers, on a map or a plain plot, and as a list."""
    places = selectors.map_places()
    return render(request, "public/map.html", {"places": places, "map": map_view(places)})


@require_safe
@public_cache(max_age=3600)
def open_data(request: HttpRequest) -> HttpResponse:
    """What can be downloaded, its schema and its licence."""
    return render(request, "public/open_data.html", {"datasets": opendata.DATASETS, "licence": opendata.LICENCE})


@require_safe
@public_cache(max_age=600)
def download(request: HttpRequest, dataset: str, extension: str) -> HttpResponseBase:
    """A whole data set as CSV or JSON (streamed)."""
    found = opendata.DATASETS.get(dataset)
    if found is None or extension not in ("csv", "json"):
        raise Http404("dataset")
    return opendata.download_response(found, extension)


@require_safe
@public_cache(max_age=3600)
def sitemap_index(request: HttpRequest) -> HttpResponse:
    """sitemap.xml: the index of the section sitemaps (sitemaps.org protocol 0.9)."""
    base = request.build_absolute_uri("/").rstrip("/")
    body = opendata.sitemap_index_xml(base)
    return HttpResponse(body, content_type="application/xml; charset=utf-8")


@require_safe
@public_cache(max_age=3600)
def sitemap_section(request: HttpRequest, section: str, number: int) -> HttpResponse:
    """One section sitemap (pages, products or producers; at most 10,000 addresses each)."""
    base = request.build_absolute_uri("/").rstrip("/")
    body = opendata.sitemap_xml(base, section, number)
    if body is None:
        raise Http404("sitemap")
    return HttpResponse(body, content_type="application/xml; charset=utf-8")


def robots(request: HttpRequest) -> HttpResponse:
    """robots.txt naming the sitemap."""
    sitemap = request.build_absolute_uri(reverse("public:sitemap"))
    body = f"User-agent: *\nDisallow: /admin/\nSitemap: {sitemap}\n"
    return HttpResponse(body, content_type="text/plain; charset=utf-8")
