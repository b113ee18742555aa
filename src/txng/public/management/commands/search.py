from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from txng.core.management.base import OperatorCommand
from txng.public.search import search_index_rebuild


class Command(OperatorCommand):
    help = "The public search index: `search rebuild` builds it again from the published register."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("rebuild", help="drop and rebuild the index of published products and producers")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] != "rebuild":
            raise CommandError("unknown action")
        count = search_index_rebuild()
        self.stdout.write(f"Search index rebuilt: {count} entries.")
