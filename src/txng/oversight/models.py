"""Recalls: an agency's recall of lots, the affected-lot snapshot, notices to businesses and dispositions.

The affected lots are a snapshot taken when the recall is opened (the forward trace of the recalled lots
at that moment), so the recall's scope does not drift when later events arrive or the lot graph is
rebuilt; lot nodes are therefore referenced by copied identifiers, not by foreign key (the lineage tables
are derived and `txng lineage rebuild` recreates them). Tables that grow with the city are keyed by
`organization_id` (DESIGN.md §4).
"""

from __future__ import annotations

import datetime
from typing import Final

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from txng.epcis.models import URI_MAX_LENGTH

# MARD Circular 17/2021/TT-BNNPTNT: a business notified of a recall reports back within 24 hours.
RESPONSE_HOURS: Final = 24
RESPONSE_TIME: Final = datetime.timedelta(hours=RESPONSE_HOURS)
DEFAULT_LEGAL_BASIS: Final = "Thông tư 17/2021/TT-BNNPTNT"


class Recall(models.Model):
    """An agency's recall (or mock recall drill) of one or more lots and everything made from them."""

    class Status(models.TextChoices):
        OPENED = "opened", _("Open")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    class HazardClass(models.TextChoices):
        CLASS_1 = "class_1", _("Class I: serious risk to health")
        CLASS_2 = "class_2", _("Class II: possible risk to health")
        CLASS_3 = "class_3", _("Class III: not a health risk (labelling, quality)")

    # TH-2026-0001 for recalls (thu hồi), DT-2026-0001 for mock recall drills (diễn tập).
    code = models.CharField(_("code"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    reason = models.TextField(_("reason"), max_length=2000)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    hazard = models.CharField(_("hazard"), max_length=200, blank=True)
    hazard_class = models.CharField(_("hazard class"), max_length=10, choices=HazardClass.choices)
    is_mock = models.BooleanField(_("mock recall"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPENED)
    agency = models.ForeignKey(
        "accounts.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="recalls"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"))
    response_deadline = models.DateTimeField(_("response deadline"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    close_note = models.TextField(_("closing note"), max_length=2000, blank=True)
    # Time-to-trace: how long the forward trace and the snapshot of the affected lots took.
    trace_milliseconds = models.PositiveIntegerField(_("time to trace (ms)"), null=True, blank=True)
    affected_lot_count = models.PositiveIntegerField(_("affected lots"), default=0)
    affected_organization_count = models.PositiveIntegerField(_("affected organizations"), default=0)
    # Parties outside the registry the affected lots were shipped to (importers abroad, unregistered buyers).
    external_parties = models.JSONField(_("parties outside the registry"), default=list, blank=True)

    class Meta:
        verbose_name = _("recall")
        verbose_name_plural = _("recalls")
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["status", "is_mock", "opened_at"], name="oversight_recall_status_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPENED


class RecalledLot(models.Model):
    """A lot the agency named when opening the recall (the start of the forward trace)."""

    recall = models.ForeignKey(Recall, on_delete=models.CASCADE, related_name="recalled_lots")
    identifier = models.CharField(_("lot identifier"), max_length=URI_MAX_LENGTH)
    gtin = models.CharField(_("GTIN"), max_length=14, blank=True)
    lot = models.CharField(_("lot number"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("recalled lot")
        verbose_name_plural = _("recalled lots")
        constraints = [
            models.UniqueConstraint(fields=["recall", "identifier"], name="oversight_recalled_lot_uniq"),
        ]

    def __str__(self) -> str:
        return self.identifier


class AffectedLot(models.Model):
    """One lot node reached by the recall's forward trace, as held by one organization when it was opened."""

    organization_id = models.BigIntegerField(_("holder organization"))
    recall = models.ForeignKey(Recall, on_delete=models.CASCADE, related_name="affected_lots")
    lot_node_id = models.BigIntegerField(_("lot node"))
    identifier = models.CharField(_("lot identifier"), max_length=URI_MAX_LENGTH)
    gtin = models.CharField(_("GTIN"), max_length=14, blank=True)
    lot = models.CharField(_("lot number"), max_length=40, blank=True)
    product_name = models.CharField(_("product"), max_length=255, blank=True)
    location = models.CharField(_("last location"), max_length=URI_MAX_LENGTH, blank=True)
    # What the holder still had when the recall was opened (produced + received − shipped − used −
    # destroyed), when the lot graph knows quantities; None when it does not.
    quantity = models.DecimalField(_("quantity on hand"), max_digits=20, decimal_places=6, null=True, blank=True)
    uom = models.CharField(_("unit of measure"), max_length=10, blank=True)
    is_recalled_lot = models.BooleanField(_("named in the recall"), default=False)

    class Meta:
        verbose_name = _("affected lot")
        verbose_name_plural = _("affected lots")
        ordering = ["recall_id", "organization_id", "identifier"]
        constraints = [
            models.UniqueConstraint(fields=["recall", "lot_node_id"], name="oversight_affected_lot_uniq"),
        ]
        indexes = [
            models.Index(fields=["organization_id", "recall"], name="oversight_affected_org_idx"),
            models.Index(fields=["gtin", "lot"], name="oversight_affected_lot_idx"),
        ]

    def __str__(self) -> str:
        return self.identifier


class RecallNotice(models.Model):
    """The recall as notified to one affected organization, and its acknowledgement."""

    organization = models.ForeignKey(
        "registry.Organization", verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+"
    )
    recall = models.ForeignKey(Recall, on_delete=models.CASCADE, related_name="notices")
    notified_at = models.DateTimeField(_("notified at"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Who acknowledged as the principal's label: API tokens act for the organization, not a person.
    acknowledged_by_label = models.CharField(_("acknowledged by (label)"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("recall notice")
        verbose_name_plural = _("recall notices")
        constraints = [
            models.UniqueConstraint(fields=["recall", "organization"], name="oversight_notice_uniq"),
        ]
        indexes = [models.Index(fields=["organization", "recall"], name="oversight_notice_org_idx")]

    def __str__(self) -> str:
        return f"{self.recall_id} → {self.organization_id}"


class RecallDisposition(models.Model):
    """What an affected business did with a quantity of an affected lot, recorded as an EPCIS event."""

    class Kind(models.TextChoices):
        CORRECTED = "corrected", _("Corrected")
        REUSED = "reused", _("Reused for another purpose")
        RE_EXPORTED = "re_exported", _("Re-exported")
        DESTROYED = "destroyed", _("Destroyed")

    organization = models.ForeignKey(
        "registry.Organization", verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+"
    )
    recall = models.ForeignKey(Recall, on_delete=models.CASCADE, related_name="dispositions")
    affected_lot = models.ForeignKey(AffectedLot, on_delete=models.CASCADE, related_name="dispositions")
    kind = models.CharField(_("disposition"), max_length=12, choices=Kind.choices)
    quantity = models.DecimalField(_("quantity"), max_digits=20, decimal_places=6)
    uom = models.CharField(_("unit of measure"), max_length=10, blank=True)
    note = models.TextField(_("note"), max_length=1000, blank=True)
    event_id = models.CharField(_("EPCIS event ID"), max_length=URI_MAX_LENGTH)
    recorded_at = models.DateTimeField(_("recorded at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_by_label = models.CharField(_("recorded by (label)"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("recall disposition")
        verbose_name_plural = _("recall dispositions")
        ordering = ["recorded_at", "pk"]
        indexes = [models.Index(fields=["organization", "recall"], name="oversight_dispos_org_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity} {self.uom}"


from txng.oversight.models_inspections import (  # noqa: E402, F401  (inspections live in their own module)
    Inspection,
    InspectionPhoto,
    InspectionSample,
    ReportTriage,
    Violation,
)
