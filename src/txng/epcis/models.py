"""The event store: full EPCIS 2.0 events plus narrow index rows, all keyed by organization (DESIGN.md §4)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from txng.registry.models import Organization

# Indexed URIs longer than this are rejected at capture (no EPC, GLN or CBV URI comes close).
URI_MAX_LENGTH = 512


class CaptureJob(models.Model):
    """One capture request (EPCIS 2.0 REST binding, `/capture/{captureID}`)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCESS = "success", _("Success")
        FAILED = "failed", _("Failed")

    class ErrorBehaviour(models.TextChoices):
        ROLLBACK = "rollback", _("Roll back")
        PROCEED = "proceed", _("Proceed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="capture_jobs")
    created_by = models.CharField(_("created by"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    error_behaviour = models.CharField(
        _("error behaviour"), max_length=10, choices=ErrorBehaviour.choices, default=ErrorBehaviour.ROLLBACK
    )
    errors = models.JSONField(_("errors"), default=list, blank=True)
    event_count = models.PositiveIntegerField(_("events sent"), default=0)
    captured_count = models.PositiveIntegerField(_("events stored"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # PostgreSQL only, while the capture's transaction is open: the highest event id committed before it
    # allocated its own. Readers that page by event id (subscriptions) stop at the lowest open floor, so
    # a capture that commits late cannot fall behind a watermark that already moved past its ids.
    event_pk_floor = models.BigIntegerField(null=True, blank=True, editable=False)
    event_pk_floor_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("capture job")
        verbose_name_plural = _("capture jobs")
        indexes = [models.Index(fields=["organization", "created_at"], name="epcis_job_org_created_idx")]

    def __str__(self) -> str:
        return str(self.id)


class Event(models.Model):
    """One EPCIS event as captured (JSON-LD compact form) with the columns queries filter on."""

    # No index of its own: both unique constraints below start with it. Every index is written once per
    # captured event, so each one that no query needs is capture throughput lost.
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="events", db_index=False)
    event_id = models.CharField(_("event ID"), max_length=URI_MAX_LENGTH)
    event_hash = models.CharField(_("event hash ID"), max_length=100)
    event_type = models.CharField(_("event type"), max_length=30)
    event_time = models.DateTimeField(_("event time"))
    event_time_zone_offset = models.CharField(_("event time zone offset"), max_length=6)
    record_time = models.DateTimeField(_("record time"))
    action = models.CharField(_("action"), max_length=10, blank=True)
    biz_step = models.CharField(_("business step"), max_length=URI_MAX_LENGTH, blank=True)
    disposition = models.CharField(_("disposition"), max_length=URI_MAX_LENGTH, blank=True)
    read_point = models.CharField(_("read point"), max_length=URI_MAX_LENGTH, blank=True)
    biz_location = models.CharField(_("business location"), max_length=URI_MAX_LENGTH, blank=True)
    document = models.JSONField(_("event"))
    namespaces = models.JSONField(_("namespaces"), default=dict)
    # Not indexed: nothing looks events up by capture job, and capture jobs are never deleted (read-only admin).
    capture_job = models.ForeignKey(
        CaptureJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    is_error_declaration = models.BooleanField(_("error declaration"), default=False)
    error_declaration_time = models.DateTimeField(_("error declaration time"), null=True, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            # Unique per capturing organization, not globally: another business must not be able to
            # squat an eventID and so silently drop our capture; and a distributed table's unique
            # keys must contain the distribution column (DESIGN.md §4).
            # An error declaration repeats the declared event with its eventID and hash (EPCIS 2.0
            # §7.4.1.2; errorDeclaration is not hashed, CBV 2.0 §8.9): it is stored beside the original,
            # never over it, so each key is unique once among events and once among declarations.
            # eventID first: the same index serves EQ_eventID across organizations (GET /events/{eventID}).
            models.UniqueConstraint(
                fields=["event_id", "organization", "is_error_declaration"], name="epcis_event_event_id_org_uniq"
            ),
            models.UniqueConstraint(
                fields=["organization", "event_hash", "is_error_declaration"], name="epcis_event_org_hash_uniq"
            ),
        ]
        indexes = [
            # (column, id): the keyset of `orderBy` pagination (EPCIS 2.0 §8.2.7.1, orderBy).
            models.Index(fields=["event_time", "id"], name="epcis_event_time_id_idx"),
            models.Index(fields=["record_time", "id"], name="epcis_event_record_time_id_idx"),
            models.Index(fields=["event_type", "id"], name="epcis_event_type_id_idx"),
            # (bizStep, eventTime): EQ_bizStep with a time range is one range scan; alone, bizStep
            # matches a sixth of the store and PostgreSQL ANDs it with the time index (100 ms at 1M).
            models.Index(fields=["biz_step", "event_time"], name="epcis_event_step_time_idx"),
            # (bizLocation, eventTime): a place's history in time order — EQ_bizLocation queries, and the
            # pre-harvest check and the journey's diary read a growing area's events before a harvest.
            models.Index(fields=["biz_location", "event_time"], name="epcis_event_location_time_idx"),
            # (bizLocation, id): EQ_bizLocation in the default order (capture order, the keyset of pagination)
            # reads only the page it returns; without it SQLite sorted all of a place's events (60 ms at 1M).
            models.Index(fields=["biz_location", "id"], name="epcis_event_location_id_idx"),
            models.Index(fields=["read_point"], name="epcis_event_read_point_idx"),
            models.Index(fields=["disposition"], name="epcis_event_disposition_idx"),
            models.Index(
                fields=["error_declaration_time"],
                name="epcis_event_error_time_idx",
                condition=models.Q(is_error_declaration=True),
            ),
        ]

    def __str__(self) -> str:
        return self.event_id


# The index rows below point at their event without a database foreign-key constraint (db_constraint=False):
# capture writes them in the event's own transaction, from the event, and nothing else writes them; the
# per-row constraint check cost PostgreSQL 15 µs of CPU per captured event (bench/epcis.py: the rows of
# 20,000 events COPYed 124 → 101 µs an event with the lot graph's likewise). Django still cascades deletes.


class EventIdentifier(models.Model):
    """One EPC or EPC class named by an event, in canonical GS1 Digital Link form where it is a GS1 key."""

    class Role(models.TextChoices):
        EPC = "epc", "epcList"
        PARENT = "parent", "parentID"
        CHILD = "child", "childEPCs"
        INPUT = "input", "inputEPCList"
        OUTPUT = "output", "outputEPCList"
        CLASS = "class", "quantityList"
        INPUT_CLASS = "input_class", "inputQuantityList"
        OUTPUT_CLASS = "output_class", "outputQuantityList"
        CHILD_CLASS = "child_class", "childQuantityList"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="identifiers", db_constraint=False)
    organization_id = models.BigIntegerField(_("organization"))
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    identifier = models.CharField(_("identifier"), max_length=URI_MAX_LENGTH)
    # The GTIN-14 inside the identifier, if any: the public visibility rule joins products on it.
    gtin = models.CharField(_("GTIN"), max_length=14, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=20, decimal_places=6, null=True, blank=True)
    uom = models.CharField(_("unit of measure"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("event identifier")
        verbose_name_plural = _("event identifiers")
        indexes = [
            # MATCH_* queries look identifiers up across organizations: (identifier, role) serves them all.
            models.Index(fields=["identifier", "role"], name="epcis_ident_identifier_idx"),
            models.Index(fields=["gtin"], name="epcis_ident_gtin_idx", condition=~models.Q(gtin="")),
        ]

    def __str__(self) -> str:
        return self.identifier


class EventParty(models.Model):
    """One entry of an event's sourceList or destinationList (trading partners, `EQ_source_*`)."""

    class Direction(models.TextChoices):
        SOURCE = "source", "sourceList"
        DESTINATION = "destination", "destinationList"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="parties", db_constraint=False)
    organization_id = models.BigIntegerField(_("organization"))
    direction = models.CharField(_("direction"), max_length=11, choices=Direction.choices)
    # The CBV short name where standard (owning_party, possessing_party, location), else the URI.
    type = models.CharField(_("type"), max_length=URI_MAX_LENGTH)
    value = models.CharField(_("value"), max_length=URI_MAX_LENGTH)
    # The GLN inside a PGLN/SGLN value: the trading-partner visibility rule joins on it.
    gln = models.CharField(_("GLN"), max_length=13, blank=True)

    class Meta:
        verbose_name = _("event source/destination")
        verbose_name_plural = _("event sources/destinations")
        indexes = [
            models.Index(fields=["type", "value"], name="epcis_party_type_value_idx"),
            models.Index(fields=["gln"], name="epcis_party_gln_idx", condition=~models.Q(gln="")),
        ]

    def __str__(self) -> str:
        return self.value


class EventBizTransaction(models.Model):
    """One entry of an event's bizTransactionList (`EQ_bizTransaction_*`)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="biz_transactions", db_constraint=False)
    organization_id = models.BigIntegerField(_("organization"))
    type = models.CharField(_("type"), max_length=URI_MAX_LENGTH, blank=True)
    value = models.CharField(_("value"), max_length=URI_MAX_LENGTH)

    class Meta:
        verbose_name = _("event business transaction")
        verbose_name_plural = _("event business transactions")
        indexes = [models.Index(fields=["type", "value"], name="epcis_biztx_type_value_idx")]

    def __str__(self) -> str:
        return self.value


class EventSensorReport(models.Model):
    """One sensorReport with its sensorMetadata folded in, so that sensor parameters match one reading."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sensor_reports", db_constraint=False)
    organization_id = models.BigIntegerField(_("organization"))
    type = models.CharField(_("measurement type"), max_length=URI_MAX_LENGTH, blank=True)
    device_id = models.CharField(_("device ID"), max_length=URI_MAX_LENGTH, blank=True)
    data_processing_method = models.CharField(_("data processing method"), max_length=URI_MAX_LENGTH, blank=True)
    microorganism = models.CharField(_("microorganism"), max_length=URI_MAX_LENGTH, blank=True)
    chemical_substance = models.CharField(_("chemical substance"), max_length=URI_MAX_LENGTH, blank=True)
    biz_rules = models.CharField(_("business rules"), max_length=URI_MAX_LENGTH, blank=True)
    time = models.DateTimeField(_("time"), null=True, blank=True)
    start_time = models.DateTimeField(_("start time"), null=True, blank=True)
    end_time = models.DateTimeField(_("end time"), null=True, blank=True)
    value = models.FloatField(_("value"), null=True, blank=True)
    min_value = models.FloatField(_("minimum value"), null=True, blank=True)
    max_value = models.FloatField(_("maximum value"), null=True, blank=True)
    mean_value = models.FloatField(_("mean value"), null=True, blank=True)
    s_dev = models.FloatField(_("standard deviation"), null=True, blank=True)
    perc_rank = models.FloatField(_("percentile rank"), null=True, blank=True)
    perc_value = models.FloatField(_("percentile value"), null=True, blank=True)
    uom = models.CharField(_("unit of measure"), max_length=10, blank=True)
    string_value = models.CharField(_("string value"), max_length=URI_MAX_LENGTH, blank=True)
    boolean_value = models.BooleanField(_("boolean value"), null=True, blank=True)
    hex_binary_value = models.CharField(_("hexBinary value"), max_length=URI_MAX_LENGTH, blank=True)
    uri_value = models.CharField(_("URI value"), max_length=URI_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("event sensor report")
        verbose_name_plural = _("event sensor reports")
        indexes = [
            models.Index(fields=["type", "value"], name="epcis_sensor_type_value_idx"),
            models.Index(fields=["device_id"], name="epcis_sensor_device_idx", condition=~models.Q(device_id="")),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.value}"


from txng.epcis.models_queries import NamedQuery, Subscription, SubscriptionDelivery  # noqa: E402,F401
