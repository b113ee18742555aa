"""Fixtures of the business portal tests: a member of a co-op with a facility and a product, signed in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from txng.accounts.models import OrganizationMembership, User
from txng.accounts.principal import OPERATOR, Principal, principal_for_user
from txng.accounts.services import organization_member_add
from txng.lineage.tests.chains import gln
from txng.registry.models import Facility, Organization, Product
from txng.registry.tests.factories import FacilityFactory, OrganizationFactory, ProductFactory, UserFactory


@dataclass
class Member:
    user: User
    organization: Organization
    facility: Facility
    product: Product
    client: Client

    @property
    def principal(self) -> Principal:
        return principal_for_user(self.user)


def make_member(name: str = "HTX Lúa Thới Lai") -> Member:
    organization = OrganizationFactory(name=name, gln=gln())
    user = UserFactory(is_staff=False)
    user.set_password("mat-khau-123")
    user.save()
    organization_member_add(
        actor=OPERATOR, organization=organization, user=user, role=OrganizationMembership.Role.OWNER
    )
    facility = FacilityFactory(organization=organization, gln=gln(), kind=Facility.Kind.GROWING_AREA)
    product = ProductFactory(organization=organization, name="Lúa ST25", is_published=True, review_status="published")
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return Member(user, organization, facility, product, client)


@pytest.fixture
def member(db: Any) -> Member:
    return make_member()


@pytest.fixture
def partner(db: Any) -> Member:
    return make_member("Công ty Gạo Cần Thơ")
