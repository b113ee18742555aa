"""Reads of the public portal: only published products of published organizations, ever.

Every query here starts from `published_products()` or `published_organizations()`, which apply the one
visibility layer (txng.accounts.visibility) for the PUBLIC principal.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from txng.accounts.principal import PUBLIC
from txng.accounts.visibility import organization_q, product_q
from txng.codes.cache import TTLCache
from txng.core.errors import NotFound
from txng.core.prepared import PreparedQuery
from txng.gs1 import CANONICAL_BASE, parse_digital_link
from txng.oversight.models import AffectedLot
from txng.oversight.selectors import recalls_for_product, recalls_public
from txng.registry.models import (
    AdministrativeUnit,
    Certification,
    Facility,
    OcopRating,
    Organization,
    Product,
    ProductGroup,
)
from txng.resolver.selectors import ConsumerPage, Resolution


def published_products() -> QuerySet[Product]:
    """Published products of published organizations."""
    return Product.objects.filter(product_q(PUBLIC))


def published_organizations() -> QuerySet[Organization]:
    """Published organizations."""
    return Organization.objects.filter(organization_q(PUBLIC))


def _own_certificates() -> Any:
    return Prefetch("certifications", queryset=Certification.objects.order_by("kind", "pk"), to_attr="own_certs")


def _current_ratings(today: datetime.date) -> Any:
    return Prefetch(
        "ocop_ratings",
        queryset=OcopRating.objects.filter(expires_on__gte=today).order_by("-stars", "-issued_on"),
        to_attr="current_ratings",
    )


# ------------------------------------------------------------------------------------------ product page


@dataclass
class ProductPage:
    product: Product
    facts: ConsumerPage
    facilities: list[Facility] = field(default_factory=list)


# GTINs some public recall reaches, per process for a few seconds (as txng.resolver caches products): most
# products were never recalled, and this spares their pages a query.
RECALLED_GTINS_SECONDS: Final = 5.0
_recalled_gtins: TTLCache[frozenset[str]] = TTLCache(ttl=RECALLED_GTINS_SECONDS, size=1)


def _load_recalled_gtins() -> frozenset[str]:
    rows = AffectedLot.objects.filter(recall__in=recalls_public()).values_list("gtin", flat=True).distinct()
    return frozenset(rows)


def recalled_gtins_forget() -> None:
    """Drop this process's list of recalled GTINs (tests; a service that opens a recall may call it)."""
    _recalled_gtins.clear()


# The three queries of a product page, compiled once per process (txng.core.prepared says why).
_published_product: PreparedQuery[Product] = PreparedQuery(
    lambda gtin: (
        published_products()
        .select_related("organization__administrative_unit", "product_group")
        .filter(gtin=gtin)
        .order_by()[:1]
    ),
    str,
)
_certifications: PreparedQuery[Certification] = PreparedQuery(
    lambda product_id, organization_id: (
        Certification.objects.filter(Q(product_id=product_id) | Q(organization_id=organization_id, product=None))
        .select_related("facility")
        .order_by("kind", "-expires_on")
    ),
    int,
    int,
)
_ocop_ratings: PreparedQuery[OcopRating] = PreparedQuery(
    lambda product_id: OcopRating.objects.filter(product_id=product_id).order_by("-issued_on"), int
)


def product_page(*, gtin: str) -> ProductPage:
    """The facts of the consumer page for a published product, without a stamp (so without a verdict).

    The same selections as txng.resolver.selectors.consumer_page, minus the lot journey (no lot here) and
    with the recall lookup skipped when no public recall reaches the GTIN (the common case; a page view
    then costs three queries).
    """
    found = _published_product(gtin) if gtin.isdigit() and len(gtin) == 14 else []
    product = found[0] if found else None
    if product is None:
        raise NotFound("No such published product.")
    resolution = Resolution(parse_digital_link(f"{CANONICAL_BASE}/01/{gtin}"), product=product)
    facts = ConsumerPage(resolution)
    facts.certifications = _certifications(product.pk, product.organization_id)
    facts.ocop_ratings = _ocop_ratings(product.pk)
    if gtin in _recalled_gtins.get("all", _load_recalled_gtins):
        facts.product_recalls = recalls_for_product(gtin=gtin)
    return ProductPage(product, facts)


# ----------------------------------------------------------------------------------------- producer page


@dataclass
class ProducerPage:
    organization: Organization
    facilities: list[Facility]
    certifications: list[Certification]
    products: list[Product]

    @property
    def ocop_products(self) -> list[Product]:
        return [product for product in self.products if getattr(product, "current_ratings", None)]

    @property
    def mapped_facilities(self) -> list[Facility]:
        return [facility for facility in self.facilities if facility.latitude is not None]


