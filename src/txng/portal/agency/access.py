"""Who may use the agency portal: signed-in officers (DOST, sector departments, local authorities,
inspectorate) and administrators; what each sees is decided by the visibility layer."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse

from txng.accounts.principal import Principal, principal_for_request

View = Callable[..., HttpResponse | StreamingHttpResponse]


def forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/agency/forbidden.html", status=403)


def officer_view(view: View) -> View:
    """Require a signed-in officer or administrator; pass (request, principal, ...)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse | StreamingHttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal:agency-login"))
        principal = principal_for_request(request)
        if not (principal.is_officer or principal.is_admin):
            return forbidden(request)
        return view(request, principal, *args, **kwargs)

    return wrapper


def reviewer_view(view: View) -> View:
    """Require a DOST reviewer (or an administrator)."""

    @wraps(view)
    def wrapper(
        request: HttpRequest, principal: Principal, *args: Any, **kwargs: Any
    ) -> HttpResponse | StreamingHttpResponse:
        if not principal.can_review:
            return forbidden(request)
        return view(request, principal, *args, **kwargs)

    return officer_view(wrapper)
