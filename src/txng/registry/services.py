"""Writes to the registry. Every function is atomic and audited; callers pass the acting principal."""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from txng.accounts.principal import Principal
from txng.accounts.visibility import can_edit_organization
from txng.core.audit import audit_record, diff_fields
from txng.core.choices import Sector
from txng.core.errors import Conflict, PermissionDenied, ServiceError
from txng.gs1.checkdigit import gs1_check_digit
from txng.registry.models import (
    AdministrativeUnit,
    AllocatedNumber,
    Certification,
    Facility,
    Gs1Prefix,
    OcopRating,
    Organization,
    OrganizationDocument,
    OrganizationSector,
    Product,
    ProductGroup,
    ReviewStatus,
)
from txng.registry.validators import validate_company_prefix, validate_gln, validate_gtin, validate_tax_code

# Profile fields that go through review (identity fields — tax code, GTIN — are fixed at creation).
ORGANIZATION_PROFILE_FIELDS = (
    "kind",
    "name",
    "name_en",
    "business_registration_number",
    "address",
    "administrative_unit_id",
    "representative",
    "phone",
    "email",
    "website",
    "gs1_company_prefix",
    "gln",
    "description",
)
PRODUCT_PROFILE_FIELDS = (
    "name",
    "name_en",
    "description",
    "brand",
    "product_group_id",
    "unit",
    "net_content",
    "shelf_life_days",
    "hs_code",
    "applied_standards",
)
_MAX_LENGTHS = {
    f.attname: f.max_length
    for model in (Organization, Product)
    for f in model._meta.concrete_fields
    if getattr(f, "max_length", None)
}


def _require_edit(actor: Principal, organization_id: int) -> None:
    if not can_edit_organization(actor, organization_id):
        raise PermissionDenied(_("You may not change this organization's data."))


def _check_lengths(data: Mapping[str, Any]) -> None:
    for key, value in data.items():
        limit = _MAX_LENGTHS.get(key)
        if limit and isinstance(value, str) and len(value) > limit:
            raise ServiceError(
                _("Too long: at most %(limit)d characters.") % {"limit": limit}, code="too-long", field=key
            )


