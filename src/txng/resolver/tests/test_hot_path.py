"""The resolver's hot path: what one scan costs in queries, and what the per-process caches may not hide."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from txng.accounts.principal import OPERATOR
from txng.codes.models import StampBatch
from txng.codes.selectors import stamp_batch_stamps
from txng.codes.services import stamp_batch_void
from txng.resolver import scanlog
from txng.resolver.models import PinCheck, Scan, Verdict

pytestmark = pytest.mark.django_db
MakeBatch = Callable[..., StampBatch]


def _paths(batch: StampBatch) -> list[str]:
    return [urlsplit(stamp.digital_link("https://x.example")).path for stamp in stamp_batch_stamps(batch)]


def test_a_genuine_scan_costs_two_queries_once_product_and_batch_are_hot(
    client: Client, make_batch: MakeBatch, django_assert_num_queries: Callable[..., object]
) -> None:
    # given: a scan has brought the product and the batch into this process's cache
    first, second = _paths(make_batch(count=2))
    assert client.get(first).status_code == 307
    # when / then: the stamp's scans and PIN entries in one statement (verdict and rules), the scan log insert
    with django_assert_num_queries(2):  # type: ignore[operator]
        assert client.get(second).status_code == 307
    assert Scan.objects.filter(verdict=Verdict.GENUINE).count() == 2


def test_an_unknown_code_seen_before_costs_only_its_scan_log_insert(
    client: Client, db: None, django_assert_num_queries: Callable[..., object]
) -> None:
    # given
    path = "/01/08939980000019/21/X0000001"
    assert client.get(path, HTTP_ACCEPT="text/html").status_code == 404
    # when / then: the unknown GTIN is remembered; the scan is still logged
    with django_assert_num_queries(1):  # type: ignore[operator]
        assert client.get(path, HTTP_ACCEPT="text/html").status_code == 404
    assert Scan.objects.filter(verdict=Verdict.NOT_IN_SYSTEM).count() == 2


def test_voiding_a_batch_is_seen_at_once_by_the_process_that_voided_it(client: Client, make_batch: MakeBatch) -> None:
    # given: the batch is hot in this process
    batch = make_batch(count=2)
    first, second = _paths(batch)
    assert client.get(first).status_code == 307
    # when
    stamp_batch_void(actor=OPERATOR, batch=batch)
    client.get(second)
    # then
    assert Scan.objects.get(stamp_index=1).verdict == Verdict.VOIDED


@pytest.mark.django_db(transaction=True)
def test_a_scan_logged_outside_a_transaction_is_stored_and_committed(make_batch: MakeBatch) -> None:
    # As the resolver logs scans in production (autocommit; on PostgreSQL without waiting for the WAL flush):
    # the row is there, with its key, for any other connection.
    # given
    path = _paths(make_batch(count=1))[0]
    # when
    response = Client().get(path)
    # then
    assert response.status_code == 307
    scan = Scan.objects.get()
    assert scan.verdict == Verdict.GENUINE
    assert f"scan={scan.pk}:" in response["Location"]
    assert connection.in_atomic_block is False
    with connection.cursor() as cursor:  # a setting made for the insert does not outlive it
        cursor.execute("SHOW synchronous_commit" if connection.vendor == "postgresql" else "SELECT 'on'")
        assert cursor.fetchone() == ("on",)


def test_a_stamps_scans_and_pin_entries_are_read_together_as_the_orm_reads_them(make_batch: MakeBatch) -> None:
    # given: scans of two stamps, PIN entries old and recent
    batch = make_batch(count=2)
    now = timezone.now()
    for minutes, index, visitor in ((5, 0, "a"), (1, 0, "b"), (3, 0, "c"), (2, 1, "d")):
        Scan.objects.create(
            gtin="08930001000018", batch=batch, stamp_index=index, verdict=Verdict.GENUINE,
            scanned_at=now - datetime.timedelta(minutes=minutes), ip_hash=visitor, latitude=Decimal("10.03"),
        )  # fmt: skip
    for hours, correct in ((30, False), (2, False), (1, True)):
        PinCheck.objects.create(
            batch=batch,
            stamp_index=0,
            is_correct=correct,
            ip_hash="p",
            checked_at=now - datetime.timedelta(hours=hours),
        )
    # when
    scans, pins = scanlog.stamp_record(
        batch_id=batch.pk, index=0, limit=2, pins_since=now - datetime.timedelta(hours=24)
    )
    # then: the newest two scans, newest first; the two PIN entries of the last day
    assert [(scan.visitor, scan.latitude) for scan in scans] == [("b", 10.03), ("c", 10.03)]
    assert scans[0].at == Scan.objects.get(ip_hash="b").scanned_at
    assert sorted((pin.is_correct, pin.at) for pin in pins) == [
        (False, now - datetime.timedelta(hours=2)), (True, now - datetime.timedelta(hours=1))
    ]  # fmt: skip
