"""Base for operator commands: domain errors become a clear message and a non-zero exit."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from txng.core.errors import ServiceError


class OperatorCommand(BaseCommand):
    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            return super().execute(*args, **options)
        except ServiceError as error:
            where = f" ({error.field})" if error.field else ""
            raise CommandError(
                f"{error.message}{where} [{error.code}]", returncode=2 if error.status == 409 else 1
            ) from error
