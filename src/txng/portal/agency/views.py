"""Agency portal: home and the review queue (DOST reviewers)."""

from __future__ import annotations

import datetime
from typing import Final

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from txng.accounts.principal import Principal
from txng.core.errors import ServiceError
from txng.portal.agency.access import officer_view, reviewer_view
from txng.portal.agency.checks import revision_checks, revision_checks_many
from txng.portal.agency.forms import ApproveForm, RejectForm
from txng.registry.models import Organization, Product, ReviewStatus
from txng.registry.selectors import organization_documents
from txng.review import services
from txng.review.models import ProfileRevision

SLA_DAYS: Final = 5
PAGE_SIZE: Final = 50
BULK_MAX: Final = 200


@officer_view
def home(request: HttpRequest, principal: Principal) -> HttpResponse:
    queue = (
        ProfileRevision.objects.filter(status=ReviewStatus.SUBMITTED).aggregate(
            waiting=Count("pk"),
            overdue=Count("pk", filter=Q(submitted_at__lt=timezone.now() - datetime.timedelta(days=SLA_DAYS))),
        )
        if principal.can_review
        else None
    )
    return render(request, "portal/agency/home.html", {"principal": principal, "queue": queue, "sla_days": SLA_DAYS})


def _sla_days(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("sla", SLA_DAYS)), 365))
    except ValueError:
        return SLA_DAYS


@reviewer_view
def review_queue(request: HttpRequest, principal: Principal) -> HttpResponse:
    """Submitted revisions, oldest first, with their age and the quick automatic checks."""
    sla = _sla_days(request)
    revisions = ProfileRevision.objects.filter(status=ReviewStatus.SUBMITTED).select_related("organization", "product")
    subject = request.GET.get("subject", "")
    if subject in ProfileRevision.Subject.values:
        revisions = revisions.filter(subject=subject)
    page = Paginator(revisions.order_by("submitted_at", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    checks = revision_checks_many(rows)
    now = timezone.now()
    items = [
        {
            "revision": revision,
            "days": (now - (revision.submitted_at or revision.created_at)).days,
            "overdue": (now - (revision.submitted_at or revision.created_at)).days > sla,
            "checks": checks[revision.pk],
        }
        for revision in rows
    ]
    return render(
        request,
        "portal/agency/review_queue.html",
        {"page": page, "items": items, "sla": sla, "subject": subject, "subjects": ProfileRevision.Subject.choices},
    )


@reviewer_view
@require_http_methods(["GET", "HEAD", "POST"])
def review_detail(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    """One revision: the diff against the published profile, all checks, approve or reject."""
    revision = get_object_or_404(ProfileRevision.objects.select_related("organization", "product"), pk=pk)
    approve_form = ApproveForm(request.POST if request.POST.get("action") == "approve" else None)
    reject_form = RejectForm(request.POST if request.POST.get("action") == "reject" else None)
    status = 200
    if request.method == "POST":
        try:
            if approve_form.is_bound and approve_form.is_valid():
                services.revision_approve(
                    actor=principal,
                    revision=revision,
                    note=approve_form.cleaned_data["note"],
                    publish=approve_form.cleaned_data["publish"],
                )
                messages.success(request, _("Approved: %(revision)s.") % {"revision": revision})
                return redirect("portal:agency-review")
            if reject_form.is_bound and reject_form.is_valid():
                services.revision_reject(actor=principal, revision=revision, reason=reject_form.cleaned_data["reason"])
                messages.success(request, _("Rejected: %(revision)s.") % {"revision": revision})
                return redirect("portal:agency-review")
        except ServiceError as error:
            messages.error(request, error.message)
        status = 400
    diff = services.revision_diff(revision)
    labels = _field_labels(revision)
    return render(
        request,
        "portal/agency/review_detail.html",
        {
            "revision": revision,
            "diff": [(labels.get(key, key), before, after) for key, (before, after) in diff.items()],
            "checks": revision_checks(revision),
            "documents": organization_documents(principal=principal, organization_id=revision.organization_id)[:50],
            "approve_form": approve_form,
            "reject_form": reject_form,
            "can_decide": revision.status == ReviewStatus.SUBMITTED,
        },
        status=status,
    )


def _field_labels(revision: ProfileRevision) -> dict[str, str]:
    model: type[Product] | type[Organization] = Product if revision.product_id else Organization
    return {field.attname: str(field.verbose_name) for field in model._meta.concrete_fields}


@reviewer_view
@require_POST
def review_bulk(request: HttpRequest, principal: Principal) -> HttpResponse:
    """Approve (and publish) the ticked revisions."""
    ids = [int(value) for value in request.POST.getlist("revision")[:BULK_MAX] if value.isdigit()]
    publish = request.POST.get("publish") == "on"
    done = 0
    for revision in ProfileRevision.objects.filter(pk__in=ids).select_related("organization", "product"):
        try:
            services.revision_approve(actor=principal, revision=revision, publish=publish)
            done += 1
        except ServiceError as error:
            messages.error(request, f"{revision}: {error.message}")
    if done:
        messages.success(request, _("%(count)d revision(s) approved.") % {"count": done})
    if not ids:
        messages.error(request, _("Tick the revisions to approve."))
    return redirect("portal:agency-review")
