"""Writes for stamp batches: issue, activate, suspend, void, bind a lot. Atomic and audited."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from txng.accounts.principal import Principal
from txng.accounts.visibility import can_edit_organization
from txng.codes.models import StampBatch
from txng.codes.selectors import stamp_batch_forget
from txng.codes.serials import MAX_BATCH_SIZE, encrypt_secret, new_secret
from txng.core.audit import audit_record
from txng.core.errors import Conflict, PermissionDenied, ServiceError
from txng.gs1 import GS1Error, validate_ai_value
from txng.registry.models import Product

Status = StampBatch.Status


def _require_edit(actor: Principal, organization_id: int) -> None:
    if not can_edit_organization(actor, organization_id):
        raise PermissionDenied(_("You may not manage stamps of this organization."))


def _clean_lot(lot: str) -> str:
    lot = lot.strip()
    if lot:
        try:
            validate_ai_value("10", lot)
        except GS1Error as error:
            raise ServiceError(
                _("The lot is not a valid GS1 lot number (AI 10): %(reason)s") % {"reason": error},
                code="invalid-lot",
                field="lot",
            ) from error
    return lot


@transaction.atomic
def stamp_batch_issue(
    *, actor: Principal, product: Product, count: int, lot: str = "", activate: bool = False
) -> StampBatch:
    """Order `count` stamps for a product (optionally of a lot); the secret is created and stored encrypted."""
    _require_edit(actor, product.organization_id)
    if not product.is_published:
        raise ServiceError(_("Stamps can only be issued for a published product."), code="not-published")
    if not 1 <= count <= MAX_BATCH_SIZE:
        raise ServiceError(
            _("A batch has 1 to %(max)d stamps.") % {"max": MAX_BATCH_SIZE}, code="invalid", field="count"
        )
    now = timezone.now()
    cleaned_lot = _clean_lot(lot)
    batch = StampBatch.objects.create(
        organization_id=product.organization_id,
        product=product,
        lot=cleaned_lot,
        count=count,
        secret_encrypted=encrypt_secret(new_secret()),
        status=Status.ACTIVE if activate else Status.ISSUED,
        created_by=actor.label,
        activated_at=now if activate else None,
        lot_bound_at=now if cleaned_lot else None,
    )
    _forget(batch.pk)
    audit_record(
        actor=actor,
        action="stamp_batch.issue",
        obj=batch,
        changes={"gtin": product.gtin, "count": count, "lot": cleaned_lot, "status": batch.status},
    )
    return batch


def _locked(batch: StampBatch) -> StampBatch:
    return StampBatch.objects.select_for_update().select_related("product").get(pk=batch.pk)


def _forget(batch_id: int) -> None:
    # Now, for the rest of this transaction, and after commit, when no thread can read the old row again.
    stamp_batch_forget(batch_id)
    transaction.on_commit(lambda: stamp_batch_forget(batch_id))


_TRANSITIONS: dict[str, set[str]] = {
    Status.ACTIVE: {Status.ISSUED, Status.SUSPENDED},
    Status.SUSPENDED: {Status.ACTIVE, Status.ISSUED},
    Status.VOIDED: {Status.ISSUED, Status.ACTIVE, Status.SUSPENDED},
}


@transaction.atomic
def stamp_batch_set_status(*, actor: Principal, batch: StampBatch, status: str) -> StampBatch:
    """Activate, suspend or void a batch; a voided batch stays voided (its stamps may be in circulation)."""
    locked = _locked(batch)
    _require_edit(actor, locked.organization_id)
    if status not in _TRANSITIONS:
        raise ServiceError(_("Unknown batch status."), code="invalid-choice", field="status")
    if locked.status not in _TRANSITIONS[status]:
        raise Conflict(
            _("A batch that is %(current)s cannot become %(new)s.")
            % {"current": locked.get_status_display(), "new": Status(status).label},
            code="invalid-transition",
        )
    before = locked.status
    now = timezone.now()
    locked.status = status
    locked.status_changed_at = now
    if status == Status.ACTIVE and locked.activated_at is None:
        locked.activated_at = now
    locked.save(update_fields=["status", "status_changed_at", "activated_at"])
    _forget(locked.pk)
    audit_record(actor=actor, action=f"stamp_batch.{status}", obj=locked, changes={"status": [before, status]})
    batch.status, batch.status_changed_at, batch.activated_at = locked.status, now, locked.activated_at
    return locked


def stamp_batch_activate(*, actor: Principal, batch: StampBatch) -> StampBatch:
    return stamp_batch_set_status(actor=actor, batch=batch, status=Status.ACTIVE)


def stamp_batch_suspend(*, actor: Principal, batch: StampBatch) -> StampBatch:
    return stamp_batch_set_status(actor=actor, batch=batch, status=Status.SUSPENDED)


def stamp_batch_void(*, actor: Principal, batch: StampBatch) -> StampBatch:
    return stamp_batch_set_status(actor=actor, batch=batch, status=Status.VOIDED)


@transaction.atomic
def stamp_batch_bind_lot(*, actor: Principal, batch: StampBatch, lot: str) -> StampBatch:
    """Bind the batch to a lot at packing; once bound, the lot cannot change (printed data would disagree)."""
    locked = _locked(batch)
    _require_edit(actor, locked.organization_id)
    cleaned = _clean_lot(lot)
    if not cleaned:
        raise ServiceError(_("The lot is required."), code="required", field="lot")
    if locked.lot and locked.lot != cleaned:
        raise Conflict(_("This batch is already bound to lot %(lot)s.") % {"lot": locked.lot}, code="lot-bound")
    if locked.status == Status.VOIDED:
        raise Conflict(_("A voided batch cannot be bound to a lot."), code="voided")
    locked.lot = cleaned
    locked.lot_bound_at = timezone.now()
    locked.save(update_fields=["lot", "lot_bound_at"])
    _forget(locked.pk)
    audit_record(actor=actor, action="stamp_batch.bind_lot", obj=locked, changes={"lot": cleaned})
    batch.lot, batch.lot_bound_at = locked.lot, locked.lot_bound_at
    return locked
