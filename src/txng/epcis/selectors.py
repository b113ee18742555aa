"""Reading the event store: visibility, paging of the SimpleEventQuery and the browse lists.

The query parameters themselves become filters in `txng.epcis.filters`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from txng.accounts.principal import Principal
from txng.accounts.visibility import organization_q, owned_q
from txng.epcis.document import merge_namespaces
from txng.epcis.filters import MATCH_ROLES, PER_PAGE_DEFAULT, PER_PAGE_MAX, QUERY_TOO_LARGE, events_filter, query_error
from txng.epcis.models import (
    CaptureJob,
    Event,
    EventIdentifier,
    EventParty,
)
from txng.epcis.validation import EPCISValidationError
from txng.registry.models import Facility, Organization, Product

NEXT_PAGE_TOKEN_MAX_AGE: Final = timedelta(hours=24)

_NEXT_PAGE_SALT: Final = "txng.epcis.next-page"

_ORDER_COLUMNS: Final = {"eventTime": "event_time", "recordTime": "record_time"}


def _too_large(limit: int) -> EPCISValidationError:
    return EPCISValidationError(
        f"the query selects more than maxEventCount={limit} events",
        type=QUERY_TOO_LARGE,
        title="The query result is too large",
        status=413,
    )


def _positive(params: Mapping[str, list[str]], name: str, maximum: int | None = None) -> int | None:
    if name not in params:
        return None
    raw = params[name][-1].strip()
    if not raw.isdigit() or int(raw) < 1 or (maximum is not None and int(raw) > maximum):
        bound = f" to {maximum}" if maximum is not None else ""
        raise query_error(f"{name} must be an integer from 1{bound}")
    return int(raw)


# -- visibility ---------------------------------------------------------------------------------------


def _public_q() -> Q:
    """Events of a published product's owner that name that product (an EPC or class with its GTIN)."""
    published = Product.objects.filter(
        gtin=OuterRef("gtin"),
        organization_id=OuterRef("organization_id"),
        is_published=True,
        organization__is_published=True,
    )
    return Q(Exists(EventIdentifier.objects.filter(event=OuterRef("pk")).exclude(gtin="").filter(Exists(published))))


def _trading_partner_q(organization_ids: frozenset[int]) -> Q:
    """Events whose source or destination names one of the organizations' GLNs (party or facility)."""
    organization_glns = Organization.objects.filter(pk__in=organization_ids).exclude(gln="").values("gln")
    facility_glns = Facility.objects.filter(organization_id__in=organization_ids).exclude(gln="").values("gln")
    parties = EventParty.objects.filter(event=OuterRef("pk")).filter(
        Q(gln__in=organization_glns) | Q(gln__in=facility_glns)
    )
    return Q(Exists(parties))


def event_queryset(principal: Principal) -> QuerySet[Event]:
    """Events the principal may read: everything (DOST, admin); own, trading partners', agency-scoped; public."""
    events = Event.objects.all()
    if principal.sees_everything:
        return events
    if principal.is_public:
        return events.filter(_public_q())
    visible = organization_q(principal, prefix="organization__") | _public_q()
    if principal.organization_ids:
        visible |= _trading_partner_q(principal.organization_ids)
    return events.filter(visible)


def capture_job_get(*, principal: Principal, capture_id: str) -> CaptureJob | None:
    """A capture job, only for its capturing organization (and administrators)."""
    try:
        return CaptureJob.objects.filter(owned_q(principal)).get(pk=capture_id)
    except (CaptureJob.DoesNotExist, ValidationError):  # a malformed UUID is a ValidationError
        return None


# -- paging -------------------------------------------------------------------------------------------


def _digest(params: Mapping[str, list[str]]) -> str:
    items = sorted((k, v) for k, vs in params.items() if k != "nextPageToken" for v in vs)
    return hashlib.sha256(repr(items).encode()).hexdigest()[:16]


