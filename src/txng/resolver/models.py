"""Resolver data: businesses' own links per GTIN, the scan log, PIN checks, consumer reports and signals."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from txng.codes.models import StampBatch
from txng.registry.models import Organization, Product


class ProductLink(models.Model):
    """A link a business adds to its GTIN (product page, e-shop, instructions…), served by the resolver."""

    class LinkType(models.TextChoices):
        PIP = "gs1:pip", _("Product information page")
        HOMEPAGE = "gs1:homepage", _("Company home page")
        HAS_RETAILERS = "gs1:hasRetailers", _("Where to buy")
        INSTRUCTIONS = "gs1:instructions", _("Instructions")
        CERTIFICATION_INFO = "gs1:certificationInfo", _("Certification information")
        RECALL_STATUS = "gs1:recallStatus", _("Recall status")
        TRACEABILITY = "gs1:traceability", _("Traceability information")
        NUTRITIONAL_INFO = "gs1:nutritionalInfo", _("Nutritional information")
        INGREDIENTS_INFO = "gs1:ingredientsInfo", _("Ingredients information")
        RECIPE_INFO = "gs1:recipeInfo", _("Recipes")
        RELATED_VIDEO = "gs1:relatedVideo", _("Related video")
        SOCIAL_MEDIA = "gs1:socialMedia", _("Social media")
        SAFETY_INFO = "gs1:safetyInfo", _("Safety information")
        SUPPORT = "gs1:support", _("Support")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="links")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    link_type = models.CharField(_("link type"), max_length=40, choices=LinkType.choices)
    href = models.URLField(_("target URL"), max_length=500)
    title = models.CharField(_("title"), max_length=200)
    language = models.CharField(_("language"), max_length=10, blank=True, help_text=_("e.g. vi, en; empty: any"))
    context = models.CharField(_("context"), max_length=50, blank=True, help_text=_("e.g. VN; empty: any"))
    media_type = models.CharField(_("media type"), max_length=100, default="text/html")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("product link")
        verbose_name_plural = _("product links")
        ordering = ["product_id", "link_type", "pk"]
        indexes = [models.Index(fields=["product", "is_active"], name="resolver_link_product_idx")]

    def __str__(self) -> str:
        return f"{self.link_type} {self.href}"


class Verdict(models.TextChoices):
    GENUINE = "genuine", _("Genuine")
    CHECKED_BEFORE = "checked_before", _("Already checked — possible copy")
    NOT_IN_SYSTEM = "not_in_system", _("Not in the system")
    COUNTERFEIT = "counterfeit", _("Counterfeit")
    NOT_ACTIVATED = "not_activated", _("Stamp not activated")
    SUSPENDED = "suspended", _("Stamp suspended")
    VOIDED = "voided", _("Stamp voided")
    EXPIRED = "expired", _("Expired")
    PRODUCT_ONLY = "product_only", _("Product code (no stamp to verify)")


class Scan(models.Model):
    """One resolution of a printed code. The IP address is kept only as a keyed hash."""

    organization_id = models.BigIntegerField(_("organization"), null=True, blank=True)
    gtin = models.CharField(_("GTIN"), max_length=14)
    lot = models.CharField(_("lot"), max_length=20, blank=True)
    serial = models.CharField(_("serial"), max_length=20, blank=True)
    # No index of its own: resolver_scan_stamp_idx starts with it, and every scan writes each index.
    batch = models.ForeignKey(
        StampBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="scans", db_index=False
    )
    stamp_index = models.PositiveIntegerField(_("stamp number"), null=True, blank=True)
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices)
    scanned_at = models.DateTimeField(_("scanned at"), db_index=True)
    ip_hash = models.CharField(_("IP address (hashed)"), max_length=32, blank=True)
    # Coarse (≈1 km) position, only if the visitor's phone shares it.
    latitude = models.DecimalField(_("latitude"), max_digits=6, decimal_places=2, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=6, decimal_places=2, null=True, blank=True)
    platform = models.CharField(_("platform"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("scan")
        verbose_name_plural = _("scans")
        indexes = [
            models.Index(fields=["batch", "stamp_index", "scanned_at"], name="resolver_scan_stamp_idx"),
            models.Index(fields=["organization_id", "scanned_at"], name="resolver_scan_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.gtin}/{self.serial} {self.verdict}"


class PinCheck(models.Model):
    """One entry of a scratch-off PIN (right or wrong): PIN guessing is a counterfeit signal."""

    batch = models.ForeignKey(StampBatch, on_delete=models.PROTECT, related_name="pin_checks")
    stamp_index = models.PositiveIntegerField(_("stamp number"))
    is_correct = models.BooleanField(_("correct"))
    ip_hash = models.CharField(_("IP address (hashed)"), max_length=32, blank=True)
    checked_at = models.DateTimeField(_("checked at"))

    class Meta:
        verbose_name = _("PIN check")
        verbose_name_plural = _("PIN checks")
        indexes = [
            models.Index(fields=["batch", "stamp_index", "checked_at"], name="resolver_pin_stamp_idx"),
            models.Index(fields=["ip_hash", "checked_at"], name="resolver_pin_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.stamp_index} {'ok' if self.is_correct else 'wrong'}"


class SuspectReport(models.Model):
    """A consumer's report of a suspect product (no login; rate-limited by hashed IP)."""

    organization_id = models.BigIntegerField(_("organization"), null=True, blank=True)
    gtin = models.CharField(_("GTIN"), max_length=14)
    serial = models.CharField(_("serial"), max_length=20, blank=True)
    lot = models.CharField(_("lot"), max_length=20, blank=True)
    description = models.TextField(_("description"), max_length=2000)
    place = models.CharField(_("place of purchase"), max_length=300, blank=True)
    contact = models.CharField(_("contact (optional)"), max_length=200, blank=True)
    photo = models.ImageField(_("photo"), upload_to="reports/%Y/%m/", blank=True)
    ip_hash = models.CharField(_("IP address (hashed)"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("suspect-product report")
        verbose_name_plural = _("suspect-product reports")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["ip_hash", "created_at"], name="resolver_report_ip_idx")]

    def __str__(self) -> str:
        return f"{self.gtin} {self.created_at:%Y-%m-%d}"


class Signal(models.Model):
    """A counterfeit signal raised to the owner and to DOST, with its score and plain-words reasons."""

    class Kind(models.TextChoices):
        FAR_APART = "far_apart", _("Scanned in far-apart places within hours")
        HIGH_COUNT = "high_count", _("Scanned far more often than the batch's norm")
        INVALID_SERIAL = "invalid_serial", _("Scan of a forged or never-issued serial")
        VOIDED = "voided", _("Scan of a voided stamp")
        PIN_GUESSING = "pin_guessing", _("PIN guessing")

    organization_id = models.BigIntegerField(_("organization"), null=True, blank=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    gtin = models.CharField(_("GTIN"), max_length=14)
    serial = models.CharField(_("serial"), max_length=20, blank=True)
    batch = models.ForeignKey(StampBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="signals")
    stamp_index = models.PositiveIntegerField(_("stamp number"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("score"))
    reasons = models.JSONField(_("reasons"), default=list)
    raised_at = models.DateTimeField(_("raised at"))
    # One open signal per stamp (or serial) and kind per day; repeated evidence updates it.
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("counterfeit signal")
        verbose_name_plural = _("counterfeit signals")
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(fields=["gtin", "serial", "kind", "day"], name="resolver_signal_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.gtin}/{self.serial} ({self.score})"