def _clean_organization_data(data: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(ORGANIZATION_PROFILE_FIELDS)
    if unknown:
        raise ServiceError(
            _("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}, code="unknown-field"
        )
    cleaned = {key: (value.strip() if isinstance(value, str) else value) for key, value in data.items()}
    if "name" in cleaned and not cleaned["name"]:
        raise ServiceError(_("The legal name is required."), code="required", field="name")
    if "kind" in cleaned and cleaned["kind"] not in Organization.Kind.values:
        raise ServiceError(
            _("Unknown kind %(kind)s; use one of: %(kinds)s")
            % {"kind": cleaned["kind"], "kinds": ", ".join(Organization.Kind.values)},
            code="invalid-choice",
            field="kind",
        )
    if cleaned.get("gln"):
        cleaned["gln"] = validate_gln(cleaned["gln"])
    if cleaned.get("gs1_company_prefix"):
        cleaned["gs1_company_prefix"] = validate_company_prefix(cleaned["gs1_company_prefix"])
    unit = cleaned.get("administrative_unit_id")
    if unit and not AdministrativeUnit.objects.filter(pk=unit).exists():
        raise ServiceError(
            _("Unknown ward/commune code %(code)s.") % {"code": unit}, code="unknown-unit", field="administrative_unit"
        )
    _check_lengths(cleaned)
    return cleaned


@transaction.atomic
def organization_create(
    *,
    actor: Principal,
    tax_code: str,
    name: str,
    kind: str = Organization.Kind.ENTERPRISE,
    sectors: Sequence[str] = (),
    approve: bool = False,
    **profile: Any,
) -> Organization:
    """Register an organization; an officer onboarding it (`approve`) publishes it at once."""
    from txng.review.services import revision_open, revision_publish_created

    tax_code = validate_tax_code(tax_code)
    data = _clean_organization_data({"name": name, "kind": kind, **profile})
    for sector in sectors:
        if sector not in Sector.values:
            raise ServiceError(
                _("Unknown sector %(sector)s.") % {"sector": sector}, code="invalid-choice", field="sectors"
            )
    if Organization.objects.filter(tax_code=tax_code).exists():
        raise Conflict(
            _("An organization with tax code %(code)s already exists.") % {"code": tax_code},
            code="duplicate-tax-code",
            field="tax_code",
        )
    try:
        with transaction.atomic():
            organization = Organization.objects.create(tax_code=tax_code, **data)
    except IntegrityError as error:  # a concurrent registration of the same tax code
        raise Conflict(
            _("An organization with tax code %(code)s already exists.") % {"code": tax_code},
            code="duplicate-tax-code",
            field="tax_code",
        ) from error
    OrganizationSector.objects.bulk_create(
        OrganizationSector(organization=organization, sector=s) for s in set(sectors)
    )
    audit_record(actor=actor, action="organization.create", obj=organization, changes={"tax_code": tax_code, **data})
    revision = revision_open(actor=actor, organization=organization, data=data)
    if approve:
        revision_publish_created(actor=actor, revision=revision)
        organization.refresh_from_db()
    return organization


@transaction.atomic
def organization_update(*, actor: Principal, organization: Organization, **changes: Any) -> None:
    """Propose changes to an organization profile: they go into the open revision and need review."""
    from txng.review.services import revision_open

    _require_edit(actor, organization.pk)
    data = _clean_organization_data(changes)
    revision_open(actor=actor, organization=organization, data=data)


@transaction.atomic
def organization_sectors_set(*, actor: Principal, organization: Organization, sectors: Sequence[str]) -> None:
    _require_edit(actor, organization.pk)
    wanted = set(sectors)
    if wanted - set(Sector.values):
        raise ServiceError(_("Unknown sector."), code="invalid-choice", field="sectors")
    current = set(organization.sectors.values_list("sector", flat=True))
    OrganizationSector.objects.filter(organization=organization, sector__in=current - wanted).delete()
    OrganizationSector.objects.bulk_create(
        OrganizationSector(organization=organization, sector=s) for s in wanted - current
    )
    audit_record(
        actor=actor,
        action="organization.sectors",
        obj=organization,
        changes={"sectors": [sorted(current), sorted(wanted)]},
    )


def apply_profile(obj: Organization | Product, data: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Copy reviewed profile data onto the live row; returns what changed."""
    before = {key: getattr(obj, key) for key in data}
    for key, value in data.items():
        setattr(obj, key, value)
    return diff_fields(before, data)


# ---------------------------------------------------------------------------------------- products


@dataclass
class RowError:
    row: int
    field: str | None
    message: str
    code: str


@dataclass
class ImportResult:
    created: list[Product] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _clean_product_row(row: Mapping[str, Any], groups: Mapping[str, int]) -> dict[str, Any]:
    unknown = set(row) - {"gtin", "product_group", *PRODUCT_PROFILE_FIELDS}
    if unknown:
        raise ServiceError(
            _("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}, code="unknown-field"
        )
    data = {key: (value.strip() if isinstance(value, str) else value) for key, value in row.items()}
    data["gtin"] = validate_gtin(str(data.get("gtin") or ""))
    if not data.get("name"):
        raise ServiceError(_("The product name is required."), code="required", field="name")
    group = data.pop("product_group", None)
    if group:
        if group not in groups:
            raise ServiceError(
                _("Unknown product group %(group)s.") % {"group": group}, code="unknown-group", field="product_group"
            )
        data["product_group_id"] = groups[group]
    raw_shelf_life = data.get("shelf_life_days")
    if raw_shelf_life not in (None, ""):
        try:
            shelf_life = int(str(raw_shelf_life))
        except ValueError:
            shelf_life = -1
        if shelf_life < 0 or shelf_life > 36500:
            raise ServiceError(_("Shelf life must be a whole number of days."), code="invalid", field="shelf_life_days")
        data["shelf_life_days"] = shelf_life
    else:
        data["shelf_life_days"] = None
    _check_lengths(data)
    return data


def products_import(
    *,
    actor: Principal,
    organization: Organization,
    rows: Iterable[Mapping[str, Any]],
    dry_run: bool = False,
    publish: bool = False,
) -> ImportResult:
    """Create many products at once: every row is checked first, and nothing is written if one is wrong.

    This is the one path for new products (forms call it with one row, imports with many).
    """
    from txng.public.search import search_index_refresh
    from txng.review.services import revisions_open_for_new_products

    _require_edit(actor, organization.pk)
    groups = dict(ProductGroup.objects.values_list("code", "pk"))
    result = ImportResult()
    cleaned: list[tuple[int, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        try:
            data = _clean_product_row(row, groups)
        except ServiceError as error:
            result.errors.append(RowError(number, error.field, error.message, error.code))
            continue
        if data["gtin"] in seen:
            result.errors.append(
                RowError(
                    number,
                    "gtin",
                    _("GTIN %(gtin)s repeats row %(row)d.") % {"gtin": data["gtin"], "row": seen[data["gtin"]]},
                    "duplicate-gtin",
                )
            )
            continue
        seen[data["gtin"]] = number
        cleaned.append((number, data))
    gtins = list(seen)
    existing: set[str] = set()
    for start in range(0, len(gtins), 5000):
        existing.update(Product.objects.filter(gtin__in=gtins[start : start + 5000]).values_list("gtin", flat=True))
    for number, data in cleaned:
        if data["gtin"] in existing:
            result.errors.append(
                RowError(
                    number,
                    "gtin",
                    _("GTIN %(gtin)s is already registered.") % {"gtin": data["gtin"]},
                    "duplicate-gtin",
                )
            )
    if result.errors or dry_run or not cleaned:
        result.errors.sort(key=lambda e: e.row)
        return result
    status = ReviewStatus.PUBLISHED if publish else ReviewStatus.DRAFT
    products = [
        Product(organization=organization, review_status=status, is_published=publish, **data) for _, data in cleaned
    ]
    with transaction.atomic():
        Product.objects.bulk_create(products, batch_size=5000)
        if products and products[0].pk is None:  # backends that do not return ids
            by_gtin = dict(Product.objects.filter(gtin__in=gtins).values_list("gtin", "pk"))
            for product in products:
                product.pk = by_gtin[product.gtin]
        revisions_open_for_new_products(actor=actor, products=products, published=publish)
        if publish:  # the public portal's search index follows what is published (txng.public)
            search_index_refresh(product_ids=[product.pk for product in products])
        # One entry per import: each product's own first revision already records its data, author
        # and time, so a row per product here would only repeat it (and halve import speed).
        audit_record(
            actor=actor,
            action="product.import" if len(products) > 1 else "product.create",
            obj=products[0] if len(products) == 1 else organization,
            changes={"count": len(products), "published": publish, "gtins": [product.gtin for product in products]},
        )
    result.created = products
    return result


def product_create(
    *, actor: Principal, organization: Organization, gtin: str, name: str, publish: bool = False, **profile: Any
) -> Product:
    """Register one product (through the same checks as a bulk import)."""
    result = products_import(
        actor=actor, organization=organization, rows=[{"gtin": gtin, "name": name, **profile}], publish=publish
    )
    if result.errors:
        error = result.errors[0]
        raise (Conflict if error.code == "duplicate-gtin" else ServiceError)(
            error.message, code=error.code, field=error.field
        )
    return result.created[0]


@transaction.atomic
def product_update(*, actor: Principal, product: Product, **changes: Any) -> None:
    """Propose profile changes; they go into the product's open revision and need review."""
    from txng.review.services import revision_open

    _require_edit(actor, product.organization_id)
    groups = dict(ProductGroup.objects.values_list("code", "pk"))
    data = _clean_product_row({"gtin": product.gtin, "name": product.name, **changes}, groups)
    data.pop("gtin")
    data = {k: v for k, v in data.items() if k in changes or (k == "product_group_id" and "product_group" in changes)}
    revision_open(actor=actor, organization=product.organization, product=product, data=data)


# ---------------------------------------------------------------------------------------- facilities


def _parse_decimal(value: Any, field: str, low: Decimal, high: Decimal) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        number = None
    if number is None or not (low <= number <= high):
        raise ServiceError(_("Value out of range."), code="out-of-range", field=field)
    return number


def _validate_boundary(boundary: Any) -> dict[str, Any] | None:
    if boundary in (None, "", {}):
        return None
    if not isinstance(boundary, dict) or boundary.get("type") not in {"Polygon", "MultiPolygon"}:
        raise ServiceError(
            _("The boundary must be a GeoJSON Polygon or MultiPolygon."), code="geojson", field="boundary"
        )
    polygons = boundary.get("coordinates")
    if boundary["type"] == "Polygon":
        polygons = [polygons]
    try:
        for polygon in polygons or []:
            for ring in polygon:
                if len(ring) < 4 or ring[0] != ring[-1]:
                    raise ValueError
                for lon, lat, *_rest in ring:
                    if not (-180 <= float(lon) <= 180 and -90 <= float(lat) <= 90):
                        raise ValueError
    except (TypeError, ValueError) as error:
        raise ServiceError(
            _("The boundary must be closed rings of [longitude, latitude] in WGS84."), code="geojson", field="boundary"
        ) from error
    return boundary


def _clean_facility(kind: str, name: str, fields: dict[str, Any], *, exclude_pk: int | None = None) -> dict[str, Any]:
    """A facility's fields checked and parsed (kind, name, GLN check digit and uniqueness, coordinates)."""
    if kind not in Facility.Kind.values:
        raise ServiceError(_("Unknown facility kind."), code="invalid-choice", field="kind")
    if not name.strip():
        raise ServiceError(_("The facility name is required."), code="required", field="name")
    data = {key: (value.strip() if isinstance(value, str) else value) for key, value in fields.items()}
    if data.get("gln"):
        data["gln"] = validate_gln(data["gln"])
    data["latitude"] = _parse_decimal(data.get("latitude"), "latitude", Decimal(-90), Decimal(90))
    data["longitude"] = _parse_decimal(data.get("longitude"), "longitude", Decimal(-180), Decimal(180))
    data["area_hectares"] = _parse_decimal(data.get("area_hectares"), "area_hectares", Decimal(0), Decimal(10**7))
    data["boundary"] = _validate_boundary(data.get("boundary"))
    if data.get("gln"):
        taken = Facility.objects.filter(gln=data["gln"], gln_extension=data.get("gln_extension", ""))
        if exclude_pk is not None:
            taken = taken.exclude(pk=exclude_pk)
        if taken.exists():
            raise Conflict(_("This GLN is already used by another facility."), code="duplicate-gln", field="gln")
    return {"kind": kind, "name": name.strip(), **data}


@transaction.atomic
def facility_create(*, actor: Principal, organization: Organization, kind: str, name: str, **fields: Any) -> Facility:
    """Declare a facility of an organization."""
    _require_edit(actor, organization.pk)
    data = _clean_facility(kind, name, fields)
    facility = Facility.objects.create(organization=organization, **data)
    audit_record(actor=actor, action="facility.create", obj=facility, changes=data)
    return facility


@transaction.atomic
def facility_update(*, actor: Principal, facility: Facility, kind: str, name: str, **fields: Any) -> Facility:
    """Correct a facility's details (events already recorded keep naming it by its GLN)."""
    _require_edit(actor, facility.organization_id)
    data = _clean_facility(kind, name, fields, exclude_pk=facility.pk)
    changes = {key: value for key, value in data.items() if getattr(facility, key) != value}
    for key, value in changes.items():
        setattr(facility, key, value)
    if changes:
        facility.save(update_fields=list(changes))
        audit_record(actor=actor, action="facility.update", obj=facility, changes=changes)
    return facility


DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
_DOCUMENT_TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
_DOCUMENT_MAGIC = {"application/pdf": (b"%PDF-",), "image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n",)}


@transaction.atomic
def organization_document_add(
    *, actor: Principal, organization: Organization, kind: str, file: Any, title: str = ""
) -> OrganizationDocument:
    """Hand in a paper with the profile (PDF, JPEG or PNG of at most 10 MB) for the reviewers to see."""
    _require_edit(actor, organization.pk)
    if kind not in OrganizationDocument.Kind.values:
        raise ServiceError(_("Unknown document kind."), code="invalid-choice", field="kind")
    if len(title) > 200:
        raise ServiceError(
            _("Too long: at most %(limit)d characters.") % {"limit": 200}, code="too-long", field="title"
        )
    suffix = Path(getattr(file, "name", "") or "").suffix.lower()
    content_type = _DOCUMENT_TYPES.get(suffix)
    size = int(getattr(file, "size", 0) or 0)
    if content_type is None:
        raise ServiceError(_("Send a PDF, JPEG or PNG file."), code="file-type", field="file")
    if not 0 < size <= DOCUMENT_MAX_BYTES:
        raise ServiceError(_("The file must be at most 10 MB."), code="file-size", field="file")
    head = file.read(8)
    file.seek(0)
    if not head.startswith(_DOCUMENT_MAGIC[content_type]):
        raise ServiceError(_("The file is not the PDF or image its name says."), code="file-content", field="file")
    document = OrganizationDocument(
        organization=organization,
        kind=kind,
        title=title.strip(),
        content_type=content_type,
        size=size,
        uploaded_by=actor.label[:200],
    )
    document.file.save(f"document{suffix}", file, save=False)
    document.save()
    audit_record(actor=actor, action="organization.document.add", obj=document, changes={"kind": kind, "size": size})
    return document


@transaction.atomic
def certification_create(
    *,
    actor: Principal,
    organization: Organization,
    kind: str,
    number: str,
    issuer: str = "",
    issued_on: datetime.date | None = None,
    expires_on: datetime.date | None = None,
    facility: Facility | None = None,
    product: Product | None = None,
) -> Certification:
    """Record a certificate (VietGAP, HACCP, …) of an organization, one of its facilities or products."""
    _require_edit(actor, organization.pk)
    if kind not in Certification.Kind.values:
        raise ServiceError(_("Unknown certificate kind."), code="invalid-choice", field="kind")
    if not number.strip():
        raise ServiceError(_("The certificate number is required."), code="required", field="number")
    if issued_on and expires_on and expires_on < issued_on:
        raise ServiceError(_("The expiry date is before the issue date."), code="date-order", field="expires_on")
    for related in (facility, product):
        if related is not None and related.organization_id != organization.pk:
            raise ServiceError(_("It belongs to another organization."), code="foreign-object")
    certification = Certification.objects.create(
        organization=organization,
        kind=kind,
        number=number.strip(),
        issuer=issuer,
        issued_on=issued_on,
        expires_on=expires_on,
        facility=facility,
        product=product,
    )
    audit_record(
        actor=actor,
        action="certification.create",
        obj=certification,
        changes={"kind": kind, "number": number, "issued_on": issued_on, "expires_on": expires_on},
    )
    return certification


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last_day in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, last_day))
        except ValueError:
            continue
    raise AssertionError("unreachable")


