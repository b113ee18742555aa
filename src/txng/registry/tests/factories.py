"""Factories for registry and account objects; identifiers are generated valid."""

from __future__ import annotations

import itertools
from typing import Any

import factory

from txng.accounts.models import Agency, AgencyMembership, OrganizationMembership, User
from txng.gs1.checkdigit import gs1_check_digit
from txng.registry.models import AdministrativeUnit, Facility, Organization, Product, ProductGroup
from txng.registry.validators import tax_code_check_digit

_tax_counter = itertools.count(1000)
_gtin_counter = itertools.count(1)


def next_tax_code() -> str:
    while True:
        body = f"18{next(_tax_counter):07d}"
        digit = tax_code_check_digit(body)
        if digit is not None:
            return body + str(digit)


def next_gtin(prefix: str = "8930001") -> str:
    body = f"{prefix}{next(_gtin_counter):0{12 - len(prefix)}d}"
    return "0" + body + gs1_check_digit(body)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdministrativeUnit
        django_get_or_create = ("code",)

    code = "31135"
    name = "Phường Ninh Kiều"
    kind = AdministrativeUnit.Kind.WARD


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"HTX Thử nghiệm {n}")
    tax_code = factory.LazyFunction(next_tax_code)
    kind = Organization.Kind.COOPERATIVE


class ProductGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductGroup
        django_get_or_create = ("code",)

    code = "lua-gao"
    name = "Lúa gạo"
    sector = "agriculture"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    organization = factory.SubFactory(OrganizationFactory)
    gtin = factory.LazyFunction(next_gtin)
    name = factory.Sequence(lambda n: f"Gạo thơm {n}")


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility

    organization = factory.SubFactory(OrganizationFactory)
    kind = Facility.Kind.GROWING_AREA
    name = factory.Sequence(lambda n: f"Vùng trồng {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True


def business_user(organization: Organization, role: str = "owner", **kwargs: Any) -> User:
    user = UserFactory(**kwargs)
    OrganizationMembership.objects.create(user=user, organization=organization, role=role)
    return user


def officer(kind: str, *, sector: str = "", unit: AdministrativeUnit | None = None, role: str = "officer") -> User:
    agency = Agency.objects.create(
        code=f"agency-{next(_tax_counter)}", name=f"Agency {kind}", kind=kind, sector=sector, administrative_unit=unit
    )
    user = UserFactory()
    AgencyMembership.objects.create(user=user, agency=agency, role=role)
    return user
