"""Event Hash ID speed: txng.epcis.hashing against the epcis-event-hash-generator package.

Usage: .venv/bin/python bench/hashing.py [--events 20000] [--chunk 1000] [--seed 1]

Both sides get the same EPCIS 2.0 JSON-LD documents (chunks of --chunk events) and go
from bytes to hashes; the figures also show our hashing alone on parsed events. The
run fails if any hash differs. Nothing is fetched: the package resolves the /2.0.0/
context from its bundled copy, and we never resolve contexts.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from txng.epcis.document import parse_document
from txng.epcis.hashing import event_hash_id

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
BIZ_STEPS = ("commissioning", "packing", "shipping", "receiving", "inspecting", "storing")
DISPOSITIONS = ("active", "in_progress", "in_transit", "sellable_accessible")


def _time(rng: random.Random) -> str:
    day, hour, minute = rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59)
    millis = rng.randint(0, 999)
    return f"2026-07-{day:02d}T{hour:02d}:{minute:02d}:{rng.randint(0, 59):02d}.{millis:03d}+07:00"


def _sgtin(rng: random.Random) -> str:
    return f"urn:epc:id:sgtin:8934567.0{rng.randint(10000, 99999)}.{rng.randint(1, 10**9)}"


def realistic_event(rng: random.Random, index: int) -> dict[str, Any]:
    """One event of the kinds a province sees: harvest, packing, shipping, sensors."""
    kind = index % 4
    gln = f"urn:epc:id:sgln:8934567.{rng.randint(10000, 99999)}.0"
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": _time(rng),
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": rng.choice(BIZ_STEPS),
        "disposition": rng.choice(DISPOSITIONS),
        "readPoint": {"id": gln},
        "bizLocation": {"id": gln},
    }
    if kind == 0:  # harvest / commissioning with a lot and ILMD
        event["action"] = "ADD"
        event["quantityList"] = [
            {
                "epcClass": f"urn:epc:class:lgtin:8934567.0{rng.randint(10000, 99999)}.L{index}",
                "quantity": round(rng.uniform(10, 900), 1),
                "uom": "KGM",
            }
        ]
        event["ilmd"] = {"txng:harvestArea": f"VN-CT-{rng.randint(1, 103):03d}", "cbvmda:bestBeforeDate": "2026-12-31"}
    elif kind == 1:  # packing into a pallet
        event = {k: v for k, v in event.items() if k != "disposition"}
        event.update(
            type="AggregationEvent",
            action="ADD",
            bizStep="packing",
            parentID=f"urn:epc:id:sscc:8934567.{rng.randint(10**9, 10**10 - 1)}",
            childEPCs=[_sgtin(rng) for _ in range(rng.randint(2, 6))],
        )
    elif kind == 2:  # shipping with transactions and parties
        event["epcList"] = [_sgtin(rng) for _ in range(rng.randint(1, 4))]
        event["bizTransactionList"] = [
            {"type": "po", "bizTransaction": f"urn:epcglobal:cbv:bt:8934567000009:{index}"},
            {"type": "desadv", "bizTransaction": f"https://example.vn/desadv/{index}"},
        ]
        event["sourceList"] = [{"type": "owning_party", "source": "urn:epc:id:pgln:8934567.00001"}]
        event["destinationList"] = [
            {"type": "owning_party", "destination": "urn:epc:id:pgln:8934567.00002"},
            {"type": "location", "destination": "urn:epc:id:sgln:8934567.00002.0"},
        ]
    else:  # cold-chain sensor reading
        event["epcList"] = [_sgtin(rng)]
        event["bizStep"] = "sensor_reporting"
        event["sensorElementList"] = [
            {
                "sensorMetadata": {"time": _time(rng), "deviceID": "urn:epc:id:giai:8934567.T7"},
                "sensorReport": [
                    {"type": "Temperature", "value": round(rng.uniform(-5, 30), 2), "uom": "CEL"},
                    {"type": "RelativeHumidity", "value": round(rng.uniform(40, 95), 1), "uom": "P1"},
                ],
            }
        ]
    return event


def documents(count: int, chunk: int, seed: int) -> list[bytes]:
    """EPCIS JSON-LD capture documents holding `count` events in total."""
    rng = random.Random(seed)
    events = [realistic_event(rng, i) for i in range(count)]
    return [
        json.dumps(
            {
                "@context": [CONTEXT, {"txng": "https://opentxng.example.vn/epcis/"}],
                "type": "EPCISDocument",
                "schemaVersion": "2.0",
                "creationDate": "2026-07-22T00:00:00Z",
                "epcisBody": {"eventList": events[start : start + chunk]},
            }
        ).encode()
        for start in range(0, count, chunk)
    ]


def ours(bodies: list[bytes]) -> tuple[list[str], float, float]:
    """Hashes, seconds from bytes, seconds for hashing alone."""
    started = time.perf_counter()
    parsed = [parse_document(body, "application/ld+json", validate=False) for body in bodies]
    parsed_at = time.perf_counter()
    hashes = [event_hash_id(event, doc.namespaces) for doc in parsed for event in doc.events]
    done = time.perf_counter()
    return hashes, done - started, done - parsed_at


def package(bodies: list[bytes]) -> tuple[list[str], float]:
    """Hashes and seconds from bytes, using epcis-event-hash-generator 1.9.3."""
    from epcis_event_hash_generator import hash_generator, json_to_py

    logging.disable(logging.CRITICAL)
    started = time.perf_counter()
    hashes: list[str] = []
    for body in bodies:
        events = json_to_py.event_list_from_epcis_document_str(body.decode())
        hashes.extend(hash_generator.epcis_hashes_from_events(events))
    return hashes, time.perf_counter() - started


def main() -> int:
    """Run the comparison and print events/s for both sides and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--chunk", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    bodies = documents(args.events, args.chunk, args.seed)
    our_hashes, our_seconds, hash_seconds = ours(bodies)
    their_hashes, their_seconds = package(bodies)
    differing = sum(a != b for a, b in zip(our_hashes, their_hashes, strict=True))
    n = args.events
    print(f"events: {n} in documents of {args.chunk}")
    print(f"txng.epcis (parse + hash): {n / our_seconds:12,.0f} events/s")
    print(f"txng.epcis (hash only):    {n / hash_seconds:12,.0f} events/s")
    print(f"epcis-event-hash-generator: {n / their_seconds:11,.0f} events/s")
    print(f"ratio (parse + hash):      {their_seconds / our_seconds:12.1f}x")
    print(f"identical hashes: {n - differing}/{n}")
    return 1 if differing else 0


if __name__ == "__main__":
    raise SystemExit(main())
