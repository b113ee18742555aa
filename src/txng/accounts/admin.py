from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from txng.accounts.models import Agency, AgencyMembership, ApiToken, OrganizationMembership, User


class AdminOnly:
    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    list_display = ["username", "full_name", "email", "is_superuser", "is_active"]
    fieldsets = (*BaseUserAdmin.fieldsets, ("OpenTXNG", {"fields": ("full_name", "phone")}))  # type: ignore[misc]


@admin.register(Agency)
class AgencyAdmin(AdminOnly, admin.ModelAdmin[Agency]):
    list_display = ["name", "kind", "sector", "administrative_unit"]
    list_filter = ["kind", "sector"]


@admin.register(AgencyMembership)
class AgencyMembershipAdmin(AdminOnly, admin.ModelAdmin[AgencyMembership]):
    list_display = ["user", "agency", "role"]


@admin.register(OrganizationMembership)
class OrganizationMembershipAdmin(AdminOnly, admin.ModelAdmin[OrganizationMembership]):
    list_display = ["user", "organization", "role"]


@admin.register(ApiToken)
class ApiTokenAdmin(AdminOnly, admin.ModelAdmin[ApiToken]):
    list_display = ["name", "prefix", "organization", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "token_hash", "created_at", "last_used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A token's value is shown only when it is created: use `txng token create` or the portal.
        return False
