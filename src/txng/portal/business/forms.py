"""Forms of the business portal: they parse input; the services decide what is valid and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from txng.registry.models import (
    AdministrativeUnit,
    Certification,
    Facility,
    Organization,
    OrganizationDocument,
    Product,
)

ACTIVITIES = [
    ("sowing", _("Sowing / stocking")),
    ("fertilising", _("Fertilising")),
    ("spraying", _("Spraying")),
    ("feeding", _("Feeding")),
    ("harvesting", _("Harvesting")),
    ("drying", _("Drying")),
    ("milling", _("Milling")),
    ("processing", _("Processing")),
    ("packing", _("Packing")),
    ("shipping", _("Shipping")),
    ("receiving", _("Receiving")),
    ("retail_selling", _("Selling")),
]
UNITS = [("KGM", _("kg")), ("TNE", _("tonne")), ("LTR", _("litre")), ("H87", _("piece"))]


class RegisterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of business"), choices=Organization.Kind.choices)
    name = forms.CharField(label=_("Legal name"), max_length=255)
    tax_code = forms.CharField(label=_("Tax code (MST)"), max_length=14)
    administrative_unit_id = forms.ChoiceField(label=_("Ward/commune"), required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    representative = forms.CharField(label=_("Legal representative"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    full_name = forms.CharField(label=_("Your full name"), max_length=150)
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(label=_("Password"), min_length=8, widget=forms.PasswordInput(render_value=True))
    document = forms.FileField(label=_("Business registration certificate (PDF, JPEG or PNG)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = AdministrativeUnit.objects.exclude(kind=AdministrativeUnit.Kind.PROVINCE).order_by("name")
        self.fields["administrative_unit_id"].choices = [("", "—"), *units.values_list("code", "name")]  # type: ignore[attr-defined]


class FacilityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Facility.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=255)
    gln = forms.CharField(label=_("GLN (if you have one)"), max_length=13, required=False)
    planting_area_code = forms.CharField(label=_("Planting-area code"), max_length=50, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    latitude = forms.CharField(label=_("Latitude"), max_length=20, required=False)
    longitude = forms.CharField(label=_("Longitude"), max_length=20, required=False)
    area_hectares = forms.CharField(label=_("Area (ha)"), max_length=20, required=False)
    boundary = forms.JSONField(
        label=_("Growing-area boundary (GeoJSON polygon)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ProductForm(forms.Form):
    gtin = forms.CharField(label=_("GTIN"), max_length=14)
    name = forms.CharField(label=_("Product name"), max_length=255)
    brand = forms.CharField(label=_("Brand"), max_length=200, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=30, required=False)
    net_content = forms.CharField(label=_("Net content"), max_length=50, required=False)
    shelf_life_days = forms.CharField(label=_("Shelf life (days)"), max_length=6, required=False)
    applied_standards = forms.CharField(label=_("Applied standards"), max_length=300, required=False)
    image = forms.ImageField(label=_("Image"), required=False)


class DiaryForm(forms.Form):
    activity = forms.ChoiceField(label=_("Activity"), choices=ACTIVITIES)
    facility = forms.ChoiceField(label=_("Facility"))
    when = forms.DateTimeField(
        label=_("Date and time"),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    product = forms.ChoiceField(label=_("Product"), required=False)
    lot = forms.CharField(label=_("New lot number"), max_length=20, required=False)
    input_lot = forms.ChoiceField(label=_("Lot used"), required=False)
    input_quantity = forms.DecimalField(label=_("Quantity used"), min_value=0, max_digits=14, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), min_value=0, max_digits=14, required=False)
    uom = forms.ChoiceField(label=_("Unit"), choices=UNITS, initial="KGM")
    material = forms.CharField(label=_("Seed, fertiliser or pesticide used"), max_length=200, required=False)
    pre_harvest_interval_days = forms.IntegerField(
        label=_("Pre-harvest interval (days)"), min_value=0, max_value=365, required=False
    )
    destination = forms.ChoiceField(label=_("Ship to a recent partner"), required=False)
    destination_tax_code = forms.CharField(
        label=_("Or the tax code of a registered business"), max_length=14, required=False
    )
    destination_other = forms.CharField(label=_("Or an outside party (name or GLN)"), max_length=200, required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(
        self,
        *args: Any,
        facilities: list[tuple[int, str]],
        products: list[tuple[str, str]],
        lots: list[tuple[str, str]],
        partners: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facility"].choices = facilities  # type: ignore[attr-defined]
        self.fields["product"].choices = [("", "—"), *products]  # type: ignore[attr-defined]
        self.fields["input_lot"].choices = [("", "—"), *lots]  # type: ignore[attr-defined]
        self.fields["destination"].choices = [("", "—"), *partners]  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("when", timezone.localtime().replace(second=0, microsecond=0))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        activity = data.get("activity")
        required: list[str] = []
        if activity == "harvesting":
            required = ["product", "lot", "quantity"]
        elif activity in {"drying", "milling", "processing", "packing"}:
            required = ["input_lot", "product", "lot", "quantity"]
        elif activity in {"shipping", "receiving", "retail_selling"}:
            required = ["input_lot", "quantity"]
        elif activity == "spraying":
            required = ["material", "pre_harvest_interval_days"]
        for name in required:
            if data.get(name) in (None, ""):
                self.add_error(name, _("This field is required for this activity."))
        if activity == "shipping":
            self._clean_destination(data)
        return data

    def _clean_destination(self, data: dict[str, Any]) -> None:
        """The receiving party: a recent partner, a registered business by tax code, or an outside party."""
        tax_code = (data.get("destination_tax_code") or "").strip()
        if tax_code:
            found = Organization.objects.filter(tax_code=tax_code).values_list("pk", flat=True).first()
            if found is None:
                self.add_error("destination_tax_code", _("No registered business has this tax code."))
            else:
                data["destination"] = str(found)
        elif not (data.get("destination") or data.get("destination_other")):
            self.add_error("destination", _("Choose the business you ship to, or name an outside party."))


class StaffForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(label=_("Password"), min_length=8, widget=forms.PasswordInput(render_value=True))


class CertificationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Certificate"), choices=Certification.Kind.choices)
    number = forms.CharField(label=_("Certificate number"), max_length=100)
    issuer = forms.CharField(label=_("Issued by"), max_length=200, required=False)
    issued_on = forms.DateField(
        label=_("Issued on (dd/mm/yyyy)"), input_formats=["%d/%m/%Y", "%Y-%m-%d"], required=False
    )
    expires_on = forms.DateField(
        label=_("Expires on (dd/mm/yyyy)"), input_formats=["%d/%m/%Y", "%Y-%m-%d"], required=False
    )


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=OrganizationDocument.Kind.choices)
    title = forms.CharField(label=_("Title (optional)"), max_length=200, required=False)
    file = forms.FileField(label=_("File (PDF, JPEG or PNG, at most 10 MB)"))


class LotBindForm(forms.Form):
    lot = forms.CharField(label=_("Lot number"), max_length=20)


class StampOrderForm(forms.Form):
    product = forms.ChoiceField(label=_("Product"))
    count = forms.IntegerField(label=_("Number of stamps"), min_value=1, max_value=100_000)
    lot = forms.CharField(label=_("Lot number (optional)"), max_length=20, required=False)

    def __init__(self, *args: Any, products: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = products  # type: ignore[attr-defined]


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=[
            ("products", _("Products")),
            ("facilities", _("Facilities")),
            ("events", _("Diary entries")),
            ("epcis", _("EPCIS events (JSON/XML)")),
        ],
    )
    file = forms.FileField(label=_("File (XLSX, CSV, JSON or XML)"))


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100)


def published_product_choices(organization: Organization) -> list[tuple[int, str]]:
    """Stamps point at the public page, so only published products can have them."""
    rows = Product.objects.filter(organization=organization, is_published=True).order_by("name")
    return list(rows.values_list("pk", "name")[:500])
