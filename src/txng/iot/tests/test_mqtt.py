"""Against a real Mosquitto broker (a private process per test, so it can be restarted)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from django.db import OperationalError

from txng.accounts.principal import OPERATOR
from txng.epcis.models import EventSensorReport
from txng.iot.ingest import StoreResult, readings_store
from txng.iot.models import Alert, Device, IngestRejection, Reading
from txng.iot.services import device_create, rule_create
from txng.iot.worker import Listener
from txng.registry.models import Organization
from txng.registry.tests.factories import OrganizationFactory

from .conftest import SSCC, Broker, Sensor, reading

pytestmark = pytest.mark.django_db


def pump_until(listener: Listener, condition: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        listener.pump(0.1)
        if condition():
            listener.flush()
            return
    raise AssertionError(f"timed out: {listener.stats}")


@pytest.fixture
def listener(broker: Broker) -> Iterator[Listener]:
    found = Listener(port=broker.port, client_id="test-listener", flush_seconds=0.2)
    found.start()
    assert found.connected.wait(5)
    yield found
    found.stop()


@pytest.fixture
def sensor(reefer: tuple[Device, str], broker: Broker) -> Iterator[Sensor]:
    found = Sensor(*reefer, broker.port)
    yield found
    found.close()


def trip(minutes: int, warm_from: int, warm_to: int) -> list[dict[str, object]]:
    """A reefer trip at −20 °C with a warm stretch (−14 °C) between two minutes."""
    return [reading(m, -14.0 if warm_from <= m < warm_to else -20.0, seq=m) for m in range(minutes)]


def test_a_trip_published_over_mqtt_becomes_sensor_events_and_one_alert(
    listener: Listener, sensor: Sensor, organization: Organization
) -> None:
    # given
    rule_create(
        actor=OPERATOR, name="Frozen fillets", sscc=SSCC, organization=organization, max_value=-18, tolerance_minutes=10
    )
    readings = trip(120, warm_from=30, warm_to=77)
    # when: batches of 10, as a logger buffering between publishes would send them, and 47 warm minutes
    for start in range(0, 120, 10):
        sensor.publish({"readings": readings[start : start + 10]})
    pump_until(listener, lambda: listener.stats.stored >= 120)
    # then
    assert Reading.objects.filter(device=sensor.device).count() == 120
    assert EventSensorReport.objects.filter(event__biz_step="sensor_reporting", type="Temperature").count() == 121
    alert = Alert.objects.get()
    assert alert.organization_id == organization.pk
    excursion = alert.excursion
    assert (excursion.ended_at - excursion.started_at).total_seconds() == 47 * 60
    assert excursion.reading_count == 47


def test_the_broker_restarting_mid_trip_loses_no_reading_the_device_resends(
    broker: Broker, listener: Listener, sensor: Sensor
) -> None:
    # given: the first half of a trip is stored
    readings = trip(60, warm_from=0, warm_to=0)
    for start in range(0, 30, 5):
        sensor.publish({"readings": readings[start : start + 5]})
    pump_until(listener, lambda: listener.stats.stored >= 30)
    # when: the broker goes down; the device, unsure what got through, re-sends from minute 20 on
    broker.stop()
    time.sleep(0.5)
    for start in range(20, 60, 5):  # queued by the device until the broker is back
        sensor.publish({"readings": readings[start : start + 5]}, wait=False)
    broker.start()
    pump_until(listener, lambda: Reading.objects.filter(device=sensor.device).count() >= 60, seconds=30)
    # then: every minute once, in the readings and in the events
    assert sorted(Reading.objects.filter(device=sensor.device).values_list("sequence", flat=True)) == list(range(60))
    assert EventSensorReport.objects.filter(type="Temperature").count() == 60
    # At least the 10 re-sent readings came back and were dropped (the broker may redeliver more: QoS 1).
    assert listener.stats.duplicates >= 10


def test_the_broker_keeps_readings_while_the_worker_is_down(broker: Broker, sensor: Sensor) -> None:
    # given: the worker's persistent session exists, then the worker stops
    first = Listener(port=broker.port, client_id="test-listener", flush_seconds=0.1)
    first.start()
    assert first.connected.wait(5)
    first.stop()
    # when
    sensor.publish({"readings": trip(20, 0, 0)})
    time.sleep(0.5)
    second = Listener(port=broker.port, client_id="test-listener", flush_seconds=0.1)
    second.start()
    try:
        pump_until(second, lambda: second.stats.stored >= 20)
    finally:
        second.stop()
    # then
    assert Reading.objects.filter(device=sensor.device).count() == 20


def test_bad_payloads_are_rejected_and_counted_and_the_worker_goes_on(listener: Listener, sensor: Sensor) -> None:
    # given
    bad_unit = {**reading(1, -20.0), "unit": "FAH"}
    # when
    sensor.publish_raw(b"\x00\xff not json")
    sensor.publish_raw(b'{"device": "nobody"}')
    sensor.publish({"readings": [reading(0, -20.0), bad_unit]})
    sensor.publish({"readings": [{**reading(2, -20.0), "value": "cold"}]})
    sensor.publish({"readings": [reading(3, -20.0)]})
    pump_until(listener, lambda: listener.stats.received >= 5)
    # then
    counts = dict(IngestRejection.objects.filter(device_code=sensor.device.code).values_list("reason", "count"))
    assert counts == {"not-json": 1, "bad-envelope": 1, "bad-reading": 2}
    assert list(Reading.objects.filter(device=sensor.device).values_list("value", flat=True)) == [-20.0]
    sensor.device.refresh_from_db()
    assert (sensor.device.rejected_count, sensor.device.accepted_count) == (4, 1)


def test_a_device_cannot_publish_into_another_organizations_data(
    listener: Listener, sensor: Sensor, broker: Broker
) -> None:
    # given: another organization's logger, whose secret our sensor does not have
    other, _ = device_create(
        actor=OPERATOR, organization=OrganizationFactory(), name="Their logger", sscc="389300010000000026"
    )
    # when: signed with our secret but claiming theirs; theirs on our topic; no signature at all
    sensor.publish({"readings": [reading(0, 30.0)]}, code=other.code, topic_code=other.code)
    sensor.publish({"readings": [reading(1, 30.0)]}, code=other.code)
    sensor.publish_to(
        f"txng/v1/devices/{other.code}/readings", f'{{"device": "{other.code}", "payload": "{{}}", "sig": ""}}'
    )
    pump_until(listener, lambda: listener.stats.received >= 3)
    # then
    assert not Reading.objects.filter(device=other).exists()
    counts = dict(IngestRejection.objects.values_list("reason", "count"))
    assert counts == {"bad-signature": 2, "topic-mismatch": 1}


def test_a_failed_flush_is_not_acknowledged_and_the_readings_come_again(
    listener: Listener, sensor: Sensor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: the database fails once
    calls = []

    def failing_once(batches: object) -> StoreResult:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("database is locked")
        return readings_store(batches)  # type: ignore[arg-type]

    monkeypatch.setattr("txng.iot.worker.readings_store", failing_once)
    # when
    sensor.publish({"readings": trip(10, 0, 0)})
    pump_until(listener, lambda: listener.stats.stored >= 10)
    # then
    assert listener.stats.errors == 1
    assert Reading.objects.filter(device=sensor.device).count() == 10
