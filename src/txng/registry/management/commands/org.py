from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from txng.accounts.principal import OPERATOR
from txng.core.management.base import OperatorCommand
from txng.registry.models import Organization
from txng.registry.services import organization_create


class Command(OperatorCommand):
    help = "Manage organizations: `org create` registers one, approved and published (an officer onboarding it)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="register an organization")
        create.add_argument("--tax-code", required=True, help="tax code (MST), 10 digits with check digit")
        create.add_argument("--name", required=True, help="legal name")
        create.add_argument("--kind", default=Organization.Kind.ENTERPRISE, choices=Organization.Kind.values)
        create.add_argument("--address", default="")
        create.add_argument("--unit", default="", help="ward/commune code")
        create.add_argument("--sector", action="append", default=[], help="sector (repeatable)")
        create.add_argument("--draft", action="store_true", help="leave it as a draft instead of publishing")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] != "create":
            raise CommandError("unknown action")
        organization = organization_create(
            actor=OPERATOR,
            tax_code=options["tax_code"],
            name=options["name"],
            kind=options["kind"],
            address=options["address"],
            administrative_unit_id=options["unit"] or None,
            sectors=options["sector"],
            approve=not options["draft"],
        )
        self.stdout.write(f"{organization.tax_code}\t{organization.name}\t{organization.get_review_status_display()}")
