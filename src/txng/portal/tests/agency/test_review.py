"""The review queue: diffs, automatic checks, approve/publish, reject with a reason, bulk, SLA ageing."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from txng.accounts.models import User
from txng.registry.models import Certification, ReviewStatus
from txng.registry.tests.factories import officer
from txng.review.models import ProfileRevision

from .conftest import Submitted, signed_in, submit_coop

pytestmark = pytest.mark.django_db


def test_sign_in_page_signs_an_officer_in(dost: User) -> None:
    # given
    dost.set_password("mật-khẩu-dài")
    dost.save()
    client = Client()
    # when
    response = client.post(reverse("portal:agency-login"), {"username": dost.username, "password": "mật-khẩu-dài"})
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:agency-home")
    assert client.get(reverse("portal:agency-home")).status_code == 200


def test_anonymous_is_sent_to_the_sign_in_page() -> None:
    # when
    response = Client().get(reverse("portal:agency-review"))
    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:agency-login"))


def test_queue_lists_submitted_revisions_with_checks_and_ageing(submitted: Submitted, dost_client: Client) -> None:
    # given: the organization's revision has waited 9 days; the co-op holds an expired certificate
    ProfileRevision.objects.filter(pk=submitted.organization_revision.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=9)
    )
    Certification.objects.create(
        organization=submitted.organization, kind="vietgap", number="VG-01", expires_on=datetime.date(2020, 1, 1)
    )
    # when
    response = dost_client.get(reverse("portal:agency-review"), {"sla": 5})
    # then
    html = response.content.decode()
    assert response.status_code == 200
    items = {item["revision"].pk: item for item in response.context["items"]}
    assert set(items) == {submitted.organization_revision.pk, submitted.product_revision.pk}
    assert items[submitted.organization_revision.pk]["overdue"] is True
    assert items[submitted.organization_revision.pk]["days"] == 9
    assert items[submitted.product_revision.pk]["overdue"] is False
    assert "Certificate expired: VietGAP VG-01 (01/01/2020)." in html
    assert 'class="overdue"' in html


def test_queue_flags_missing_circular_fields_and_bad_identifiers(dost_client: Client) -> None:
    # given: a product revision with no unit and no net content, and an organization with a bad GLN
    submitted = submit_coop()
    revision = submitted.product_revision
    revision.data = {**revision.data, "unit": "", "net_content": ""}
    revision.save()
    org_revision = submitted.organization_revision
    org_revision.data = {**org_revision.data, "gln": "8934567000012"}
    org_revision.save()
    # when
    response = dost_client.get(reverse("portal:agency-review"))
    # then
    checks = {item["revision"].pk: [c.message for c in item["checks"]] for item in response.context["items"]}
    assert any("Circular 02/2024" in message and "unit" in message for message in checks[revision.pk])
    assert any("GLN" in message for message in checks[org_revision.pk])


def test_queue_query_count_does_not_grow_with_rows(dost_client: Client) -> None:
    # given
    submit_coop("HTX Một")
    with CaptureQueriesContext(connection) as few:
        dost_client.get(reverse("portal:agency-review"))
    for n in range(6):
        submit_coop(f"HTX Thêm {n}", sector="agriculture")
    # when
    with CaptureQueriesContext(connection) as many:
        response = dost_client.get(reverse("portal:agency-review"))
    # then
    assert len(response.context["items"]) == 14
    assert len(many) == len(few)


def test_detail_shows_the_diff_against_the_published_profile(submitted: Submitted, dost_client: Client) -> None:
    # when
    response = dost_client.get(reverse("portal:agency-review-detail", args=[submitted.product_revision.pk]))
    # then
    assert response.status_code == 200
    diff = {label: (before, after) for label, before, after in response.context["diff"]}
    assert diff["name"] == ("Gạo ST25", "Gạo ST25 túi 5 kg")
    assert diff["net content"] == ("", "5 kg")


def test_approve_and_publish_makes_the_profile_public(submitted: Submitted, dost_client: Client) -> None:
    # when
    response = dost_client.post(
        reverse("portal:agency-review-detail", args=[submitted.product_revision.pk]),
        {"action": "approve", "publish": "on"},
    )
    # then
    assert response.status_code == 302
    submitted.product.refresh_from_db()
    assert submitted.product.name == "Gạo ST25 túi 5 kg"
    assert submitted.product.is_published is True
    assert submitted.product.review_status == ReviewStatus.PUBLISHED


def test_reject_needs_a_reason_and_the_business_sees_it(submitted: Submitted, dost_client: Client) -> None:
    # given
    url = reverse("portal:agency-review-detail", args=[submitted.organization_revision.pk])
    # when
    empty = dost_client.post(url, {"action": "reject", "reason": ""})
    rejected = dost_client.post(url, {"action": "reject", "reason": "Thiếu giấy chứng nhận đăng ký kinh doanh."})
    # then
    assert empty.status_code == 400
    assert rejected.status_code == 302
    revision = ProfileRevision.objects.get(pk=submitted.organization_revision.pk)
    assert revision.status == ReviewStatus.REJECTED
    business = signed_in(submitted.owner)
    page = business.get(reverse("portal:business-review"))
    assert "Thiếu giấy chứng nhận đăng ký kinh doanh." in page.content.decode()


def test_bulk_approve_publishes_the_ticked_revisions(submitted: Submitted, dost_client: Client) -> None:
    # when
    response = dost_client.post(
        reverse("portal:agency-review-bulk"),
        {"revision": [submitted.organization_revision.pk, submitted.product_revision.pk], "publish": "on"},
    )
    # then
    assert response.status_code == 302
    statuses = set(ProfileRevision.objects.filter(organization=submitted.organization).values_list("status", flat=True))
    assert statuses == {ReviewStatus.PUBLISHED}


def test_only_dost_reviewers_use_the_queue(submitted: Submitted) -> None:
    # given
    sector_officer = signed_in(officer("sector_department", sector="agriculture"))
    business = signed_in(submitted.owner)
    # when
    as_sector = sector_officer.get(reverse("portal:agency-review"))
    as_business = business.get(reverse("portal:agency-review"))
    post = sector_officer.post(reverse("portal:agency-review-bulk"), {"revision": [submitted.product_revision.pk]})
    # then
    assert as_sector.status_code == 403
    assert as_business.status_code == 403
    assert post.status_code == 403
    assert ProfileRevision.objects.get(pk=submitted.product_revision.pk).status == ReviewStatus.SUBMITTED
