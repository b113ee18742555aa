"""Counterfeit signals on simulated scan traffic: normal use raises nothing, copy patterns are explained."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable

import pytest
from django.test import Client

from txng.codes.models import StampBatch
from txng.codes.selectors import stamp_batch_stamps
from txng.resolver.models import Signal
from txng.resolver.risk import PinEntry, ScanPoint, distance_km, stamp_risk

NOW = datetime.datetime(2026, 7, 1, 12, 0, tzinfo=datetime.UTC)
CAN_THO = (10.03, 105.78)
HANOI = (21.03, 105.85)
HCMC = (10.78, 106.70)


def _normal_traffic(rng: random.Random) -> list[list[ScanPoint]]:
    """1,000 stamps: most never scanned, the rest checked 1–3 times by one household near Can Tho."""
    stamps = []
    for _ in range(1000):
        scans = []
        if rng.random() < 0.4:
            start = NOW - datetime.timedelta(days=rng.randint(0, 30))
            home = CAN_THO[0] + rng.uniform(-0.3, 0.3), CAN_THO[1] + rng.uniform(-0.3, 0.3)
            for k in range(rng.randint(1, 3)):  # phones report positions to within about a kilometre
                lat, lon = home[0] + rng.uniform(-0.01, 0.01), home[1] + rng.uniform(-0.01, 0.01)
                scans.append(ScanPoint(start + datetime.timedelta(minutes=5 * k), "family", lat, lon))
        stamps.append(scans)
    return stamps


def test_normal_traffic_raises_nothing() -> None:
    rng = random.Random(5)
    traffic = _normal_traffic(rng)
    norm = sum(len(s) for s in traffic) / max(1, sum(1 for s in traffic if s))
    risks = [stamp_risk(scans=scans, batch_norm=norm, now=NOW) for scans in traffic]
    assert [r.score for r in risks if r.score] == []


def test_photocopied_stamp_scanned_across_the_country_is_flagged_with_reasons() -> None:
    # given: one genuine code copied onto 40 packs, scanned in Hanoi, HCMC and Can Tho the same afternoon
    rng = random.Random(7)
    places = [HANOI, HCMC, CAN_THO]
    scans = [ScanPoint(NOW + datetime.timedelta(minutes=7 * k), f"visitor{k}", *places[k % 3]) for k in range(40)]
    rng.shuffle(scans)
    # when
    risk = stamp_risk(scans=scans, batch_norm=1.4, now=NOW)
    # then
    kinds = {f.kind: f for f in risk.findings}
    assert set(kinds) == {"far_apart", "high_count"}
    assert risk.score == 70
    assert kinds["far_apart"].params["km"] == round(distance_km(*CAN_THO, *HANOI))
    assert kinds["high_count"].params == {"count": 40, "visitors": 40, "norm": 1.4}
    assert kinds["far_apart"].message % kinds["far_apart"].params  # the reason reads as a sentence


def test_same_city_rescans_are_not_far_apart() -> None:
    scans = [ScanPoint(NOW, "a", *CAN_THO), ScanPoint(NOW + datetime.timedelta(hours=1), "b", 10.1, 105.7)]
    assert stamp_risk(scans=scans, now=NOW).findings == ()


def test_far_places_days_apart_are_travel_not_copies() -> None:
    scans = [ScanPoint(NOW, "a", *HANOI), ScanPoint(NOW + datetime.timedelta(days=2), "a", *CAN_THO)]
    assert stamp_risk(scans=scans, now=NOW).findings == ()


def test_pin_guessing_and_invalid_serials() -> None:
    entries = [PinEntry(NOW - datetime.timedelta(minutes=k), False, "x") for k in range(5)]
    risk = stamp_risk(scans=[], pin_entries=entries, is_invalid_serial=True, now=NOW)
    assert [f.kind for f in risk.findings] == ["invalid_serial", "pin_guessing"]
    assert risk.score == 100


@pytest.mark.django_db
def test_copied_stamp_traffic_through_the_resolver_raises_signals(client: Client, make_batch: MakeBatch) -> None:
    # given: a batch whose stamps are each scanned once, and one stamp copied and scanned by many people
    batch = make_batch(count=20)
    stamps = list(stamp_batch_stamps(batch))
    path = lambda s: f"/01/{batch.product.gtin}/10/L1/21/{s.serial}"  # noqa: E731
    for number, stamp in enumerate(stamps[1:]):
        client.get(path(stamp), REMOTE_ADDR=f"10.1.0.{number}")
    assert not Signal.objects.exists()
    # when
    for number in range(12):
        location = client.get(path(stamps[0]), REMOTE_ADDR=f"10.2.0.{number}")["Location"]
        latitude, longitude = HANOI if number % 2 else HCMC
        client.post(
            "/trace/scan-location",
            {"scan": location.split("scan=")[1], "latitude": latitude, "longitude": longitude},
        )
    # then
    kinds = set(Signal.objects.filter(serial=stamps[0].serial).values_list("kind", flat=True))
    assert kinds == {"far_apart", "high_count"}
    signal = Signal.objects.get(kind="high_count")
    assert signal.organization_id == batch.organization_id
    assert signal.score == 70
    assert {reason["kind"] for reason in signal.reasons} == {"far_apart", "high_count"}


MakeBatch = Callable[..., StampBatch]
