"""The review workflow: draft → submitted → approved / rejected → published, every step audited.

The live Organization/Product row holds the published profile; proposed changes live in a revision
until a reviewer publishes it, so the public keeps seeing the last published data meanwhile.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from txng.accounts.principal import Principal
from txng.accounts.visibility import can_edit_organization
from txng.core.audit import audit_record
from txng.core.errors import PermissionDenied, ServiceError
from txng.public.search import search_index_refresh
from txng.publishing.services import publishing_record_revision
from txng.registry.models import Organization, Product, ReviewStatus
from txng.registry.services import ORGANIZATION_PROFILE_FIELDS, PRODUCT_PROFILE_FIELDS, apply_profile
from txng.review.models import ProfileRevision

_ACTION_NAMES = {
    "submit": gettext_lazy("submitted"),
    "approve": gettext_lazy("approved"),
    "reject": gettext_lazy("rejected"),
    "publish": gettext_lazy("published"),
}
OPEN_STATUSES = (ReviewStatus.DRAFT, ReviewStatus.SUBMITTED, ReviewStatus.REJECTED, ReviewStatus.APPROVED)


def _subject_row(revision: ProfileRevision) -> Organization | Product:
    return revision.product if revision.product_id else revision.organization  # type: ignore[return-value]


def _profile_fields(revision: ProfileRevision) -> tuple[str, ...]:
    return PRODUCT_PROFILE_FIELDS if revision.product_id else ORGANIZATION_PROFILE_FIELDS


def _snapshot(row: Organization | Product, fields: Sequence[str]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in fields}


def _transition(
    *,
    actor: Principal,
    revision: ProfileRevision,
    allowed_from: Sequence[str],
    to: str,
    action: str,
    note: str = "",
) -> None:
    if revision.status not in allowed_from:
        raise ServiceError(
            _("This revision is %(status)s; it cannot be %(action)s.")
            % {"status": revision.get_status_display(), "action": _ACTION_NAMES[action]},
            code="invalid-transition",
        )
    old = revision.status
    revision.status = to
    row = _subject_row(revision)
    row.review_status = to
    row.save(update_fields=["review_status", "updated_at"])
    revision.save()
    audit_record(
        actor=actor,
        action=f"revision.{action}",
        obj=revision,
        changes={
            "status": [old, to],
            "subject": revision.subject,
            "object_id": row.pk,
            **({"note": note} if note else {}),
        },
    )


@transaction.atomic
def revision_open(
    *,
    actor: Principal,
    organization: Organization,
    data: Mapping[str, Any],
    product: Product | None = None,
) -> ProfileRevision:
    """Put proposed changes into the subject's open revision (creating it from the published profile)."""
    if not can_edit_organization(actor, organization.pk):
        raise PermissionDenied(_("You may not change this organization's data."))
    row: Organization | Product = product if product is not None else organization
    fields = PRODUCT_PROFILE_FIELDS if product is not None else ORGANIZATION_PROFILE_FIELDS
    subject = ProfileRevision.Subject.PRODUCT if product is not None else ProfileRevision.Subject.ORGANIZATION
    revisions = ProfileRevision.objects.select_for_update().filter(organization=organization, product=product)
    revision = revisions.filter(status__in=OPEN_STATUSES).order_by("-number").first()
    if revision is None:
        number = (revisions.aggregate(Max("number"))["number__max"] or 0) + 1
        revision = ProfileRevision(
            subject=subject,
            organization=organization,
            product=product,
            number=number,
            data=_snapshot(row, fields),
            created_by=actor.user,
        )
    elif revision.status != ReviewStatus.DRAFT:
        # Editing something under review withdraws it: the reviewer must see the final text.
        audit_record(
            actor=actor,
            action="revision.withdraw",
            obj=revision,
            changes={"status": [revision.status, ReviewStatus.DRAFT]},
        )
    revision.data = {**revision.data, **data}
    revision.status = ReviewStatus.DRAFT
    revision.save()
    row.review_status = ReviewStatus.DRAFT
    row.save(update_fields=["review_status", "updated_at"])
    audit_record(actor=actor, action="revision.edit", obj=revision, changes=dict(data))
    return revision


