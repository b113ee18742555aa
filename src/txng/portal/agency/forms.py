"""Forms of the agency portal: they parse and bound input; the rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from txng.oversight.inspections import RESULTS
from txng.oversight.models_inspections import InspectionSample
from txng.registry.models import ProductGroup


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejecting (the business sees it)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ApproveForm(forms.Form):
    note = forms.CharField(label=_("Note (optional)"), max_length=2000, required=False)
    publish = forms.BooleanField(label=_("Publish at once"), required=False, initial=True)


class InspectionPlanForm(forms.Form):
    facility = forms.IntegerField(label=_("Facility number"), min_value=1)
    product_group = forms.ModelChoiceField(
        label=_("Product group (decides the checklist)"), queryset=ProductGroup.objects.all(), required=False
    )
    planned_on = forms.DateField(
        label=_("Planned date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )


class ChecklistForm(forms.Form):
    inspected_on = forms.DateField(
        label=_("Inspection date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    findings = forms.CharField(
        label=_("Findings"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, checklist: list[dict[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("pass", _("Meets")), ("fail", _("Does not meet")), ("na", _("Not applicable"))]
        assert [value for value, _label in choices] == list(RESULTS)
        for item in checklist:
            self.fields[f"result_{item['code']}"] = forms.ChoiceField(
                label=_(item["text"]), choices=choices, widget=forms.RadioSelect, initial=item.get("result") or None
            )
            self.fields[f"note_{item['code']}"] = forms.CharField(
                label=_("Note"), max_length=500, required=False, initial=item.get("note", "")
            )


class SampleForm(forms.Form):
    description = forms.CharField(label=_("Sample"), max_length=300)
    lot = forms.CharField(label=_("Lot code"), max_length=200, required=False)
    laboratory = forms.CharField(label=_("Laboratory"), max_length=200, required=False)
    result = forms.ChoiceField(label=_("Lab result"), choices=InspectionSample.Result.choices)
    result_note = forms.CharField(label=_("Result details"), max_length=500, required=False)


class PhotoForm(forms.Form):
    image = forms.ImageField(label=_("Photo"))
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)


class ViolationForm(forms.Form):
    description = forms.CharField(label=_("Violation"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=300)
    sanction = forms.CharField(label=_("Sanction"), max_length=300, required=False)
    fine_vnd = forms.IntegerField(label=_("Fine (VND)"), min_value=0, required=False)
    follow_up = forms.CharField(label=_("Follow-up"), max_length=500, required=False)
    follow_up_due = forms.DateField(
        label=_("Follow-up due"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )


class TriageForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
