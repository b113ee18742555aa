"""Opening a recall: the forward trace reaches every downstream lot and no other; snapshot and notices."""

from __future__ import annotations

from decimal import Decimal

import pytest

from txng.accounts.principal import principal_for_user
from txng.core.errors import NotFound, PermissionDenied, ServiceError
from txng.lineage.models import Lot
from txng.oversight.models import RESPONSE_TIME, AffectedLot, Recall, RecallNotice
from txng.oversight.services import lot_identifier_parse, recall_open
from txng.registry.tests.factories import officer

pytestmark = pytest.mark.django_db


def dost():
    return principal_for_user(officer("dost"))


def open_recall(lots, *, actor=None, is_mock=False) -> Recall:
    return recall_open(
        actor=actor or dost(),
        title="Gạo nhiễm aflatoxin",
        reason="Aflatoxin B1 vượt giới hạn QCVN 8-1:2011/BYT",
        lots=lots,
        hazard_class=Recall.HazardClass.CLASS_1,
        is_mock=is_mock,
    )


def affected(recall: Recall) -> set[tuple[int, str]]:
    return set(AffectedLot.objects.filter(recall=recall).values_list("organization_id", "identifier"))


def test_recall_of_the_paddy_reaches_every_downstream_lot_and_no_other(rice_chain):
    c = rice_chain
    # when
    recall = open_recall([c.paddy])
    # then: every node downstream of PADDY-01, wherever held …
    farm, mill, distributor, retailer = (b.organization.pk for b in (c.farm, c.mill, c.distributor, c.retailer))
    assert affected(recall) == {
        (farm, c.paddy),
        (mill, c.paddy),
        (mill, c.rice),
        (mill, c.bags),
        (distributor, c.bags),
        (retailer, c.bags),
    }
    # … and no other: the unrelated paddy of the outsider is the one lot left out
    others = set(Lot.objects.values_list("organization_id", "identifier")) - affected(recall)
    assert others == {(c.outsider.organization.pk, c.paddy_other)}
    assert set(RecallNotice.objects.filter(recall=recall).values_list("organization_id", flat=True)) == {
        farm,
        mill,
        distributor,
        retailer,
    }
    assert recall.affected_lot_count == 6
    assert recall.affected_organization_count == 4


def test_recall_of_the_rice_leaves_the_paddy_and_the_farm_out(rice_chain):
    c = rice_chain
    # when
    recall = open_recall([c.rice])
    # then
    assert {identifier for _, identifier in affected(recall)} == {c.rice, c.bags}
    assert c.farm.organization.pk not in set(recall.notices.values_list("organization_id", flat=True))


def test_recall_of_one_pond_reaches_fillet_cartons_and_cold_store_but_not_sibling_ponds(pangasius_chain):
    c = pangasius_chain
    # when
    recall = open_recall([c.fish[1]])
    # then
    farm, plant, store = (b.organization.pk for b in (c.farm, c.plant, c.store))
    assert affected(recall) == {
        (farm, c.fish[1]),
        (plant, c.fish[1]),
        (plant, c.fillet),
        *((plant, carton) for carton in c.cartons),
        *((store, carton) for carton in c.cartons),
    }
    reached = {identifier for _, identifier in affected(recall)}
    assert reached.isdisjoint({c.fish[0], c.fish[2], c.other_fish, c.other_fillet})
    assert recall.external_parties == ["https://id.gs1.org/417/0614141000005"]


def test_recall_of_two_lots_is_the_union_of_their_forward_traces(pangasius_chain):
    c = pangasius_chain
    # when
    recall = open_recall([c.other_fillet, c.cartons[0]])
    # then
    assert {identifier for _, identifier in affected(recall)} == {c.other_fillet, c.cartons[0]}
    assert set(recall.recalled_lots.values_list("identifier", flat=True)) == {c.other_fillet, c.cartons[0]}
    assert set(
        AffectedLot.objects.filter(recall=recall, is_recalled_lot=True).values_list("identifier", flat=True)
    ) == {
        c.other_fillet,
        c.cartons[0],
    }


