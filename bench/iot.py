"""IoT ingestion: sustained readings/s through MQTT (Mosquitto) into stored EPCIS sensor events, and lag.

Simulated reefer loggers (one shipment rule each, so the rules run too) publish signed batches of
readings at a fixed offered rate, QoS 1, from a separate process; the `txng iot listen` worker
(`Listener`, same code, same flush settings) verifies, dedupes, stores the narrow rows, captures the
EPCIS ObjectEvents with sensorElementList through `events_capture`, then acknowledges.

Figures: readings stored per second over the run (from the first publish to the last commit), and the
end-to-end lag of each reading (commit time − the reading's own time, which the device stamps when it
publishes) at p50/p95. If the worker falls behind, the lag grows and the rate stays below the offer.

By default it uses the machine's broker on 127.0.0.1:1883 with a one-off client id and drops its
session at the end; `--private` starts a mosquitto of its own on a free port instead.

Run: `.venv/bin/python bench/iot.py [--rate 6000] [--seconds 20] [--devices 20] [--batch 50] [--private]`
(TXNG_DATABASE_URL for PostgreSQL).
"""

from __future__ import annotations

import argparse
import getpass
import multiprocessing
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime

from _django import setup


def publish(port: int, devices: list[tuple[str, str]], rate: int, total: int, batch: int) -> None:
    """The devices' side, in its own process: `total` readings at `rate`/s in signed batches, paced every 10 ms."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    from txng.iot.protocol import envelope_encode, topic_for

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-devices-{os.getpid()}")
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    started = time.monotonic()
    sent = 0
    sequence = 0
    turn = 0
    while sent < total:
        due = min(total, int(rate * (time.monotonic() - started)))
        while sent + batch <= due:
            code, secret = devices[turn % len(devices)]
            turn += 1
            now = datetime.now(UTC)
            readings = []
            for k in range(batch):
                # Distinct microseconds per reading, so a batch never repeats a (device, type, time).
                moment = now.replace(microsecond=(now.microsecond // 1000) * 1000 + k)
                value = -14.0 if sequence % 5000 < 3 else -20.0 + (k % 7) * 0.1
                readings.append(
                    {"time": moment.isoformat(), "type": "Temperature", "value": value, "unit": "CEL", "seq": sequence}
                )
                sequence += 1
            client.publish(topic_for(code), envelope_encode(code, secret, {"readings": readings}), qos=1)
            sent += batch
        time.sleep(0.01)
    time.sleep(1)
    client.disconnect()
    client.loop_stop()


def private_broker(directory: str) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    config = os.path.join(directory, "mosquitto.conf")
    with open(config, "w") as handle:
        handle.write(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nuser {getpass.getuser()}\n")
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    process = subprocess.Popen([binary, "-c", config])
    time.sleep(0.5)
    return process, port


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=int, default=6000, help="offered readings per second")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--batch", type=int, default=50, help="readings per MQTT message")
    parser.add_argument("--private", action="store_true", help="start a private mosquitto on a free port")
    args = parser.parse_args()
    vendor = setup()

    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    from txng.accounts.principal import OPERATOR
    from txng.epcis.models import Event
    from txng.gs1.checkdigit import gs1_check_digit
    from txng.iot.ingest import StoreResult
    from txng.iot.protocol import ParsedReading
    from txng.iot.services import device_create, rule_create
    from txng.iot.worker import Listener
    from txng.registry.models import Organization

    organization = Organization.objects.create(name="Công ty Thủy sản Bench", tax_code="1800000001")
    devices = []
    for number in range(args.devices):
        body = f"3893000{number:010d}"
        sscc = body + gs1_check_digit(body)
        device, secret = device_create(actor=OPERATOR, organization=organization, name=f"Reefer {number}", sscc=sscc)
        rule_create(actor=OPERATOR, name="Frozen", sscc=sscc, organization=organization, max_value=-18)
        devices.append((device.code, secret))

    broker = None
    port = 1883
    if args.private:
        broker, port = private_broker(tempfile.mkdtemp(prefix="txng-bench-mqtt-"))
    client_id = f"txng-bench-listener-{os.getpid()}"
    lags: list[float] = []
    stored_at: list[float] = []

    def on_flush(result: StoreResult, readings: list[ParsedReading]) -> None:
        committed = time.time()
        stored_at.append(time.monotonic())
        lags.extend(committed - r.time.timestamp() for r in readings)

    listener = Listener(port=port, client_id=client_id, on_flush=on_flush)
    listener.start()
    listener.connected.wait(5)
    total = int(args.rate * args.seconds) // args.batch * args.batch
    publisher = multiprocessing.Process(target=publish, args=(port, devices, args.rate, total, args.batch), daemon=True)
    started = time.monotonic()
    publisher.start()
    deadline = started + args.seconds + 120
    while listener.stats.stored + listener.stats.duplicates < total and time.monotonic() < deadline:
        listener.pump(0.05)
    listener.stop()
    publisher.join(5)
    finished = stored_at[-1] if stored_at else time.monotonic()
    stats = listener.stats

    # Drop the listener's persistent session, so the machine's broker does not queue for it forever.
    cleanup = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    properties.SessionExpiryInterval = 0
    cleanup.connect("127.0.0.1", port, clean_start=True, properties=properties)
    cleanup.disconnect()
    if broker is not None:
        broker.terminate()
        broker.wait()

    seconds = finished - started
    lags.sort()
    p50 = statistics.median(lags) if lags else float("nan")
    p95 = lags[int(len(lags) * 0.95)] if lags else float("nan")
    print(
        f"iot mqtt ingestion [{vendor}]: {stats.stored:,} of {total:,} readings offered at {args.rate:,}/s "
        f"from {args.devices} devices in {args.batch}-reading messages"
    )
    print(
        f"iot mqtt ingestion [{vendor}]: {stats.stored / seconds:,.0f} readings/s sustained over {seconds:.1f} s "
        f"into {Event.objects.count():,} events ({stats.flushes} flushes, {stats.alerts} alerts, "
        f"{stats.rejected} rejected); end-to-end lag p50 {p50 * 1000:,.0f} ms, p95 {p95 * 1000:,.0f} ms"
    )


if __name__ == "__main__":
    main()
