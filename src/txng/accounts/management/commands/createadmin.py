from __future__ import annotations

import getpass
import os
from argparse import ArgumentParser
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from txng.accounts.principal import OPERATOR
from txng.accounts.services import user_create
from txng.core.management.base import OperatorCommand


class Command(OperatorCommand):
    help = "Create a system administrator (password from --password, TXNG_ADMIN_PASSWORD or a prompt)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"] or os.environ.get("TXNG_ADMIN_PASSWORD")
        if not password:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords differ.")
        try:
            validate_password(password)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        user = user_create(
            actor=OPERATOR, username=options["username"], password=password, email=options["email"], is_superuser=True
        )
        self.stdout.write(f"Administrator {user.username} created.")
