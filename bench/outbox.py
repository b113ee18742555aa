"""Outbox delivery throughput: a city node pushes N published events to a hub on the same machine.

Two real OpenTXNG instances on 127.0.0.1 (the federation test's harness: the web server as `make run`
starts it, own databases — SQLite files, or scratch PostgreSQL databases when TXNG_DATABASE_URL is set).
The city captures N events of a published business (`txng epcis import`, so they are in its outbox); then one
worker pass (`outbox_push`, in this process, against the city's database) delivers them to the hub's POST
/epcis/capture in batches.
The figure is events delivered and stored at the hub per second of that pass.

Run: `.venv/bin/python bench/outbox.py [--events N] [--batch N] [--hub-workers N] [--concurrency N]`.
From another benchmark (bench/ledger.py): `from outbox import outbox_throughput; outbox_throughput(events=N)`
runs this script in a child process (Django can be set up once per process) and returns its figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

NODE_TAX_CODE = "1850000013"
BUSINESS_TAX_CODE = "1850000020"


def outbox_throughput(
    *, events: int = 10_000, batch: int = 500, hub_workers: int = 2, concurrency: int = 2
) -> dict[str, float]:
    """Run the benchmark in a child process; returns {"events", "seconds", "rate"} (rate = events/s)."""
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--events", str(events), "--batch", str(batch),
         "--hub-workers", str(hub_workers), "--concurrency", str(concurrency), "--json"],
        capture_output=True, text=True, check=True, env=os.environ.copy(),
    )  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _events_file(path: Path, count: int) -> None:
    import orjson

    events = [
        {
            "type": "ObjectEvent",
            "eventTime": "2026-07-22T06:45:00.000+07:00",
            "eventTimeZoneOffset": "+07:00",
            "action": "OBSERVE",
            "bizStep": "shipping",
            "disposition": "in_transit",
            "epcList": [f"https://id.gs1.org/01/08930001000019/21/B{serial:08d}"],
            "bizLocation": {"id": "https://id.gs1.org/414/8930001000009"},
            "readPoint": {"id": "https://id.gs1.org/414/8930001000009/254/dock-1"},
        }
        for serial in range(count)
    ]
    document = {
        "@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "epcisBody": {"eventList": events},
    }
    path.write_bytes(orjson.dumps(document))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500, help="events per capture request")
    parser.add_argument("--hub-workers", type=int, default=2, help="web server workers of the hub")
    parser.add_argument("--concurrency", type=int, default=2, help="requests in flight (outbox_push)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    options = parser.parse_args()

    from txng.publishing.tests.federation import drop_databases, node_pair

    root = Path(tempfile.mkdtemp(prefix="txng-outbox-bench-"))
    city, hub = node_pair(root)
    try:
        token = hub.txng("publishing", "node", "add", "--code", "city", "--name", "City", "--tax-code", NODE_TAX_CODE)
        hub.start(workers=options.hub_workers)
        city.txng("publishing", "destination", "add", "--name", "hub", "--url", f"{hub.url}/epcis", "--token",
                  token.split()[-1])  # fmt: skip
        city.txng("org", "create", "--tax-code", BUSINESS_TAX_CODE, "--name", "HTX Bench")
        events_file = root / "events.json"
        _events_file(events_file, options.events)
        city.txng("epcis", "import", str(events_file), "--organization", BUSINESS_TAX_CODE)

        # The worker runs here, against the city's database, as `txng publishing push --once` would.
        os.environ.update({k: v for k, v in city.env.items() if k.startswith("TXNG_")})
        os.environ.pop("TXNG_PUBLISHING_BATCH", None)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "txng.settings")
        import django

        django.setup()
        from django.db import connection

        from txng.publishing.worker import outbox_push

        vendor = connection.vendor
        started = time.perf_counter()
        report = outbox_push(
            batch=options.batch, max_batches=options.events // options.batch + 10, concurrency=options.concurrency
        )
        elapsed = time.perf_counter() - started
        stored = hub.rows("SELECT COUNT(*) FROM epcis_event")[0][0]
        if report.delivered != options.events + 1 or stored != options.events:  # + the business's profile
            raise SystemExit(f"delivered {report.delivered}, hub stored {stored}; errors: {report.errors[:3]}")
        rate = options.events / elapsed
        if options.json:
            print(json.dumps({"events": options.events, "seconds": round(elapsed, 3), "rate": round(rate, 1)}))
        else:
            print(
                f"outbox delivery ({vendor}, hub: {options.hub_workers} web workers on 127.0.0.1, "
                f"{options.batch} events per request, {options.concurrency} in flight): "
                f"{options.events:,} events in {elapsed:.2f} s = {rate:,.0f} events/s, each stored once at the hub"
            )
    finally:
        hub.stop()
        city.stop()
        drop_databases(city, hub)  # WITH (FORCE): this process's own connection goes too
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
