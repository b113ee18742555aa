"""Named queries and their webhook subscriptions (EPCIS 2.0 REST binding, `/queries`)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from txng.registry.models import Organization


class NamedQuery(models.Model):
    """A SimpleEventQuery saved under a name by one organization: a view on the events it may read."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="named_queries")
    name = models.CharField(_("name"), max_length=200)
    # SimpleEventQuery parameters as the client sent them: {"EQ_bizStep": ["shipping"], "GE_eventTime": "..."}.
    query = models.JSONField(_("query"), default=dict)
    created_by = models.CharField(_("created by"), max_length=200)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("named query")
        verbose_name_plural = _("named queries")
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="epcis_namedquery_org_name_uniq"),
        ]

    def __str__(self) -> str:
        return self.name


class Subscription(models.Model):
    """A webhook subscription to a named query: stream (every new event) or on a cron-like schedule."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    query = models.ForeignKey(NamedQuery, on_delete=models.CASCADE, related_name="subscriptions")
    # The query's organization again, so the worker's scans stay keyed by organization (DESIGN.md §4).
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    dest = models.URLField(_("destination URL"), max_length=2000)
    # Fernet-encrypted with a key derived from the secret key; never returned after creation.
    signature_token_encrypted = models.TextField(_("signature token (encrypted)"), blank=True)
    report_if_empty = models.BooleanField(_("report if empty"), default=False)
    is_stream = models.BooleanField(_("stream"), default=False)
    schedule = models.JSONField(_("schedule"), default=dict, blank=True)
    next_run_at = models.DateTimeField(_("next run"), null=True, blank=True)
    initial_record_time = models.DateTimeField(_("initial record time"), null=True, blank=True)
    # Watermark: the last event (primary key, so capture order) the destination acknowledged with 2xx.
    last_event_pk = models.BigIntegerField(_("last delivered event"), default=0)
    last_record_time = models.DateTimeField(_("last delivered record time"), null=True, blank=True)
    last_notified_at = models.DateTimeField(_("last notified at"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.CharField(_("created by"), max_length=200)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        indexes = [
            models.Index(fields=["organization", "is_active"], name="epcis_subscr_org_active_idx"),
            models.Index(fields=["is_active", "next_run_at"], name="epcis_subscr_active_next_idx"),
        ]

    def __str__(self) -> str:
        return str(self.id)


class SubscriptionDelivery(models.Model):
    """One EPCISQueryDocument sent (or being sent) to a subscription's destination, with its retries."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        DEAD = "dead", _("Dead")

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # The events covered: primary keys in (after_event_pk, last_event_pk]; the body is kept so that every
    # retry sends the same bytes (and so the same signature) — the receiver can deduplicate on it.
    after_event_pk = models.BigIntegerField(_("after event"))
    last_event_pk = models.BigIntegerField(_("last event"))
    last_record_time = models.DateTimeField(_("last record time"), null=True, blank=True)
    event_count = models.PositiveIntegerField(_("events"), default=0)
    body = models.BinaryField(_("body"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("subscription delivery")
        verbose_name_plural = _("subscription deliveries")
        constraints = [
            # One delivery in flight per subscription: batches arrive in order and a second worker
            # cannot build an overlapping batch (the insert fails instead of duplicating events).
            models.UniqueConstraint(
                fields=["subscription"],
                condition=models.Q(status="pending"),
                name="epcis_delivery_one_pending_uniq",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="epcis_delivery_due_idx",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} ({self.after_event_pk}, {self.last_event_pk}]"
