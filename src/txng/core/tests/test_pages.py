from __future__ import annotations

import pytest
from django.test import Client

from txng.core.demo import load_demo_data

pytestmark = pytest.mark.django_db


def test_home_page_answers_in_vietnamese_with_published_products(client: Client) -> None:
    load_demo_data()
    response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="vi">' in page
    assert "Truy xuất nguồn gốc" in page
    assert "Gạo ST25" in page or "Bánh pía" in page


def test_home_page_stays_vietnamese_for_an_english_browser(client: Client) -> None:
    response = client.get("/", headers={"accept-language": "en-US,en;q=0.9"})
    assert '<html lang="vi">' in response.content.decode()


def test_the_language_switch_gives_english(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert '<html lang="en">' in page
    assert "Traceability of Can Tho products" in page


def test_draft_products_never_appear_on_the_home_page(client: Client) -> None:
    load_demo_data()
    page = client.get("/").content.decode()
    # The Thuận Hưng rice-paper group is left unpublished in the demo data.
    assert "Bánh tráng Thuận Hưng" not in page


def test_health_check(client: Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
