"""`txng deliver-subscriptions`: one delivery pass over every webhook subscription (run it from cron or a loop)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from txng.epcis.queries import subscriptions_deliver


class Command(BaseCommand):
    help = "Send new matching events (and due schedules) to webhook subscriptions; retry failed deliveries."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=float, default=0, metavar="SECONDS", help="repeat every SECONDS")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            report = subscriptions_deliver()
            self.stdout.write(
                f"queued {report.queued}, delivered {report.delivered}, failed {report.failed}, dead {report.dead}"
            )
            for error in report.errors:
                self.stderr.write(error)
            if not options["loop"]:
                return
            time.sleep(options["loop"])
