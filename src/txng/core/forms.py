"""What every page form does with a service's refusal."""

from __future__ import annotations

from django import forms

from txng.core.errors import ServiceError


def form_add_service_error(form: forms.Form, error: ServiceError) -> None:
    """Show a service's message at the field it names (`x`, or the form's `x_id`), else above the form."""
    field = error.field if error.field in form.fields else None
    if field is None and error.field and f"{error.field}_id" in form.fields:
        field = f"{error.field}_id"
    form.add_error(field, error.message)
