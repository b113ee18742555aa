"""EPCIS event store: capture throughput against a raw bulk-insert ceiling, and query latency at 1M events.

1. Capture: 100 documents × 1,000 realistic events (ObjectEvent / AggregationEvent / TransformationEvent with
   bizStep, readPoint, bizLocation, quantities, ILMD, source/destination, Vietnamese GTINs) through
   `parse_document` + `events_capture`, the path POST /epcis/capture takes.
2. Ceiling: the very rows capture wrote (every table it fills), deleted and inserted again raw —
   `executemany` on SQLite, COPY on PostgreSQL — with the same indexes in place.
3. Queries: the store grown to 1,000,000 events by raw SQL copies of the captured rows (identifiers
   suffixed, times shifted back a year per copy, so selectivity stays realistic), then p50/p95 of five
   typical queries through `events_query`, the selector GET /epcis/events uses, 200 runs each.
Event hashing speed is `bench/hashing.py`.

`--workers N` first captures with N processes, each taking every N-th document, into the empty store
(other events than the single-process run's), then empties the store again: what N web workers (`make run`
starts one per core) or N capture commands reach on this machine. `make bench` passes one per core.

Run: `.venv/bin/python bench/epcis.py [--events N] [--store N] [--workers N] [--profile]`
(TXNG_DATABASE_URL for PostgreSQL).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from typing import Any

import orjson
from _django import setup

CONTEXT = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"]
COMPANY = "8934567"  # a 893 (Viet Nam) GS1 company prefix
PRODUCTS = [f"0{n:05d}" for n in range(1, 201)]  # item references: rice, pomelo, catfish fillet, …
SITES = [f"{n:05d}" for n in range(1, 51)]
STEPS = ["commissioning", "shipping", "receiving", "packing", "storing", "inspecting"]
DOCUMENT_SIZE = 1000


def _time(rng: random.Random) -> str:
    day = rng.randrange(365)
    return (
        f"2026-{1 + day // 31 % 12:02d}-{1 + day % 28:02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00.000+07:00"
    )


def realistic_event(rng: random.Random, number: int) -> dict[str, Any]:
    """One event of a Mekong-delta supply chain; identifiers unique per `number`."""
    product = rng.choice(PRODUCTS)
    lot = f"L{number // 50:06d}"
    site, other = rng.sample(SITES, 2)
    common: dict[str, Any] = {
        "eventTime": _time(rng),
        "eventTimeZoneOffset": "+07:00",
        "readPoint": {"id": f"urn:epc:id:sgln:{COMPANY}.{site}.0"},
        "bizLocation": {"id": f"urn:epc:id:sgln:{COMPANY}.{site}.0"},
    }
    serials = [f"urn:epc:id:sgtin:{COMPANY}.{product}.{number}{k}" for k in range(3)]
    kind = rng.random()
    if kind < 0.6:
        step = rng.choice(STEPS)
        event = {
            "type": "ObjectEvent",
            **common,
            "action": "ADD" if step == "commissioning" else "OBSERVE",
            "bizStep": step,
            "disposition": "active" if step == "commissioning" else "in_transit",
            "epcList": serials,
            "quantityList": [
                {"epcClass": f"urn:epc:class:lgtin:{COMPANY}.{product}.{lot}", "quantity": 250.5, "uom": "KGM"}
            ],
        }
        if step == "commissioning":
            event["ilmd"] = {"cbvmda:bestBeforeDate": "2027-06-30", "cbvmda:countryOfOrigin": "VN"}
        if step in ("shipping", "receiving"):
            event["sourceList"] = [{"type": "owning_party", "source": f"urn:epc:id:pgln:{COMPANY}.{site}"}]
            event["destinationList"] = [{"type": "owning_party", "destination": f"urn:epc:id:pgln:{COMPANY}.{other}"}]
            event["bizTransactionList"] = [
                {"type": "po", "bizTransaction": f"urn:epc:id:gdti:{COMPANY}.00001.{number}"}
            ]
        return event
    if kind < 0.85:
        return {
            "type": "AggregationEvent",
            **common,
            "action": "ADD",
            "bizStep": "packing",
            "disposition": "in_progress",
            "parentID": f"urn:epc:id:sscc:{COMPANY}.{number:010d}",
            "childEPCs": serials,
            "childQuantityList": [
                {"epcClass": f"urn:epc:class:lgtin:{COMPANY}.{product}.{lot}", "quantity": 40, "uom": "KGM"}
            ],
        }
    output = rng.choice(PRODUCTS)
    return {
        "type": "TransformationEvent",
        **common,
        "bizStep": "commissioning",
        "disposition": "active",
        "inputQuantityList": [
            {"epcClass": f"urn:epc:class:lgtin:{COMPANY}.{product}.{lot}", "quantity": 1000, "uom": "KGM"}
        ],
        "outputEPCList": serials,
        "outputQuantityList": [
            {"epcClass": f"urn:epc:class:lgtin:{COMPANY}.{output}.{lot}P", "quantity": 620.25, "uom": "KGM"}
        ],
        "ilmd": {"cbvmda:bestBeforeDate": "2027-12-31", "cbvmda:lotNumber": f"{lot}P"},
    }


def documents(count: int, seed: int = 82) -> list[bytes]:
    rng = random.Random(seed)
    bodies = []
    for start in range(0, count, DOCUMENT_SIZE):
        events = [realistic_event(rng, n) for n in range(start, min(count, start + DOCUMENT_SIZE))]
        body = {"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0",
                "epcisBody": {"eventList": events}}  # fmt: skip
        bodies.append(orjson.dumps(body))
    return bodies


def event_tables() -> list[Any]:
    """The event table and every table capture fills beside it (found from the models, not listed by hand)."""
    from txng.epcis.models import Event

    # include_hidden: the lot graph's tables point at events with related_name="+".
    relations = [f for f in Event._meta.get_fields(include_hidden=True) if f.auto_created and not f.concrete]
    children = [rel.related_model for rel in relations if getattr(rel, "on_delete", None) is not None]
    children = [model for model in children if rel_is_cascade(model, Event)]
    return [Event, *children]


def rel_is_cascade(model: Any, target: Any) -> bool:
    """Whether `model` has a CASCADE foreign key to `target` (rows that go when their event goes)."""
    return any(
        getattr(field, "remote_field", None) is not None
        and field.remote_field.model is target
        and field.remote_field.on_delete.__name__ == "CASCADE"
        for field in model._meta.concrete_fields
    )


def _columns(model: Any) -> list[str]:
    return [field.column for field in model._meta.concrete_fields]


def dump_rows(model: Any, vendor: str) -> list[tuple[Any, ...]]:
    from django.db import connection

    cast = "::text" if vendor == "postgresql" else ""
    columns = ", ".join(f'"{c}"{cast}' for c in _columns(model))
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT {columns} FROM "{model._meta.db_table}" ORDER BY "id"')  # noqa: S608
        return list(cursor.fetchall())


def raw_insert(tables: list[tuple[Any, list[tuple[Any, ...]]]], vendor: str) -> None:
    """Insert rows as they are: COPY on PostgreSQL, one executemany per table on SQLite; one transaction."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for model, rows in tables:
            columns = ", ".join(f'"{c}"' for c in _columns(model))
            if vendor == "postgresql":
                with cursor.cursor.copy(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(_columns(model)))
                cursor.cursor.executemany(f'INSERT INTO "{model._meta.db_table}" ({columns}) VALUES ({marks})', rows)  # noqa: S608


