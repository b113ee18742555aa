"""Business portal pages: sign-in, home, onboarding, review, API tokens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from txng.accounts.models import ApiToken
from txng.accounts.principal import Principal
from txng.accounts.services import api_token_create, api_token_revoke
from txng.core.errors import ServiceError
from txng.core.forms import form_add_service_error
from txng.registry.models import Facility, Organization, Product
from txng.registry.selectors import organization_documents
from txng.registry.services import (
    certification_create,
    facility_create,
    facility_update,
    organization_document_add,
    product_create,
    product_update,
)
from txng.review.models import ProfileRevision
from txng.review.services import revision_submit

from .access import business_view
from .forms import (
    CertificationForm,
    DocumentForm,
    FacilityForm,
    ProductForm,
    RegisterForm,
    StaffForm,
    TokenForm,
)
from .registration import business_register, staff_add
from .selectors import dashboard_get


def register(request: HttpRequest) -> HttpResponse:
    """A business registers itself: the profile is a draft until DOST approves it."""
    form = RegisterForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            _organization, user = business_register(**data)
        except ServiceError as error:
            form_add_service_error(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your business is registered. Add facilities and products, then submit."))
            return redirect("portal:business-home")
    return render(request, "portal/business/register.html", {"form": form}, status=400 if form.errors else 200)


@business_view
def home(request: HttpRequest, principal: Principal, organization: Organization) -> HttpResponse:
    dashboard = dashboard_get(principal=principal, organization=organization)
    return render(request, "portal/business/home.html", {"organization": organization, "dashboard": dashboard})


@business_view
def facility_add(request: HttpRequest, principal: Principal, organization: Organization) -> HttpResponse:
    form = FacilityForm(request.POST or None)
    return _facility_page(
        request, organization, form, lambda data: facility_create(actor=principal, organization=organization, **data)
    )


@business_view
def facility_edit(request: HttpRequest, principal: Principal, organization: Organization, pk: int) -> HttpResponse:
    """Correct a facility's details (its GLN stays unique; events keep naming it)."""
    facility = get_object_or_404(Facility, pk=pk, organization=organization)
    initial = {name: getattr(facility, name) for name in FacilityForm.base_fields}
    form = FacilityForm(request.POST or None, initial=initial)
    return _facility_page(
        request, organization, form, lambda data: facility_update(actor=principal, facility=facility, **data), facility
    )


def _facility_page(
    request: HttpRequest,
    organization: Organization,
    form: FacilityForm,
    save: Callable[[dict[str, Any]], object],
    facility: Facility | None = None,
) -> HttpResponse:
    """The facilities page with the add or edit form: save a valid form, else show it with its errors."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ServiceError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, _("Facility saved."))
            return redirect("portal:business-facilities")
    facilities = organization.facilities.order_by("name")
    context = {"form": form, "facilities": facilities, "organization": organization, "facility": facility}
    return render(request, "portal/business/facilities.html", context, status=400 if form.errors else 200)


@business_view
def product_edit(request: HttpRequest, principal: Principal, organization: Organization, gtin: str) -> HttpResponse:
    """Propose changes to a product: they go into its open revision for review (the GTIN stays)."""
    product = get_object_or_404(Product, gtin=gtin, organization=organization)
    initial = {name: getattr(product, name) for name in ProductForm.base_fields if name != "image"}
    form = ProductForm(request.POST or None, request.FILES or None, initial=initial)
    form.fields["gtin"].disabled = True
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k not in ("image", "gtin")}
        changes = {k: v for k, v in changes.items() if v not in (None, "") or getattr(product, k)}
        try:
            product_update(actor=principal, product=product, **changes)
        except ServiceError as error:
            form_add_service_error(form, error)
        else:
            image = form.cleaned_data.get("image")
            if image:
                product.image.save(image.name, image, save=True)
            messages.success(request, _("Your changes are waiting for review."))
            return redirect("portal:business-products")
    products = organization.products.order_by("name")[:200]
    context = {"form": form, "products": products, "organization": organization, "product": product}
    return render(request, "portal/business/products.html", context, status=400 if form.errors else 200)


@business_view
def product_add(request: HttpRequest, principal: Principal, organization: Organization) -> HttpResponse:
    form = ProductForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "image" and v not in (None, "")}
        try:
            product = product_create(actor=principal, organization=organization, **data)
        except ServiceError as error:
            form_add_service_error(form, error)
        else:
            image = form.cleaned_data.get("image")
            if image:
                # The image is a file, not reviewed profile text: it is attached to the new draft directly.
                product.image.save(image.name, image, save=True)
            messages.success(request, _("Product saved."))
            return redirect("portal:business-products")
    products = organization.products.order_by("name")[:200]
    context = {"form": form, "products": products, "organization": organization}
    return render(request, "portal/business/products.html", context, status=400 if form.errors else 200)


@business_view
def review(request: HttpRequest, principal: Principal, organization: Organization) -> HttpResponse:
    """The profile revisions of the organization and its products, with the reviewer's notes."""
    revisions = list(
        ProfileRevision.objects.filter(organization=organization)
        .select_related("product")
        .order_by("-created_at")[:100]
    )
    if request.method == "POST":
        revision = get_object_or_404(ProfileRevision, pk=request.POST.get("revision"), organization=organization)
        try:
            revision_submit(actor=principal, revision=revision)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Submitted for review."))
        return redirect("portal:business-review")
    return render(request, "portal/business/review.html", {"revisions": revisions, "organization": organization})


