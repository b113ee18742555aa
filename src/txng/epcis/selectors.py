"""Reading the event store: visibility and the SimpleEventQuery parameters (EPCIS 2.0 §8.2.7.1)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet

from txng.accounts.principal import Principal
from txng.accounts.visibility import organization_q, owned_q
from txng.epcis import vocabulary as voc
from txng.epcis.document import merge_namespaces
from txng.epcis.models import CaptureJob, Event, EventIdentifier
from txng.epcis.services import canonical_identifier
from txng.epcis.validation import EPCISValidationError
from txng.registry.models import Product

QUERY_EXCEPTION: Final = "epcisException:QueryParameterException"
PER_PAGE_DEFAULT: Final = 30
PER_PAGE_MAX: Final = 1000
_NEXT_PAGE_SALT: Final = "txng.epcis.next-page"
_ROLE = EventIdentifier.Role
# MATCH_* parameters → the identifier roles they search (EPCIS 2.0 §8.2.7.1, Table 8-7).
MATCH_ROLES: Final[dict[str, tuple[str, ...]]] = {
    "MATCH_epc": (_ROLE.EPC, _ROLE.CHILD),
    "MATCH_parentID": (_ROLE.PARENT,),
    "MATCH_inputEPC": (_ROLE.INPUT,),
    "MATCH_outputEPC": (_ROLE.OUTPUT,),
    "MATCH_anyEPC": (_ROLE.EPC, _ROLE.CHILD, _ROLE.PARENT, _ROLE.INPUT, _ROLE.OUTPUT),
    "MATCH_epcClass": (_ROLE.CLASS, _ROLE.CHILD_CLASS),
    "MATCH_inputEPCClass": (_ROLE.INPUT_CLASS,),
    "MATCH_outputEPCClass": (_ROLE.OUTPUT_CLASS,),
    "MATCH_anyEPCClass": (_ROLE.CLASS, _ROLE.CHILD_CLASS, _ROLE.INPUT_CLASS, _ROLE.OUTPUT_CLASS),
}
_TIME_FIELDS: Final = {
    "GE_eventTime": "event_time__gte",
    "LT_eventTime": "event_time__lt",
    "GE_recordTime": "record_time__gte",
    "LT_recordTime": "record_time__lt",
}
_EQ_FIELDS: Final[dict[str, tuple[str, Callable[[str], str]]]] = {
    "eventType": ("event_type", str),
    "EQ_action": ("action", str),
    "EQ_eventID": ("event_id", str),
    "EQ_bizStep": ("biz_step", lambda v: voc.to_short("bizStep", v)),
    "EQ_disposition": ("disposition", lambda v: voc.to_short("disposition", v)),
    "EQ_readPoint": ("read_point", canonical_identifier),
    "EQ_bizLocation": ("biz_location", canonical_identifier),
}
_PAGING: Final = frozenset(("perPage", "nextPageToken"))
KNOWN_PARAMETERS: Final = frozenset((*MATCH_ROLES, *_TIME_FIELDS, *_EQ_FIELDS, *_PAGING))


def query_error(detail: str) -> EPCISValidationError:
    return EPCISValidationError(detail, type=QUERY_EXCEPTION, title="The query is not valid")


def _public_q() -> Q:
    """Events of a published product's owner that name that product (an EPC or class with its GTIN)."""
    published = Product.objects.filter(
        gtin=OuterRef("gtin"),
        organization_id=OuterRef("organization_id"),
        is_published=True,
        organization__is_published=True,
    )
    return Q(Exists(EventIdentifier.objects.filter(event=OuterRef("pk")).exclude(gtin="").filter(Exists(published))))


def event_queryset(principal: Principal) -> QuerySet[Event]:
    """Events the principal may read: everything (DOST, admin); own and agency-scoped; public stories."""
    events = Event.objects.all()
    if principal.sees_everything:
        return events
    if principal.is_public:
        return events.filter(_public_q())
    return events.filter(organization_q(principal, prefix="organization__") | _public_q())