@transaction.atomic
def ocop_rating_create(
    *,
    actor: Principal,
    product: Product,
    stars: int,
    issued_on: datetime.date,
    level: str = OcopRating.Level.CITY,
    score: Decimal | None = None,
    ocop_group: str = "",
    certificate_number: str = "",
    decision_number: str = "",
) -> OcopRating:
    """Record an OCOP rating; it is valid 36 months from issue."""
    if not (actor.is_admin or actor.is_officer):
        raise PermissionDenied(_("Only officers record OCOP ratings."))
    if stars not in (3, 4, 5):
        raise ServiceError(_("OCOP ratings have 3 to 5 stars."), code="invalid", field="stars")
    if stars == 5 and level != OcopRating.Level.NATIONAL:
        raise ServiceError(_("Only the national council awards 5 stars."), code="invalid", field="level")
    rating = OcopRating.objects.create(
        product=product,
        stars=stars,
        score=score,
        ocop_group=ocop_group,
        certificate_number=certificate_number,
        decision_number=decision_number,
        level=level,
        issued_on=issued_on,
        expires_on=_add_months(issued_on, 36),
    )
    audit_record(actor=actor, action="ocop.create", obj=rating, changes={"stars": stars, "issued_on": issued_on})
    return rating


# ---------------------------------------------------------------------------------------- GS1 prefix pool


