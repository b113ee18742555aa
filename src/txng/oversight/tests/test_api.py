"""The recalls API: open, list, detail with progress, acknowledge, dispositions, close; RFC 7807 errors."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from txng.accounts.principal import OPERATOR
from txng.accounts.services import api_token_create
from txng.epcis.models import Event
from txng.oversight.models import Recall, RecallDisposition
from txng.registry.tests.factories import officer

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def token_client(business) -> Client:
    _, raw = api_token_create(actor=OPERATOR, organization=business.organization)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def officer_client(kind: str = "dost", **fields: Any) -> Client:
    client = Client()
    client.force_login(officer(kind, **fields))
    return client


def open_body(*lots: str, **fields: Any) -> dict[str, Any]:
    return {
        "title": "Cá tra nhiễm Enrofloxacin",
        "reason": "Dư lượng kháng sinh vượt mức cho phép",
        "lots": list(lots),
        "hazard_class": "class_1",
        **fields,
    }


def test_agency_opens_a_recall_and_gets_the_affected_lots(pangasius_chain):
    # when
    response = officer_client().post(
        "/api/recalls/", open_body(pangasius_chain.fillet), content_type="application/json"
    )
    # then
    assert response.status_code == 201
    body = response.json()
    assert body["code"].startswith("TH-")
    assert body["recalled_lots"] == [pangasius_chain.fillet]
    assert len(body["lots"]) == 7
    assert body["progress"]["organizations_notified"] == 2
    assert body["progress"]["units"] == [{"uom": "KGM", "affected": "1200.000000", "located": "0", "percent": 0}]
    assert body["legal_basis"] == "Thông tư 17/2021/TT-BNNPTNT"


def test_business_acknowledges_and_records_a_disposition_over_the_api(pangasius_chain):
    # given
    code = (
        officer_client()
        .post("/api/recalls/", open_body(pangasius_chain.fillet), content_type="application/json")
        .json()["code"]
    )
    store = token_client(pangasius_chain.store)
    detail = store.get(f"/api/recalls/{code}").json()
    assert {lot["organization_id"] for lot in detail["lots"]} == {pangasius_chain.store.organization.pk}
    lot_id = detail["lots"][0]["id"]
    # when
    acknowledged = store.post(f"/api/recalls/{code}/acknowledge", {}, content_type="application/json")
    recorded = store.post(
        f"/api/recalls/{code}/dispositions",
        {"lot_id": lot_id, "kind": "destroyed", "quantity": "400", "note": "Tiêu hủy tại lò đốt"},
        content_type="application/json",
    )
    # then
    assert acknowledged.status_code == 200
    assert acknowledged.json()["acknowledged_at"] is not None
    assert recorded.status_code == 201
    assert Event.objects.filter(event_id=recorded.json()["event_id"], biz_step="destroying").exists()
    progress = store.get(f"/api/recalls/{code}").json()["progress"]
    assert progress["units"][0]["located"] == "400.000000"
    assert progress["organizations_acknowledged"] == 1


def test_list_shows_a_business_only_its_recalls(rice_chain):
    # given
    dost = officer_client()
    dost.post("/api/recalls/", open_body(rice_chain.rice), content_type="application/json")
    # when
    mine = token_client(rice_chain.retailer).get("/api/recalls/").json()
    theirs = token_client(rice_chain.farm).get("/api/recalls/").json()
    # then
    assert mine["count"] == 1
    assert theirs == {"items": [], "count": 0}


def test_business_may_not_open_a_recall(rice_chain):
    # when
    response = token_client(rice_chain.mill).post(
        "/api/recalls/", open_body(rice_chain.rice), content_type="application/json"
    )
    # then
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert response.json()["type"] == "urn:opentxng:problem:recall-forbidden"
    assert Recall.objects.count() == 0


def test_unknown_lot_is_a_problem_at_the_lots_field(rice_chain):
    response = officer_client().post(
        "/api/recalls/", open_body("https://id.gs1.org/01/08934567000017/10/NOPE"), content_type="application/json"
    )
    assert response.status_code == 404
    assert response.json()["type"] == "urn:opentxng:problem:lot-not-found"
    assert response.json()["field"] == "lots"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lots": []}, "lots"),
        ({"title": "x" * 201}, "title"),
        ({"lots": ["a"] * 101}, "lots"),
        ({"reason": ""}, "reason"),
        ({"lots": ["x" * 2000]}, "lots.0"),
    ],
)
def test_unbounded_input_is_a_validation_problem(rice_chain, change, field):
    response = officer_client().post(
        "/api/recalls/", open_body(rice_chain.rice, **change), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["type"] == "urn:opentxng:problem:validation"
    assert f"payload.{field}" in {error["field"] for error in response.json()["errors"]}
    assert Recall.objects.count() == 0


def test_bad_hazard_class_is_a_problem_at_its_field(rice_chain):
    response = officer_client().post(
        "/api/recalls/", open_body(rice_chain.rice, hazard_class="class_9"), content_type="application/json"
    )
    assert response.status_code == 400
    assert (response.json()["type"], response.json()["field"]) == (
        "urn:opentxng:problem:hazard-class-invalid",
        "hazard_class",
    )


def test_too_large_disposition_is_a_problem_and_captures_nothing(pangasius_chain):
    # given
    code = (
        officer_client()
        .post("/api/recalls/", open_body(pangasius_chain.fillet), content_type="application/json")
        .json()["code"]
    )
    store = token_client(pangasius_chain.store)
    lot_id = store.get(f"/api/recalls/{code}").json()["lots"][0]["id"]
    store.post(f"/api/recalls/{code}/acknowledge", {}, content_type="application/json")
    events = Event.objects.count()
    # when
    response = store.post(
        f"/api/recalls/{code}/dispositions",
        {"lot_id": lot_id, "kind": "destroyed", "quantity": "5000"},
        content_type="application/json",
    )
    # then
    assert response.status_code == 400
    assert (response.json()["type"], response.json()["field"]) == (
        "urn:opentxng:problem:quantity-too-large",
        "quantity",
    )
    assert Event.objects.count() == events
    assert RecallDisposition.objects.count() == 0


def test_unknown_recall_is_404(rice_chain):
    response = officer_client().get("/api/recalls/TH-2026-9999")
    assert response.status_code == 404
    assert response.json()["type"] == "urn:opentxng:problem:recall-not-found"


def test_anonymous_requests_are_refused():
    response = Client().get("/api/recalls/")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM


def test_opening_agency_closes_the_recall(rice_chain):
    # given
    dost = officer_client()
    code = dost.post("/api/recalls/", open_body(rice_chain.rice), content_type="application/json").json()["code"]
    # when
    refused = token_client(rice_chain.mill).post(f"/api/recalls/{code}/close", {}, content_type="application/json")
    closed = dost.post(f"/api/recalls/{code}/close", {"note": "Hoàn tất"}, content_type="application/json")
    # then
    assert refused.status_code == 403
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