@business_view
def tokens(request: HttpRequest, principal: Principal, organization: Organization) -> HttpResponse:
    form = TokenForm(request.POST or None)
    raw = ""
    if request.method == "POST" and form.is_valid():
        try:
            _token, raw = api_token_create(actor=principal, organization=organization, name=form.cleaned_data["name"])
        except ServiceError as error:
            form_add_service_error(form, error)
    rows = ApiToken.objects.filter(organization=organization).order_by("-created_at")[:100]
    context = {"form": form, "tokens": rows, "raw": raw, "organization": organization}
    return render(request, "portal/business/tokens.html", context, status=400 if form.errors else 200)


@require_POST
@business_view
def token_revoke(request: HttpRequest, principal: Principal, organization: Organization, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, organization=organization)
    try:
        api_token_revoke(actor=principal, token=token)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Token revoked."))
    return redirect("portal:business-tokens")


@business_view
def push_help(request: HttpRequest, principal: Principal, organization: Organization) -> HttpResponse:
    capture_url = request.build_absolute_uri("/epcis/capture")
    return render(request, "portal/business/push.html", {"organization": organization, "capture_url": capture_url})


@business_view
def organization_page(request: HttpRequest, principal: Principal, organization: Organization) -> HttpResponse:
    """Members and certificates of the organization: the owner adds co-workers; anyone adds certificates."""
    staff_form = StaffForm(request.POST if "add_staff" in request.POST else None, prefix="staff")
    certification_form = CertificationForm(
        request.POST if "add_certificate" in request.POST else None, prefix="certificate"
    )
    document_form = DocumentForm(
        request.POST if "add_document" in request.POST else None,
        request.FILES if "add_document" in request.POST else None,
        prefix="document",
    )
    if request.method == "POST":
        try:
            if staff_form.is_bound and staff_form.is_valid():
                staff_add(actor=principal, organization=organization, **staff_form.cleaned_data)
                messages.success(request, _("Member added."))
                return redirect("portal:business-organization")
            if document_form.is_bound and document_form.is_valid():
                organization_document_add(actor=principal, organization=organization, **document_form.cleaned_data)
                messages.success(request, _("Document saved."))
                return redirect("portal:business-organization")
            if certification_form.is_bound and certification_form.is_valid():
                certification_create(actor=principal, organization=organization, **certification_form.cleaned_data)
                messages.success(request, _("Certificate saved."))
                return redirect("portal:business-organization")
        except ServiceError as error:
            bound = next(f for f in (staff_form, document_form, certification_form) if f.is_bound)
            form_add_service_error(bound, error)
    context = {
        "organization": organization,
        "staff_form": staff_form,
        "certification_form": certification_form,
        "members": organization.memberships.select_related("user").order_by("user__username"),
        "certifications": organization.certifications.order_by("-pk")[:100],
        "document_form": document_form,
        "documents": organization_documents(principal=principal, organization_id=organization.pk)[:100],
        "is_owner": organization.pk in principal.owner_organization_ids,
    }
    failed = staff_form.errors or certification_form.errors or document_form.errors
    return render(request, "portal/business/organization.html", context, status=400 if failed else 200)
