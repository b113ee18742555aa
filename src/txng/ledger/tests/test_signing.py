"""Signed notes and checkpoints (C2SP signed-note, tlog-checkpoint).

The fixed vector is the reference implementation's own: golang.org/x/mod/sumdb/note, note_test.go
(the PeterNeumann key pair and signed note). Ed25519 is deterministic (RFC 8032), so our signer must
reproduce it byte for byte.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from txng.ledger.models import Checkpoint
from txng.ledger.services import ledger_checkpoint_issue, ledger_integrate, ledger_submit_many
from txng.ledger.signing import log_signer, parse_signer_key
from txng.ledger.tests.conftest import ORIGIN, capture_events, event_leaves
from txng.ledger.verify_standalone import (
    VerificationError,
    open_checkpoint,
    open_note,
    parse_checkpoint,
    parse_verifier_key,
)

GO_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_SIGNATURE = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def test_signing_reproduces_the_reference_note() -> None:
    # given the reference private key
    signer = parse_signer_key(GO_SIGNER)

    # when
    note = signer.sign(GO_TEXT)

    # then the note and the derived verifier key are the reference ones, byte for byte
    assert note == GO_TEXT + "\n" + GO_SIGNATURE
    assert signer.verifier_key == GO_VERIFIER


def test_the_reference_note_opens_with_the_reference_key() -> None:
    # given / when
    text = open_note(GO_TEXT + "\n" + GO_SIGNATURE, parse_verifier_key(GO_VERIFIER))

    # then
    assert text == GO_TEXT


def test_an_altered_note_does_not_open() -> None:
    # given one character of the signed text changed
    altered = (GO_TEXT + "\n" + GO_SIGNATURE).replace("cryptography", "cryptographY")

    # when / then
    with pytest.raises(VerificationError, match="signature is not valid"):
        open_note(altered, parse_verifier_key(GO_VERIFIER))


def test_a_verifier_key_with_a_wrong_hash_is_refused() -> None:
    # given / when / then
    with pytest.raises(VerificationError, match="hash"):
        parse_verifier_key(GO_VERIFIER.replace("c74f20a3", "c74f20a4"))


@pytest.mark.django_db
def test_issued_checkpoint_is_a_signed_note_of_the_tree() -> None:
    # given three events in the log
    ledger_submit_many(event_leaves(capture_events(3)))

    # when
    checkpoint = ledger_checkpoint_issue()

    # then it opens with the published key and carries origin, size and root (tlog-checkpoint)
    signer = log_signer()
    body = open_checkpoint(checkpoint.note, parse_verifier_key(signer.verifier_key), origin=ORIGIN)
    assert (body.origin, body.tree_size, body.root_hash) == (ORIGIN, 3, bytes(checkpoint.root_hash))
    lines = checkpoint.note.split("\n")
    assert lines[:3] == [ORIGIN, "3", base64.b64encode(bytes(checkpoint.root_hash)).decode()]
    assert lines[3] == ""
    assert lines[4].startswith(f"— {signer.name} ")
    # the bare base64 public key works as well as the "name+hash+key" form
    assert open_checkpoint(checkpoint.note, parse_verifier_key(base64.b64encode(signer.public_key).decode()))


@pytest.mark.django_db
def test_checkpoint_is_not_reissued_when_the_tree_did_not_grow() -> None:
    # given a checkpoint
    ledger_submit_many(event_leaves(capture_events(2)))
    first = ledger_checkpoint_issue()

    # when
    again = ledger_checkpoint_issue()

    # then
    assert again.pk == first.pk
    assert Checkpoint.objects.count() == 1


@pytest.mark.django_db
def test_a_checkpoint_signed_by_another_key_does_not_open() -> None:
    # given a checkpoint and a different key
    ledger_submit_many(event_leaves(capture_events(1)))
    ledger_integrate()
    note = ledger_checkpoint_issue().note
    other = parse_signer_key(GO_SIGNER)

    # when / then
    with pytest.raises(VerificationError, match="no signature by this key"):
        open_checkpoint(note, parse_verifier_key(other.verifier_key))


def test_a_checkpoint_body_with_a_bad_size_is_refused() -> None:
    # given / when / then
    with pytest.raises(VerificationError, match="tree size"):
        parse_checkpoint("txng.test/ledger\n012\n" + base64.b64encode(bytes(32)).decode() + "\n")


def test_the_key_file_is_generated_once_and_reused(settings: Any) -> None:
    # given / when
    first = log_signer()
    second = log_signer()

    # then the same key, written as a signed-note private key named after the origin
    assert first.public_key == second.public_key
    assert first.name == ORIGIN
    assert parse_signer_key(Path(settings.LEDGER_KEY_FILE).read_text()).public_key == first.public_key
