"""Unpublished or rejected data never appears on any public page, export, sitemap or API answer.

Every route of txng.public.urls, the home page and every GET operation of the public API is visited,
with every published object and every hidden one as its argument; a route nobody taught this test to fill
makes it fail, so a new route cannot escape the check.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from txng.oversight.selectors import recalls_public
from txng.public import opendata
from txng.public import urls as public_urls
from txng.public.api import router
from txng.public.selectors import published_organizations, published_products
from txng.public.tests.conftest import Hidden

pytestmark = pytest.mark.django_db

_QUERIES = ["", "banh trang", "thuan hung", "nuoc mam ca linh", "hong ngu", "08936009990016", "Thuận Hưng"]


def _arguments(name: str, hidden: Hidden) -> Iterator[dict[str, Any]]:
    if name == "product":
        gtins = [*published_products().values_list("gtin", flat=True), *(p.gtin for p in hidden.products)]
        yield from ({"gtin": gtin} for gtin in gtins)
    elif name == "producer":
        ids = [*published_organizations().values_list("pk", flat=True), hidden.organization.pk]
        yield from ({"organization_id": pk} for pk in ids)
    elif name == "recall":
        codes = [*recalls_public().values_list("code", flat=True), *(recall.code for recall in hidden.recalls)]
        yield from ({"code": code} for code in codes)
    elif name == "download":
        for dataset in opendata.DATASETS:
            yield from ({"dataset": dataset, "extension": extension} for extension in ("csv", "json"))
    elif name == "sitemap-section":
        yield from ({"section": section, "number": 1} for section in ("pages", "products", "producers"))
    else:
        raise AssertionError(f"teach test_no_leaks how to fill the route {name!r}")


def _page_urls(hidden: Hidden) -> Iterator[str]:
    yield reverse("home")
    for pattern in public_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        name = pattern.name or ""
        if name == "language":
            continue  # POST only: a redirect, no data
        if not pattern.pattern.converters:
            path = reverse(f"public:{name}")
            if name in ("search", "catalog"):
                yield from (f"{path}?q={query}" for query in _QUERIES)
                yield f"{path}?ward={hidden.organization.administrative_unit_id}"
                yield f"{path}?stars=4&ocop=1"
            yield path
            continue
        for kwargs in _arguments(name, hidden):
            yield reverse(f"public:{name}", kwargs=kwargs)


def _api_urls(hidden: Hidden) -> Iterator[str]:
    for path, view in router.path_operations.items():
        if not any("GET" in operation.methods for operation in view.operations):
            continue
        parameters = re.findall(r"{(\w+)}", path)
        if not parameters:
            query = "?q=thuan+hung" if path == "/search" else "?limit=500"
            yield f"/api/public{path}{query}"
            if path == "/search":
                yield from (f"/api/public/search?q={query}" for query in _QUERIES if query)
            continue
        assert parameters in (["gtin"], ["organization_id"]), f"teach test_no_leaks to fill {path}"
        values = (
            [*published_products().values_list("gtin", flat=True), *(p.gtin for p in hidden.products)]
            if parameters == ["gtin"]
            else [*published_organizations().values_list("pk", flat=True), hidden.organization.pk]
        )
        yield from (f"/api/public{path.replace('{' + parameters[0] + '}', str(value))}" for value in values)


def _body(response: Any) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return str(content.decode())


def test_hidden_data_never_appears_on_any_public_route(client: Client, hidden: Hidden) -> None:
    # given
    urls = [*_page_urls(hidden), *_api_urls(hidden)]
    hidden_paths = {reverse("public:product", args=[p.gtin]) for p in hidden.products} | {
        reverse("public:producer", args=[hidden.organization.pk]),
        *(f"/api/public/products/{p.gtin}" for p in hidden.products),
        f"/api/public/producers/{hidden.organization.pk}",
        *(reverse("public:recall", args=[recall.code]) for recall in hidden.recalls),
    }
    seen_ok = 0
    for url in urls:
        # when
        response = client.get(url)
        body = _body(response)
        # The page's own address (language switch) and what the visitor typed are echoed: not a leak.
        for echoed in (urlsplit(url).path, parse_qs(urlsplit(url).query).get("q", [""])[0]):
            body = body.replace(echoed, "") if echoed else body
        # then
        leaked = [marker for marker in hidden.markers if marker in body]
        assert not leaked, f"{url} shows {leaked}"
        if url in hidden_paths:
            assert response.status_code == 404, url
        else:
            assert response.status_code in (200, 302), url
            seen_ok += 1
    assert seen_ok > 80  # every published product and producer page was visited too


def test_the_leak_check_would_see_a_hidden_name(client: Client, hidden: Hidden) -> None:
    # given: the same product, published after all
    product = hidden.products[0]
    type(product).objects.filter(pk=product.pk).update(is_published=True)
    # when
    body = _body(client.get(reverse("public:product", args=[product.gtin])))
    # then
    assert product.name in body