@transaction.atomic
def gs1_prefix_add(*, actor: Principal, prefix: str, description: str = "") -> Gs1Prefix:
    if not actor.sees_everything:
        raise PermissionDenied(_("Only DOST officers manage the prefix pool."))
    pool_prefix = Gs1Prefix.objects.create(prefix=validate_company_prefix(prefix), description=description)
    audit_record(actor=actor, action="gs1prefix.add", obj=pool_prefix, changes={"prefix": prefix})
    return pool_prefix


def number_allocate(*, actor: Principal, organization: Organization, kind: str) -> AllocatedNumber:
    """Hand out the next GTIN or GLN of the city's pool; a number is never handed out twice."""
    if kind not in AllocatedNumber.Kind.values:
        raise ServiceError(_("Unknown number kind."), code="invalid-choice", field="kind")
    if not (actor.sees_everything or can_edit_organization(actor, organization.pk)):
        raise PermissionDenied(_("You may not allocate numbers for this organization."))
    with transaction.atomic():
        # The row lock serializes allocators on PostgreSQL; SQLite's IMMEDIATE transactions do the same.
        for pool_prefix in Gs1Prefix.objects.select_for_update().filter(is_active=True).order_by("pk"):
            if pool_prefix.next_reference < pool_prefix.capacity:
                break
        else:
            raise ServiceError(_("The city's GS1 prefix pool is exhausted."), code="pool-exhausted")
        reference = pool_prefix.next_reference
        Gs1Prefix.objects.filter(pk=pool_prefix.pk).update(next_reference=reference + 1)
        width = 12 - len(pool_prefix.prefix)
        # A 12-digit prefix leaves no item reference: its one number is the prefix itself.
        body = pool_prefix.prefix + (f"{reference:0{width}d}" if width else "")
        number13 = body + gs1_check_digit(body)
        value = "0" + number13 if kind == AllocatedNumber.Kind.GTIN else number13
        allocation = AllocatedNumber.objects.create(
            prefix=pool_prefix,
            kind=kind,
            reference=reference,
            value=value,
            organization=organization,
            allocated_by=actor.user,
        )
        audit_record(actor=actor, action="number.allocate", obj=allocation, changes={"kind": kind, "value": value})
    return allocation


