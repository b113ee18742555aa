"""Revisions of organization and product profiles, and their review."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from txng.registry.models import Organization, Product, ReviewStatus


class ProfileRevision(models.Model):
    """Proposed profile data; the live row keeps the published data until a revision is published."""

    class Subject(models.TextChoices):
        ORGANIZATION = "organization", _("Organization")
        PRODUCT = "product", _("Product")

    subject = models.CharField(_("subject"), max_length=20, choices=Subject.choices)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="revisions")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("revision"))
    status = models.CharField(_("status"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT)
    data = models.JSONField(_("data"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewer_note = models.TextField(_("reviewer's note"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("profile revision")
        verbose_name_plural = _("profile revisions")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"],
                condition=models.Q(product__isnull=True),
                name="organization_revision_number_unique",
            ),
            models.UniqueConstraint(
                fields=["product", "number"],
                condition=models.Q(product__isnull=False),
                name="product_revision_number_unique",
            ),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"], name="revision_queue_idx")]

    def __str__(self) -> str:
        target = self.product if self.product_id else self.organization
        return f"{target} — r{self.number} ({self.get_status_display()})"
