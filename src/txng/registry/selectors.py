"""Reads from the registry, always through the visibility layer."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from txng.accounts.principal import Principal
from txng.accounts.visibility import organization_q, product_q
from txng.core.errors import NotFound
from txng.registry.models import (
    AdministrativeUnit,
    Facility,
    Organization,
    OrganizationDocument,
    OrganizationSector,
    Product,
)


def organization_list(
    *, principal: Principal, search: str = "", unit_code: str = "", sector: str = ""
) -> QuerySet[Organization]:
    queryset = Organization.objects.filter(organization_q(principal)).select_related("administrative_unit")
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(tax_code__startswith=search))
    if unit_code:
        queryset = queryset.filter(administrative_unit_id=unit_code)
    if sector:
        queryset = queryset.filter(
            Exists(OrganizationSector.objects.filter(organization=OuterRef("pk"), sector=sector))
        )
    return queryset.order_by("name", "pk")


def organization_get(*, principal: Principal, tax_code: str) -> Organization:
    organization = organization_list(principal=principal).filter(tax_code=tax_code).first()
    if organization is None:
        raise NotFound(_("No such organization."))
    return organization


def product_list(
    *, principal: Principal, search: str = "", organization_id: int | None = None, group: str = ""
) -> QuerySet[Product]:
    queryset = Product.objects.filter(product_q(principal)).select_related("organization", "product_group")
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(gtin__contains=search) | Q(brand__icontains=search))
    if organization_id is not None:
        queryset = queryset.filter(organization_id=organization_id)
    if group:
        queryset = queryset.filter(product_group__code=group)
    return queryset.order_by("name", "pk")


def product_get(*, principal: Principal, gtin: str) -> Product:
    product = product_list(principal=principal).filter(gtin=gtin).first()
    if product is None:
        raise NotFound(_("No such product."))
    return product


def facility_list(*, principal: Principal, organization_id: int | None = None) -> QuerySet[Facility]:
    queryset = Facility.objects.filter(organization_q(principal, prefix="organization__")).select_related(
        "organization", "administrative_unit"
    )
    if organization_id is not None:
        queryset = queryset.filter(organization_id=organization_id)
    return queryset


def administrative_unit_list() -> QuerySet[AdministrativeUnit]:
    return AdministrativeUnit.objects.exclude(kind=AdministrativeUnit.Kind.PROVINCE).order_by("name")


def organization_documents(*, principal: Principal, organization_id: int) -> QuerySet[OrganizationDocument]:
    """The papers a business handed in: only for its members and the officers who oversee it, never public."""
    if principal.is_public:
        return OrganizationDocument.objects.none()
    if not Organization.objects.filter(organization_q(principal), pk=organization_id).exists():
        return OrganizationDocument.objects.none()
    return OrganizationDocument.objects.filter(organization_id=organization_id).order_by("-uploaded_at", "-pk")


def organization_document_get(*, principal: Principal, pk: int) -> OrganizationDocument:
    """One handed-in paper, if the principal may read it (else NotFound: its existence is not revealed)."""
    organization_id = OrganizationDocument.objects.filter(pk=pk).values_list("organization_id", flat=True).first()
    document = None
    if organization_id is not None:
        document = organization_documents(principal=principal, organization_id=organization_id).filter(pk=pk).first()
    if document is None:
        raise NotFound(_("No such document."), code="not-found")
    return document
