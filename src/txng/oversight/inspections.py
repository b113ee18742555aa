"""Inspections and violations: plan, record the TCVN 13167 checklist, samples and photos, violations and
follow-ups, open a recall from a violation (through `recall_open`), and triage consumers' reports.

The checklist criteria follow TCVN 13167:2020 (traceability — requirements for the traceability system
of food and agricultural products): identification of products and lots, recording of the critical
tracking events with their key data elements, links one step back and one step forward, retention,
and the ability to withdraw. Groups add their own criteria (e.g. the planting-area code for fruit).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Final

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from txng.accounts.models import Agency
from txng.accounts.principal import Principal
from txng.accounts.visibility import organization_q
from txng.core.audit import audit_record
from txng.core.errors import NotFound, PermissionDenied, ServiceError
from txng.oversight.models import Recall
from txng.oversight.models_inspections import (
    Inspection,
    InspectionPhoto,
    InspectionSample,
    ReportTriage,
    Violation,
)
from txng.oversight.services import recall_open
from txng.registry.models import Facility, Organization, ProductGroup
from txng.resolver.models import SuspectReport

RESULTS: Final = ("pass", "fail", "na")
# Criteria every traceability system must meet (TCVN 13167:2020, clause 5), and those added per group.
COMMON_CRITERIA: Final = (
    ("id-product", gettext_noop("Products and lots are identified (GTIN and lot number).")),
    ("cte-recorded", gettext_noop("Critical tracking events are recorded with their key data elements.")),
    ("one-back", gettext_noop("Each input can be traced one step back to its supplier.")),
    ("one-forward", gettext_noop("Each shipment can be traced one step forward to its receiver.")),
    ("retention", gettext_noop("Records are kept for the retention period of the product group.")),
    ("withdrawal", gettext_noop("The business can find and withdraw a lot within 24 hours.")),
)
GROUP_CRITERIA: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "lua-gao": (
        ("rice-field", gettext_noop("Each lot names the field or growing area it came from.")),
        ("rice-inputs", gettext_noop("Seed, fertiliser and pesticide use is recorded with dates.")),
    ),
    "trai-cay": (
        ("fruit-area-code", gettext_noop("Each lot carries its planting-area code.")),
        ("fruit-phi", gettext_noop("Harvest respects the pre-harvest interval of the last spraying.")),
        ("fruit-packing", gettext_noop("The packing-house code is recorded at packing.")),
    ),
    "thuy-san": (
        ("aqua-pond", gettext_noop("Each lot names the pond and the harvest date.")),
        ("aqua-cold-chain", gettext_noop("Temperatures are recorded from harvest to storage.")),
    ),
}


def checklist_for(group: ProductGroup | None) -> list[dict[str, str]]:
    """The criteria to check at a facility of this group (untranslated texts; pages translate them)."""
    criteria = [*COMMON_CRITERIA, *(GROUP_CRITERIA.get(group.code, ()) if group is not None else ())]
    return [{"code": code, "text": text, "result": "", "note": ""} for code, text in criteria]


def _require_officer(actor: Principal) -> None:
    if not (actor.is_officer or actor.is_admin):
        raise PermissionDenied(_("Only agency officers may do this."))


def _acting_agency(actor: Principal, agency_id: int | None) -> Agency:
    ids = [scope.agency_id for scope in actor.scopes]
    if agency_id is None:
        if not ids:
            raise PermissionDenied(_("Only agency officers may do this."))
        agency_id = ids[0]
    elif agency_id not in ids and not actor.is_admin:
        raise PermissionDenied(_("You do not act for this agency."))
    return Agency.objects.get(pk=agency_id)


def facility_visible(actor: Principal, facility_id: int) -> Facility:
    facility = (
        Facility.objects.filter(pk=facility_id, organization__in=Organization.objects.filter(organization_q(actor)))
        .select_related("organization")
        .first()
    )
    if facility is None:
        raise NotFound(_("No such facility within your scope."))
    return facility


def inspections_visible(actor: Principal) -> QuerySet[Inspection]:
    return Inspection.objects.filter(organization__in=Organization.objects.filter(organization_q(actor)))


@transaction.atomic
def inspection_plan(
    *,
    actor: Principal,
    facility_id: int,
    planned_on: datetime.date,
    product_group: ProductGroup | None = None,
    agency_id: int | None = None,
) -> Inspection:
    """Plan an inspection of a facility in the officer's scope; the checklist comes from the group."""
    _require_officer(actor)
    facility = facility_visible(actor, facility_id)
    inspection = Inspection.objects.create(
        agency=_acting_agency(actor, agency_id),
        organization=facility.organization,
        facility=facility,
        product_group=product_group,
        planned_on=planned_on,
        checklist=checklist_for(product_group),
        created_by=actor.user,
    )
    audit_record(actor=actor, action="inspection.plan", obj=inspection, changes={"facility": facility.pk})
    return inspection


