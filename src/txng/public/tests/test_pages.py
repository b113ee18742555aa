"""Public pages: product, producer, catalog, map, open data, sitemaps, caching."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from txng.accounts.models import User
from txng.core.demo import demo_tax_code
from txng.public.selectors import published_organizations, published_products
from txng.registry.models import Facility, OcopRating, Organization, Product

pytestmark = pytest.mark.django_db


def _json_ld(page: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert match is not None
    data: dict[str, Any] = json.loads(match[1])
    return data


def test_product_page_shows_the_consumer_facts_without_a_verdict(client: Client, demo: Any, settings: Any) -> None:
    # given
    settings.DIGITAL_LINK_BASE = "https://txng.cantho.gov.vn"
    product = Product.objects.get(name="Gạo ST25")
    # when
    response = client.get(reverse("public:product", args=[product.gtin]))
    page = response.content.decode()
    # then
    assert response.status_code == 200
    assert "Gạo ST25" in page
    assert "Doanh nghiệp tư nhân Hồ Quang Trí" in page
    assert f"(01){product.gtin}" in page
    assert f'href="https://txng.cantho.gov.vn/01/{product.gtin}"' in page
    assert "OCOP 5" in page
    assert 'id="verdict"' not in page
    assert 'name="pin"' not in page


def test_product_page_has_schema_org_product_data(client: Client, demo: Any) -> None:
    # given
    product = Product.objects.get(name="Gạo ST25")
    # when
    data = _json_ld(client.get(reverse("public:product", args=[product.gtin])).content.decode())
    # then
    assert data["@type"] == "Product"
    assert data["gtin14"] == product.gtin
    assert data["name"] == "Gạo ST25"
    assert data["manufacturer"]["taxID"] == demo_tax_code("hoquangtri")


def test_product_page_query_count_is_bounded(client: Client, demo: Any) -> None:
    # given
    product = Product.objects.get(name="Gạo ST25")
    # when
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("public:product", args=[product.gtin]))
    # then
    assert len(queries) <= 6


def test_unknown_product_is_a_404_page(client: Client, demo: Any) -> None:
    assert client.get(reverse("public:product", args=["08930000000000"])).status_code == 404
    assert client.get(reverse("public:product", args=["abc"])).status_code == 404


def test_producer_page_shows_profile_facilities_certificates_and_ocop(client: Client, demo: Any) -> None:
    # given
    organization = Organization.objects.get(tax_code=demo_tax_code("hoquangtri"))
    facilities = Facility.objects.filter(organization=organization)
    # when
    response = client.get(reverse("public:producer", args=[organization.pk]))
    page = response.content.decode()
    # then
    assert response.status_code == 200
    assert organization.tax_code in page
    for facility in facilities:
        assert facility.name in page
    assert page.count("<circle") == facilities.filter(latitude__isnull=False).count()
    assert 'id="ocop"' in page
    assert "Gạo thơm ST24" in page
    data = _json_ld(page)
    assert data["@type"] == "Organization"
    assert data["taxID"] == organization.tax_code


def test_catalog_filters_by_stars(client: Client, demo: Any) -> None:
    # given
    five_stars = set(
        published_products().filter(ocop_ratings__stars=5, ocop_ratings__expires_on__gte=timezone.localdate())
        .values_list("gtin", flat=True)
    )  # fmt: skip
    # when
    page = client.get(reverse("public:catalog") + "?stars=5").content.decode()
    # then
    shown = set(re.findall(r"/san-pham/(\d{14})/", page))
    assert shown == five_stars
    assert shown


def test_catalog_filters_by_group_and_ward(client: Client, demo: Any) -> None:
    # given
    organization = Organization.objects.get(tax_code=demo_tax_code("hoquangtri"))
    expected = set(
        published_products()
        .filter(product_group__code="lua-gao", organization__administrative_unit=organization.administrative_unit)
        .values_list("gtin", flat=True)
    )
    # when
    url = reverse("public:catalog") + f"?group=lua-gao&ward={organization.administrative_unit_id}"
    page = client.get(url).content.decode()
    # then
    assert set(re.findall(r"/san-pham/(\d{14})/", page)) == expected
    assert expected


def test_map_without_tiles_is_a_plain_plot_with_a_list(client: Client, demo: Any, settings: Any) -> None:
    # given
    settings.TXNG_MAP_TILE_URL = ""
    mapped = Facility.objects.filter(organization__is_published=True, is_active=True, latitude__isnull=False)
    # when
    page = client.get(reverse("public:map")).content.decode()
    # then
    assert page.count("<circle") == mapped.count()
    assert "<image" not in page
    # SVG numbers are never localised (Vietnamese writes 9,49 for 9.49)
    assert re.findall(r'<circle cx="([^"]+)" cy="([^"]+)"', page)
    assert all(
        re.fullmatch(r"-?\d+(\.\d+)?", value)
        for pair in re.findall(r'<circle cx="([^"]+)" cy="([^"]+)"', page)
        for value in pair
    )
    assert all(facility.name in page for facility in mapped)


def test_map_uses_the_operators_tiles(client: Client, demo: Any, settings: Any) -> None:
    # given
    settings.TXNG_MAP_TILE_URL = "https://tiles.cantho.example/{z}/{x}/{y}.png"
    # when
    page = client.get(reverse("public:map")).content.decode()
    # then
    tiles = re.findall(r'<image href="https://tiles\.cantho\.example/(\d+)/(\d+)/(\d+)\.png"', page)
    assert tiles
    assert len({zoom for zoom, _x, _y in tiles}) == 1


def test_catalog_csv_holds_every_published_product(client: Client, demo: Any) -> None:
    # when
    response = client.get(reverse("public:download", args=["san-pham", "csv"]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(text)))
    # then
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert {row["gtin"] for row in rows} == set(published_products().values_list("gtin", flat=True))
    assert "creativecommons.org/licenses/by/4.0" in response["Link"]


def test_producers_json_holds_every_published_producer(client: Client, demo: Any) -> None:
    # when
    response = client.get(reverse("public:download", args=["nha-san-xuat", "json"]))
    data = json.loads(b"".join(response.streaming_content))  # type: ignore[attr-defined]
    # then
    assert data["licence"]["url"] == "https://creativecommons.org/licenses/by/4.0/"
    assert {item["id"] for item in data["items"]} == set(published_organizations().values_list("pk", flat=True))


def test_api_keyset_pages_cover_the_catalog_once(client: Client, demo: Any) -> None:
    # given
    seen: list[str] = []
    after = ""
    # when
    while True:
        body = client.get(f"/api/public/products?limit=7&after={after}").json()
        seen += [item["gtin"] for item in body["items"]]
        if body["next"] is None:
            break
        after = body["next"]
    # then
    assert seen == sorted(published_products().values_list("gtin", flat=True))


def test_api_search_answers_json(client: Client, demo: Any) -> None:
    # when
    body = client.get("/api/public/search?q=buoi+nam+roj").json()
    # then
    assert body["items"][0]["title"].startswith("Bưởi Năm Roi")


def test_sitemap_index_lists_sections_with_every_product(client: Client, demo: Any) -> None:
    # when
    index = client.get(reverse("public:sitemap")).content.decode()
    products = client.get(reverse("public:sitemap-section", args=["products", 1])).content.decode()
    # then
    assert "/sitemap-products-1.xml" in index
    assert products.count("<url>") == published_products().count()


def test_public_pages_are_cacheable_and_answer_304(client: Client, demo: Any) -> None:
    # given
    url = reverse("public:product", args=[Product.objects.get(name="Gạo ST25").gtin])
    first = client.get(url)
    # when
    again = client.get(url, headers={"if-none-match": first["ETag"]})
    # then
    assert "public" in first["Cache-Control"]
    assert "max-age=300" in first["Cache-Control"]
    assert "Cookie" in first["Vary"]
    assert "csrftoken" not in first.cookies
    assert again.status_code == 304


def test_public_pages_answer_head_requests(client: Client, demo: Any) -> None:
    # Link checkers and crawlers ask with HEAD first: the same status and headers as GET, no body.
    gtin = Product.objects.get(name="Gạo ST25").gtin
    for url in ("/", reverse("public:product", args=[gtin]), reverse("public:catalog"), f"/01/{gtin}", "/healthz"):
        got, head = client.get(url), client.head(url)
        assert head.status_code == got.status_code, url
        assert head.get("ETag") == got.get("ETag"), url
        assert head.content == b"", url


def test_pages_for_signed_in_users_are_private(client: Client, demo: Any) -> None:
    # given
    user = User.objects.create_user(username="officer", password="a-long-password-1")
    client.force_login(user)
    # when
    response = client.get(reverse("public:catalog"))
    # then
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
    assert not response.has_header("ETag")


def test_home_page_has_search_and_newest_products(client: Client, demo: Any) -> None:
    # when
    page = client.get("/").content.decode()
    # then
    assert 'action="/tim-kiem/"' in page
    assert "Gạo ST25" in page or "Bánh pía" in page


def test_language_switch_works_without_a_csrf_token(client: Client) -> None:
    # given
    csrf_client = Client(enforce_csrf_checks=True)
    # when
    response = csrf_client.post(reverse("public:language"), {"language": "en", "next": "/danh-muc/"})
    # then
    assert response.status_code == 302
    assert response["Location"] == "/danh-muc/"
    assert '<html lang="en">' in csrf_client.get("/danh-muc/").content.decode()


def test_search_page_redirects_a_pasted_code_to_its_product(client: Client, demo: Any) -> None:
    # given
    product = Product.objects.get(name="Gạo ST25")
    # when
    response = client.get(reverse("public:search"), {"q": f"(01){product.gtin}(10)L2026"})
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("public:product", args=[product.gtin])


def test_expired_ocop_rating_is_not_counted_in_the_catalog(client: Client, demo: Any) -> None:
    # given: every rating of Gạo ST25 expired
    product = Product.objects.get(name="Gạo ST25")
    OcopRating.objects.filter(product=product).update(expires_on="2020-01-01")
    # when
    page = client.get(reverse("public:catalog") + "?ocop=1").content.decode()
    # then
    assert f"/san-pham/{product.gtin}/" not in page


def test_a_product_page_asked_again_is_served_from_the_process_cache(client: Client, demo: Any) -> None:
    # given
    url = reverse("public:product", args=[Product.objects.get(name="Gạo ST25").gtin])
    first = client.get(url)
    # when
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url)
    # then
    assert again.content == first.content
    assert len(queries) == 0


def test_signed_in_users_never_get_the_shared_product_page(client: Client, demo: Any) -> None:
    # given
    url = reverse("public:product", args=[Product.objects.get(name="Gạo ST25").gtin])
    client.get(url)
    client.force_login(User.objects.create_user(username="officer", password="a-long-password-1"))
    # when
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    # then
    assert any('FROM "registry_product"' in query["sql"] for query in queries.captured_queries)
    assert "private" in response["Cache-Control"]
