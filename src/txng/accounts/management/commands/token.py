from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from txng.accounts.models import ApiToken
from txng.accounts.principal import OPERATOR
from txng.accounts.services import api_token_create, api_token_revoke
from txng.core.management.base import OperatorCommand
from txng.registry.models import Organization


class Command(OperatorCommand):
    help = "API tokens of an organization: create (prints the token as the last line), list, revoke."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("--organization", required=True, help="tax code (MST) of the organization")
        create.add_argument("--name", default="")
        listing = sub.add_parser("list")
        listing.add_argument("--organization", required=True)
        revoke = sub.add_parser("revoke")
        revoke.add_argument("prefix", help="the token's prefix as shown by `list`")

    def _organization(self, tax_code: str) -> Organization:
        organization = Organization.objects.filter(tax_code=tax_code.strip()).first()
        if organization is None:
            raise CommandError(f"No organization with tax code {tax_code}.")
        return organization

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            organization = self._organization(options["organization"])
            token, raw = api_token_create(actor=OPERATOR, organization=organization, name=options["name"])
            self.stderr.write(f"Token '{token.name}' for {organization.name}; it is shown only once:")
            self.stdout.write(raw)
        elif action == "list":
            for token in ApiToken.objects.filter(organization=self._organization(options["organization"])):
                state = "revoked" if token.revoked_at else "active"
                self.stdout.write(f"{token.prefix}\t{token.name}\t{state}\t{token.last_used_at or '-'}")
        else:
            tokens = list(ApiToken.objects.filter(prefix=options["prefix"], revoked_at__isnull=True))
            if len(tokens) != 1:
                raise CommandError("No single active token has that prefix.")
            api_token_revoke(actor=OPERATOR, token=tokens[0])
            self.stdout.write("revoked")
