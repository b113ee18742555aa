"""Diary rows from a spreadsheet: each row checked at its column, then all captured as one EPCIS document."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from txng.accounts.principal import Principal
from txng.epcis.document import parse_document
from txng.epcis.services import events_capture
from txng.registry.models import Organization
from txng.registry.services import RowError

from .events import TRANSFORMING, Entry, entry_event, events_document, lot_uri

HEADERS = {
    "Hoạt động": "activity",
    "Cơ sở (GLN hoặc tên)": "facility",
    "Thời gian (dd/mm/yyyy hh:mm)": "when",
    "GTIN": "gtin",
    "Số lô": "lot",
    "Số lượng": "quantity",
    "Đơn vị": "uom",
    "Lô đầu vào (số lô)": "input_lot",
    "GTIN lô đầu vào": "input_gtin",
    "Vật tư": "material",
    "Thời gian cách ly (ngày)": "pre_harvest_interval_days",
}
# The activity column takes the code or its Vietnamese name, as farmers write it.
ACTIVITY_NAMES = {
    "gieo sạ": "sowing",
    "gieo trồng": "sowing",
    "thả giống": "sowing",
    "bón phân": "fertilising",
    "phun thuốc": "spraying",
    "cho ăn": "feeding",
    "thu hoạch": "harvesting",
    "sấy": "drying",
    "xay xát": "milling",
    "chế biến": "processing",
    "đóng gói": "packing",
}
ACTIVITIES = {"sowing", "fertilising", "spraying", "feeding", "harvesting", *TRANSFORMING}
UNITS = {"kg": "KGM", "tấn": "TNE", "lít": "LTR", "cái": "H87", "KGM": "KGM", "TNE": "TNE", "LTR": "LTR", "H87": "H87"}


def _when(text: str) -> datetime.datetime:
    for layout in ("%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M"):
        try:
            return timezone.make_aware(datetime.datetime.strptime(text, layout))
        except ValueError:
            continue
    raise ValueError(text)


def _entry(row: dict[str, Any], facilities: dict[str, Any], gtins: set[str]) -> Entry:
    """One row as a diary entry, or ValueError(field, message)."""
    activity = str(row.get("activity", "")).strip()
    activity = ACTIVITY_NAMES.get(activity.lower(), activity)
    if activity not in ACTIVITIES:
        raise ValueError("activity", _("Unknown activity."))
    facility = facilities.get(str(row.get("facility", "")).strip())
    if facility is None:
        raise ValueError("facility", _("No facility of yours has this GLN or name."))
    try:
        when = _when(str(row.get("when", "")).strip())
    except ValueError:
        raise ValueError("when", _("Write the time as dd/mm/yyyy hh:mm.")) from None
    quantity = None
    if row.get("quantity"):
        try:
            quantity = Decimal(str(row["quantity"]).replace(",", "."))
        except InvalidOperation:
            quantity = Decimal(-1)
        if quantity < 0:
            raise ValueError("quantity", _("The quantity must be a number of at least 0."))
    uom = UNITS.get(str(row.get("uom") or "kg").strip())
    if uom is None:
        raise ValueError("uom", _("Unknown unit; use kg, tấn, lít or cái."))
    gtin = str(row.get("gtin", "")).strip()
    lot = str(row.get("lot", "")).strip()
    if activity == "harvesting" or activity in TRANSFORMING:
        if gtin not in gtins:
            raise ValueError("gtin", _("This GTIN is not one of your products."))
        if not lot or len(lot) > 20:
            raise ValueError("lot", _("Write a lot number of 1 to 20 characters."))
    input_lot = ""
    if activity in TRANSFORMING:
        input_gtin = str(row.get("input_gtin") or gtin).strip()
        if not row.get("input_lot"):
            raise ValueError("input_lot", _("This field is required for this activity."))
        input_lot = lot_uri(input_gtin, str(row["input_lot"]).strip())
    days = None
    if activity == "spraying":
        try:
            days = int(str(row.get("pre_harvest_interval_days", "")).strip())
        except ValueError:
            raise ValueError("pre_harvest_interval_days", _("Write the pre-harvest interval in whole days.")) from None
    return Entry(
        activity=activity,
        facility=facility,
        when=when,
        gtin=gtin,
        lot=lot,
        quantity=quantity,
        uom=uom,
        input_lot=input_lot,
        input_quantity=quantity,
        material=str(row.get("material", "")).strip(),
        pre_harvest_interval_days=days,
    )


def events_import(
    *, actor: Principal, organization: Organization, rows: list[dict[str, Any]], dry_run: bool
) -> tuple[int, list[RowError]]:
    """Check every row; unless it is a dry run and when all are right, capture them as one document."""
    facilities: dict[str, Any] = {}
    for facility in organization.facilities.filter(is_active=True):
        facilities[facility.name] = facility
        if facility.gln:
            facilities[facility.gln] = facility
    gtins = set(organization.products.values_list("gtin", flat=True))
    errors: list[RowError] = []
    events = []
    for number, row in enumerate(rows, start=1):
        try:
            events.append(entry_event(_entry(row, facilities, gtins), organization))
        except ValueError as error:
            field, message = error.args
            errors.append(RowError(number, field, message, "invalid"))
    if errors or dry_run or not events:
        return 0, errors
    document = parse_document(events_document(events), "application/ld+json")
    result = events_capture(actor=actor, organization=organization, document=document)
    return len(result.event_ids), errors
