"""Checks that catch wrong data in a lot's record, worded for the business and the reviewer (Vietnamese via i18n).

- mass balance: shipped + used + destroyed ≤ produced + received, per unit family, and the yield of
  each transformation within the product group's range;
- timeline: shipped before produced, received before shipped, used or shipped after expiry;
- pre-harvest interval (thời gian cách ly): a harvest on a growing area sooner after a spraying event on
  the same bizLocation than the interval that spraying event declares in `txng:preHarvestIntervalDays`;
- missing key data elements of the product group's critical tracking events.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from django.utils import formats
from django.utils.translation import gettext as _

from txng.epcis.models import Event
from txng.lineage.derivation import local_name, step_name
from txng.lineage.models import Lot, LotActivity, LotEdge
from txng.registry.models import Product, ProductGroup

# Unit families (UN/CEFACT Rec 20): quantities in one family add up after conversion to its base unit.
_MASS: Final = {"KGM": Decimal(1), "GRM": Decimal("0.001"), "TNE": Decimal(1000), "LBR": Decimal("0.45359237")}
_COUNT: Final = frozenset(("", "EA", "H87", "C62"))
_TOLERANCE: Final = Decimal("1.001")
# Transformation yields (output mass / input mass) per product group and business step, when the group's
# `expected_kdes["yield_ranges"]` does not set them. Without a range, output may not exceed input.
DEFAULT_YIELD_RANGES: Final[dict[str, dict[str, tuple[float, float]]]] = {
    "lua-gao": {"milling": (0.55, 0.75), "drying": (0.75, 0.95)},
    "thuy-san": {"filleting": (0.28, 0.45), "processing": (0.28, 0.45)},
}
_PHI_FIELD: Final = "preHarvestIntervalDays"
_PHI_LOOKBACK: Final = datetime.timedelta(days=180)
# Key data elements every critical tracking event must carry, beyond its time (FSMA 204 §1.1325-1.1350 style).
_REQUIRED_KDES: Final[dict[str, tuple[str, ...]]] = {
    "harvesting": ("location", "quantity"),
    "shipping": ("destination", "quantity"),
    "receiving": ("source", "quantity", "location"),
}


@dataclass(frozen=True)
class Finding:
    """One problem in a lot's record: a stable code, a severity and a message for people."""

    code: str
    severity: str  # "error" or "warning"
    message: str
    event_id: str = ""


def _family(uom: str) -> tuple[str, Decimal]:
    if uom in _MASS:
        return "KGM", _MASS[uom]
    if uom in _COUNT:
        return "", Decimal(1)
    return uom, Decimal(1)


def _number(value: Decimal) -> str:
    return str(formats.number_format(value.quantize(Decimal("0.01")).normalize(), use_l10n=True))


def _unit(uom: str) -> str:
    return uom or _("units")


def _mass_balance(lot: Lot, activities: list[LotActivity], incoming: list[LotEdge]) -> list[Finding]:
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for activity in activities:
        if activity.quantity is not None:
            family, factor = _family(activity.uom)
            totals[family][activity.kind] += activity.quantity * factor
    if not any(a.kind == LotActivity.Kind.RECEIVED for a in activities):
        for edge in incoming:
            if edge.kind == LotEdge.Kind.SHIPMENT and edge.quantity is not None:
                family, factor = _family(edge.uom)
                totals[family][LotActivity.Kind.RECEIVED] += edge.quantity * factor
    findings = []
    kinds = LotActivity.Kind
    for family, sums in sorted(totals.items()):
        came_in = sums[kinds.PRODUCED] + sums[kinds.RECEIVED]
        went_out = sums[kinds.SHIPPED] + sums[kinds.CONSUMED] + sums[kinds.DESTROYED]
        if went_out <= came_in * _TOLERANCE:
            continue
        if came_in == 0:
            message = _(
                "Lot %(lot)s: %(out)s %(unit)s was shipped, used or destroyed, but no production or receipt "
                "of this lot is recorded."
            ) % {"lot": lot.lot or lot.identifier, "out": _number(went_out), "unit": _unit(family)}
            findings.append(Finding("mass-balance-no-input", "warning", message))
            continue
        percent = went_out * 100 / came_in
        message = _(
            "Mass balance of lot %(lot)s: %(out)s %(unit)s was shipped, used or destroyed, but only "
            "%(in)s %(unit)s was produced or received (%(percent)s%%)."
        ) % {
            "lot": lot.lot or lot.identifier,
            "out": _number(went_out),
            "in": _number(came_in),
            "unit": _unit(family),
            "percent": _number(percent.quantize(Decimal(1))),
        }
        findings.append(Finding("mass-balance", "error", message))
    return findings


