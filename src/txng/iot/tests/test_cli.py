from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from txng.iot.models import Device
from txng.iot.protocol import secret_digest
from txng.iot.services import device_authenticate
from txng.registry.models import Organization

pytestmark = pytest.mark.django_db


def test_device_add_prints_the_mqtt_username_and_a_secret_that_is_stored_only_as_a_hash(
    organization: Organization,
) -> None:
    # given
    out = io.StringIO()
    # when
    call_command(
        "iot",
        "device",
        "add",
        "--organization",
        organization.tax_code,
        "--name",
        "Ao 3 oxy",
        "--gln",
        "8930001000018",
        "--measure",
        "MassConcentration:M1",
        "--measure",
        "Temperature:CEL",
        stdout=out,
    )
    # then
    username = re.search(r"MQTT username: (\S+)", out.getvalue()).group(1)  # type: ignore[union-attr]
    secret = re.search(r"secret: +(\S+)", out.getvalue()).group(1)  # type: ignore[union-attr]
    device = Device.objects.get(code=username)
    assert device.secret_hash == secret_digest(secret)
    assert secret not in str(Device.objects.filter(pk=device.pk).values().get())
    assert device.measurements == [{"type": "MassConcentration", "uom": "M1"}, {"type": "Temperature", "uom": "CEL"}]
    assert device_authenticate(username, secret) == device
    assert device_authenticate(username, secret + "x") is None
