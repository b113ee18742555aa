from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext as _

from txng.accounts.principal import Principal
from txng.accounts.visibility import organization_q
from txng.core.admin_scoping import ScopedAdmin
from txng.core.errors import ServiceError
from txng.iot import services
from txng.iot.models import Alert, Device, IngestRejection, ThresholdRule
from txng.iot.protocol import topic_for
from txng.iot.selectors import alerts_visible


class DeviceForm(forms.ModelForm[Device]):
    class Meta:
        model = Device
        fields = [
            "organization",
            "name",
            "location_gln",
            "location_extension",
            "sscc",
            "lot_identifier",
            "measurements",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            data.update(
                services.device_fields_clean(
                    name=data.get("name") or "",
                    location_gln=data.get("location_gln") or "",
                    location_extension=data.get("location_extension") or "",
                    sscc=data.get("sscc") or "",
                    lot_identifier=data.get("lot_identifier") or "",
                    measurements=data.get("measurements") or services.DEFAULT_MEASUREMENTS,
                )
            )
        except ServiceError as error:
            raise forms.ValidationError({error.field or "name": error.message}) from None
        except (AttributeError, TypeError):
            raise forms.ValidationError({"measurements": _('Write a list of {"type", "uom"} objects.')}) from None
        return data


@admin.register(Device)
class DeviceAdmin(ScopedAdmin[Device]):
    form = DeviceForm
    list_display = ["name", "code", "organization", "location_gln", "sscc", "is_active", "last_seen_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "code", "sscc", "location_gln"]
    fields = [
        "organization",
        "name",
        "location_gln",
        "location_extension",
        "sscc",
        "lot_identifier",
        "measurements",
        "is_active",
        "code",
        "secret_prefix",
        "last_seen_at",
        "accepted_count",
        "rejected_count",
    ]
    readonly_fields = ["code", "secret_prefix", "last_seen_at", "accepted_count", "rejected_count"]

    def scope_q(self, principal: Principal) -> Q:
        return organization_q(principal, prefix="organization__")

    def save_model(self, request: HttpRequest, obj: Device, form: ModelForm[Device], change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        # A new device gets its code and secret from the service; the secret is shown this once.
        try:
            device, secret = services.device_create(
                actor=self.principal(request),
                organization=obj.organization,
                name=obj.name,
                location_gln=obj.location_gln,
                location_extension=obj.location_extension,
                sscc=obj.sscc,
                lot_identifier=obj.lot_identifier,
                measurements=obj.measurements or services.DEFAULT_MEASUREMENTS,
            )
        except ServiceError as error:  # the form checked the fields; only a permission can still fail
            self.report(request, error)
            raise
        obj.pk, obj.code = device.pk, device.code
        messages.warning(
            request,
            _("MQTT username %(code)s, topic %(topic)s, secret %(secret)s — copy the secret now: it is not kept.")
            % {"code": device.code, "topic": topic_for(device.code), "secret": secret},
        )


@admin.register(ThresholdRule)
class ThresholdRuleAdmin(ScopedAdmin[ThresholdRule]):
    list_display = ["name", "product_group", "sscc", "measurement_type", "min_value", "max_value", "tolerance_minutes"]
    list_filter = ["measurement_type", "is_active"]
    editable_by_officers = True

    def scope_q(self, principal: Principal) -> Q:
        # Catalog rules (per product group) are for everyone to read; shipment rules for their owner.
        return Q(organization__isnull=True) | organization_q(principal, prefix="organization__")


@admin.register(Alert)
class AlertAdmin(ScopedAdmin[Alert]):
    list_display = ["created_at", "organization", "agency", "message", "acknowledged_at"]
    readonly_fields = ["organization", "agency", "excursion", "message", "event_id", "created_at"]
    editable_by_officers = True

    def scope_q(self, principal: Principal) -> Q:
        return Q(pk__in=alerts_visible(principal).values("pk"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(IngestRejection)
class IngestRejectionAdmin(ScopedAdmin[IngestRejection]):
    list_display = ["device_code", "reason", "count", "last_at", "last_detail"]
    organization_field = None

    def scope_q(self, principal: Principal) -> Q:
        if principal.sees_everything:
            return Q()
        codes = Device.objects.filter(organization_q(principal, prefix="organization__")).values("code")
        return Q(device_code__in=codes)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
