from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from txng.accounts.principal import OPERATOR
from txng.core.management.base import OperatorCommand
from txng.registry.selectors import organization_get
from txng.registry.services import product_create


class Command(OperatorCommand):
    help = "Manage products: `product create` registers one, approved and published; prints its GTIN-14."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="register a product (approved and published)")
        create.add_argument("--organization", required=True, help="the owner's tax code (MST)")
        create.add_argument("--gtin", required=True, help="GTIN-8/12/13/14; stored as GTIN-14")
        create.add_argument("--name", required=True)
        create.add_argument("--brand", default="")
        create.add_argument("--shelf-life-days", default="")
        create.add_argument("--product-group", default="", help="product group code")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] != "create":
            raise CommandError("unknown action")
        organization = organization_get(principal=OPERATOR, tax_code=options["organization"].strip())
        profile = {
            key: options[key] for key in ("brand", "shelf_life_days", "product_group") if options[key] not in ("", None)
        }
        # product_create goes through products_import, the one path that creates products.
        product = product_create(
            actor=OPERATOR,
            organization=organization,
            gtin=options["gtin"],
            name=options["name"],
            publish=True,
            **profile,
        )
        self.stdout.write(product.gtin)
