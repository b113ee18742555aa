"""The lot graph derived from EPCIS events: lots as held by one organization, narrow edges between them.

A lot node is (holder organization, lot identifier): the same GS1 lot held by the producer and by its
distributor is two nodes joined by a shipment edge. That keeps every edge attributable to the
businesses at its two ends, which is what the visibility rule needs (a business sees its own nodes and
the links that touch them), and keeps the edge table narrow enough to replicate (DESIGN.md §4).
Everything here is derived: `txng lineage rebuild` recreates it from the event store. Being derived and
written only by indexing, in the capture's transaction, its foreign keys carry no database constraint:
a constraint check per row was a fifth of the database's work in capture (see epcis.models).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from txng.epcis.models import URI_MAX_LENGTH, Event


class Lot(models.Model):
    """One lot (GTIN + lot number, or a class-level EPC) as held by one organization."""

    organization_id = models.BigIntegerField(_("holder organization"))
    # Canonical GS1 Digital Link class: https://id.gs1.org/01/{gtin}/10/{lot}; other EPC classes as captured.
    identifier = models.CharField(_("lot identifier"), max_length=URI_MAX_LENGTH)
    gtin = models.CharField(_("GTIN"), max_length=14, blank=True)
    lot = models.CharField(_("lot number"), max_length=40, blank=True)
    first_seen = models.DateTimeField(_("first seen"))
    last_seen = models.DateTimeField(_("last seen"))
    # Where the lot was at its latest event (bizLocation, else readPoint): "where it is now".
    last_location = models.CharField(_("last location"), max_length=URI_MAX_LENGTH, blank=True)
    produced_quantity = models.DecimalField(
        _("produced quantity"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    produced_uom = models.CharField(_("unit of measure"), max_length=10, blank=True)
    # ILMD itemExpirationDate, else bestBeforeDate / sellByDate (CBV 2.0 §8.4 master data attributes).
    expires_on = models.DateField(_("expiry date"), null=True, blank=True)

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        constraints = [
            models.UniqueConstraint(fields=["identifier", "organization_id"], name="lineage_lot_identifier_org_uniq")
        ]
        indexes = [
            models.Index(fields=["organization_id", "identifier"], name="lineage_lot_org_identifier_idx"),
            models.Index(fields=["gtin", "lot"], name="lineage_lot_gtin_lot_idx"),
        ]

    def __str__(self) -> str:
        return self.identifier


class LotEdge(models.Model):
    """Material flowed from one lot node to another through one event."""

    class Kind(models.TextChoices):
        TRANSFORMATION = "transformation", _("Transformation")
        AGGREGATION = "aggregation", _("Aggregation")
        SHIPMENT = "shipment", _("Shipment")

    organization_id = models.BigIntegerField(_("capturing organization"))
    from_lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    to_lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    # Holders of the two ends, copied so that trace visibility needs no join in the recursive step.
    from_organization_id = models.BigIntegerField(_("from organization"))
    to_organization_id = models.BigIntegerField(_("to organization"))
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    event_time = models.DateTimeField(_("event time"))
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    quantity = models.DecimalField(_("quantity"), max_digits=20, decimal_places=6, null=True, blank=True)
    uom = models.CharField(_("unit of measure"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("lot edge")
        verbose_name_plural = _("lot edges")
        indexes = [
            models.Index(fields=["from_lot", "to_lot"], name="lineage_edge_from_idx"),
            models.Index(fields=["to_lot", "from_lot"], name="lineage_edge_to_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.from_lot_id} → {self.to_lot_id}"


class LotActivity(models.Model):
    """What one event did to one lot node, with quantity: the ledger mass balance and timelines read."""

    class Kind(models.TextChoices):
        PRODUCED = "produced", _("Produced")
        RECEIVED = "received", _("Received")
        SHIPPED = "shipped", _("Shipped")
        CONSUMED = "consumed", _("Used in transformation")
        DESTROYED = "destroyed", _("Destroyed")
        OBSERVED = "observed", _("Observed")

    organization_id = models.BigIntegerField(_("capturing organization"))
    # Indexed by lineage_activity_lot_time_idx, which starts with it.
    lot = models.ForeignKey(
        Lot, on_delete=models.CASCADE, related_name="activities", db_index=False, db_constraint=False
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    event_time = models.DateTimeField(_("event time"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    biz_step = models.CharField(_("business step"), max_length=URI_MAX_LENGTH, blank=True)
    location = models.CharField(_("location"), max_length=URI_MAX_LENGTH, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=20, decimal_places=6, null=True, blank=True)
    uom = models.CharField(_("unit of measure"), max_length=10, blank=True)
    # The trading partner: the receiving/sending organization when registered, and the party as captured.
    counterparty_organization_id = models.BigIntegerField(_("counterparty organization"), null=True, blank=True)
    counterparty = models.CharField(_("counterparty"), max_length=URI_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("lot activity")
        verbose_name_plural = _("lot activities")
        indexes = [
            models.Index(fields=["lot", "event_time"], name="lineage_activity_lot_time_idx"),
            models.Index(fields=["organization_id", "event_time"], name="lineage_activity_org_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.lot_id}"


class Containment(models.Model):
    """What a serial or logistic unit holds, in lots: SGTIN → its lot, SSCC → the lots packed in it."""

    container = models.CharField(_("container"), max_length=URI_MAX_LENGTH)
    content = models.CharField(_("content lot"), max_length=URI_MAX_LENGTH)
    quantity = models.DecimalField(_("quantity"), max_digits=20, decimal_places=6, null=True, blank=True)
    uom = models.CharField(_("unit of measure"), max_length=10, blank=True)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+", db_constraint=False)

    class Meta:
        verbose_name = _("containment")
        verbose_name_plural = _("containments")
        indexes = [models.Index(fields=["container"], name="lineage_containment_idx")]

    def __str__(self) -> str:
        return f"{self.container} ⊃ {self.content}"
