"""The outbox worker: claim due items with a conditional UPDATE (a lease), push them, record the outcome.

Delivery is at-least-once from here and exactly-once at the receiver, which skips an eventID it has
(EPCIS 2.0 §7.4.1, Event Hash ID): a worker killed after the POST but before recording the result
leaves its items claimed until the lease runs out; the next worker sends them again, harmlessly.
"""

from __future__ import annotations

import random
import secrets
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from txng.publishing.connectors import Outcome, connector_for, destination_token
from txng.publishing.models import Destination, OutboxItem
from txng.publishing.services import setting

DUE_STATUSES: Final = (OutboxItem.Status.PENDING, OutboxItem.Status.FAILED)


@dataclass
class PushReport:
    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


def retry_delay(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """Exponential back-off after the n-th failed attempt, base × 2^(n-1) capped, with "equal jitter"
    (half fixed, half random) so that many items failed together do not come back together."""
    base = setting("TXNG_PUBLISHING_RETRY_BASE_SECONDS", 30)
    cap = setting("TXNG_PUBLISHING_RETRY_MAX_SECONDS", 6 * 3600)
    delay = min(cap, base * 2 ** min(attempts - 1, 40))
    return timedelta(seconds=delay / 2 + (rng or random).uniform(0, delay / 2))


def _due(destination_id: int, now: datetime) -> Q:
    return Q(
        destination_id=destination_id,
        status__in=DUE_STATUSES,
        next_attempt_at__lte=now,
    ) & (Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))


def outbox_claim(destination: Destination, *, now: datetime, limit: int) -> tuple[str, list[OutboxItem]]:
    """Lease up to `limit` due items of a destination to this worker (a conditional UPDATE)."""
    claim = secrets.token_hex(16)
    lease = timedelta(seconds=setting("TXNG_PUBLISHING_LEASE_SECONDS", 120))
    due = _due(destination.pk, now)
    with transaction.atomic():
        # SKIP LOCKED (PostgreSQL): concurrent workers take the next due items instead of queueing behind
        # each other's first ones and then finding them claimed. SQLite's IMMEDIATE transaction already
        # holds the write lock here, so the read and the UPDATE are one step for other writers.
        first = list(
            OutboxItem.objects.filter(due)
            .order_by("pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        # The conditions are repeated in the UPDATE, so a row claimed meanwhile is never taken twice.
        OutboxItem.objects.filter(due, pk__in=first).update(claimed_until=now + lease, claim=claim)
    return claim, list(OutboxItem.objects.filter(claim=claim).order_by("pk"))


def _record(claim: str, items: dict[int, OutboxItem], outcomes: list[Outcome], report: PushReport) -> None:
    now = timezone.now()
    mine = OutboxItem.objects.filter(claim=claim)  # a worker whose lease ran out changes nothing
    delivered = [o.item_id for o in outcomes if o.is_delivered]
    if delivered:
        report.delivered += mine.filter(pk__in=delivered).update(
            status=OutboxItem.Status.DELIVERED,
            attempts=F("attempts") + 1,
            delivered_at=now,
            claimed_until=None,
            claim="",
            last_error="",
        )
    max_attempts = int(setting("TXNG_PUBLISHING_MAX_ATTEMPTS", 20))
    max_refusals = int(setting("TXNG_PUBLISHING_MAX_REFUSALS", 3))
    # Items failed alike with the same attempt count share one UPDATE.
    groups: dict[tuple[int, bool, str], list[int]] = defaultdict(list)
    for outcome in outcomes:
        if not outcome.is_delivered:
            attempts = items[outcome.item_id].attempts + 1
            groups[(attempts, outcome.is_permanent, outcome.error)].append(outcome.item_id)
    for (attempts, is_permanent, error), ids in groups.items():
        is_dead = attempts >= (max_refusals if is_permanent else max_attempts)
        count = mine.filter(pk__in=ids).update(
            status=OutboxItem.Status.DEAD if is_dead else OutboxItem.Status.FAILED,
            attempts=attempts,
            next_attempt_at=now + retry_delay(attempts),
            claimed_until=None,
            claim="",
            last_error=error[:2000],
        )
        if is_dead:
            report.dead += count
        else:
            report.retried += count
    if groups:
        report.errors.append(next(iter(groups))[2])


def destination_push(destination: Destination, *, batch: int, max_batches: int, report: PushReport) -> None:
    """Push one destination's due items, batch after batch, until none is due or a batch moves nothing."""
    connector = connector_for(destination)
    token = destination_token(destination)
    for _ in range(max_batches):
        claim, items = outbox_claim(destination, now=timezone.now(), limit=batch)
        if not items:
            return
        report.claimed += len(items)
        delivered_before = report.delivered
        outcomes = connector.deliver(destination, items, token)
        _record(claim, {item.pk: item for item in items}, outcomes, report)
        if report.delivered == delivered_before:
            return  # the destination is failing: the rest waits for its back-off


def _push_in_thread(destination: Destination, batch: int, max_batches: int) -> PushReport:
    report = PushReport()
    try:
        destination_push(destination, batch=batch, max_batches=max_batches, report=report)
    finally:
        connection.close()  # this thread's own connection
    return report


def _merge(report: PushReport, part: PushReport) -> None:
    report.claimed += part.claimed
    report.delivered += part.delivered
    report.retried += part.retried
    report.dead += part.dead
    report.errors.extend(part.errors)


def outbox_push(
    *, destination_id: int | None = None, batch: int | None = None, max_batches: int = 100, concurrency: int = 1
) -> PushReport:
    """One worker pass over every active destination (or one), with `concurrency` requests in flight to each
    (the claims keep concurrent pushers apart, so the receiver may store batches in parallel)."""
    if connection.in_atomic_block:
        raise RuntimeError("outbox_push must run outside a transaction (it makes HTTP requests)")
    report = PushReport()
    size = batch or int(setting("TXNG_PUBLISHING_BATCH", 500))
    destinations = Destination.objects.filter(is_active=True).order_by("pk")
    if destination_id is not None:
        destinations = destinations.filter(pk=destination_id)
    for destination in destinations:
        try:
            if concurrency <= 1:
                destination_push(destination, batch=size, max_batches=max_batches, report=report)
                continue
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                futures = [
                    pool.submit(_push_in_thread, destination, size, max_batches // concurrency + 1)
                    for _ in range(concurrency)
                ]
                for future in futures:
                    _merge(report, future.result())
        except RuntimeError as error:  # an undecryptable token: the others still go
            report.errors.append(f"{destination.name}: {error}")
    return report
