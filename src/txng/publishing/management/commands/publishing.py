"""`txng publishing …`: destinations, the outbox worker, dead-letter requeue and hub source nodes."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from txng.accounts.principal import OPERATOR
from txng.core.management.base import OperatorCommand
from txng.publishing.models import Destination
from txng.publishing.selectors import destinations_status
from txng.publishing.services import destination_add, outbox_requeue, source_node_add
from txng.publishing.worker import outbox_push


class Command(OperatorCommand):
    help = (
        "Publishing: `destination add --name --url [--token]` / `destination list`; `push [--once]` runs the "
        "outbox worker; `requeue --destination NAME` retries dead letters; `status`; `node add` (hub mode)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        destination = sub.add_parser("destination", help="destinations that published data is pushed to")
        destination_sub = destination.add_subparsers(dest="destination_action", required=True)
        add = destination_sub.add_parser("add", help="add an EPCIS 2.0 capture destination")
        add.add_argument("--name", required=True)
        add.add_argument("--url", required=True, help="EPCIS 2.0 REST base, e.g. https://hub.example.vn/epcis")
        add.add_argument("--token", default="", help="bearer token the destination gave this node")
        destination_sub.add_parser("list", help="list destinations (tokens are never shown)")
        push = sub.add_parser("push", help="push due outbox items (loops unless --once)")
        push.add_argument("--once", action="store_true", help="one pass, then exit")
        push.add_argument("--interval", type=float, default=2.0, help="seconds to sleep when nothing moved")
        push.add_argument("--batch", type=int, default=None, help="items per request (default 500)")
        push.add_argument("--concurrency", type=int, default=1, help="requests in flight per destination")
        requeue = sub.add_parser("requeue", help="queue a destination's dead letters again")
        requeue.add_argument("--destination", required=True, help="destination name")
        sub.add_parser("status", help="lag and failures per destination")
        node = sub.add_parser("node", help="hub mode: source nodes that push here")
        node_sub = node.add_subparsers(dest="node_action", required=True)
        node_add = node_sub.add_parser("add", help="register a node; prints its API token as the last line")
        node_add.add_argument("--code", required=True, help="short code, e.g. can-tho")
        node_add.add_argument("--name", required=True)
        node_add.add_argument("--tax-code", required=True, help="tax code (MST) of the node's operator")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "destination" and options["destination_action"] == "add":
            created = destination_add(actor=OPERATOR, name=options["name"], url=options["url"], token=options["token"])
            self.stdout.write(f"destination {created.name} → {created.url}")
        elif action == "destination":
            for row in Destination.objects.order_by("name"):
                state = "active" if row.is_active else "inactive"
                self.stdout.write(f"{row.name}\t{row.url}\t{state}\ttoken {'set' if row.token_encrypted else 'none'}")
        elif action == "push":
            self._push(
                once=options["once"], interval=options["interval"], batch=options["batch"],
                concurrency=options["concurrency"],
            )  # fmt: skip
        elif action == "requeue":
            found = Destination.objects.filter(name=options["destination"]).first()
            if found is None:
                raise CommandError(f"No destination named {options['destination']}.")
            self.stdout.write(f"requeued {outbox_requeue(actor=OPERATOR, destination=found)}")
        elif action == "status":
            for status in destinations_status(principal=OPERATOR):
                self.stdout.write(
                    f"{status.destination.name}\tpending {status.pending}\tlag {status.lag_seconds:.0f} s\t"
                    f"failing {status.failing}\tdead {status.dead}\tdelivered/h {status.delivered_last_hour}"
                )
        else:
            node, token = source_node_add(
                actor=OPERATOR, code=options["code"], name=options["name"], tax_code=options["tax_code"]
            )
            self.stderr.write(f"Source node {node.code}; its token is shown only once:")
            self.stdout.write(token)

    def _push(self, *, once: bool, interval: float, batch: int | None, concurrency: int) -> None:
        while True:
            report = outbox_push(batch=batch, concurrency=concurrency)
            if report.claimed or once:
                self.stdout.write(
                    f"claimed {report.claimed}, delivered {report.delivered}, "
                    f"retry later {report.retried}, dead {report.dead}"
                )
                self.stdout.flush()
            for error in report.errors:
                self.stderr.write(error)
            if once:
                return
            if not report.delivered:
                time.sleep(interval)
