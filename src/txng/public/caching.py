"""HTTP caching of public pages: ETag / Last-Modified, 304 answers, `Cache-Control: public` for visitors.

A signed-in user's answer is `private, no-cache` and never given an ETag a shared cache could reuse;
the language comes from a cookie, so every answer varies on Cookie (txng.core.middleware).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps
from typing import Any, Final

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers, set_response_etag
from django.utils.http import http_date

PAGE_MAX_AGE: Final = 300
View = Callable[..., HttpResponseBase]


def _is_private(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def public_cache(
    max_age: int = PAGE_MAX_AGE, last_modified: Callable[[HttpRequest], datetime.datetime | None] | None = None
) -> Callable[[View], View]:
    """Make a GET view cacheable by browsers and shared caches (and answer 304 when nothing changed)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            response = view(request, *args, **kwargs)
            if request.method not in ("GET", "HEAD"):
                return response
            patch_vary_headers(response, ("Cookie",))
            if _is_private(request):
                patch_cache_control(response, private=True, no_cache=True)
                return response
            if response.status_code != 200 or response.cookies:
                patch_cache_control(response, no_cache=True)
                return response
            patch_cache_control(response, public=True, max_age=max_age)
            modified = last_modified(request) if last_modified is not None else None
            if modified is not None:
                response.headers["Last-Modified"] = http_date(modified.timestamp())
            if isinstance(response, HttpResponse) and not response.has_header("ETag"):
                set_response_etag(response)
            if not isinstance(response, HttpResponse):
                return response
            conditional = get_conditional_response(
                request,
                etag=response.get("ETag"),
                last_modified=int(modified.timestamp()) if modified is not None else None,
                response=response,
            )
            return conditional if conditional is not None else response

        return wrapped

    return decorator
