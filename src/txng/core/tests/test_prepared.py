"""A prepared query gives what its queryset gives, for any arguments, with one compile per process."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from txng.core.prepared import PreparedQuery
from txng.registry.models import OcopRating, Product
from txng.registry.tests.factories import OrganizationFactory, ProductFactory, ProductGroupFactory, UnitFactory

pytestmark = pytest.mark.django_db


def _products(gtin: str) -> Any:
    return (
        Product.objects.filter(is_published=True, organization__is_published=True)
        .select_related("organization__administrative_unit", "product_group")
        .filter(gtin=gtin)
        .order_by()[:1]
    )


def _ratings(product_id: int, on: datetime.date) -> Any:
    return OcopRating.objects.filter(Q(product_id=product_id), expires_on__gte=on).order_by("-stars", "pk")


@pytest.fixture
def catalog() -> list[Product]:
    unit = UnitFactory()
    published = OrganizationFactory(is_published=True, administrative_unit=unit)
    hidden = OrganizationFactory(is_published=False)
    group = ProductGroupFactory()
    products = [
        ProductFactory(organization=published, product_group=group, is_published=True),
        ProductFactory(organization=published, product_group=None, is_published=True),
        ProductFactory(organization=published, is_published=False),
        ProductFactory(organization=hidden, is_published=True),
    ]
    today = datetime.date(2026, 11, 29)
    for stars, expires in ((3, today), (4, today + datetime.timedelta(days=400)), (5, today - datetime.timedelta(1))):
        OcopRating.objects.create(
            product=products[0],
            stars=stars,
            level=OcopRating.Level.NATIONAL if stars == 5 else OcopRating.Level.CITY,
            score=Decimal("71.50"),
            issued_on=today - datetime.timedelta(days=30),
            expires_on=expires,
        )
    return products


def test_same_rows_and_related_objects_as_the_queryset(catalog: list[Product]) -> None:
    prepared: PreparedQuery[Product] = PreparedQuery(_products, str)
    for product in catalog:
        expected, got = list(_products(product.gtin)), prepared(product.gtin)
        assert [p.pk for p in got] == [p.pk for p in expected]
        for mine, theirs in zip(got, expected, strict=True):
            assert mine.organization.name == theirs.organization.name
            assert mine.organization.administrative_unit == theirs.organization.administrative_unit
            assert mine.product_group == theirs.product_group
            assert mine.created_at == theirs.created_at  # converters applied (aware datetimes on SQLite too)
    assert prepared("08930009999999") == []


def test_dates_and_several_arguments(catalog: list[Product]) -> None:
    prepared: PreparedQuery[OcopRating] = PreparedQuery(_ratings, int, datetime.date)
    product = catalog[0]
    for on in (datetime.date(2026, 11, 29), datetime.date(2026, 11, 30), datetime.date(2020, 1, 1)):
        got = prepared(product.pk, on)
        assert [(r.pk, r.stars, r.expires_on, r.score) for r in got] == [
            (r.pk, r.stars, r.expires_on, r.score) for r in _ratings(product.pk, on)
        ]
    assert [r.stars for r in prepared(product.pk, datetime.date(2026, 11, 29))] == [4, 3]


def test_compiles_once_then_runs_one_query(catalog: list[Product]) -> None:
    prepared: PreparedQuery[Product] = PreparedQuery(_products, str)
    prepared(catalog[0].gtin)
    with CaptureQueriesContext(connection) as queries:
        assert prepared(catalog[1].gtin)[0].pk == catalog[1].pk
    assert len(queries) == 1


def test_refuses_arguments_that_do_not_reach_the_sql_unchanged(db: Any) -> None:
    contains: PreparedQuery[Product] = PreparedQuery(lambda name: Product.objects.filter(name__icontains=name), str)
    with pytest.raises(ValueError, match="unchanged"):
        contains("gạo")
    with pytest.raises(TypeError):
        PreparedQuery(_products, str)()
