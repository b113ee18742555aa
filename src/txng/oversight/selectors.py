"""Reads of recalls, through the one visibility layer, and the progress of a recall.

- DOST officers and administrators see every recall;
- other officers see the recalls their agency opened and those that reach an organization of their
  sector or area;
- a business sees the recalls that reach one of its organizations (mock drills included: it must answer);
- the public sees real recalls once opened, and closed ones; never mock drills or cancelled recalls.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from txng.accounts.models import Agency
from txng.accounts.principal import Principal
from txng.accounts.visibility import organization_q
from txng.core.errors import NotFound
from txng.oversight.models import AffectedLot, Recall, RecallDisposition, RecallNotice
from txng.registry.models import Organization

PUBLIC_STATUSES = (Recall.Status.OPENED, Recall.Status.CLOSED)


def agencies_of(principal: Principal) -> list[tuple[int, str]]:
    """The agencies the officer acts for, as (id, name) choices, by name."""
    ids = [scope.agency_id for scope in principal.scopes]
    return list(Agency.objects.filter(pk__in=ids).order_by("name").values_list("pk", "name"))


def recalls_public() -> QuerySet[Recall]:
    """Real recalls the public may see (opened or closed), newest first; never mock drills or cancelled ones."""
    return Recall.objects.filter(is_mock=False, status__in=PUBLIC_STATUSES).order_by("-opened_at", "-pk")


def recalls_visible(principal: Principal) -> QuerySet[Recall]:
    """The recalls a principal may see, newest first."""
    if principal.sees_everything:
        return Recall.objects.order_by("-opened_at", "-pk")
    if principal.is_public:
        return recalls_public()
    q = Q(pk__in=[])
    if principal.organization_ids:
        q |= Q(
            Exists(RecallNotice.objects.filter(recall=OuterRef("pk"), organization_id__in=principal.organization_ids))
        )
    if principal.is_officer:
        q |= Q(agency_id__in=[scope.agency_id for scope in principal.scopes])
        in_scope = Organization.objects.filter(organization_q(principal)).values("pk")
        q |= Q(Exists(RecallNotice.objects.filter(recall=OuterRef("pk"), organization_id__in=in_scope)))
    return Recall.objects.filter(q).order_by("-opened_at", "-pk")


def recall_get(*, principal: Principal, code: str) -> Recall:
    """One recall by its code, if the principal may see it."""
    recall = recalls_visible(principal).select_related("agency").filter(code=code).first()
    if recall is None:
        raise NotFound(_("No such recall."), code="recall-not-found")
    return recall


def organizations_visible_in(principal: Principal, recall: Recall) -> set[int] | None:
    """Affected organizations whose lots the principal may see in this recall; None means all of them."""
    if principal.sees_everything or any(scope.agency_id == recall.agency_id for scope in principal.scopes):
        return None
    ids = set(recall.notices.values_list("organization_id", flat=True))
    if principal.is_public:
        return ids if recall.is_mock is False and recall.status in PUBLIC_STATUSES else set()
    visible = set(principal.organization_ids) & ids
    if principal.is_officer:
        visible |= set(Organization.objects.filter(organization_q(principal), pk__in=ids).values_list("pk", flat=True))
    return visible


def affected_lots(*, principal: Principal, recall: Recall) -> QuerySet[AffectedLot]:
    """The recall's affected lots the principal may see (a business: its own; the public: every lot)."""
    lots = AffectedLot.objects.filter(recall=recall).order_by("organization_id", "identifier", "pk")
    visible = organizations_visible_in(principal, recall)
    return lots if visible is None else lots.filter(organization_id__in=visible)


def recall_active_for_lot(*, gtin: str, lot: str) -> Recall | None:
    """The public recall in force for a GTIN + lot (opened, or closed: the lot stays recalled), newest first."""
    if not gtin or not lot:
        return None
    return (
        recalls_public()
        .select_related("agency")
        .filter(Exists(AffectedLot.objects.filter(recall=OuterRef("pk"), gtin=gtin, lot=lot)))
        .first()
    )