def test_snapshot_keeps_what_each_holder_still_has(pangasius_chain):
    c = pangasius_chain
    # when
    recall = open_recall([c.fillet])
    # then: the plant shipped every carton; the cold store exported 1,000 kg of each 1,400 kg
    rows = {(row.organization_id, row.identifier): (row.quantity, row.uom) for row in recall.affected_lots.all()}
    assert rows[(c.plant.organization.pk, c.fillet)] == (Decimal("0"), "KGM")
    assert rows[(c.plant.organization.pk, c.cartons[0])] == (Decimal("0"), "KGM")
    assert rows[(c.store.organization.pk, c.cartons[0])] == (Decimal("400"), "KGM")
    assert {row.product_name for row in recall.affected_lots.all()} == {"Cá tra phi lê", "Cá tra phi lê thùng 10 kg"}


def test_recall_has_a_code_and_a_24_hour_deadline(rice_chain):
    # when
    first, second = open_recall([rice_chain.rice]), open_recall([rice_chain.bags])
    # then
    assert first.code.startswith("TH-")
    assert first.code.endswith("-0001")
    assert second.code.endswith("-0002")
    assert first.response_deadline - first.opened_at == RESPONSE_TIME
    assert first.status == Recall.Status.OPENED


def test_mock_recall_records_time_to_trace_and_numbers_apart(rice_chain):
    # when
    recall = open_recall([rice_chain.paddy], is_mock=True)
    # then
    assert recall.is_mock
    assert recall.code.startswith("DT-")
    assert recall.trace_milliseconds is not None
    assert recall.trace_milliseconds >= 1
    assert Recall.objects.get(pk=recall.pk).trace_milliseconds == recall.trace_milliseconds


def test_businesses_cannot_open_recalls(rice_chain):
    # when
    with pytest.raises(PermissionDenied):
        open_recall([rice_chain.rice], actor=rice_chain.mill.actor)
    # then
    assert Recall.objects.count() == 0


def test_unknown_lot_is_refused_at_the_lots_field(rice_chain):
    # when
    with pytest.raises(NotFound) as raised:
        open_recall([rice_chain.rice, "https://id.gs1.org/01/08934560000017/10/NOPE"])
    # then
    assert raised.value.field == "lots"
    assert Recall.objects.count() == 0


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("08934567000017 LOT-1", "https://id.gs1.org/01/08934567000017/10/LOT-1"),
        ("8934567000017;LOT-1", "https://id.gs1.org/01/08934567000017/10/LOT-1"),
        ("(01)08934567000017(10)LOT-1", "https://id.gs1.org/01/08934567000017/10/LOT-1"),
        ("https://txng.example/01/08934567000017/10/LOT-1", "https://id.gs1.org/01/08934567000017/10/LOT-1"),
    ],
)
def test_lot_codes_are_read_in_the_usual_spellings(typed, expected):
    assert lot_identifier_parse(typed) == expected


@pytest.mark.parametrize("typed", ["08934567000011 LOT-1", "LOT-1", ""])
def test_bad_lot_codes_are_refused(typed):
    with pytest.raises(ServiceError) as raised:
        lot_identifier_parse(typed)
    assert raised.value.field == "lots"


def test_opening_takes_the_same_queries_whatever_the_number_of_lots_reached(rice_chain, pangasius_chain):
    # given: one lot reaching 3 lot nodes, one reaching 7
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    actor = dost()
    counts = []
    for lot in (rice_chain.bags, pangasius_chain.fillet):
        # when
        with CaptureQueriesContext(connection) as queries:
            recall = open_recall([lot], actor=actor)
        counts.append((recall.affected_lot_count, len(queries)))
    # then
    assert [reached for reached, _ in counts] == [3, 7]
    assert counts[0][1] == counts[1][1]


def test_a_public_recall_goes_into_the_transparency_ledger_and_a_drill_does_not(rice_chain):
    from txng.ledger.models import PendingLeaf

    # when
    recall = open_recall([rice_chain.paddy])
    drill = open_recall([rice_chain.paddy], is_mock=True)
    # then
    references = list(PendingLeaf.objects.filter(kind="recall").values_list("reference", flat=True))
    assert references == [f"recall:{recall.code}"]
    assert f"recall:{drill.code}" not in references
