"""Transparency ledger: append rate (target ≥ 20,000 leaves/s), inclusion and consistency proof time at
1,000,000 leaves (target ≤ 2 ms), full `txng ledger verify` time for 1,000,000 leaves; then the outbox's
delivery throughput to a hub (the publishing app's bench/outbox.py, see `bench_outbox`).

1. Submit: N record leaves (recall-like dicts, canonical JSON + SHA-256 digest each) through
   `ledger_submit_many` in chunks of 10,000, each its own transaction (what publishing hooks do)...
2. Append: ...each chunk then integrated by `ledger_integrate()` (the sequencer gives the leaves indexes
   and hashes them into the stored tree), as `txng ledger run` keeps the queue short in production.
   The headline append rate is N / (submit + integrate) time; both parts are printed.
3. Proofs at N leaves: 1,000 random inclusion proofs (`ledger_inclusion_proof`, the API's selector) and
   1,000 random consistency proofs (`ledger_consistency_proof`), mean / p50 / p95 / p99.
4. Verify: `ledger_verify()` after a signed checkpoint — recompute every leaf from its source row, the whole
   tree, every stored node and checkpoint.

Run: `.venv/bin/python bench/ledger.py [--leaves N] [--no-outbox] [--outbox-events N]`
(TXNG_DATABASE_URL for PostgreSQL).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

from _django import setup

CHUNK = 10_000
PROBES = 1000


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    q = statistics.quantiles(ordered, n=100)
    return (
        f"mean {statistics.fmean(ordered) * 1000:.3f} ms, p50 {q[49] * 1000:.3f} ms, "
        f"p95 {q[94] * 1000:.3f} ms, p99 {q[98] * 1000:.3f} ms"
    )


def _timed(call: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def bench_ledger(vendor: str, leaves: int) -> None:
    from django.db import transaction

    from txng.ledger.selectors import ledger_consistency_proof, ledger_inclusion_proof
    from txng.ledger.services import LeafInput, ledger_checkpoint_issue, ledger_integrate, ledger_submit_many
    from txng.ledger.verification import ledger_verify

    submitted = integration = 0.0
    for start in range(0, leaves, CHUNK):
        items = (
            LeafInput(
                kind="recall",
                reference=f"recall:B{n:08d}",
                data={"code": f"B{n:08d}", "gtin": f"0893456{n % 1000000:07d}", "reason": "Vượt dư lượng", "lot": n},
            )
            for n in range(start, min(leaves, start + CHUNK))
        )
        started = time.perf_counter()
        with transaction.atomic():
            ledger_submit_many(items)
        submitted += time.perf_counter() - started
        started = time.perf_counter()
        integrated = ledger_integrate()
        integration += time.perf_counter() - started
        assert integrated == min(CHUNK, leaves - start), integrated
    print(
        f"ledger append ({vendor}): {leaves:,} leaves in {submitted + integration:.2f} s "
        f"({leaves / (submitted + integration):,.0f} leaves/s; submit {submitted:.2f} s = "
        f"{leaves / submitted:,.0f}/s, integrate {integration:.2f} s = {leaves / integration:,.0f}/s)"
    )

    started = time.perf_counter()
    checkpoint = ledger_checkpoint_issue()
    print(f"ledger checkpoint ({vendor}): signed at {checkpoint.tree_size:,} in {time.perf_counter() - started:.3f} s")

    rng = random.Random(8)
    ledger_inclusion_proof(leaf_index=0, tree_size=leaves)  # warm the connection
    inclusion = _timed(lambda: ledger_inclusion_proof(leaf_index=rng.randrange(leaves), tree_size=leaves), PROBES)
    print(f"ledger inclusion proof ({vendor}) at {leaves:,} leaves: {_percentiles(inclusion)}")
    consistency = _timed(lambda: ledger_consistency_proof(first=rng.randrange(1, leaves), second=leaves), PROBES)
    print(f"ledger consistency proof ({vendor}) at {leaves:,} leaves: {_percentiles(consistency)}")

    started = time.perf_counter()
    report = ledger_verify()
    elapsed = time.perf_counter() - started
    assert report.is_valid, report.problems[:3]
    print(
        f"ledger verify ({vendor}): {report.tree_size:,} leaves and {report.checkpoints} checkpoint "
        f"in {elapsed:.2f} s ({report.tree_size / elapsed:,.0f} leaves/s)"
    )


def bench_outbox(vendor: str, events: int) -> None:
    """Outbox delivery throughput to a hub on this machine: the publishing app's benchmark (bench/outbox.py,
    `outbox_throughput`, run in a child process), printed here so `make bench` shows both halves of issue 8."""
    try:
        from outbox import outbox_throughput
    except ImportError:
        print(f"outbox delivery ({vendor}): not measured (bench/outbox.py has no outbox_throughput)")
        return
    figures = outbox_throughput(events=events)
    print(
        f"outbox delivery ({vendor}) to a hub on 127.0.0.1: {figures['events']:,.0f} events "
        f"in {figures['seconds']:.2f} s ({figures['rate']:,.0f} events/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--no-outbox", action="store_true")
    parser.add_argument("--outbox-events", type=int, default=10_000)
    args = parser.parse_args()
    vendor = setup()
    bench_ledger(vendor, args.leaves)
    if not args.no_outbox:
        bench_outbox(vendor, args.outbox_events)


if __name__ == "__main__":
    main()
