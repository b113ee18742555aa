from __future__ import annotations

import pytest

from txng.accounts.principal import PUBLIC, principal_for_user
from txng.core.errors import PermissionDenied, ServiceError
from txng.core.models import AuditEntry
from txng.registry import selectors, services
from txng.registry.models import Product, ReviewStatus
from txng.registry.tests.factories import OrganizationFactory, business_user, next_gtin, officer
from txng.review import services as review
from txng.review.models import ProfileRevision

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft_product() -> Product:
    organization = OrganizationFactory(is_published=True, review_status=ReviewStatus.PUBLISHED)
    owner = principal_for_user(business_user(organization))
    return services.product_create(actor=owner, organization=organization, gtin=next_gtin(), name="Bưởi Năm Roi")


def _revision(product: Product) -> ProfileRevision:
    return product.revisions.order_by("-number").first()  # type: ignore[return-value]


def test_new_product_is_a_draft_invisible_to_the_public(draft_product: Product) -> None:
    assert draft_product.review_status == ReviewStatus.DRAFT
    assert _revision(draft_product).status == ReviewStatus.DRAFT
    assert not selectors.product_list(principal=PUBLIC).exists()


def test_submit_approve_publish_makes_it_public_and_audits_each_step(draft_product: Product) -> None:
    owner = principal_for_user(draft_product.organization.memberships.get().user)
    reviewer = principal_for_user(officer("dost"))
    revision = _revision(draft_product)
    review.revision_submit(actor=owner, revision=revision)
    review.revision_approve(actor=reviewer, revision=revision, note="Đầy đủ")
    review.revision_publish(actor=reviewer, revision=revision)
    draft_product.refresh_from_db()
    assert draft_product.is_published
    assert draft_product.review_status == ReviewStatus.PUBLISHED
    assert list(selectors.product_list(principal=PUBLIC)) == [draft_product]
    actions = list(AuditEntry.objects.filter(object_type="review.profilerevision").values_list("action", "actor_label"))
    assert ("revision.submit", owner.label) in actions
    assert ("revision.approve", reviewer.label) in actions
    assert ("revision.publish", reviewer.label) in actions


def test_reject_needs_a_reason_that_the_business_then_sees(draft_product: Product) -> None:
    owner = principal_for_user(draft_product.organization.memberships.get().user)
    reviewer = principal_for_user(officer("dost"))
    revision = _revision(draft_product)
    review.revision_submit(actor=owner, revision=revision)
    with pytest.raises(ServiceError):
        review.revision_reject(actor=reviewer, revision=revision, reason="  ")
    review.revision_reject(actor=reviewer, revision=revision, reason="Thiếu ảnh sản phẩm")
    seen_by_owner = ProfileRevision.objects.get(pk=revision.pk)
    assert seen_by_owner.status == ReviewStatus.REJECTED
    assert seen_by_owner.reviewer_note == "Thiếu ảnh sản phẩm"
    # the business corrects and resubmits
    services.product_update(actor=owner, product=draft_product, description="Có ảnh")
    review.revision_submit(actor=owner, revision=_revision(draft_product))
    assert _revision(draft_product).status == ReviewStatus.SUBMITTED


def test_businesses_cannot_review_their_own_data(draft_product: Product) -> None:
    owner = principal_for_user(draft_product.organization.memberships.get().user)
    revision = _revision(draft_product)
    review.revision_submit(actor=owner, revision=revision)
    with pytest.raises(PermissionDenied):
        review.revision_approve(actor=owner, revision=revision)
    assert ProfileRevision.objects.get(pk=revision.pk).status == ReviewStatus.SUBMITTED


def test_sector_officers_cannot_publish(draft_product: Product) -> None:
    owner = principal_for_user(draft_product.organization.memberships.get().user)
    revision = _revision(draft_product)
    review.revision_submit(actor=owner, revision=revision)
    with pytest.raises(PermissionDenied):
        review.revision_approve(
            actor=principal_for_user(officer("sector_department", sector="agriculture")), revision=revision
        )


def test_cannot_approve_a_draft_that_was_not_submitted(draft_product: Product) -> None:
    with pytest.raises(ServiceError) as caught:
        review.revision_approve(actor=principal_for_user(officer("dost")), revision=_revision(draft_product))
    assert caught.value.code == "invalid-transition"


def test_editing_a_published_profile_keeps_the_published_one_visible(draft_product: Product) -> None:
    # given a published product
    owner = principal_for_user(draft_product.organization.memberships.get().user)
    reviewer = principal_for_user(officer("dost"))
    first = _revision(draft_product)
    review.revision_submit(actor=owner, revision=first)
    review.revision_approve(actor=reviewer, revision=first, publish=True)
    # when the business renames it
    services.product_update(actor=owner, product=draft_product, name="Bưởi Năm Roi loại 1")
    # then the public still sees the published name until the new revision is published
    second = _revision(draft_product)
    assert second.number == 2
    assert second.status == ReviewStatus.DRAFT
    assert review.revision_diff(second) == {"name": ("Bưởi Năm Roi", "Bưởi Năm Roi loại 1")}
    public = selectors.product_get(principal=PUBLIC, gtin=draft_product.gtin)
    assert public.name == "Bưởi Năm Roi"
    review.revision_submit(actor=owner, revision=second)
    review.revision_approve(actor=reviewer, revision=second, publish=True)
    assert selectors.product_get(principal=PUBLIC, gtin=draft_product.gtin).name == "Bưởi Năm Roi loại 1"
    assert ProfileRevision.objects.get(pk=first.pk).status == ReviewStatus.PUBLISHED


def test_organization_created_by_operator_is_published() -> None:
    from txng.accounts.principal import OPERATOR
    from txng.registry.tests.factories import next_tax_code

    organization = services.organization_create(actor=OPERATOR, tax_code=next_tax_code(), name="HTX Mới", approve=True)
    assert organization.is_published
    assert organization.review_status == ReviewStatus.PUBLISHED
    assert selectors.organization_get(principal=PUBLIC, tax_code=organization.tax_code) == organization
