"""`txng ledger integrate|checkpoint|verify|run|key`: operate the transparency ledger."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError

from txng.core.management.base import OperatorCommand
from txng.ledger.services import ledger_checkpoint_issue, ledger_integrate, ledger_run
from txng.ledger.signing import log_signer
from txng.ledger.verification import ledger_verify


class Command(OperatorCommand):
    help = (
        "Transparency ledger: `integrate` pending leaves; `checkpoint` integrates and signs one; `verify` "
        "recomputes the log from the database and checks every checkpoint (exit 1 naming the first bad leaf); "
        "`run --interval S` issues checkpoints on a schedule; `key` prints the public verifier key."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["integrate", "checkpoint", "verify", "run", "key"])
        parser.add_argument("--interval", type=float, default=None, help="seconds between checkpoints (run)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "integrate":
            self.stdout.write(f"integrated {ledger_integrate()} leaves")
        elif action == "checkpoint":
            self.stdout.write(ledger_checkpoint_issue().note, ending="")
        elif action == "key":
            self.stdout.write(log_signer().verifier_key)
        elif action == "run":
            ledger_run(interval=options["interval"] or settings.LEDGER_CHECKPOINT_INTERVAL)
        else:
            report = ledger_verify()
            if not report.is_valid:
                for problem in report.problems:
                    self.stderr.write(problem)
                raise CommandError(f"ledger verification FAILED: {report.problems[0]}")
            self.stdout.write(
                f"ledger verified: {report.tree_size} leaves, {report.checkpoints} checkpoints match the database"
            )
