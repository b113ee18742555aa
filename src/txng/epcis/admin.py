"""Read-only admin views of the event store: events are corrected by new events, never edited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from txng.epcis.models import CaptureJob, Event


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("event_id", "event_type", "event_time", "biz_step", "organization")
    list_filter = ("event_type", "is_error_declaration")
    search_fields = ("=event_id", "=event_hash")
    list_select_related = ("organization",)
    show_full_result_count = False


@admin.register(CaptureJob)
class CaptureJobAdmin(ReadOnlyAdmin):
    list_display = ("id", "organization", "status", "event_count", "captured_count", "created_at")
    list_filter = ("status",)
    list_select_related = ("organization",)
