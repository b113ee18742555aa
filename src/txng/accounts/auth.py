"""How API requests are authenticated: a bearer token of an organization, or the browser session."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth

from txng.accounts.principal import PUBLIC, Principal, principal_for_request, principal_for_token
from txng.accounts.services import api_token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        api_token = api_token_authenticate(token)
        if api_token is None:
            return None
        principal = principal_for_token(api_token)
        request._txng_principal = principal  # type: ignore[attr-defined]
        return principal


class Session(SessionAuth):
    """Signed-in users of the portal (CSRF-checked by django-ninja for unsafe methods)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        if request.user.is_authenticated:
            return principal_for_request(request)
        return None


class Anyone(BearerToken):
    """Read endpoints open to the public: a token or session widens what is visible, none is needed."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization", "")
        if header:
            return super().__call__(request)
        if request.user.is_authenticated:
            return principal_for_request(request)
        return PUBLIC


AUTHENTICATED = [BearerToken(), Session()]
ANYONE = [Anyone()]


def principal_of(request: HttpRequest) -> Principal:
    """The principal that the auth classes attached to the request."""
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, Principal) else PUBLIC
