"""Server-drawn SVG line charts of readings with the allowed band (no JavaScript, no third-party requests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from txng.iot.models import ThresholdRule

WIDTH: Final = 640
HEIGHT: Final = 240
_LEFT: Final = 44
_RIGHT: Final = 8
_TOP: Final = 10
_BOTTOM: Final = 28
# More points than pixels only blurs the line; each bucket keeps its lowest and highest reading,
# so a short spike (the thing a cold-chain chart exists to show) is never averaged away.
_MAX_BUCKETS: Final = 300
_VIETNAM: Final = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    polyline: str
    band_y: float | None
    band_height: float | None
    min_line: float | None
    max_line: float | None
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    outside: list[tuple[float, float]]

    @property
    def plot_width(self) -> int:
        return self.plot_right - self.plot_left


def _thin(points: list[tuple[datetime, float]]) -> list[tuple[datetime, float]]:
    if len(points) <= 2 * _MAX_BUCKETS:
        return points
    size = len(points) / _MAX_BUCKETS
    kept: list[tuple[datetime, float]] = []
    for bucket in range(_MAX_BUCKETS):
        chunk = points[int(bucket * size) : int((bucket + 1) * size)]
        if chunk:
            low = min(chunk, key=lambda p: p[1])
            high = max(chunk, key=lambda p: p[1])
            kept.extend(sorted({low, high}))
    return kept


def line_chart(points: list[tuple[datetime, float]], rule: ThresholdRule | None) -> Chart:
    """Scale readings (time, value) and the rule's band into a fixed SVG viewBox."""
    points = _thin(points)
    values = [value for _, value in points]
    bounds = [b for b in ((rule.min_value, rule.max_value) if rule else ()) if b is not None]
    low, high = min(values + bounds), max(values + bounds)
    if high - low < 1:
        low, high = low - 0.5, high + 0.5
    pad = (high - low) * 0.08
    low, high = low - pad, high + pad
    start, end = points[0][0], points[-1][0]
    span = max((end - start).total_seconds(), 1.0)
    left, right, top, bottom = _LEFT, WIDTH - _RIGHT, _TOP, HEIGHT - _BOTTOM

    def x(moment: datetime) -> float:
        return round(left + (moment - start).total_seconds() / span * (right - left), 1)

    def y(value: float) -> float:
        return round(bottom - (value - low) / (high - low) * (bottom - top), 1)

    band_top = y(rule.max_value) if rule and rule.max_value is not None else float(top)
    band_bottom = y(rule.min_value) if rule and rule.min_value is not None else float(bottom)
    y_ticks = [Tick(y(low + (high - low) * k / 4), f"{low + (high - low) * k / 4:.1f}") for k in range(5)]
    x_ticks = []
    for k in range(4):
        moment = start + (end - start) * k / 3
        x_ticks.append(Tick(x(moment), moment.astimezone(_VIETNAM).strftime("%d/%m %H:%M")))
    outside = [(x(t), y(v)) for t, v in points if rule is not None and not rule.is_within(v)]
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        polyline=" ".join(f"{x(t)},{y(v)}" for t, v in points),
        band_y=band_top if rule else None,
        band_height=round(band_bottom - band_top, 1) if rule else None,
        min_line=y(rule.min_value) if rule and rule.min_value is not None else None,
        max_line=y(rule.max_value) if rule and rule.max_value is not None else None,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        plot_left=left,
        plot_right=right,
        plot_top=top,
        plot_bottom=bottom,
        outside=outside[:500],
    )
