"""Sign-in, registration, facilities, products and review in the business portal."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from txng.accounts.models import OrganizationMembership, User
from txng.registry.models import Facility, Organization, Product
from txng.registry.tests.factories import UnitFactory
from txng.review.models import ProfileRevision
from txng.review.services import revision_reject

from .conftest import Member

pytestmark = pytest.mark.django_db


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), (200, 0, 0)).save(buffer, "PNG")
    return buffer.getvalue()


def english() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def registration(**changes: Any) -> dict[str, Any]:
    return {
        "kind": "cooperative",
        "name": "HTX Nông nghiệp Thới Lai",
        "tax_code": "1800158005",
        "administrative_unit_id": "31135",
        "address": "Ấp Thới Thuận",
        "phone": "0292 3800 000",
        "email": "htx@example.vn",
        "full_name": "Nguyễn Văn An",
        "username": "an.nguyen",
        "password": "lua-thom-2026",
        **changes,
    }


def test_portal_pages_send_anonymous_visitors_to_the_sign_in_page() -> None:
    # when
    response = english().get(reverse("portal:business-home"))
    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:business-login"))


def test_a_member_signs_in_and_sees_the_home_page(member: Member) -> None:
    # given
    client = english()
    # when
    response = client.post(
        reverse("portal:business-login"), {"username": member.user.username, "password": "mat-khau-123"}, follow=True
    )
    # then
    assert response.status_code == 200
    assert member.organization.name in response.content.decode()


def test_registering_creates_the_draft_organization_its_owner_and_signs_in() -> None:
    # given
    UnitFactory()
    client = english()
    # when
    response = client.post(reverse("portal:business-register"), registration())
    # then
    assert response.status_code == 302
    organization = Organization.objects.get(tax_code="1800158005")
    assert organization.review_status == "draft"
    assert organization.administrative_unit_id == "31135"
    user = User.objects.get(username="an.nguyen")
    assert OrganizationMembership.objects.get(user=user).role == "owner"
    assert client.get(reverse("portal:business-home")).status_code == 200


def test_registering_with_a_wrong_tax_code_shows_it_at_the_field_and_keeps_the_input() -> None:
    # given
    UnitFactory()
    # when
    response = english().post(reverse("portal:business-register"), registration(tax_code="1800158006"))
    # then
    assert response.status_code == 400
    assert response.context["form"].errors["tax_code"] == ["Tax code 1800158006 has a wrong check digit."]
    body = response.content.decode()
    assert 'value="HTX Nông nghiệp Thới Lai"' in body
    assert 'value="1800158006"' in body
    assert not Organization.objects.exists()
    assert not User.objects.filter(username="an.nguyen").exists()


def test_registering_a_taken_username_writes_nothing(member: Member) -> None:
    # given
    UnitFactory()
    # when
    response = english().post(reverse("portal:business-register"), registration(username=member.user.username))
    # then
    assert response.status_code == 400
    assert response.context["form"].errors["username"] == ["This username is taken."]
    assert not Organization.objects.filter(tax_code="1800158005").exists()


def test_a_facility_is_added_with_its_position(member: Member) -> None:
    # when
    response = member.client.post(
        reverse("portal:business-facilities"),
        {"kind": "growing_area", "name": "Cánh đồng lớn", "latitude": "10.05", "longitude": "105.6"},
    )
    # then
    assert response.status_code == 302
    facility = Facility.objects.get(name="Cánh đồng lớn")
    assert (str(facility.latitude), str(facility.longitude)) == ("10.050000", "105.600000")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("latitude", "100", "Value out of range."),
        (
            "boundary",
            '{"type": "Point", "coordinates": [105, 10]}',
            "The boundary must be a GeoJSON Polygon or MultiPolygon.",
        ),
        ("gln", "8934567000011", "GLN 8934567000011 has a wrong check digit."),
    ],
)
def test_a_bad_facility_field_is_shown_there_and_nothing_is_written(
    member: Member, field: str, value: str, message: str
) -> None:
    # given
    data = {"kind": "growing_area", "name": "Cánh đồng lớn", field: value}
    # when
    response = member.client.post(reverse("portal:business-facilities"), data)
    # then
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert 'value="Cánh đồng lớn"' in response.content.decode()
    assert not Facility.objects.filter(name="Cánh đồng lớn").exists()


def test_a_product_is_added_with_its_image(member: Member) -> None:
    # given
    image = SimpleUploadedFile("gao.png", png(), content_type="image/png")
    # when
    response = member.client.post(
        reverse("portal:business-products"), {"gtin": "08930000000019", "name": "Gạo ST25", "image": image}
    )
    # then
    assert response.status_code == 302
    product = Product.objects.get(gtin="08930000000019")
    assert product.organization_id == member.organization.pk
    assert product.image.name.endswith(".png")


def test_a_product_with_a_bad_gtin_is_refused_at_the_field(member: Member) -> None:
    # when
    response = member.client.post(reverse("portal:business-products"), {"gtin": "08930000000018", "name": "Gạo"})
    # then
    assert response.status_code == 400
    assert response.context["form"].errors["gtin"] == ["GTIN 08930000000018 has a wrong check digit."]
    assert 'value="08930000000018"' in response.content.decode()
    assert not Product.objects.filter(gtin="08930000000018").exists()


def test_the_business_submits_a_revision_and_sees_the_reviewer_note(member: Member, admin_user: User) -> None:
    # given
    member.client.post(reverse("portal:business-products"), {"gtin": "08930000000019", "name": "Gạo ST25"})
    revision = ProfileRevision.objects.get(product__gtin="08930000000019")
    # when
    member.client.post(reverse("portal:business-review"), {"revision": revision.pk})
    revision.refresh_from_db()
    from txng.accounts.principal import principal_for_user

    revision_reject(actor=principal_for_user(admin_user), revision=revision, reason="Thiếu ảnh nhãn sản phẩm.")
    response = member.client.get(reverse("portal:business-review"))
    # then
    assert "Thiếu ảnh nhãn sản phẩm." in response.content.decode()
    revision.refresh_from_db()
    assert revision.status == "rejected"


def test_the_home_page_runs_a_bounded_number_of_queries(member: Member, django_assert_max_num_queries: Any) -> None:
    # given
    member.client.get(reverse("portal:business-home"))
    # when / then
    with django_assert_max_num_queries(14):
        response = member.client.get(reverse("portal:business-home"))
    assert response.status_code == 200


def test_another_organizations_member_cannot_submit_our_revision(member: Member, partner: Member) -> None:
    # given
    revision = ProfileRevision.objects.create(
        subject="organization", organization=member.organization, number=9, data={}
    )
    # when
    response = partner.client.post(reverse("portal:business-review"), {"revision": revision.pk})
    # then
    assert response.status_code == 404
    revision.refresh_from_db()
    assert revision.status == "draft"


def test_in_vietnamese_the_wrong_tax_code_message_is_vietnamese_at_the_field() -> None:
    # given: Vietnamese is the default language
    UnitFactory()
    # when
    response = Client().post(reverse("portal:business-register"), registration(tax_code="1800158006"))
    # then
    assert response.context["form"].errors["tax_code"] == ["Mã số thuế 1800158006 có chữ số kiểm tra không đúng."]
    assert "Mã số thuế 1800158006 có chữ số kiểm tra không đúng." in response.content.decode()


def test_in_vietnamese_a_missing_facility_name_is_reported_at_the_field(member: Member) -> None:
    # given
    client = Client()
    client.force_login(member.user)
    # when
    response = client.post(reverse("portal:business-facilities"), {"kind": "pond", "latitude": "10.1"})
    # then
    assert response.context["form"].errors["name"] == ["Trường này không được để trống."]
    assert 'value="10.1"' in response.content.decode()


def test_the_home_page_shows_the_review_status_and_the_reviewer_note(member: Member, admin_user: User) -> None:
    # given: the organization's profile was sent back by the reviewer
    from txng.accounts.principal import principal_for_user
    from txng.registry.services import organization_update
    from txng.review.services import revision_submit

    organization_update(actor=member.principal, organization=member.organization, address="Ấp Thới Thuận")
    revision = ProfileRevision.objects.get(organization=member.organization, product=None)
    revision_submit(actor=member.principal, revision=revision)
    revision_reject(actor=principal_for_user(admin_user), revision=revision, reason="Bổ sung giấy phép kinh doanh.")
    # when
    response = member.client.get(reverse("portal:business-home"))
    # then
    body = response.content.decode()
    assert "Bổ sung giấy phép kinh doanh." in body
    assert response.context["dashboard"].revision == revision


def test_the_owner_adds_a_staff_member_who_can_sign_in(member: Member) -> None:
    # when
    response = member.client.post(
        reverse("portal:business-organization"),
        {
            "add_staff": "1",
            "staff-full_name": "Trần Thị Bình",
            "staff-username": "binh",
            "staff-password": "dong-ruong-9",
        },
    )
    # then
    assert response.status_code == 302
    membership = OrganizationMembership.objects.get(user__username="binh")
    assert (membership.organization_id, membership.role) == (member.organization.pk, "staff")
    assert english().login(username="binh", password="dong-ruong-9")


def test_a_staff_member_cannot_add_members(member: Member) -> None:
    # given
    member.client.post(
        reverse("portal:business-organization"),
        {"add_staff": "1", "staff-full_name": "Bình", "staff-username": "binh", "staff-password": "dong-ruong-9"},
    )
    staff = english()
    staff.login(username="binh", password="dong-ruong-9")
    # when
    response = staff.post(
        reverse("portal:business-organization"),
        {"add_staff": "1", "staff-full_name": "X", "staff-username": "xuan", "staff-password": "dong-ruong-9"},
    )
    # then
    assert response.status_code == 400
    assert not User.objects.filter(username="xuan").exists()


def test_a_certificate_is_recorded_and_a_bad_date_order_is_refused_at_the_field(member: Member) -> None:
    # given
    data = {"add_certificate": "1", "certificate-kind": "vietgap", "certificate-number": "VG-123"}
    # when
    saved = member.client.post(reverse("portal:business-organization"), data)
    refused = member.client.post(
        reverse("portal:business-organization"),
        {
            **data,
            "certificate-number": "VG-9",
            "certificate-issued_on": "01/03/2026",
            "certificate-expires_on": "01/01/2026",
        },
    )
    # then
    assert saved.status_code == 302
    assert list(member.organization.certifications.values_list("number", flat=True)) == ["VG-123"]
    assert refused.context["certification_form"].errors["expires_on"] == ["The expiry date is before the issue date."]
    assert 'value="VG-9"' in refused.content.decode()
