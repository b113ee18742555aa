"""Lot lineage: trace and recall-impact latency on a generated supply network, FSMA 204 spreadsheet time.

The network is made of "units" of a pangasius chain: 5 pond lots harvested by a farm and shipped to a plant,
one fillet lot made from them plus a shared additive lot (one per 300 units, so a recall of it reaches
thousands of lots), 4 carton lots, each shipped to a distributor and on to a retailer. Each unit stores
33 events and 24 lot nodes. Events, lots, edges and ledger rows are bulk-inserted; the indexing service's
own speed is measured at the end on 10 documents × 1,000 harvest/shipping events captured through
`events_capture` (not timed) and then indexed with `lineage_index_events` (timed), as the capture hook runs it.

Run: `.venv/bin/python bench/lineage.py [--scale 1.0] [--runs 200]` (TXNG_DATABASE_URL for PostgreSQL).
Scale 1.0 = 30,300 units ≈ 1,000,000 events and 727,000 lot nodes.
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import time
from decimal import Decimal

from _django import setup

UNITS_AT_SCALE_1 = 30_300
EVENTS_PER_UNIT = 33
UNITS_PER_ADDITIVE = 300


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered) * 1000
    p95 = ordered[int(len(ordered) * 0.95) - 1] * 1000
    return f"p50 {p50:7.2f} ms   p95 {p95:7.2f} ms"


def generate(units: int) -> dict[str, list[int]]:
    from django.db import transaction

    from txng.epcis.models import Event
    from txng.lineage.models import Lot, LotActivity, LotEdge
    from txng.registry.models import Organization

    orgs = Organization.objects.bulk_create(
        [Organization(name=f"Org {n}", tax_code=f"18{n:08d}") for n in range(60)], batch_size=1000
    )
    farms, plants, distributors, retailers = orgs[:30], orgs[30:40], orgs[40:50], orgs[50:60]
    base = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    kg = Decimal(1000)
    ids: dict[str, list[int]] = {"retail": [], "pond": [], "additive": []}
    counter = 0
    batch_units = 500
    for first in range(0, units, batch_units):
        events: list[Event] = []
        lots: list[Lot] = []
        plan: list[tuple[str, int, int, int, str]] = []  # (edge kind or activity kind, from, to, event, role)
        for unit in range(first, min(units, first + batch_units)):
            day = base + datetime.timedelta(hours=unit)
            farm, plant = farms[unit % 30], plants[unit % 10]
            dist, shop = distributors[unit % 10], retailers[(unit * 7) % 10]

            def event(
                org: Organization, kind: str, hours: int, day: datetime.datetime = day, events: list[Event] = events
            ) -> int:
                nonlocal counter
                counter += 1
                events.append(
                    Event(
                        organization_id=org.pk,
                        event_id=f"urn:uuid:bench-{counter}",
                        event_hash=f"ni:///sha-256;bench-{counter}",
                        event_type=kind,
                        event_time=day + datetime.timedelta(hours=hours),
                        event_time_zone_offset="+07:00",
                        record_time=day,
                        document={"type": kind},
                    )
                )
                return len(events) - 1

            def lot(
                org: Organization, gtin: int, number: str, day: datetime.datetime = day, lots: list[Lot] = lots
            ) -> int:
                identifier = f"https://id.gs1.org/01/{gtin:014d}/10/{number}"
                lots.append(
                    Lot(
                        organization_id=org.pk,
                        identifier=identifier,
                        gtin=f"{gtin:014d}",
                        lot=number,
                        first_seen=day,
                        last_seen=day,
                        produced_quantity=kg,
                        produced_uom="KGM",
                    )
                )
                return len(lots) - 1

            fillet = lot(plant, 2, f"F{unit}")
            make = event(plant, "TransformationEvent", 30)
            plan.append(("produced", fillet, fillet, make, ""))
            if unit % UNITS_PER_ADDITIVE == 0:
                additive = lot(plant, 9, f"ADD{unit // UNITS_PER_ADDITIVE}")
                plan.append(("additive", additive, additive, make, ""))
            plan.append(("transformation", -1, fillet, make, "additive"))
            for pond in range(5):
                at_farm, at_plant = lot(farm, 1, f"P{unit}-{pond}"), lot(plant, 1, f"P{unit}-{pond}")
                plan.append(("produced", at_farm, at_farm, event(farm, "ObjectEvent", 0), "pond"))
                shipped = event(farm, "ObjectEvent", 10)
                event(plant, "ObjectEvent", 20)
                plan.append(("shipment", at_farm, at_plant, shipped, ""))
                plan.append(("transformation", at_plant, fillet, make, ""))
            pack = event(plant, "TransformationEvent", 40)
            for carton in range(4):
                at_plant = lot(plant, 3, f"C{unit}-{carton}")
                at_dist, at_shop = lot(dist, 3, f"C{unit}-{carton}"), lot(shop, 3, f"C{unit}-{carton}")
                plan.append(("transformation", fillet, at_plant, pack, ""))
                to_dist = event(plant, "ObjectEvent", 50)
                event(dist, "ObjectEvent", 60)
                to_shop = event(dist, "ObjectEvent", 70)
                event(shop, "ObjectEvent", 80)
                plan.append(("shipment", at_plant, at_dist, to_dist, ""))
                plan.append(("shipment", at_dist, at_shop, to_shop, "retail"))
        with transaction.atomic():
            Event.objects.bulk_create(events, batch_size=2000)
            Lot.objects.bulk_create(lots, batch_size=2000)
            edges, activities = [], []
            current_additive = None
            for kind, source, target, event_index, role in plan:
                happened = events[event_index]
                if kind == "additive":
                    current_additive = lots[source]
                    ids["additive"].append(current_additive.pk)
                    continue
                if kind == "produced":
                    if role == "pond":
                        ids["pond"].append(lots[source].pk)
                    activities.append(
                        LotActivity(
                            organization_id=happened.organization_id,
                            lot=lots[source],
                            event=happened,
                            event_time=happened.event_time,
                            kind="produced",
                            biz_step="https://ns.opentxng.vn/epcis/BizStep-harvesting",
                            quantity=kg,
                            uom="KGM",
                        )
                    )
                    continue
                from_lot = current_additive if source == -1 else lots[source]
                if from_lot is None:
                    continue
                to_lot = lots[target]
                if role == "retail":
                    ids["retail"].append(to_lot.pk)
                edges.append(
                    LotEdge(
                        organization_id=happened.organization_id,
                        from_lot=from_lot,
                        to_lot=to_lot,
                        from_organization_id=from_lot.organization_id,
                        to_organization_id=to_lot.organization_id,
                        event=happened,
                        event_time=happened.event_time,
                        kind=kind,
                        quantity=kg,
                        uom="KGM",
                    )
                )
                if kind == "shipment":
                    activities.append(
                        LotActivity(
                            organization_id=happened.organization_id,
                            lot=from_lot,
                            event=happened,
                            event_time=happened.event_time,
                            kind="shipped",
                            biz_step="shipping",
                            quantity=kg,
                            uom="KGM",
                            counterparty_organization_id=to_lot.organization_id,
                        )
                    )
            LotEdge.objects.bulk_create(edges, batch_size=2000)
            LotActivity.objects.bulk_create(activities, batch_size=2000)
    return ids


def index_throughput(documents: int = 10, size: int = 1000) -> str:
    """Capture realistic documents (untimed), then time `lineage_index_events` on each document's events."""
    import orjson

    from txng.accounts.principal import OPERATOR
    from txng.epcis.document import parse_document
    from txng.epcis.models import Event
    from txng.epcis.services import events_capture
    from txng.gs1.checkdigit import gs1_check_digit
    from txng.lineage.services import TXNG_NAMESPACE, lineage_index_events
    from txng.registry.models import Organization

    def gln(n: int) -> str:
        body = f"893456{n:06d}"
        return body + gs1_check_digit(body)

    farm = Organization.objects.create(name="Bench farm", tax_code="1899999990", gln=gln(1))
    buyer = Organization.objects.create(name="Bench buyer", tax_code="1899999991", gln=gln(2))
    elapsed = 0.0
    for number in range(documents):
        events = []
        for k in range(size // 2):
            lot = f"https://id.gs1.org/01/08934560000019/10/B{number}-{k}"
            where = {"id": f"https://id.gs1.org/414/{gln(10 + k % 50)}"}
            common = {"eventTimeZoneOffset": "+07:00", "readPoint": where, "bizLocation": where}
            events.append(
                {
                    "type": "ObjectEvent",
                    "eventTime": "2026-03-01T08:00:00+07:00",
                    "action": "ADD",
                    "bizStep": f"{TXNG_NAMESPACE}BizStep-harvesting",
                    "quantityList": [{"epcClass": lot, "quantity": 1000, "uom": "KGM"}],
                    **common,
                }
            )
            events.append(
                {
                    "type": "ObjectEvent",
                    "eventTime": "2026-03-02T08:00:00+07:00",
                    "action": "OBSERVE",
                    "bizStep": "shipping",
                    "quantityList": [{"epcClass": lot, "quantity": 1000, "uom": "KGM"}],
                    "destinationList": [{"type": "owning_party", "destination": f"https://id.gs1.org/417/{buyer.gln}"}],
                    **common,
                }
            )
        body = {
            "@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld", {"txng": TXNG_NAMESPACE}],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "epcisBody": {"eventList": events},
        }
        document = parse_document(orjson.dumps(body), "application/ld+json")
        result = events_capture(actor=OPERATOR, organization=farm, document=document)
        pks = list(Event.objects.filter(organization=farm, event_id__in=result.event_ids).values_list("pk", flat=True))
        begin = time.perf_counter()
        lineage_index_events(pks)
        elapsed += time.perf_counter() - begin
    total = documents * size
    return (
        f"indexing       {total:,} events in {elapsed:.2f} s = {total / elapsed:,.0f} events/s ({size}-event documents)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    vendor = setup()
    from django.db import connection

    from txng.accounts.principal import OPERATOR
    from txng.epcis.models import Event
    from txng.lineage import exports
    from txng.lineage.models import Lot, LotEdge
    from txng.lineage.selectors import lot_trace, recall_impact

    units = max(UNITS_PER_ADDITIVE, int(UNITS_AT_SCALE_1 * args.scale))
    started = time.perf_counter()
    ids = generate(units)
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"{vendor}: {Event.objects.count():,} events, {Lot.objects.count():,} lot nodes, "
        f"{LotEdge.objects.count():,} edges, generated in {time.perf_counter() - started:.0f} s"
    )
    rng = random.Random(7)
    for direction, pool in (("backward", ids["retail"]), ("forward", ids["pond"])):
        samples = []
        sizes = []
        for pk in rng.sample(pool, min(args.runs, len(pool))):
            begin = time.perf_counter()
            trace = lot_trace([Lot.objects.get(pk=pk)], direction=direction)  # type: ignore[arg-type]
            samples.append(time.perf_counter() - begin)
            sizes.append(len(trace.lots))
        print(f"{direction:8s} trace  {_ms(samples)}   (median {statistics.median(sizes):.0f} lots reached)")
    samples, sizes = [], []
    for pk in (ids["additive"] * (1 + args.runs // max(1, len(ids["additive"]))))[: min(args.runs, 50)]:
        begin = time.perf_counter()
        impact = recall_impact([Lot.objects.get(pk=pk)])
        samples.append(time.perf_counter() - begin)
        sizes.append(len(impact.lot_ids))
    print(f"recall impact   {_ms(samples)}   (median {statistics.median(sizes):.0f} lots affected)")
    # FSMA 204 spreadsheet of everything recorded in the time window of the first 100,000 events.
    total = Event.objects.count()
    cutoff = Event.objects.order_by("event_time", "pk").values_list("event_time", flat=True)[min(100_000, total - 1)]
    window = Event.objects.filter(event_time__lt=cutoff).count()
    begin = time.perf_counter()
    rows = list(exports.fsma_rows(principal=OPERATOR, until=cutoff))
    body = exports.fsma_xlsx(rows)
    print(
        f"FSMA 204 XLSX   {window:,} events → {len(rows):,} rows, {len(body) / 1e6:.1f} MB "
        f"in {time.perf_counter() - begin:.2f} s"
    )
    print(index_throughput())


if __name__ == "__main__":
    main()
