"""Named queries and webhook subscriptions: create, delete, and delivery with retries (EPCIS 2.0 REST binding).

Delivery is at-least-once and in order: a subscription has at most one delivery in flight; its body is
built once and re-sent unchanged on every retry; the watermark (last event primary key) only advances
when the destination answers 2xx. The HTTP POST never runs inside a database transaction (STYLE rule 4).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import BigIntegerField, Max, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from txng.accounts.principal import Principal
from txng.accounts.visibility import can_edit_organization, owned_q
from txng.core.audit import audit_record
from txng.core.outbound import TokenBox, outbound_url_error
from txng.epcis import filters, selectors
from txng.epcis.document import merge_namespaces, render_json
from txng.epcis.models import CaptureJob, Event
from txng.epcis.models_queries import NamedQuery, Subscription, SubscriptionDelivery
from txng.epcis.validation import EPCISValidationError
from txng.registry.models import Organization

SIGNATURE_HEADER: Final = "GS1-Signature"
BATCH_SIZE: Final = 500
LEASE: Final = timedelta(minutes=5)
REQUEST_TIMEOUT_SECONDS: Final = 15
FLOOR_STALE: Final = timedelta(hours=1)
NO_FLOOR: Final = 2**62
_NAME_RE: Final = re.compile(r"[\w.~-]{1,200}")
_TOKEN_KEY_SALT: Final = b"txng.epcis.subscription-signature-token"


def _problem(status: int, type_: str, detail: str) -> EPCISValidationError:
    return EPCISValidationError(detail, type=f"epcisException:{type_}", title=detail, status=status)


def not_found(detail: str) -> EPCISValidationError:
    return _problem(404, "NoSuchSubscriptionException", detail)


def date_time_parse(name: str, value: object) -> datetime:
    """An ISO 8601 date-time with a time zone, or a 400 problem naming the field."""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise _problem(400, "ValidationException", f"{name} {value!r} is not a date-time with a time zone")
    return moment


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, os.environ.get(name, default)))


_TOKENS: Final = TokenBox(_TOKEN_KEY_SALT)


def signature(body: bytes, token: str) -> str:
    """The `GS1-Signature` value: lowercase hex HMAC-SHA256 of the exact body bytes, keyed by signatureToken."""
    return hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


# --- named queries -----------------------------------------------------------------------------------


def query_params(query: object) -> dict[str, list[str]]:
    """A stored query definition as the `params` that `selectors.events_query` takes."""
    if not isinstance(query, Mapping):
        raise filters.query_error("query must be a JSON object of SimpleEventQuery parameters")
    params: dict[str, list[str]] = {}
    for name, value in query.items():
        if name in ("perPage", "nextPageToken"):
            raise filters.query_error(f"{name} is a paging parameter, not part of a named query")
        values = value if isinstance(value, list) else [value]
        texts = []
        for item in values:
            if isinstance(item, bool):
                texts.append("true" if item else "false")
            elif isinstance(item, str | int | float):
                texts.append(str(item))
            else:
                raise filters.query_error(f"{name}: values must be strings, numbers or booleans")
        params[str(name)] = texts
    return params


def named_queries_visible(principal: Principal) -> QuerySet[NamedQuery]:
    """Named queries the principal may see: its organizations' own (administrators: all)."""
    return NamedQuery.objects.filter(owned_q(principal)).select_related("organization").order_by("pk")


def named_query_get(*, principal: Principal, name: str, organization_tax_code: str = "") -> NamedQuery:
    """One visible named query by name; the tax code disambiguates for members of several organizations."""
    found = named_queries_visible(principal).filter(name=name)
    if organization_tax_code:
        found = found.filter(organization__tax_code=organization_tax_code)
    rows = list(found[:2])
    if not rows:
        raise _problem(404, "NoSuchNameException", f"there is no query named {name!r}")
    if len(rows) > 1:
        raise _problem(409, "QueryParameterException", "several organizations have this query; send TXNG-Organization")
    return rows[0]


