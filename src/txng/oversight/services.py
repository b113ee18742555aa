"""Writes of recalls: open (forward trace and snapshot), acknowledge, record a disposition, close, cancel.

Dispositions are events (DESIGN.md §3): each one is captured as an EPCIS 2.0 ObjectEvent through
`events_capture`, with these CBV 2.0 bizStep / disposition pairs (documented in README.md):

- destroyed:   bizStep `destroying`, disposition `destroyed` (the lot graph books the quantity as destroyed);
- corrected:   bizStep `repairing`, disposition `conformant` (relabelled or reworked, fit for sale again);
- re-exported: bizStep `shipping`, disposition `recalled` (sent back abroad under the recall);
- reused:      bizStep `txng:BizStep-repurposing` (no CBV step fits a change of use, so a user
               vocabulary step per EPCIS 2.0 §6.4), disposition `non_sellable_other`.

Every event also carries `txng:recall` (the recall code) and `txng:recallDisposition` (the kind).
"""

from __future__ import annotations

import datetime
import re
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Final
from urllib.parse import quote

import orjson
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from txng.accounts.models import Agency
from txng.accounts.principal import Principal
from txng.accounts.visibility import can_edit_organization
from txng.core.audit import audit_record
from txng.core.errors import Conflict, NotFound, PermissionDenied, ServiceError
from txng.epcis.canonical import canonical_identifier
from txng.epcis.document import parse_document
from txng.epcis.models import URI_MAX_LENGTH
from txng.epcis.services import events_capture
from txng.gs1.checkdigit import has_valid_check_digit
from txng.ledger.services import LeafInput, ledger_submit_many
from txng.lineage.derivation import TXNG_NAMESPACE, lot_parts
from txng.lineage.models import Lot, LotActivity, LotEdge
from txng.lineage.selectors import lots_find, recall_impact
from txng.oversight.models import (
    DEFAULT_LEGAL_BASIS,
    RESPONSE_TIME,
    AffectedLot,
    Recall,
    RecallDisposition,
    RecalledLot,
    RecallNotice,
)
from txng.registry.models import Organization, Product

RECALL_LOTS_MAX: Final = 100
QUANTITY_MAX: Final = Decimal(10) ** 12
_QUANTUM: Final = Decimal("0.000001")
_CHUNK: Final = 1000
_ELEMENT_STRING = re.compile(r"^\(01\)(\d{14})\(10\)([^()]{1,20})$")
_GTIN_AND_LOT = re.compile(r"^(\d{8}|\d{12,14})[\s,;/|]+(\S{1,20})$")
_INFLOW: Final = frozenset((LotActivity.Kind.PRODUCED, LotActivity.Kind.RECEIVED))
_OUTFLOW: Final = frozenset((LotActivity.Kind.SHIPPED, LotActivity.Kind.CONSUMED, LotActivity.Kind.DESTROYED))
_CONTEXT: Final = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld", {"txng": TXNG_NAMESPACE}]
DISPOSITION_EVENTS: Final = {
    RecallDisposition.Kind.DESTROYED: ("destroying", "destroyed"),
    RecallDisposition.Kind.CORRECTED: ("repairing", "conformant"),
    RecallDisposition.Kind.RE_EXPORTED: ("shipping", "recalled"),
    RecallDisposition.Kind.REUSED: (f"{TXNG_NAMESPACE}BizStep-repurposing", "non_sellable_other"),
}


# ------------------------------------------------------------------------------------------- input


def lot_identifier_parse(text: str) -> str:
    """A lot code as typed (Digital Link URI, EPC class URN, `(01)…(10)…`, or `GTIN LOT`) → canonical identifier."""
    text = text.strip()
    if not text or len(text) > URI_MAX_LENGTH:
        raise ServiceError(_("Enter a lot code."), code="lot-invalid", field="lots")
    element = _ELEMENT_STRING.match(text) or _GTIN_AND_LOT.match(text)
    if element is not None:
        gtin = element[1].zfill(14)
        if not has_valid_check_digit(gtin):
            raise ServiceError(
                _("The GTIN %(gtin)s has a wrong check digit.") % {"gtin": element[1]}, code="lot-invalid", field="lots"
            )
        return canonical_identifier(f"https://id.gs1.org/01/{gtin}/10/{quote(element[2], safe='')}")
    if ":" not in text:
        raise ServiceError(
            _("“%(code)s” is not a lot code: give a Digital Link, or a GTIN and a lot number.") % {"code": text[:60]},
            code="lot-invalid",
            field="lots",
        )
    return canonical_identifier(text)


