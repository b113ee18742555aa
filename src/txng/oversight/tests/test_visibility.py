"""Who sees which recall: DOST everything, agencies their scope, businesses their own, the public real ones."""

from __future__ import annotations

import pytest

from txng.accounts.principal import PUBLIC, principal_for_user
from txng.core.errors import NotFound
from txng.oversight.models import Recall
from txng.oversight.selectors import affected_lots, recall_get, recalls_public, recalls_visible
from txng.oversight.services import recall_cancel
from txng.oversight.tests.test_recall_open import dost, open_recall
from txng.registry.tests.factories import officer

pytestmark = pytest.mark.django_db


def codes(principal) -> set[str]:
    return set(recalls_visible(principal).values_list("code", flat=True))


def test_business_sees_only_recalls_that_reach_it(rice_chain):
    # given
    rice = open_recall([rice_chain.rice])
    other = open_recall([rice_chain.paddy_other])
    # then
    assert codes(rice_chain.retailer.actor) == {rice.code}
    assert codes(rice_chain.outsider.actor) == {other.code}
    assert codes(rice_chain.farm.actor) == set()


def test_business_sees_only_its_own_affected_lots(rice_chain):
    # given
    recall = open_recall([rice_chain.rice])
    # when
    lots = affected_lots(principal=rice_chain.retailer.actor, recall=recall)
    # then
    assert [(lot.organization_id, lot.identifier) for lot in lots] == [
        (rice_chain.retailer.organization.pk, rice_chain.bags)
    ]


def test_business_cannot_open_the_detail_of_a_recall_that_does_not_reach_it(rice_chain):
    recall = open_recall([rice_chain.rice])
    with pytest.raises(NotFound):
        recall_get(principal=rice_chain.farm.actor, code=recall.code)


def test_dost_sees_every_recall_including_mock_drills(rice_chain):
    # given
    real, mock = open_recall([rice_chain.rice]), open_recall([rice_chain.paddy], is_mock=True)
    # then
    assert codes(dost()) == {real.code, mock.code}


def test_sector_agency_sees_recalls_reaching_its_sector(rice_chain):
    # given: the rice businesses' products are in an agriculture product group
    recall = open_recall([rice_chain.rice])
    agriculture = principal_for_user(officer("sector_department", sector="agriculture"))
    health = principal_for_user(officer("sector_department", sector="health"))
    # then
    assert codes(agriculture) == {recall.code}
    assert codes(health) == set()
    # the sector officer sees the lots of the businesses in its sector: the mill makes rice, the
    # distributor and retailer declared no product of the sector
    seen = {lot.organization_id for lot in affected_lots(principal=agriculture, recall=recall)}
    assert seen == {rice_chain.mill.organization.pk}


def test_a_recall_opened_by_a_sector_agency_is_seen_by_that_agency(rice_chain):
    # given
    user = officer("sector_department", sector="agriculture")
    actor = principal_for_user(user)
    # when
    recall = open_recall([rice_chain.rice], actor=actor)
    # then
    assert recall.agency_id == user.agency_memberships.get().agency_id
    assert codes(actor) == {recall.code}
    assert affected_lots(principal=actor, recall=recall).count() == 4


def test_sector_agency_cannot_recall_lots_outside_its_scope(rice_chain):
    actor = principal_for_user(officer("sector_department", sector="health"))
    with pytest.raises(NotFound):
        open_recall([rice_chain.rice], actor=actor)
    assert Recall.objects.count() == 0


def test_public_sees_no_mock_recall_and_no_cancelled_one(rice_chain):
    # given
    actor = dost()
    real = open_recall([rice_chain.rice], actor=actor)
    open_recall([rice_chain.paddy], actor=actor, is_mock=True)
    cancelled = open_recall([rice_chain.bags], actor=actor)
    recall_cancel(actor=actor, recall=cancelled, note="Nhầm lô")
    # then
    assert list(recalls_public().values_list("code", flat=True)) == [real.code]
    assert codes(PUBLIC) == {real.code}
