"""Stamp batches: N two-layer stamps of one product, derived from one encrypted secret (no row per stamp)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from txng.codes.serials import MAX_BATCH_SIZE, SERIAL_SCHEME
from txng.registry.models import Organization, Product


class StampBatch(models.Model):
    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued, not activated")
        ACTIVE = "active", _("Activated")
        SUSPENDED = "suspended", _("Suspended")
        VOIDED = "voided", _("Voided")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="stamp_batches")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="stamp_batches")
    lot = models.CharField(_("lot"), max_length=20, blank=True)
    count = models.PositiveIntegerField(_("number of stamps"))
    # AES-GCM(nonce ‖ ciphertext) of the 32-byte batch secret, base64; see txng.codes.serials.
    secret_encrypted = models.CharField(_("encrypted secret"), max_length=128, editable=False)
    # How the serials' MACs are made (txng.codes.serials): batches keep the scheme they were printed with.
    serial_scheme = models.PositiveSmallIntegerField(_("serial scheme"), default=SERIAL_SCHEME, editable=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ISSUED)
    created_by = models.CharField(_("created by"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    lot_bound_at = models.DateTimeField(_("lot bound at"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("stamp batch")
        verbose_name_plural = _("stamp batches")
        ordering = ["-pk"]
        indexes = [models.Index(fields=["organization", "created_at"], name="codes_batch_org_created_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(count__gte=1, count__lte=MAX_BATCH_SIZE), name="codes_batch_count_range"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.product.gtin} ×{self.count}"
