from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from txng.core.management.base import OperatorCommand
from txng.registry.services import administrative_units_import


class Command(OperatorCommand):
    help = "Load wards/communes from a CSV with columns code,name,type[,formed_from,former_district,former_province]."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        count = administrative_units_import(path=path)
        self.stdout.write(f"{count} administrative units loaded.")