def producer_page(*, organization_id: int) -> ProducerPage:
    """A published producer: profile, active facilities, certificates, published products with OCOP stars."""
    organization = published_organizations().select_related("administrative_unit").filter(pk=organization_id).first()
    if organization is None:
        raise NotFound("No such published producer.")
    today = timezone.localdate()
    facilities = list(
        Facility.objects.filter(organization=organization, is_active=True)
        .select_related("administrative_unit")
        .order_by("name", "pk")
    )
    products = list(
        published_products()
        .filter(organization=organization)
        .select_related("product_group", "organization")
        .prefetch_related(_current_ratings(today))
        .order_by("name", "pk")
    )
    certifications = list(
        Certification.objects.filter(organization=organization)
        .filter(Q(product=None) | Q(product__in=[product.pk for product in products]))
        .select_related("facility", "product")
        .order_by("kind", "-expires_on", "pk")
    )
    return ProducerPage(organization, facilities, certifications, products)


# ----------------------------------------------------------------------------------------------- catalog


@dataclass(frozen=True)
class CatalogFilter:
    group: str = ""
    ward: str = ""
    stars: int | None = None
    certification: str = ""
    ocop_only: bool = False
    priority_only: bool = False

    @classmethod
    def from_query(cls, query: Any) -> CatalogFilter:
        stars = query.get("stars", "")
        return cls(
            group=query.get("group", "")[:50],
            ward=query.get("ward", "")[:10],
            stars=int(stars) if stars in ("3", "4", "5") else None,
            certification=query.get("certification", "") if query.get("certification") in Certification.Kind.values
            else "",
            ocop_only=query.get("ocop") == "1",
            priority_only=query.get("priority") == "1",
        )  # fmt: skip


def catalog_products(filters: CatalogFilter) -> QuerySet[Product]:
    """Published products filtered by group, ward, current OCOP stars and certificate kind, by name."""
    today = timezone.localdate()
    queryset = (
        published_products()
        .select_related("organization__administrative_unit", "product_group")
        .prefetch_related(_current_ratings(today))
    )
    current = OcopRating.objects.filter(product=OuterRef("pk"), expires_on__gte=today)
    if filters.group:
        queryset = queryset.filter(product_group__code=filters.group)
    if filters.priority_only:
        queryset = queryset.filter(product_group__is_priority=True)
    if filters.ward:
        queryset = queryset.filter(organization__administrative_unit_id=filters.ward)
    if filters.stars is not None:
        queryset = queryset.filter(Exists(current.filter(stars=filters.stars)))
    elif filters.ocop_only:
        queryset = queryset.filter(Exists(current))
    if filters.certification:
        valid = Q(expires_on=None) | Q(expires_on__gte=today)
        own = Certification.objects.filter(valid, product=OuterRef("pk"), kind=filters.certification)
        organization_wide = Certification.objects.filter(
            valid, organization=OuterRef("organization_id"), product=None, kind=filters.certification
        )
        queryset = queryset.filter(Exists(own) | Exists(organization_wide))
    return queryset.order_by("name", "pk")


def catalog_choices() -> dict[str, Any]:
    """Groups and wards that have published products (for the catalog's filters)."""
    products = published_products()
    groups = ProductGroup.objects.filter(Exists(products.filter(product_group=OuterRef("pk")))).order_by("name")
    wards = AdministrativeUnit.objects.filter(
        Exists(published_organizations().filter(administrative_unit=OuterRef("pk")))
    ).order_by("name")
    return {"groups": list(groups), "wards": list(wards), "certifications": Certification.Kind.choices}


def home_figures() -> dict[str, Any]:
    """Counts and the newest products for the home page."""
    products = published_products()
    today = timezone.localdate()
    return {
        "organization_count": published_organizations().count(),
        "product_count": products.count(),
        "ocop_count": products.filter(
            Exists(OcopRating.objects.filter(product=OuterRef("pk"), expires_on__gte=today))
        ).count(),
        "latest_products": list(products.select_related("organization").order_by("-updated_at", "-pk")[:8]),
    }


# ------------------------------------------------------------------------------------------------ map


@dataclass(frozen=True)
class MapPlace:
    name: str
    kind: str
    kind_label: str
    organization_id: int
    organization_name: str
    latitude: float
    longitude: float
    boundary: dict[str, Any] | None


