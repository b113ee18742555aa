"""Inspections and violations: plan, record the checklist, samples, photos, violations, and open a recall
from a violation (the oversight app's recall form, prefilled)."""

from __future__ import annotations

from typing import Final

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from txng.accounts.principal import Principal
from txng.core.errors import ServiceError
from txng.core.forms import form_add_service_error
from txng.oversight import inspections as services
from txng.oversight.forms import RecallOpenForm
from txng.oversight.models_inspections import Inspection, Violation
from txng.oversight.selectors import agencies_of
from txng.portal.agency.access import officer_view
from txng.portal.agency.forms import ChecklistForm, InspectionPlanForm, PhotoForm, SampleForm, ViolationForm

PAGE_SIZE: Final = 50


@officer_view
def inspection_list(request: HttpRequest, principal: Principal) -> HttpResponse:
    rows = services.inspections_visible(principal).select_related("facility", "organization", "agency")
    status = request.GET.get("status", "")
    if status in Inspection.Status.values:
        rows = rows.filter(status=status)
    page = Paginator(rows.order_by("-planned_on", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/agency/inspections.html", {"page": page, "status": status})


@officer_view
@require_http_methods(["GET", "HEAD", "POST"])
def inspection_plan(request: HttpRequest, principal: Principal) -> HttpResponse:
    initial = {"facility": request.GET.get("facility"), "planned_on": timezone.localdate()}
    form = InspectionPlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            inspection = services.inspection_plan(
                actor=principal,
                facility_id=form.cleaned_data["facility"],
                planned_on=form.cleaned_data["planned_on"],
                product_group=form.cleaned_data["product_group"],
            )
        except ServiceError as error:
            form_add_service_error(form, error)
        else:
            return redirect("portal:agency-inspection", pk=inspection.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/agency/inspection_plan.html", {"form": form}, status=status)


def _inspection(principal: Principal, pk: int) -> Inspection:
    return get_object_or_404(
        services.inspections_visible(principal).select_related("facility", "organization", "agency", "product_group"),
        pk=pk,
    )


@officer_view
@require_http_methods(["GET", "HEAD", "POST"])
def inspection_detail(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    inspection = _inspection(principal, pk)
    action = request.POST.get("action", "")
    checklist_form = ChecklistForm(
        request.POST if action == "checklist" else None,
        checklist=inspection.checklist,
        initial={"inspected_on": inspection.inspected_on or timezone.localdate(), "findings": inspection.findings},
    )
    sample_form = SampleForm(request.POST if action == "sample" else None, prefix="sample")
    photo_form = PhotoForm(request.POST if action == "photo" else None, request.FILES or None, prefix="photo")
    violation_form = ViolationForm(request.POST if action == "violation" else None, prefix="violation")
    if request.method == "POST":
        try:
            if action == "checklist" and checklist_form.is_valid():
                data = checklist_form.cleaned_data
                services.inspection_record(
                    actor=principal,
                    inspection=inspection,
                    results={item["code"]: data[f"result_{item['code']}"] for item in inspection.checklist},
                    notes={item["code"]: data[f"note_{item['code']}"] for item in inspection.checklist},
                    findings=data["findings"],
                    inspected_on=data["inspected_on"],
                )
                messages.success(request, _("Inspection recorded."))
                return redirect("portal:agency-inspection", pk=pk)
            if action == "sample" and sample_form.is_valid():
                services.sample_record(actor=principal, inspection=inspection, **sample_form.cleaned_data)
                messages.success(request, _("Sample added."))
                return redirect("portal:agency-inspection", pk=pk)
            if action == "photo" and photo_form.is_valid():
                services.photo_add(actor=principal, inspection=inspection, **photo_form.cleaned_data)
                messages.success(request, _("Photo added."))
                return redirect("portal:agency-inspection", pk=pk)
            if action == "violation" and violation_form.is_valid():
                services.violation_record(actor=principal, inspection=inspection, **violation_form.cleaned_data)
                messages.success(request, _("Violation recorded."))
                return redirect("portal:agency-inspection", pk=pk)
        except ServiceError as error:
            messages.error(request, error.message)
    labels = {"pass": _("Meets"), "fail": _("Does not meet"), "na": _("Not applicable"), "": _("Not checked")}
    return render(
        request,
        "portal/agency/inspection_detail.html",
        {
            "inspection": inspection,
            "checklist": [(_(item["text"]), labels.get(item["result"], ""), item) for item in inspection.checklist],
            "checklist_form": checklist_form,
            "sample_form": sample_form,
            "photo_form": photo_form,
            "violation_form": violation_form,
            "samples": inspection.samples.all(),
            "photos": inspection.photos.all(),
            "violations": inspection.violations.select_related("recall"),
        },
        status=400 if request.method == "POST" else 200,
    )


@officer_view
@require_http_methods(["GET", "HEAD", "POST"])
def violation_recall(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    """Open a recall from a violation: the recall form, prefilled from the violation and its samples."""
    violation = get_object_or_404(
        Violation.objects.filter(inspection__in=services.inspections_visible(principal)).select_related(
            "inspection__facility", "recall"
        ),
        pk=pk,
    )
    if violation.recall is not None:
        return redirect("oversight:recall", code=violation.recall.code)
    agencies = agencies_of(principal)
    if not agencies:
        return render(request, "portal/agency/forbidden.html", status=403)
    initial = {**services.recall_prefill(violation), "agency_id": violation.inspection.agency_id}
    form = RecallOpenForm(request.POST or None, agencies=agencies, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            recall = services.violation_open_recall(actor=principal, violation=violation, **form.recall_arguments())
        except ServiceError as error:
            form_add_service_error(form, error)
        else:
            return redirect("oversight:recall", code=recall.code)
    return render(
        request,
        "portal/agency/violation_recall.html",
        {"form": form, "violation": violation},
        status=400 if request.method == "POST" else 200,
    )
