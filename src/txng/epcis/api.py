"""EPCIS 2.0 REST binding (../shared/gs1/epcis/openapi/openapi.json), mounted under /epcis."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlencode

import orjson
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja import Router

from txng.accounts.auth import ANYONE, AUTHENTICATED, principal_of
from txng.accounts.principal import Principal
from txng.epcis import filters, selectors, services
from txng.epcis.canonical import digital_link
from txng.epcis.document import JSON_TYPES, XML_TYPES, parse_document, render_json
from txng.epcis.models import CaptureJob
from txng.epcis.validation import EPCISValidationError
from txng.epcis.xml_render import render_xml
from txng.gs1.identifiers import digital_link_to_epc_urn, guess_company_prefix_length
from txng.registry.models import Organization

router = Router(tags=["epcis"])

GS1_HEADERS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"}
COLLECTION_CONTEXT = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
# GS1-EPC-Format values (openapi.json). Without the header events come back as captured: the
# spec's default is Always_GS1_Digital_Link, but integrators rely on reading back what they sent.
EPC_FORMATS = ("No_Preference", "Always_GS1_Digital_Link", "Always_EPC_URN", "Never_Translates")
_EPC_LISTS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
_QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")
QUERY_NAME = "SimpleEventQuery"
PROBLEM_CONTENT_TYPE = "application/problem+json"  # as txng.api (which imports this module)


def _with_headers(response: HttpResponse, **extra: str) -> HttpResponse:
    for name, value in {**GS1_HEADERS, **extra}.items():
        response[name.replace("_", "-")] = value
    return response


def epcis_problem(status: int, type_: str, title: str, detail: str = "", **extra: Any) -> HttpResponse:
    """An RFC 7807 problem whose `type` is the EPCIS 2.0 exception name (EPCIS 2.0 §8.2.7, §12.3)."""
    body: dict[str, Any] = {"type": type_, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v})
    return _with_headers(HttpResponse(orjson.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE))


def _from_error(error: EPCISValidationError) -> HttpResponse:
    problems = [{"pointer": p.pointer, "detail": p.detail} for p in error.problems[:100]]
    return epcis_problem(error.status, error.type, error.title, error.detail, pointer=error.pointer, errors=problems)


def _not_found() -> HttpResponse:
    return epcis_problem(404, "epcisException:NoSuchResourceException", "Not found")


def _body(request: HttpRequest) -> bytes | HttpResponse:
    """The request body, or the 413/415 problem (checked before anything is read)."""
    media_type = (request.content_type or "").lower()
    if media_type not in JSON_TYPES | XML_TYPES:
        return epcis_problem(
            415,
            "epcisException:UnsupportedMediaTypeException",
            "Unsupported media type",
            f"send application/json, application/ld+json or application/xml, not {media_type or 'nothing'!r}",
        )
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    too_big = epcis_problem(
        413,
        "epcisException:CaptureLimitExceededException",
        "The EPCIS document is too large",
        f"the limit is {limit} bytes",
    )
    try:
        if limit is not None and int(request.META.get("CONTENT_LENGTH") or 0) > limit:
            return too_big
        return request.body
    except RequestDataTooBig:
        return too_big


def _organization(request: HttpRequest, principal: Principal) -> Organization | HttpResponse:
    """The capturing organization: the token's, or the signed-in user's only one (or `TXNG-Organization`)."""
    wanted = request.headers.get("TXNG-Organization", "")
    ids = principal.organization_ids
    candidates = Organization.objects.filter(tax_code=wanted) if wanted else Organization.objects.filter(pk__in=ids)
    if not principal.is_admin:
        candidates = candidates.filter(pk__in=ids)
    found = list(candidates[:2])
    if len(found) != 1:
        return epcis_problem(
            403,
            "epcisException:SecurityException",
            "No capturing organization",
            "capture needs exactly one organization; name it in the TXNG-Organization header (tax code)",
        )
    return found[0]


def _capture(request: HttpRequest, *, single: bool) -> tuple[services.CaptureResult | None, HttpResponse | None]:
    principal = principal_of(request)
    body = _body(request)
    if isinstance(body, HttpResponse):
        return None, body
    behaviour = request.headers.get("GS1-Capture-Error-Behaviour", "rollback").strip().lower()
    if behaviour not in CaptureJob.ErrorBehaviour.values:
        return None, epcis_problem(
            400, "epcisException:ValidationException", "Bad header", "GS1-Capture-Error-Behaviour: rollback|proceed"
        )
    organization = _organization(request, principal)
    if isinstance(organization, HttpResponse):
        return None, organization
    try:
        # The service validates each event itself, so that `proceed` can keep the valid ones.
        document = parse_document(body, request.content_type or "", validate=False)
        if single != document.is_single_event:
            where = "/events takes one event" if single else "/capture takes an EPCISDocument"
            return None, epcis_problem(400, "epcisException:ValidationException", "Wrong document type", where)
        result = services.events_capture(
            actor=principal, organization=organization, document=document, error_behaviour=behaviour
        )
    except EPCISValidationError as error:
        return None, _from_error(error)
    return result, None


def _job_json(job: CaptureJob) -> dict[str, Any]:
    return {
        "captureID": str(job.pk),
        "createdAt": job.created_at.isoformat(),
        "finishedAt": job.finished_at.isoformat() if job.finished_at else None,
        "running": job.status == CaptureJob.Status.RUNNING,
        "success": job.status == CaptureJob.Status.SUCCESS,
        "captureErrorBehaviour": job.error_behaviour,
        "errors": job.errors,
    }


def _json(data: Any, status: int = 200, **headers: str) -> HttpResponse:
    return _with_headers(HttpResponse(orjson.dumps(data), status=status, content_type="application/json"), **headers)


def _epc_format(request: HttpRequest) -> str:
    wanted = request.headers.get("GS1-EPC-Format", "").strip()
    return wanted if wanted in EPC_FORMATS else "No_Preference"


@lru_cache(maxsize=4096)
def _company_prefix_length(ai: str, key: str) -> int | None:
    return guess_company_prefix_length(ai, key)


def _as_urn(uri: str) -> str:
    """The EPC URN of a GS1 key where its company prefix length is known, else the URI unchanged."""
    if uri.startswith("urn:epc:"):
        return uri
    canonical = digital_link(uri)
    if canonical is None:
        return uri
    ai, key = canonical.split("/")[3:5]
    length = _company_prefix_length(ai, key)
    if length is None:
        return uri
    try:
        return digital_link_to_epc_urn(canonical, length)
    except ValueError:  # GS1Error is a ValueError: keys without an EPC scheme stay as they are
        return uri


def _as_digital_link(uri: str) -> str:
    return digital_link(uri) or uri


def _convert_identifiers(event: dict[str, Any], convert: Callable[[str], str]) -> None:
    """Rewrite the EPCs, classes, locations and parties of one event in place."""
    for name in _EPC_LISTS:
        if isinstance(event.get(name), list):
            event[name] = [convert(v) if isinstance(v, str) else v for v in event[name]]
    if isinstance(event.get("parentID"), str):
        event["parentID"] = convert(event["parentID"])
    for name in _QUANTITY_LISTS:
        for item in event.get(name) or ():
            if isinstance(item, dict) and isinstance(item.get("epcClass"), str):
                item["epcClass"] = convert(item["epcClass"])
    for name in ("readPoint", "bizLocation"):
        place = event.get(name)
        if isinstance(place, dict) and isinstance(place.get("id"), str):
            place["id"] = convert(place["id"])
    for name, key in (("sourceList", "source"), ("destinationList", "destination")):
        for item in event.get(name) or ():
            if isinstance(item, dict) and isinstance(item.get(key), str):
                item[key] = convert(item[key])


def _converter(epc_format: str) -> Callable[[str], str] | None:
    if epc_format == "Always_EPC_URN":
        return _as_urn
    if epc_format == "Always_GS1_Digital_Link":
        return _as_digital_link
    return None


def _paging_headers(request: HttpRequest, token: str | None, expires: Any) -> dict[str, str]:
    if not token:
        return {}
    following = [(k, v) for k in request.GET for v in request.GET.getlist(k) if k != "nextPageToken"]
    query = urlencode([*following, ("nextPageToken", token)])
    return {
        "Link": f'<{quote(request.path, safe="/:@")}?{query}>; rel="next"',
        "GS1-Next-Page-Token-Expires": expires.isoformat(timespec="seconds").replace("+00:00", "Z"),
    }


def _events_response(request: HttpRequest, page: selectors.EventPage) -> HttpResponse:
    epc_format = _epc_format(request)
    convert = _converter(epc_format)
    if convert is not None:
        for event in page.events:
            _convert_identifiers(event, convert)
    accept = request.headers.get("Accept", "")
    if "xml" in accept and "json" not in accept:
        body, content_type = render_xml(page.events, page.namespaces, query_name=QUERY_NAME), "application/xml"
    else:
        body = render_json(page.events, page.namespaces, query_name=QUERY_NAME)
        content_type = "application/ld+json" if "ld+json" in accept else "application/json"
    headers = _paging_headers(request, page.next_page_token, page.next_page_expires)
    return _with_headers(HttpResponse(body, content_type=content_type), **headers, **{"GS1-EPC-Format": epc_format})


@router.post("/capture", auth=AUTHENTICATED, response={202: dict[str, Any]}, summary="Capture EPCIS events")
def capture(request: HttpRequest) -> HttpResponse:
    """Capture an EPCIS 2.0 document (JSON-LD or XML); runs synchronously, then reports the job."""
    result, error = _capture(request, single=False)
    if error is not None:
        return error
    assert result is not None
    return _json(_job_json(result.job), 202, Location=f"/epcis/capture/{result.job.pk}")


@router.get("/capture/{capture_id}", auth=AUTHENTICATED, response={200: dict[str, Any]}, summary="Capture job")
def capture_job(request: HttpRequest, capture_id: str) -> HttpResponse:
    job = selectors.capture_job_get(principal=principal_of(request), capture_id=capture_id)
    return _not_found() if job is None else _json(_job_json(job))


@router.post("/events", auth=AUTHENTICATED, response={201: None}, summary="Capture one event")
def event_create(request: HttpRequest) -> HttpResponse:
    result, error = _capture(request, single=True)
    if error is not None:
        return error
    assert result is not None
    if result.errors:
        return epcis_problem(400, "epcisException:ValidationException", "The event is not valid", errors=result.errors)
    if not result.event_ids:
        return epcis_problem(409, "epcisException:ValidationException", "The event exists already")
    location = f"/epcis/events/{quote(result.event_ids[0], safe='')}"
    return _with_headers(HttpResponse(status=201), Location=location)


def _query_response(request: HttpRequest, fixed: dict[str, list[str]] | None = None) -> HttpResponse:
    params = {key: request.GET.getlist(key) for key in request.GET}
    try:
        page = selectors.events_query(principal=principal_of(request), params=params, fixed=fixed)
    except EPCISValidationError as error:
        return _from_error(error)
    return _events_response(request, page)


@router.get("/events", auth=ANYONE, response={200: dict[str, Any]}, summary="Query events (SimpleEventQuery)")
def events(request: HttpRequest) -> HttpResponse:
    """SimpleEventQuery parameters (pipe-separated values), orderBy, perPage and nextPageToken."""
    return _query_response(request)


@router.get("/events/{path:event_id}", auth=ANYONE, response={200: dict[str, Any]}, summary="One event")
def event_detail(request: HttpRequest, event_id: str) -> HttpResponse:
    events = selectors.event_queryset(principal_of(request)).filter(event_id=event_id)
    found = events.order_by("pk").first()
    if found is None:
        return _not_found()
    # A declared error is answered with the declaration: the event as it is now known (EPCIS 2.0 §7.4.1.2).
    declared = events.filter(organization_id=found.organization_id, is_error_declaration=True).first()
    found = declared or found
    return _events_response(request, selectors.EventPage([found.document], dict(found.namespaces), None))


# -- browse resources (openapi.json: /eventTypes, /epcs, /bizSteps, /bizLocations, /readPoints, /dispositions)


def _collection(members: list[str], **headers: str) -> HttpResponse:
    return _json({"@context": COLLECTION_CONTEXT, "type": "Collection", "member": members}, 200, **headers)


@router.get("/eventTypes", auth=ANYONE, response={200: dict[str, Any]}, summary="Supported event types")
def event_types(request: HttpRequest) -> HttpResponse:
    return _collection(list(filters.EVENT_TYPES))


def _value_list(resource: str) -> Callable[[HttpRequest], HttpResponse]:
    def value_list(request: HttpRequest) -> HttpResponse:
        params = {key: request.GET.getlist(key) for key in request.GET}
        try:
            page = selectors.browse_values(principal=principal_of(request), resource=resource, params=params)
        except EPCISValidationError as error:
            return _from_error(error)
        members = page.members
        convert = _converter(_epc_format(request)) if resource in ("epcs", "bizLocations", "readPoints") else None
        if convert is not None:
            members = [convert(m) for m in members]
        return _collection(members, **_paging_headers(request, page.next_page_token, page.next_page_expires))

    return value_list


def _value_events(resource: str) -> Callable[[HttpRequest, str], HttpResponse]:
    def value_events(request: HttpRequest, value: str) -> HttpResponse:
        return _query_response(request, {selectors.BROWSE_PARAMETERS[resource]: [value]})

    return value_events


def _value_resources(resource: str) -> Callable[[HttpRequest, str], HttpResponse]:
    def value_resources(request: HttpRequest, value: str) -> HttpResponse:
        if resource == "eventTypes" and value not in filters.EVENT_TYPES:
            return _not_found()
        return _collection(["events"])

    return value_resources


for _resource in selectors.BROWSE_PARAMETERS:
    # `/events` first: a `path` converter would otherwise swallow it into the value.
    router.get(
        f"/{_resource}/{{path:value}}/events",
        auth=ANYONE,
        response={200: dict[str, Any]},
        summary=f"Events by {_resource}",
        operation_id=f"epcis_{_resource}_events",
    )(_value_events(_resource))
    router.get(
        f"/{_resource}/{{path:value}}",
        auth=ANYONE,
        response={200: dict[str, Any]},
        summary=f"Sub-resources of one of {_resource}",
        operation_id=f"epcis_{_resource}_detail",
    )(_value_resources(_resource))
    if _resource != "eventTypes":
        router.get(
            f"/{_resource}",
            auth=ANYONE,
            response={200: dict[str, Any]},
            summary=f"List {_resource}",
            operation_id=f"epcis_{_resource}_list",
        )(_value_list(_resource))
