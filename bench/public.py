"""Public portal: search p95 (target ≤ 50 ms) and product pages (target ≥ 500 pages/s from a second process)
at 50,000 published products.

Run: `.venv/bin/python bench/public.py [--products N] [--seconds S] [--connections C]`. Like the resolver
benchmark (bench/codes.py), it serves the project as `make run` does (same web server, same worker settings) on a
fresh TXNG_DATA_DIR (or a scratch PostgreSQL database when TXNG_DATABASE_URL is set), loads the demo data
and N published products with names from the city's real OCOP list through the registry services (so the
search index is kept by the same hooks as in production), then measures:
- search: `search_published` in this process over a mix of accented, unaccented, misspelled, partial and
  code queries (p50/p95), and the same queries as `GET /api/public/search` from a second process;
- product pages: browser-like `GET /san-pham/<gtin>/` from load-generator processes, first of 5,000 random
  products each equally likely (nearly every request renders: the worst case), then with Zipf popularity
  over all products (what the per-process page cache of txng.public.views meets in practice).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import sys
import tempfile
import time
from typing import Any
from urllib.parse import quote

from _django import ROOT
from codes import _drive as drive
from codes import _free_port, _get, _scratch_database, _txng, serving

OCOP_CSV = ROOT.parent / "shared" / "data" / "can-tho-ocop-products.csv"
VARIANTS = [
    "", "túi 500 g", "túi 1 kg", "túi 2 kg", "hộp 250 g", "hộp quà", "chai 500 ml", "chai 1 lít", "loại 1",
    "loại đặc biệt", "thùng 10 kg", "gói 200 g", "hũ 300 g", "xuất khẩu", "hữu cơ", "VietGAP",
]  # fmt: skip
QUERIES = [
    "Bưởi Năm Roi", "buoi nam roi", "buoi nam roj", "gao st25", "gạo thơm", "banh pia", "bánh pía sầu riêng",
    "mat ong", "kho ca loc", "nuoc mam", "tra mang cau", "ruou man", "banh trang", "khom cau duc", "st2",
    "hanh tim vinh chau", "gao thomm", "buoi da xanh", "xoai cat hoa loc", "keo dua",
]  # fmt: skip


def _product_names() -> list[str]:
    with OCOP_CSV.open(encoding="utf-8") as handle:
        return sorted({row["product_name"].strip() for row in csv.DictReader(handle) if row["product_name"].strip()})


def _load(products: int, per_organization: int = 100) -> list[str]:
    """Published producers and products through the registry services; returns the GTINs."""
    from txng.accounts.principal import OPERATOR
    from txng.core.demo import demo_gtin, demo_tax_code
    from txng.registry.models import AdministrativeUnit, ProductGroup
    from txng.registry.services import organization_create, products_import

    rng = random.Random(2026)
    names = _product_names()
    wards = list(AdministrativeUnit.objects.exclude(kind="province").values_list("code", flat=True))
    groups = list(ProductGroup.objects.values_list("code", flat=True))
    gtins: list[str] = []
    for index in range((products + per_organization - 1) // per_organization):
        organization = organization_create(
            actor=OPERATOR,
            tax_code=demo_tax_code(f"public-bench-{index}"),
            name=f"{rng.choice(['HTX', 'Công ty TNHH', 'Hộ kinh doanh', 'Cơ sở'])} {rng.choice(names)} {index}",
            address=f"Số {index}, đường 30/4",
            administrative_unit_id=rng.choice(wards),
            approve=True,
        )
        count = min(per_organization, products - index * per_organization)
        rows = [
            {
                "gtin": demo_gtin(f"89{index + 10000:05d}", item),
                "name": f"{rng.choice(names)} {rng.choice(VARIANTS)}".strip(),
                "product_group": rng.choice(groups),
                "brand": organization.name.split()[-2],
            }
            for item in range(1, count + 1)
        ]
        result = products_import(actor=OPERATOR, organization=organization, rows=rows, publish=True)
        if result.errors:
            raise SystemExit(f"import failed: {result.errors[:3]}")
        gtins += [product.gtin for product in result.created]
    return gtins


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000


def _drive(port: int, paths: list[str], *, processes: int, connections: int, seconds: float) -> dict[str, Any]:
    result = drive(port, paths, processes=processes, connections=connections, seconds=seconds)
    if set(result["statuses"]) != {200}:
        raise SystemExit(f"unexpected statuses {result['statuses']}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", str(os.cpu_count() or 1))))
    options = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="txng-public-bench-")
    env = {**os.environ, "TXNG_DATA_DIR": data_dir}
    vendor = _scratch_database(env, name="public")
    try:
        _txng(env, "migrate", "--noinput", "-v", "0")
        _txng(env, "collectstatic", "--noinput", "-v", "0")
        _txng(env, "demo-data")
        os.environ.update(
            TXNG_DATA_DIR=data_dir,
            DJANGO_SETTINGS_MODULE="txng.settings",
            TXNG_DATABASE_URL=env.get("TXNG_DATABASE_URL", ""),
        )
        if not os.environ["TXNG_DATABASE_URL"]:
            del os.environ["TXNG_DATABASE_URL"]
        import django

        django.setup()
        from txng.public.search import search_published

        started = time.perf_counter()
        gtins = _load(options.products)
        loaded = time.perf_counter() - started
        print(f"loaded {len(gtins):,} published products through the services in {loaded:.1f} s ({vendor})")

        for query in QUERIES:  # warm caches once, as a running server would be
            search_published(query)
        timings: list[float] = []
        misses = [query for query in QUERIES if not search_published(query).hits]
        for _ in range(10):
            for query in QUERIES:
                began = time.perf_counter()
                search_published(query, limit=20)
                timings.append(time.perf_counter() - began)
        print(
            f"search_published ({vendor}, {len(gtins):,} products, {len(timings)} queries): "
            f"p50 {_percentile(timings, 0.5):.1f} ms, p95 {_percentile(timings, 0.95):.1f} ms, "
            f"max {max(timings) * 1000:.1f} ms; queries without a hit: {misses or 'none'}"
        )

        port = _free_port()
        with serving(env, port, workers=options.workers):
            rng = random.Random(7)
            pages = [f"/san-pham/{gtin}/" for gtin in rng.sample(gtins, min(5000, len(gtins)))]
            # Visitors favour popular products: Zipf (s = 1) over every product, in random rank order.
            ranked = rng.sample(gtins, len(gtins))
            weights = [1 / rank for rank in range(1, len(ranked) + 1)]
            popular = [f"/san-pham/{gtin}/" for gtin in rng.choices(ranked, weights=weights, k=20_000)]
            assert _get(port, pages[0])[0] == 200
            searches = [f"/api/public/search?q={quote(query)}" for query in QUERIES]
            http_search = _drive(port, searches, processes=1, connections=1, seconds=min(5.0, options.seconds))
            _drive(port, pages, processes=options.processes, connections=options.connections, seconds=2)  # warm-up
            product_pages = _drive(
                port, pages, processes=options.processes, connections=options.connections, seconds=options.seconds
            )
            popular_pages = _drive(
                port, popular, processes=options.processes, connections=options.connections, seconds=options.seconds
            )
            hello = _drive(
                port, ["/.well-known/txng-hello"], processes=options.processes, connections=options.connections,
                seconds=min(5.0, options.seconds),
            )  # fmt: skip
        print(
            f"search over HTTP ({vendor}, one client in a second process): {http_search['rate']:,.0f} requests/s, "
            f"p50 {http_search['p50']:.1f} ms, p95 {http_search['p95']:.1f} ms"
        )
        print(
            f"product pages ({vendor}, {options.workers} web workers × 2 threads, {options.connections} "
            f"connections from {options.processes} processes, {options.seconds:.0f} s, {len(pages):,} products): "
            f"{product_pages['rate']:,.0f} pages/s, p50 {product_pages['p50']:.1f} ms, "
            f"p95 {product_pages['p95']:.1f} ms, p99 {product_pages['p99']:.1f} ms; "
            f"static hello on the same server {hello['rate']:,.0f}/s (product/hello = "
            f"{product_pages['rate'] / hello['rate']:.2f})"
        )
        print(
            f"product pages, Zipf popularity over all {len(gtins):,} products (same server and clients): "
            f"{popular_pages['rate']:,.0f} pages/s, p50 {popular_pages['p50']:.1f} ms, "
            f"p95 {popular_pages['p95']:.1f} ms, p99 {popular_pages['p99']:.1f} ms"
        )
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
