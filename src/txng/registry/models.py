"""The city's register: administrative units, organizations, facilities, products and the catalog."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from txng.core.choices import Sector
from txng.core.storage import private_storage


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    PUBLISHED = "published", _("Published")


class AdministrativeUnit(models.Model):
    """A province or a ward/commune; loaded from data, since boundaries change (2025 reform)."""

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Province/centrally-run city")
        WARD = "ward", _("Ward")
        COMMUNE = "commune", _("Commune")

    code = models.CharField(_("code"), max_length=10, primary_key=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    former_districts = models.CharField(_("former district(s)"), max_length=300, blank=True)
    former_province = models.CharField(_("former province"), max_length=200, blank=True)
    formed_from = models.TextField(_("formed from"), blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ProductGroup(models.Model):
    """A catalog group (e.g. rice, fresh fruit, aquatic products) with its sector and data rules."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    sector = models.CharField(_("sector"), max_length=30, choices=Sector.choices)
    is_priority = models.BooleanField(_("priority"), default=False)
    is_mandatory = models.BooleanField(_("mandatory traceability"), default=False)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    retention_years = models.PositiveSmallIntegerField(_("data retention (years)"), default=5)
    # CBV business steps expected for products of this group, and their key data elements.
    expected_ctes = models.JSONField(_("expected critical tracking events"), default=list, blank=True)
    expected_kdes = models.JSONField(_("expected key data elements"), default=dict, blank=True)

    class Meta:
        verbose_name = _("product group")
        verbose_name_plural = _("product groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organization(models.Model):
    """A business that produces, processes or trades: enterprise, co-op, household business."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("Enterprise")
        COOPERATIVE = "cooperative", _("Cooperative")
        COOPERATIVE_GROUP = "cooperative_group", _("Cooperative group")
        HOUSEHOLD_BUSINESS = "household_business", _("Household business")
        INDIVIDUAL = "individual", _("Individual")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, default=Kind.ENTERPRISE)
    name = models.CharField(_("legal name"), max_length=255)
    name_en = models.CharField(_("English name"), max_length=255, blank=True)
    tax_code = models.CharField(_("tax code (MST)"), max_length=14, unique=True)
    business_registration_number = models.CharField(_("business registration number"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    administrative_unit = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("ward/commune"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organizations",
    )
    representative = models.CharField(_("legal representative"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    gs1_company_prefix = models.CharField(_("GS1 company prefix"), max_length=12, blank=True)
    gln = models.CharField(_("GLN"), max_length=13, blank=True)
    description = models.TextField(_("description"), blank=True)
    review_status = models.CharField(
        _("review status"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    is_published = models.BooleanField(_("published"), default=False, db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganizationSector(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="sectors")
    sector = models.CharField(_("sector"), max_length=30, choices=Sector.choices)

    class Meta:
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        constraints = [models.UniqueConstraint(fields=["organization", "sector"], name="organization_sector_unique")]
        indexes = [models.Index(fields=["sector", "organization"], name="organization_sector_idx")]

    def __str__(self) -> str:
        return self.get_sector_display()


class Facility(models.Model):
    """A place of an organization: farm, growing area, pond, factory, packing house, warehouse, store."""

    class Kind(models.TextChoices):
        FARM = "farm", _("Farm")
        GROWING_AREA = "growing_area", _("Growing area")
        POND = "pond", _("Pond")
        FACTORY = "factory", _("Factory")
        PACKING_HOUSE = "packing_house", _("Packing house")
        WAREHOUSE = "warehouse", _("Warehouse")
        COLD_STORE = "cold_store", _("Cold store")
        STORE = "store", _("Store")
        OFFICE = "office", _("Office")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="facilities")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=255)
    gln = models.CharField(_("GLN"), max_length=13, blank=True, db_index=True)
    gln_extension = models.CharField(_("GLN extension (AI 254)"), max_length=20, blank=True)
    planting_area_code = models.CharField(_("planting-area code"), max_length=50, blank=True)
    packing_house_code = models.CharField(_("packing-house code"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    administrative_unit = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("ward/commune"), null=True, blank=True, on_delete=models.PROTECT
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    # GeoJSON Polygon/MultiPolygon in WGS84 (EUDR plot geolocation).
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)
    area_hectares = models.DecimalField(_("area (ha)"), max_digits=12, decimal_places=4, null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["organization_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["gln", "gln_extension"], condition=~models.Q(gln=""), name="facility_gln_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """A trade item identified by a GTIN-14."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="products")
    gtin = models.CharField(_("GTIN"), max_length=14, unique=True)
    name = models.CharField(_("name"), max_length=255)
    name_en = models.CharField(_("English name"), max_length=255, blank=True)
    description = models.TextField(_("description"), blank=True)
    brand = models.CharField(_("brand"), max_length=200, blank=True)
    product_group = models.ForeignKey(
        ProductGroup, verbose_name=_("product group"), null=True, blank=True, on_delete=models.PROTECT
    )
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    net_content = models.CharField(_("net content"), max_length=50, blank=True)
    shelf_life_days = models.PositiveIntegerField(_("shelf life (days)"), null=True, blank=True)
    hs_code = models.CharField(_("HS code"), max_length=12, blank=True)
    applied_standards = models.CharField(_("applied standards"), max_length=300, blank=True)
    image = models.ImageField(_("image"), upload_to="products/%Y/%m/", blank=True)
    is_city_allocated_gtin = models.BooleanField(_("GTIN from the city pool"), default=False)
    review_status = models.CharField(
        _("review status"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    is_published = models.BooleanField(_("published"), default=False, db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]
        indexes = [models.Index(fields=["organization", "name"], name="product_org_name_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.gtin})"


class Certification(models.Model):
    class Kind(models.TextChoices):
        VIETGAP = "vietgap", "VietGAP"
        GLOBALGAP = "globalgap", "GlobalG.A.P."
        ORGANIC = "organic", _("Organic")
        HACCP = "haccp", "HACCP"
        ISO22000 = "iso22000", "ISO 22000"
        FOOD_SAFETY = "food_safety", _("Food-safety establishment certificate")
        GEOGRAPHICAL_INDICATION = "geographical_indication", _("Geographical indication")
        COLLECTIVE_MARK = "collective_mark", _("Collective/certification mark")
        OTHER = "other", _("Other")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="certifications")
    facility = models.ForeignKey(
        Facility,
        verbose_name=_("facility"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="certifications",
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="certifications",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    number = models.CharField(_("certificate number"), max_length=100)
    issuer = models.CharField(_("issued by"), max_length=255, blank=True)
    issued_on = models.DateField(_("issue date"), null=True, blank=True)
    expires_on = models.DateField(_("expiry date"), null=True, blank=True)
    document = models.FileField(_("scanned document"), upload_to="certificates/%Y/", blank=True)

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["-expires_on"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def is_expired_on(self, day: datetime.date) -> bool:
        return self.expires_on is not None and self.expires_on < day

    @property
    def is_expired(self) -> bool:
        return self.is_expired_on(timezone.localdate())


class OcopRating(models.Model):
    """An OCOP (One Commune One Product) star rating of a product; valid 36 months."""

    class Level(models.TextChoices):
        CITY = "city", _("City/province")
        NATIONAL = "national", _("National")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="ocop_ratings")
    stars = models.PositiveSmallIntegerField(_("stars"))
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    ocop_group = models.CharField(_("OCOP product group"), max_length=100, blank=True)
    certificate_number = models.CharField(_("certificate number"), max_length=100, blank=True)
    decision_number = models.CharField(_("decision number"), max_length=100, blank=True)
    level = models.CharField(_("issuing level"), max_length=20, choices=Level.choices, default=Level.CITY)
    issued_on = models.DateField(_("issue date"))
    expires_on = models.DateField(_("expiry date"))

    class Meta:
        verbose_name = _("OCOP rating")
        verbose_name_plural = _("OCOP ratings")
        ordering = ["-issued_on"]
        constraints = [
            models.CheckConstraint(condition=models.Q(stars__gte=3, stars__lte=5), name="ocop_stars_3_to_5"),
            models.CheckConstraint(
                condition=~models.Q(stars=5) | models.Q(level="national"), name="ocop_five_stars_national"
            ),
        ]

    def __str__(self) -> str:
        return f"OCOP {self.stars}★ — {self.product.name}"

    @property
    def is_expired(self) -> bool:
        return self.expires_on < timezone.localdate()


class Gs1Prefix(models.Model):
    """A GS1 company prefix held by the city, from which numbers are allocated to small producers."""

    prefix = models.CharField(_("GS1 company prefix"), max_length=12, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # Next item/location reference; only ever increases, so no number is handed out twice.
    next_reference = models.PositiveBigIntegerField(_("next reference"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("GS1 prefix")
        verbose_name_plural = _("GS1 prefix pool")

    def __str__(self) -> str:
        return self.prefix

    @property
    def capacity(self) -> int:
        # GTIN-13 body = prefix + item reference (12 digits before the check digit).
        return int(10 ** (12 - len(self.prefix)))


class AllocatedNumber(models.Model):
    class Kind(models.TextChoices):
        GTIN = "gtin", "GTIN"
        GLN = "gln", "GLN"

    prefix = models.ForeignKey(Gs1Prefix, on_delete=models.PROTECT, related_name="allocations")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    reference = models.PositiveBigIntegerField(_("reference"))
    value = models.CharField(_("number"), max_length=14, unique=True)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="allocated_numbers")
    allocated_at = models.DateTimeField(_("allocated at"), auto_now_add=True)
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("allocated number")
        verbose_name_plural = _("allocated numbers")
        constraints = [
            models.UniqueConstraint(fields=["prefix", "reference"], name="allocated_number_reference_unique")
        ]

    def __str__(self) -> str:
        return self.value


def _document_path(instance: OrganizationDocument, filename: str) -> str:
    # A random name: the stored path says nothing about the business or the original file name.
    import uuid
    from pathlib import PurePath

    return f"documents/{instance.organization_id}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


class OrganizationDocument(models.Model):
    """A paper the business hands in with its profile (registration certificate, …) for the reviewers."""

    class Kind(models.TextChoices):
        BUSINESS_REGISTRATION = "business_registration", _("Business registration certificate")
        FOOD_SAFETY = "food_safety", _("Food-safety establishment certificate")
        OTHER = "other", _("Other document")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    file = models.FileField(_("file"), upload_to=_document_path, storage=private_storage, max_length=200)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.CharField(_("uploaded by"), max_length=200)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("organization document")
        verbose_name_plural = _("organization documents")
        indexes = [models.Index(fields=["organization", "uploaded_at"], name="registry_doc_org_time_idx")]

    def __str__(self) -> str:
        return self.title or self.get_kind_display()