def _yield_ranges(group: ProductGroup | None) -> Mapping[str, tuple[float, float]]:
    if group is None:
        return {}
    configured = (group.expected_kdes or {}).get("yield_ranges")
    if isinstance(configured, dict):
        return {str(k): (float(v[0]), float(v[1])) for k, v in configured.items() if isinstance(v, list | tuple)}
    return DEFAULT_YIELD_RANGES.get(group.code, {})


def _yields(lot: Lot, group: ProductGroup | None, activities: list[LotActivity]) -> list[Finding]:
    """Yield of each transformation that produced this lot, from the ledger rows of that event."""
    produced = {a.event_id for a in activities if a.kind == LotActivity.Kind.PRODUCED}
    events = {
        a.event_id: a
        for a in activities
        if a.kind == LotActivity.Kind.PRODUCED and a.event.event_type == "TransformationEvent"
    }
    if not events:
        return []
    rows = LotActivity.objects.filter(event_id__in=produced, kind__in=("consumed", "produced")).only(
        "event_id", "kind", "quantity", "uom"
    )
    mass: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in rows:
        family, factor = _family(row.uom)
        if family == "KGM" and row.quantity is not None:
            mass[row.event_id][row.kind] += row.quantity * factor
    ranges = _yield_ranges(group)
    findings = []
    for event_id, activity in events.items():
        used, made = mass[event_id]["consumed"], mass[event_id]["produced"]
        if not used or not made:
            continue
        low, high = ranges.get(step_name(activity.biz_step), (0.0, 1.0))
        ratio = made / used
        if Decimal(str(low)) <= ratio <= Decimal(str(high)) * _TOLERANCE:
            continue
        message = _(
            "Yield of %(step)s for lot %(lot)s is %(percent)s%% (%(made)s kg from %(used)s kg); the expected "
            "range is %(low)s%%–%(high)s%%."
        ) % {
            "step": step_name(activity.biz_step),
            "lot": lot.lot or lot.identifier,
            "percent": _number(ratio * 100),
            "made": _number(made),
            "used": _number(used),
            "low": _number(Decimal(str(low * 100))),
            "high": _number(Decimal(str(high * 100))),
        }
        findings.append(Finding("yield", "error", message, activity.event.event_id))
    return findings


def _date(moment: datetime.datetime | datetime.date) -> str:
    return str(formats.date_format(moment, "d/m/Y"))


def _timeline(lot: Lot, activities: list[LotActivity], siblings: list[LotActivity]) -> list[Finding]:
    kinds = LotActivity.Kind
    findings = []
    produced = [a.event_time for a in siblings if a.kind == kinds.PRODUCED]
    leaving = [a for a in activities if a.kind in (kinds.SHIPPED, kinds.CONSUMED)]
    if produced:
        first = min(produced)
        for activity in leaving:
            if activity.event_time < first:
                message = _("Lot %(lot)s was shipped or used on %(when)s, before it was produced on %(produced)s.") % {
                    "lot": lot.lot or lot.identifier,
                    "when": _date(activity.event_time),
                    "produced": _date(first),
                }
                findings.append(Finding("shipped-before-produced", "error", message, activity.event.event_id))
    shipped_here = [
        a.event_time
        for a in siblings
        if a.kind == kinds.SHIPPED and a.counterparty_organization_id == lot.organization_id
    ]
    if shipped_here:
        first_shipped = min(shipped_here)
        for activity in activities:
            if activity.kind == kinds.RECEIVED and activity.event_time < first_shipped:
                message = _("Lot %(lot)s was received on %(when)s, before the supplier shipped it on %(shipped)s.") % {
                    "lot": lot.lot or lot.identifier,
                    "when": _date(activity.event_time),
                    "shipped": _date(first_shipped),
                }
                findings.append(Finding("received-before-shipped", "error", message, activity.event.event_id))
    expiry = max((d for d in [lot.expires_on, *(a.lot.expires_on for a in siblings)] if d is not None), default=None)
    if expiry is not None:
        for activity in leaving:
            if activity.event_time.date() > expiry:
                message = _("Lot %(lot)s was shipped or used on %(when)s, after it expired on %(expiry)s.") % {
                    "lot": lot.lot or lot.identifier,
                    "when": _date(activity.event_time),
                    "expiry": _date(expiry),
                }
                findings.append(Finding("used-after-expiry", "error", message, activity.event.event_id))
    return findings


