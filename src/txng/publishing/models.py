"""The outbox (what must reach which destination) and the source nodes of a hub (README.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from txng.registry.models import Organization

REFERENCE_MAX_LENGTH = 512


class Destination(models.Model):
    """Where published data is pushed: an EPCIS 2.0 repository (a hub, the National Portal)."""

    class Connector(models.TextChoices):
        EPCIS_CAPTURE = "epcis_capture", _("EPCIS 2.0 capture")

    name = models.CharField(_("name"), max_length=100, unique=True)
    connector = models.CharField(
        _("connector"), max_length=30, choices=Connector.choices, default=Connector.EPCIS_CAPTURE
    )
    # The EPCIS 2.0 REST base, e.g. https://hub.example.vn/epcis: documents go to {url}/capture.
    url = models.URLField(_("URL"), max_length=500)
    # Fernet-encrypted with a key derived from SECRET_KEY; never shown again after it is set.
    token_encrypted = models.TextField(_("token (encrypted)"), blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("destination")
        verbose_name_plural = _("destinations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OutboxItem(models.Model):
    """One published thing (event, organization or product profile) owed to one destination."""

    class Kind(models.TextChoices):
        EVENT = "event", _("Event")
        ORGANIZATION = "organization", _("Organization")
        PRODUCT = "product", _("Product")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        # The last attempt failed; another follows at next_attempt_at.
        FAILED = "failed", _("Failed, will retry")
        DEAD = "dead", _("Dead letter")

    destination = models.ForeignKey(Destination, on_delete=models.CASCADE, related_name="outbox_items")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    # eventID for events; "<tax code>#<revision>" / "<GTIN>#<revision>" for profiles.
    reference = models.CharField(_("reference"), max_length=REFERENCE_MAX_LENGTH)
    # The payload is rendered at send time from this row: Event, Organization or Product primary key.
    object_id = models.BigIntegerField(_("object"))
    organization_id = models.BigIntegerField(_("organization"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    # A worker's lease: a killed worker's rows become due again when it runs out.
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    claim = models.CharField(_("claim"), max_length=32, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox item")
        verbose_name_plural = _("outbox items")
        constraints = [
            # Idempotency: a thing is owed to a destination once, however often it is recorded.
            models.UniqueConstraint(
                fields=["destination", "kind", "reference"], name="publishing_outbox_destination_reference_uniq"
            )
        ]
        indexes = [
            # The worker's claim and the operator page's lag: due pending rows of a destination.
            models.Index(
                fields=["destination", "next_attempt_at", "id"],
                name="publishing_outbox_due_idx",
                condition=models.Q(status__in=["pending", "failed"]),
            ),
            models.Index(fields=["destination", "status", "delivered_at"], name="publishing_outbox_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference} → {self.destination_id}"


class SourceNode(models.Model):
    """Hub mode: a city (or regional) node that pushes to this instance with its organization's API tokens."""

    organization = models.OneToOneField(
        Organization, on_delete=models.PROTECT, related_name="source_node", verbose_name=_("organization")
    )
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("source node")
        verbose_name_plural = _("source nodes")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name
