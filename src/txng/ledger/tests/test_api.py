"""The public API and pages, and the standalone verifier on what they serve."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.test import Client

from txng.epcis.models import Event
from txng.ledger.selectors import ledger_status_for_event
from txng.ledger.services import ledger_checkpoint_issue, ledger_submit_many
from txng.ledger.tests.conftest import ORIGIN, capture_events, event_leaves
from txng.ledger.verify_standalone import main as verify_main

pytestmark = pytest.mark.django_db


@pytest.fixture
def events() -> list[Event]:
    captured = capture_events(5)
    ledger_submit_many(event_leaves(captured))
    ledger_checkpoint_issue()
    return captured


def test_checkpoint_is_served_as_a_signed_note_and_as_json(client: Client, events: list[Event]) -> None:
    # given / when
    text = client.get("/api/ledger/checkpoint")
    as_json = client.get("/api/ledger/checkpoint", {"format": "json"})

    # then
    assert text.status_code == 200
    assert text["Content-Type"] == "text/plain; charset=utf-8"
    assert text.content.decode().startswith(f"{ORIGIN}\n5\n")
    assert as_json.json()["tree_size"] == 5
    assert as_json.json()["note"] == text.content.decode()


def test_no_checkpoint_yet_is_a_problem_404(client: Client) -> None:
    # given / when
    response = client.get("/api/ledger/checkpoint")

    # then
    assert response.status_code == 404
    assert response.json()["type"] == "urn:opentxng:problem:ledger-no-checkpoint"


def test_the_standalone_verifier_accepts_what_the_api_serves(
    client: Client, events: list[Event], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given the three files a consumer downloads
    event = events[3]
    (tmp_path / "cp.txt").write_bytes(client.get("/api/ledger/checkpoint").content)
    (tmp_path / "pub.txt").write_bytes(client.get("/api/ledger/key").content)
    proof = client.get("/api/ledger/proof/inclusion", {"event_id": event.event_id, "tree_size": 5})
    (tmp_path / "proof.json").write_bytes(proof.content)
    args = ["--checkpoint", str(tmp_path / "cp.txt"), "--key", str(tmp_path / "pub.txt")]

    # when
    status = verify_main([*args, "--proof", str(tmp_path / "proof.json"), "--leaf", event.event_hash])

    # then
    assert status == 0
    assert capsys.readouterr().out == f"verified: leaf 3 ({event.event_hash}) is in {ORIGIN} at checkpoint 5\n"


def test_the_standalone_verifier_rejects_a_proof_for_another_event(
    client: Client, events: list[Event], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a proof whose leaf value was swapped for another event's hash ID
    (tmp_path / "cp.txt").write_bytes(client.get("/api/ledger/checkpoint").content)
    (tmp_path / "pub.txt").write_bytes(client.get("/api/ledger/key").content)
    proof = client.get("/api/ledger/proof/inclusion", {"event_id": events[3].event_id}).json()
    proof["leaf_value"] = events[2].event_hash
    (tmp_path / "proof.json").write_text(json.dumps(proof))
    args = ["--checkpoint", str(tmp_path / "cp.txt"), "--key", str(tmp_path / "pub.txt")]

    # when
    status = verify_main([*args, "--proof", str(tmp_path / "proof.json")])

    # then
    assert status == 1
    assert "NOT VERIFIED: inclusion proof does not lead to the checkpoint's root hash" in capsys.readouterr().err


def test_inclusion_by_leaf_index_and_by_event_id_agree(client: Client, events: list[Event]) -> None:
    # given / when
    by_index = client.get("/api/ledger/proof/inclusion", {"leaf_index": 1, "tree_size": 5}).json()
    by_event = client.get("/api/ledger/proof/inclusion", {"event_id": events[1].event_id}).json()

    # then
    assert by_index == by_event
    assert by_index["reference"] == events[1].event_id
    assert len(by_index["hashes"]) == 3


def test_inclusion_of_an_unknown_event_is_404(client: Client, events: list[Event]) -> None:
    # given / when
    response = client.get("/api/ledger/proof/inclusion", {"event_id": "urn:uuid:00000000-0000-0000-0000-000000000000"})

    # then
    assert response.status_code == 404
    assert response.json()["type"] == "urn:opentxng:problem:ledger-event-not-found"


def test_consistency_and_leaves_endpoints(client: Client, events: list[Event]) -> None:
    # given / when
    consistency = client.get("/api/ledger/proof/consistency", {"first": 3, "second": 5})
    leaves = client.get("/api/ledger/leaves", {"start": 1, "end": 3}).json()
    too_far = client.get("/api/ledger/proof/consistency", {"first": 3, "second": 6})

    # then
    assert consistency.status_code == 200
    # RFC 9162 §2.1.4.1 PROOF(3, D[5]) = [MTH(D[2:3]), MTH(D[3:4]), MTH(D[0:2]), MTH(D[4:5])]
    assert len(consistency.json()["hashes"]) == 4
    assert [leaf["reference"] for leaf in leaves["leaves"]] == [events[1].event_id, events[2].event_id]
    assert leaves["tree_size"] == 5
    assert too_far.status_code == 400


def test_ledger_page_shows_the_latest_checkpoint_and_key(client: Client, events: list[Event]) -> None:
    # given / when
    response = client.get("/ledger/")

    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert f"{ORIGIN}\n5\n" in body
    assert client.get("/api/ledger/key").content.decode().strip() in body


def test_proof_page_verifies_the_event(client: Client, events: list[Event]) -> None:
    # given
    status = ledger_status_for_event(events[0].event_id)
    assert status is not None

    # when
    response = client.get(status.proof_url, HTTP_ACCEPT_LANGUAGE="en")

    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert "Verified in the city ledger at checkpoint 5" in body
    assert events[0].event_hash in body


def test_proof_page_of_an_unknown_event_is_404(client: Client, events: list[Event]) -> None:
    # given / when
    response = client.get("/ledger/proof", {"event_id": "urn:uuid:nope"})

    # then
    assert response.status_code == 404
    assert "Verified" not in response.content.decode()


def test_badge_links_to_the_proof(events: list[Event]) -> None:
    # given
    status = ledger_status_for_event(events[2].event_id)

    # when
    html = render_to_string("ledger/_badge.html", {"ledger_status": status})
    empty = render_to_string("ledger/_badge.html", {"ledger_status": None})

    # then
    assert status is not None
    assert status.proof_url in html
    assert "5" in html
    assert "ledger-verified" in html
    assert empty.strip() == ""


def test_ledger_page_before_any_checkpoint(client: Client) -> None:
    # given an empty ledger / when
    response = client.get("/ledger/", HTTP_ACCEPT_LANGUAGE="en")

    # then
    assert response.status_code == 200
    assert "No checkpoint has been issued yet." in response.content.decode()


def test_proof_page_of_an_event_awaiting_its_checkpoint(client: Client) -> None:
    # given an event submitted after the last checkpoint
    ledger_checkpoint_issue()
    event = capture_events(1)[0]
    ledger_submit_many(event_leaves([event]))

    # when
    response = client.get("/ledger/proof", {"event_id": event.event_id}, HTTP_ACCEPT_LANGUAGE="en")

    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert "not yet covered by a signed checkpoint" in body
    assert "Verified in the city ledger" not in body
