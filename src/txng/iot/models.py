"""Sensors and data loggers, their readings, cold-chain rules, excursions and alerts."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from txng.epcis.models import URI_MAX_LENGTH


class Device(models.Model):
    """A sensor or data logger of one organization, at a facility (GLN) or travelling with a logistic unit."""

    organization = models.ForeignKey("registry.Organization", on_delete=models.PROTECT, related_name="iot_devices")
    # Public name of the device: its MQTT username, topic segment and EPCIS deviceID suffix.
    code = models.SlugField(_("device code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    location_gln = models.CharField(_("location GLN"), max_length=13, blank=True)
    location_extension = models.CharField(_("GLN extension (AI 254)"), max_length=20, blank=True)
    sscc = models.CharField(_("SSCC"), max_length=18, blank=True)
    # The lot (GS1 Digital Link class https://id.gs1.org/01/{gtin}/10/{lot}) the device watches, if any.
    lot_identifier = models.CharField(_("monitored lot"), max_length=URI_MAX_LENGTH, blank=True)
    # [{"type": "Temperature", "uom": "CEL"}, …]: CBV 2.0 measurement types with UN/CEFACT Rec 20 units.
    measurements = models.JSONField(_("measurements"), default=list)
    # SHA-256 of the device secret: the HTTP upload token, and the HMAC key of MQTT payloads.
    secret_hash = models.CharField(max_length=64)
    secret_prefix = models.CharField(_("secret prefix"), max_length=16)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)
    accepted_count = models.PositiveBigIntegerField(_("readings accepted"), default=0)
    rejected_count = models.PositiveBigIntegerField(_("payloads rejected"), default=0)

    class Meta:
        verbose_name = _("IoT device")
        verbose_name_plural = _("IoT devices")
        indexes = [models.Index(fields=["organization", "code"], name="iot_device_org_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Reading(models.Model):
    """One stored measurement: the narrow table behind charts and rules (the events hold the same values)."""

    organization_id = models.BigIntegerField()
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    type = models.CharField(max_length=40)
    time = models.DateTimeField()
    value = models.FloatField()
    uom = models.CharField(max_length=3)
    sequence = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = _("reading")
        verbose_name_plural = _("readings")
        constraints = [
            # A re-sent reading (QoS 1 redelivery, a logger's second upload) is the same row.
            models.UniqueConstraint(fields=["device", "type", "time"], name="iot_reading_device_type_time_uniq")
        ]
        indexes = [models.Index(fields=["organization_id", "device", "time"], name="iot_reading_org_time_idx")]

    def __str__(self) -> str:
        return f"{self.type} {self.value} {self.uom} at {self.time.isoformat()}"


class MonitoringSpan(models.Model):
    """When a device watched a lot or logistic unit: how the lot and shipment pages find readings."""

    organization_id = models.BigIntegerField()
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="spans")
    identifier = models.CharField(max_length=URI_MAX_LENGTH)
    first_time = models.DateTimeField()
    last_time = models.DateTimeField()
    reading_count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "identifier"], name="iot_span_device_identifier_uniq")]
        indexes = [models.Index(fields=["identifier"], name="iot_span_identifier_idx")]

    def __str__(self) -> str:
        return self.identifier


class IngestRejection(models.Model):
    """How many payloads were refused, per claimed device and reason (a counter, not a log)."""

    device_code = models.CharField(max_length=64)
    reason = models.CharField(max_length=40)
    count = models.PositiveBigIntegerField(default=0)
    last_detail = models.CharField(max_length=300, blank=True)
    last_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device_code", "reason"], name="iot_rejection_device_reason_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.device_code}: {self.reason} × {self.count}"


class ThresholdRule(models.Model):
    """An allowed range for one measurement, per product group (catalog) or per shipment (SSCC)."""

    organization = models.ForeignKey(
        "registry.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    product_group = models.ForeignKey(
        "registry.ProductGroup", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sscc = models.CharField(_("SSCC"), max_length=18, blank=True)
    name = models.CharField(_("name"), max_length=200)
    measurement_type = models.CharField(_("measurement type"), max_length=40, default="Temperature")
    uom = models.CharField(_("unit"), max_length=3, default="CEL")
    min_value = models.FloatField(_("minimum"), null=True, blank=True)
    max_value = models.FloatField(_("maximum"), null=True, blank=True)
    tolerance_minutes = models.PositiveIntegerField(_("tolerated minutes outside the range"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("threshold rule")
        verbose_name_plural = _("threshold rules")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(product_group__isnull=False) | ~models.Q(sscc=""), name="iot_rule_has_scope"
            ),
            models.CheckConstraint(
                condition=models.Q(min_value__isnull=False) | models.Q(max_value__isnull=False),
                name="iot_rule_has_bound",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_within(self, value: float) -> bool:
        return (self.min_value is None or value >= self.min_value) and (
            self.max_value is None or value <= self.max_value
        )


class Excursion(models.Model):
    """A stretch of readings outside a rule's range; it becomes an alert once it outlasts the tolerance."""

    organization = models.ForeignKey("registry.Organization", on_delete=models.PROTECT, related_name="+")
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="excursions")
    rule = models.ForeignKey(ThresholdRule, on_delete=models.PROTECT, related_name="excursions")
    identifier = models.CharField(max_length=URI_MAX_LENGTH, blank=True)
    started_at = models.DateTimeField(_("started at"))
    last_out_at = models.DateTimeField()
    # The first reading back in range; None while the excursion lasts.
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    worst_value = models.FloatField(_("worst value"))
    reading_count = models.PositiveIntegerField(default=0)
    is_alerted = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("excursion")
        verbose_name_plural = _("excursions")
        indexes = [
            models.Index(fields=["device", "rule", "ended_at"], name="iot_excursion_open_idx"),
            models.Index(fields=["identifier"], name="iot_excursion_identifier_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.started_at.isoformat()}"


class Alert(models.Model):
    """A cold-chain break for the owner and the responsible agency (one per excursion)."""

    organization = models.ForeignKey("registry.Organization", on_delete=models.PROTECT, related_name="iot_alerts")
    agency = models.ForeignKey(
        "accounts.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="iot_alerts"
    )
    excursion = models.OneToOneField(Excursion, on_delete=models.PROTECT, related_name="alert")
    message = models.CharField(_("message"), max_length=500)
    event_id = models.CharField(_("EPCIS event ID"), max_length=URI_MAX_LENGTH)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("cold-chain alert")
        verbose_name_plural = _("cold-chain alerts")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.message
