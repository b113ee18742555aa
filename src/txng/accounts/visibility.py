"""The one visibility layer: what each principal may see and change. Every selector uses it.

- the public sees published data only;
- a business (user or API token) sees its own organizations' data, drafts included;
- DOST officers and administrators see everything;
- a sector officer sees organizations of their sector and products of that sector's groups;
- a local-authority officer sees organizations located in their ward/commune.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from txng.accounts.principal import Principal
from txng.registry.models import OrganizationSector, Product

NOTHING = Q(pk__in=[])


def organization_q(principal: Principal, prefix: str = "") -> Q:
    """Filter for organizations the principal may read; `prefix` reaches them through a relation."""
    if principal.sees_everything:
        return Q()
    if principal.is_public:
        return Q(**{f"{prefix}is_published": True})
    q = NOTHING
    if principal.organization_ids:
        q |= Q(**{f"{prefix}pk__in": principal.organization_ids})
    if principal.sectors:
        in_sector = OrganizationSector.objects.filter(
            organization=OuterRef(f"{prefix}pk" if prefix else "pk"), sector__in=principal.sectors
        )
        sector_products = Product.objects.filter(
            organization=OuterRef(f"{prefix}pk" if prefix else "pk"), product_group__sector__in=principal.sectors
        )
        q |= Q(Exists(in_sector)) | Q(Exists(sector_products))
    if principal.unit_codes:
        q |= Q(**{f"{prefix}administrative_unit_id__in": principal.unit_codes})
    return q


def product_q(principal: Principal) -> Q:
    """Filter for products the principal may read."""
    if principal.sees_everything:
        return Q()
    if principal.is_public:
        return Q(is_published=True, organization__is_published=True)
    q = NOTHING
    if principal.organization_ids:
        q |= Q(organization_id__in=principal.organization_ids)
    if principal.sectors:
        in_sector = OrganizationSector.objects.filter(
            organization=OuterRef("organization_id"), sector__in=principal.sectors
        )
        q |= Q(product_group__sector__in=principal.sectors) | Q(Exists(in_sector))
    if principal.unit_codes:
        q |= Q(organization__administrative_unit_id__in=principal.unit_codes)
    return q


def owned_q(principal: Principal, field: str = "organization_id") -> Q:
    """Rows that belong to one of the principal's organizations (what a business may change)."""
    if principal.is_admin:
        return Q()
    if not principal.organization_ids:
        return NOTHING
    return Q(**{f"{field}__in": principal.organization_ids})


def can_edit_organization(principal: Principal, organization_id: int) -> bool:
    """Businesses change their own data; administrators change anything; officers review instead."""
    return principal.is_admin or organization_id in principal.organization_ids


def can_manage_organization(principal: Principal, organization_id: int) -> bool:
    """Owners (and administrators) manage users and API tokens of an organization."""
    return principal.is_admin or organization_id in principal.owner_organization_ids
