"""Recalls API under /api/recalls/: list, detail with progress, open, acknowledge, dispositions, close, cancel."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from txng.accounts.auth import AUTHENTICATED, principal_of
from txng.epcis.models import URI_MAX_LENGTH
from txng.oversight import selectors, services
from txng.oversight.models import Recall, RecallDisposition
from txng.oversight.services import RECALL_LOTS_MAX

router = Router(tags=["recalls"], auth=AUTHENTICATED)


class RecallOut(Schema):
    code: str
    title: str
    reason: str
    legal_basis: str
    hazard: str
    hazard_class: str
    is_mock: bool
    status: str
    agency: str
    opened_at: datetime.datetime
    response_deadline: datetime.datetime
    closed_at: datetime.datetime | None
    affected_lot_count: int
    affected_organization_count: int

    @staticmethod
    def resolve_agency(obj: Any) -> str:
        return str(obj["agency"]) if isinstance(obj, dict) else obj.agency.name


class UnitProgressOut(Schema):
    uom: str
    affected: Decimal
    located: Decimal
    percent: int


class ProgressOut(Schema):
    percent: int
    units: list[UnitProgressOut]
    lots_total: int
    lots_without_quantity: int
    organizations_notified: int
    organizations_acknowledged: int
    is_overdue: bool
    overdue_organization_ids: list[int]
    trace_milliseconds: int | None
    all_acknowledged_after_seconds: float | None


class AffectedLotOut(Schema):
    id: int
    identifier: str
    gtin: str
    lot: str
    product: str
    organization_id: int
    organization: str
    location: str
    quantity: Decimal | None
    uom: str
    located: Decimal
    is_recalled_lot: bool


class NoticeOut(Schema):
    organization_id: int
    organization: str
    notified_at: datetime.datetime
    acknowledged_at: datetime.datetime | None


class RecallDetailOut(RecallOut):
    recalled_lots: list[str]
    external_parties: list[str]
    progress: ProgressOut
    lots: list[AffectedLotOut]
    notices: list[NoticeOut]


class RecallIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    reason: str = Field(..., min_length=1, max_length=2000)
    lots: list[Annotated[str, Field(max_length=URI_MAX_LENGTH)]] = Field(..., min_length=1, max_length=RECALL_LOTS_MAX)
    hazard_class: str = Field(..., max_length=10)
    legal_basis: str = Field("", max_length=300)
    hazard: str = Field("", max_length=200)
    is_mock: bool = False
    agency_id: int | None = None


class AcknowledgeIn(Schema):
    organization_id: int | None = None


class DispositionIn(Schema):
    lot_id: int
    kind: str = Field(..., max_length=12)
    quantity: Decimal = Field(..., gt=0, max_digits=20, decimal_places=6)
    note: str = Field("", max_length=1000)


class DispositionOut(Schema):
    id: int
    organization_id: int
    lot_id: int = Field(..., alias="affected_lot_id")
    kind: str
    quantity: Decimal
    uom: str
    note: str
    event_id: str
    recorded_at: datetime.datetime


class CloseIn(Schema):
    note: str = Field("", max_length=2000)


def recall_detail(principal: Any, recall: Recall) -> dict[str, Any]:
    """A recall as the principal may see it: its affected lots, notices and progress (a few queries)."""
    visible = selectors.organizations_visible_in(principal, recall)
    progress = selectors.recall_progress(recall, organization_ids=visible)
    lots = list(selectors.affected_lots(principal=principal, recall=recall))
    notices = recall.notices.order_by("organization_id")
    if visible is not None:
        notices = notices.filter(organization_id__in=visible)
    notice_rows = list(notices.values_list("organization_id", "notified_at", "acknowledged_at"))
    names = services.organizations_named([lot.organization_id for lot in lots] + [row[0] for row in notice_rows])
    return {
        **RecallOut.from_orm(recall).model_dump(),
        "agency": recall.agency.name,
        "recalled_lots": list(recall.recalled_lots.order_by("identifier").values_list("identifier", flat=True)),
        "external_parties": recall.external_parties if visible is None else [],
        "progress": {
            "percent": progress.percent,
            "units": [{**unit.__dict__, "percent": unit.percent} for unit in progress.units],
            "lots_total": progress.lots_total,
            "lots_without_quantity": progress.lots_without_quantity,
            "organizations_notified": progress.organizations_notified,
            "organizations_acknowledged": progress.organizations_acknowledged,
            "is_overdue": progress.is_overdue,
            "overdue_organization_ids": progress.overdue_organization_ids,
            "trace_milliseconds": progress.trace_milliseconds,
            "all_acknowledged_after_seconds": (
                None if progress.all_acknowledged_after is None else progress.all_acknowledged_after.total_seconds()
            ),
        },
        "lots": [
            {
                "id": lot.pk,
                "identifier": lot.identifier,
                "gtin": lot.gtin,
                "lot": lot.lot,
                "product": lot.product_name,
                "organization_id": lot.organization_id,
                "organization": names.get(lot.organization_id, ""),
                "location": lot.location,
                "quantity": lot.quantity,
                "uom": lot.uom,
                "located": progress.located_by_lot.get(lot.pk, Decimal(0)),
                "is_recalled_lot": lot.is_recalled_lot,
            }
            for lot in lots
        ],
        "notices": [
            {"organization_id": pk, "organization": names.get(pk, ""), "notified_at": at, "acknowledged_at": ack}
            for pk, at, ack in notice_rows
        ],
    }


@router.get("/", response=list[RecallOut], summary="Recalls visible to you, newest first")
@paginate(LimitOffsetPagination)
def recalls_list(request: HttpRequest, status: str = "", is_mock: bool | None = None) -> Any:
    recalls = selectors.recalls_visible(principal_of(request)).select_related("agency")
    if status in Recall.Status.values:
        recalls = recalls.filter(status=status)
    if is_mock is not None:
        recalls = recalls.filter(is_mock=is_mock)
    return recalls


@router.post("/", response={201: RecallDetailOut}, summary="Open a recall (agency officers); mock recalls too")
def recalls_open(request: HttpRequest, payload: RecallIn) -> Any:
    principal = principal_of(request)
    recall = services.recall_open(actor=principal, **payload.dict())
    return Status(201, recall_detail(principal, selectors.recall_get(principal=principal, code=recall.code)))


@router.get("/{code}", response=RecallDetailOut, summary="A recall with its affected lots, notices and progress")
def recalls_detail(request: HttpRequest, code: str) -> Any:
    principal = principal_of(request)
    return recall_detail(principal, selectors.recall_get(principal=principal, code=code))


@router.post("/{code}/acknowledge", response=NoticeOut, summary="An affected business acknowledges the recall")
def recalls_acknowledge(request: HttpRequest, code: str, payload: AcknowledgeIn) -> Any:
    principal = principal_of(request)
    recall = selectors.recall_get(principal=principal, code=code)
    notice = services.recall_acknowledge(actor=principal, recall=recall, organization_id=payload.organization_id)
    return {
        "organization_id": notice.organization_id,
        "organization": notice.organization.name,
        "notified_at": notice.notified_at,
        "acknowledged_at": notice.acknowledged_at,
    }


@router.post(
    "/{code}/dispositions",
    response={201: DispositionOut},
    summary="Record what was done with an affected lot (corrected, reused, re-exported, destroyed) as an EPCIS event",
)
def recalls_disposition(request: HttpRequest, code: str, payload: DispositionIn) -> Any:
    principal = principal_of(request)
    recall = selectors.recall_get(principal=principal, code=code)
    disposition: RecallDisposition = services.recall_disposition_record(
        actor=principal,
        recall=recall,
        affected_lot_id=payload.lot_id,
        kind=payload.kind,
        quantity=payload.quantity,
        note=payload.note,
    )
    return Status(201, disposition)


@router.post("/{code}/close", response=RecallOut, summary="Close a recall (the agency that opened it)")
def recalls_close(request: HttpRequest, code: str, payload: CloseIn) -> Any:
    principal = principal_of(request)
    recall = selectors.recall_get(principal=principal, code=code)
    return services.recall_close(actor=principal, recall=recall, note=payload.note)


@router.post("/{code}/cancel", response=RecallOut, summary="Cancel a recall opened in error")
def recalls_cancel(request: HttpRequest, code: str, payload: CloseIn) -> Any:
    principal = principal_of(request)
    recall = selectors.recall_get(principal=principal, code=code)
    return services.recall_cancel(actor=principal, recall=recall, note=payload.note)
