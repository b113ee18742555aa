"""Resolver endpoints (GS1-Conformant resolver) and the consumer page. Thin: parse, one selector/service, render."""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from txng.codes.cache import TTLCache
from txng.core.errors import ServiceError
from txng.gs1 import DigitalLink, GS1Error, parse_digital_link
from txng.resolver import services
from txng.resolver.links import (
    GS1_VOC,
    LINK_TYPE_TITLES,
    LINKSET_MEDIA_TYPE,
    Link,
    accept_languages,
    link_header,
    linkset,
    normalise_link_type,
    select_links,
    with_query,
)
from txng.resolver.models import ProductLink, Scan, Verdict
from txng.resolver.selectors import Resolution, consumer_page, identifier_resolve, product_links

_PARSE_BASE: Final = "https://resolver.invalid"
_PATH_SAFE: Final = "/:@!$&'()*+,;=-._~"  # RFC 3986 path characters but "%": a decoded "%" is data
_SCAN_SALT: Final = "txng.resolver.scan"
_SCAN_TOKEN_MAX_AGE: Final = 24 * 3600
_BUILT_IN_TYPES: Final = frozenset({"gs1:pip", "gs1:traceability", "gs1:certificationInfo", "gs1:locationInfo"})
_CORS: Final = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language",
    "Access-Control-Expose-Headers": "Link, Location, Content-Type",
}


def _scan_token(scan_id: int) -> str:
    """The signed reference to a scan the consumer page gets (its verdict, the phone's position), for a day."""
    return signing.TimestampSigner(salt=_SCAN_SALT).sign(str(scan_id))


def _scan_id(token: str) -> int | None:
    try:
        return int(signing.TimestampSigner(salt=_SCAN_SALT).unsign(token, max_age=_SCAN_TOKEN_MAX_AGE))
    except (signing.BadSignature, ValueError):
        return None


def _client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def _visitor(request: HttpRequest) -> str:
    return services.visitor_hash(_client_ip(request))


def _with_cors(response: HttpResponse) -> HttpResponse:
    for name, value in _CORS.items():
        response.headers[name] = value
    response.headers["Vary"] = "Accept, Accept-Language"
    response.headers["Cache-Control"] = "no-store"
    return response


def _problem(status: int, title: str, detail: str) -> HttpResponse:
    body = {"type": f"https://opentxng.org/problems/resolver-{status}", "title": title, "status": status}
    body["detail"] = detail
    return _with_cors(JsonResponse(body, status=status, content_type="application/problem+json"))


def _canonical_path(link: DigitalLink) -> str:
    return link.path_uri()


def _wants_linkset(request: HttpRequest, link_type: str | None) -> bool:
    if link_type in ("all", "linkset"):
        return True
    accept = request.headers.get("Accept", "")
    return LINKSET_MEDIA_TYPE in accept


def _parse(path: str, query: str) -> Any:
    # Trailing slashes are tolerated (conformance: "SHOULD tolerate trailing slashes"). Django hands the path
    # over percent-decoded; encoded again, a serial with "<", '"' or "%" (all in GS1's CSET 82) parses as printed.
    encoded = quote(path.rstrip("/"), safe=_PATH_SAFE)
    return parse_digital_link(f"{_PARSE_BASE}/{encoded}" + (f"?{query}" if query else ""))


def _scan_request(request: HttpRequest, resolution: Resolution) -> services.ScanRequest:
    return services.ScanRequest(
        gtin=resolution.gtin,
        lot=resolution.link.value("10") or "",
        serial=resolution.serial,
        visitor=resolution.visitor,
        platform=request.headers.get("Sec-CH-UA-Platform", "").strip('"') or _platform(request),
        language=request.headers.get("Accept-Language", "")[:20],
    )


def _platform(request: HttpRequest) -> str:
    agent = request.headers.get("User-Agent", "")
    for name in ("Android", "iPhone", "iPad", "Windows", "Macintosh", "Linux"):
        if name in agent:
            return name
    return ""


