"""The MQTT listener: receive device payloads (QoS 1), verify, buffer, store in batches, then acknowledge.

At-least-once end to end: the worker's session is persistent (fixed client id, clean start off, a long
session expiry), so the broker queues while the worker is down; a message is acknowledged only after
the flush holding it has committed (manual PUBACK), so a crash before commit means redelivery, and
redelivery is harmless because storage is idempotent (`ingest.readings_store`).

paho's network thread only queues messages; all database work happens in the thread calling `run`.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import paho.mqtt.client as mqtt
from django.db import close_old_connections, connection
from django.utils import timezone
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from txng.iot.ingest import CaptureFailed, StoreResult, readings_store
from txng.iot.models import Device
from txng.iot.protocol import SUBSCRIPTION, ParsedReading, Rejected, envelope_decode, is_signed, payload_parse
from txng.iot.protocol import signing_key as key_of
from txng.iot.services import rejections_count

logger = logging.getLogger(__name__)

CLIENT_ID = "txng-iot-listener"
# A week: the broker keeps the worker's queue across restarts and deploys, not forever.
SESSION_EXPIRY_SECONDS = 7 * 24 * 3600
# MQTT 5 Receive Maximum: how many unacknowledged QoS 1 messages the broker may send us. We hold
# acknowledgements until a flush commits, so this must cover a whole flush.
RECEIVE_MAXIMUM = 10_000
_DEVICE_CACHE_SECONDS = 30.0


@dataclass
class ListenerStats:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    events: int = 0
    alerts: int = 0
    flushes: int = 0
    errors: int = 0
    lags: list[float] = field(default_factory=list)


@dataclass
class _Buffer:
    readings: dict[int, tuple[Device, list[ParsedReading]]] = field(default_factory=dict)
    count: int = 0
    mids: list[int] = field(default_factory=list)
    rejections: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    opened_at: float = 0.0


class Listener:
    """`txng iot listen`: one persistent MQTT session, batched flushes into the event store."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 1883,
        client_id: str = CLIENT_ID,
        flush_readings: int = 5000,
        flush_seconds: float = 0.5,
        on_flush: Callable[[StoreResult, list[ParsedReading]], None] | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.flush_readings, self.flush_seconds = flush_readings, flush_seconds
        self.on_flush = on_flush
        self.stats = ListenerStats()
        self.connected = threading.Event()
        self._inbox: queue.SimpleQueue[mqtt.MQTTMessage] = queue.SimpleQueue()
        self._devices: dict[str, tuple[float, Device | None]] = {}
        self._buffer = _Buffer()
        self._stop = threading.Event()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5, manual_ack=True
        )
        self.client.reconnect_delay_set(min_delay=1, max_delay=5)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe

    # paho's network thread -------------------------------------------------------------------------
    def _on_connect(self, client: mqtt.Client, userdata: object, flags: object, reason: object, props: object) -> None:
        client.subscribe(SUBSCRIPTION, qos=1)
        logger.info("connected to %s:%s (%s)", self.host, self.port, reason)

    def _on_subscribe(self, client: mqtt.Client, *args: object) -> None:
        # Ready once the broker has the subscription: a reading published before that would not reach us.
        self.connected.set()

    def _on_disconnect(self, client: mqtt.Client, *args: object) -> None:
        self.connected.clear()
        logger.warning("disconnected from %s:%s", self.host, self.port)

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        self._inbox.put(message)

    # the worker's thread ---------------------------------------------------------------------------
    def start(self) -> None:
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = SESSION_EXPIRY_SECONDS
        properties.ReceiveMaximum = RECEIVE_MAXIMUM
        self.client.connect(self.host, self.port, keepalive=30, clean_start=False, properties=properties)
        self.client.loop_start()

    def request_stop(self) -> None:
        """Ask `run` (in another thread, or from a signal handler) to finish after the current pump."""
        self._stop.set()

    def stop(self) -> None:
        """Flush what is buffered, acknowledge it, and leave the session for the broker to keep."""
        self._stop.set()
        self.pump(0)
        self.flush()
        self.client.disconnect()
        self.client.loop_stop()

    def run(self) -> None:
        """Until `stop` (another thread) or Ctrl-C."""
        self.start()
        try:
            while not self._stop.is_set():
                self.pump(0.2)
        finally:
            self.stop()

    def pump(self, timeout: float) -> None:
        """Take what arrived within `timeout` seconds; flush when the buffer is full or old enough."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                message = self._inbox.get(timeout=remaining) if remaining > 0 else self._inbox.get_nowait()
            except queue.Empty:
                break
            self._take(message)
            if self._buffer.count >= self.flush_readings:
                self.flush()
        if self._buffer.mids and time.monotonic() - self._buffer.opened_at >= self.flush_seconds:
            self.flush()

    def _device(self, code: str) -> Device | None:
        now = time.monotonic()
        cached = self._devices.get(code)
        if cached is None or now - cached[0] > _DEVICE_CACHE_SECONDS:
            device = Device.objects.select_related("organization").filter(code=code, is_active=True).first()
            cached = (now, device)
            self._devices[code] = cached
        return cached[1]

    def _take(self, message: mqtt.MQTTMessage) -> None:
        self.stats.received += 1
        buffer = self._buffer
        if not buffer.mids:
            buffer.opened_at = time.monotonic()
        buffer.mids.append(message.mid)
        try:
            envelope = envelope_decode(message.topic, bytes(message.payload))
            device = self._device(envelope.device_code)
            if device is None:
                raise Rejected("unknown-device", "no active device has this code", envelope.device_code)
            if not is_signed(envelope, key_of(device.secret_hash)):
                raise Rejected("bad-signature", "the signature does not match the device's secret", device.code)
            units = {m["type"]: m["uom"] for m in device.measurements}
            try:
                readings = payload_parse(envelope.payload, units, timezone.now())
            except Rejected as rejected:
                rejected.device_code = device.code
                raise
        except Rejected as rejected:
            self.stats.rejected += 1
            key = (rejected.device_code or "?", rejected.reason)
            count, _ = buffer.rejections.get(key, (0, ""))
            buffer.rejections[key] = (count + 1, rejected.detail)
            logger.info("rejected a payload on %s: %s (%s)", message.topic, rejected.reason, rejected.detail)
            return
        buffer.readings.setdefault(device.pk, (device, []))[1].extend(readings)
        buffer.count += len(readings)

    def flush(self) -> None:
        """Store the buffer in one transaction, then acknowledge its messages (never before)."""
        buffer = self._buffer
        if not buffer.mids:
            return
        if not connection.in_atomic_block:  # a test's transaction is not ours to close
            close_old_connections()
        try:
            try:
                result = readings_store(buffer.readings.values())
            except CaptureFailed:
                # Deterministic, so redelivery would fail forever: keep the other devices' readings,
                # count the failing device's as refused, and acknowledge everything.
                logger.exception("a sensor event was refused; storing device by device")
                result = self._store_each(buffer)
            if buffer.rejections:
                rejections_count(buffer.rejections)
        except Exception:
            # Not acknowledged: the broker redelivers after a reconnect. Drop the connection to get it now.
            self.stats.errors += 1
            logger.exception("storing %d readings failed; they will be redelivered", buffer.count)
            self._buffer = _Buffer()
            try:
                self.client.reconnect()
            except OSError:
                logger.warning("reconnecting failed; paho retries")
            return
        for mid in buffer.mids:
            self.client.ack(mid, 1)
        self._buffer = _Buffer()
        self.stats.flushes += 1
        self.stats.stored += result.stored
        self.stats.duplicates += result.duplicates
        self.stats.events += len(result.event_ids)
        self.stats.alerts += result.alerts
        if self.on_flush is not None:
            self.on_flush(result, [r for _, readings in buffer.readings.values() for r in readings])

    def _store_each(self, buffer: _Buffer) -> StoreResult:
        total = StoreResult()
        for device, readings in buffer.readings.values():
            try:
                result = readings_store([(device, readings)])
            except CaptureFailed as error:
                key = (device.code, "store-failed")
                count, _ = buffer.rejections.get(key, (0, ""))
                buffer.rejections[key] = (count + 1, str(error))
                self.stats.rejected += 1
                continue
            total.stored += result.stored
            total.duplicates += result.duplicates
            total.event_ids.extend(result.event_ids)
            total.alerts += result.alerts
        return total

    @property
    def buffered(self) -> int:
        return self._buffer.count
