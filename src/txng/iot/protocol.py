"""The device wire format: topics, signed JSON envelopes, readings; and CSV files of data loggers.

A device publishes to ``txng/v1/devices/<code>/readings`` (QoS 1) an envelope

    {"device": "<code>", "payload": "<JSON text>", "sig": "<hex HMAC-SHA256 of the payload text>"}

whose payload text is one reading ``{"time", "type", "value", "unit", "seq"?}`` or a batch
``{"readings": [reading, …]}``. The HMAC key is SHA-256 of the device secret (32 bytes), so the
secret itself never travels and the broker (anonymous on the loopback) learns nothing that signs.
Signing the payload *text* rather than re-serialised JSON keeps the rule language-neutral for
device firmware.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import orjson

from txng.epcis import vocabulary as voc

TOPIC_PREFIX: Final = "txng/v1/devices/"
TOPIC_SUFFIX: Final = "/readings"
SUBSCRIPTION: Final = f"{TOPIC_PREFIX}+{TOPIC_SUFFIX}"
MAX_PAYLOAD_BYTES: Final = 256 * 1024
MAX_READINGS: Final = 2000
# Clocks of loggers drift; a reading from further in the future than this is a wrong clock.
FUTURE_SLACK: Final = timedelta(minutes=10)


class Rejected(Exception):
    """A payload refused: `reason` is the stable counter key, `detail` is for the operator."""

    def __init__(self, reason: str, detail: str, device_code: str = "") -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.device_code = device_code


@dataclass(frozen=True, slots=True)
class ParsedReading:
    type: str
    time: datetime
    value: float
    uom: str
    sequence: int | None


@dataclass(frozen=True, slots=True)
class Envelope:
    device_code: str
    payload: bytes
    signature: str


def topic_for(code: str) -> str:
    """The MQTT topic a device publishes its readings to."""
    return f"{TOPIC_PREFIX}{code}{TOPIC_SUFFIX}"


def device_code_of_topic(topic: str) -> str:
    if topic.startswith(TOPIC_PREFIX) and topic.endswith(TOPIC_SUFFIX):
        return topic[len(TOPIC_PREFIX) : -len(TOPIC_SUFFIX)]
    return ""


def signing_key(secret_hash: str) -> bytes:
    """The HMAC key of a device: the SHA-256 of its secret, as bytes."""
    return bytes.fromhex(secret_hash)


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def sign(secret: str, payload: bytes) -> str:
    """What a device puts in "sig" (also used by tests and the benchmark's simulated devices)."""
    return hmac.new(hashlib.sha256(secret.encode()).digest(), payload, hashlib.sha256).hexdigest()


def envelope_encode(code: str, secret: str, payload: dict[str, Any]) -> bytes:
    """A signed envelope for a device's reading or batch."""
    text = orjson.dumps(payload)
    return orjson.dumps({"device": code, "payload": text.decode(), "sig": sign(secret, text)})


def envelope_decode(topic: str, raw: bytes) -> Envelope:
    """Check the envelope's shape and that it names the topic's device; the signature is checked later."""
    topic_code = device_code_of_topic(topic)
    if len(raw) > MAX_PAYLOAD_BYTES:
        raise Rejected("too-large", f"{len(raw)} bytes", topic_code)
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise Rejected("not-json", "the payload is not JSON", topic_code) from None
    if not isinstance(body, dict):
        raise Rejected("bad-envelope", "the payload is not a JSON object", topic_code)
    code, payload, signature = body.get("device"), body.get("payload"), body.get("sig")
    if not isinstance(code, str) or not isinstance(payload, str) or not isinstance(signature, str):
        raise Rejected("bad-envelope", "device, payload and sig must be strings", topic_code)
    if code != topic_code:
        # A device may only publish on its own topic: its topic is what its organization's ACL covers.
        raise Rejected("topic-mismatch", f"device {code[:40]!r} on the topic of {topic_code[:40]!r}", topic_code)
    return Envelope(code, payload.encode(), signature)


def is_signed(envelope: Envelope, key: bytes) -> bool:
    expected = hmac.new(key, envelope.payload, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, envelope.signature)


def _time(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError("time must be an ISO 8601 string")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("time needs a time zone offset")
    return moment.astimezone(UTC)


def reading_parse(item: object, units: dict[str, str], now: datetime) -> ParsedReading:
    """One reading, checked against the device's declared measurement types and units."""
    if not isinstance(item, dict):
        raise ValueError("a reading must be an object")
    kind = item.get("type")
    kind = voc.to_short("measurementType", kind) if isinstance(kind, str) else kind
    if not isinstance(kind, str) or kind not in units:
        raise ValueError(f"measurement type {kind!r} is not declared for this device")
    unit = item.get("unit", item.get("uom"))
    if unit != units[kind]:
        raise ValueError(f"unit {unit!r} is not {units[kind]!r} for {kind}")
    value = item.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError("value must be a finite number")
    moment = _time(item.get("time"))
    if moment > now + FUTURE_SLACK:
        raise ValueError("time is in the future")
    sequence = item.get("seq")
    if sequence is not None and (isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 0):
        raise ValueError("seq must be a non-negative integer")
    return ParsedReading(kind, moment, float(value), unit, sequence)


def payload_parse(payload: bytes, units: dict[str, str], now: datetime) -> list[ParsedReading]:
    """The readings of a verified payload; any bad reading refuses the whole payload (it was signed as one)."""
    try:
        body = orjson.loads(payload)
    except orjson.JSONDecodeError:
        raise Rejected("not-json", "the signed payload is not JSON") from None
    items = body.get("readings") if isinstance(body, dict) and "readings" in body else [body]
    if not isinstance(items, list) or not items:
        raise Rejected("bad-reading", "readings must be a non-empty list")
    if len(items) > MAX_READINGS:
        raise Rejected("too-large", f"{len(items)} readings; at most {MAX_READINGS}")
    try:
        return [reading_parse(item, units, now) for item in items]
    except ValueError as error:
        raise Rejected("bad-reading", str(error)[:300]) from None


def csv_parse(text: str, units: dict[str, str], now: datetime) -> list[ParsedReading]:
    """A logger's trip file: a header row with time, type, value, unit (seq optional), one reading a line."""
    rows = csv.DictReader(io.StringIO(text))
    missing = {"time", "type", "value", "unit"} - set(rows.fieldnames or ())
    if missing:
        raise Rejected("bad-file", f"missing columns: {', '.join(sorted(missing))}")
    readings = []
    for number, row in enumerate(rows, start=2):
        try:
            item: dict[str, Any] = {
                "time": row["time"].strip(),
                "type": row["type"].strip(),
                "unit": row["unit"].strip(),
                "value": float(row["value"].replace(",", ".")),
            }
            if (row.get("seq") or "").strip():
                item["seq"] = int(row["seq"])
            readings.append(reading_parse(item, units, now))
        except (ValueError, AttributeError) as error:
            raise Rejected("bad-file", f"line {number}: {error}"[:300]) from None
    if not readings:
        raise Rejected("bad-file", "the file holds no readings")
    return readings
