"""Trace API and page, visibility between organizations, recall impact, exports."""

from __future__ import annotations

import io

import orjson
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from txng.accounts.principal import OPERATOR, principal_for_user
from txng.accounts.services import api_token_create
from txng.core.errors import NotFound
from txng.lineage.models import Lot
from txng.lineage.selectors import lot_trace, recall_impact, trace_get
from txng.registry.tests.factories import business_user, officer

pytestmark = pytest.mark.django_db


def token_client(business) -> Client:
    _, raw = api_token_create(actor=OPERATOR, organization=business.organization)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def dost_client() -> Client:
    client = Client()
    client.force_login(officer("dost"))
    return client


def test_backward_trace_of_retail_bags_reaches_the_paddy_field(rice_chain):
    # when
    response = dost_client().get("/api/trace/backward", {"lot": rice_chain.bags})
    # then
    assert response.status_code == 200
    body = response.json()
    reached = {(lot["organization"]["name"], lot["lot"]) for lot in body["lots"]}
    assert reached == {
        ("HTX Lúa Thới Lai", "PADDY-01"),
        ("Nhà máy xay xát Ô Môn", "PADDY-01"),
        ("Nhà máy xay xát Ô Môn", "RICE-01"),
        ("Nhà máy xay xát Ô Môn", "PACK-01"),
        ("Nhà phân phối Ninh Kiều", "PACK-01"),
        ("Siêu thị Cái Răng", "PACK-01"),
    }
    assert all(edge["event_id"] for edge in body["edges"])


def test_forward_trace_of_paddy_reaches_the_retailer(rice_chain):
    body = dost_client().get("/api/trace/forward", {"lot": rice_chain.paddy, "depth": 10}).json()
    assert ("Siêu thị Cái Răng", "PACK-01") in {(lot["organization"]["name"], lot["lot"]) for lot in body["lots"]}


def test_depth_bounds_the_walk(rice_chain):
    body = dost_client().get("/api/trace/forward", {"lot": rice_chain.paddy, "depth": 1}).json()
    # Both holders of PADDY-01 start at depth 0; the mill's RICE-01 is one step on.
    assert sorted(lot["depth"] for lot in body["lots"]) == [0, 0, 1]


def test_time_bound_stops_at_later_edges(rice_chain):
    body = (
        dost_client().get("/api/trace/forward", {"lot": rice_chain.paddy, "until": "2026-03-04T00:00:00+07:00"}).json()
    )
    assert {lot["lot"] for lot in body["lots"]} == {"PADDY-01", "RICE-01"}


def test_distributor_sees_its_supplier_but_not_the_mills_inputs(rice_chain):
    # when
    body = token_client(rice_chain.distributor).get("/api/trace/backward", {"lot": rice_chain.bags}).json()
    # then: its own node and the mill's PACK-01 (the partner link), nothing upstream of the mill
    assert {(lot["organization"]["name"], lot["lot"]) for lot in body["lots"]} == {
        ("Nhà phân phối Ninh Kiều", "PACK-01"),
        ("Nhà máy xay xát Ô Môn", "PACK-01"),
    }


def test_business_without_the_lot_gets_not_found(rice_chain):
    response = token_client(rice_chain.outsider).get("/api/trace/backward", {"lot": rice_chain.bags})
    assert response.status_code == 404
    assert response.json()["type"] == "urn:opentxng:problem:lot-not-found"


def test_trace_needs_authentication(rice_chain):
    assert Client().get("/api/trace/backward", {"lot": rice_chain.bags}).status_code == 401


def test_one_step_back_and_forward_for_the_mill(rice_chain):
    body = token_client(rice_chain.mill).get("/api/trace/one-step", {"lot": rice_chain.rice}).json()
    assert [(s["organization"]["name"], s["lot"][-8:]) for s in body["suppliers"]] == [
        ("HTX Lúa Thới Lai", "PADDY-01"),
        ("HTX Lúa Thới Lai", "PADDY-01"),
    ]
    assert {(c["organization"]["name"], c["lot"][-7:]) for c in body["customers"]} == {
        ("Nhà phân phối Ninh Kiều", "PACK-01")
    }


