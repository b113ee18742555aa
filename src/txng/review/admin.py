from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from txng.accounts.principal import Principal
from txng.accounts.visibility import organization_q
from txng.core.admin_scoping import ScopedAdmin
from txng.core.errors import ServiceError
from txng.review import services
from txng.review.models import ProfileRevision


def _run(
    admin_page: RevisionAdmin, request: HttpRequest, queryset: QuerySet[ProfileRevision], step: Callable[..., None]
) -> None:
    principal = admin_page.principal(request)
    done = 0
    for revision in queryset:
        try:
            step(actor=principal, revision=revision)
            done += 1
        except ServiceError as error:
            messages.error(request, f"{revision}: {error.message}")
    if done:
        messages.success(request, _("%(count)d revision(s) updated.") % {"count": done})


@admin.register(ProfileRevision)
class RevisionAdmin(ScopedAdmin[ProfileRevision]):
    list_display = ["__str__", "subject", "organization", "status", "submitted_at", "reviewed_at", "reviewer_note"]
    list_select_related = ["organization", "product"]
    list_filter = ["status", "subject"]
    search_fields = ["organization__name", "organization__tax_code", "product__gtin", "product__name"]
    readonly_fields = [f.name for f in ProfileRevision._meta.fields]
    actions = ["submit", "approve_and_publish", "reject_incomplete"]

    def scope_q(self, principal: Principal) -> Q:
        return organization_q(principal, prefix="organization__")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        if not self.principal(request).can_review:
            actions.pop("approve_and_publish", None)
            actions.pop("reject_incomplete", None)
        return actions

    @admin.action(description=_("Submit for review"))
    def submit(self, request: HttpRequest, queryset: QuerySet[ProfileRevision]) -> None:
        _run(self, request, queryset, services.revision_submit)

    @admin.action(description=_("Approve and publish"))
    def approve_and_publish(self, request: HttpRequest, queryset: QuerySet[ProfileRevision]) -> None:
        def step(*, actor: Principal, revision: ProfileRevision) -> None:
            services.revision_approve(actor=actor, revision=revision, publish=True)

        _run(self, request, queryset, step)

    @admin.action(description=_("Reject: information incomplete"))
    def reject_incomplete(self, request: HttpRequest, queryset: QuerySet[ProfileRevision]) -> None:
        def step(*, actor: Principal, revision: ProfileRevision) -> None:
            services.revision_reject(actor=actor, revision=revision, reason=str(_("Information incomplete.")))

        _run(self, request, queryset, step)
