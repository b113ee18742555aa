"""Papers handed in with the profile (private to the business and its reviewers); editing facilities and products."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from txng.accounts.models import User
from txng.registry.models import Facility, OrganizationDocument, Product
from txng.registry.tests.factories import UnitFactory
from txng.review.models import ProfileRevision

from .conftest import Member
from .test_onboarding import english, registration

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _pdf(name: str = "dang-ky-kinh-doanh.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _upload(member: Member, file: SimpleUploadedFile, kind: str = "business_registration") -> Any:
    data = {"add_document": "1", "document-kind": kind, "document-title": "Giấy ĐKKD", "document-file": file}
    return member.client.post(reverse("portal:business-organization"), data)


def test_registering_with_the_registration_certificate_keeps_it_for_the_reviewers() -> None:
    # given
    UnitFactory()
    client = english()
    # when
    response = client.post(reverse("portal:business-register"), {**registration(), "document": _pdf()})
    # then
    assert response.status_code == 302
    document = OrganizationDocument.objects.get()
    assert (document.kind, document.content_type) == ("business_registration", "application/pdf")
    assert document.size == len(PDF)
    assert document.file.read() == PDF


def test_registering_with_a_file_that_is_not_a_pdf_writes_nothing() -> None:
    UnitFactory()
    client = english()
    response = client.post(reverse("portal:business-register"), {**registration(), "document": _pdf(content=b"MZ\x90")})
    assert response.status_code == 400
    assert "The file is not the PDF or image its name says." in response.content.decode()
    assert not User.objects.filter(username="an.nguyen").exists()
    assert not OrganizationDocument.objects.exists()


def test_a_member_uploads_a_document_and_downloads_it(member: Member) -> None:
    # when
    response = _upload(member, _pdf())
    # then
    assert response.status_code == 302
    document = OrganizationDocument.objects.get(organization=member.organization)
    download = member.client.get(reverse("portal:document", args=[document.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    assert download["Cache-Control"] == "private, no-store"
    assert download["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (SimpleUploadedFile("virus.exe", b"MZ\x90\x00"), "Send a PDF, JPEG or PNG file."),
        (SimpleUploadedFile("fake.pdf", b"<html>"), "The file is not the PDF or image its name says."),
    ],
)
def test_a_bad_document_is_refused_at_the_field(member: Member, file: SimpleUploadedFile, message: str) -> None:
    response = _upload(member, file)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not OrganizationDocument.objects.exists()


def test_another_business_and_the_public_cannot_read_a_document(member: Member, partner: Member) -> None:
    # given
    _upload(member, _pdf())
    url = reverse("portal:document", args=[OrganizationDocument.objects.get().pk])
    # when / then: another business gets 404 (the paper's existence is not revealed), the public the sign-in page
    assert partner.client.get(url).status_code == 404
    assert Client().get(url).status_code == 302
    # and the file is not under the public media directory
    assert "/media/" not in OrganizationDocument.objects.get().file.path


def test_a_dost_reviewer_sees_the_documents_on_the_review_page(member: Member, admin_user: User) -> None:
    # given: the organization's revision with a document
    _upload(member, _pdf())
    revision = ProfileRevision.objects.filter(organization=member.organization).first()
    if revision is None:
        from txng.review.services import revision_open

        revision = revision_open(actor=member.principal, organization=member.organization, data={"phone": "0292"})
    officer = Client()
    officer.cookies["django_language"] = "en"
    officer.force_login(admin_user)
    # when
    page = officer.get(reverse("portal:agency-review-detail", args=[revision.pk])).content.decode()
    download = officer.get(reverse("portal:document", args=[OrganizationDocument.objects.get().pk]))
    # then
    assert "Business registration certificate" in page
    assert download.status_code == 200


def test_a_facility_is_corrected(member: Member) -> None:
    # when
    url = reverse("portal:business-facility", args=[member.facility.pk])
    form = member.client.get(url)
    response = member.client.post(
        url, {"kind": "growing_area", "name": "Ruộng ST25 mới", "latitude": "10.1", "longitude": "105.7"}
    )
    # then
    assert form.status_code == 200
    assert response.status_code == 302
    facility = Facility.objects.get(pk=member.facility.pk)
    assert (facility.name, str(facility.latitude)) == ("Ruộng ST25 mới", "10.100000")


def test_a_facility_of_another_business_cannot_be_edited(member: Member, partner: Member) -> None:
    url = reverse("portal:business-facility", args=[partner.facility.pk])
    assert member.client.post(url, {"kind": "farm", "name": "Chiếm"}).status_code == 404
    assert Facility.objects.get(pk=partner.facility.pk).name != "Chiếm"


def test_a_bad_facility_edit_is_refused_at_the_field_and_keeps_the_input(member: Member) -> None:
    url = reverse("portal:business-facility", args=[member.facility.pk])
    response = member.client.post(url, {"kind": "growing_area", "name": "Ruộng", "latitude": "100"})
    assert response.status_code == 400
    assert 'value="Ruộng"' in response.content.decode()
    assert Facility.objects.get(pk=member.facility.pk).latitude != 100


def test_a_product_change_waits_for_review_and_the_published_profile_stays(member: Member) -> None:
    # when
    url = reverse("portal:business-product", args=[member.product.gtin])
    response = member.client.post(url, {"gtin": member.product.gtin, "name": "Lúa ST25 hữu cơ"})
    # then
    assert response.status_code == 302
    product = Product.objects.get(pk=member.product.pk)
    assert product.name == "Lúa ST25"
    revision = ProfileRevision.objects.filter(product=product).order_by("-pk").first()
    assert revision is not None
    assert revision.data["name"] == "Lúa ST25 hữu cơ"
