"""Who is signed in to the business portal and which organization they are working for."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from txng.accounts.principal import Principal, principal_for_request
from txng.registry.models import Organization

SESSION_ORGANIZATION = "portal_organization"

View = Callable[..., HttpResponse]


def business_view(view: View) -> View:
    """Require a signed-in member of an organization; pass (request, principal, organization, ...)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal:business-login"))
        principal = principal_for_request(request)
        if not principal.organization_ids:
            return redirect("portal:business-register")
        wanted = request.session.get(SESSION_ORGANIZATION)
        organization_id = wanted if wanted in principal.organization_ids else min(principal.organization_ids)
        organization = Organization.objects.get(pk=organization_id)
        return view(request, principal, organization, *args, **kwargs)

    return wrapper


def principal_of(request: HttpRequest) -> Principal:
    return principal_for_request(request)
