"""Affected businesses answer: acknowledgement, dispositions as EPCIS events, progress, the 24-hour deadline."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from txng.core.errors import Conflict, PermissionDenied, ServiceError
from txng.epcis.models import Event
from txng.lineage.models import LotActivity
from txng.oversight.models import AffectedLot, Recall, RecallDisposition, RecallNotice
from txng.oversight.selectors import recall_progress
from txng.oversight.services import recall_acknowledge, recall_cancel, recall_close, recall_disposition_record
from txng.oversight.tests.test_recall_open import dost, open_recall

pytestmark = pytest.mark.django_db


def store_lot(chain, recall: Recall, carton: int = 0) -> AffectedLot:
    return AffectedLot.objects.get(
        recall=recall, organization_id=chain.store.organization.pk, identifier=chain.cartons[carton]
    )


def test_acknowledgement_is_recorded_once(pangasius_chain):
    # given
    recall = open_recall([pangasius_chain.fillet])
    # when
    notice = recall_acknowledge(actor=pangasius_chain.store.actor, recall=recall)
    # then
    assert notice.organization_id == pangasius_chain.store.organization.pk
    assert notice.acknowledged_at is not None
    assert notice.acknowledged_by_label.startswith("token:")
    with pytest.raises(Conflict):
        recall_acknowledge(actor=pangasius_chain.store.actor, recall=recall)


def test_an_organization_outside_the_recall_cannot_acknowledge(rice_chain):
    # given
    recall = open_recall([rice_chain.rice])
    # when
    with pytest.raises(PermissionDenied):
        recall_acknowledge(actor=rice_chain.outsider.actor, recall=recall)
    # then
    assert RecallNotice.objects.filter(recall=recall, acknowledged_at__isnull=False).count() == 0


def test_destroying_a_lot_captures_an_epcis_event_and_moves_progress(pangasius_chain):
    # given
    c = pangasius_chain
    recall = open_recall([c.fillet])
    recall_acknowledge(actor=c.store.actor, recall=recall)
    lot = store_lot(c, recall)
    before = recall_progress(recall)
    # when
    disposition = recall_disposition_record(
        actor=c.store.actor, recall=recall, affected_lot_id=lot.pk, kind="destroyed", quantity="250", note="Lò đốt"
    )
    # then: one EPCIS event of the cold store, CBV destroying / destroyed, with the recall code
    event = Event.objects.get(event_id=disposition.event_id)
    assert event.organization_id == c.store.organization.pk
    assert (event.biz_step, event.disposition) == ("destroying", "destroyed")
    assert event.document["txng:recall"] == recall.code
    assert event.document["quantityList"] == [{"epcClass": c.cartons[0], "quantity": 250.0, "uom": "KGM"}]
    # the lot graph books the destruction
    destroyed = LotActivity.objects.get(event=event)
    assert (destroyed.kind, destroyed.quantity) == ("destroyed", Decimal("250"))
    # progress: 250 of the 3 × 400 kg still held were located
    after = recall_progress(recall)
    assert [(u.uom, u.affected, u.located) for u in before.units] == [("KGM", Decimal(1200), Decimal(0))]
    assert [(u.uom, u.affected, u.located) for u in after.units] == [("KGM", Decimal(1200), Decimal(250))]
    assert after.percent == 20
    assert after.organizations_acknowledged == 1


@pytest.mark.parametrize(
    ("kind", "biz_step", "disposition"),
    [
        ("corrected", "repairing", "conformant"),
        ("re_exported", "shipping", "recalled"),
        ("reused", "https://ns.opentxng.vn/epcis/BizStep-repurposing", "non_sellable_other"),
    ],
)
def test_each_disposition_kind_has_its_cbv_values(pangasius_chain, kind, biz_step, disposition):
    # given
    c = pangasius_chain
    recall = open_recall([c.fillet])
    recall_acknowledge(actor=c.store.actor, recall=recall)
    # when
    recorded = recall_disposition_record(
        actor=c.store.actor, recall=recall, affected_lot_id=store_lot(c, recall).pk, kind=kind, quantity=10
    )
    # then
    event = Event.objects.get(event_id=recorded.event_id)
    assert (event.biz_step, event.disposition) == (biz_step, disposition)


def test_disposition_needs_the_acknowledgement_first(pangasius_chain):
    # given
    c = pangasius_chain
    recall = open_recall([c.fillet])
    # when
    with pytest.raises(Conflict) as raised:
        recall_disposition_record(
            actor=c.store.actor, recall=recall, affected_lot_id=store_lot(c, recall).pk, kind="destroyed", quantity=1
        )
    # then
    assert raised.value.code == "recall-not-acknowledged"
    assert RecallDisposition.objects.count() == 0


@pytest.mark.parametrize(
    ("quantity", "code"), [("401", "quantity-too-large"), ("0", "quantity-invalid"), ("x", "quantity-invalid")]
)
def test_disposition_quantity_is_bounded_by_what_is_left(pangasius_chain, quantity, code):
    # given
    c = pangasius_chain
    recall = open_recall([c.fillet])
    recall_acknowledge(actor=c.store.actor, recall=recall)
    events = Event.objects.count()
    # when
    with pytest.raises(ServiceError) as raised:
        recall_disposition_record(
            actor=c.store.actor,
            recall=recall,
            affected_lot_id=store_lot(c, recall).pk,
            kind="destroyed",
            quantity=quantity,
        )
    # then
    assert (raised.value.code, raised.value.field) == (code, "quantity")
    assert Event.objects.count() == events
    assert RecallDisposition.objects.count() == 0


def test_second_disposition_is_bounded_by_the_first(pangasius_chain):
    # given
    c = pangasius_chain
    recall = open_recall([c.fillet])
    recall_acknowledge(actor=c.store.actor, recall=recall)
    lot = store_lot(c, recall)
    recall_disposition_record(
        actor=c.store.actor, recall=recall, affected_lot_id=lot.pk, kind="destroyed", quantity=300
    )
    # when
    with pytest.raises(ServiceError) as raised:
        recall_disposition_record(
            actor=c.store.actor, recall=recall, affected_lot_id=lot.pk, kind="reused", quantity=101
        )
    # then
    assert raised.value.code == "quantity-too-large"
    recall_disposition_record(actor=c.store.actor, recall=recall, affected_lot_id=lot.pk, kind="reused", quantity=100)
    assert recall_progress(recall).units[0].located == Decimal(400)


def test_a_business_cannot_record_for_another_holders_lot(pangasius_chain):
    # given
    c = pangasius_chain
    recall = open_recall([c.fillet])
    recall_acknowledge(actor=c.store.actor, recall=recall)
    # when
    with pytest.raises(PermissionDenied):
        recall_disposition_record(
            actor=c.plant.actor, recall=recall, affected_lot_id=store_lot(c, recall).pk, kind="destroyed", quantity=1
        )
    # then
    assert RecallDisposition.objects.count() == 0


def test_unanswered_notices_are_overdue_after_24_hours(rice_chain):
    # given
    recall = open_recall([rice_chain.rice])
    recall_acknowledge(actor=rice_chain.mill.actor, recall=recall)
    # when: the deadline passes
    Recall.objects.filter(pk=recall.pk).update(response_deadline=timezone.now() - datetime.timedelta(minutes=1))
    recall.refresh_from_db()
    progress = recall_progress(recall)
    # then
    assert progress.is_overdue
    assert progress.overdue_organization_ids == sorted(
        [rice_chain.distributor.organization.pk, rice_chain.retailer.organization.pk]
    )


def test_nothing_is_overdue_before_the_deadline(rice_chain):
    # given
    recall = open_recall([rice_chain.rice])
    # when
    progress = recall_progress(recall)
    # then
    assert not progress.is_overdue
    assert progress.overdue_organization_ids == []
    assert progress.organizations_notified == 3


def test_mock_recall_measures_time_until_every_business_answered(rice_chain):
    # given
    recall = open_recall([rice_chain.rice], is_mock=True)
    for business in (rice_chain.mill, rice_chain.distributor):
        recall_acknowledge(actor=business.actor, recall=recall)
    assert recall_progress(recall).all_acknowledged_after is None
    # when
    recall_acknowledge(actor=rice_chain.retailer.actor, recall=recall)
    # then
    after = recall_progress(recall).all_acknowledged_after
    assert after is not None
    assert datetime.timedelta(0) <= after < datetime.timedelta(minutes=5)


def test_closed_recall_takes_no_more_answers(rice_chain):
    # given
    actor = dost()
    recall = open_recall([rice_chain.rice], actor=actor)
    # when
    recall_close(actor=actor, recall=recall, note="Đã thu hồi xong")
    # then
    recall.refresh_from_db()
    assert (recall.status, recall.close_note) == ("closed", "Đã thu hồi xong")
    assert recall.closed_at is not None
    with pytest.raises(Conflict):
        recall_acknowledge(actor=rice_chain.mill.actor, recall=recall)
    with pytest.raises(Conflict):
        recall_cancel(actor=actor, recall=recall)


def test_only_the_opening_agency_or_dost_closes(rice_chain):
    # given
    from txng.accounts.principal import principal_for_user
    from txng.registry.tests.factories import officer

    sector = principal_for_user(officer("sector_department", sector="agriculture"))
    recall = open_recall([rice_chain.rice])
    # when
    with pytest.raises(PermissionDenied):
        recall_close(actor=sector, recall=recall)
    # then
    recall.refresh_from_db()
    assert recall.status == "opened"


def test_every_change_is_audited(pangasius_chain):
    # given
    from txng.core.models import AuditEntry

    c = pangasius_chain
    actor = dost()
    # when
    recall = open_recall([c.fillet], actor=actor)
    recall_acknowledge(actor=c.store.actor, recall=recall)
    recall_disposition_record(
        actor=c.store.actor, recall=recall, affected_lot_id=store_lot(c, recall).pk, kind="destroyed", quantity=5
    )
    recall_close(actor=actor, recall=recall)
    # then
    actions = list(
        AuditEntry.objects.filter(action__startswith="recall.").order_by("pk").values_list("action", flat=True)
    )
    assert actions == ["recall.open", "recall.acknowledge", "recall.disposition", "recall.close"]


def test_progress_takes_the_same_queries_whatever_the_size(rice_chain, pangasius_chain, django_assert_num_queries):
    # given: a recall of 3 lots and one of 7
    small, large = open_recall([rice_chain.bags]), open_recall([pangasius_chain.fillet])
    assert (small.affected_lot_count, large.affected_lot_count) == (3, 7)
    # then
    for recall in (small, large):
        with django_assert_num_queries(3):
            recall_progress(recall)
