"""Stamp codes: derive 1,000,000 serials (target ≤ 5 s) and draw a PDF of 10,000 labels (target ≤ 60 s).

Prints serials/s and pages/s. Run: `.venv/bin/python bench/codes.py [SERIALS] [LABELS]`.
"""

from __future__ import annotations

import io
import os
import sys
import time

from _django import setup


def main() -> None:
    serial_count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    label_count = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    vendor = setup()
    from txng.accounts.principal import OPERATOR
    from txng.codes.labels import LabelLayout, stamp_batch_pdf
    from txng.codes.serials import MAX_BATCH_SIZE, serials_for
    from txng.codes.services import stamp_batch_issue
    from txng.core.demo import demo_gtin, demo_tax_code
    from txng.registry.services import organization_create, product_create

    secret = os.urandom(32)
    started = time.perf_counter()
    derived = 0
    batch_id = 1
    while derived < serial_count:
        size = min(MAX_BATCH_SIZE, serial_count - derived)
        derived += len(serials_for(secret, batch_id, 0, size))
        batch_id += 1
    elapsed = time.perf_counter() - started
    print(f"serials: {derived:,} derived in {elapsed:.2f} s ({derived / elapsed:,.0f}/s)")

    organization = organization_create(
        actor=OPERATOR, tax_code=demo_tax_code("bench-codes"), name="HTX Bench", approve=True
    )
    product = product_create(
        actor=OPERATOR,
        organization=organization,
        gtin=demo_gtin("893123", 1),
        name="Bưởi Năm Roi túi 2 kg",
        publish=True,
    )
    batch = stamp_batch_issue(actor=OPERATOR, product=product, count=label_count, lot="L2026", activate=True)
    layout = LabelLayout()
    output = io.BytesIO()
    started = time.perf_counter()
    pages = stamp_batch_pdf(batch, output, layout=layout, base="https://txng.cantho.gov.vn")
    elapsed = time.perf_counter() - started
    print(
        f"labels ({vendor}): {label_count:,} labels, {pages:,} pages of {layout.per_page} in {elapsed:.2f} s "
        f"({pages / elapsed:,.1f} pages/s, {label_count / elapsed:,.0f} labels/s), "
        f"{len(output.getvalue()) / 1e6:.1f} MB"
    )


if __name__ == "__main__":
    main()
