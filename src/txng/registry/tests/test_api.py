from __future__ import annotations

import pytest
from django.test import Client

from txng.accounts.principal import OPERATOR
from txng.accounts.services import api_token_create
from txng.registry.models import Organization, Product
from txng.registry.tests.factories import OrganizationFactory, ProductFactory, next_gtin

pytestmark = pytest.mark.django_db


@pytest.fixture
def organization() -> Organization:
    return OrganizationFactory(is_published=True)


@pytest.fixture
def token(organization: Organization) -> str:
    return api_token_create(actor=OPERATOR, organization=organization, name="test")[1]


def test_create_product_with_a_bearer_token(client: Client, organization: Organization, token: str) -> None:
    gtin = next_gtin()
    response = client.post(
        "/api/registry/products",
        {"gtin": gtin[1:], "name": "Bưởi Năm Roi", "shelf_life_days": 30},
        content_type="application/json",
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["gtin"] == gtin
    assert Product.objects.get(gtin=gtin).organization == organization


def test_bad_gtin_is_a_problem_naming_the_field(client: Client, token: str) -> None:
    response = client.post(
        "/api/registry/products",
        {"gtin": "8934588012229", "name": "X"},
        content_type="application/json",
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert response["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:opentxng:problem:gtin-check-digit"
    assert body["field"] == "gtin"
    assert not Product.objects.exists()


def test_duplicate_gtin_is_a_conflict(client: Client, organization: Organization, token: str) -> None:
    existing = ProductFactory(organization=organization)
    response = client.post(
        "/api/registry/products",
        {"gtin": existing.gtin, "name": "Y"},
        content_type="application/json",
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 409
    assert Product.objects.count() == 1


def test_writes_without_a_token_are_refused(client: Client) -> None:
    response = client.post(
        "/api/registry/products", {"gtin": next_gtin(), "name": "X"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert response["content-type"] == "application/problem+json"
    assert not Product.objects.exists()


def test_a_wrong_token_is_refused(client: Client) -> None:
    response = client.get("/api/registry/products", headers={"authorization": "Bearer txng_not-a-real-token"})
    assert response.status_code == 401


def test_token_of_one_business_cannot_write_for_another(client: Client, token: str) -> None:
    other = OrganizationFactory()
    response = client.post(
        f"/api/registry/products?organization={other.tax_code}",
        {"gtin": next_gtin(), "name": "X"},
        content_type="application/json",
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code in {403, 404}
    assert not Product.objects.exists()


def test_public_listing_shows_only_published_products(client: Client, organization: Organization) -> None:
    published = ProductFactory(organization=organization, is_published=True)
    ProductFactory(organization=organization, is_published=False)
    body = client.get("/api/registry/products").json()
    assert [item["gtin"] for item in body["items"]] == [published.gtin]


def test_token_sees_its_own_drafts(client: Client, organization: Organization, token: str) -> None:
    draft = ProductFactory(organization=organization, is_published=False)
    ProductFactory(is_published=False)
    body = client.get("/api/registry/products", headers={"authorization": f"Bearer {token}"}).json()
    assert [item["gtin"] for item in body["items"]] == [draft.gtin]


def test_bulk_import_dry_run_reports_every_row_and_writes_nothing(client: Client, token: str) -> None:
    rows = [
        {"gtin": next_gtin(), "name": "Đúng"},
        {"gtin": "123", "name": "Sai GTIN"},
        {"gtin": next_gtin(), "name": ""},
    ]
    response = client.post(
        "/api/registry/products/import",
        {"products": rows, "dry_run": True},
        content_type="application/json",
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["created"] == 0
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(2, "gtin"), (3, "name")]
    assert not Product.objects.exists()


def test_openapi_docs_are_served(client: Client) -> None:
    assert client.get("/api/docs").status_code == 200
    assert "/api/registry/products" in client.get("/api/openapi.json").json()["paths"]
