"""Counterfeit risk of one stamp: a few explainable rules over its scans and PIN entries (pure, no database).

Each rule gives points and a reason in plain words; the score is their sum, capped at 100. The rules and
their thresholds are deliberately simple so an officer can tell a business exactly why a stamp was flagged.
"""

from __future__ import annotations

import datetime
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

# Two scans further apart than this, faster than anyone travels by road, are two physical copies.
FAR_APART_KM: Final = 50.0
FAR_APART_MAX_SPEED_KMH: Final = 120.0
HIGH_COUNT_MINIMUM: Final = 10  # a family checks a stamp a few times; ten visitors is not normal
HIGH_COUNT_TIMES_NORM: Final = 5.0
PIN_WRONG_PER_STAMP: Final = 5
PIN_WINDOW: Final = datetime.timedelta(hours=24)
POINTS: Final = {"far_apart": 40, "high_count": 30, "invalid_serial": 60, "voided": 50, "pin_guessing": 40}


@dataclass(frozen=True, slots=True)
class ScanPoint:
    at: datetime.datetime
    visitor: str = ""
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, slots=True)
class PinEntry:
    at: datetime.datetime
    is_correct: bool
    visitor: str = ""


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    points: int
    message: str  # English msgid with %(name)s placeholders, translated when shown
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "points": self.points, "message": self.message, "params": self.params}


@dataclass(frozen=True, slots=True)
class Risk:
    findings: tuple[Finding, ...]

    @property
    def score(self) -> int:
        return min(100, sum(finding.points for finding in self.findings))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def _far_apart(scans: Sequence[ScanPoint]) -> Finding | None:
    located = sorted((s for s in scans if s.latitude is not None and s.longitude is not None), key=lambda s: s.at)
    worst: tuple[float, float] | None = None
    for earlier, later in itertools.pairwise(located):
        assert earlier.latitude is not None
        assert earlier.longitude is not None
        assert later.latitude is not None
        assert later.longitude is not None
        km = distance_km(earlier.latitude, earlier.longitude, later.latitude, later.longitude)
        hours = max((later.at - earlier.at).total_seconds() / 3600, 1 / 60)
        if km >= FAR_APART_KM and km / hours > FAR_APART_MAX_SPEED_KMH and (worst is None or km > worst[0]):
            worst = (km, hours)
    if worst is None:
        return None
    return Finding(
        "far_apart",
        POINTS["far_apart"],
        "Scanned %(km)d km apart within %(hours).1f hours.",
        {"km": round(worst[0]), "hours": round(worst[1], 1)},
    )


def _high_count(scans: Sequence[ScanPoint], batch_norm: float) -> Finding | None:
    limit = max(HIGH_COUNT_MINIMUM, HIGH_COUNT_TIMES_NORM * batch_norm)
    if len(scans) <= limit:
        return None
    visitors = len({s.visitor for s in scans if s.visitor}) or len(scans)
    return Finding(
        "high_count",
        POINTS["high_count"],
        "Scanned %(count)d times by %(visitors)d visitors; stamps of this batch are scanned %(norm).1f times on "
        "average.",
        {"count": len(scans), "visitors": visitors, "norm": round(batch_norm, 1)},
    )


def _pin_guessing(entries: Sequence[PinEntry], now: datetime.datetime) -> Finding | None:
    wrong = [e for e in entries if not e.is_correct and now - e.at <= PIN_WINDOW]
    if len(wrong) < PIN_WRONG_PER_STAMP:
        return None
    return Finding(
        "pin_guessing",
        POINTS["pin_guessing"],
        "%(count)d wrong PINs entered for this stamp within 24 hours.",
        {"count": len(wrong)},
    )


def stamp_risk(
    *,
    scans: Sequence[ScanPoint],
    pin_entries: Sequence[PinEntry] = (),
    batch_norm: float = 1.0,
    is_invalid_serial: bool = False,
    is_voided: bool = False,
    now: datetime.datetime | None = None,
) -> Risk:
    """The explainable risk of one stamp from what is known about it."""
    now = now or datetime.datetime.now(datetime.UTC)
    findings: list[Finding] = []
    if is_invalid_serial:
        findings.append(
            Finding("invalid_serial", POINTS["invalid_serial"], "The serial was never issued or is forged.")
        )
    if is_voided:
        findings.append(Finding("voided", POINTS["voided"], "The stamp belongs to a voided batch."))
    for finding in (_far_apart(scans), _high_count(scans, batch_norm), _pin_guessing(pin_entries, now)):
        if finding is not None:
            findings.append(finding)
    return Risk(tuple(findings))
