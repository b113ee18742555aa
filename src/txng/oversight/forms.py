"""Forms of the recall pages: they parse and bound input; the rules live in the services."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from txng.oversight.models import DEFAULT_LEGAL_BASIS, Recall, RecallDisposition
from txng.oversight.services import RECALL_LOTS_MAX


class RecallOpenForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    hazard = forms.CharField(label=_("Hazard (optional)"), max_length=200, required=False)
    hazard_class = forms.ChoiceField(label=_("Hazard class"), choices=Recall.HazardClass.choices)
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=300, initial=DEFAULT_LEGAL_BASIS)
    lots = forms.CharField(
        label=_("Lots to recall"),
        help_text=_("One per line: a Digital Link such as https://id.gs1.org/01/…/10/…, or a GTIN and a lot number."),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
    )
    is_mock = forms.BooleanField(label=_("Mock recall (drill): not shown to the public"), required=False)
    agency_id = forms.TypedChoiceField(label=_("Agency"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, agencies: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["agency_id"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = agencies
        if len(agencies) <= 1:
            field.widget = forms.HiddenInput()

    def recall_arguments(self) -> dict[str, Any]:
        """What the recall services take from the form (`recall_open`, `violation_open_recall`)."""
        names = ("title", "reason", "hazard", "hazard_class", "legal_basis", "lots", "agency_id")
        return {name: self.cleaned_data[name] for name in names}

    def clean_lots(self) -> list[str]:
        lines = [line.strip() for line in str(self.cleaned_data["lots"]).splitlines() if line.strip()]
        if not lines:
            raise forms.ValidationError(_("Name at least one lot."))
        if len(lines) > RECALL_LOTS_MAX:
            raise forms.ValidationError(_("A recall names at most %(count)s lots.") % {"count": RECALL_LOTS_MAX})
        return lines


class DispositionForm(forms.Form):
    lot = forms.IntegerField(widget=forms.HiddenInput())
    kind = forms.ChoiceField(label=_("What was done"), choices=RecallDisposition.Kind.choices)
    quantity = forms.CharField(label=_("Quantity"), max_length=30)
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)

    def clean_quantity(self) -> Decimal:
        return quantity_parse(str(self.cleaned_data["quantity"]))


class CloseForm(forms.Form):
    note = forms.CharField(
        label=_("Closing note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def quantity_parse(text: str) -> Decimal:
    """A quantity as people type it here: `1234.5`, `1234,5` or `1.234,5` (Vietnamese style)."""
    text = text.strip().replace(" ", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise forms.ValidationError(_("Enter a number.")) from None
    if not value.is_finite():
        raise forms.ValidationError(_("Enter a number."))
    return value
