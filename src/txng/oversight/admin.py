"""Back office of recalls: read-only lists scoped by the visibility layer (writes go through the services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q
from django.http import HttpRequest

from txng.accounts.principal import Principal
from txng.core.admin_scoping import ScopedAdmin
from txng.oversight.models import AffectedLot, Recall, RecallDisposition, RecallNotice
from txng.oversight.selectors import recalls_visible


class _ReadOnly(ScopedAdmin[Any]):
    """Recalls change only through their services (open, acknowledge, disposition, close), never here."""

    def scope_q(self, principal: Principal) -> Q:
        return Q(recall__in=recalls_visible(principal).values("pk"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Recall)
class RecallAdmin(_ReadOnly):
    organization_field = None
    list_display = ["code", "title", "status", "is_mock", "agency", "opened_at", "affected_lot_count"]
    list_filter = ["status", "is_mock", "hazard_class"]
    search_fields = ["code", "title"]

    def scope_q(self, principal: Principal) -> Q:
        return Q(pk__in=recalls_visible(principal).values("pk"))


@admin.register(AffectedLot)
class AffectedLotAdmin(_ReadOnly):
    list_display = ["recall", "identifier", "product_name", "organization_id", "quantity", "uom"]
    search_fields = ["identifier", "gtin", "lot"]

    def scope_q(self, principal: Principal) -> Q:
        q = super().scope_q(principal)
        if principal.sees_everything or principal.is_officer:
            return q
        return q & Q(organization_id__in=principal.organization_ids)


@admin.register(RecallNotice)
class RecallNoticeAdmin(_ReadOnly):
    list_display = ["recall", "organization", "notified_at", "acknowledged_at"]


@admin.register(RecallDisposition)
class RecallDispositionAdmin(_ReadOnly):
    list_display = ["recall", "organization", "kind", "quantity", "uom", "event_id", "recorded_at"]
    list_filter = ["kind"]


# Inspections and violations: read-only here too (the agency portal records them through the services).
from txng.accounts.visibility import organization_q  # noqa: E402
from txng.oversight.models_inspections import Inspection, Violation  # noqa: E402


class _InspectionReadOnly(ScopedAdmin[Any]):
    def scope_q(self, principal: Principal) -> Q:
        return organization_q(principal, "organization__")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Inspection)
class InspectionAdmin(_InspectionReadOnly):
    list_display = ("facility", "organization", "agency", "status", "planned_on", "inspected_on")
    list_filter = ("status",)


@admin.register(Violation)
class ViolationAdmin(_InspectionReadOnly):
    list_display = ("description", "organization", "legal_basis", "sanction", "status", "recall")
    list_filter = ("status",)
