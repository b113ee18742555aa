"""The consumer page of a recalled lot shows the recall; gs1:recallStatus leads to the public status page."""

from __future__ import annotations

from urllib.parse import urlsplit

import orjson
import pytest
from django.test import Client

from txng.accounts.principal import OPERATOR
from txng.codes.selectors import stamp_batch_stamps
from txng.codes.tests.fixtures import forget_hot_lookups, make_batch, producer, product
from txng.epcis.document import parse_document
from txng.epcis.services import events_capture
from txng.lineage.tests.chains import CONTEXT, gln, harvest, lot_id
from txng.oversight.services import recall_cancel
from txng.oversight.tests.test_recall_open import dost, open_recall
from txng.registry.models import Facility
from txng.registry.tests.factories import FacilityFactory

__all__ = ["forget_hot_lookups", "make_batch", "producer", "product"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def harvested(product):
    """Lots L1 and L2 of the published product, harvested (so the lot graph knows them)."""
    field = FacilityFactory(organization=product.organization, kind=Facility.Kind.GROWING_AREA, gln=gln())
    events = [harvest(field, lot_id(product.gtin, lot), 500, 1) for lot in ("L1", "L2")]
    body = {"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0", "epcisBody": {"eventList": events}}
    document = parse_document(orjson.dumps(body), "application/ld+json")
    events_capture(actor=OPERATOR, organization=product.organization, document=document)
    return product


def scan(client: Client, batch) -> str:
    path = urlsplit(next(stamp_batch_stamps(batch)).digital_link("https://x.example")).path
    response = client.get(path)
    assert response.status_code == 307
    return client.get(response["Location"]).content.decode()


def test_stamp_of_a_recalled_lot_shows_the_recall_banner(client, harvested, make_batch):
    # given
    recall = open_recall([lot_id(harvested.gtin, "L1")])
    # when
    html = scan(client, make_batch(lot="L1"))
    # then
    assert 'id="recall"' in html
    assert "Product recalled" in html
    assert recall.code in html


def test_stamp_of_an_unaffected_lot_has_no_banner(client, harvested, make_batch):
    # given
    open_recall([lot_id(harvested.gtin, "L1")])
    # when
    html = scan(client, make_batch(lot="L2"))
    # then
    assert 'id="recall"' not in html
    assert "verdict-genuine" in html


@pytest.mark.parametrize("withdrawn", ["mock", "cancelled"])
def test_mock_or_cancelled_recall_shows_no_banner(client, harvested, make_batch, withdrawn):
    # given
    actor = dost()
    recall = open_recall([lot_id(harvested.gtin, "L1")], actor=actor, is_mock=withdrawn == "mock")
    if withdrawn == "cancelled":
        recall_cancel(actor=actor, recall=recall)
    # when
    html = scan(client, make_batch(lot="L1"))
    # then
    assert 'id="recall"' not in html


def test_product_code_without_a_lot_names_the_recalled_lots(client, harvested):
    # given
    open_recall([lot_id(harvested.gtin, "L1")])
    # when
    response = client.get(f"/01/{harvested.gtin}")
    html = client.get(response["Location"]).content.decode()
    # then
    banner = html[html.index('id="recall"') : html.index("</section>", html.index('id="recall"'))]
    assert "L1" in banner
    assert "L2" not in banner


def test_recall_status_link_points_to_the_public_status_page(client, harvested):
    # given
    open_recall([lot_id(harvested.gtin, "L1")])
    # when
    response = client.get(f"/01/{harvested.gtin}/10/L1?linkType=gs1:recallStatus")
    # then
    assert response.status_code == 307
    target = urlsplit(response["Location"])
    assert target.path == f"/oversight/status/01/{harvested.gtin}/10/L1"
    page = client.get(target.path)
    assert page.status_code == 200
    assert "Product recalled" in page.content.decode()


def test_recall_status_link_is_absent_for_a_lot_not_recalled(client, harvested):
    # given
    open_recall([lot_id(harvested.gtin, "L1")])
    # when
    response = client.get(f"/01/{harvested.gtin}/10/L2?linkType=gs1:recallStatus")
    # then
    assert response.status_code == 404
    page = client.get(f"/oversight/status/01/{harvested.gtin}/10/L2")
    assert "This lot is not recalled." in page.content.decode()


def test_recall_status_is_in_the_linkset_of_a_recalled_lot(client, harvested):
    # given
    open_recall([lot_id(harvested.gtin, "L1")])
    # when
    body = client.get(f"/01/{harvested.gtin}/10/L1?linkType=linkset").json()
    # then
    entries = body["linkset"][0]["https://gs1.org/voc/recallStatus"]
    assert [urlsplit(e["href"]).path for e in entries] == [f"/oversight/status/01/{harvested.gtin}/10/L1"]
