"""The HTTP API: one django-ninja instance, RFC 7807 problems for every error."""

from __future__ import annotations

from typing import Any

import orjson
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import BaseRenderer

from txng.core.errors import ServiceError
from txng.epcis.api import router as epcis_router
from txng.registry.api import router as registry_router

PROBLEM_CONTENT_TYPE = "application/problem+json"


class ORJSONRenderer(BaseRenderer):
    media_type = "application/json"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        return orjson.dumps(data, default=str)


def problem(
    status: int, code: str, title: str, detail: str = "", *, extra: dict[str, Any] | None = None
) -> HttpResponse:
    """An RFC 7807 problem response with a stable `type`."""
    body: dict[str, Any] = {"type": f"urn:opentxng:problem:{code}", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra or {})
    return HttpResponse(orjson.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)


api = NinjaAPI(
    title="OpenTXNG API",
    version="1",
    description="Registry, EPCIS 2.0 and traceability API of OpenTXNG. Errors are RFC 7807 problems.",
    urls_namespace="api",
    docs_url="/api/docs",
    openapi_url="/api/openapi.json",
    renderer=ORJSONRenderer(),
)
api.add_router("/api/registry/", registry_router)
api.add_router("/epcis/", epcis_router)
api.add_router("/epcis/", "txng.epcis.api_queries.router")
api.add_router("/api/trace/", "txng.lineage.api.router")
api.add_router("/api/recalls/", "txng.oversight.api.router")
api.add_router("/api/ledger/", "txng.ledger.api.router")
api.add_router("/api/publishing/", "txng.publishing.api.router")
api.add_router("/api/iot/", "txng.iot.api.router")
api.add_router("/api/public/", "txng.public.api.router")


@api.exception_handler(ServiceError)
def _service_error(request: HttpRequest, error: ServiceError) -> HttpResponse:
    extra = {"field": error.field} if error.field else None
    return problem(error.status, error.code, error.message, extra=extra)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
    errors = [
        {"field": ".".join(str(part) for part in item.get("loc", ())[1:]), "message": item.get("msg", "")}
        for item in error.errors
    ]
    return problem(400, "validation", "The request is not valid.", extra={"errors": errors})


@api.exception_handler(AuthenticationError)
def _authentication_error(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    response = problem(401, "unauthorized", "Authentication required: send 'Authorization: Bearer TOKEN'.")
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    return problem(error.status_code, "http", str(error))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return problem(404, "not-found", "Not found.")


@api.exception_handler(DjangoPermissionDenied)
def _forbidden(request: HttpRequest, error: DjangoPermissionDenied) -> HttpResponse:
    return problem(403, "forbidden", "Forbidden.")
