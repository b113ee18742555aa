"""Recall pages: the list, a recall's detail (progress, affected lots, the business's answer), opening a recall,
and the public recall status page of a product or lot (the resolver's gs1:recallStatus link)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from txng.accounts.principal import Principal, principal_for_request
from txng.accounts.visibility import can_edit_organization
from txng.core.errors import ServiceError
from txng.core.forms import form_add_service_error
from txng.oversight import selectors, services
from txng.oversight.forms import CloseForm, DispositionForm, RecallOpenForm
from txng.oversight.models import Recall
from txng.registry.models import Product

_PAGE_SIZE = 50


@require_http_methods(["GET", "HEAD"])
def recall_list(request: HttpRequest) -> HttpResponse:
    """Recalls visible to the signed-in user, newest first."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    principal = principal_for_request(request)
    recalls = selectors.recalls_visible(principal).select_related("agency")
    page = Paginator(recalls, _PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "oversight/recall_list.html", {"page": page, "can_open": principal.is_officer, "principal": principal}
    )


@require_http_methods(["GET", "HEAD", "POST"])
def recall_open_page(request: HttpRequest) -> HttpResponse:
    """An agency officer opens a recall (or a mock recall drill)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    principal = principal_for_request(request)
    if not principal.is_officer:
        return render(request, "oversight/forbidden.html", status=403)
    agencies = selectors.agencies_of(principal)
    form = RecallOpenForm(request.POST or None, agencies=agencies, initial={"agency_id": agencies[0][0]})
    if request.method == "POST" and form.is_valid():
        try:
            recall = services.recall_open(
                actor=principal, is_mock=form.cleaned_data["is_mock"], **form.recall_arguments()
            )
        except ServiceError as error:
            form_add_service_error(form, error)
        else:
            return redirect("oversight:recall", code=recall.code)
    status = 400 if request.method == "POST" else 200
    return render(request, "oversight/recall_open.html", {"form": form}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def recall_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A recall: progress, affected lots, and the actions the visitor may take (acknowledge, dispose, close)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    principal = principal_for_request(request)
    try:
        recall = selectors.recall_get(principal=principal, code=code)
    except ServiceError:
        raise Http404(code) from None
    disposition_form: DispositionForm | None = None
    close_form = CloseForm(request.POST if request.POST.get("action") in ("close", "cancel") else None)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "acknowledge":
                services.recall_acknowledge(
                    actor=principal, recall=recall, organization_id=_int(request.POST.get("organization"))
                )
                return redirect("oversight:recall", code=recall.code)
            if action == "disposition":
                disposition_form = DispositionForm(request.POST, auto_id=_lot_auto_id(request.POST.get("lot", "")))
                if disposition_form.is_valid():
                    data = disposition_form.cleaned_data
                    try:
                        services.recall_disposition_record(
                            actor=principal,
                            recall=recall,
                            affected_lot_id=data["lot"],
                            kind=data["kind"],
                            quantity=data["quantity"],
                            note=data["note"],
                        )
                    except ServiceError as error:
                        form_add_service_error(disposition_form, error)
                    else:
                        return redirect(reverse("oversight:recall", kwargs={"code": recall.code}) + "#lots")
            elif action in ("close", "cancel") and close_form.is_valid():
                finish = services.recall_close if action == "close" else services.recall_cancel
                finish(actor=principal, recall=recall, note=close_form.cleaned_data["note"])
                return redirect("oversight:recall", code=recall.code)
        except ServiceError as error:
            return render(request, "oversight/forbidden.html", {"message": error.message}, status=error.status)
        status = 400
    return render(
        request,
        "oversight/recall_detail.html",
        _detail_context(principal, recall, disposition_form, close_form),
        status=status,
    )


def _lot_auto_id(lot: str) -> str:
    # One disposition form per lot row: ids must differ between rows.
    return f"id_lot{lot if lot.isdigit() else 'x'}_%s"


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _detail_context(
    principal: Principal, recall: Recall, disposition_form: DispositionForm | None, close_form: CloseForm
) -> dict[str, Any]:
    visible = selectors.organizations_visible_in(principal, recall)
    progress = selectors.recall_progress(recall, organization_ids=visible)
    lots = list(selectors.affected_lots(principal=principal, recall=recall)[:2000])
    notices = list(recall.notices.select_related("organization").order_by("organization__name"))
    if visible is not None:
        notices = [notice for notice in notices if notice.organization_id in visible]
    names = {notice.organization_id: notice.organization.name for notice in notices}
    own = {notice.organization_id for notice in notices if can_edit_organization(principal, notice.organization_id)}
    acknowledged = {notice.organization_id for notice in notices if notice.acknowledged_at is not None}
    failed_lot = disposition_form.data.get("lot") if disposition_form is not None else None
    rows = []
    for lot in lots:
        located = progress.located_by_lot.get(lot.pk)
        left: Decimal | None = None
        if lot.quantity is not None:
            left = max(lot.quantity - (located or Decimal(0)), Decimal(0))
        may_answer = recall.is_open and lot.organization_id in own and lot.organization_id in acknowledged
        form = None
        if may_answer and (left is None or left > 0):
            form = (
                disposition_form
                if failed_lot == str(lot.pk) and disposition_form is not None
                else DispositionForm(
                    initial={"lot": lot.pk, "quantity": "" if left is None else format(left.normalize(), "f")},
                    auto_id=_lot_auto_id(str(lot.pk)),
                )
            )
        rows.append(
            {"lot": lot, "holder": names.get(lot.organization_id, ""), "located": located, "left": left, "form": form}
        )
    return {
        "recall": recall,
        "progress": progress,
        "rows": rows,
        "is_cut": len(lots) == 2000,
        "notices": notices,
        "to_acknowledge": [
            n for n in notices if n.organization_id in own and n.acknowledged_at is None and recall.is_open
        ],
        "may_close": recall.is_open
        and (principal.sees_everything or any(scope.agency_id == recall.agency_id for scope in principal.scopes)),
        "close_form": close_form,
        "external_parties": recall.external_parties if visible is None else [],
        "recalled_lots": list(recall.recalled_lots.order_by("identifier")),
    }


@require_http_methods(["GET", "HEAD"])
def recall_status(request: HttpRequest, gtin: str, lot: str = "") -> HttpResponse:
    """Public: is this product (or lot) recalled? The target of the resolver's gs1:recallStatus link."""
    product = Product.objects.filter(gtin=gtin, is_published=True, organization__is_published=True).first()
    if product is None:
        raise Http404(gtin)
    if lot:
        recall = selectors.recall_active_for_lot(gtin=gtin, lot=lot)
        recalls = [] if recall is None else [(recall, [lot])]
    else:
        recalls = selectors.recalls_for_product(gtin=gtin)
    response = render(request, "oversight/recall_status.html", {"product": product, "lot": lot, "recalls": recalls})
    response.headers["Cache-Control"] = "public, max-age=60"
    return response
