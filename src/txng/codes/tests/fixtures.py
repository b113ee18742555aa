"""Fixtures for stamp and resolver tests: a published producer, its product and stamp batches."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from txng.accounts.principal import OPERATOR
from txng.codes.models import StampBatch
from txng.codes.services import stamp_batch_issue
from txng.registry.models import Organization, Product
from txng.registry.services import organization_create, product_create
from txng.registry.tests.factories import next_gtin, next_tax_code


@pytest.fixture(autouse=True)
def forget_hot_lookups() -> None:
    """Each test starts with empty per-process caches (ids are reused after a rolled-back test)."""
    from txng.codes.selectors import stamp_batch_forget
    from txng.resolver.selectors import product_forget
    from txng.resolver.services import batch_norms_forget

    stamp_batch_forget()
    product_forget()
    batch_norms_forget()


@pytest.fixture
def producer(db: None) -> Organization:
    return organization_create(
        actor=OPERATOR,
        tax_code=next_tax_code(),
        name="HTX Bưởi Năm Roi Phong Điền",
        address="Ấp Nhơn Lộc 1, xã Phong Điền, TP Cần Thơ",
        approve=True,
    )


@pytest.fixture
def product(producer: Organization) -> Product:
    return product_create(
        actor=OPERATOR,
        organization=producer,
        gtin=next_gtin(),
        name="Bưởi Năm Roi",
        publish=True,
        shelf_life_days=30,
    )


@pytest.fixture
def make_batch(product: Product) -> Callable[..., StampBatch]:
    def make(count: int = 5, lot: str = "L1", activate: bool = True) -> StampBatch:
        return stamp_batch_issue(actor=OPERATOR, product=product, count=count, lot=lot, activate=activate)

    return make