def resolve(request: HttpRequest, path: str) -> HttpResponse:
    """GS1 Digital Link resolution: 307 to the chosen link, linksets, 300/400/404 (GS1 resolver standard 1.1)."""
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        response.headers["Allow"] = "GET, HEAD, OPTIONS"
        return _with_cors(response)
    if request.method not in ("GET", "HEAD"):
        response = HttpResponse(status=405)
        response.headers["Allow"] = "GET, HEAD, OPTIONS"
        return _with_cors(response)
    query = request.META.get("QUERY_STRING", "")
    try:
        link = _parse(path, query)
    except GS1Error as error:
        return _problem(400, "Not a valid GS1 Digital Link URI", str(error))
    params = dict(link.other_params)
    raw_type = params.get("linkType") or None
    link_type = raw_type if raw_type in ("all", "linkset") else (normalise_link_type(raw_type) if raw_type else None)
    resolution = identifier_resolve(link, visitor=_visitor(request))
    if not resolution.found:
        return _not_found(request, resolution)
    canonical = _canonical_path(link)
    anchor = request.build_absolute_uri(canonical)
    page_url = request.build_absolute_uri("/trace" + canonical)
    linkset_link = (f"{anchor}?linkType=linkset", "linkset", LINKSET_MEDIA_TYPE)
    if _wants_linkset(request, link_type):
        links = product_links(
            resolution, page_url=page_url, everything=True, recall_url=_recall_status_url(request, resolution)
        )
        description = resolution.product.name if resolution.product is not None else str(resolution.location)
        media_type = LINKSET_MEDIA_TYPE if LINKSET_MEDIA_TYPE in request.headers.get("Accept", "") else None
        response = JsonResponse(
            linkset(anchor, links, item_description=description),
            content_type=media_type or "application/json",
            json_dumps_params={"ensure_ascii": False},
        )
        response.headers["Link"] = link_header([linkset_link])
        return _with_cors(response)
    everything = link_type is not None and link_type != "gs1:defaultLink"
    recall_url = _recall_status_url(request, resolution) if everything else ""
    links = product_links(resolution, page_url=page_url, everything=everything, recall_url=recall_url)
    chosen = select_links(
        links,
        link_type=link_type,
        languages=accept_languages(request.headers.get("Accept-Language", "")),
        context=params.get("context", ""),
    )
    if not chosen:
        return _problem(404, "No link of the requested type", f"No {link_type} link for {canonical}.")
    if len(chosen) > 1:
        return _multiple_choices(request, anchor, chosen, linkset_link)
    target = chosen[0]
    href = with_query(target.href, query)
    if request.method == "GET" and resolution.product is not None:
        scan = services.scan_record(
            request=_scan_request(request, resolution),
            verdict=resolution.verdict,
            organization_id=resolution.organization_id,
            batch=resolution.match.batch if resolution.match is not None else None,
            stamp_index=resolution.match.index if resolution.match is not None else None,
            check=resolution.match.check if resolution.match is not None else None,
            earlier_scans=resolution.stamp_scans,
            earlier_pins=resolution.stamp_pins,
        )
        if target.is_ours:
            token = _scan_token(scan.pk)
            href = with_query(target.href, "&".join(part for part in (query, f"scan={token}") if part))
    response = HttpResponse(status=307)
    response.headers["Location"] = href
    response.headers["Link"] = link_header([linkset_link])
    return _with_cors(response)


def _recall_status_url(request: HttpRequest, resolution: Resolution) -> str:
    """The public recall status page of the product or lot (the target of gs1:recallStatus)."""
    if resolution.product is None:
        return ""
    gtin, lot = resolution.product.gtin, resolution.lot
    if lot:
        return request.build_absolute_uri(reverse("oversight:status-lot", kwargs={"gtin": gtin, "lot": lot}))
    return request.build_absolute_uri(reverse("oversight:status", kwargs={"gtin": gtin}))


def _not_found(request: HttpRequest, resolution: Resolution) -> HttpResponse:
    if "html" not in request.headers.get("Accept", "") or request.method == "HEAD":
        return _problem(404, "Not in the system", "No published product or location has this identifier.")
    if request.method == "GET" and resolution.gtin:
        services.scan_record(
            request=_scan_request(request, resolution), verdict=Verdict.NOT_IN_SYSTEM, organization_id=None
        )
    return _with_cors(_not_found_page(request, resolution))


# The not-found page is the same for every unknown code but the code itself (and the path the language
# switch returns to), and copied or invented labels make it the resolver's most frequent page: rendered once
# per language for visitors who are not signed in, with the two texts put in escaped. Rendering it for each
# request cost more than the rest of the resolution (bench/codes.py).
_CODE_SLOT, _PATH_SLOT = "\ue000", "\ue001"  # private-use characters: never in our templates, kept by escaping
_not_found_pages: TTLCache[str] = TTLCache(ttl=300, size=16)


def _not_found_page(request: HttpRequest, resolution: Resolution) -> HttpResponse:
    template, code, path = "resolver/not_found.html", resolution.link.hri, request.get_full_path()
    if request.user.is_authenticated:  # the menu is the visitor's own
        return render(request, template, {"hri": code, "next_path": path}, status=404)
    page = _not_found_pages.get(
        get_language(), lambda: render_to_string(template, {"hri": _CODE_SLOT, "next_path": _PATH_SLOT}, request)
    )
    return HttpResponse(page.replace(_CODE_SLOT, escape(code)).replace(_PATH_SLOT, escape(path)), status=404)


def _multiple_choices(
    request: HttpRequest, anchor: str, chosen: list[Link], linkset_link: tuple[str, str, str]
) -> HttpResponse:
    if "html" in request.headers.get("Accept", ""):
        response = render(request, "resolver/choices.html", {"links": chosen}, status=300)
    else:
        response = JsonResponse(linkset(anchor, chosen), status=300, content_type=LINKSET_MEDIA_TYPE)
    response.headers["Link"] = link_header([linkset_link])
    return _with_cors(response)


@require_safe
def hello(request: HttpRequest) -> HttpResponse:
    """A fixed text answer with no database access (bench/codes.py measures the server's ceiling with it)."""
    return HttpResponse("hello\n", content_type="text/plain; charset=utf-8")


