from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q
from django.forms import ModelForm
from django.http import HttpRequest

from txng.accounts.principal import Principal
from txng.accounts.visibility import owned_q
from txng.core.admin_scoping import ScopedAdmin
from txng.resolver.models import ProductLink, Scan, Signal, SuspectReport


def _owner_or_dost(principal: Principal, field: str = "organization_id") -> Q:
    # Signals and reports go to the owner and to DOST (issue 5).
    return Q() if principal.sees_everything else owned_q(principal, field)


@admin.register(ProductLink)
class ProductLinkAdmin(ScopedAdmin[ProductLink]):
    list_display = ["product", "link_type", "title", "language", "context", "href", "is_active"]
    list_filter = ["link_type", "is_active"]
    exclude = ["organization"]

    def scope_q(self, principal: Principal) -> Q:
        return _owner_or_dost(principal)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "product":
            from txng.registry.models import Product

            principal = self.principal(request)
            kwargs["queryset"] = Product.objects.filter(owned_q(principal))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: ProductLink, form: ModelForm[ProductLink], change: bool) -> None:
        obj.organization_id = obj.product.organization_id
        super().save_model(request, obj, form, change)


class ReadOnlyScoped(ScopedAdmin[Any]):
    def scope_q(self, principal: Principal) -> Q:
        return _owner_or_dost(principal)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Signal)
class SignalAdmin(ReadOnlyScoped):
    list_display = ["raised_at", "kind", "gtin", "serial", "score"]
    list_filter = ["kind"]
    search_fields = ["gtin", "serial"]


@admin.register(SuspectReport)
class SuspectReportAdmin(ReadOnlyScoped):
    list_display = ["created_at", "gtin", "serial", "place"]
    search_fields = ["gtin", "serial"]


@admin.register(Scan)
class ScanAdmin(ReadOnlyScoped):
    list_display = ["scanned_at", "gtin", "lot", "serial", "verdict", "latitude", "longitude", "platform"]
    list_filter = ["verdict"]
    search_fields = ["gtin", "serial"]
