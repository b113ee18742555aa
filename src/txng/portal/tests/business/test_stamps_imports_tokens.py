"""Stamps, bulk import and API tokens in the business portal."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from txng.accounts.models import ApiToken
from txng.accounts.services import api_token_authenticate
from txng.codes.models import StampBatch
from txng.epcis.models import Event
from txng.portal.business.jobs import import_job_run
from txng.portal.models import ImportJob
from txng.registry.models import Facility, Product
from txng.resolver.models import Scan, Signal

from .conftest import Member

pytestmark = pytest.mark.django_db
HEADER = "GTIN,Tên sản phẩm,Hạn sử dụng (ngày)\n"


def upload(text: str, name: str = "san-pham.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_ordering_stamps_issues_an_active_batch_bound_to_the_lot(member: Member) -> None:
    # when
    response = member.client.post(
        reverse("portal:business-stamps"), {"product": member.product.pk, "count": "20", "lot": "G1"}
    )
    # then
    assert response.status_code == 302
    batch = StampBatch.objects.get(organization=member.organization)
    assert (batch.count, batch.lot, batch.status) == (20, "G1", "active")


def test_ordering_zero_stamps_is_refused_at_the_field(member: Member) -> None:
    # when
    response = member.client.post(reverse("portal:business-stamps"), {"product": member.product.pk, "count": "0"})
    # then
    assert response.status_code == 400
    assert "count" in response.context["form"].errors
    assert 'value="0"' in response.content.decode()
    assert not StampBatch.objects.exists()


def test_a_batch_is_bound_to_a_lot_and_its_labels_download(member: Member) -> None:
    # given
    member.client.post(reverse("portal:business-stamps"), {"product": member.product.pk, "count": "3"})
    batch = StampBatch.objects.get()
    # when
    member.client.post(reverse("portal:business-stamp-bind", args=[batch.pk]), {"lot": "G7"})
    csv_response = member.client.get(reverse("portal:business-stamp-download", args=[batch.pk, "csv"]))
    pdf_response = member.client.get(reverse("portal:business-stamp-download", args=[batch.pk, "pdf"]))
    # then
    batch.refresh_from_db()
    assert batch.lot == "G7"
    assert len(csv_response.content.decode().strip().splitlines()) == 4
    assert pdf_response.content.startswith(b"%PDF")


def test_another_organization_cannot_download_our_labels(member: Member, partner: Member) -> None:
    # given
    member.client.post(reverse("portal:business-stamps"), {"product": member.product.pk, "count": "3"})
    batch = StampBatch.objects.get()
    # when
    response = partner.client.get(reverse("portal:business-stamp-download", args=[batch.pk, "csv"]))
    # then
    assert response.status_code == 404


def test_the_stamps_page_lists_scans_on_the_plot_and_signals(
    member: Member, django_assert_max_num_queries: Any
) -> None:
    # given
    from django.utils import timezone

    member.client.post(reverse("portal:business-stamps"), {"product": member.product.pk, "count": "3"})
    batch = StampBatch.objects.get()
    for _ in range(3):
        Scan.objects.create(
            organization_id=member.organization.pk, gtin=member.product.gtin, batch=batch, verdict="genuine",
            scanned_at=timezone.now(), latitude="10.03", longitude="105.78",
        )  # fmt: skip
    Signal.objects.create(
        organization_id=member.organization.pk, kind="far_apart", gtin=member.product.gtin, batch=batch, score=80,
        raised_at=timezone.now(), day=timezone.now().date(),
    )  # fmt: skip
    # when
    with django_assert_max_num_queries(12):
        response = member.client.get(reverse("portal:business-stamps"))
    # then
    assert len(response.context["points"]) == 3
    assert "Scanned in far-apart places within hours" in response.content.decode()


def test_a_products_file_with_errors_lists_every_row_and_writes_nothing(member: Member) -> None:
    # given
    text = HEADER + "08930000000019,Gạo ST25,365\n08930000000018,Gạo lứt,abc\n,Không mã,\n"
    # when
    response = member.client.post(
        reverse("portal:business-imports"), {"kind": "products", "file": upload(text), "import": "1"}
    )
    # then
    rows = [(error.row, error.field) for error in response.context["errors"]]
    assert rows == [(2, "gtin"), (3, "gtin")]
    assert not Product.objects.filter(gtin="08930000000019").exists()


def test_a_clean_products_file_is_checked_then_imported(member: Member) -> None:
    # given
    text = HEADER + "08930000000019,Gạo ST25,365\n08930000000026,Gạo lứt,180\n"
    # when
    checked = member.client.post(
        reverse("portal:business-imports"), {"kind": "products", "file": upload(text), "check": "1"}
    )
    nothing_yet = Product.objects.filter(gtin__in=["08930000000019", "08930000000026"]).count()
    queued = member.client.post(
        reverse("portal:business-imports"), {"kind": "products", "file": upload(text), "import": "1"}
    )
    job = ImportJob.objects.get(organization=member.organization)
    queued_count = Product.objects.filter(gtin__in=["08930000000019", "08930000000026"]).count()
    import_job_run(job.pk)
    progress = member.client.get(queued["Location"])
    # then
    assert checked.context["checked"] == 2
    assert (nothing_yet, queued_count) == (0, 0)
    assert queued["Location"] == reverse("portal:business-import-job", args=[job.pk])
    assert Product.objects.get(gtin="08930000000026").shelf_life_days == 180
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == ("done", 2, 2)
    assert 'value="2"' in progress.content.decode()


def test_a_queued_job_page_refreshes_itself_until_done(member: Member) -> None:
    # given
    job = ImportJob.objects.create(organization=member.organization, kind="products", rows=[{}], total=1)
    # when
    response = member.client.get(reverse("portal:business-import-job", args=[job.pk]))
    # then
    assert '<meta http-equiv="refresh" content="1">' in response.content.decode()


def test_another_organization_cannot_see_our_import_job(member: Member, partner: Member) -> None:
    # given
    job = ImportJob.objects.create(organization=member.organization, kind="products", rows=[], total=0)
    # when
    response = partner.client.get(reverse("portal:business-import-job", args=[job.pk]))
    # then
    assert response.status_code == 404


def test_a_facilities_xlsx_file_is_imported(member: Member) -> None:
    # given
    book = Workbook()
    sheet = book.active
    sheet.append(["Loại cơ sở", "Tên cơ sở", "Vĩ độ", "Kinh độ"])
    sheet.append(["pond", "Ao nuôi số 2", 10.1, 105.7])
    data = io.BytesIO()
    book.save(data)
    file = SimpleUploadedFile("co-so.xlsx", data.getvalue())
    # when
    response = member.client.post(
        reverse("portal:business-imports"), {"kind": "facilities", "file": file, "import": "1"}
    )
    written_before_the_task = Facility.objects.filter(name="Ao nuôi số 2").exists()
    import_job_run(ImportJob.objects.get().pk)
    # then
    assert response.status_code == 302
    assert not written_before_the_task
    assert Facility.objects.get(name="Ao nuôi số 2").kind == "pond"


def test_a_bad_facility_row_is_reported_and_no_row_is_written(member: Member) -> None:
    # given
    text = "Loại cơ sở,Tên cơ sở,Vĩ độ\npond,Ao 1,10\npond,Ao 2,200\n"
    # when
    response = member.client.post(
        reverse("portal:business-imports"), {"kind": "facilities", "file": upload(text, "f.csv"), "import": "1"}
    )
    # then
    assert [(e.row, e.field) for e in response.context["errors"]] == [(2, "latitude")]
    assert not Facility.objects.filter(name__in=["Ao 1", "Ao 2"]).exists()
    assert not ImportJob.objects.exists()


def test_an_epcis_file_is_captured(member: Member) -> None:
    # given
    from django.utils import timezone

    from txng.portal.business.events import Entry, entry_event, events_document

    sprayed = Entry(
        activity="spraying", facility=member.facility, when=timezone.now(), material="X", pre_harvest_interval_days=7
    )
    event = entry_event(sprayed, member.organization)
    file = SimpleUploadedFile("events.json", events_document([event]))
    # when
    response = member.client.post(reverse("portal:business-imports"), {"kind": "epcis", "file": file})
    # then
    assert response.status_code == 302
    assert Event.objects.filter(organization=member.organization).count() == 1


def test_the_template_has_vietnamese_headers(member: Member) -> None:
    # when
    response = member.client.get(reverse("portal:business-import-template", args=["products"]))
    # then
    assert response.content.decode("utf-8-sig").splitlines()[0].startswith("GTIN,Tên sản phẩm,Nhóm sản phẩm")


def test_a_token_is_shown_once_works_and_can_be_revoked(member: Member) -> None:
    # when
    created = member.client.post(reverse("portal:business-tokens"), {"name": "Phần mềm kho"})
    raw = created.context["raw"]
    listed = member.client.get(reverse("portal:business-tokens"))
    token = ApiToken.objects.get(organization=member.organization)
    member.client.post(reverse("portal:business-token-revoke", args=[token.pk]))
    # then
    assert api_token_authenticate(raw) is None
    assert raw not in listed.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_token_with_an_empty_name_is_refused_at_the_field(member: Member) -> None:
    # when
    response = member.client.post(reverse("portal:business-tokens"), {"name": ""})
    # then
    assert response.status_code == 400
    assert "name" in response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_the_push_page_shows_the_capture_endpoint(member: Member) -> None:
    # when
    response = member.client.get(reverse("portal:business-push"))
    # then
    assert "http://testserver/epcis/capture" in response.content.decode()


EVENTS_HEADER = (
    "Hoạt động,Cơ sở (GLN hoặc tên),Thời gian (dd/mm/yyyy hh:mm),GTIN,Số lô,Số lượng,Đơn vị,"
    "Lô đầu vào (số lô),GTIN lô đầu vào,Vật tư,Thời gian cách ly (ngày)\n"
)


def test_a_diary_file_is_captured_as_epcis_events(member: Member) -> None:
    # given
    area, gtin = member.facility.name, member.product.gtin
    text = EVENTS_HEADER + (
        f"Phun thuốc,{area},01/03/2026 07:00,,,,,,,Abamectin,14\n"
        f"Thu hoạch,{area},20/03/2026 07:00,{gtin},V1,5000,kg,,,,\n"
        f"Sấy,{area},21/03/2026 07:00,{gtin},V1-KHO,4300,kg,V1,,,\n"
    )
    # when
    response = member.client.post(
        reverse("portal:business-imports"), {"kind": "events", "file": upload(text, "nhat-ky.csv"), "import": "1"}
    )
    # then
    assert response.status_code == 302
    steps = list(
        Event.objects.filter(organization=member.organization).order_by("event_time").values_list("biz_step", flat=True)
    )
    assert [step.rsplit("-", 1)[-1] for step in steps] == ["spraying", "harvesting", "drying"]


def test_a_diary_file_with_errors_lists_them_by_row_and_captures_nothing(member: Member) -> None:
    # given
    area, gtin = member.facility.name, member.product.gtin
    text = EVENTS_HEADER + (
        f"Thu hoạch,{area},20/03/2026 07:00,{gtin},V1,5000,kg,,,,\n"
        f"Phun thuốc,{area},hôm qua,,,,,,,Abamectin,14\n"
        f"Cày ruộng,{area},20/03/2026 07:00,,,,,,,,\n"
        f"Thu hoạch,Ruộng lạ,20/03/2026 07:00,{gtin},V2,10,kg,,,,\n"
    )
    # when
    response = member.client.post(
        reverse("portal:business-imports"), {"kind": "events", "file": upload(text, "nhat-ky.csv"), "import": "1"}
    )
    # then
    assert [(e.row, e.field) for e in response.context["errors"]] == [(2, "when"), (3, "activity"), (4, "facility")]
    assert not Event.objects.exists()
