from __future__ import annotations

import io
from typing import Any

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from txng.accounts.principal import Principal
from txng.accounts.visibility import owned_q
from txng.codes import services
from txng.codes.labels import stamp_batch_pdf, stamp_batch_write_csv
from txng.codes.models import StampBatch
from txng.core.admin_scoping import ScopedAdmin
from txng.core.errors import ServiceError


@admin.register(StampBatch)
class StampBatchAdmin(ScopedAdmin[StampBatch]):
    list_display = ["pk", "product", "lot", "count", "status", "created_at", "activated_at"]
    list_filter = ["status"]
    search_fields = ["product__gtin", "product__name", "lot"]
    readonly_fields = ["organization", "product", "count", "status", "created_by", "created_at", "activated_at"]
    actions = ["activate", "suspend", "void", "export_csv", "export_pdf"]

    def scope_q(self, principal: Principal) -> Q:
        return owned_q(principal) if not principal.sees_everything else Q()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # batches are issued through the service (secret creation), not the form

    def _apply(self, request: HttpRequest, queryset: QuerySet[StampBatch], status: str) -> None:
        for batch in queryset:
            try:
                services.stamp_batch_set_status(actor=self.principal(request), batch=batch, status=status)
            except ServiceError as error:
                self.report(request, error)

    @admin.action(description=_("Activate"))
    def activate(self, request: HttpRequest, queryset: QuerySet[StampBatch]) -> None:
        self._apply(request, queryset, StampBatch.Status.ACTIVE)

    @admin.action(description=_("Suspend"))
    def suspend(self, request: HttpRequest, queryset: QuerySet[StampBatch]) -> None:
        self._apply(request, queryset, StampBatch.Status.SUSPENDED)

    @admin.action(description=_("Void"))
    def void(self, request: HttpRequest, queryset: QuerySet[StampBatch]) -> None:
        self._apply(request, queryset, StampBatch.Status.VOIDED)

    def _one(self, request: HttpRequest, queryset: QuerySet[StampBatch]) -> StampBatch | None:
        batches = list(queryset.filter(owned_q(self.principal(request)))[:2])
        if len(batches) != 1:
            messages.error(request, _("Choose exactly one batch of your own organization."))
            return None
        return batches[0]

    @admin.action(description=_("Export stamps as CSV (with PINs)"))
    def export_csv(self, request: HttpRequest, queryset: QuerySet[StampBatch]) -> Any:
        batch = self._one(request, queryset)
        if batch is None:
            return None
        buffer = io.StringIO()
        stamp_batch_write_csv(batch, buffer)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="stamps-{batch.pk}.csv"'
        return response

    @admin.action(description=_("Print labels (PDF)"))
    def export_pdf(self, request: HttpRequest, queryset: QuerySet[StampBatch]) -> Any:
        batch = self._one(request, queryset)
        if batch is None:
            return None
        buffer = io.BytesIO()
        stamp_batch_pdf(batch, buffer)
        response = HttpResponse(buffer.getvalue(), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="stamps-{batch.pk}.pdf"'
        return response
