"""Bulk import of 100,000 products through the service the UI and API use (`products_import`).

Prints products/s. Target: ≥ 2,000/s on SQLite and on PostgreSQL. Run: `make bench`, or
`.venv/bin/python bench/registry.py [COUNT]` (set TXNG_DATABASE_URL for PostgreSQL).
"""

from __future__ import annotations

import sys
import time

from _django import setup


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    vendor = setup()
    from txng.accounts.principal import OPERATOR
    from txng.core.demo import demo_gtin, demo_tax_code
    from txng.registry.models import Product, ProductGroup
    from txng.registry.services import organization_create, products_import

    ProductGroup.objects.create(code="lua-gao", name="Lúa gạo", sector="agriculture")
    organization = organization_create(
        actor=OPERATOR, tax_code=demo_tax_code("bench"), name="Công ty Bench", approve=True
    )
    rows = [
        {
            "gtin": demo_gtin("893123", item),
            "name": f"Gạo thơm ST25 túi {item % 50 + 1} kg — lô {item}",
            "product_group": "lua-gao",
            "brand": "Bench",
            "unit": "túi",
            "net_content": f"{item % 50 + 1} kg",
            "shelf_life_days": "365",
        }
        for item in range(1, count + 1)
    ]
    started = time.perf_counter()
    result = products_import(actor=OPERATOR, organization=organization, rows=rows)
    elapsed = time.perf_counter() - started
    assert result.ok, result.errors[:3]
    assert Product.objects.count() == count
    print(
        f"registry import [{vendor}]: {count:,} products in {elapsed:.1f} s = {count / elapsed:,.0f} products/s "
        f"(target ≥ 2,000/s)"
    )


if __name__ == "__main__":
    main()
