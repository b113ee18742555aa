"""Appends are serialized: concurrent submitters and sequencers still give one gap-free, verifiable log."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from txng.ledger.models import Leaf, LogHead
from txng.ledger.services import LeafInput, ledger_checkpoint_issue, ledger_integrate, ledger_submit_many
from txng.ledger.verification import ledger_verify


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_submitters_and_sequencers_give_one_consecutive_log() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks between connections)")
    # given four workers, each submitting 60 records in small transactions and integrating as it goes
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for chunk in range(6):
                items = [
                    LeafInput(kind="recall", reference=f"recall:W{worker}-{chunk}-{n}", data={"w": worker, "n": n})
                    for n in range(10)
                ]
                with transaction.atomic():
                    ledger_submit_many(items)
                ledger_integrate(batch_size=7)
        except BaseException as error:  # reported to the main thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(4)]

    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ledger_checkpoint_issue()

    # then every leaf has its own index, 0..239 without a gap, and the log verifies
    assert errors == []
    indexes = sorted(Leaf.objects.values_list("leaf_index", flat=True))
    assert indexes == list(range(240))
    assert LogHead.objects.get().tree_size == 240
    report = ledger_verify()
    assert report.is_valid, report.problems
