"""Agency portal: server time of the dashboards and the review queue, and the annual report's run time.

Data (bulk-inserted): 5,000 organizations in 20 wards and 3 sectors, 50,000 products in 10 groups (4 of
them priority or mandatory), 1,000,000 EPCIS events from 60 % of the organizations over 2025–2026, one lot
node per traced product, 1,000 stamp batches, 100,000 scans, 500 submitted revisions, 200 inspections.
Pages are fetched in-process with the Django test client (server time, no network), as a DOST officer and
as a sector officer; p50/p95 printed. Targets: dashboards and review queue ≤ 300 ms; annual report ≤ 60 s.

Run: `.venv/bin/python bench/agency.py [--scale 1.0] [--runs 20]` (TXNG_DATABASE_URL for PostgreSQL).
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import time

from _django import setup

ORGANIZATIONS = 5_000
PRODUCTS = 50_000
EVENTS = 1_000_000
BATCH = 10_000


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[max(int(len(ordered) * 0.95) - 1, 0)] * 1000


def generate(scale: float) -> None:
    from django.db import transaction
    from django.utils import timezone

    from txng.accounts.models import Agency
    from txng.codes.models import StampBatch
    from txng.epcis.models import Event
    from txng.lineage.models import Lot
    from txng.oversight.models_inspections import Inspection, Violation
    from txng.registry.models import (
        AdministrativeUnit,
        Facility,
        Organization,
        OrganizationSector,
        Product,
        ProductGroup,
        ReviewStatus,
    )
    from txng.resolver.models import Scan
    from txng.review.models import ProfileRevision

    n_orgs = max(int(ORGANIZATIONS * scale), 50)
    n_products = max(int(PRODUCTS * scale), 500)
    n_events = max(int(EVENTS * scale), 10_000)
    city = AdministrativeUnit.objects.create(code="92", name="Thành phố Cần Thơ", kind="province")
    wards = AdministrativeUnit.objects.bulk_create(
        [AdministrativeUnit(code=f"31{n:03d}", name=f"Phường {n}", kind="ward", parent=city) for n in range(20)]
    )
    sectors = ["agriculture", "industry_trade", "health"]
    groups = ProductGroup.objects.bulk_create(
        [
            ProductGroup(
                code=f"group-{n}",
                name=f"Nhóm sản phẩm {n}",
                sector=sectors[n % 3],
                is_priority=n < 3,
                is_mandatory=n == 3,
            )
            for n in range(10)
        ]
    )
    created = timezone.make_aware(datetime.datetime(2024, 6, 1))
    orgs = Organization.objects.bulk_create(
        [
            Organization(
                name=f"HTX Thử nghiệm {n}",
                tax_code=f"18{n:08d}",
                administrative_unit=wards[n % 20],
                is_published=True,
                review_status=ReviewStatus.PUBLISHED,
            )
            for n in range(n_orgs)
        ],
        batch_size=BATCH,
    )
    Organization.objects.update(created_at=created)
    OrganizationSector.objects.bulk_create(
        [OrganizationSector(organization=org, sector=sectors[i % 3]) for i, org in enumerate(orgs)], batch_size=BATCH
    )
    Facility.objects.bulk_create(
        [Facility(organization=org, kind="farm", name=f"Cơ sở {i}") for i, org in enumerate(orgs)], batch_size=BATCH
    )
    products = Product.objects.bulk_create(
        [
            Product(
                organization=orgs[i % n_orgs],
                gtin=f"0893{i:010d}",
                name=f"Sản phẩm {i}",
                product_group=groups[(i % n_orgs) % 10 if (i % n_orgs) % 3 == 0 else i % 10],
                is_published=True,
                review_status=ReviewStatus.PUBLISHED,
            )
            for i in range(n_products)
        ],
        batch_size=BATCH,
    )
    Product.objects.update(created_at=created)
    traced_orgs = orgs[: int(n_orgs * 0.6)]
    start = timezone.make_aware(datetime.datetime(2025, 1, 1))
    minutes = int((timezone.make_aware(datetime.datetime(2026, 11, 1)) - start).total_seconds() // 60)
    for first in range(0, n_events, BATCH):
        with transaction.atomic():
            Event.objects.bulk_create(
                [
                    Event(
                        organization=traced_orgs[k % len(traced_orgs)],
                        event_id=f"urn:uuid:bench-{k}",
                        event_hash=f"ni:///sha-256;bench-{k}",
                        event_type="ObjectEvent",
                        event_time=start + datetime.timedelta(minutes=(k * 7919) % minutes),
                        event_time_zone_offset="+07:00",
                        record_time=start,
                        action="ADD",
                        biz_step="https://ref.gs1.org/cbv/BizStep-harvesting",
                        document={},
                    )
                    for k in range(first, min(first + BATCH, n_events))
                ],
                batch_size=BATCH,
            )
    traced_ids = {org.pk for org in traced_orgs}
    Lot.objects.bulk_create(
        [
            Lot(
                organization_id=p.organization_id,
                identifier=f"https://id.gs1.org/01/{p.gtin}/10/L1",
                gtin=p.gtin,
                lot="L1",
                first_seen=start,
                last_seen=start,
            )
            for p in products
            if p.organization_id in traced_ids
        ],
        batch_size=BATCH,
    )
    batches = StampBatch.objects.bulk_create(
        [
            StampBatch(
                organization_id=products[i].organization_id, product=products[i], count=1000, secret_encrypted="x"
            )
            for i in range(0, n_products, max(n_products // 1000, 1))
        ],
        batch_size=BATCH,
    )
    now = timezone.now()
    Scan.objects.bulk_create(
        [
            Scan(
                organization_id=batches[k % len(batches)].organization_id,
                gtin=batches[k % len(batches)].product.gtin,
                batch=batches[k % len(batches)],
                verdict="genuine",
                scanned_at=now - datetime.timedelta(minutes=(k * 37) % (60 * 24 * 300)),
            )
            for k in range(int(100_000 * max(scale, 0.1)))
        ],
        batch_size=BATCH,
    )
    ProfileRevision.objects.bulk_create(
        [
            ProfileRevision(
                subject="product",
                organization_id=products[i].organization_id,
                product=products[i],
                number=2,
                status=ReviewStatus.SUBMITTED,
                data={"name": f"Sản phẩm {i} mới", "unit": "kg", "net_content": "1 kg", "product_group_id": None},
                submitted_at=now - datetime.timedelta(days=i % 12),
            )
            for i in range(0, min(n_products, 5000), 10)
        ],
        batch_size=BATCH,
    )
    agency = Agency.objects.create(code="so-khcn", name="Sở KH&CN", kind="dost")
    facilities = list(Facility.objects.order_by("pk")[:200])
    inspections = Inspection.objects.bulk_create(
        [
            Inspection(
                agency=agency,
                organization_id=f.organization_id,
                facility=f,
                planned_on=datetime.date(2026, 1 + i % 10, 1),
                inspected_on=datetime.date(2026, 1 + i % 10, 2),
                status="done",
            )
            for i, f in enumerate(facilities)
        ]
    )
    Violation.objects.bulk_create(
        [
            Violation(inspection=i, organization_id=i.organization_id, description="x", legal_basis="y")
            for i in inspections[::4]
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    vendor = setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from txng.accounts.models import User
    from txng.registry.tests.factories import officer
    from txng.reports.annual import annual_report_generate
    from txng.reports.models import AnnualReport

    setup_test_environment()
    from django.conf import settings

    # Pages are rendered without collectstatic (as in the tests); the manifest storage would refuse.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    began = time.perf_counter()
    generate(args.scale)
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"agency bench [{vendor}] scale {args.scale}: data in {time.perf_counter() - began:.0f} s")
    from txng.epcis.models import Event
    from txng.registry.models import Organization, Product

    print(
        f"  {Organization.objects.count():,} organizations, {Product.objects.count():,} products, "
        f"{Event.objects.count():,} events"
    )
    dost = User.objects.get(pk=officer("dost").pk)
    sector = User.objects.get(pk=officer("sector_department", sector="agriculture").pk)
    pages = [
        ("review queue (DOST)", dost, "/agency/review/"),
        ("dashboard (DOST)", dost, "/agency/dashboard/?year=2026"),
        ("dashboard (sector officer)", sector, "/agency/dashboard/?year=2026"),
        ("figure CSV: groups (DOST)", dost, "/agency/dashboard/groups.csv?year=2026"),
        ("businesses (sector officer)", sector, "/agency/businesses/"),
    ]
    worst = 0.0
    for label, user, url in pages:
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == 200  # warm-up
        samples = []
        for _ in range(args.runs):
            started = time.perf_counter()
            response = client.get(url)
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200
        p50, p95 = _ms(samples)
        worst = max(worst, p95)
        print(f"  {label:32s} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   (target ≤ 300 ms)")
    report = AnnualReport.objects.create(year=2026)
    started = time.perf_counter()
    annual_report_generate(report)
    elapsed = time.perf_counter() - started
    print(f"  annual report 2026 (PDF + XLSX)   {elapsed:7.1f} s   (target ≤ 60 s)")
    print(f"  verdict: pages {'OK' if worst <= 300 else 'SLOW'}, report {'OK' if elapsed <= 60 else 'SLOW'}")


if __name__ == "__main__":
    main()
