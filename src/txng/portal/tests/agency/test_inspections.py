"""Inspections and violations through the agency pages, and a recall opened from a violation."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from txng.accounts.models import User
from txng.accounts.principal import principal_for_user
from txng.core.errors import NotFound
from txng.lineage.tests.chains import Business, harvest, lot_id
from txng.oversight import inspections
from txng.oversight.models import Recall
from txng.oversight.models_inspections import Inspection, InspectionPhoto, Violation
from txng.registry.models import OrganizationSector
from txng.registry.tests.factories import ProductGroupFactory, officer

from .conftest import signed_in

pytestmark = pytest.mark.django_db


def _farm_with_lot() -> tuple[Business, int, str]:
    group = ProductGroupFactory(code="trai-cay", name="Trái cây", sector="agriculture", is_priority=True)
    farm = Business("HTX Xoài Cát Hòa Lộc")
    OrganizationSector.objects.create(organization=farm.organization, sector="agriculture")
    field = farm.facility("growing_area")
    gtin = farm.product("Xoài cát", group)
    farm.capture(harvest(field, lot_id(gtin, "XOAI-07"), 800, 1))
    return farm, field.pk, gtin


def _png() -> SimpleUploadedFile:
    from PIL import Image

    stream = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(stream, "PNG")
    return SimpleUploadedFile("hien-truong.png", stream.getvalue(), content_type="image/png")


def test_checklist_comes_from_the_group() -> None:
    # given
    fruit = ProductGroupFactory(code="trai-cay", name="Trái cây")
    # when
    codes = [item["code"] for item in inspections.checklist_for(fruit)]
    # then
    assert codes[:6] == [code for code, _text in inspections.COMMON_CRITERIA]
    assert "fruit-area-code" in codes
    assert [item["code"] for item in inspections.checklist_for(None)] == codes[:6]


def test_plan_record_violation_and_open_a_recall(dost_client: Client) -> None:
    # given
    _farm, facility_id, gtin = _farm_with_lot()
    group = ProductGroupFactory(code="trai-cay")
    # when: plan
    planned = dost_client.post(
        reverse("portal:agency-inspection-plan"),
        {"facility": facility_id, "product_group": group.pk, "planned_on": "2026-11-20"},
    )
    inspection = Inspection.objects.get()
    url = reverse("portal:agency-inspection", args=[inspection.pk])
    # and record the checklist, a sample, a photo and a violation
    results = {f"result_{item['code']}": "pass" for item in inspection.checklist} | {"result_fruit-phi": "fail"}
    recorded = dost_client.post(
        url,
        {"action": "checklist", "inspected_on": "2026-11-21", "findings": "Phun thuốc sát ngày thu hoạch", **results},
    )
    dost_client.post(
        url,
        {
            "action": "sample",
            "sample-description": "Xoài 1 kg",
            "sample-lot": f"{gtin} XOAI-07",
            "sample-result": "non_conforming",
        },
    )
    dost_client.post(url, {"action": "photo", "photo-image": _png(), "photo-caption": "Vườn xoài"})
    dost_client.post(
        url,
        {
            "action": "violation",
            "violation-description": "Dư lượng thuốc bảo vệ thực vật vượt mức",
            "violation-legal_basis": "Nghị định 115/2018/NĐ-CP",
            "violation-sanction": "Phạt tiền",
            "violation-fine_vnd": "15000000",
        },
    )
    violation = Violation.objects.get()
    form_page = dost_client.get(reverse("portal:agency-violation-recall", args=[violation.pk]))
    initial = form_page.context["form"].initial
    opened = dost_client.post(
        reverse("portal:agency-violation-recall", args=[violation.pk]),
        {
            "title": initial["title"],
            "reason": initial["reason"],
            "legal_basis": initial["legal_basis"],
            "lots": initial["lots"],
            "hazard_class": "class_2",
            "agency_id": initial["agency_id"],
        },
    )
    # then
    assert planned.status_code == 302
    assert recorded.status_code == 302
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.DONE
    assert inspection.inspected_on == datetime.date(2026, 11, 21)
    assert [i["code"] for i in inspection.checklist if i["result"] == "fail"] == ["fruit-phi"]
    assert InspectionPhoto.objects.filter(inspection=inspection).count() == 1
    assert violation.fine_vnd == 15_000_000
    assert initial["reason"] == "Dư lượng thuốc bảo vệ thực vật vượt mức"
    assert initial["lots"] == f"{gtin} XOAI-07"
    recall = Recall.objects.get()
    assert opened.status_code == 302
    assert opened["Location"] == reverse("oversight:recall", args=[recall.code])
    violation.refresh_from_db()
    assert violation.recall_id == recall.pk
    assert recall.legal_basis == "Nghị định 115/2018/NĐ-CP"
    assert recall.affected_lot_count >= 1


def test_incomplete_checklist_is_refused(dost: User, dost_client: Client) -> None:
    # given
    _farm, facility_id, _gtin = _farm_with_lot()
    inspection = inspections.inspection_plan(
        actor=principal_for_user(dost),
        facility_id=facility_id,
        planned_on=datetime.date(2026, 11, 1),
    )
    # when
    response = dost_client.post(
        reverse("portal:agency-inspection", args=[inspection.pk]), {"action": "checklist", "inspected_on": "2026-11-02"}
    )
    # then
    assert response.status_code == 400
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.PLANNED


def test_officer_of_another_sector_cannot_inspect_the_facility() -> None:
    # given
    _farm, facility_id, _gtin = _farm_with_lot()
    health = officer("sector_department", sector="health")
    client = signed_in(health)
    # when
    response = client.post(
        reverse("portal:agency-inspection-plan"), {"facility": facility_id, "planned_on": "2026-11-20"}
    )
    # then
    assert response.status_code == 400
    assert Inspection.objects.count() == 0
    with pytest.raises(NotFound):
        inspections.facility_visible(principal_for_user(health), facility_id)


def test_inspections_list_is_scoped() -> None:
    # given
    _farm, facility_id, _gtin = _farm_with_lot()
    agriculture = officer("sector_department", sector="agriculture")
    inspections.inspection_plan(
        actor=principal_for_user(agriculture), facility_id=facility_id, planned_on=datetime.date(2026, 11, 1)
    )
    # when
    own = signed_in(agriculture).get(reverse("portal:agency-inspections"))
    other = signed_in(officer("sector_department", sector="health")).get(reverse("portal:agency-inspections"))
    # then
    assert len(own.context["page"]) == 1
    assert len(other.context["page"]) == 0