def capture_job_get(*, principal: Principal, capture_id: str) -> CaptureJob | None:
    """A capture job, only for its capturing organization (and administrators)."""
    try:
        return CaptureJob.objects.filter(owned_q(principal)).get(pk=capture_id)
    except (CaptureJob.DoesNotExist, ValidationError):  # a malformed UUID is a ValidationError
        return None


def _values(params: Mapping[str, list[str]], name: str) -> list[str]:
    values = [v for raw in params[name] for v in raw.split("|") if v]
    if not values:
        raise query_error(f"{name} needs a value")
    return values


def _time(name: str, value: str) -> datetime:
    # A '+' in an offset arrives as a space when the client did not percent-encode it.
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise query_error(f"{name} {value!r} is not a date-time with a time zone")
    return moment


def _match_q(name: str, values: list[str]) -> Q:
    q = Q(identifier__in=[canonical_identifier(v) for v in values if "idpat" not in v and not v.endswith("*")])
    for value in values:
        if "idpat" not in value and not value.endswith("*"):
            continue
        canonical = canonical_identifier(value)
        if canonical != value:
            # An EPC pattern URI names a class (GS1 DL of the GTIN): it matches the class and every instance.
            q |= Q(identifier=canonical) | Q(identifier__startswith=canonical + "/")
        else:
            q |= Q(identifier__startswith=value.rstrip("*"))
    return Q(Exists(EventIdentifier.objects.filter(q, event=OuterRef("pk"), role__in=MATCH_ROLES[name])))


def _digest(params: Mapping[str, list[str]]) -> str:
    items = sorted((k, v) for k, vs in params.items() if k != "nextPageToken" for v in vs)
    return hashlib.sha256(repr(items).encode()).hexdigest()[:16]


@dataclass
class EventPage:
    events: list[dict[str, Any]]
    namespaces: dict[str, str]
    next_page_token: str | None


def events_query(*, principal: Principal, params: Mapping[str, list[str]]) -> EventPage:
    """One page of the SimpleEventQuery, ordered by capture (stable while events keep arriving)."""
    unknown = sorted(set(params) - KNOWN_PARAMETERS)
    if unknown:
        raise query_error(f"unknown or unsupported query parameter(s): {', '.join(unknown)}")
    events = event_queryset(principal)
    for name in params.keys() & MATCH_ROLES.keys():
        events = events.filter(_match_q(name, _values(params, name)))
    for name in params.keys() & _TIME_FIELDS.keys():
        events = events.filter(**{_TIME_FIELDS[name]: _time(name, params[name][-1])})
    for name in params.keys() & _EQ_FIELDS.keys():
        column, normalise = _EQ_FIELDS[name]
        events = events.filter(**{f"{column}__in": [normalise(v) for v in _values(params, name)]})
    per_page = PER_PAGE_DEFAULT
    if "perPage" in params:
        raw = params["perPage"][-1]
        if not raw.isdigit() or not 1 <= int(raw) <= PER_PAGE_MAX:
            raise query_error(f"perPage must be an integer from 1 to {PER_PAGE_MAX}")
        per_page = int(raw)
    digest = _digest({k: v for k, v in params.items() if k != "perPage"})
    if "nextPageToken" in params:
        try:
            token = signing.loads(params["nextPageToken"][-1], salt=_NEXT_PAGE_SALT)
        except signing.BadSignature:
            raise query_error("nextPageToken is not valid") from None
        if token.get("q") != digest:
            raise query_error("nextPageToken belongs to a different query")
        events = events.filter(pk__gt=int(token["after"]))
    rows = list(events.order_by("pk").values_list("pk", "document", "namespaces")[: per_page + 1])
    next_token = None
    if len(rows) > per_page:
        rows = rows[:per_page]
        next_token = signing.dumps({"after": rows[-1][0], "q": digest}, salt=_NEXT_PAGE_SALT)
    namespaces: dict[str, str] = {}
    documents = []
    for _pk, document, event_namespaces in rows:
        merge_namespaces(namespaces, event_namespaces, document)
        documents.append(document)
    return EventPage(documents, namespaces, next_token)
