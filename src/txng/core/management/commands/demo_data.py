from __future__ import annotations

from typing import Any

from django.conf import settings

from txng.codes.selectors import stamp_batch_stamps
from txng.core.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo_data
from txng.core.demo_events import load_demo_events
from txng.core.management.base import OperatorCommand


class Command(OperatorCommand):
    help = "Load the Cần Thơ demo data set (idempotent) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = load_demo_data()
        batches = load_demo_events()
        self.stdout.write("Demo data: " + ", ".join(f"{count} {name}" for name, count in counts.items()))
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for username, role in DEMO_LOGINS:
            self.stdout.write(f"  {username:<18} {role}")
        for batch in batches:
            stamp = next(stamp_batch_stamps(batch))
            self.stdout.write(
                f"Scan a demo stamp ({batch.product.name}): {stamp.digital_link(settings.DIGITAL_LINK_BASE)}"
            )