def named_query_create(*, actor: Principal, organization: Organization, name: object, query: object) -> NamedQuery:
    """Save a SimpleEventQuery under a name unique within the organization (checked by running it once)."""
    if not can_edit_organization(actor, organization.pk):
        raise _problem(403, "SecurityException", "you may not create queries for this organization")
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise _problem(400, "ValidationException", "name: 1–200 letters, digits, '.', '_', '~' or '-'")
    params = query_params(query)
    assert isinstance(query, Mapping)  # query_params checked it
    selectors.events_query(principal=actor, params={**params, "perPage": ["1"]})  # raises on a bad parameter
    try:
        with transaction.atomic():
            named_query = NamedQuery.objects.create(
                organization=organization, name=name, query=dict(query), created_by=actor.label[:200]
            )
            audit_record(actor=actor, action="epcis.named_query.create", obj=named_query, changes={"name": name})
    except IntegrityError:
        raise _problem(409, "ResourceAlreadyExistsException", f"a query named {name!r} exists already") from None
    return named_query


def named_query_delete(*, actor: Principal, named_query: NamedQuery) -> None:
    """Delete a named query and, with it, all its subscriptions (openapi.json DELETE /queries/{queryName})."""
    if not can_edit_organization(actor, named_query.organization_id):
        raise _problem(403, "SecurityException", "you may not delete this query")
    with transaction.atomic():
        audit_record(
            actor=actor, action="epcis.named_query.delete", obj=named_query, changes={"name": named_query.name}
        )
        named_query.delete()


# --- schedules (EPCIS 1.2 §8.2.5.3 QuerySchedule, kept by EPCIS 2.0) ---------------------------------

# Coarsest to finest; ranges per field.
SCHEDULE_FIELDS: Final = {
    "month": (1, 12),
    "dayOfMonth": (1, 31),
    "dayOfWeek": (1, 7),
    "hour": (0, 23),
    "minute": (0, 59),
    "second": (0, 59),
}
_ELEMENT_RE: Final = re.compile(r"\[?(\d+)(?:-(\d+))?\]?(?:/(\d+))?|\*(?:/(\d+))?")


def _schedule_values(name: str, raw: object) -> list[int]:
    low, high = SCHEDULE_FIELDS[name]
    values: set[int] = set()
    for element in str(raw).replace(" ", "").split(","):
        match = _ELEMENT_RE.fullmatch(element)
        if match is None:
            raise _problem(400, "SubscriptionControlsException", f"schedule.{name}: {element!r} is not valid")
        start_text, end_text, step_text, star_step = match.groups()
        start = int(start_text) if start_text else low
        end = int(end_text) if end_text else (high if step_text or not start_text else start)
        step = int(step_text or star_step or 1)
        if not low <= start <= end <= high or step < 1:
            raise _problem(400, "SubscriptionControlsException", f"schedule.{name}: {element!r} is out of range")
        values.update(range(start, end + 1, step))
    return sorted(values)


def schedule_parse(schedule: object) -> dict[str, list[int]]:
    """Expand a schedule; omitted fields finer than the finest given one take their minimum (1.05 means 1:05:00)."""
    if not isinstance(schedule, Mapping) or not schedule:
        raise _problem(400, "SubscriptionControlsException", "schedule must name at least one field")
    unknown = set(schedule) - SCHEDULE_FIELDS.keys()
    if unknown:
        raise _problem(400, "SubscriptionControlsException", f"unknown schedule field(s): {', '.join(sorted(unknown))}")
    order = list(SCHEDULE_FIELDS)
    finest = max(order.index(name) for name in schedule)
    expanded = {}
    for index, (name, (low, high)) in enumerate(SCHEDULE_FIELDS.items()):
        if name in schedule:
            expanded[name] = _schedule_values(name, schedule[name])
        elif index > finest and name != "dayOfWeek":
            expanded[name] = [low]
        else:
            expanded[name] = list(range(low, high + 1))
    return expanded


def schedule_next(schedule: Mapping[str, Any], after: datetime) -> datetime:
    """The first moment strictly after `after` (local time, TIME_ZONE) that the schedule matches."""
    spec = schedule_parse(schedule)
    local = timezone.localtime(after).replace(microsecond=0)
    day = local.date()
    for _ in range(366 * 5):
        if day.month in spec["month"] and day.day in spec["dayOfMonth"] and day.isoweekday() in spec["dayOfWeek"]:
            for hour in spec["hour"]:
                for minute in spec["minute"]:
                    for second in spec["second"]:
                        moment = local.replace(year=day.year, month=day.month, day=day.day)
                        moment = moment.replace(hour=hour, minute=minute, second=second)
                        if moment > local:
                            return moment
        day += timedelta(days=1)
    raise _problem(400, "SubscriptionControlsException", "the schedule never matches")