def _token(params: Mapping[str, list[str]], digest: str) -> dict[str, Any] | None:
    if "nextPageToken" not in params:
        return None
    try:
        token = signing.loads(params["nextPageToken"][-1], salt=_NEXT_PAGE_SALT, max_age=NEXT_PAGE_TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise query_error("nextPageToken has expired; run the query again") from None
    except signing.BadSignature:
        raise query_error("nextPageToken is not valid") from None
    if not isinstance(token, dict) or token.get("q") != digest:
        raise query_error("nextPageToken belongs to a different query")
    return token


def _per_page(params: Mapping[str, list[str]]) -> int:
    return _positive(params, "perPage", PER_PAGE_MAX) or PER_PAGE_DEFAULT


def _ordering(params: Mapping[str, list[str]]) -> tuple[str, bool]:
    """(column, descending): capture order by default; orderBy defaults to DESC (EPCIS 2.0 §8.2.7.1)."""
    direction = params.get("orderDirection", ["DESC"])[-1].strip().upper()
    if direction not in ("ASC", "DESC"):
        raise query_error("orderDirection must be ASC or DESC")
    if "orderBy" not in params:
        return "pk", False
    field = params["orderBy"][-1].strip()
    if field not in _ORDER_COLUMNS:
        raise query_error(f"orderBy {field!r} is not supported; use eventTime or recordTime")
    return _ORDER_COLUMNS[field], direction == "DESC"


def _after_q(column: str, descending: bool, after: list[Any]) -> Q:
    beyond = "lt" if descending else "gt"
    if column == "pk":
        return Q(**{f"pk__{beyond}": int(after[1])})
    value = datetime.fromisoformat(after[0])
    return Q(**{f"{column}__{beyond}": value}) | Q(**{column: value, f"pk__{beyond}": int(after[1])})


@dataclass
class EventPage:
    events: list[dict[str, Any]]
    namespaces: dict[str, str]
    next_page_token: str | None
    next_page_expires: datetime | None = None


def events_query(
    *, principal: Principal, params: Mapping[str, list[str]], fixed: Mapping[str, list[str]] | None = None
) -> EventPage:
    """One page of the SimpleEventQuery; keyset-paginated (stable while events keep arriving).

    `fixed` holds the parameters a browse resource implies (`/bizSteps/{bizStep}/events`).
    """
    everything = {**params, **(fixed or {})}
    events = events_filter(event_queryset(principal), everything)
    per_page = _per_page(params)
    column, descending = _ordering(params)
    count_limit = _positive(params, "eventCountLimit")
    max_count = _positive(params, "maxEventCount")
    if count_limit is not None and max_count is not None:
        raise query_error("eventCountLimit and maxEventCount may not be used together")
    digest = _digest({k: v for k, v in everything.items() if k != "perPage"})
    token = _token(params, digest)
    served = int(token.get("served", 0)) if token else 0
    if token is not None:
        events = events.filter(_after_q(column, descending, token["after"]))
    elif max_count is not None and events.order_by()[: max_count + 1].count() > max_count:
        raise _too_large(max_count)
    size = per_page if count_limit is None else min(per_page, count_limit - served)
    order = ("-" if descending else "") + column
    columns = ("pk", "document", "namespaces") if column == "pk" else ("pk", "document", "namespaces", column)
    rows = list(events.order_by(order, "-pk" if descending else "pk").values_list(*columns)[: size + 1])
    next_token = None
    has_more = len(rows) > size and (count_limit is None or served + size < count_limit)
    rows = rows[:size]
    if has_more and rows:
        last = rows[-1]
        after = [last[3].isoformat() if column != "pk" else None, last[0]]
        next_token = signing.dumps({"after": after, "q": digest, "served": served + len(rows)}, salt=_NEXT_PAGE_SALT)
    namespaces: dict[str, str] = {}
    documents = []
    for row in rows:
        document, event_namespaces = row[1], row[2]
        merge_namespaces(namespaces, event_namespaces, document)
        documents.append(document)
    expires = timezone.now() + NEXT_PAGE_TOKEN_MAX_AGE if next_token else None
    return EventPage(documents, namespaces, next_token, expires)


# -- browse resources (`/epcs`, `/bizSteps`, …) ------------------------------------------------------

BROWSE_COLUMNS: Final = {
    "bizSteps": "biz_step",
    "bizLocations": "biz_location",
    "readPoints": "read_point",
    "dispositions": "disposition",
}
# What `/{resource}/{value}/events` means, as a SimpleEventQuery parameter.
BROWSE_PARAMETERS: Final = {
    "eventTypes": "eventType",
    "epcs": "MATCH_anyEPC",
    "bizSteps": "EQ_bizStep",
    "bizLocations": "EQ_bizLocation",
    "readPoints": "EQ_readPoint",
    "dispositions": "EQ_disposition",
}
_INSTANCE_ROLES: Final = MATCH_ROLES["MATCH_anyEPC"]


@dataclass
class ValuePage:
    members: list[str]
    next_page_token: str | None
    next_page_expires: datetime | None = None


def browse_values(*, principal: Principal, resource: str, params: Mapping[str, list[str]]) -> ValuePage:
    """One page of the distinct values of a browse resource among the events the principal may read."""
    unknown = sorted(set(params) - {"perPage", "nextPageToken"})
    if unknown:
        raise query_error(f"unknown or unsupported query parameter(s): {', '.join(unknown)}")
    per_page = _per_page(params)
    digest = _digest({"resource": [resource]})
    token = _token(params, digest)
    visible = event_queryset(principal)
    values: QuerySet[Any, str]
    if resource == "epcs":
        values = EventIdentifier.objects.filter(event__in=visible.values("pk"), role__in=_INSTANCE_ROLES).values_list(
            "identifier", flat=True
        )
        column = "identifier"
    else:
        column = BROWSE_COLUMNS[resource]
        values = visible.exclude(**{column: ""}).values_list(column, flat=True)
    if token is not None:
        values = values.filter(**{f"{column}__gt": token["after"]})
    found = list(values.order_by(column).distinct()[: per_page + 1])
    next_token = None
    if len(found) > per_page:
        found = found[:per_page]
        next_token = signing.dumps({"after": found[-1], "q": digest}, salt=_NEXT_PAGE_SALT)
    expires = timezone.now() + NEXT_PAGE_TOKEN_MAX_AGE if next_token else None
    return ValuePage(found, next_token, expires)
