"""Template filters of the recall pages."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Final

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()

# UN/CEFACT Recommendation 20 codes used as EPCIS uom (CBV 2.0 §8.3): the usual ones by their symbol.
_SYMBOLS: Final = {"KGM": "kg", "GRM": "g", "TNE": "t", "LTR": "l", "MTQ": "m³", "H87": "", "EA": ""}


@register.filter
def quantity(value: Decimal | None, uom: str = "") -> str:
    """`1.234,5 kg` (localised number, unit symbol); an empty unit counts items."""
    if value is None:
        return "—"
    text = number_format(value.normalize(), decimal_pos=None, use_l10n=True, force_grouping=True)
    symbol = _SYMBOLS.get(uom, uom)
    return f"{text} {symbol or _('items')}"


@register.filter
def duration(value: datetime.timedelta | None) -> str:
    """`2 h 05 min`, `7 min 30 s`, `12 s`: a time-to-trace or time-to-answer for people."""
    if value is None:
        return "—"
    seconds = max(0, int(value.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {seconds:02d} s"
    return f"{seconds} s"