# --- subscriptions -----------------------------------------------------------------------------------


def dest_validate(dest: object) -> str:
    """An https URL; plain http only to this machine and only in DEBUG or with TXNG_ALLOW_HTTP_WEBHOOKS."""
    if not isinstance(dest, str) or len(dest) > 2000:
        raise _problem(400, "ValidationException", "dest must be a URL")
    error = outbound_url_error(dest)
    if error == "scheme":
        raise _problem(400, "ValidationException", "dest must be an https:// URL (without credentials)")
    if error == "private":
        raise _problem(400, "ValidationException", "dest must not be a private or local address")
    return dest


def subscriptions_visible(principal: Principal) -> QuerySet[Subscription]:
    """Subscriptions of the principal's organizations (administrators: all)."""
    return Subscription.objects.filter(owned_q(principal)).select_related("query").order_by("created_at", "pk")


def subscription_create(
    *,
    actor: Principal,
    named_query: NamedQuery,
    dest: object,
    signature_token: object = None,
    report_if_empty: object = False,
    stream: object = None,
    schedule: object = None,
    initial_record_time: datetime | None = None,
) -> Subscription:
    """Subscribe a webhook to a named query: `stream: true` or a `schedule`, never both (openapi.json)."""
    if not can_edit_organization(actor, named_query.organization_id):
        raise _problem(403, "SecurityException", "you may not subscribe to this query")
    url = dest_validate(dest)
    if (stream is None) == (schedule is None):
        raise _problem(400, "SubscriptionControlsException", "give either stream: true or a schedule")
    if stream is not None and stream is not True:
        raise _problem(400, "SubscriptionControlsException", "stream must be true")
    if signature_token is not None and (not isinstance(signature_token, str) or len(signature_token) > 1000):
        raise _problem(400, "ValidationException", "signatureToken must be a string of at most 1000 characters")
    if not isinstance(report_if_empty, bool):
        raise _problem(400, "ValidationException", "reportIfEmpty must be true or false")
    now = timezone.now()
    next_run_at = None
    if schedule is not None:
        next_run_at = schedule_next(schedule, now)  # type: ignore[arg-type]  # validated by schedule_parse
    # "If omitted, the default value is the current time" (GS1-Query-InitialRecordTime): start after
    # every event stored so far, or after the last one recorded before the given time.
    stored = Event.objects.all()
    if initial_record_time is not None:
        stored = stored.filter(record_time__lt=initial_record_time)
    watermark = stored.aggregate(last=Max("pk"))["last"] or 0
    with transaction.atomic():
        subscription = Subscription.objects.create(
            query=named_query,
            organization_id=named_query.organization_id,
            dest=url,
            signature_token_encrypted=_TOKENS.encrypt(signature_token or ""),
            report_if_empty=report_if_empty,
            is_stream=stream is True,
            schedule=dict(schedule) if isinstance(schedule, Mapping) else {},
            next_run_at=next_run_at,
            initial_record_time=initial_record_time,
            last_event_pk=watermark,
            created_by=actor.label[:200],
        )
        audit_record(actor=actor, action="epcis.subscription.create", obj=subscription, changes={"dest": url})
    return subscription


def subscription_delete(*, actor: Principal, subscription: Subscription) -> None:
    """Unsubscribe: the subscription and its delivery history go."""
    if not can_edit_organization(actor, subscription.organization_id):
        raise _problem(403, "SecurityException", "you may not delete this subscription")
    with transaction.atomic():
        audit_record(actor=actor, action="epcis.subscription.delete", obj=subscription, changes={})
        subscription.delete()


# --- delivery ----------------------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    queued: int = 0
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class _Batch:
    events: list[dict[str, Any]]
    namespaces: dict[str, str]
    last_event_pk: int
    last_record_time: datetime | None
    is_full: bool


def _subscriber(subscription: Subscription) -> Principal:
    # Events are read as the query's organization would read them with an API token: never more.
    return Principal(
        label=f"subscription:{subscription.pk}", organization_ids=frozenset({subscription.organization_id})
    )


