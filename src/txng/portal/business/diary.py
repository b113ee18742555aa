"""Production diary, lots and incoming shipments: every entry is an EPCIS event captured through the service."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from txng.accounts.principal import Principal
from txng.core.errors import ServiceError
from txng.epcis.validation import EPCISValidationError
from txng.lineage.checks import lot_checks
from txng.lineage.selectors import trace_get
from txng.registry.models import Facility, Organization, Product

from .access import business_view
from .events import Entry, entry_capture, lot_uri, party_uri
from .forms import DiaryForm
from .selectors import incoming_shipments, organization_lot, recent_lots, shipment_get

# Remembered per user in the session: the last facility, product and lot they used, and recent partners.
REMEMBERED = "portal_diary_last"
PARTNERS = "portal_diary_partners"
RECENT_PARTNERS = 10


def _choices(organization: Organization, partner_ids: list[int]) -> dict[str, Any]:
    facilities = list(organization.facilities.filter(is_active=True).order_by("name").values_list("pk", "name"))
    products = list(organization.products.order_by("name").values_list("gtin", "name")[:500])
    # A city has thousands of businesses: the list holds the ones this user shipped to lately; any other
    # registered business is named by its tax code.
    partners = list(
        Organization.objects.filter(pk__in=partner_ids).exclude(pk=organization.pk).values_list("pk", "name")
    )
    return {"facilities": facilities, "products": products, "lots": recent_lots(organization), "partners": partners}


@business_view
def diary(request: HttpRequest, principal: Principal, organization: Organization) -> HttpResponse:
    """One quick form for every activity; defaults to now, the last facility, product and lot used."""
    partner_ids: list[int] = request.session.get(PARTNERS, [])
    choices = _choices(organization, partner_ids)
    remembered: dict[str, str] = request.session.get(REMEMBERED, {})
    initial = {key: value for key, value in remembered.items() if key in {"facility", "product", "input_lot"}}
    if request.GET.get("activity"):
        initial["activity"] = request.GET["activity"]
    form = DiaryForm(request.POST or None, initial=initial, **choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        facility = Facility.objects.get(pk=data["facility"], organization=organization)
        destination = ""
        if data["activity"] == "shipping":
            if data["destination"]:
                partner = Organization.objects.get(pk=data["destination"])
                destination = party_uri(partner)
                partner_ids = [partner.pk, *(pk for pk in partner_ids if pk != partner.pk)][:RECENT_PARTNERS]
            else:
                destination = f"urn:txng:party:{data['destination_other'].strip().replace(' ', '_')}"
        entry = Entry(
            activity=data["activity"],
            facility=facility,
            when=data["when"],
            gtin=data["product"] or "",
            lot=data["lot"].strip(),
            quantity=data["quantity"],
            uom=data["uom"],
            input_lot=data["input_lot"] or "",
            input_quantity=data["input_quantity"] if data["input_quantity"] is not None else data["quantity"],
            material=data["material"].strip(),
            pre_harvest_interval_days=data["pre_harvest_interval_days"],
            destination=destination,
            note=data["note"].strip(),
        )
        try:
            entry_capture(actor=principal, organization=organization, entry=entry)
        except (ServiceError, EPCISValidationError) as error:
            form.add_error(None, _("The entry could not be saved: %(reason)s") % {"reason": str(error)})
        else:
            new_lot = lot_uri(entry.gtin, entry.lot) if entry.gtin and entry.lot else entry.input_lot
            request.session[REMEMBERED] = {
                "facility": str(facility.pk),
                "product": entry.gtin,
                "input_lot": new_lot,
            }
            request.session[PARTNERS] = partner_ids
            messages.success(request, _("Saved to the diary."))
            return redirect(f"{request.path}?activity={entry.activity}")
    context = {"form": form, "organization": organization}
    return render(request, "portal/business/diary.html", context, status=400 if form.errors else 200)


@business_view
def lot_detail(
    request: HttpRequest, principal: Principal, organization: Organization, gtin: str, lot: str
) -> HttpResponse:
    """A lot's history (backward and forward), its data-quality warnings and the consumer page preview."""
    node = organization_lot(principal=principal, organization=organization, gtin=gtin, lot=lot)
    if node is None:
        raise Http404
    backward = trace_get(principal=principal, identifier=node.identifier, direction="backward")
    forward = trace_get(principal=principal, identifier=node.identifier, direction="forward")
    activities = list(node.activities.order_by("event_time", "pk")[:200])
    product = Product.objects.filter(gtin=gtin).only("name", "is_published").first()
    context = {
        "organization": organization,
        "lot": node,
        "product": product,
        "sources": [other for other in backward.lots.values() if other.pk != node.pk],
        "derived": [other for other in forward.lots.values() if other.pk != node.pk],
        "activities": activities,
        "findings": lot_checks(node),
        "consumer_path": f"/trace/01/{gtin}/10/{lot}",
    }
    return render(request, "portal/business/lot.html", context)


@business_view
def incoming(request: HttpRequest, principal: Principal, organization: Organization) -> HttpResponse:
    shipments = incoming_shipments(principal=principal, organization=organization)
    facilities = organization.facilities.filter(is_active=True).order_by("name")
    context = {"organization": organization, "shipments": shipments, "facilities": facilities}
    return render(request, "portal/business/incoming.html", context)


@require_POST
@business_view
def incoming_confirm(request: HttpRequest, principal: Principal, organization: Organization) -> HttpResponse:
    """One tap: capture the receiving event of a shipment addressed to us, at our chosen facility."""
    event = shipment_get(principal=principal, organization=organization, event_id=request.POST.get("shipment", ""))
    facility = organization.facilities.filter(pk=request.POST.get("facility") or 0).first()
    if event is None or facility is None:
        messages.error(request, _("Choose a shipment and the facility that received it."))
        return redirect("portal:business-incoming")
    source = next(
        (item["source"] for item in event.document.get("sourceList", []) if "source" in item),
        f"urn:txng:organization:{event.organization.tax_code}",
    )
    items = event.document.get("quantityList") or []
    try:
        for item in items:
            entry = Entry(
                activity="receiving",
                facility=facility,
                when=timezone.now(),
                input_lot=item["epcClass"],
                quantity=Decimal(str(item["quantity"])) if "quantity" in item else None,
                uom=item.get("uom", "KGM"),
                source=source,
                shipment=event.event_id,
            )
            entry_capture(actor=principal, organization=organization, entry=entry)
    except (ServiceError, EPCISValidationError) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Receipt confirmed."))
    return redirect("portal:business-incoming")