def _text(value: str, *, field: str, limit: int, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise ServiceError(_("This field is required."), code="required", field=field)
    if len(value) > limit:
        raise ServiceError(_("Keep this under %(limit)s characters.") % {"limit": limit}, code="too-long", field=field)
    return value


def _quantity(value: Decimal | str | int | float, *, limit: Decimal) -> Decimal:
    try:
        quantity = Decimal(str(value)).quantize(_QUANTUM)
    except (InvalidOperation, ValueError):
        raise ServiceError(_("Enter a number."), code="quantity-invalid", field="quantity") from None
    if not quantity.is_finite() or quantity <= 0:
        raise ServiceError(_("The quantity must be more than zero."), code="quantity-invalid", field="quantity")
    if quantity > limit:
        message = (
            _("The quantity is too large.")
            if limit == QUANTITY_MAX
            else _("The quantity is more than what is left of this lot (%(limit)s).") % {"limit": limit.normalize()}
        )
        raise ServiceError(message, code="quantity-too-large", field="quantity")
    return quantity


# -------------------------------------------------------------------------------------------- open


def _acting_agency(principal: Principal, agency_id: int | None) -> Agency:
    agency_ids = [scope.agency_id for scope in principal.scopes]
    if not agency_ids:
        raise PermissionDenied(_("Only agency officers open recalls."), code="recall-forbidden")
    chosen = agency_ids[0] if agency_id is None else agency_id
    if chosen not in agency_ids:
        raise PermissionDenied(_("You do not act for this agency."), code="recall-forbidden", field="agency")
    return Agency.objects.get(pk=chosen)


def _next_code(*, is_mock: bool, year: int) -> str:
    prefix = f"{'DT' if is_mock else 'TH'}-{year}-"
    codes = Recall.objects.filter(code__startswith=prefix).values_list("code", flat=True)
    last = max((int(code[len(prefix) :]) for code in codes if code[len(prefix) :].isdigit()), default=0)
    return f"{prefix}{last + 1:04d}"


def on_hand_quantities(lot_ids: Sequence[int]) -> dict[int, tuple[Decimal | None, str]]:
    """What each lot node still holds: produced + received − shipped − used − destroyed, in its main unit."""
    inflow: dict[int, dict[str, Decimal]] = defaultdict(dict)
    outflow: dict[int, dict[str, Decimal]] = defaultdict(dict)
    shipped_in: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for begin in range(0, len(lot_ids), _CHUNK):
        rows = (
            LotActivity.objects.filter(lot_id__in=lot_ids[begin : begin + _CHUNK], quantity__isnull=False)
            .values_list("lot_id", "kind", "uom")
            .annotate(total=Sum("quantity"))
            .order_by()
        )
        for lot_id, kind, uom, total in rows:
            if kind in _INFLOW:
                inflow[lot_id][uom] = inflow[lot_id].get(uom, Decimal(0)) + total
            elif kind in _OUTFLOW:
                outflow[lot_id][uom] = outflow[lot_id].get(uom, Decimal(0)) + total
        # A partner that ships to a registered business creates the receiver's node with a shipment edge;
        # the receiver may not have captured its receiving event (yet): the edge is then the inflow.
        edges = (
            LotEdge.objects.filter(
                to_lot_id__in=lot_ids[begin : begin + _CHUNK], kind=LotEdge.Kind.SHIPMENT, quantity__isnull=False
            )
            .values_list("to_lot_id", "uom")
            .annotate(total=Sum("quantity"))
            .order_by()
        )
        for lot_id, uom, total in edges:
            shipped_in[lot_id][uom] = total
    result: dict[int, tuple[Decimal | None, str]] = {}
    for lot_id in lot_ids:
        for uom, total in shipped_in[lot_id].items():
            # What the holder booked in, or what its partners shipped to it when that is more.
            inflow[lot_id][uom] = max(inflow[lot_id].get(uom, Decimal(0)), total)
        if not inflow.get(lot_id):
            result[lot_id] = (None, "")
            continue
        uom, total = max(inflow[lot_id].items(), key=lambda item: item[1])
        result[lot_id] = (max(total - outflow[lot_id].get(uom, Decimal(0)), Decimal(0)), uom)
    return result


def _snapshot(recall: Recall, start: Iterable[Lot]) -> None:
    """Forward trace of the recalled lots, wherever held, and one affected-lot row per node reached."""
    start = list(start)
    impact = recall_impact(start)
    start_identifiers = {lot.identifier for lot in start}
    quantities = on_hand_quantities(impact.lot_ids)
    rows: list[AffectedLot] = []
    for begin in range(0, len(impact.lot_ids), _CHUNK):
        nodes = Lot.objects.filter(pk__in=impact.lot_ids[begin : begin + _CHUNK]).values_list(
            "pk", "organization_id", "identifier", "gtin", "lot", "last_location"
        )
        for pk, organization_id, identifier, gtin, lot, location in nodes:
            quantity, uom = quantities[pk]
            rows.append(
                AffectedLot(
                    recall=recall,
                    organization_id=organization_id,
                    lot_node_id=pk,
                    identifier=identifier,
                    gtin=gtin,
                    lot=lot,
                    location=location,
                    quantity=quantity,
                    uom=uom,
                    is_recalled_lot=identifier in start_identifiers,
                )
            )
    names = dict(Product.objects.filter(gtin__in={row.gtin for row in rows if row.gtin}).values_list("gtin", "name"))
    for row in rows:
        row.product_name = names.get(row.gtin, "")[:255]
    AffectedLot.objects.bulk_create(rows, batch_size=_CHUNK)
    now = recall.opened_at
    RecallNotice.objects.bulk_create(
        [RecallNotice(recall=recall, organization_id=pk, notified_at=now) for pk in impact.organization_ids],
        batch_size=_CHUNK,
    )
    recall.affected_lot_count = len(rows)
    recall.affected_organization_count = len(impact.organization_ids)
    recall.external_parties = impact.external_parties


def recall_open(
    *,
    actor: Principal,
    title: str,
    reason: str,
    lots: Sequence[str],
    hazard_class: str,
    legal_basis: str = "",
    hazard: str = "",
    is_mock: bool = False,
    agency_id: int | None = None,
) -> Recall:
    """An agency recalls lots: the forward trace finds every affected lot and holder, who are notified."""
    agency = _acting_agency(actor, agency_id)
    title = _text(title, field="title", limit=200)
    reason = _text(reason, field="reason", limit=2000)
    legal_basis = _text(legal_basis, field="legal_basis", limit=300, required=False) or DEFAULT_LEGAL_BASIS
    hazard = _text(hazard, field="hazard", limit=200, required=False)
    if hazard_class not in Recall.HazardClass.values:
        raise ServiceError(_("Choose the hazard class."), code="hazard-class-invalid", field="hazard_class")
    codes = [code for code in (text.strip() for text in lots) if code]
    if not codes:
        raise ServiceError(_("Name at least one lot."), code="lots-required", field="lots")
    if len(codes) > RECALL_LOTS_MAX:
        raise ServiceError(
            _("A recall names at most %(count)s lots.") % {"count": RECALL_LOTS_MAX}, code="too-many-lots", field="lots"
        )
    identifiers = sorted({lot_identifier_parse(code) for code in codes})
    start: list[Lot] = []
    for identifier in identifiers:
        try:
            start.extend(lots_find(principal=actor, identifier=identifier))
        except NotFound:
            raise NotFound(
                _("No lot %(code)s is known to the system within your scope.") % {"code": identifier},
                code="lot-not-found",
                field="lots",
            ) from None
    for attempt in range(3):
        try:
            return _recall_create(
                actor=actor,
                agency=agency,
                title=title,
                reason=reason,
                legal_basis=legal_basis,
                hazard=hazard,
                hazard_class=hazard_class,
                is_mock=is_mock,
                identifiers=identifiers,
                start=start,
            )
        except IntegrityError:  # another officer took the same code number at the same moment
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def _ledger_record(recall: Recall) -> dict[str, Any]:
    """What the ledger commits to for a recall: who recalled which lots, why, and when."""
    return {
        "code": recall.code,
        "title": recall.title,
        "reason": recall.reason,
        "legal_basis": recall.legal_basis,
        "hazard_class": recall.hazard_class,
        "agency": recall.agency.name,
        "opened_at": recall.opened_at.isoformat(),
        "lots": sorted(recall.recalled_lots.values_list("identifier", flat=True)),
    }


def _recall_create(
    *,
    actor: Principal,
    agency: Agency,
    title: str,
    reason: str,
    legal_basis: str,
    hazard: str,
    hazard_class: str,
    is_mock: bool,
    identifiers: list[str],
    start: list[Lot],
) -> Recall:
    started = time.perf_counter()
    now = timezone.now()
    recall = Recall.objects.create(
        code=_next_code(is_mock=is_mock, year=timezone.localtime(now).year),
        title=title,
        reason=reason,
        legal_basis=legal_basis,
        hazard=hazard,
        hazard_class=hazard_class,
        is_mock=is_mock,
        agency=agency,
        opened_by=actor.user,
        opened_at=now,
        response_deadline=now + RESPONSE_TIME,
    )
    RecalledLot.objects.bulk_create(
        [RecalledLot(recall=recall, identifier=i, gtin=lot_parts(i)[0], lot=lot_parts(i)[1][:40]) for i in identifiers]
    )
    _snapshot(recall, start)
    recall.trace_milliseconds = max(1, round((time.perf_counter() - started) * 1000))
    recall.save(
        update_fields=[
            "trace_milliseconds",
            "affected_lot_count",
            "affected_organization_count",
            "external_parties",
        ]
    )
    if not is_mock:
        # A public recall is a published fact: its digest goes into the transparency ledger (issue 8).
        ledger_submit_many([LeafInput(kind="recall", reference=f"recall:{recall.code}", data=_ledger_record(recall))])
    audit_record(
        actor=actor,
        action="recall.open",
        obj=recall,
        changes={
            "code": recall.code,
            "is_mock": is_mock,
            "lots": identifiers,
            "affected_lots": recall.affected_lot_count,
            "affected_organizations": recall.affected_organization_count,
            "trace_milliseconds": recall.trace_milliseconds,
        },
    )
    return recall


# ------------------------------------------------------------------------------ business response


def _notice_for(actor: Principal, recall: Recall, organization_id: int | None) -> RecallNotice:
    notices = RecallNotice.objects.select_related("organization").filter(recall=recall)
    if organization_id is None:
        own = [n for n in notices if can_edit_organization(actor, n.organization_id)]
        if len(own) != 1:
            if not own:
                raise PermissionDenied(_("This recall does not concern your organization."), code="recall-forbidden")
            raise ServiceError(_("Choose the organization."), code="organization-required", field="organization")
        return own[0]
    if not can_edit_organization(actor, organization_id):
        raise PermissionDenied(_("You may not answer for this organization."), code="recall-forbidden")
    notice = next((n for n in notices if n.organization_id == organization_id), None)
    if notice is None:
        raise PermissionDenied(_("This recall does not concern your organization."), code="recall-forbidden")
    return notice


def _require_open(recall: Recall) -> None:
    if not recall.is_open:
        raise Conflict(_("This recall is no longer open."), code="recall-not-open")


@transaction.atomic
def recall_acknowledge(*, actor: Principal, recall: Recall, organization_id: int | None = None) -> RecallNotice:
    """An affected business confirms that it received the recall notice."""
    recall = Recall.objects.select_for_update().get(pk=recall.pk)
    _require_open(recall)
    notice = _notice_for(actor, recall, organization_id)
    if notice.acknowledged_at is not None:
        raise Conflict(_("Your organization has already acknowledged this recall."), code="already-acknowledged")
    notice.acknowledged_at = timezone.now()
    notice.acknowledged_by = actor.user
    notice.acknowledged_by_label = actor.label[:200]
    notice.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledged_by_label"])
    audit_record(
        actor=actor,
        action="recall.acknowledge",
        obj=notice,
        changes={"recall": recall.code, "is_late": notice.acknowledged_at > recall.response_deadline},
    )
    return notice


def disposition_event(
    *, recall: Recall, lot: AffectedLot, kind: str, quantity: Decimal, when: datetime.datetime
) -> dict[str, Any]:
    """The EPCIS 2.0 ObjectEvent that records a disposition (CBV values in the module docstring)."""
    biz_step, disposition = DISPOSITION_EVENTS[RecallDisposition.Kind(kind)]
    item: dict[str, Any] = {"epcClass": lot.identifier, "quantity": float(quantity)}
    if lot.uom:
        item["uom"] = lot.uom
    local = timezone.localtime(when)
    offset = local.strftime("%z")
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventID": f"urn:uuid:{uuid.uuid4()}",
        "eventTime": local.isoformat(timespec="milliseconds"),
        "eventTimeZoneOffset": f"{offset[:3]}:{offset[3:]}",
        "action": "OBSERVE",
        "bizStep": biz_step,
        "disposition": disposition,
        "epcList": [],
        "quantityList": [item],
        "txng:recall": recall.code,
        "txng:recallDisposition": str(kind),
    }
    if lot.location:
        event["readPoint"] = {"id": lot.location}
        event["bizLocation"] = {"id": lot.location}
    return event