def test_recall_impact_reaches_every_downstream_lot_and_no_other(rice_chain):
    # when
    impact = recall_impact([rice_chain.farm.lot(rice_chain.paddy)])
    # then
    c = rice_chain
    assert impact.identifiers == sorted([c.paddy, c.rice, c.bags])
    assert impact.organization_ids == sorted(b.organization.pk for b in (c.farm, c.mill, c.distributor, c.retailer))
    assert c.paddy_other not in impact.identifiers
    assert len(impact.lot_ids) == Lot.objects.exclude(identifier=c.paddy_other).count()


def test_recall_of_the_rice_lot_leaves_the_paddy_out(rice_chain):
    impact = recall_impact([rice_chain.mill.lot(rice_chain.rice)])
    assert impact.identifiers == sorted([rice_chain.rice, rice_chain.bags])


def test_recall_impact_api_is_for_agencies(rice_chain):
    assert token_client(rice_chain.mill).get("/api/trace/recall-impact", {"lot": rice_chain.rice}).status_code == 403
    body = dost_client().get("/api/trace/recall-impact", {"lot": rice_chain.rice}).json()
    assert body["lot_count"] == 4


def test_checks_api(rice_chain):
    body = token_client(rice_chain.farm).get("/api/trace/checks", {"lot": rice_chain.paddy}).json()
    assert body == []


def test_fsma_spreadsheet_has_a_sheet_per_cte_and_a_glossary(rice_chain):
    # when
    response = dost_client().get("/api/trace/export/fsma204", {"lot": [rice_chain.paddy]})
    # then
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == [
        "Harvesting",
        "Cooling",
        "Initial Packing",
        "Shipping",
        "Receiving",
        "Transformation",
        "Glossary",
    ]
    harvesting = list(book["Harvesting"].values)
    assert len(harvesting) == 2
    assert harvesting[1][1] == rice_chain.paddy
    assert harvesting[1][4] == 10000
    assert len(list(book["Transformation"].values)) == 2


def test_fsma_csv_only_holds_the_businesss_own_records(rice_chain):
    response = token_client(rice_chain.farm).get("/api/trace/export/fsma204", {"format": "csv"})
    text = response.content.decode("utf-8-sig")
    assert "PADDY-01" in text
    assert "RICE-01" not in text
    assert "OTHER-01" not in text


def test_eudr_geojson_of_a_shipment_lists_the_growing_area(rice_chain):
    # given
    field = rice_chain.farm.organization.facilities.get(kind="growing_area")
    field.boundary = {"type": "Polygon", "coordinates": [[[105.6, 10.1], [105.7, 10.1], [105.7, 10.2], [105.6, 10.1]]]}
    field.save()
    shipment = rice_chain.distributor.organization.events.get(biz_step="shipping")
    # when
    response = token_client(rice_chain.distributor).get("/api/trace/export/eudr", {"event": shipment.event_id})
    # then
    features = orjson.loads(response.content)["features"]
    assert [f["geometry"]["type"] for f in features] == ["Polygon"]
    assert features[0]["properties"]["lots"] == [rice_chain.paddy]


def test_lineage_as_epcis_holds_only_visible_events(rice_chain):
    body = token_client(rice_chain.distributor).get("/api/trace/export/epcis", {"lot": rice_chain.bags}).json()
    types = sorted(e["type"] for e in body["epcisBody"]["eventList"])
    assert "TransformationEvent" not in types
    assert len(types) >= 3


def test_trace_page_draws_the_graph(rice_chain):
    # given
    client = Client()
    client.force_login(business_user(rice_chain.mill.organization))
    # when
    response = client.get("/lineage/trace", {"lot": rice_chain.rice, "direction": "backward"})
    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "<svg" in page
    assert "PADDY-01" in page
    assert "<script" not in page


def test_trace_page_asks_to_sign_in():
    response = Client().get("/lineage/trace")
    assert response.status_code == 302


def test_sector_officer_outside_the_sector_finds_no_lot(rice_chain):
    user = officer("sector_department", sector="industry_trade")
    with pytest.raises(NotFound):
        trace_get(principal=principal_for_user(user), identifier=rice_chain.bags, direction="backward")


def test_trace_takes_three_queries_whatever_its_size(rice_chain):
    # given
    start = list(Lot.objects.filter(identifier=rice_chain.paddy))
    # when
    with CaptureQueriesContext(connection) as queries:
        trace = lot_trace(start, direction="forward")
    # then: the recursive walk, the lots, the edges
    assert len(queries) == 3
    assert len(trace.lots) == 6