def recalls_for_product(*, gtin: str) -> list[tuple[Recall, list[str]]]:
    """Public recalls that reach any lot of a GTIN, with the lot numbers concerned (for codes without a lot)."""
    if not gtin:
        return []
    rows = (
        AffectedLot.objects.filter(gtin=gtin, recall__in=recalls_public())
        .values_list("recall_id", "lot")
        .distinct()
        .order_by("recall_id", "lot")
    )
    lots: dict[int, list[str]] = defaultdict(list)
    for recall_id, lot in rows:
        if lot and lot not in lots[recall_id]:
            lots[recall_id].append(lot)
    recalls = recalls_public().filter(pk__in=lots)
    return [(recall, lots[recall.pk]) for recall in recalls]


def recall_products(recall: Recall) -> list[tuple[str, str, str]]:
    """(product name, GTIN, lot number) of every lot the recall reaches, for public listings."""
    rows = (
        AffectedLot.objects.filter(recall=recall)
        .values_list("product_name", "gtin", "lot")
        .distinct()
        .order_by("product_name", "gtin", "lot")
    )
    return list(rows)


@dataclass(frozen=True)
class UnitProgress:
    uom: str
    affected: Decimal
    located: Decimal

    @property
    def percent(self) -> int:
        return 100 if self.affected <= 0 else min(100, int(self.located * 100 / self.affected))


@dataclass
class Progress:
    """How far the recall has come: quantity located against quantity affected, answers against notices."""

    units: list[UnitProgress] = field(default_factory=list)
    lots_total: int = 0
    lots_without_quantity: int = 0
    organizations_notified: int = 0
    organizations_acknowledged: int = 0
    overdue_organization_ids: list[int] = field(default_factory=list)
    is_overdue: bool = False
    deadline: datetime.datetime | None = None
    trace_milliseconds: int | None = None
    all_acknowledged_after: datetime.timedelta | None = None
    located_by_lot: dict[int, Decimal] = field(default_factory=dict)

    @property
    def percent(self) -> int:
        """Quantity located as a share of the quantity affected (mean over units when there are several)."""
        if not self.units:
            return 0
        return sum(unit.percent for unit in self.units) // len(self.units)


def recall_progress(recall: Recall, *, organization_ids: set[int] | None = None) -> Progress:
    """Progress of the recall, over all affected organizations or the given ones (three queries)."""
    lots = AffectedLot.objects.filter(recall=recall)
    notices = RecallNotice.objects.filter(recall=recall)
    dispositions = RecallDisposition.objects.filter(recall=recall)
    if organization_ids is not None:
        lots = lots.filter(organization_id__in=organization_ids)
        notices = notices.filter(organization_id__in=organization_ids)
        dispositions = dispositions.filter(organization_id__in=organization_ids)
    located: dict[int, Decimal] = defaultdict(Decimal)
    for lot_id, quantity in dispositions.values_list("affected_lot_id", "quantity"):
        located[lot_id] += quantity
    affected: dict[str, Decimal] = defaultdict(Decimal)
    found: dict[str, Decimal] = defaultdict(Decimal)
    progress = Progress(deadline=recall.response_deadline, trace_milliseconds=recall.trace_milliseconds)
    for pk, held, uom in lots.values_list("pk", "quantity", "uom"):
        progress.lots_total += 1
        if held is None:
            progress.lots_without_quantity += 1
            continue
        if held > 0:
            affected[uom] += held
            found[uom] += min(located.get(pk, Decimal(0)), held)
    progress.units = [UnitProgress(uom, affected[uom], found[uom]) for uom in sorted(affected)]
    progress.located_by_lot = dict(located)
    answers = list(notices.values_list("organization_id", "acknowledged_at"))
    progress.organizations_notified = len(answers)
    progress.organizations_acknowledged = sum(1 for _, at in answers if at is not None)
    now = timezone.now()
    if recall.is_open and now > recall.response_deadline:
        progress.overdue_organization_ids = sorted(pk for pk, at in answers if at is None)
        progress.is_overdue = bool(progress.overdue_organization_ids)
    if answers and all(at is not None for _, at in answers):
        progress.all_acknowledged_after = max(at for _, at in answers if at is not None) - recall.opened_at
    return progress