def pre_harvest_interval_days(document: Mapping[str, Any]) -> int | None:
    """The interval a spraying event declares: `txng:preHarvestIntervalDays`, at the top level or in ILMD."""
    for scope in (document, document.get("ilmd") or {}):
        if not isinstance(scope, dict):
            continue
        for key, value in scope.items():
            if local_name(key) == _PHI_FIELD and isinstance(value, int | float | str):
                try:
                    return int(float(value))
                except ValueError:
                    return None
    return None


def _pre_harvest(lot: Lot, activities: list[LotActivity]) -> list[Finding]:
    harvests = [
        a
        for a in activities
        if a.kind == LotActivity.Kind.PRODUCED and step_name(a.biz_step) == "harvesting" and a.location
    ]
    findings = []
    for harvest in harvests:
        sprayings = Event.objects.filter(
            biz_location=harvest.location,
            biz_step__endswith="spraying",
            event_time__lte=harvest.event_time,
            event_time__gte=harvest.event_time - _PHI_LOOKBACK,
            is_error_declaration=False,
        ).only("event_id", "event_time", "document", "biz_step")
        for spraying in sprayings:
            days = pre_harvest_interval_days(spraying.document)
            if step_name(spraying.biz_step) != "spraying" or days is None:
                continue
            waited = harvest.event_time - spraying.event_time
            if waited < datetime.timedelta(days=days):
                message = _(
                    "Lot %(lot)s was harvested on %(harvested)s, only %(waited)s day(s) after spraying on "
                    "%(sprayed)s; the pre-harvest interval is %(days)s days."
                ) % {
                    "lot": lot.lot or lot.identifier,
                    "harvested": _date(harvest.event_time),
                    "waited": waited.days,
                    "sprayed": _date(spraying.event_time),
                    "days": days,
                }
                findings.append(Finding("pre-harvest-interval", "error", message, spraying.event_id))
    return findings


def _missing_kdes(lot: Lot, group: ProductGroup | None, activities: Iterable[LotActivity]) -> list[Finding]:
    if group is None:
        return []
    ctes = set(group.expected_ctes or ())
    extra = group.expected_kdes or {}
    findings = []
    for activity in activities:
        step = step_name(activity.biz_step)
        if step not in ctes:
            continue
        present = {
            "location": bool(activity.location),
            "quantity": activity.quantity is not None,
            "destination": bool(activity.counterparty) or activity.kind != LotActivity.Kind.SHIPPED,
            "source": bool(activity.counterparty) or activity.kind != LotActivity.Kind.RECEIVED,
        }
        document = activity.event.document
        fields = {local_name(k) for k in document} | {local_name(k) for k in (document.get("ilmd") or {})}
        wanted = [*_REQUIRED_KDES.get(step, ("quantity",)), *(extra.get(step) or ())]
        missing = [name for name in wanted if not present.get(name, local_name(str(name)) in fields)]
        if missing:
            message = _("The %(step)s event of lot %(lot)s on %(when)s lacks: %(missing)s.") % {
                "step": step,
                "lot": lot.lot or lot.identifier,
                "when": _date(activity.event_time),
                "missing": ", ".join(str(m) for m in missing),
            }
            findings.append(Finding("missing-kde", "warning", message, activity.event.event_id))
    return findings


def lot_checks(lot: Lot) -> list[Finding]:
    """All checks of one lot node, most serious first."""
    activities = list(LotActivity.objects.filter(lot=lot).select_related("event").order_by("event_time", "pk"))
    siblings = list(
        LotActivity.objects.filter(lot__identifier=lot.identifier)
        .select_related("lot", "event")
        .only("kind", "event_time", "counterparty_organization_id", "lot__expires_on", "event__event_id")
    )
    incoming = list(LotEdge.objects.filter(to_lot=lot))
    product = Product.objects.filter(gtin=lot.gtin).select_related("product_group").first() if lot.gtin else None
    group = product.product_group if product is not None else None
    findings = [
        *_mass_balance(lot, activities, incoming),
        *_yields(lot, group, activities),
        *_timeline(lot, activities, siblings),
        *_pre_harvest(lot, activities),
        *_missing_kdes(lot, group, activities),
    ]
    findings.sort(key=lambda f: f.severity != "error")
    return findings
