"""Registry API: organizations, products, administrative units."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from txng.accounts.auth import ANYONE, AUTHENTICATED, principal_of
from txng.core.errors import PermissionDenied, ServiceError
from txng.registry import selectors, services
from txng.registry.models import Organization, Product

router = Router(tags=["registry"])


class UnitOut(Schema):
    code: str
    name: str
    kind: str
    former_districts: str


class OrganizationOut(Schema):
    tax_code: str
    name: str
    kind: str
    address: str
    administrative_unit_id: str | None
    gln: str
    is_published: bool
    review_status: str


class ProductOut(Schema):
    gtin: str
    name: str
    name_en: str
    brand: str
    organization_tax_code: str = Field(..., alias="organization.tax_code")
    product_group: str | None = Field(None, alias="product_group.code")
    unit: str
    net_content: str
    shelf_life_days: int | None
    is_published: bool
    review_status: str


class ProductIn(Schema):
    gtin: str = Field(..., max_length=20)
    name: str = Field(..., max_length=255)
    name_en: str = Field("", max_length=255)
    brand: str = Field("", max_length=200)
    description: str = Field("", max_length=5000)
    product_group: str = Field("", max_length=50)
    unit: str = Field("", max_length=30)
    net_content: str = Field("", max_length=50)
    shelf_life_days: int | None = Field(None, ge=0, le=36500)
    hs_code: str = Field("", max_length=12)
    applied_standards: str = Field("", max_length=300)


class ProductImportIn(Schema):
    products: list[ProductIn] = Field(..., max_length=10_000)
    dry_run: bool = False


class RowErrorOut(Schema):
    row: int
    field: str | None
    message: str
    code: str


class ProductImportOut(Schema):
    created: int
    errors: list[RowErrorOut]


@router.get("/units", response=list[UnitOut], auth=ANYONE)
def units(request: HttpRequest) -> object:
    return selectors.administrative_unit_list()


@router.get("/organizations", response=list[OrganizationOut], auth=ANYONE)
@paginate(LimitOffsetPagination)
def organizations(request: HttpRequest, q: str = "", unit: str = "", sector: str = "") -> object:
    return selectors.organization_list(principal=principal_of(request), search=q[:100], unit_code=unit, sector=sector)


@router.get("/organizations/{tax_code}", response=OrganizationOut, auth=ANYONE)
def organization(request: HttpRequest, tax_code: str) -> object:
    return selectors.organization_get(principal=principal_of(request), tax_code=tax_code)


@router.get("/products", response=list[ProductOut], auth=ANYONE)
@paginate(LimitOffsetPagination)
def products(request: HttpRequest, q: str = "", group: str = "") -> object:
    return selectors.product_list(principal=principal_of(request), search=q[:100], group=group)


@router.post("/products/import", response=ProductImportOut, auth=AUTHENTICATED)
def product_import(request: HttpRequest, payload: ProductImportIn, organization: str | None = None) -> object:
    acting = _acting_organization(request, organization)
    result = services.products_import(
        actor=principal_of(request),
        organization=acting,
        rows=[row.model_dump(exclude_defaults=True) for row in payload.products],
        dry_run=payload.dry_run,
    )
    return {"created": len(result.created), "errors": result.errors}


@router.get("/products/{gtin}", response=ProductOut, auth=ANYONE)
def product(request: HttpRequest, gtin: str) -> object:
    return selectors.product_get(principal=principal_of(request), gtin=gtin)


def _acting_organization(request: HttpRequest, tax_code: str | None) -> Organization:
    principal = principal_of(request)
    if tax_code:
        organization = selectors.organization_get(principal=principal, tax_code=tax_code)
    elif len(principal.organization_ids) == 1:
        organization = Organization.objects.get(pk=next(iter(principal.organization_ids)))
    else:
        raise ServiceError("Name the organization with ?organization=TAX_CODE.", code="organization-required")
    if organization.pk not in principal.organization_ids and not principal.is_admin:
        raise PermissionDenied("You may not change this organization's data.")
    return organization


@router.post("/products", response={201: ProductOut}, auth=AUTHENTICATED)
def product_create(request: HttpRequest, payload: ProductIn, organization: str | None = None) -> Status[Product]:
    acting = _acting_organization(request, organization)
    created = services.product_create(
        actor=principal_of(request), organization=acting, **payload.model_dump(exclude_defaults=True)
    )
    return Status(201, created)
