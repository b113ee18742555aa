"""Submitting, integrating and proving: the log as other apps and clients use it."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from txng.core.errors import ServiceError
from txng.ledger import services
from txng.ledger.merkle import merkle_root
from txng.ledger.models import Leaf, LogHead, Node, PendingLeaf
from txng.ledger.selectors import (
    ledger_consistency_proof,
    ledger_inclusion_proof,
    ledger_status_for_event,
)
from txng.ledger.services import (
    LeafInput,
    canonical_digest,
    ledger_checkpoint_issue,
    ledger_integrate,
    ledger_submit_many,
)
from txng.ledger.tests.conftest import capture_events, event_leaves
from txng.ledger.verify_standalone import leaf_data, leaf_hash, verify_consistency, verify_inclusion

pytestmark = pytest.mark.django_db


def _records(count: int) -> list[LeafInput]:
    return [
        LeafInput(kind="recall", reference=f"recall:R{n}", data={"code": f"R{n}", "reason": "Vượt dư lượng"})
        for n in range(count)
    ]


def test_submit_writes_pending_rows_only_and_is_idempotent_on_reference() -> None:
    # given
    items = _records(3)

    # when the same items are submitted twice
    ledger_submit_many(items)
    ledger_submit_many(items)

    # then three pending leaves, nothing integrated
    assert PendingLeaf.objects.count() == 3
    assert Leaf.objects.count() == 0
    assert Node.objects.count() == 0


def test_a_reference_already_logged_is_not_queued_again() -> None:
    # given a logged record
    ledger_submit_many(_records(2))
    ledger_integrate()

    # when it is submitted again with a new one
    ledger_submit_many(_records(3))

    # then only the new one is queued, and integrating adds just it
    assert list(PendingLeaf.objects.values_list("reference", flat=True)) == ["recall:R2"]
    assert ledger_integrate() == 1
    assert Leaf.objects.count() == 3


def test_canonical_digest_ignores_key_order_and_is_the_leaf_value() -> None:
    # given the same record with its keys in another order
    a = {"code": "R1", "items": [1, 2], "note": "Cần Thơ"}
    b = {"note": "Cần Thơ", "items": [1, 2], "code": "R1"}

    # when
    ledger_submit_many([LeafInput(kind="recall", reference="recall:R1", data=a)])

    # then
    assert canonical_digest(a) == canonical_digest(b)
    assert canonical_digest(a).startswith("sha256:")
    assert len(canonical_digest(a)) == 71
    assert PendingLeaf.objects.get().value == canonical_digest(b)
    assert canonical_digest(a) != canonical_digest({**a, "code": "R2"})


def test_a_record_value_that_is_not_its_digest_is_refused() -> None:
    # given / when / then
    with pytest.raises(ServiceError):
        ledger_submit_many([LeafInput(kind="recall", reference="recall:X", value="sha256:00", data={"code": "X"})])
    assert not PendingLeaf.objects.exists()


def test_an_event_leaf_without_a_hash_id_is_refused() -> None:
    # given / when / then
    with pytest.raises(ServiceError):
        ledger_submit_many([LeafInput(kind="event", reference="urn:uuid:1", value="not a hash")])


def test_integrate_assigns_consecutive_indexes_in_submission_order() -> None:
    # given events and records submitted in two calls
    events = capture_events(5)
    ledger_submit_many(event_leaves(events[:3]))
    ledger_submit_many(_records(2))
    ledger_submit_many(event_leaves(events[3:]))

    # when
    count = ledger_integrate(batch_size=4)  # several batches

    # then
    leaves = list(Leaf.objects.order_by("leaf_index").values_list("leaf_index", "reference", "value"))
    assert count == 7
    assert [index for index, _, _ in leaves] == list(range(7))
    assert [ref for _, ref, _ in leaves] == [e.event_id for e in events[:3]] + ["recall:R0", "recall:R1"] + [
        e.event_id for e in events[3:]
    ]
    head = LogHead.objects.get()
    assert head.tree_size == 7
    assert bytes(head.root_hash) == merkle_root([leaf_data(v) for _, _, v in leaves])


def test_event_leaves_submitted_without_their_pk_find_their_event() -> None:
    # given
    event = capture_events(1)[0]

    # when
    ledger_submit_many([LeafInput(kind="event", reference=event.event_id, value=event.event_hash)])

    # then
    assert PendingLeaf.objects.get().source_id == event.pk


def test_a_crash_mid_integration_leaves_the_log_as_it_was() -> None:
    # given an integrated leaf and two pending ones
    ledger_submit_many(_records(1))
    ledger_integrate()
    ledger_submit_many(_records(3))
    nodes_before = Node.objects.count()

    # when the batch fails half-way (its leaves and nodes written, the queue not yet emptied)
    def crash(cursor: object, ids: list[int]) -> None:
        raise RuntimeError("power cut")

    with mock.patch.object(services, "_delete_pending", crash), pytest.raises(RuntimeError):
        ledger_integrate()

    # then nothing of the batch remains, and integration resumes cleanly
    assert LogHead.objects.get().tree_size == 1
    assert Node.objects.count() == nodes_before
    assert Leaf.objects.count() == 1
    assert PendingLeaf.objects.count() == 2
    assert ledger_integrate() == 2
    assert LogHead.objects.get().tree_size == 3


def test_inclusion_proofs_from_the_database_verify_for_every_leaf() -> None:
    # given 13 leaves and a checkpoint
    ledger_submit_many(_records(13))
    checkpoint = ledger_checkpoint_issue()

    # when / then
    for index in range(13):
        proof = ledger_inclusion_proof(leaf_index=index)
        assert proof.tree_size == 13
        assert proof.leaf_hash == leaf_hash(leaf_data(proof.leaf_value))
        verify_inclusion(index, 13, proof.leaf_hash, proof.hashes, bytes(checkpoint.root_hash))


def test_consistency_proofs_from_the_database_verify_between_checkpoints() -> None:
    # given checkpoints at 5 and 12 leaves
    ledger_submit_many(_records(5))
    old = ledger_checkpoint_issue()
    ledger_submit_many(_records(12)[5:])
    new = ledger_checkpoint_issue()

    # when
    hashes = ledger_consistency_proof(first=5, second=12)

    # then
    verify_consistency(5, 12, hashes, bytes(old.root_hash), bytes(new.root_hash))


def test_an_inclusion_proof_reads_a_constant_number_of_rows() -> None:
    # given
    ledger_submit_many(_records(40))
    ledger_checkpoint_issue()

    # when
    with CaptureQueriesContext(connection) as queries:
        ledger_inclusion_proof(leaf_index=17, tree_size=40)

    # then the head with the leaf, and one read of every node the proof needs
    assert len(queries) == 2


def test_a_proof_beyond_the_integrated_tree_is_refused() -> None:
    # given
    ledger_submit_many(_records(3))
    ledger_integrate()

    # when / then
    with pytest.raises(ServiceError):
        ledger_inclusion_proof(leaf_index=0, tree_size=4)
    with pytest.raises(ServiceError):
        ledger_consistency_proof(first=2, second=4)


def test_status_of_an_event_follows_it_from_queue_to_checkpoint() -> None:
    # given an event that is submitted but not integrated
    event = capture_events(1)[0]
    ledger_submit_many(event_leaves([event]))
    queued = ledger_status_for_event(event.event_id)

    # when
    ledger_checkpoint_issue()
    covered = ledger_status_for_event(event.event_id)

    # then
    assert queued is not None
    assert queued.leaf_index is None
    assert not queued.is_verified
    assert covered is not None
    assert (covered.leaf_index, covered.checkpoint_size) == (0, 1)
    assert covered.proof_url.startswith("/ledger/proof?event_id=")
    assert ledger_status_for_event("urn:uuid:never-submitted") is None
