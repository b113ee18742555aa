"""Charts drawn on the server as inline SVG (no JavaScript): horizontal bars and vertical columns."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#1f6f43", "#c0392b", "#2c5aa0", "#b7791f")


def _number(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")


def bar_chart(
    rows: Sequence[tuple[str, Sequence[float]]], *, series: Sequence[str], title: str, width: int = 640
) -> SafeString:
    """One horizontal bar per series for each row label; values printed at the bar's end."""
    bar, gap, label_width = 14, 8, 200
    height = 30 + len(rows) * (len(series) * bar + gap) + 24
    top = max((max(values, default=0) for _, values in rows), default=0) or 1
    scale = (width - label_width - 70) / top
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width} {height}" width="100%" class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    for index, name in enumerate(series):
        x = label_width + index * 150
        parts.append(f'<rect x="{x}" y="6" width="10" height="10" fill="{PALETTE[index % 4]}"/>')
        parts.append(f'<text x="{x + 14}" y="15" font-size="11">{escape(name)}</text>')
    y = 30
    for label, values in rows:
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar * len(series) / 2 + 4:.0f}" font-size="11" '
            f'text-anchor="end">{escape(label[:32])}</text>'
        )
        for index, value in enumerate(values):
            length = max(value * scale, 0)
            parts.append(
                f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar - 2}" '
                f'fill="{PALETTE[index % 4]}"><title>{escape(label)}: {_number(value)}</title></rect>'
            )
            parts.append(
                f'<text x="{label_width + length + 4:.1f}" y="{y + bar - 4}" font-size="10">{_number(value)}</text>'
            )
            y += bar
        y += gap
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text is escaped above


def column_chart(
    rows: Sequence[tuple[str, Sequence[float]]], *, series: Sequence[str], title: str, width: int = 640
) -> SafeString:
    """Vertical columns per label (months, days), grouped by series."""
    height, bottom, left = 220, 40, 40
    plot_height = height - bottom - 24
    top = max((max(values, default=0) for _, values in rows), default=0) or 1
    slot = (width - left - 10) / max(len(rows), 1)
    column = max(slot / (len(series) + 1), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width} {height}" width="100%" class="chart">',
        f"<title>{escape(title)}</title>",
        f'<text x="{left - 4}" y="28" font-size="10" text-anchor="end">{_number(top)}</text>',
        f'<line x1="{left}" y1="{24 + plot_height}" x2="{width - 10}" y2="{24 + plot_height}" stroke="#666"/>',
    ]
    for index, name in enumerate(series):
        x = left + index * 150
        parts.append(f'<rect x="{x}" y="4" width="10" height="10" fill="{PALETTE[index % 4]}"/>')
        parts.append(f'<text x="{x + 14}" y="13" font-size="11">{escape(name)}</text>')
    label_every = max(len(rows) // 12, 1)
    for position, (label, values) in enumerate(rows):
        x0 = left + position * slot
        for index, value in enumerate(values):
            h = value / top * plot_height
            parts.append(
                f'<rect x="{x0 + index * column:.1f}" y="{24 + plot_height - h:.1f}" width="{column:.1f}" '
                f'height="{h:.1f}" fill="{PALETTE[index % 4]}"><title>{escape(label)}: {_number(value)}</title></rect>'
            )
        if position % label_every == 0:
            parts.append(
                f'<text x="{x0 + slot / 2:.1f}" y="{height - bottom + 30}" font-size="9" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308
