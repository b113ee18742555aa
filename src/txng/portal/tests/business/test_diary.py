"""The production diary: every entry an EPCIS event through the capture service; lots, shipments, receipts."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from txng.epcis.models import Event
from txng.lineage.models import Lot
from txng.registry.tests.factories import ProductFactory

from .conftest import Member

pytestmark = pytest.mark.django_db
TXNG = "https://ns.opentxng.vn/epcis/"


def entry(member: Member, **fields: Any) -> Any:
    data = {"facility": member.facility.pk, "when": "2026-03-01T08:00", "uom": "KGM", **fields}
    return member.client.post(reverse("portal:business-diary"), data)


def lot_uri(gtin: str, lot: str) -> str:
    return f"https://id.gs1.org/01/{gtin}/10/{lot}"


def test_a_spraying_entry_is_captured_with_the_pre_harvest_interval(member: Member) -> None:
    # when
    response = entry(member, activity="spraying", material="Abamectin 3.6EC", pre_harvest_interval_days="14")
    # then
    assert response.status_code == 302
    event = Event.objects.get(organization=member.organization)
    assert event.biz_step == f"{TXNG}BizStep-spraying"
    assert event.document["txng:preHarvestIntervalDays"] == 14
    assert event.document["txng:pesticide"] == "Abamectin 3.6EC"
    assert event.biz_location == f"https://id.gs1.org/414/{member.facility.gln}"


def test_a_harvest_creates_the_lot_and_is_remembered_for_the_next_entry(member: Member) -> None:
    # when
    entry(member, activity="harvesting", product=member.product.gtin, lot="V1-2026", quantity="5000")
    form = member.client.get(reverse("portal:business-diary")).context["form"]
    # then
    lot = Lot.objects.get(organization_id=member.organization.pk)
    assert (lot.gtin, lot.lot, lot.produced_quantity) == (member.product.gtin, "V1-2026", 5000)
    assert form.initial["input_lot"] == lot_uri(member.product.gtin, "V1-2026")
    assert form.initial["facility"] == str(member.facility.pk)


def test_milling_links_the_input_lot_to_the_output_lot(member: Member) -> None:
    # given
    rice = ProductFactory(organization=member.organization, name="Gạo ST25")
    entry(member, activity="harvesting", product=member.product.gtin, lot="V1", quantity="5000")
    paddy = lot_uri(member.product.gtin, "V1")
    # when
    response = entry(
        member, activity="milling", input_lot=paddy, input_quantity="5000", product=rice.gtin, lot="G1", quantity="3200"
    )
    # then
    assert response.status_code == 302
    event = Event.objects.get(event_type="TransformationEvent")
    assert event.document["inputQuantityList"][0]["epcClass"] == paddy
    assert event.document["outputQuantityList"][0] == {
        "epcClass": lot_uri(rice.gtin, "G1"), "quantity": 3200.0, "uom": "KGM"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"activity": "harvesting", "lot": "V1", "quantity": "10"}, "product"),
        ({"activity": "spraying", "material": "Abamectin"}, "pre_harvest_interval_days"),
        ({"activity": "harvesting", "lot": "V1", "quantity": "-3"}, "quantity"),
        ({"activity": "shipping", "quantity": "10", "input_lot": ""}, "input_lot"),
    ],
)
def test_an_incomplete_entry_is_refused_at_the_field_and_nothing_is_captured(
    member: Member, fields: dict[str, str], field: str
) -> None:
    # when
    response = entry(member, note="ghi chú của tôi", **fields)
    # then
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert "ghi chú của tôi" in response.content.decode()
    assert not Event.objects.exists()


def test_the_lot_page_shows_history_and_plain_language_warnings(member: Member) -> None:
    # given: sprayed with a 14-day interval, harvested 4 days later
    entry(member, activity="spraying", material="Abamectin", pre_harvest_interval_days="14", when="2026-03-01T08:00")
    entry(member, activity="harvesting", product=member.product.gtin, lot="V1", quantity="10", when="2026-03-05T08:00")
    # when
    response = member.client.get(reverse("portal:business-lot", args=[member.product.gtin, "V1"]))
    # then
    assert response.status_code == 200
    codes = [finding.code for finding in response.context["findings"]]
    assert "pre-harvest-interval" in codes
    assert f"/trace/01/{member.product.gtin}/10/V1" == response.context["consumer_path"]
    # and the history speaks in words, not codes
    page = response.content.decode()
    assert "Harvested" in page
    assert "10 kg" in page
    assert "KGM" not in page
    assert "BizStep-" not in page


def test_another_organizations_lot_is_not_found(member: Member, partner: Member) -> None:
    # given
    entry(member, activity="harvesting", product=member.product.gtin, lot="V1", quantity="10")
    # when
    response = partner.client.get(reverse("portal:business-lot", args=[member.product.gtin, "V1"]))
    # then
    assert response.status_code == 404


def test_a_shipment_to_a_registered_business_waits_for_it_and_one_tap_confirms(member: Member, partner: Member) -> None:
    # given
    entry(member, activity="harvesting", product=member.product.gtin, lot="V1", quantity="100")
    lot = lot_uri(member.product.gtin, "V1")
    entry(
        member, activity="shipping", input_lot=lot, quantity="100", destination_tax_code=partner.organization.tax_code
    )
    waiting = partner.client.get(reverse("portal:business-incoming")).context["shipments"]
    # when
    response = partner.client.post(
        reverse("portal:business-incoming-confirm"),
        {"shipment": waiting[0].event_id, "facility": partner.facility.pk},
    )
    # then
    assert response.status_code == 302
    assert [s.shipper for s in waiting] == [member.organization.name]
    received = Event.objects.get(organization=partner.organization, biz_step="receiving")
    assert received.document["quantityList"] == [{"epcClass": lot, "quantity": 100.0, "uom": "KGM"}]
    assert partner.client.get(reverse("portal:business-incoming")).context["shipments"] == []
    assert Lot.objects.filter(organization_id=partner.organization.pk, identifier=lot).exists()


def test_a_business_cannot_confirm_a_shipment_not_addressed_to_it(member: Member, partner: Member) -> None:
    # given
    entry(member, activity="harvesting", product=member.product.gtin, lot="V1", quantity="100")
    lot = lot_uri(member.product.gtin, "V1")
    entry(member, activity="shipping", input_lot=lot, quantity="100", destination_other="Chợ Cái Răng")
    shipment = Event.objects.get(biz_step="shipping")
    # when
    partner.client.post(
        reverse("portal:business-incoming-confirm"), {"shipment": shipment.event_id, "facility": partner.facility.pk}
    )
    # then
    assert not Event.objects.filter(organization=partner.organization).exists()


def test_the_diary_and_lot_pages_run_bounded_queries(member: Member, django_assert_max_num_queries: Any) -> None:
    # given
    for number in range(5):
        entry(member, activity="harvesting", product=member.product.gtin, lot=f"V{number}", quantity="10")
    # when / then
    with django_assert_max_num_queries(12):
        assert member.client.get(reverse("portal:business-diary")).status_code == 200
    with django_assert_max_num_queries(30):
        assert member.client.get(reverse("portal:business-lot", args=[member.product.gtin, "V1"])).status_code == 200
    with django_assert_max_num_queries(10):
        assert member.client.get(reverse("portal:business-incoming")).status_code == 200


def test_the_home_page_shows_the_newest_lots_warnings(member: Member, django_assert_max_num_queries: Any) -> None:
    # given: four clean harvests, then one 4 days after a spray with a 14-day interval
    for number in range(2, 6):
        entry(member, activity="harvesting", product=member.product.gtin, lot=f"V{number}", quantity="10",
              when="2026-02-01T08:00")  # fmt: skip
    entry(member, activity="spraying", material="Abamectin", pre_harvest_interval_days="14", when="2026-03-01T08:00")
    entry(member, activity="harvesting", product=member.product.gtin, lot="V1", quantity="10", when="2026-03-05T08:00")
    # when
    with django_assert_max_num_queries(40):
        response = member.client.get(reverse("portal:business-home"))
    # then
    warnings = response.context["dashboard"].warnings
    assert [(lot.lot, finding.code) for lot, finding in warnings] == [("V1", "pre-harvest-interval")]
    assert "Data-quality warnings" in response.content.decode()


def test_a_sale_is_captured_as_retail_sold(member: Member) -> None:
    # given
    entry(member, activity="harvesting", product=member.product.gtin, lot="V1", quantity="100")
    lot = lot_uri(member.product.gtin, "V1")
    # when
    response = entry(member, activity="retail_selling", input_lot=lot, quantity="30")
    # then
    assert response.status_code == 302
    sale = Event.objects.get(biz_step="retail_selling")
    assert sale.disposition == "retail_sold"
    assert sale.document["quantityList"] == [{"epcClass": lot, "quantity": 30.0, "uom": "KGM"}]


def test_a_business_without_a_gln_still_receives_shipments(member: Member, partner: Member) -> None:
    # given
    from txng.registry.models import Organization

    Organization.objects.filter(pk=partner.organization.pk).update(gln="")
    entry(member, activity="harvesting", product=member.product.gtin, lot="V1", quantity="100")
    lot = lot_uri(member.product.gtin, "V1")
    # when
    entry(
        member, activity="shipping", input_lot=lot, quantity="100", destination_tax_code=partner.organization.tax_code
    )
    # then
    shipments = partner.client.get(reverse("portal:business-incoming")).context["shipments"]
    assert [s.shipper for s in shipments] == [member.organization.name]


def test_a_partner_shipped_to_is_offered_next_time(member: Member, partner: Member) -> None:
    # given
    entry(member, activity="harvesting", product=member.product.gtin, lot="V1", quantity="100")
    lot = lot_uri(member.product.gtin, "V1")
    before = member.client.get(reverse("portal:business-diary")).context["form"].fields["destination"].choices
    # when
    entry(member, activity="shipping", input_lot=lot, quantity="50", destination_tax_code=partner.organization.tax_code)
    after = member.client.get(reverse("portal:business-diary")).context["form"].fields["destination"].choices
    # then
    assert before == [("", "—")]
    assert after == [("", "—"), (partner.organization.pk, partner.organization.name)]


def test_shipping_to_an_unknown_tax_code_is_refused_at_the_field(member: Member) -> None:
    # given
    entry(member, activity="harvesting", product=member.product.gtin, lot="V1", quantity="100")
    lot = lot_uri(member.product.gtin, "V1")
    # when
    response = entry(member, activity="shipping", input_lot=lot, quantity="50", destination_tax_code="0000000000")
    # then
    assert response.status_code == 400
    assert response.context["form"].errors["destination_tax_code"] == ["No registered business has this tax code."]
    assert 'value="0000000000"' in response.content.decode()
    assert not Event.objects.filter(biz_step="shipping").exists()
