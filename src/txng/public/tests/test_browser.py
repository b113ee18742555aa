"""A visitor's journey on a phone in headless Chromium: search, product, producer, recall, catalog CSV.

Screenshots go to test-artifacts/; no request may leave 127.0.0.1 and no page may weigh over 300 KB.
"""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlsplit

import pytest

from txng.public.tests.conftest import Hidden
from txng.testing import ARTIFACTS, CHROMIUM, LAUNCH_ARGS

PAGE_WEIGHT = (
    "performance.getEntriesByType('resource').reduce((s, e) => s + e.transferSize, 0)"
    " + performance.getEntriesByType('navigation')[0].transferSize"
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium"),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_async_unsafe_allowed")
def test_visitor_journey_on_a_phone(live_server: Any, hidden: Hidden) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    hosts: list[str] = []
    weights: dict[str, int] = {}
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 360, "height": 780}, device_scale_factor=2, is_mobile=True, has_touch=True,
                accept_downloads=True,
            )  # fmt: skip
            page = context.new_page()
            page.on("request", lambda request: hosts.append(urlsplit(request.url).hostname or ""))

            def step(name: str) -> None:
                page.wait_for_load_state("load")
                assert page.evaluate("document.documentElement.scrollWidth") <= 360, name
                weights[name] = page.evaluate(PAGE_WEIGHT)
                page.screenshot(path=str(ARTIFACTS / f"public-{name}-phone.png"), full_page=True)

            # given: the home page
            page.goto(live_server.url + "/", wait_until="load")
            step("home")
            # when: a misspelled, unaccented search
            page.fill("#search-q", "buoi nam roj")
            page.press("#search-q", "Enter")
            page.wait_for_url("**/tim-kiem/**")
            step("search")
            first = page.locator("ol.results li a").first
            assert first.inner_text().startswith("Bưởi Năm Roi")
            # then: the product, its producer
            first.click()
            page.wait_for_url("**/san-pham/**")
            step("product")
            assert page.locator("#product-name").inner_text().startswith("Bưởi Năm Roi")
            assert page.locator("#digital-link-uri").is_visible()
            page.click("#producer-link")
            page.wait_for_url("**/nha-san-xuat/**")
            step("producer")
            assert page.locator("#producer-name").inner_text() == "HTX Bưởi Năm Roi Phú Thành"
            # and a recall
            page.click("nav.portal-nav >> text=/Thu hồi|Recalls/")
            page.wait_for_url("**/thu-hoi/")
            step("recalls")
            page.click("#recall-list a >> nth=0")
            page.wait_for_url("**/thu-hoi/TH-2026-0001/")
            step("recall")
            assert page.locator("#affected-lots").is_visible()
            # and the catalog as CSV
            page.click("nav.portal-nav >> text=/Dữ liệu mở|Open data/")
            page.wait_for_url("**/du-lieu-mo/")
            step("open-data")
            with page.expect_download() as download_info:
                page.click("#dataset-san-pham a.download >> text=CSV")
            download = download_info.value
            saved = ARTIFACTS / "public-catalog.csv"
            download.save_as(str(saved))
        finally:
            browser.close()
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert any(row["name"].startswith("Bưởi Năm Roi") for row in rows)
    assert set(hosts) <= {"localhost", "127.0.0.1"}
    assert max(weights.values()) < 300 * 1024, weights
    assert all((ARTIFACTS / f"public-{name}-phone.png").stat().st_size > 0 for name in weights)
