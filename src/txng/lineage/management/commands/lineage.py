"""`txng lineage rebuild`: derive the whole lot graph again from the event store."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from txng.core.management.base import OperatorCommand
from txng.lineage.services import lineage_rebuild


class Command(OperatorCommand):
    help = "Lot lineage: `rebuild` derives lots and edges again from every stored event, in time order."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["rebuild"])
        parser.add_argument("--chunk-size", type=int, default=5000)

    def handle(self, *args: Any, **options: Any) -> None:
        count = lineage_rebuild(chunk_size=options["chunk_size"])
        self.stdout.write(f"lineage rebuilt from {count} events")
