"""IoT fixtures: organizations with devices, and a private Mosquitto broker per test (never the system one)."""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from txng.accounts.principal import OPERATOR
from txng.iot.models import Device
from txng.iot.protocol import envelope_encode, topic_for
from txng.iot.services import device_create
from txng.registry.models import Organization
from txng.registry.tests.factories import OrganizationFactory

SSCC = "389300010000000019"
GLN = "8930001000018"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Broker:
    """A mosquitto process of our own on a free port, with persistence in a temporary directory."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.config = directory / "mosquitto.conf"
        self.config.write_text(
            # `user`: as root, mosquitto would otherwise drop to a user who cannot write our temporary directory.
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence true\nuser {getpass.getuser()}\n"
            f"persistence_location {directory}/\nlog_dest file {directory}/mosquitto.log\nlog_type all\n"
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        # /usr/sbin is not on every user's PATH; Debian installs the broker there.
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.process = subprocess.Popen([binary, "-c", str(self.config)])
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start")

    def stop(self) -> None:
        """SIGTERM: mosquitto writes its persistence file on the way out, as a service restart would."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    found = Broker(tmp_path)
    found.start()
    yield found
    found.stop()


class Sensor:
    """A simulated device: a paho client with its own persistent session, publishing signed payloads."""

    def __init__(self, device: Device, secret: str, port: int) -> None:
        self.device, self.secret = device, secret
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"sensor-{device.code}", clean_session=False)
        self.client.reconnect_delay_set(min_delay=1, max_delay=2)
        connected = threading.Event()
        self.client.on_connect = lambda *args: connected.set()
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        # Publishing before the broker's CONNACK left messages to paho's reconnect queue, which under load
        # delivered them late or out of order (a flaky test): a real logger also waits to be connected.
        assert connected.wait(10), "the sensor did not connect"

    def publish(
        self, payload: dict[str, Any], *, code: str | None = None, topic_code: str | None = None, wait: bool = True
    ) -> None:
        body = envelope_encode(code or self.device.code, self.secret, payload)
        self.publish_to(topic_for(topic_code or self.device.code), body, wait=wait)

    def publish_raw(self, body: bytes) -> None:
        self.publish_to(topic_for(self.device.code), body)

    def publish_to(self, topic: str, body: bytes | str, *, wait: bool = True) -> None:
        """Publish at QoS 1 and, unless the broker is known to be down, wait until it has the message."""
        info = self.client.publish(topic, body, qos=1)
        if wait:
            info.wait_for_publish(10)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def reading(minute: int, value: float, *, seq: int | None = None, day: int = 3) -> dict[str, Any]:
    item: dict[str, Any] = {
        "time": f"2026-11-{day:02d}T{8 + minute // 60:02d}:{minute % 60:02d}:00+07:00",
        "type": "gs1:Temperature",
        "value": value,
        "unit": "CEL",
    }
    if seq is not None:
        item["seq"] = seq
    return item


@pytest.fixture
def organization() -> Organization:
    return OrganizationFactory(name="Công ty Thủy sản Cần Thơ")


@pytest.fixture
def reefer(organization: Organization) -> tuple[Device, str]:
    """A temperature logger travelling with a reefer pallet of frozen fillets."""
    return device_create(actor=OPERATOR, organization=organization, name="Reefer logger 1", sscc=SSCC)
