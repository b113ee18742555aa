"""Tampering with stored events or the log is caught by `txng ledger verify` and by clients' old checkpoints."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from txng.epcis.models import Event
from txng.ledger.merkle import CompactRange
from txng.ledger.models import Checkpoint, Leaf, LogHead, Node
from txng.ledger.selectors import ledger_consistency_proof
from txng.ledger.services import ledger_checkpoint_issue, ledger_submit_many
from txng.ledger.signing import log_signer
from txng.ledger.tests.conftest import capture_events, event_leaves
from txng.ledger.verification import ledger_verify
from txng.ledger.verify_standalone import (
    Checkpoint as CheckpointBody,
)
from txng.ledger.verify_standalone import (
    VerificationError,
    leaf_data,
    leaf_hash,
    open_checkpoint,
    parse_verifier_key,
    verify_consistency,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def events() -> list[Event]:
    """Six published events in the log under a checkpoint."""
    captured = capture_events(6)
    ledger_submit_many(event_leaves(captured))
    ledger_checkpoint_issue()
    return captured


def test_an_untouched_log_verifies(events: list[Event]) -> None:
    # given / when
    report = ledger_verify()

    # then
    assert report.is_valid, report.problems
    assert (report.tree_size, report.checkpoints) == (6, 1)


def test_altering_a_stored_event_hash_is_detected_naming_the_leaf(events: list[Event]) -> None:
    # given the third event's hash rewritten in the event store
    Event.objects.filter(pk=events[2].pk).update(event_hash="ni:///sha-256;" + "0" * 64 + "?ver=CBV2.0")

    # when
    report = ledger_verify()

    # then
    assert not report.is_valid
    assert report.problems[0].startswith(f"leaf 2 (event {events[2].event_id}): its event's hash ID is now")


def test_deleting_an_event_is_detected(events: list[Event]) -> None:
    # given an event deleted behind the application's back (with its index rows)
    Event.objects.filter(pk=events[4].pk).delete()

    # when
    report = ledger_verify()

    # then
    assert report.problems[0] == f"leaf 4 (event {events[4].event_id}): its event is missing from the event store"


def test_deleting_a_leaf_from_the_log_is_detected(events: list[Event]) -> None:
    # given a leaf row deleted from the log
    Leaf.objects.filter(leaf_index=3).delete()

    # when
    report = ledger_verify()

    # then
    assert report.problems[0] == "leaf 3: missing from the ledger"


def test_swapping_two_leaves_is_detected(events: list[Event]) -> None:
    # given two leaves re-ordered (their indexes exchanged)
    Leaf.objects.filter(leaf_index=1).update(leaf_index=-1)
    Leaf.objects.filter(leaf_index=4).update(leaf_index=1)
    Leaf.objects.filter(leaf_index=-1).update(leaf_index=4)

    # when
    report = ledger_verify()

    # then
    assert report.problems[0] == "leaf 1: the stored tree (level 0, node 1) does not match"
    assert "leaf 4: the stored tree (level 0, node 4) does not match" in report.problems


def _rewrite_tree() -> None:
    """What an attacker with the database and the key does to hide a change: rebuild every node and the head."""
    values = list(Leaf.objects.exclude(leaf_index=None).order_by("leaf_index").values_list("value", flat=True))
    tree = CompactRange()
    Node.objects.all().delete()
    Node.objects.bulk_create(
        Node(id=pk, hash=hash_) for value in values for pk, hash_ in tree.append(leaf_hash(leaf_data(value)))
    )
    LogHead.objects.update(tree_size=tree.size, root_hash=tree.root())


def test_a_rewritten_tree_is_still_caught_by_the_signed_checkpoint(events: list[Event]) -> None:
    # given leaves swapped and the whole tree rebuilt to match them
    Leaf.objects.filter(leaf_index=0).update(leaf_index=-1)
    Leaf.objects.filter(leaf_index=5).update(leaf_index=0)
    Leaf.objects.filter(leaf_index=-1).update(leaf_index=5)
    _rewrite_tree()

    # when
    report = ledger_verify()

    # then the nodes agree with the leaves, but not with what was signed
    assert report.problems == ["checkpoint 6: the signed root does not match the recomputed tree"]


def test_a_client_holding_an_older_checkpoint_detects_a_rewritten_log(events: list[Event]) -> None:
    # given a client that kept checkpoint 6
    key = parse_verifier_key(log_signer().verifier_key)
    held = open_checkpoint(Checkpoint.objects.get(tree_size=6).note, key)
    # and a server that alters an old event's leaf, rebuilds the tree, grows it and signs a new checkpoint
    Leaf.objects.filter(leaf_index=2).update(value="ni:///sha-256;" + "1" * 64 + "?ver=CBV2.0")
    _rewrite_tree()
    ledger_submit_many(event_leaves(capture_events(3, name="HTX Thới Lai")))
    newest = open_checkpoint(ledger_checkpoint_issue().note, key)

    # when the client asks for the consistency proof 6 → 9
    proof = ledger_consistency_proof(first=6, second=newest.tree_size)

    # then the new checkpoint is validly signed, but it does not extend the one the client holds
    assert newest.tree_size == 9
    with pytest.raises(VerificationError, match="does not contain the tree of size 6"):
        verify_consistency(6, 9, proof, held.root_hash, newest.root_hash)


def test_a_forged_checkpoint_signature_is_detected(events: list[Event]) -> None:
    # given a checkpoint whose root was replaced without the key
    checkpoint = Checkpoint.objects.get()
    body = CheckpointBody("txng.test/ledger", 6, bytes(32)).body()
    Checkpoint.objects.filter(pk=checkpoint.pk).update(note=body + "\n" + checkpoint.note.split("\n\n", 1)[1])

    # when
    report = ledger_verify()

    # then
    assert report.problems[0] == "checkpoint 6: the checkpoint's signature is not valid"


def test_verify_command_exits_non_zero_naming_the_first_bad_leaf(events: list[Event]) -> None:
    # given
    Event.objects.filter(pk=events[1].pk).update(event_hash="ni:///sha-256;" + "2" * 64 + "?ver=CBV2.0")

    # when / then
    with pytest.raises(CommandError, match=r"ledger verification FAILED: leaf 1 \(event ") as failure:
        call_command("ledger", "verify")
    assert failure.value.returncode == 1


def test_verify_command_reports_a_sound_log(events: list[Event], capsys: pytest.CaptureFixture[str]) -> None:
    # given / when
    call_command("ledger", "verify")

    # then
    assert "ledger verified: 6 leaves, 1 checkpoints match the database" in capsys.readouterr().out
