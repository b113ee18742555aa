"""Search of published products and producers: accents, typos, partial words, codes; on both databases."""

from __future__ import annotations

import io
from typing import Any

import pytest

from txng.accounts.principal import OPERATOR
from txng.core.demo import demo_tax_code
from txng.public.models import SearchEntry
from txng.public.search import search_index_rebuild, search_index_refresh, search_published
from txng.registry.models import Organization, Product

pytestmark = pytest.mark.django_db


def _titles(query: str, limit: int = 10) -> list[str]:
    return [hit.title for hit in search_published(query, limit=limit).hits]


@pytest.mark.parametrize(
    "query",
    ["Bưởi Năm Roi", "buoi nam roi", "BUOI NAM ROI", "buoi nam roj", "bưởi năm roj", "buoi nam r", "nam roi", "buoi"],
)
def test_search_finds_the_pomelo_however_it_is_typed(demo: Any, query: str) -> None:
    # when
    titles = _titles(query)
    # then
    assert titles[0].startswith("Bưởi Năm Roi")


def test_accent_free_query_ranks_the_exact_name_first(demo: Any) -> None:
    # when
    titles = _titles("gao st25")
    # then
    assert titles[:2] == ["Gạo ST25", "Gạo ST25 túi 5 kg"]


def test_misspelled_word_in_a_longer_name_is_found(demo: Any) -> None:
    # when ("thom" misspelled "thomm", "st24" as "st 24" would be two words)
    page = search_published("gao thomm st24", limit=5)
    # then
    assert page.hits[0].title == "Gạo thơm ST24"
    assert page.is_fuzzy


def test_search_by_producer_name_finds_the_producer_and_its_products(demo: Any) -> None:
    # when
    page = search_published("ho quang tri", limit=10)
    # then
    kinds = {hit.kind for hit in page.hits}
    assert kinds == {"organization", "product"}
    assert page.hits[0].title == "Doanh nghiệp tư nhân Hồ Quang Trí"


def test_search_by_gtin_by_digital_link_and_by_element_string(demo: Any) -> None:
    # given
    product = Product.objects.get(name="Gạo ST25")
    queries = [
        product.gtin,
        product.gtin.lstrip("0"),
        f"https://txng.cantho.gov.vn/01/{product.gtin}/10/L2026/21/ABC123",
        f"(01){product.gtin}(10)L2026",
        f"01{product.gtin}10L2026",
    ]
    for query in queries:
        # when
        hits = search_published(query).hits
        # then
        assert hits[0].gtin == product.gtin, query
        assert hits[0].score == 2.0


def test_search_by_tax_code_finds_the_producer(demo: Any) -> None:
    # given
    tax_code = demo_tax_code("hoquangtri")
    # when
    hits = search_published(tax_code).hits
    # then
    assert hits[0].kind == "organization"
    assert hits[0].title == "Doanh nghiệp tư nhân Hồ Quang Trí"


def test_unpublished_products_are_never_found(demo: Any) -> None:
    # when (the Thuận Hưng rice-paper group is left unpublished in the demo data)
    titles = _titles("banh trang thuan hung", limit=50)
    # then
    assert not any("Thuận Hưng" in title for title in titles)


def test_a_stale_index_entry_of_a_withdrawn_product_is_not_shown(demo: Any) -> None:
    # given: withdrawn behind the index's back
    Product.objects.filter(name="Gạo ST25").update(is_published=False)
    # when
    titles = _titles("gao st25")
    # then
    assert "Gạo ST25" not in titles


def test_refresh_drops_entries_of_an_unpublished_organization(demo: Any) -> None:
    # given
    organization = Organization.objects.get(tax_code=demo_tax_code("hoquangtri"))
    Organization.objects.filter(pk=organization.pk).update(is_published=False)
    # when
    search_index_refresh(organization_ids=[organization.pk])
    # then
    assert not SearchEntry.objects.filter(organization=organization).exists()
    assert search_published("ho quang tri").total == 0 or all(
        hit.organization_id != organization.pk for hit in search_published("ho quang tri").hits
    )


def test_product_create_with_publish_indexes_the_product(demo: Any) -> None:
    # given
    from txng.registry.services import product_create

    organization = Organization.objects.get(tax_code=demo_tax_code("hoquangtri"))
    # when
    product_create(
        actor=OPERATOR, organization=organization, gtin="08931234567897", name="Khô cá lóc Cờ Đỏ", publish=True
    )
    # then
    assert _titles("kho ca loc co do")[0] == "Khô cá lóc Cờ Đỏ"


def test_rebuild_gives_the_same_entries(demo: Any) -> None:
    # given
    before = set(SearchEntry.objects.values_list("kind", "title"))
    # when
    count = search_index_rebuild()
    # then
    assert set(SearchEntry.objects.values_list("kind", "title")) == before
    assert count == len(before)


def test_pages_do_not_overlap(demo: Any) -> None:
    # when
    first = search_published("gao", limit=3, offset=0)
    second = search_published("gao", limit=3, offset=3)
    # then
    assert first.has_next
    assert not {hit.url for hit in first.hits} & {hit.url for hit in second.hits}


def test_empty_and_nonsense_queries_find_nothing(demo: Any) -> None:
    assert search_published("   ").hits == []
    assert search_published("zzqxw").hits == []


def test_a_query_with_a_word_no_entry_has_still_finds_the_best_matches(demo: Any) -> None:
    # when: "ngot" (sweet) is in no entry of the co-op's products
    page = search_published("buoi nam roi phu thanh ngot", limit=5)
    # then
    assert page.hits[0].title == "Bưởi Năm Roi Phú Thành"
    assert page.is_fuzzy


def test_search_rebuild_command_restores_a_lost_index(demo: Any) -> None:
    # given
    from django.core.management import call_command

    SearchEntry.objects.all().delete()
    out = io.StringIO()
    # when
    call_command("search", "rebuild", stdout=out)
    # then
    assert _titles("buoi nam roj")[0].startswith("Bưởi Năm Roi")
    assert out.getvalue().startswith("Search index rebuilt:")