def revisions_open_for_new_products(*, actor: Principal, products: Sequence[Product], published: bool) -> None:
    """First revisions of newly created products, in bulk."""
    now = timezone.now()
    status = ReviewStatus.PUBLISHED if published else ReviewStatus.DRAFT
    revisions = [
        ProfileRevision(
            subject=ProfileRevision.Subject.PRODUCT,
            organization_id=product.organization_id,
            product=product,
            number=1,
            status=status,
            data=_snapshot(product, PRODUCT_PROFILE_FIELDS),
            created_by=actor.user,
            published_at=now if published else None,
            reviewed_by=actor.user if published else None,
            reviewed_at=now if published else None,
        )
        for product in products
    ]
    ProfileRevision.objects.bulk_create(revisions, batch_size=5000)


@transaction.atomic
def revision_submit(*, actor: Principal, revision: ProfileRevision) -> None:
    """The business sends its draft (or a rejected revision, corrected) for review."""
    if not can_edit_organization(actor, revision.organization_id):
        raise PermissionDenied(_("You may not submit this organization's data."))
    revision.submitted_at = timezone.now()
    _transition(
        actor=actor,
        revision=revision,
        allowed_from=(ReviewStatus.DRAFT, ReviewStatus.REJECTED),
        to=ReviewStatus.SUBMITTED,
        action="submit",
    )


def _require_reviewer(actor: Principal) -> None:
    if not actor.can_review:
        raise PermissionDenied(_("Only DOST reviewers may do this."))


@transaction.atomic
def revision_approve(*, actor: Principal, revision: ProfileRevision, note: str = "", publish: bool = False) -> None:
    """A DOST reviewer approves a submitted revision (and may publish it at once)."""
    _require_reviewer(actor)
    revision.reviewed_by = actor.user
    revision.reviewed_at = timezone.now()
    revision.reviewer_note = note
    _transition(
        actor=actor,
        revision=revision,
        allowed_from=(ReviewStatus.SUBMITTED,),
        to=ReviewStatus.APPROVED,
        action="approve",
        note=note,
    )
    if publish:
        revision_publish(actor=actor, revision=revision)


@transaction.atomic
def revision_reject(*, actor: Principal, revision: ProfileRevision, reason: str) -> None:
    """A DOST reviewer sends a submitted revision back with the reason the business will see."""
    _require_reviewer(actor)
    if not reason.strip():
        raise ServiceError(_("Give the reason for rejecting."), code="required", field="reason")
    revision.reviewed_by = actor.user
    revision.reviewed_at = timezone.now()
    revision.reviewer_note = reason.strip()
    _transition(
        actor=actor,
        revision=revision,
        allowed_from=(ReviewStatus.SUBMITTED,),
        to=ReviewStatus.REJECTED,
        action="reject",
        note=reason.strip(),
    )


@transaction.atomic
def revision_publish(*, actor: Principal, revision: ProfileRevision) -> None:
    """Make an approved revision the public profile."""
    _require_reviewer(actor)
    row = _subject_row(revision)
    fields = _profile_fields(revision)
    changes = apply_profile(row, {key: revision.data[key] for key in fields if key in revision.data})
    row.is_published = True
    row.save()
    revision.published_at = timezone.now()
    _transition(
        actor=actor,
        revision=revision,
        allowed_from=(ReviewStatus.APPROVED,),
        to=ReviewStatus.PUBLISHED,
        action="publish",
    )
    audit_record(actor=actor, action=f"{revision.subject}.publish", obj=row, changes=changes)
    # The public portal's search index (txng.public) follows what is published.
    search_index_refresh(**{"organization_ids" if isinstance(row, Organization) else "product_ids": [row.pk]})
    # The profile (and a newly published organization's earlier events) go to the ledger and the outbox.
    publishing_record_revision(revision=revision)


@transaction.atomic
def revision_publish_created(*, actor: Principal, revision: ProfileRevision) -> None:
    """An officer onboarding a business: submit, approve and publish its first revision in one step."""
    _require_reviewer(actor)
    revision.submitted_at = timezone.now()
    _transition(
        actor=actor, revision=revision, allowed_from=(ReviewStatus.DRAFT,), to=ReviewStatus.SUBMITTED, action="submit"
    )
    revision_approve(actor=actor, revision=revision, publish=True)


def revision_diff(revision: ProfileRevision) -> dict[str, tuple[Any, Any]]:
    """Fields whose proposed value differs from the published profile: {field: (published, proposed)}."""
    row = _subject_row(revision)
    return {
        key: (getattr(row, key), value)
        for key, value in revision.data.items()
        if key in _profile_fields(revision) and getattr(row, key) != value
    }