@transaction.atomic
def recall_disposition_record(
    *,
    actor: Principal,
    recall: Recall,
    affected_lot_id: int,
    kind: str,
    quantity: Decimal | str | int | float,
    note: str = "",
) -> RecallDisposition:
    """An affected business records what it did with part of a lot, as an EPCIS event captured for it."""
    recall = Recall.objects.select_for_update().get(pk=recall.pk)
    _require_open(recall)
    lot = AffectedLot.objects.filter(recall=recall, pk=affected_lot_id).first()
    if lot is None:
        raise NotFound(_("This lot is not affected by the recall."), code="lot-not-found", field="lot")
    notice = _notice_for(actor, recall, lot.organization_id)
    if notice.acknowledged_at is None:
        raise Conflict(_("Acknowledge the recall before recording what you did."), code="recall-not-acknowledged")
    if kind not in RecallDisposition.Kind.values:
        raise ServiceError(_("Choose what was done with the lot."), code="kind-invalid", field="kind")
    note = _text(note, field="note", limit=1000, required=False)
    limit = QUANTITY_MAX
    if lot.quantity is not None:
        done = lot.dispositions.aggregate(total=Sum("quantity"))["total"] or Decimal(0)
        limit = max(lot.quantity - done, Decimal(0))
        if limit == 0:
            raise Conflict(_("All of this lot is already accounted for."), code="lot-accounted-for", field="quantity")
    amount = _quantity(quantity, limit=limit)
    now = timezone.now()
    event = disposition_event(recall=recall, lot=lot, kind=kind, quantity=amount, when=now)
    body = {"@context": _CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": event["eventTime"]}
    body["epcisBody"] = {"eventList": [event]}
    document = parse_document(orjson.dumps(body), "application/ld+json")
    result = events_capture(actor=actor, organization=notice.organization, document=document)
    if result.errors or not result.event_ids:
        raise ServiceError(_("The event could not be recorded; try again."), code="capture-failed")
    disposition = RecallDisposition.objects.create(
        organization=notice.organization,
        recall=recall,
        affected_lot=lot,
        kind=kind,
        quantity=amount,
        uom=lot.uom,
        note=note,
        event_id=result.event_ids[0],
        recorded_at=now,
        recorded_by=actor.user,
        recorded_by_label=actor.label[:200],
    )
    audit_record(
        actor=actor,
        action="recall.disposition",
        obj=disposition,
        changes={
            "recall": recall.code,
            "lot": lot.identifier,
            "kind": kind,
            "quantity": amount,
            "event": event["eventID"],
        },
    )
    return disposition


# ------------------------------------------------------------------------------------ close, cancel


def _may_manage(actor: Principal, recall: Recall) -> bool:
    return actor.sees_everything or any(scope.agency_id == recall.agency_id for scope in actor.scopes)


def _finish(*, actor: Principal, recall: Recall, status: str, note: str, action: str) -> Recall:
    recall = Recall.objects.select_for_update().get(pk=recall.pk)
    if not _may_manage(actor, recall):
        raise PermissionDenied(_("Only the agency that opened the recall may close it."), code="recall-forbidden")
    _require_open(recall)
    recall.close_note = _text(note, field="note", limit=2000, required=False)
    recall.status = status
    recall.closed_at = timezone.now()
    recall.closed_by = actor.user
    recall.save(update_fields=["status", "closed_at", "closed_by", "close_note"])
    audit_record(actor=actor, action=action, obj=recall, changes={"status": status, "note": recall.close_note})
    return recall


@transaction.atomic
def recall_close(*, actor: Principal, recall: Recall, note: str = "") -> Recall:
    """The agency ends the recall: the affected lots stay recalled on the public pages."""
    return _finish(actor=actor, recall=recall, status=Recall.Status.CLOSED, note=note, action="recall.close")


@transaction.atomic
def recall_cancel(*, actor: Principal, recall: Recall, note: str = "") -> Recall:
    """The agency withdraws a recall opened in error: it disappears from the public pages."""
    return _finish(actor=actor, recall=recall, status=Recall.Status.CANCELLED, note=note, action="recall.cancel")


def organizations_named(organization_ids: Iterable[int]) -> dict[int, str]:
    """Names of organizations by id (for pages and the API)."""
    return dict(Organization.objects.filter(pk__in=set(organization_ids)).values_list("pk", "name"))
