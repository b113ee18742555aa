"""Recall pages: list, open form (errors at the field, input kept), detail with progress, business answers."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from txng.accounts.principal import principal_for_user
from txng.epcis.models import Event
from txng.oversight.models import Recall, RecallDisposition, RecallNotice
from txng.oversight.tests.test_recall_open import open_recall
from txng.registry.tests.factories import business_user, officer

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"  # the tests read the English text
    return client


def form_data(lots: str, **fields: str) -> dict[str, str]:
    return {
        "title": "Gạo nhiễm aflatoxin",
        "reason": "Aflatoxin B1 vượt giới hạn",
        "hazard_class": "class_1",
        "legal_basis": "Thông tư 17/2021/TT-BNNPTNT",
        "lots": lots,
        **fields,
    }


def test_officer_opens_a_recall_with_gtin_and_lot_lines(rice_chain):
    # given
    client = logged_in(officer("dost"))
    gtin, lot = rice_chain.rice.split("/")[-3], "RICE-01"
    # when
    response = client.post("/oversight/recalls/new", form_data(f"{gtin} {lot}\n\n"))
    # then
    recall = Recall.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/oversight/recalls/{recall.code}/"
    assert recall.affected_lot_count == 4
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "<progress" in page.content.decode()
    assert page.content.decode().count('<tr id="lot-') == 4


def test_unknown_lot_is_shown_at_the_lots_field_and_the_typed_text_is_kept(rice_chain):
    # given
    client = logged_in(officer("dost"))
    typed = "https://id.gs1.org/01/08934567000017/10/NOPE"
    # when
    response = client.post("/oversight/recalls/new", form_data(typed, title="Tiêu đề đã gõ"))
    # then
    html = response.content.decode()
    assert response.status_code == 400
    assert re.search(r'field-error">\s*<label for="id_lots"', html)
    assert "id_lots-error" in html
    assert typed in html
    assert 'value="Tiêu đề đã gõ"' in html
    assert Recall.objects.count() == 0


def test_missing_title_is_an_error_at_the_title_field(rice_chain):
    response = logged_in(officer("dost")).post("/oversight/recalls/new", form_data(rice_chain.rice, title=""))
    assert response.status_code == 400
    assert "id_title-error" in response.content.decode()
    assert Recall.objects.count() == 0


def test_business_user_may_not_open_a_recall(rice_chain):
    client = logged_in(business_user(rice_chain.mill.organization))
    assert client.get("/oversight/recalls/new").status_code == 403
    assert client.post("/oversight/recalls/new", form_data(rice_chain.rice)).status_code == 403
    assert Recall.objects.count() == 0


def test_business_acknowledges_and_records_destruction_on_the_page(pangasius_chain):
    # given
    recall = open_recall([pangasius_chain.fillet])
    user = business_user(pangasius_chain.store.organization)
    client = logged_in(user)
    page = client.get(f"/oversight/recalls/{recall.code}/").content.decode()
    assert "Acknowledge for" in page or "acknowledge" in page
    # when
    acknowledged = client.post(
        f"/oversight/recalls/{recall.code}/",
        {"action": "acknowledge", "organization": pangasius_chain.store.organization.pk},
    )
    lot = recall.affected_lots.filter(organization_id=pangasius_chain.store.organization.pk).first()
    recorded = client.post(
        f"/oversight/recalls/{recall.code}/",
        {"action": "disposition", "lot": lot.pk, "kind": "destroyed", "quantity": "150,5", "note": ""},
    )
    # then
    assert acknowledged.status_code == 302
    assert (
        RecallNotice.objects.get(recall=recall, organization=pangasius_chain.store.organization).acknowledged_by == user
    )
    assert recorded.status_code == 302
    disposition = RecallDisposition.objects.get()
    assert str(disposition.quantity.normalize()) == "150.5"
    assert Event.objects.filter(event_id=disposition.event_id, organization=pangasius_chain.store.organization).exists()


def test_too_large_quantity_is_shown_at_the_quantity_field_of_that_lot(pangasius_chain):
    # given
    recall = open_recall([pangasius_chain.fillet])
    client = logged_in(business_user(pangasius_chain.store.organization))
    client.post(f"/oversight/recalls/{recall.code}/", {"action": "acknowledge"})
    lot = recall.affected_lots.filter(organization_id=pangasius_chain.store.organization.pk).first()
    # when
    response = client.post(
        f"/oversight/recalls/{recall.code}/",
        {"action": "disposition", "lot": lot.pk, "kind": "destroyed", "quantity": "9999", "note": "ghi chú"},
    )
    # then
    html = response.content.decode()
    assert response.status_code == 400
    assert re.search(rf'field-error"><label for="id_lot{lot.pk}_quantity"', html)
    assert 'value="9999"' in html
    assert RecallDisposition.objects.count() == 0


def test_recall_list_shows_dates_as_dd_mm_yyyy(rice_chain):
    # given
    recall = open_recall([rice_chain.rice])
    # when
    html = logged_in(officer("dost")).get("/oversight/recalls/").content.decode()
    # then
    assert recall.code in html
    from django.utils import timezone

    assert timezone.localtime(recall.opened_at).strftime("%d/%m/%Y") in html


def test_business_outside_the_recall_gets_404(rice_chain):
    recall = open_recall([rice_chain.rice])
    client = logged_in(business_user(rice_chain.farm.organization))
    assert client.get(f"/oversight/recalls/{recall.code}/").status_code == 404


def test_pages_need_sign_in(rice_chain):
    assert Client().get("/oversight/recalls/").status_code == 302


def test_officer_sees_the_empty_form_with_the_default_legal_basis():
    response = logged_in(officer("dost")).get("/oversight/recalls/new")
    assert response.status_code == 200
    assert 'value="Thông tư 17/2021/TT-BNNPTNT"' in response.content.decode()


def test_opening_agency_closes_the_recall_on_its_page(rice_chain):
    # given
    user = officer("dost")
    recall = open_recall([rice_chain.rice], actor=principal_for_user(user))
    client = logged_in(user)
    assert 'value="close"' in client.get(f"/oversight/recalls/{recall.code}/").content.decode()
    # when
    response = client.post(f"/oversight/recalls/{recall.code}/", {"action": "close", "note": "Hoàn tất"})
    # then
    assert response.status_code == 302
    recall.refresh_from_db()
    assert (recall.status, recall.close_note) == ("closed", "Hoàn tất")


def test_mock_recall_page_shows_the_time_to_trace(rice_chain):
    user = officer("dost")
    recall = open_recall([rice_chain.rice], actor=principal_for_user(user), is_mock=True)
    html = logged_in(user).get(f"/oversight/recalls/{recall.code}/").content.decode()
    assert f"Time to trace: {recall.trace_milliseconds} ms." in html


def test_quantities_are_shown_in_vietnamese_style_with_unit_symbols():
    # given
    from decimal import Decimal

    from django.utils import translation

    from txng.oversight.templatetags.recalls import quantity

    # then
    with translation.override("vi"):
        assert quantity(Decimal("1234.500000"), "KGM") == "1.234,5 kg"
        assert quantity(Decimal("400.000000"), "KGM") == "400 kg"
        assert quantity(None, "KGM") == "—"


@pytest.mark.parametrize(("seconds", "text"), [(12, "12 s"), (450, "7 min 30 s"), (7500, "2 h 05 min")])
def test_durations_read_in_hours_minutes_seconds(seconds, text):
    import datetime

    from txng.oversight.templatetags.recalls import duration

    assert duration(datetime.timedelta(seconds=seconds)) == text
