"""The back office's one rule: each admin page shows and changes only what the visibility layer allows."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from django.contrib import admin, messages
from django.db.models import Model, Q, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from txng.accounts.principal import Principal, principal_for_request
from txng.core.audit import audit_record
from txng.core.errors import ServiceError

ModelT = TypeVar("ModelT", bound=Model)


class ScopedAdmin(admin.ModelAdmin[ModelT], Generic[ModelT]):
    """Base for registry admin pages; subclasses say how rows map to organizations."""

    #: Path from the model to its organization id ("organization_id", "pk" for Organization).
    organization_field: str | None = "organization_id"
    #: Who may add/change: businesses (their own rows) or officers (catalog data).
    editable_by_business = True
    editable_by_officers = False

    def principal(self, request: HttpRequest) -> Principal:
        return principal_for_request(request)

    def scope_q(self, principal: Principal) -> Q:
        raise NotImplementedError

    def get_queryset(self, request: HttpRequest) -> QuerySet[ModelT]:
        return super().get_queryset(request).filter(self.scope_q(self.principal(request)))

    def _organization_id(self, obj: Any) -> int | None:
        if self.organization_field is None:
            return None
        value = obj
        for part in self.organization_field.split("__"):
            value = getattr(value, part, None)
        return value if isinstance(value, int) else None

    def _may_edit(self, request: HttpRequest, obj: Any = None) -> bool:
        principal = self.principal(request)
        if principal.is_admin:
            return True
        if self.editable_by_officers and principal.sees_everything:
            return True
        if not self.editable_by_business or not principal.organization_ids:
            return False
        return obj is None or self._organization_id(obj) in principal.organization_ids

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may_edit(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_edit(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Nothing behind a printed code is hard-deleted (DESIGN.md §3).
        return False

    def save_model(self, request: HttpRequest, obj: ModelT, form: ModelForm[ModelT], change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            actor=self.principal(request),
            action=f"{obj._meta.model_name}.{'change' if change else 'create'}",
            obj=obj,
            changes={name: form.cleaned_data.get(name) for name in form.changed_data},
        )

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # A business picks among its own organizations only; others' names (drafts too) never show.
        if db_field.name == "organization":
            from txng.accounts.visibility import owned_q
            from txng.registry.models import Organization

            principal = self.principal(request)
            kwargs["queryset"] = (
                Organization.objects.all()
                if principal.sees_everything
                else Organization.objects.filter(owned_q(principal, field="pk"))
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def report(self, request: HttpRequest, error: ServiceError) -> None:
        messages.error(request, error.message)
