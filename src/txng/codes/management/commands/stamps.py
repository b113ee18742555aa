from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError

from txng.accounts.principal import OPERATOR
from txng.codes import services
from txng.codes.labels import LabelLayout, stamp_batch_pdf, stamp_batch_write_csv
from txng.codes.selectors import stamp_batch_get, stamp_batch_stamps
from txng.core.management.base import OperatorCommand
from txng.registry.selectors import product_get
from txng.registry.validators import validate_gtin


class Command(OperatorCommand):
    help = (
        "Stamp batches. `stamps issue --gtin G --count N [--lot L]` creates and activates a batch and prints one "
        "Digital Link URI per line, its PIN after a tab."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue", help="create and activate a batch; print URI<TAB>PIN per stamp")
        issue.add_argument("--gtin", required=True)
        issue.add_argument("--count", required=True, type=int)
        issue.add_argument("--lot", default="")
        issue.add_argument("--inactive", action="store_true", help="leave the batch issued but not activated")
        for name, text in (
            ("activate", "activate a batch"),
            ("suspend", "suspend a batch"),
            ("void", "void a batch"),
        ):
            sub.add_parser(name, help=text).add_argument("--batch", required=True, type=int)
        bind = sub.add_parser("bind-lot", help="bind a batch to a lot (at packing)")
        bind.add_argument("--batch", required=True, type=int)
        bind.add_argument("--lot", required=True)
        export = sub.add_parser("csv", help="write a batch's stamps as CSV (with PINs) to stdout")
        export.add_argument("--batch", required=True, type=int)
        pdf = sub.add_parser("pdf", help="write a print-ready PDF of a batch's labels")
        pdf.add_argument("--batch", required=True, type=int)
        pdf.add_argument("--output", required=True)
        pdf.add_argument("--label-width", type=float, default=40.0, help="mm")
        pdf.add_argument("--label-height", type=float, default=25.0, help="mm")
        pdf.add_argument("--error-correction", choices=["l", "m", "q", "h"], default="m")
        pdf.add_argument("--with-pin", action="store_true")
        pdf.add_argument("--logo", help="PNG or JPEG printed on every label (default: the product image)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "issue":
            product = product_get(principal=OPERATOR, gtin=validate_gtin(options["gtin"]))
            batch = services.stamp_batch_issue(
                actor=OPERATOR,
                product=product,
                count=options["count"],
                lot=options["lot"],
                activate=not options["inactive"],
            )
            base = settings.DIGITAL_LINK_BASE
            lines = (f"{stamp.digital_link(base)}\t{stamp.pin}\n" for stamp in stamp_batch_stamps(batch))
            self.stdout.write("".join(lines), ending="")
            self.stderr.write(f"batch {batch.pk}: {batch.count} stamps, {batch.get_status_display()}")
            return
        batch = stamp_batch_get(principal=OPERATOR, batch_id=options["batch"])
        if action in ("activate", "suspend", "void"):
            batch = getattr(services, f"stamp_batch_{action}")(actor=OPERATOR, batch=batch)
            self.stdout.write(f"{batch.pk}\t{batch.status}")
        elif action == "bind-lot":
            batch = services.stamp_batch_bind_lot(actor=OPERATOR, batch=batch, lot=options["lot"])
            self.stdout.write(f"{batch.pk}\t{batch.lot}")
        elif action == "csv":
            stamp_batch_write_csv(batch, sys.stdout)
        elif action == "pdf":
            layout = LabelLayout(
                label_width=options["label_width"],
                label_height=options["label_height"],
                error_correction=options["error_correction"],
                with_pin=options["with_pin"],
            )
            with open(options["output"], "wb") as output:
                try:
                    pages = stamp_batch_pdf(batch, output, layout=layout, logo=options["logo"])
                except ValueError as error:
                    raise CommandError(str(error)) from None
            self.stdout.write(f"{options['output']}\t{pages} pages")
        else:
            raise CommandError("unknown action")
