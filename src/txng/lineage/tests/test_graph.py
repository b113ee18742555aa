"""Deriving the lot graph from captured events: nodes, edges, serial and SSCC roll-up, retraction, rebuild."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from txng.epcis import services as epcis_services
from txng.epcis.models import Event
from txng.lineage.checks import lot_checks
from txng.lineage.models import Containment, Lot, LotActivity, LotEdge
from txng.lineage.services import lineage_index_events
from txng.lineage.tests import chains
from txng.lineage.tests.chains import Business, harvest, lot_id, quantity, ship, transform
from txng.registry.models import Facility

pytestmark = pytest.mark.django_db


def edges():
    return sorted(
        (e.kind, e.from_organization_id, e.from_lot.lot, e.to_organization_id, e.to_lot.lot)
        for e in LotEdge.objects.select_related("from_lot", "to_lot")
    )


def test_rice_chain_edges(rice_chain):
    c = rice_chain
    farm, mill, dist, shop = (b.organization.pk for b in (c.farm, c.mill, c.distributor, c.retailer))
    assert sorted(set(edges())) == sorted(
        [
            ("shipment", dist, "PACK-01", shop, "PACK-01"),
            ("shipment", farm, "PADDY-01", mill, "PADDY-01"),
            ("shipment", mill, "PACK-01", dist, "PACK-01"),
            ("transformation", mill, "PADDY-01", mill, "RICE-01"),
            ("transformation", mill, "RICE-01", mill, "PACK-01"),
        ]
    )


def test_serials_roll_up_to_their_lot_through_the_sscc(rice_chain):
    # The distributor shipped five serials without their lot; they were packed on the SSCC as PACK-01.
    shipped = LotActivity.objects.get(lot__organization_id=rice_chain.distributor.organization.pk, kind="shipped")
    assert (shipped.lot.identifier, shipped.quantity) == (rice_chain.bags, Decimal(5))


def test_lot_records_production_and_expiry(rice_chain):
    bags = rice_chain.mill.lot(rice_chain.bags)
    assert (bags.produced_quantity, bags.expires_on.isoformat()) == (Decimal(20), "2027-03-05")


def test_error_declaration_retracts_the_edges_of_the_declared_event(rice_chain):
    # given: the mill's milling event, stored
    milling = Event.objects.get(
        organization=rice_chain.mill.organization, event_type="TransformationEvent", biz_step__endswith="milling"
    )
    # when: the mill captures it again with an errorDeclaration (EPCIS 2.0 §7.4.1.2)
    declared = dict(milling.document)
    declared["errorDeclaration"] = {"declarationTime": "2026-03-04T00:00:00Z", "reason": "incorrect_data"}
    rice_chain.mill.capture(declared)
    # then: the original is kept, and what it contributed to the lot graph is gone
    assert Event.objects.filter(event_id=milling.event_id).count() == 2
    assert not LotEdge.objects.filter(event=milling).exists()
    assert not LotActivity.objects.filter(event=milling).exists()
    assert rice_chain.mill.lot(rice_chain.rice).produced_quantity is None
    assert LotEdge.objects.filter(kind="shipment").count() == 6


def test_indexing_again_changes_nothing(rice_chain):
    before = edges()
    lineage_index_events(list(Event.objects.values_list("pk", flat=True)))
    assert edges() == before


@pytest.fixture
def captured_only(monkeypatch):
    """The batches the chain captures, left as capture indexed them (the chain indexes them again otherwise)."""
    batches: list[list[int]] = []
    monkeypatch.setattr(chains, "lineage_index_events", batches.append)
    return batches


def graph():
    return (
        sorted(
            Lot.objects.values_list(
                "organization_id", "identifier", "gtin", "lot", "first_seen", "last_seen", "last_location",
                "produced_quantity", "produced_uom", "expires_on",
            )
        ),
        sorted(
            LotActivity.objects.values_list(
                "organization_id", "lot__identifier", "event_id", "event_time", "kind", "biz_step", "location",
                "quantity", "uom", "counterparty_organization_id", "counterparty",
            )
        ),
        sorted(
            LotEdge.objects.values_list(
                "from_lot__organization_id", "from_lot__identifier", "to_lot__organization_id", "to_lot__identifier",
                "event_id", "event_time", "kind", "quantity", "uom",
            )
        ),
        sorted(Containment.objects.values_list("container", "content", "quantity", "uom", "event_id")),
    )  # fmt: skip


def test_capture_derives_what_indexing_the_stored_events_derives(captured_only, rice_chain, monkeypatch):
    # given: the chain as capture indexed it from the rows it held
    from_capture = graph()
    assert from_capture[2]  # the chain has edges to compare
    # when: the same batches are indexed again, in the same order, from the stored events
    for model in (LotEdge, LotActivity, Containment, Lot):
        model.objects.all().delete()
    for pks in captured_only:
        lineage_index_events(pks)
    # then
    assert graph() == from_capture

    # given: an error declaration of the milling, captured and indexed by capture, then undone
    milling = Event.objects.get(event_type="TransformationEvent", biz_step__endswith="milling")
    declared = {**milling.document, "errorDeclaration": {"declarationTime": "2026-03-04T00:00:00Z"}}
    undo = transaction.savepoint()
    rice_chain.mill.capture(declared)
    from_capture = graph()
    transaction.savepoint_rollback(undo)
    # when: it is captured without indexing, then its stored event indexed
    monkeypatch.setattr(epcis_services, "lineage_index_captured", lambda *rows, **declared: None)
    rice_chain.mill.capture(declared)
    lineage_index_events(list(Event.objects.filter(is_error_declaration=True).values_list("pk", flat=True)))
    # then
    assert graph() == from_capture


def test_rebuild_command_recreates_the_same_graph(rice_chain):
    before = edges()
    call_command("lineage", "rebuild", verbosity=0)
    assert edges() == before


def test_indexing_a_batch_takes_a_bounded_number_of_queries():
    # given: two batches of 10 and 100 harvest+ship pairs
    farm, buyer = Business("HTX A"), Business("HTX B")
    field = farm.facility(Facility.Kind.GROWING_AREA)
    gtin = farm.product("Lúa")

    def pairs(prefix, n):
        events = []
        for k in range(n):
            lot = lot_id(gtin, f"{prefix}{k}")
            events += [harvest(field, lot, 100, 1), ship(field, buyer.organization, [quantity(lot, 100)], 2)]
        return events

    counts = []
    for prefix, n in (("S", 10), ("L", 100)):
        before = set(Event.objects.values_list("pk", flat=True))
        farm.capture(*pairs(prefix, n))
        pks = sorted(set(Event.objects.values_list("pk", flat=True)) - before)
        with CaptureQueriesContext(connection) as queries:
            lineage_index_events(pks)
        counts.append(len(queries))
    # Not one query per event: only SQLite's bound-parameter limit splits the bulk inserts a little more
    # (PostgreSQL has one statement more: the lot graph's shared lock).
    assert counts[0] <= 17
    assert counts[1] <= 21


def test_pangasius_many_ponds_into_one_fillet_lot_into_many_cartons():
    # given: three ponds harvested, one fillet lot, three carton lots, a cold store, an exporter
    farm, plant, store = Business("HTX Cá tra"), Business("Nhà máy chế biến"), Business("Kho lạnh")
    ponds = [farm.facility(Facility.Kind.POND) for _ in range(3)]
    line, cold = plant.facility(), store.facility(Facility.Kind.COLD_STORE)
    fish = [lot_id(farm.product("Cá tra"), f"AO-{n}") for n in range(3)]
    fillet = lot_id(plant.product("Phi lê"), "FIL-1")
    cartons = [lot_id(plant.product(f"Thùng {n}"), f"CT-{n}") for n in range(3)]
    farm.capture(
        *[harvest(p, f, 4000, 1) for p, f in zip(ponds, fish, strict=True)],
        *[ship(p, plant.organization, [quantity(f, 4000)], 2) for p, f in zip(ponds, fish, strict=True)],
    )
    plant.capture(
        transform(line, [quantity(f, 4000) for f in fish], [quantity(fillet, 4200)], 3, step="filleting"),
        transform(line, [quantity(fillet, 4200)], [quantity(c, 1400) for c in cartons], 4, step="packing"),
        *[ship(line, store.organization, [quantity(c, 1400)], 5) for c in cartons],
    )
    store.capture(ship(cold, "https://id.gs1.org/417/0614141000005", [quantity(c, 1400) for c in cartons], 9))
    # then
    fillet_node = plant.lot(fillet)
    into = LotEdge.objects.filter(to_lot=fillet_node, kind="transformation")
    out = LotEdge.objects.filter(from_lot=fillet_node, kind="transformation")
    assert sorted(e.from_lot.identifier for e in into) == sorted(fish)
    assert sorted(e.to_lot.identifier for e in out) == sorted(cartons)
    assert Lot.objects.filter(organization_id=store.organization.pk).count() == 3
    assert lot_checks(fillet_node) == []
    exported = LotActivity.objects.filter(lot__organization_id=store.organization.pk, kind="shipped")
    assert {(a.counterparty, a.counterparty_organization_id) for a in exported} == {
        ("https://id.gs1.org/417/0614141000005", None)
    }