@transaction.atomic
def inspection_record(
    *,
    actor: Principal,
    inspection: Inspection,
    results: Mapping[str, str],
    notes: Mapping[str, str] | None = None,
    findings: str = "",
    inspected_on: datetime.date | None = None,
) -> Inspection:
    """Record the checklist results and findings; the inspection is then done."""
    _require_officer(actor)
    notes = notes or {}
    checklist = []
    for item in inspection.checklist:
        result = results.get(item["code"], "")
        if result not in RESULTS:
            raise ServiceError(_("Give a result for every criterion."), code="checklist-incomplete", field="checklist")
        checklist.append({**item, "result": result, "note": notes.get(item["code"], "")[:500]})
    inspection.checklist = checklist
    inspection.findings = findings.strip()[:5000]
    inspection.inspected_on = inspected_on or timezone.localdate()
    inspection.status = Inspection.Status.DONE
    inspection.save()
    audit_record(
        actor=actor,
        action="inspection.record",
        obj=inspection,
        changes={"failed": [item["code"] for item in checklist if item["result"] == "fail"]},
    )
    return inspection


def sample_record(
    *, actor: Principal, inspection: Inspection, description: str, lot: str = "", laboratory: str = "",
    result: str = InspectionSample.Result.PENDING, result_note: str = "",
) -> InspectionSample:  # fmt: skip
    _require_officer(actor)
    if not description.strip():
        raise ServiceError(_("This field is required."), code="required", field="description")
    if result not in InspectionSample.Result.values:
        raise ServiceError(_("Choose the lab result."), code="result-invalid", field="result")
    sample = InspectionSample.objects.create(
        inspection=inspection,
        description=description.strip()[:300],
        lot=lot.strip()[:200],
        laboratory=laboratory.strip()[:200],
        result=result,
        result_note=result_note.strip()[:500],
    )
    audit_record(actor=actor, action="inspection.sample", obj=sample, changes={"result": result})
    return sample


def photo_add(*, actor: Principal, inspection: Inspection, image: UploadedFile, caption: str = "") -> InspectionPhoto:
    _require_officer(actor)
    photo = InspectionPhoto.objects.create(inspection=inspection, image=image, caption=caption.strip()[:200])
    audit_record(actor=actor, action="inspection.photo", obj=photo, changes={"name": photo.image.name})
    return photo


@transaction.atomic
def violation_record(
    *,
    actor: Principal,
    inspection: Inspection,
    description: str,
    legal_basis: str,
    sanction: str = "",
    fine_vnd: int | None = None,
    follow_up: str = "",
    follow_up_due: datetime.date | None = None,
) -> Violation:
    """A violation found in an inspection, with its legal basis and the sanction imposed."""
    _require_officer(actor)
    if not description.strip():
        raise ServiceError(_("Describe the violation."), code="required", field="description")
    if not legal_basis.strip():
        raise ServiceError(_("Give the legal basis."), code="required", field="legal_basis")
    if fine_vnd is not None and fine_vnd < 0:
        raise ServiceError(_("The fine cannot be negative."), code="fine-invalid", field="fine_vnd")
    violation = Violation.objects.create(
        inspection=inspection,
        organization_id=inspection.organization_id,
        description=description.strip()[:2000],
        legal_basis=legal_basis.strip()[:300],
        sanction=sanction.strip()[:300],
        fine_vnd=fine_vnd,
        follow_up=follow_up.strip()[:500],
        follow_up_due=follow_up_due,
    )
    audit_record(actor=actor, action="violation.record", obj=violation, changes={"inspection": inspection.pk})
    return violation


def violation_resolve(*, actor: Principal, violation: Violation) -> Violation:
    _require_officer(actor)
    violation.status = Violation.Status.RESOLVED
    violation.save(update_fields=["status"])
    audit_record(actor=actor, action="violation.resolve", obj=violation, changes={"status": "resolved"})
    return violation


def violation_open_recall(
    *,
    actor: Principal,
    violation: Violation,
    title: str,
    reason: str,
    lots: Sequence[str],
    hazard_class: str,
    legal_basis: str = "",
    hazard: str = "",
    agency_id: int | None = None,
) -> Recall:
    """Open a recall from a violation (oversight `recall_open`) and link the two."""
    if violation.recall_id is not None:
        raise ServiceError(_("A recall was already opened from this violation."), code="recall-exists")
    recall = recall_open(
        actor=actor,
        title=title,
        reason=reason,
        lots=lots,
        hazard_class=hazard_class,
        legal_basis=legal_basis,
        hazard=hazard,
        agency_id=agency_id,
    )
    violation.recall = recall
    violation.save(update_fields=["recall"])
    audit_record(actor=actor, action="violation.recall", obj=violation, changes={"recall": recall.code})
    return recall


def recall_prefill(violation: Violation) -> dict[str, str]:
    """What the recall form starts with when opened from a violation: title, reason, legal basis, lots."""
    lots = [sample.lot for sample in violation.inspection.samples.all() if sample.lot]
    return {
        "title": _("Recall after inspection of %(facility)s") % {"facility": violation.inspection.facility.name},
        "reason": violation.description,
        "legal_basis": violation.legal_basis,
        "lots": "\n".join(lots),
    }


def report_mark_handled(*, actor: Principal, report: SuspectReport, note: str = "") -> ReportTriage:
    """An officer marks a consumer's suspect-product report handled."""
    _require_officer(actor)
    triage, _created = ReportTriage.objects.update_or_create(
        report=report,
        defaults={"note": note.strip()[:500], "handled_by": actor.user, "handled_at": timezone.now()},
    )
    audit_record(actor=actor, action="report.handled", obj=triage, changes={"report": report.pk})
    return triage