def describe_tables(tables: list[tuple[Any, list[tuple[Any, ...]]]], events: int) -> str:
    """Rows per event and indexes of each table the ceiling writes: what each captured event costs the database."""
    from django.db import connection

    # Every index the table has, primary key and unique constraints included (SQLite's rowid is none).
    sql = (
        "SELECT count(*) FROM pg_indexes WHERE tablename = %s"
        if connection.vendor == "postgresql"
        else "SELECT count(*) FROM pragma_index_list(%s)"
    )
    parts = []
    with connection.cursor() as cursor:
        for model, rows in tables:
            cursor.execute(sql, [model._meta.db_table])
            parts.append(f"{model._meta.db_table} {len(rows) / events:.2f} × {cursor.fetchone()[0]} indexes")
    return ", ".join(parts)


def delete_events(after: int = 0) -> None:
    """Delete the events (and their index rows) with an id above `after`."""
    from django.db import connection, transaction

    from txng.epcis.models import Event

    with transaction.atomic(), connection.cursor() as cursor:
        for model in reversed(event_tables()):
            key = "id" if model is Event else "event_id"
            cursor.execute(f'DELETE FROM "{model._meta.db_table}" WHERE "{key}" > %s', [after])  # noqa: S608


def settle_database() -> None:
    """PostgreSQL: write out what earlier work left dirty (CHECKPOINT), so that a capture run is not timed
    through a checkpoint it did not cause; skipped where the role may not checkpoint."""
    from django.db import DatabaseError, connection

    if connection.vendor != "postgresql":
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError:
        print("epcis bench: CHECKPOINT not permitted for this role; capture runs may meet a checkpoint")


