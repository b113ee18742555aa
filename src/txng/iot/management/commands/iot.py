"""`txng iot device add …` registers a sensor and prints its MQTT credentials once; `txng iot listen` runs
the MQTT ingestion worker."""

from __future__ import annotations

import contextlib
import logging
import signal
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from txng.accounts.principal import OPERATOR
from txng.core.management.base import OperatorCommand
from txng.iot.protocol import topic_for
from txng.iot.services import device_create
from txng.iot.worker import CLIENT_ID, Listener
from txng.registry.models import Organization


def _measurement(text: str) -> dict[str, str]:
    kind, _, uom = text.partition(":")
    if not uom:
        raise CommandError(f"--measure {text!r}: write TYPE:UNIT, e.g. Temperature:CEL")
    return {"type": kind, "uom": uom}


class Command(OperatorCommand):
    help = "IoT devices and the MQTT ingestion worker."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        device = sub.add_parser("device", help="manage devices")
        device_sub = device.add_subparsers(dest="device_action", required=True)
        add = device_sub.add_parser("add", help="register a device and print its one-time secret")
        add.add_argument("--organization", required=True, help="tax code (MST) of the owner")
        add.add_argument("--name", required=True)
        add.add_argument("--gln", default="", help="location GLN of the facility it sits in")
        add.add_argument("--gln-extension", default="")
        add.add_argument("--sscc", default="", help="the logistic unit it travels with")
        add.add_argument("--lot", default="", help="GS1 Digital Link of the lot it watches")
        add.add_argument(
            "--measure",
            action="append",
            type=_measurement,
            help="TYPE:UNIT (CBV measurement type, UN/CEFACT unit), repeatable; default Temperature:CEL",
        )
        listen = sub.add_parser("listen", help="receive device readings from the MQTT broker until stopped")
        listen.add_argument("--host", default="127.0.0.1")
        listen.add_argument("--port", type=int, default=1883)
        listen.add_argument("--client-id", default=CLIENT_ID)
        listen.add_argument("--flush-readings", type=int, default=5000)
        listen.add_argument("--flush-seconds", type=float, default=0.5)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "listen":
            self._listen(options)
            return
        organization = Organization.objects.filter(tax_code=options["organization"]).first()
        if organization is None:
            raise CommandError(f"no organization has tax code {options['organization']!r}")
        device, secret = device_create(
            actor=OPERATOR,
            organization=organization,
            name=options["name"],
            location_gln=options["gln"],
            location_extension=options["gln_extension"],
            sscc=options["sscc"],
            lot_identifier=options["lot"],
            measurements=options["measure"] or [{"type": "Temperature", "uom": "CEL"}],
        )
        self.stdout.write(f"device:        {device.name}")
        self.stdout.write(f"MQTT username: {device.code}")
        self.stdout.write(f"MQTT topic:    {topic_for(device.code)}")
        self.stdout.write(f"secret:        {secret}")
        self.stdout.write("Keep the secret now: it is not stored and cannot be shown again.")

    def _listen(self, options: dict[str, Any]) -> None:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        listener = Listener(
            host=options["host"],
            port=options["port"],
            client_id=options["client_id"],
            flush_readings=options["flush_readings"],
            flush_seconds=options["flush_seconds"],
        )
        # SIGTERM (systemd, docker) stops like Ctrl-C: flush, acknowledge, disconnect.
        signal.signal(signal.SIGTERM, lambda *_: listener.request_stop())
        self.stdout.write(f"listening on {options['host']}:{options['port']} as {options['client_id']}")
        with contextlib.suppress(KeyboardInterrupt):
            listener.run()
        stats = listener.stats
        self.stdout.write(
            f"stored {stats.stored} readings in {stats.events} events; "
            f"{stats.duplicates} duplicates, {stats.rejected} rejected, {stats.alerts} alerts"
        )
