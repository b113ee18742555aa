"""The consumer page in headless Chromium at a phone viewport: renders, screenshot saved, nothing leaves 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest

from txng.codes.models import StampBatch
from txng.codes.selectors import stamp_batch_stamps
from txng.testing import ARTIFACTS, CHROMIUM, LAUNCH_ARGS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium"),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_async_unsafe_allowed")
def test_consumer_page_on_a_phone(live_server: Any, make_batch: Callable[..., StampBatch]) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    stamp = next(stamp_batch_stamps(make_batch()))
    url = live_server.url + urlsplit(stamp.digital_link("https://x.example")).path
    hosts: list[str] = []
    total_bytes = 0
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 360, "height": 780}, device_scale_factor=2, is_mobile=True, has_touch=True
            )
            page = context.new_page()
            page.on("request", lambda request: hosts.append(urlsplit(request.url).hostname or ""))
            response = page.goto(url, wait_until="load")
            assert response is not None
            assert response.status == 200
            assert page.locator("#verdict.verdict-genuine").is_visible()
            assert page.locator("#pin-input").is_visible()
            # No horizontal scrolling on a 360 px phone.
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            total_bytes = page.evaluate(
                "performance.getEntriesByType('resource').reduce((s, e) => s + e.transferSize, 0)"
                " + performance.getEntriesByType('navigation')[0].transferSize"
            )
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "consumer-page-phone.png"), full_page=True)
        finally:
            browser.close()
    assert hosts
    assert set(hosts) <= {"localhost", "127.0.0.1"}  # the live server listens on 127.0.0.1
    assert total_bytes < 300 * 1024
    assert (ARTIFACTS / "consumer-page-phone.png").stat().st_size > 0
