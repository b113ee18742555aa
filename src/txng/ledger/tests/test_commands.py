"""`txng ledger` actions and the scheduled checkpoint task."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from txng.ledger.models import Checkpoint, LogHead
from txng.ledger.services import LeafInput, ledger_run, ledger_submit_many
from txng.ledger.signing import log_signer
from txng.ledger.tasks import ledger_checkpoint_task
from txng.ledger.tests.conftest import ORIGIN

pytestmark = pytest.mark.django_db


def _submit(count: int) -> None:
    ledger_submit_many(LeafInput(kind="recall", reference=f"recall:C{n}", data={"code": n}) for n in range(count))


def test_checkpoint_command_integrates_and_prints_the_signed_note(capsys: pytest.CaptureFixture[str]) -> None:
    # given
    _submit(4)

    # when
    call_command("ledger", "checkpoint")

    # then
    out = capsys.readouterr().out
    assert out == Checkpoint.objects.get(tree_size=4).note
    assert out.startswith(f"{ORIGIN}\n4\n")


def test_key_command_prints_the_verifier_key(capsys: pytest.CaptureFixture[str]) -> None:
    # given / when
    call_command("ledger", "key")

    # then
    assert capsys.readouterr().out.strip() == log_signer().verifier_key


def test_integrate_command_reports_the_count(capsys: pytest.CaptureFixture[str]) -> None:
    # given
    _submit(3)

    # when
    call_command("ledger", "integrate")

    # then
    assert capsys.readouterr().out.strip() == "integrated 3 leaves"
    assert not Checkpoint.objects.exists()


def test_the_scheduled_loop_issues_a_checkpoint_per_round() -> None:
    # given
    _submit(2)

    # when two rounds run, more leaves arriving between them
    ledger_run(interval=0, iterations=1)
    _submit(5)
    ledger_run(interval=0, iterations=1)

    # then
    assert list(Checkpoint.objects.order_by("tree_size").values_list("tree_size", flat=True)) == [2, 5]


def test_the_checkpoint_task_returns_the_tree_size() -> None:
    # given
    _submit(6)

    # when
    size = ledger_checkpoint_task.call()

    # then
    assert size == 6
    assert LogHead.objects.get().tree_size == 6
