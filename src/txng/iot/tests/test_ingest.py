from __future__ import annotations

from datetime import UTC, datetime

import pytest

from txng.accounts.principal import OPERATOR
from txng.epcis.models import Event, EventSensorReport
from txng.iot.ingest import readings_store
from txng.iot.models import Alert, Device, Excursion, Reading
from txng.iot.protocol import ParsedReading
from txng.iot.services import rule_create
from txng.registry.models import Organization

from .conftest import SSCC

pytestmark = pytest.mark.django_db


def readings(values: list[float], start_minute: int = 0) -> list[ParsedReading]:
    return [
        ParsedReading("Temperature", datetime(2026, 11, 3, 1, start_minute + i, tzinfo=UTC), v, "CEL", i)
        for i, v in enumerate(values)
    ]


def test_readings_become_one_sensor_event(reefer: tuple[Device, str]) -> None:
    # given
    device, _ = reefer
    # when
    result = readings_store([(device, readings([-20.0, -19.5, -19.0]))])
    # then
    assert result.stored == 3
    event = Event.objects.get(event_id=result.event_ids[0])
    assert event.biz_step == "sensor_reporting"
    assert event.document["epcList"] == [f"https://id.gs1.org/00/{SSCC}"]
    assert [r["value"] for r in event.document["sensorElementList"][0]["sensorReport"]] == [-20.0, -19.5, -19.0]
    assert EventSensorReport.objects.filter(event=event).count() == 3


def test_resent_readings_are_not_stored_twice(reefer: tuple[Device, str]) -> None:
    # given
    device, _ = reefer
    readings_store([(device, readings([-20.0, -19.5]))])
    # when
    result = readings_store([(device, readings([-20.0, -19.5, -19.0]))])
    # then
    assert (result.stored, result.duplicates) == (1, 2)
    assert Reading.objects.filter(device=device).count() == 3
    assert EventSensorReport.objects.filter(event__organization_id=device.organization_id).count() == 3


def test_an_excursion_longer_than_the_tolerance_raises_one_alert(
    reefer: tuple[Device, str], organization: Organization
) -> None:
    # given
    device, _ = reefer
    rule_create(
        actor=OPERATOR, name="Frozen fillets", sscc=SSCC, organization=organization, max_value=-18, tolerance_minutes=5
    )
    warm = [-20.0, -17.0, -16.0, -15.0, -15.5, -16.0, -16.5, -17.0, -17.5, -20.0]
    # when
    readings_store([(device, readings(warm[:4]))])
    readings_store([(device, readings(warm[4:], start_minute=4))])
    # then
    excursion = Excursion.objects.get()
    assert (excursion.is_alerted, excursion.worst_value, excursion.reading_count) == (True, -15.0, 8)
    assert excursion.ended_at == datetime(2026, 11, 3, 1, 9, tzinfo=UTC)
    alert = Alert.objects.get()
    assert (
        Event.objects.get(event_id=alert.event_id).document["sensorElementList"][0]["sensorReport"][0]["exception"]
        == "ALARM_CONDITION"
    )


def test_a_short_excursion_within_the_tolerance_raises_no_alert(
    reefer: tuple[Device, str], organization: Organization
) -> None:
    # given
    device, _ = reefer
    rule_create(
        actor=OPERATOR, name="Frozen fillets", sscc=SSCC, organization=organization, max_value=-18, tolerance_minutes=5
    )
    # when
    readings_store([(device, readings([-20.0, -17.0, -17.0, -19.0]))])
    # then
    assert Alert.objects.count() == 0
    assert Excursion.objects.get().is_alerted is False
