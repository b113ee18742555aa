"""Public recall list and detail: the list matches the public recalls in the database."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from txng.oversight.models import Recall
from txng.oversight.selectors import recalls_public
from txng.public.tests.conftest import Hidden, make_recall
from txng.registry.models import Product

pytestmark = pytest.mark.django_db


def test_recall_list_matches_the_public_recalls_in_the_database(client: Client, hidden: Hidden) -> None:
    # given
    make_recall("TH-2025-0007", "Thu hồi mắm cá linh", Recall.Status.CLOSED, days_ago=200)
    expected = list(recalls_public().values_list("code", flat=True))
    # when
    page = client.get(reverse("public:recalls")).content.decode()
    # then
    shown = re.findall(r'href="/thu-hoi/([^/"]+)/"', page)
    assert shown == expected
    assert set(Recall.objects.values_list("code", flat=True)) - set(shown) == {"DT-2026-0001", "TH-2026-0002"}


def test_recall_page_names_published_lots_and_counts_the_others(client: Client, hidden: Hidden) -> None:
    # given
    rice = Product.objects.get(name="Gạo ST25")
    # when
    page = client.get(reverse("public:recall", args=["TH-2026-0001"])).content.decode()
    # then
    assert "Thu hồi gạo nhiễm nấm mốc" in page
    assert f"/san-pham/{rice.gtin}/" in page
    assert "L2026-07" in page
    assert "NM-01" not in page
    assert "Nước mắm cá linh Hồng Ngự" not in page


def test_mock_and_cancelled_recalls_are_not_found(client: Client, hidden: Hidden) -> None:
    for code in ("DT-2026-0001", "TH-2026-0002"):
        assert client.get(reverse("public:recall", args=[code])).status_code == 404


def test_recalls_json_and_api_match_the_database(client: Client, hidden: Hidden) -> None:
    # given
    expected = list(recalls_public().values_list("code", flat=True))
    # when
    download = client.get(reverse("public:download", args=["thu-hoi", "json"]))
    data = json.loads(b"".join(download.streaming_content))  # type: ignore[attr-defined]
    api = client.get("/api/public/recalls").json()
    # then
    assert [item["code"] for item in data["items"]] == expected
    assert [item["code"] for item in api["items"]] == expected
    assert api["items"][0]["other_lots"] == 2


def test_product_page_warns_of_its_recalled_lots(client: Client, hidden: Hidden) -> None:
    # given
    rice = Product.objects.get(name="Gạo ST25")
    # when
    page = client.get(reverse("public:product", args=[rice.gtin])).content.decode()
    # then
    assert 'id="recall"' in page
    assert 'href="/thu-hoi/TH-2026-0001/"' in page
    assert "L2026-07" in page
