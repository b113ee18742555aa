from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Q
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from txng.accounts.principal import Principal
from txng.accounts.visibility import organization_q, product_q
from txng.core.admin_scoping import ScopedAdmin
from txng.core.errors import ServiceError
from txng.registry import services
from txng.registry.models import (
    AdministrativeUnit,
    AllocatedNumber,
    Certification,
    Facility,
    Gs1Prefix,
    OcopRating,
    Organization,
    OrganizationSector,
    Product,
    ProductGroup,
)


class CatalogAdmin(ScopedAdmin[Any]):
    """Reference data everyone may read and DOST maintains."""

    organization_field = None
    editable_by_business = False
    editable_by_officers = True

    def scope_q(self, principal: Principal) -> Q:
        return Q()


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(CatalogAdmin):
    list_display = ["code", "name", "kind", "former_districts", "former_province"]
    list_filter = ["kind", "former_province"]
    search_fields = ["code", "name", "formed_from"]


@admin.register(ProductGroup)
class ProductGroupAdmin(CatalogAdmin):
    list_display = ["name", "code", "sector", "is_priority", "is_mandatory", "retention_years"]
    list_filter = ["sector", "is_priority", "is_mandatory"]


@admin.register(Gs1Prefix)
class Gs1PrefixAdmin(CatalogAdmin):
    list_display = ["prefix", "description", "next_reference", "is_active"]
    readonly_fields = ["next_reference"]


@admin.register(AllocatedNumber)
class AllocatedNumberAdmin(ScopedAdmin[AllocatedNumber]):
    list_display = ["value", "kind", "organization", "allocated_at"]
    list_select_related = ["organization"]
    editable_by_business = False

    def scope_q(self, principal: Principal) -> Q:
        return organization_q(principal, prefix="organization__")


class SectorInline(admin.TabularInline[OrganizationSector, Organization]):
    model = OrganizationSector
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(ScopedAdmin[Organization]):
    organization_field = "pk"
    list_display = ["name", "tax_code", "kind", "administrative_unit", "review_status", "is_published"]
    list_select_related = ["administrative_unit"]
    list_filter = ["kind", "review_status", "is_published", "sectors__sector"]
    search_fields = ["name", "tax_code"]
    readonly_fields = ["review_status", "is_published", "created_at", "updated_at"]
    inlines = [SectorInline]

    def scope_q(self, principal: Principal) -> Q:
        return organization_q(principal)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "tax_code"] if obj is not None else fields

    def save_model(self, request: HttpRequest, obj: Organization, form: ModelForm[Organization], change: bool) -> None:
        # Profile changes are proposals that go through review, like in the portal.
        data = {
            name if name != "administrative_unit" else "administrative_unit_id": (
                form.cleaned_data[name].pk
                if name == "administrative_unit" and form.cleaned_data[name]
                else form.cleaned_data[name]
            )
            for name in form.changed_data
            if name in services.ORGANIZATION_PROFILE_FIELDS or name == "administrative_unit"
        }
        try:
            if change:
                original = Organization.objects.get(pk=obj.pk)
                services.organization_update(actor=self.principal(request), organization=original, **data)
                messages.info(request, _("Your changes were saved as a draft revision; submit it for review."))
            else:
                created = services.organization_create(
                    actor=self.principal(request),
                    tax_code=form.cleaned_data["tax_code"],
                    **{k: v for k, v in data.items() if k not in {"tax_code"}},
                )
                obj.pk = created.pk
        except ServiceError as error:
            self.report(request, error)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if form.instance.pk:
            super().save_related(request, form, formsets, change)


class CertificationInline(admin.TabularInline[Certification, Any]):
    model = Certification
    extra = 0


@admin.register(Facility)
class FacilityAdmin(ScopedAdmin[Facility]):
    list_display = ["name", "kind", "organization", "gln", "administrative_unit"]
    list_select_related = ["organization", "administrative_unit"]
    list_filter = ["kind"]
    search_fields = ["name", "gln", "planting_area_code", "packing_house_code"]

    def scope_q(self, principal: Principal) -> Q:
        return organization_q(principal, prefix="organization__")


@admin.register(Product)
class ProductAdmin(ScopedAdmin[Product]):
    list_display = ["name", "gtin", "organization", "product_group", "review_status", "is_published"]
    list_select_related = ["organization", "product_group"]
    list_filter = ["product_group", "review_status", "is_published"]
    search_fields = ["name", "gtin", "brand"]
    readonly_fields = ["review_status", "is_published", "is_city_allocated_gtin", "created_at", "updated_at"]

    def scope_q(self, principal: Principal) -> Q:
        return product_q(principal)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "gtin", "organization"] if obj is not None else fields

    def save_model(self, request: HttpRequest, obj: Product, form: ModelForm[Product], change: bool) -> None:
        data = {
            (name if name != "product_group" else "product_group"): (
                form.cleaned_data[name].code
                if name == "product_group" and form.cleaned_data[name]
                else form.cleaned_data[name]
            )
            for name in form.changed_data
            if name in services.PRODUCT_PROFILE_FIELDS or name == "product_group"
        }
        try:
            if change:
                services.product_update(actor=self.principal(request), product=Product.objects.get(pk=obj.pk), **data)
                messages.info(request, _("Your changes were saved as a draft revision; submit it for review."))
            else:
                data.pop("name", None)
                created = services.product_create(
                    actor=self.principal(request),
                    organization=form.cleaned_data["organization"],
                    gtin=form.cleaned_data["gtin"],
                    name=form.cleaned_data["name"],
                    **data,
                )
                obj.pk = created.pk
        except ServiceError as error:
            self.report(request, error)


@admin.register(Certification)
class CertificationAdmin(ScopedAdmin[Certification]):
    list_display = ["kind", "number", "organization", "issued_on", "expires_on", "expired"]
    list_select_related = ["organization"]
    list_filter = ["kind"]
    search_fields = ["number", "organization__name"]

    def scope_q(self, principal: Principal) -> Q:
        return organization_q(principal, prefix="organization__")

    @admin.display(boolean=True, description=_("expired"))
    def expired(self, obj: Certification) -> bool:
        return obj.is_expired


@admin.register(OcopRating)
class OcopRatingAdmin(ScopedAdmin[OcopRating]):
    organization_field = "product__organization_id"
    editable_by_business = False
    editable_by_officers = True
    list_display = ["product", "stars", "level", "issued_on", "expires_on"]
    list_select_related = ["product"]
    list_filter = ["stars", "level"]

    def scope_q(self, principal: Principal) -> Q:
        return organization_q(principal, prefix="product__organization__")
