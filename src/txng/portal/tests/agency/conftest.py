"""Fixtures of the agency portal's tests: officers of each kind, a submitted co-op and its product."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from txng.accounts.models import User
from txng.accounts.principal import principal_for_user
from txng.registry.models import Organization, OrganizationSector, Product
from txng.registry.tests.factories import (
    OrganizationFactory,
    ProductFactory,
    ProductGroupFactory,
    UnitFactory,
    business_user,
    officer,
)
from txng.review.models import ProfileRevision
from txng.review.services import revision_open, revision_submit


@dataclass
class Submitted:
    organization: Organization
    product: Product
    owner: User
    organization_revision: ProfileRevision
    product_revision: ProfileRevision


def submit_coop(name: str = "HTX Lúa sạch Thới Lai", sector: str = "agriculture") -> Submitted:
    """A co-op with a product, both with a submitted revision (the way the business portal submits)."""
    group = ProductGroupFactory(code=f"group-{sector}", name=f"Nhóm {sector}", sector=sector, is_priority=True)
    organization = OrganizationFactory(name=name, administrative_unit=UnitFactory())
    OrganizationSector.objects.create(organization=organization, sector=sector)
    product = ProductFactory(organization=organization, name="Gạo ST25", product_group=group)
    owner = business_user(organization)
    actor = principal_for_user(owner)
    org_revision = revision_open(
        actor=actor,
        organization=organization,
        data={"name": name, "address": "Ấp Thới Hòa", "representative": "Nguyễn Văn A", "phone": "0292 3800 000"},
    )
    revision_submit(actor=actor, revision=org_revision)
    product_revision = revision_open(
        actor=actor,
        organization=organization,
        product=product,
        data={"name": "Gạo ST25 túi 5 kg", "unit": "túi", "net_content": "5 kg"},
    )
    revision_submit(actor=actor, revision=product_revision)
    return Submitted(organization, product, owner, org_revision, product_revision)


@pytest.fixture
def submitted(db: None) -> Submitted:
    return submit_coop()


@pytest.fixture
def dost(db: None) -> User:
    return officer("dost")


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def dost_client(dost: User) -> Client:
    return signed_in(dost)


@pytest.fixture
def english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"
