"""Business portal: server time and query count of every page for one co-op in a city-sized database.

Data (bulk-inserted): 200 organizations with 10,000 products and 1,000,000 EPCIS events in all; the
measured co-op holds 500 products, 50 facilities, 100,000 of the events, 20,000 lots with their activities
and lineage edges, 500 shipments addressed to it by others (half already confirmed), 200 stamp batches and
20,000 scans. Pages are fetched in-process with the Django test client as the co-op's owner (server time,
no network); p50/p95 and the query count are printed per page. Target: every page ≤ 150 ms.

Run: `.venv/bin/python bench/portal.py [--scale 1.0] [--runs 30]` (TXNG_DATABASE_URL for PostgreSQL).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import statistics
import time
from decimal import Decimal
from typing import Any

from _django import setup

ORGANIZATIONS = 200
PRODUCTS = 10_000
EVENTS = 1_000_000
OWN_SHARE = 10  # the measured co-op records one event in ten
BATCH = 10_000
TARGET_MS = 150


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[max(int(len(ordered) * 0.95) - 1, 0)] * 1000


def _gln(number: int) -> str:
    from txng.gs1.checkdigit import gs1_check_digit

    body = f"893456{number:06d}"
    return body + gs1_check_digit(body)


def _gtin(number: int) -> str:
    from txng.gs1.checkdigit import gs1_check_digit

    body = f"0893000{number:06d}"
    return body + gs1_check_digit(body)


def generate(scale: float) -> dict[str, object]:
    from django.db import transaction
    from django.utils import timezone

    from txng.accounts.models import OrganizationMembership, User
    from txng.codes.models import StampBatch
    from txng.epcis.models import Event, EventBizTransaction, EventParty
    from txng.lineage.models import Lot, LotActivity, LotEdge
    from txng.registry.models import Facility, Organization, Product
    from txng.resolver.models import Scan
    from txng.review.models import ProfileRevision

    events_total = int(EVENTS * scale)
    products_total = max(int(PRODUCTS * scale), ORGANIZATIONS)
    now = timezone.now()
    organizations = Organization.objects.bulk_create(
        [
            Organization(
                name=f"HTX {n}", tax_code=f"18{n:08d}", gln=_gln(n), is_published=True, review_status="published"
            )
            for n in range(ORGANIZATIONS)
        ]
    )
    coop = organizations[0]
    user = User.objects.create_user(username="coop", password="bench-password-1")
    OrganizationMembership.objects.create(user=user, organization=coop, role="owner")
    facilities = Facility.objects.bulk_create(
        [Facility(organization=coop, kind="growing_area", name=f"Vùng {n}", gln=_gln(10_000 + n)) for n in range(50)]
    )
    own_products = products_total // 20
    Product.objects.bulk_create(
        [
            Product(
                organization=coop if n < own_products else organizations[1 + n % (ORGANIZATIONS - 1)],
                gtin=_gtin(n),
                name=f"Gạo {n}",
                is_published=True,
                review_status="published",
            )
            for n in range(products_total)
        ],
        batch_size=BATCH,
    )
    products = list(Product.objects.filter(organization=coop).order_by("pk")[:own_products])
    ProfileRevision.objects.bulk_create(
        [
            ProfileRevision(subject="product", organization=coop, product=p, number=1, data={"name": p.name})
            for p in products
        ],
        batch_size=BATCH,
    )
    places = [f"https://id.gs1.org/414/{facility.gln}" for facility in facilities]
    counter = 0
    lot_count = 0
    lot_target = max(int(20_000 * scale), 100)
    for first in range(0, events_total, BATCH):
        events: list[Event] = []
        for number in range(first, min(events_total, first + BATCH)):
            counter += 1
            owner = coop if number % OWN_SHARE == 0 else organizations[1 + number % (ORGANIZATIONS - 1)]
            moment = now - datetime.timedelta(minutes=events_total - number)
            events.append(
                Event(
                    organization_id=owner.pk,
                    event_id=f"urn:uuid:bench-{counter}",
                    event_hash=f"ni:///sha-256;bench-{counter}",
                    event_type="ObjectEvent",
                    event_time=moment,
                    event_time_zone_offset="+07:00",
                    record_time=moment,
                    action="ADD",
                    biz_step="https://ns.opentxng.vn/epcis/BizStep-harvesting",
                    # The co-op's events spread over its 50 growing areas (2,000 each at scale 1).
                    biz_location=places[(number // OWN_SHARE) % len(places)] if owner is coop else "",
                    document={"type": "ObjectEvent", "action": "ADD"},
                )
            )
        with transaction.atomic():
            Event.objects.bulk_create(events, batch_size=BATCH)
            own = [e for e in events if e.organization_id == coop.pk]
            lots = []
            for event in own[: max(lot_target - lot_count, 0)]:
                product = products[lot_count % len(products)]
                lots.append(
                    Lot(
                        organization_id=coop.pk,
                        identifier=f"https://id.gs1.org/01/{product.gtin}/10/L{lot_count}",
                        gtin=product.gtin,
                        lot=f"L{lot_count}",
                        first_seen=event.event_time,
                        last_seen=event.event_time,
                        produced_quantity=Decimal(1000),
                        produced_uom="KGM",
                    )
                )
                lot_count += 1
            Lot.objects.bulk_create(lots, batch_size=BATCH)
            LotActivity.objects.bulk_create(
                [
                    LotActivity(
                        organization_id=coop.pk,
                        lot=lot,
                        event=event,
                        event_time=event.event_time,
                        kind="produced",
                        biz_step=event.biz_step,
                        location=event.biz_location,
                        quantity=Decimal(1000),
                        uom="KGM",
                    )
                    for lot, event in zip(lots, own, strict=False)
                ],
                batch_size=BATCH,
            )
            LotEdge.objects.bulk_create(
                [
                    LotEdge(
                        organization_id=coop.pk,
                        from_lot=lots[n - 1],
                        to_lot=lots[n],
                        from_organization_id=coop.pk,
                        to_organization_id=coop.pk,
                        event=own[n],
                        event_time=own[n].event_time,
                        kind="transformation",
                    )
                    for n in range(1, len(lots), 2)
                ],
                batch_size=BATCH,
            )
    # Shipments from others addressed to the co-op; every second one already confirmed by a receipt.
    shipping = list(Event.objects.exclude(organization=coop).order_by("-pk")[:500])
    EventParty.objects.bulk_create(
        [
            EventParty(
                event=event,
                organization_id=event.organization_id,
                direction="destination",
                type="owning_party",
                value=f"https://id.gs1.org/417/{coop.gln}",
                gln=coop.gln,
            )
            for event in shipping
        ]
    )
    receipts = list(Event.objects.filter(organization=coop).order_by("pk")[: len(shipping) // 2])
    EventBizTransaction.objects.bulk_create(
        [
            EventBizTransaction(event=receipt, organization_id=coop.pk, type="desadv", value=shipped.event_id)
            for receipt, shipped in zip(receipts, shipping, strict=False)
        ]
    )
    batches = StampBatch.objects.bulk_create(
        [
            StampBatch(organization=coop, product=products[n % len(products)], count=1000, secret_encrypted="x")
            for n in range(200)
        ]
    )
    Scan.objects.bulk_create(
        [
            Scan(
                organization_id=coop.pk,
                gtin=batches[n % 200].product.gtin,
                batch=batches[n % 200],
                stamp_index=n % 1000,
                verdict="genuine",
                scanned_at=now - datetime.timedelta(minutes=n),
                latitude=Decimal("10.03"),
                longitude=Decimal("105.78"),
            )
            for n in range(max(int(20_000 * scale), 200))
        ],
        batch_size=BATCH,
    )
    sample = Lot.objects.filter(organization_id=coop.pk).order_by("pk")[lot_count // 2]
    return {"lot": sample}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--slowest", type=int, default=0, help="print each page's N slowest queries")
    args = parser.parse_args()
    vendor = setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from txng.epcis.models import Event
    from txng.lineage.models import Lot
    from txng.registry.models import Product

    setup_test_environment()
    from django.conf import settings

    # Pages are rendered without collectstatic (as in the tests); the manifest storage would refuse.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    started = time.perf_counter()
    data = generate(args.scale)
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"{vendor}: {Product.objects.count():,} products, {Event.objects.count():,} events, "
        f"{Lot.objects.count():,} lots, generated in {time.perf_counter() - started:.0f} s"
    )
    lot = data["lot"]
    assert isinstance(lot, Lot)
    # A server worker does not hold the generator's millions of objects: collect them, and keep what is
    # left out of the collector's way, so its pauses are a server's, not this script's.
    gc.collect()
    gc.freeze()
    client = Client()
    client.cookies["django_language"] = "vi"
    assert client.login(username="coop", password="bench-password-1")
    pages = {
        "home": "/portal/",
        "diary": "/portal/diary/",
        "organization": "/portal/organization/",
        "facilities": "/portal/facilities/",
        "products": "/portal/products/",
        "review": "/portal/review/",
        "lot": f"/portal/lots/{lot.gtin}/{lot.lot}/",
        "incoming": "/portal/incoming/",
        "stamps": "/portal/stamps/",
        "import": "/portal/import/",
        "tokens": "/portal/tokens/",
        "push": "/portal/push/",
    }
    worst = 0.0
    for name, path in pages.items():
        client.get(path)  # warm caches, as a second visit would
        samples = []
        queries: list[str] = []

        # Counted with a wrapper: request_started resets Django's own query log mid-request.
        timings: list[tuple[float, str]] = []

        def counted(
            execute: Any, sql: str, *rest: Any, queries: list[str] = queries, timings: list[Any] = timings
        ) -> Any:
            queries.append(sql)
            begin = time.perf_counter()
            try:
                return execute(sql, *rest)
            finally:
                timings.append((time.perf_counter() - begin, sql))

        with connection.execute_wrapper(counted):
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        for _ in range(args.runs):
            begin = time.perf_counter()
            client.get(path)
            samples.append(time.perf_counter() - begin)
        p50, p95 = _ms(samples)
        worst = max(worst, p95)
        for seconds, sql in sorted(timings, reverse=True)[: args.slowest]:
            print(f"    {seconds * 1000:7.2f} ms  {sql[:300]}")
        print(f"{name:12s} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   {len(queries):3d} queries")
    verdict = "OK" if worst <= TARGET_MS else "SLOW"
    print(f"worst p95 {worst:.1f} ms (target ≤ {TARGET_MS} ms): {verdict}")


if __name__ == "__main__":
    main()
