"""Named queries and webhook subscriptions of the EPCIS 2.0 REST binding (openapi.json `/queries…`), under /epcis."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

import orjson
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import Router

from txng.accounts.auth import AUTHENTICATED, principal_of
from txng.accounts.principal import Principal
from txng.epcis import filters, queries, selectors
from txng.epcis.api import GS1_HEADERS, epcis_problem
from txng.epcis.document import render_json
from txng.epcis.models_queries import NamedQuery, Subscription
from txng.epcis.validation import EPCISValidationError
from txng.epcis.xml_render import render_xml
from txng.registry.models import Organization

router = Router(tags=["epcis: queries"])

_LIST_SALT = "txng.epcis.queries-page"


def _response(data: Any = None, status: int = 200, **headers: str) -> HttpResponse:
    body = b"" if data is None else orjson.dumps(data)
    response = HttpResponse(body, status=status, content_type="application/json" if data is not None else None)
    for name, value in {**GS1_HEADERS, **headers}.items():
        response[name] = value
    return response


def _problem(error: EPCISValidationError) -> HttpResponse:
    return epcis_problem(error.status, error.type, error.title, error.detail)


def _json_body(request: HttpRequest) -> dict[str, Any] | HttpResponse:
    if (request.content_type or "").lower() not in ("application/json", "application/ld+json"):
        return epcis_problem(415, "epcisException:UnsupportedMediaTypeException", "Send application/json")
    try:
        body = orjson.loads(request.body)
    except orjson.JSONDecodeError:
        return epcis_problem(400, "epcisException:ValidationException", "The body is not JSON")
    if not isinstance(body, dict):
        return epcis_problem(400, "epcisException:ValidationException", "The body must be a JSON object")
    return body


def _organization(request: HttpRequest, principal: Principal) -> Organization | HttpResponse:
    """The acting organization: the token's, the user's only one, or the one named by `TXNG-Organization`."""
    wanted = request.headers.get("TXNG-Organization", "")
    candidates = Organization.objects.filter(tax_code=wanted) if wanted else Organization.objects.all()
    if not (principal.is_admin and wanted):
        candidates = candidates.filter(pk__in=principal.organization_ids)
    found = list(candidates[:2])
    if len(found) != 1:
        return epcis_problem(
            403,
            "epcisException:SecurityException",
            "No organization",
            "name exactly one of your organizations in the TXNG-Organization header (tax code)",
        )
    return found[0]


def _named_query(request: HttpRequest, name: str) -> NamedQuery:
    return queries.named_query_get(
        principal=principal_of(request), name=name, organization_tax_code=request.headers.get("TXNG-Organization", "")
    )


def _query_json(named_query: NamedQuery) -> dict[str, Any]:
    return {"name": named_query.name, "query": named_query.query}


def _subscription_json(subscription: Subscription) -> dict[str, Any]:
    """The subscription as openapi.json describes it; the signatureToken is never returned."""

    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    data: dict[str, Any] = {
        "subscriptionID": str(subscription.pk),
        "queryName": subscription.query.name,
        "dest": subscription.dest,
        "createdAt": iso(subscription.created_at),
        "reportIfEmpty": subscription.report_if_empty,
        "active": subscription.is_active,
    }
    if subscription.is_stream:
        data["stream"] = True
    else:
        data["schedule"] = subscription.schedule
    for key, value in (
        ("initialRecordTime", iso(subscription.initial_record_time)),
        ("lastNotifiedAt", iso(subscription.last_notified_at)),
        ("minRecordTime", iso(subscription.last_record_time)),
    ):
        if value:
            data[key] = value
    return data


def _location(named_query: NamedQuery, *rest: str) -> str:
    return "/".join(["/epcis/queries", quote(named_query.name, safe=""), *rest])


@router.get("/queries", auth=AUTHENTICATED, response={200: list[dict[str, Any]]}, summary="List named queries")
def query_list(request: HttpRequest, perPage: int = 30, nextPageToken: str = "") -> HttpResponse:  # noqa: N803
    rows = queries.named_queries_visible(principal_of(request))
    if nextPageToken:
        try:
            rows = rows.filter(pk__gt=int(signing.loads(nextPageToken, salt=_LIST_SALT)))
        except (signing.BadSignature, TypeError, ValueError):
            return _problem(filters.query_error("nextPageToken is not valid"))
    per_page = max(1, min(perPage, filters.PER_PAGE_MAX))
    page = list(rows[: per_page + 1])
    link = ""
    if len(page) > per_page:
        page = page[:per_page]
        token = signing.dumps(page[-1].pk, salt=_LIST_SALT)
        link = f'<{request.path}?{urlencode({"perPage": per_page, "nextPageToken": token})}>; rel="next"'
    response = _response([_query_json(q) for q in page])
    if link:
        response["Link"] = link
    return response


@router.post("/queries", auth=AUTHENTICATED, response={201: None}, summary="Create a named query")
def query_create(request: HttpRequest) -> HttpResponse:
    """Body `{"name": "myQuery", "query": {"EQ_bizStep": ["shipping"], ...}}` (SimpleEventQuery parameters)."""
    principal = principal_of(request)
    body = _json_body(request)
    if isinstance(body, HttpResponse):
        return body
    organization = _organization(request, principal)
    if isinstance(organization, HttpResponse):
        return organization
    try:
        named_query = queries.named_query_create(
            actor=principal, organization=organization, name=body.get("name"), query=body.get("query", {})
        )
    except EPCISValidationError as error:
        return _problem(error)
    return _response(status=201, Location=_location(named_query))


@router.get("/queries/{name}", auth=AUTHENTICATED, response={200: dict[str, Any]}, summary="A named query")
def query_detail(request: HttpRequest, name: str) -> HttpResponse:
    try:
        return _response(_query_json(_named_query(request, name)))
    except EPCISValidationError as error:
        return _problem(error)


@router.delete("/queries/{name}", auth=AUTHENTICATED, response={204: None}, summary="Delete a named query")
def query_delete(request: HttpRequest, name: str) -> HttpResponse:
    """Deletes the query and forcibly unsubscribes all its subscriptions."""
    try:
        queries.named_query_delete(actor=principal_of(request), named_query=_named_query(request, name))
    except EPCISValidationError as error:
        return _problem(error)
    return _response(status=204)


@router.get("/queries/{name}/events", auth=AUTHENTICATED, response={200: dict[str, Any]}, summary="Run a named query")
def query_events(request: HttpRequest, name: str) -> HttpResponse:
    """The named query's events, paginated like /events (perPage, nextPageToken, Link)."""
    principal = principal_of(request)
    try:
        named_query = _named_query(request, name)
        paging = {key: request.GET.getlist(key) for key in ("perPage", "nextPageToken") if key in request.GET}
        params = {**queries.query_params(named_query.query), **paging}
        page = selectors.events_query(principal=principal, params=params)
    except EPCISValidationError as error:
        return _problem(error)
    accept = request.headers.get("Accept", "")
    if "xml" in accept and "json" not in accept:
        body, content_type = render_xml(page.events, page.namespaces, query_name=named_query.name), "application/xml"
    else:
        body = render_json(page.events, page.namespaces, query_name=named_query.name)
        content_type = "application/ld+json" if "ld+json" in accept else "application/json"
    response = HttpResponse(body, content_type=content_type)
    for header, value in GS1_HEADERS.items():
        response[header] = value
    if page.next_page_token:
        following = {"nextPageToken": page.next_page_token}
        if "perPage" in paging:
            following["perPage"] = paging["perPage"][-1]
        response["Link"] = f'<{request.path}?{urlencode(following)}>; rel="next"'
    return response