# ---------------------------------------------------------------------------------------- administrative units

PROVINCE_CODE = "92"
PROVINCE_NAME = "Thành phố Cần Thơ"


def administrative_units_import(*, path: Path, valid_from: datetime.date | None = None) -> int:
    """Load wards/communes from a CSV (code,name,type,formed_from,former_district,former_province)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        required = {"code", "name", "type"}
        if not reader.fieldnames or not required <= set(reader.fieldnames):
            raise ServiceError(_("The file needs the columns code, name, type."), code="missing-columns", field="file")
        rows = list(reader)
    kinds = {"phường": AdministrativeUnit.Kind.WARD, "xã": AdministrativeUnit.Kind.COMMUNE}
    for number, row in enumerate(rows, start=2):
        if not row["code"].strip().isdigit() or row["type"].strip() not in kinds or not row["name"].strip():
            raise ServiceError(
                _("Line %(line)d: bad code, name or type (phường/xã).") % {"line": number}, code="invalid-row"
            )
    with transaction.atomic():
        province, _created = AdministrativeUnit.objects.update_or_create(
            code=PROVINCE_CODE,
            defaults={"name": PROVINCE_NAME, "kind": AdministrativeUnit.Kind.PROVINCE},
        )
        for row in rows:
            AdministrativeUnit.objects.update_or_create(
                code=row["code"].strip(),
                defaults={
                    "name": row["name"].strip(),
                    "kind": kinds[row["type"].strip()],
                    "parent": province,
                    "former_districts": (row.get("former_district") or "").strip(),
                    "former_province": (row.get("former_province") or "").strip(),
                    "formed_from": (row.get("formed_from") or "").strip(),
                    "valid_from": valid_from or datetime.date(2025, 7, 1),
                },
            )
    return len(rows)
