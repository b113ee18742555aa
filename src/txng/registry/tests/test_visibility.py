from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from txng.accounts.principal import PUBLIC, principal_for_user
from txng.core.errors import PermissionDenied
from txng.registry import selectors, services
from txng.registry.models import OrganizationSector, Product
from txng.registry.tests.factories import (
    OrganizationFactory,
    ProductFactory,
    ProductGroupFactory,
    UnitFactory,
    business_user,
    officer,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_businesses() -> tuple[Product, Product]:
    rice = ProductGroupFactory(code="lua-gao", sector="agriculture")
    snacks = ProductGroupFactory(code="banh-keo", name="Bánh kẹo", sector="industry_trade")
    mine = ProductFactory(product_group=rice, organization=OrganizationFactory(name="HTX Lúa Của Tôi"))
    theirs = ProductFactory(product_group=snacks, organization=OrganizationFactory(name="Cơ sở Bánh Người Khác"))
    OrganizationSector.objects.create(organization=mine.organization, sector="agriculture")
    OrganizationSector.objects.create(organization=theirs.organization, sector="industry_trade")
    return mine, theirs


def test_business_reads_its_own_drafts_but_not_another_businesses(two_businesses: tuple[Product, Product]) -> None:
    # given
    mine, _theirs = two_businesses
    principal = principal_for_user(business_user(mine.organization))
    # when
    products = set(selectors.product_list(principal=principal))
    organizations = set(selectors.organization_list(principal=principal))
    # then
    assert products == {mine}
    assert organizations == {mine.organization}


def test_business_cannot_change_another_businesses_product(two_businesses: tuple[Product, Product]) -> None:
    mine, theirs = two_businesses
    principal = principal_for_user(business_user(mine.organization))
    with pytest.raises(PermissionDenied):
        services.product_update(actor=principal, product=theirs, name="Đổi tên trái phép")
    theirs.refresh_from_db()
    assert not theirs.revisions.exists()


def test_business_cannot_create_products_for_another_business(two_businesses: tuple[Product, Product]) -> None:
    mine, theirs = two_businesses
    principal = principal_for_user(business_user(mine.organization))
    with pytest.raises(PermissionDenied):
        services.product_create(actor=principal, organization=theirs.organization, gtin="08930001999996", name="X")
    assert not Product.objects.filter(gtin="08930001999996").exists()


def test_sector_officer_sees_only_their_sector(two_businesses: tuple[Product, Product]) -> None:
    mine, _theirs = two_businesses
    principal = principal_for_user(officer("sector_department", sector="agriculture"))
    assert set(selectors.product_list(principal=principal)) == {mine}
    assert set(selectors.organization_list(principal=principal)) == {mine.organization}


def test_local_officer_sees_only_their_area(two_businesses: tuple[Product, Product]) -> None:
    mine, theirs = two_businesses
    ward = UnitFactory(code="31135")
    other_ward = UnitFactory(code="31120", name="Phường Cái Khế")
    mine.organization.administrative_unit = ward
    mine.organization.save()
    theirs.organization.administrative_unit = other_ward
    theirs.organization.save()
    principal = principal_for_user(officer("local_authority", unit=ward))
    assert set(selectors.organization_list(principal=principal)) == {mine.organization}


def test_dost_officer_sees_everything(two_businesses: tuple[Product, Product]) -> None:
    principal = principal_for_user(officer("dost"))
    assert set(selectors.product_list(principal=principal)) == set(two_businesses)


def test_public_sees_only_published_products_of_published_organizations(
    two_businesses: tuple[Product, Product],
) -> None:
    mine, theirs = two_businesses
    Product.objects.filter(pk=mine.pk).update(is_published=True)
    Product.objects.filter(pk=theirs.pk).update(is_published=True)
    mine.organization.is_published = True
    mine.organization.save()
    assert set(selectors.product_list(principal=PUBLIC)) == {mine}


def test_admin_lists_and_opens_only_own_organizations_data(
    client: Client, two_businesses: tuple[Product, Product]
) -> None:
    mine, theirs = two_businesses
    client.force_login(business_user(mine.organization))
    listing = client.get("/admin/registry/product/")
    assert listing.status_code == 200
    assert mine.name in listing.content.decode()
    assert theirs.name not in listing.content.decode()
    # Opening another business's draft by its id is as if it did not exist.
    assert client.get(f"/admin/registry/product/{theirs.pk}/change/").status_code == 302
    response = client.post(f"/admin/registry/product/{theirs.pk}/change/", {"name": "Bị sửa"})
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.name != "Bị sửa"
    assert not theirs.revisions.exists()


def test_sector_officer_admin_does_not_list_other_sector(
    client: Client, two_businesses: tuple[Product, Product]
) -> None:
    mine, theirs = two_businesses
    client.force_login(officer("sector_department", sector="agriculture"))
    page = client.get("/admin/registry/organization/").content.decode()
    assert mine.organization.name in page
    assert theirs.organization.name not in page


def test_admin_add_form_offers_only_own_organizations(client: Client, two_businesses: tuple[Product, Product]) -> None:
    mine, theirs = two_businesses
    client.force_login(business_user(mine.organization))
    page = client.get("/admin/registry/product/add/").content.decode()
    assert mine.organization.name in page
    assert theirs.organization.name not in page


def test_admin_product_list_query_count_does_not_grow_with_rows(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    organization = OrganizationFactory()
    for _ in range(30):
        ProductFactory(organization=organization, product_group=ProductGroupFactory())
    client.force_login(business_user(organization))
    with django_assert_max_num_queries(15):
        assert client.get("/admin/registry/product/").status_code == 200
