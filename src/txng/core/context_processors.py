from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def _roles(request: HttpRequest) -> dict[str, bool]:
    """Which portals the signed-in user works in (two queries, only when a page's menu asks)."""
    from txng.accounts.principal import principal_for_user

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"business": False, "agency": False}
    principal = principal_for_user(user)  # type: ignore[arg-type]
    return {"business": bool(principal.organization_ids), "agency": bool(principal.scopes or principal.is_admin)}


def site(request: HttpRequest) -> dict[str, Any]:
    return {"SITE_NAME": settings.SITE_NAME, "nav_roles": SimpleLazyObject(lambda: _roles(request))}