def map_places(*, organization_id: int | None = None) -> list[MapPlace]:
    """Active facilities and growing areas of published organizations that have coordinates."""
    queryset = Facility.objects.filter(
        organization_q(PUBLIC, prefix="organization__"), is_active=True, latitude__isnull=False,
        longitude__isnull=False,
    ).select_related("organization")  # fmt: skip
    if organization_id is not None:
        queryset = queryset.filter(organization_id=organization_id)
    return [
        MapPlace(
            facility.name,
            facility.kind,
            facility.get_kind_display(),
            facility.organization_id,
            facility.organization.name,
            float(facility.latitude),  # type: ignore[arg-type]
            float(facility.longitude),  # type: ignore[arg-type]
            facility.boundary if isinstance(facility.boundary, dict) else None,
        )
        for facility in queryset.order_by("organization__name", "name", "pk")[:5000]
    ]


# ------------------------------------------------------------------------------------------- open data


def products_last_modified() -> datetime.datetime | None:
    """When the published catalog last changed (for Last-Modified)."""
    value: datetime.datetime | None = published_products().aggregate(latest=Max("updated_at"))["latest"]
    organizations: datetime.datetime | None = published_organizations().aggregate(latest=Max("updated_at"))["latest"]
    return max((v for v in (value, organizations) if v is not None), default=None)


def product_records(*, after_gtin: str = "", limit: int | None = None) -> Iterator[dict[str, Any]]:
    """Open-data rows of the published catalog, by GTIN (keyset: pass the last GTIN as `after_gtin`)."""
    today = timezone.localdate()
    queryset = (
        published_products()
        .filter(gtin__gt=after_gtin)
        .select_related("organization__administrative_unit", "product_group")
        .prefetch_related(
            _current_ratings(today),
            _own_certificates(),
        )
        .order_by("gtin")
    )
    if limit is not None:
        queryset = queryset[:limit]
        yield from (_product_record(product) for product in queryset)
        return
    last = after_gtin
    while True:  # batches keep memory flat over 50,000 products
        batch = list(queryset.filter(gtin__gt=last)[:2000])
        yield from (_product_record(product) for product in batch)
        if len(batch) < 2000:
            return
        last = batch[-1].gtin


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _product_record(product: Product) -> dict[str, Any]:
    from django.conf import settings

    organization = product.organization
    group = product.product_group
    unit = organization.administrative_unit
    ratings: list[OcopRating] = getattr(product, "current_ratings", [])
    certificates: list[Certification] = getattr(product, "own_certs", [])
    return {
        "gtin": product.gtin,
        "name": product.name,
        "name_en": product.name_en,
        "brand": product.brand,
        "net_content": product.net_content,
        "shelf_life_days": product.shelf_life_days,
        "applied_standards": product.applied_standards,
        "group_code": group.code if group else "",
        "group_name": group.name if group else "",
        "is_priority_group": bool(group and group.is_priority),
        "producer_id": organization.pk,
        "producer_name": organization.name,
        "producer_tax_code": organization.tax_code,
        "ward_code": unit.code if unit else "",
        "ward_name": unit.name if unit else "",
        "ocop_stars": ratings[0].stars if ratings else None,
        "ocop_valid_until": ratings[0].expires_on.isoformat() if ratings else None,
        "certifications": [
            {
                "kind": cert.kind,
                "number": cert.number,
                "expires_on": cert.expires_on.isoformat() if cert.expires_on else None,
            }
            for cert in certificates
        ],
        "digital_link": f"{settings.DIGITAL_LINK_BASE}/01/{product.gtin}",
        "updated_at": product.updated_at.isoformat(),
    }


def producer_records(*, after_id: int = 0, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """Open-data rows of the published producers, by id (keyset: pass the last id as `after_id`)."""
    queryset = (
        published_organizations()
        .select_related("administrative_unit")
        .annotate(product_count=Count("products", filter=Q(products__is_published=True)))
        .order_by("pk")
    )
    last = after_id
    remaining = limit
    while True:
        size = 2000 if remaining is None else min(2000, remaining)
        batch = list(queryset.filter(pk__gt=last)[:size])
        yield from (_producer_record(organization) for organization in batch)
        if remaining is not None:
            remaining -= len(batch)
        if len(batch) < size or remaining == 0:
            return
        last = batch[-1].pk


def _producer_record(organization: Organization) -> dict[str, Any]:
    unit = organization.administrative_unit
    return {
        "id": organization.pk,
        "name": organization.name,
        "name_en": organization.name_en,
        "kind": organization.kind,
        "tax_code": organization.tax_code,
        "address": organization.address,
        "ward_code": unit.code if unit else "",
        "ward_name": unit.name if unit else "",
        "phone": organization.phone,
        "website": organization.website,
        "gln": organization.gln,
        "published_products": getattr(organization, "product_count", 0),
        "updated_at": organization.updated_at.isoformat(),
    }