@router.get(
    "/queries/{name}/subscriptions", auth=AUTHENTICATED, response={200: list[dict[str, Any]]}, summary="Subscriptions"
)
def subscription_list(request: HttpRequest, name: str) -> HttpResponse:
    try:
        named_query = _named_query(request, name)
    except EPCISValidationError as error:
        return _problem(error)
    rows = queries.subscriptions_visible(principal_of(request)).filter(query=named_query, is_active=True)
    return _response([_subscription_json(s) for s in rows[: filters.PER_PAGE_MAX]])


@router.post("/queries/{name}/subscriptions", auth=AUTHENTICATED, response={201: dict[str, Any]}, summary="Subscribe")
def subscription_create(request: HttpRequest, name: str) -> HttpResponse:
    """Webhook: `dest`, optional `signatureToken` (signs each POST in `GS1-Signature`), `stream` or `schedule`."""
    principal = principal_of(request)
    body = _json_body(request)
    if isinstance(body, HttpResponse):
        return body
    try:
        named_query = _named_query(request, name)
        initial = body.get("initialRecordTime")
        subscription = queries.subscription_create(
            actor=principal,
            named_query=named_query,
            dest=body.get("dest"),
            signature_token=body.get("signatureToken"),
            report_if_empty=body.get("reportIfEmpty", False),
            stream=body.get("stream"),
            schedule=body.get("schedule"),
            initial_record_time=queries.date_time_parse("initialRecordTime", initial) if initial else None,
        )
    except EPCISValidationError as error:
        return _problem(error)
    location = _location(named_query, "subscriptions", str(subscription.pk))
    return _response(_subscription_json(subscription), 201, Location=location)


def _subscription(request: HttpRequest, name: str, subscription_id: str) -> Subscription:
    named_query = _named_query(request, name)
    found = queries.subscriptions_visible(principal_of(request)).filter(query=named_query)
    try:
        return found.get(pk=subscription_id)
    except (Subscription.DoesNotExist, ValidationError):  # a malformed UUID is a ValidationError
        raise queries.not_found("there is no such subscription") from None


@router.get(
    "/queries/{name}/subscriptions/{subscription_id}",
    auth=AUTHENTICATED,
    response={200: dict[str, Any]},
    summary="A subscription",
)
def subscription_detail(request: HttpRequest, name: str, subscription_id: str) -> HttpResponse:
    try:
        return _response(_subscription_json(_subscription(request, name, subscription_id)))
    except EPCISValidationError as error:
        return _problem(error)


@router.delete(
    "/queries/{name}/subscriptions/{subscription_id}", auth=AUTHENTICATED, response={204: None}, summary="Unsubscribe"
)
def subscription_delete(request: HttpRequest, name: str, subscription_id: str) -> HttpResponse:
    try:
        subscription = _subscription(request, name, subscription_id)
        queries.subscription_delete(actor=principal_of(request), subscription=subscription)
    except EPCISValidationError as error:
        return _problem(error)
    return _response(status=204)