def empty_store() -> None:
    """Empty the event store and what capture fills beside it (lot graph, ledger queue, outbox) as a fresh
    database has them: TRUNCATE on PostgreSQL, so that no dead rows are left for the next capture."""
    from django.db import connection

    from txng.ledger.models import PendingLeaf
    from txng.lineage.models import Lot
    from txng.publishing.models import OutboxItem

    tables = [model._meta.db_table for model in (*event_tables(), Lot, PendingLeaf, OutboxItem)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE " + ", ".join(f'"{table}"' for table in tables))
        else:
            for table in tables:
                cursor.execute(f'DELETE FROM "{table}"')  # noqa: S608


def _shifted_time(vendor: str, k: int) -> str:
    if vendor == "postgresql":
        return f"\"event_time\" - interval '{k} year'"
    # SQLite keeps datetimes as ISO text: take k from the year.
    return f"CAST(CAST(substr(event_time, 1, 4) AS INTEGER) - {k} AS TEXT) || substr(event_time, 5)"


def grow(target: int, vendor: str) -> int:
    """Copy the stored events (and their index rows) with SQL until the store holds `target` events."""
    from django.db import connection, transaction

    from txng.epcis.models import Event

    base = Event.objects.count()
    tables = event_tables()
    tops = {model: max(model.objects.order_by("-pk").values_list("pk", flat=True)[:1], default=0) for model in tables}
    copies = max(0, -(-target // base) - 1) if base else 0
    for k in range(1, copies + 1):
        with transaction.atomic(), connection.cursor() as cursor:
            for model in tables:
                select = []
                for column in _columns(model):
                    if column == "id":
                        select.append(f'"id" + {tops[model] * k}')
                    elif column == "event_id" and model is not Event:
                        select.append(f'"event_id" + {tops[Event] * k}')
                    elif column in ("event_id", "event_hash", "identifier"):
                        select.append(f"\"{column}\" || '.{k}'")
                    elif column == "event_time":
                        select.append(_shifted_time(vendor, k))
                    else:
                        select.append(f'"{column}"')
                table = model._meta.db_table
                columns = ", ".join(f'"{c}"' for c in _columns(model))
                cursor.execute(
                    f'INSERT INTO "{table}" ({columns}) SELECT {", ".join(select)} '  # noqa: S608
                    f'FROM "{table}" WHERE "id" <= {tops[model]}'
                )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Event.objects.count()


def _capture_share(organization_id: int, bodies: list[bytes]) -> int:
    """Capture documents in a worker process (its own database connection); the events stored."""
    from txng.accounts.principal import OPERATOR
    from txng.epcis.document import parse_document
    from txng.epcis.services import events_capture
    from txng.registry.models import Organization

    organization = Organization.objects.get(pk=organization_id)
    stored = 0
    for body in bodies:
        document = parse_document(body, "application/ld+json", validate=False)
        stored += events_capture(actor=OPERATOR, organization=organization, document=document).captured_count
    return stored


def capture_in_parallel(organization_id: int, bodies: list[bytes], workers: int) -> tuple[int, float]:
    """Capture with `workers` forked processes; (events stored, wall-clock seconds)."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # each child opens its own
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        started = time.perf_counter()
        counts = pool.starmap(_capture_share, [(organization_id, bodies[k::workers]) for k in range(workers)])
        seconds = time.perf_counter() - started
    return sum(counts), seconds


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000, help="events to capture (default 100 × 1,000)")
    parser.add_argument("--store", type=int, default=1_000_000, help="events in the store for the query runs")
    parser.add_argument("--runs", type=int, default=200, help="runs of each query")
    parser.add_argument("--workers", type=int, default=0, help="also capture with N processes (0: skip)")
    parser.add_argument("--profile", action="store_true", help="cProfile the capture and print the top functions")
    options = parser.parse_args()
    vendor = setup()

    from txng.accounts.principal import OPERATOR, Principal
    from txng.core.demo import demo_tax_code
    from txng.epcis.document import parse_document
    from txng.epcis.models import Event
    from txng.epcis.selectors import events_query
    from txng.epcis.services import events_capture
    from txng.registry.services import organization_create

    organization = organization_create(
        actor=OPERATOR, tax_code=demo_tax_code("epcis-bench"), name="HTX Bench Cần Thơ", approve=True
    )
    bodies = documents(options.events)

    # 1. Capture through the service: first by N processes (the server runs one per core), then by one; each
    # into an empty store.
    if options.workers > 1:
        # Another seed than the single-process run: other events, so nothing is skipped as already stored.
        parallel_bodies = documents(options.events, seed=83)
        settle_database()
        more, parallel_seconds = capture_in_parallel(organization.pk, parallel_bodies, options.workers)
        assert more == options.events, more
        parallel_rate = more / parallel_seconds
        empty_store()
    settle_database()
    profiler = None
    if options.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    for body in bodies:
        document = parse_document(body, "application/ld+json", validate=False)
        events_capture(actor=OPERATOR, organization=organization, document=document)
    capture_seconds = time.perf_counter() - started
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    stored = Event.objects.count()
    assert stored == options.events, stored
    capture_rate = stored / capture_seconds

    # 2. The same rows, raw.
    tables = [(model, dump_rows(model, vendor)) for model in event_tables()]
    delete_events()
    started = time.perf_counter()
    raw_insert(tables, vendor)
    raw_seconds = time.perf_counter() - started
    raw_rate = stored / raw_seconds
    row_count = sum(len(rows) for _, rows in tables)
    target = "≥ 5,000 events/s and ≥ 25% of the ceiling on PostgreSQL"
    if options.workers > 1:
        print(
            f"epcis capture [{vendor}, {options.workers} processes]: {options.events:,} events in "
            f"{parallel_seconds:.1f} s = {parallel_rate:,.0f} events/s"
        )
    print(
        f"epcis capture [{vendor}, 1 process]: {stored:,} events in {capture_seconds:.1f} s "
        f"= {capture_rate:,.0f} events/s"
    )
    print(
        f"epcis raw insert ceiling [{vendor}, 1 connection]: the same {row_count:,} rows in {raw_seconds:.1f} s "
        f"= {raw_rate:,.0f} events/s; 1-process capture is {capture_rate / raw_rate:.0%} of it (target {target})"
    )

    print(f"epcis rows per event [{vendor}]: {describe_tables(tables, stored)}")

    # 3. Queries on a grown store.
    first = Event.objects.order_by("pk").values_list("pk", flat=True)[0]  # the captured events' keys follow
    started = time.perf_counter()
    total = grow(options.store, vendor)
    print(f"epcis store grown to {total:,} events by raw SQL copies in {time.perf_counter() - started:.0f} s")
    principal = Principal(label="bench", organization_ids=frozenset({organization.pk}))
    rng = random.Random(7)
    sample = list(
        Event.objects.order_by("?").values_list("event_id", "biz_location", "document")[:500]
        if vendor == "postgresql"
        else Event.objects.filter(pk__in=rng.sample(range(first, first + stored), min(500, stored))).values_list(
            "event_id", "biz_location", "document"
        )
    )

    def epc_of(document: dict[str, Any]) -> str:
        for name in ("epcList", "childEPCs", "outputEPCList"):
            if document.get(name):
                return str(document[name][0])
        raise LookupError

    def class_of(document: dict[str, Any]) -> str:
        for name in ("quantityList", "childQuantityList", "inputQuantityList"):
            if document.get(name):
                return str(document[name][0]["epcClass"])
        raise LookupError

    def week(month: int) -> dict[str, list[str]]:
        return {
            "EQ_bizStep": ["shipping"],
            "GE_eventTime": [f"2026-{month:02d}-01T00:00:00+07:00"],
            "LT_eventTime": [f"2026-{month:02d}-08T00:00:00+07:00"],
        }

    with_epc = [d for _, _, d in sample if any(d.get(n) for n in ("epcList", "childEPCs"))]
    with_class = [d for _, _, d in sample if any(d.get(n) for n in ("quantityList", "childQuantityList"))]
    queries = {
        "MATCH_epc (one item)": lambda: {"MATCH_epc": [epc_of(rng.choice(with_epc))]},
        "EQ_bizStep + eventTime week": lambda: week(rng.randrange(1, 13)),
        "EQ_bizLocation": lambda: {"EQ_bizLocation": [rng.choice(sample)[1]]},
        "MATCH_epcClass (one lot)": lambda: {"MATCH_epcClass": [class_of(rng.choice(with_class))]},
        "EQ_eventID": lambda: {"EQ_eventID": [rng.choice(sample)[0]]},
    }
    for name, params in queries.items():
        times = []
        for _ in range(options.runs):
            started = time.perf_counter()
            events_query(principal=principal, params=params())
            times.append((time.perf_counter() - started) * 1000)
        p50, p95 = statistics.median(times), percentile(times, 0.95)
        mark = "ok" if p95 <= 50 else "MISSED"
        print(
            f"epcis query [{vendor}, {total:,} events] {name:<30} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
            f"(target p95 ≤ 50 ms: {mark})"
        )


if __name__ == "__main__":
    main()