def _events_after(principal: Principal, params: dict[str, list[str]], *, after_pk: int, limit: int) -> _Batch:
    """Matching events the principal may read with primary key > after_pk, at most `limit`, in capture order."""
    events = filters.events_filter(selectors.event_queryset(principal), params).filter(pk__gt=after_pk)
    # Stop below any capture still in flight (CaptureJob.event_pk_floor), in the same statement so the
    # floors and the events are read from one snapshot. A floor older than FLOOR_STALE is a crashed
    # capture whose transaction is long gone.
    floors = CaptureJob.objects.filter(
        event_pk_floor__isnull=False, event_pk_floor_at__gte=timezone.now() - FLOOR_STALE
    ).values("event_pk_floor")
    top = Coalesce(Subquery(floors.order_by("event_pk_floor")[:1]), Value(NO_FLOOR, output_field=BigIntegerField()))
    events = events.filter(pk__lte=top)
    rows = list(events.order_by("pk").values_list("pk", "record_time", "document", "namespaces")[: limit + 1])
    is_full = len(rows) > limit
    rows = rows[:limit]
    namespaces: dict[str, str] = {}
    documents = []
    for _pk, _record_time, document, event_namespaces in rows:
        merge_namespaces(namespaces, event_namespaces, document)
        documents.append(document)
    if not rows:
        return _Batch([], namespaces, after_pk, None, is_full=False)
    return _Batch(documents, namespaces, rows[-1][0], rows[-1][1], is_full=is_full)


def _queue(subscription: Subscription, now: datetime) -> bool:
    """Build the next batch of a due subscription as a pending delivery; False if there was nothing to send."""
    params = query_params(subscription.query.query)
    batch = _events_after(_subscriber(subscription), params, after_pk=subscription.last_event_pk, limit=BATCH_SIZE)
    is_scheduled = not subscription.is_stream
    next_run_at = subscription.next_run_at
    if is_scheduled and not batch.is_full:
        next_run_at = schedule_next(subscription.schedule, now)
    if not batch.events and not (is_scheduled and subscription.report_if_empty):
        if next_run_at != subscription.next_run_at:
            Subscription.objects.filter(pk=subscription.pk).update(next_run_at=next_run_at)
        return False
    body = render_json(
        batch.events, batch.namespaces, query_name=subscription.query.name, subscription_id=str(subscription.pk)
    )
    try:
        with transaction.atomic():
            SubscriptionDelivery.objects.create(
                subscription=subscription,
                after_event_pk=subscription.last_event_pk,
                last_event_pk=batch.last_event_pk,
                last_record_time=batch.last_record_time,
                event_count=len(batch.events),
                body=body,
                next_attempt_at=now,
            )
            if next_run_at != subscription.next_run_at:
                Subscription.objects.filter(pk=subscription.pk).update(next_run_at=next_run_at)
    except IntegrityError:
        return False  # another worker queued this subscription's batch first
    return True


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer, not a 2xx: the webhook must be registered at its real URL


