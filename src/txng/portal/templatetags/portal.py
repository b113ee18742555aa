"""Display helpers of the portal pages: business steps and units of measure in words."""

from __future__ import annotations

from django import template

from txng.portal.business.forms import UNITS
from txng.resolver.selectors import step_name

register = template.Library()


@register.filter
def step_label(biz_step: str) -> str:
    """A CBV or OpenTXNG business step as people say it ("Harvested", "Shipped")."""
    return step_name(biz_step or "")


@register.filter
def unit_label(code: str) -> str:
    """A UN/CEFACT unit code as a word (KGM → kg); unknown codes as they are."""
    return str(dict(UNITS).get(code or "", code or ""))
