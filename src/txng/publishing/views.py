"""The operator page: outbox lag and failures per destination, dead-letter requeue, source nodes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from txng.accounts.principal import principal_for_request
from txng.publishing.models import Destination
from txng.publishing.selectors import can_operate, dead_letters, destinations_status, source_nodes_status
from txng.publishing.services import outbox_requeue


def status_page(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    principal = principal_for_request(request)
    if not can_operate(principal):
        return render(request, "publishing/status.html", {"is_forbidden": True}, status=403)
    rows = destinations_status(principal=principal)
    context = {
        "rows": rows,
        "dead_letters": {
            row.destination.pk: dead_letters(principal=principal, destination=row.destination, limit=20)
            for row in rows
            if row.dead
        },
        "nodes": source_nodes_status(principal=principal),
    }
    return render(request, "publishing/status.html", context)


@require_POST
def requeue(request: HttpRequest, destination_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    principal = principal_for_request(request)
    if not can_operate(principal):
        return render(request, "publishing/status.html", {"is_forbidden": True}, status=403)
    destination = get_object_or_404(Destination, pk=destination_id)
    item_id = request.POST.get("item", "")
    count = outbox_requeue(
        actor=principal, destination=destination, item_ids=[int(item_id)] if item_id.isdigit() else None
    )
    messages.success(request, _("Dead letters queued again: %(count)d.") % {"count": count})
    return redirect("publishing:status")