def _post(dest: str, body: bytes, token: str) -> tuple[int | None, str]:
    """POST one query document; (status, error). Never called inside a transaction (STYLE rule 4)."""
    if connection.in_atomic_block:
        raise RuntimeError("webhook delivery must not run inside a database transaction")
    headers = {
        "Content-Type": "application/json",
        "GS1-EPCIS-Version": "2.0.0",
        "GS1-CBV-Version": "2.0.0",
        "User-Agent": "OpenTXNG-webhook/1",
    }
    if token:
        headers[SIGNATURE_HEADER] = signature(body, token)
    request = urllib.request.Request(dest, data=body, headers=headers, method="POST")  # noqa: S310 (scheme checked)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:
            return int(response.status), ""
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code}"
    except (OSError, ValueError) as error:  # refused, timeout, TLS, DNS
        return None, f"{type(error).__name__}: {error}"[:1000]


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off after the n-th failed attempt: base × 2^(n-1), capped."""
    base = _setting("TXNG_WEBHOOK_RETRY_BASE_SECONDS", 30)
    cap = _setting("TXNG_WEBHOOK_RETRY_MAX_SECONDS", 6 * 3600)
    return timedelta(seconds=min(cap, base * 2 ** (attempts - 1)))


def _attempt(delivery_pk: int, now: datetime, report: DeliveryReport) -> None:
    # Claim with a conditional UPDATE (a lease): two workers never POST the same delivery at once.
    claimed = SubscriptionDelivery.objects.filter(
        pk=delivery_pk, status=SubscriptionDelivery.Status.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + LEASE)
    if not claimed:
        return
    delivery = SubscriptionDelivery.objects.select_related("subscription").get(pk=delivery_pk)
    subscription = delivery.subscription
    status, error = _post(
        subscription.dest, bytes(delivery.body), _TOKENS.decrypt(subscription.signature_token_encrypted)
    )
    attempts = delivery.attempts + 1
    pending = SubscriptionDelivery.objects.filter(pk=delivery_pk, status=SubscriptionDelivery.Status.PENDING)
    if status is not None and 200 <= status < 300:
        with transaction.atomic():
            pending.update(
                status=SubscriptionDelivery.Status.DELIVERED,
                attempts=attempts,
                response_code=status,
                error="",
                delivered_at=timezone.now(),
            )
            Subscription.objects.filter(pk=subscription.pk, last_event_pk__lt=delivery.last_event_pk).update(
                last_event_pk=delivery.last_event_pk, last_record_time=delivery.last_record_time
            )
            Subscription.objects.filter(pk=subscription.pk).update(last_notified_at=timezone.now())
        report.delivered += 1
        return
    is_dead = attempts >= _setting("TXNG_WEBHOOK_MAX_ATTEMPTS", 8)
    with transaction.atomic():
        pending.update(
            status=SubscriptionDelivery.Status.DEAD if is_dead else SubscriptionDelivery.Status.PENDING,
            attempts=attempts,
            response_code=status,
            error=error,
            next_attempt_at=now + retry_delay(attempts),
        )
        if is_dead:
            # Suspended rather than skipped: the undelivered events stay after the watermark until an
            # operator re-activates the subscription (or the client re-subscribes).
            Subscription.objects.filter(pk=subscription.pk).update(is_active=False)
    report.failed += 1
    report.dead += int(is_dead)
    report.errors.append(f"{subscription.pk}: {error}")


def subscriptions_deliver(
    *, now: datetime | None = None, organization_id: int | None = None, max_rounds: int = 20
) -> DeliveryReport:
    """One worker pass: queue the next batch of every due subscription, then send every due delivery."""
    if connection.in_atomic_block:
        raise RuntimeError("subscriptions_deliver must run outside a transaction (it makes HTTP requests)")
    now = now or timezone.now()
    report = DeliveryReport()
    for _ in range(max_rounds):
        due = Subscription.objects.filter(is_active=True).filter(Q(is_stream=True) | Q(next_run_at__lte=now))
        due = due.exclude(deliveries__status=SubscriptionDelivery.Status.PENDING)
        if organization_id is not None:
            due = due.filter(organization_id=organization_id)
        for subscription in due.select_related("query").order_by("pk"):
            try:
                report.queued += _queue(subscription, now)
            except EPCISValidationError as error:  # a stored query the current code no longer accepts
                report.errors.append(f"{subscription.pk}: {error}")
        deliveries = SubscriptionDelivery.objects.filter(
            status=SubscriptionDelivery.Status.PENDING, next_attempt_at__lte=now, subscription__is_active=True
        )
        if organization_id is not None:
            deliveries = deliveries.filter(subscription__organization_id=organization_id)
        delivered_before = report.delivered
        for delivery_pk in deliveries.order_by("pk").values_list("pk", flat=True):
            _attempt(delivery_pk, now, report)
        if report.delivered == delivered_before:
            break  # nothing moved forward: the rest waits for its retry time or the next capture
    return report


def subscriptions_notify_after_capture(organization_id: int) -> None:
    """Hook for the capture service: after commit, deliver the organization's stream subscriptions.

    Safe to call inside or outside the capture transaction: the task is enqueued on commit, so a
    rolled-back capture notifies no one, and the HTTP work happens in the task worker.
    """
    from txng.epcis.tasks import deliver_subscriptions_task

    transaction.on_commit(lambda: deliver_subscriptions_task.enqueue(organization_id=organization_id))