@require_safe
def well_known(request: HttpRequest) -> JsonResponse:
    """The resolver description file (conformance: "SHALL provide a resolver description file at
    /.well-known/gs1resolver"; "The list of supported primary identifiers SHALL be provided")."""
    root = settings.DIGITAL_LINK_BASE
    types = {code for code, _label in ProductLink.LinkType.choices} | _BUILT_IN_TYPES
    active = {code: {"title": LINK_TYPE_TITLES.get(code, code), "url": GS1_VOC + code[4:]} for code in sorted(types)}
    description = {
        "name": f"OpenTXNG resolver — {settings.SITE_NAME}",
        "resolverRoot": root,
        "supportedLinkType": [{"namespace": GS1_VOC, "prefix": "gs1:"}],
        "supportedPrimaryKeys": ["01", "414"],
        "supportedContextValuesExternal": [
            {"nameOfList": "ISO-3166 Alpha-2", "url": "https://en.wikipedia.org/wiki/ISO_3166-1_alpha-2"}
        ],
        "linkTypeDefaultCanBeAll": False,
        "contact": {"fn": settings.SITE_NAME, "hasAddress": {"country-name": "Việt Nam"}},
        "supportsLanguageVariants": True,
        "supportsSemanticInterpretation": False,
        "validatesAIcombinations": True,
        "activeLinkTypes": {"en": active},
    }
    response = JsonResponse(description, json_dumps_params={"ensure_ascii": False})
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


# ---------------------------------------------------------------------------------------- consumer page


def _current_scan(request: HttpRequest, resolution: Resolution) -> Scan | None:
    token = request.GET.get("scan", "")
    if not token:
        return None
    scan_id = _scan_id(token)
    scan = Scan.objects.filter(pk=scan_id).first() if scan_id is not None else None
    if scan is None or scan.gtin != resolution.gtin or scan.serial != resolution.serial:
        return None
    return scan


@never_cache
def trace_page(request: HttpRequest, path: str) -> HttpResponse:
    """The consumer page: product, producer, certificates, journey, verification verdict, PIN and report forms."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405)
    query = "&".join(part for part in request.META.get("QUERY_STRING", "").split("&") if not part.startswith("scan="))
    try:
        link = _parse(path, query)
    except GS1Error as error:
        return render(request, "resolver/bad_request.html", {"error": str(error)}, status=400)
    visitor = _visitor(request)
    resolution = identifier_resolve(link, visitor=visitor)
    if not resolution.found:
        return _not_found_page(request, resolution)
    if resolution.location is not None:
        return render(request, "resolver/location.html", {"resolution": resolution, "place": resolution.location})
    scan = _current_scan(request, resolution)
    if scan is not None:
        resolution.verdict = scan.verdict
    context: dict[str, Any] = {"scan_token": request.GET.get("scan", "") if scan is not None else ""}
    status = 200
    if request.method == "POST":
        status = _handle_post(request, resolution, visitor, context)
    page = consumer_page(resolution, current_scan=scan, visitor=visitor)
    context.update({"page": page, "resolution": resolution, "product": resolution.product, "verdicts": Verdict})
    return render(request, "resolver/consumer.html", context, status=status)


def _handle_post(request: HttpRequest, resolution: Resolution, visitor: str, context: dict[str, Any]) -> int:
    action = request.POST.get("action", "")
    try:
        if action == "pin":
            batch, index = resolution.batch, resolution.match.index if resolution.match else None
            if batch is None or index is None:
                raise ServiceError(_("This code has no stamp PIN to check."), code="no-stamp", field="pin")
            context["pin_result"] = services.pin_check(
                batch=batch, stamp_index=index, pin=request.POST.get("pin", ""), visitor=visitor
            )
        elif action == "report":
            services.suspect_report_submit(
                gtin=resolution.gtin,
                serial=resolution.serial,
                lot=resolution.lot,
                description=request.POST.get("description", ""),
                place=request.POST.get("place", ""),
                contact=request.POST.get("contact", ""),
                photo=request.FILES.get("photo"),
                visitor=visitor,
                organization_id=resolution.organization_id,
            )
            context["report_sent"] = True
        else:
            return 400
    except ServiceError as error:
        context["form_error"] = error.message
        context["form_error_field"] = error.field or action
        return error.status
    return 200


@require_POST
def scan_location(request: HttpRequest) -> HttpResponse:
    """The visitor's phone shares its coarse position for the scan it just made (optional)."""
    scan_id = _scan_id(request.POST.get("scan", ""))
    try:
        latitude, longitude = float(request.POST["latitude"]), float(request.POST["longitude"])
    except (KeyError, ValueError):
        return HttpResponse(status=400)
    if scan_id is None:
        return HttpResponse(status=400)
    scan = Scan.objects.select_related("batch").filter(pk=scan_id).first()
    if scan is None:
        return HttpResponse(status=404)
    try:
        services.scan_locate(scan=scan, latitude=latitude, longitude=longitude)
    except ServiceError:
        return HttpResponse(status=400)
    return HttpResponse(status=204)
