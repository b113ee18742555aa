"""Back office: destinations (the token is write-only), the outbox (read-only), source nodes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from txng.core.errors import ServiceError
from txng.publishing.models import Destination, OutboxItem, SourceNode
from txng.publishing.services import destination_url_validate, token_encrypt


class DestinationForm(forms.ModelForm[Destination]):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    token = forms.CharField(
        label=_("Token"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current token. It is stored encrypted and never shown again."),
    )

    class Meta:
        model = Destination
        fields = ("name", "connector", "url", "is_active")

    def clean_url(self) -> str:
        try:
            return destination_url_validate(self.cleaned_data["url"])
        except ServiceError as error:
            raise ValidationError(error.message) from None

    def save(self, commit: bool = True) -> Destination:
        destination = super().save(commit=False)
        if self.cleaned_data.get("token"):
            destination.token_encrypted = token_encrypt(self.cleaned_data["token"].strip())
        if commit:
            destination.save()
        return destination


@admin.register(Destination)
class DestinationAdmin(admin.ModelAdmin[Destination]):
    form = DestinationForm
    list_display = ("name", "connector", "url", "is_active", "created_at")


@admin.register(OutboxItem)
class OutboxItemAdmin(admin.ModelAdmin[OutboxItem]):
    list_display = ("reference", "kind", "destination", "status", "attempts", "next_attempt_at", "delivered_at")
    list_filter = ("status", "kind", "destination")
    search_fields = ("=reference",)
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SourceNode)
class SourceNodeAdmin(admin.ModelAdmin[SourceNode]):
    list_display = ("code", "name", "organization", "created_at")
    raw_id_fields = ("organization",)
