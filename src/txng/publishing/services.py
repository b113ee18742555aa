"""Writes of the publishing app: the publication hooks, destinations, dead-letter requeue, source nodes.

The hooks run inside the caller's transaction (capture, profile publication), so a published event or
profile is in the outbox if and only if it is stored: the transactional outbox pattern. The HTTP push
happens later, in the worker (txng.publishing.worker), never inside a transaction (STYLE rule 4).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from txng.accounts.principal import Principal
from txng.core.audit import audit_record
from txng.core.errors import PermissionDenied, ServiceError
from txng.core.outbound import TokenBox, outbound_url_error
from txng.epcis.models import Event
from txng.publishing.models import Destination, OutboxItem, SourceNode
from txng.registry.models import Organization, ReviewStatus

if TYPE_CHECKING:
    from txng.ledger.services import LeafInput
    from txng.review.models import ProfileRevision

_TOKEN_KEY_SALT: Final = b"txng.publishing.destination-token"
_CHUNK: Final = 2000


# --- settings ------------------------------------------------------------------------------------------


def setting(name: str, default: float) -> float:
    """A TXNG_PUBLISHING_* number from the settings module, else the environment, else the default."""
    return float(getattr(settings, name, os.environ.get(name, default)))


_TOKENS: Final = TokenBox(_TOKEN_KEY_SALT)


def token_encrypt(token: str) -> str:
    return _TOKENS.encrypt(token)


def token_decrypt(stored: str) -> str:
    """The destination's bearer token; RuntimeError if the secret key that encrypted it is gone."""
    return _TOKENS.decrypt(stored)


# --- the publication hooks -------------------------------------------------------------------------------


def _submit_leaves(items: list[LeafInput]) -> None:
    """Hand published things to the transparency ledger, in the caller's transaction."""
    from txng.ledger.services import ledger_submit_many

    ledger_submit_many(items)


def _active_destination_ids() -> list[int]:
    return list(Destination.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))


def _queue(destination_ids: Sequence[int], rows: Iterable[tuple[str, str, int, int]], now: datetime) -> None:
    """Outbox rows for (kind, reference, object_id, organization_id) × destinations; duplicates ignored."""
    items = [
        OutboxItem(
            destination_id=destination_id,
            kind=kind,
            reference=reference,
            object_id=object_id,
            organization_id=organization_id,
            next_attempt_at=now,
            created_at=now,
        )
        for kind, reference, object_id, organization_id in rows
        for destination_id in destination_ids
    ]
    # ignore_conflicts: the unique (destination, kind, reference) makes recording twice harmless.
    OutboxItem.objects.bulk_create(items, batch_size=_CHUNK, ignore_conflicts=True)
    _wake_worker()


def _wake_worker() -> None:
    """After commit, a django-tasks worker pass (`txng db_worker`); `txng publishing push` polls anyway."""
    from txng.publishing.tasks import push_outbox_task

    transaction.on_commit(push_outbox_task.enqueue)


def _queue_events(where: str, params: Sequence[Any]) -> None:
    """Outbox rows for the published events `where` selects × the active destinations: one INSERT … SELECT,
    so the rows never pass through Python; an item already queued is left alone (the unique key)."""
    now: Any = timezone.now()
    if connection.vendor != "postgresql":
        now = connection.ops.adapt_datetimefield_value(now)
    outbox, event = OutboxItem._meta.db_table, Event._meta.db_table
    organization, destination = Organization._meta.db_table, Destination._meta.db_table
    # WHERE before ON CONFLICT: without it SQLite would read ON as a join constraint (lang_upsert §2.2).
    sql = (
        f'INSERT INTO "{outbox}" ("destination_id", "kind", "reference", "object_id", "organization_id", "status", '  # noqa: S608
        '"attempts", "next_attempt_at", "claim", "last_error", "created_at") '
        "SELECT d.\"id\", 'event', e.\"event_id\", e.\"id\", e.\"organization_id\", 'pending', 0, %s, '', '', %s "
        f'FROM "{event}" e INNER JOIN "{organization}" o ON o."id" = e."organization_id" '
        f'CROSS JOIN "{destination}" d '
        f'WHERE o."is_published" AND d."is_active" AND {where} '
        "ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, now, *params])
        queued = cursor.rowcount
    if queued:
        _wake_worker()


def _submit_events(events: Sequence[tuple[int, str, str]]) -> None:
    from txng.ledger.services import LeafInput

    _submit_leaves([LeafInput("event", event_id, event_hash, source_id=pk) for pk, event_id, event_hash in events])


def publishing_record_events(organization_id: int, events: Sequence[tuple[int, str, str]]) -> None:
    """Capture hook (inside its transaction): new events (primary key, eventID, Event Hash ID) of one
    organization go to the ledger and the outbox if the organization is published.

    One query decides: the events of an unpublished organization cost only that query. Publishing an
    organization later queues its earlier events (`publishing_record_revision`).
    """
    if not events or not Organization.objects.filter(pk=organization_id, is_published=True).exists():
        return
    published = sorted(events)
    _submit_events(published)
    # A capture's keys are one allocated run, so a primary-key range scan finds them; the range may hold
    # other captures' events: the outbox may get other published events too, which their own capture
    # queues anyway (the unique key keeps one).
    _queue_events('e."id" >= %s AND e."id" <= %s', [published[0][0], published[-1][0]])


def _profile_digest_source(row: Organization | Any, fields: Sequence[str]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in fields}


def publishing_record_revision(*, revision: ProfileRevision) -> None:
    """Profile publication hook (inside revision_publish's transaction): the profile goes to the ledger
    and the outbox; an organization published for the first time also publishes its earlier events."""
    from txng.registry.services import ORGANIZATION_PROFILE_FIELDS, PRODUCT_PROFILE_FIELDS

    now = timezone.now()
    if revision.product_id:
        product = revision.product
        assert product is not None
        kind, reference, object_id = OutboxItem.Kind.PRODUCT.value, f"{product.gtin}#{revision.number}", product.pk
        profile = {"gtin": product.gtin, **_profile_digest_source(product, PRODUCT_PROFILE_FIELDS)}
    else:
        organization = revision.organization
        kind, reference = OutboxItem.Kind.ORGANIZATION.value, f"{organization.tax_code}#{revision.number}"
        object_id = organization.pk
        profile = {
            "tax_code": organization.tax_code,
            **_profile_digest_source(organization, ORGANIZATION_PROFILE_FIELDS),
        }
    from txng.ledger.services import LeafInput

    # The ledger's reference convention: "<kind>:<object id>:<revision id>".
    _submit_leaves([LeafInput(kind, f"{kind}:{object_id}:{revision.pk}", data=profile)])
    destination_ids = _active_destination_ids()
    if destination_ids:
        _queue(destination_ids, [(kind, reference, object_id, revision.organization_id)], now)
    if kind == OutboxItem.Kind.ORGANIZATION and _is_first_publication(revision):
        events = Event.objects.filter(organization_id=revision.organization_id).order_by("pk")
        rows = list(events.values_list("pk", "event_id", "event_hash"))
        for start in range(0, len(rows), _CHUNK):
            _submit_events(rows[start : start + _CHUNK])
        if rows:
            _queue_events('e."organization_id" = %s', [revision.organization_id])


def _is_first_publication(revision: ProfileRevision) -> bool:
    from txng.review.models import ProfileRevision

    earlier = ProfileRevision.objects.filter(
        organization_id=revision.organization_id, product__isnull=True, status=ReviewStatus.PUBLISHED
    )
    return not earlier.exclude(pk=revision.pk).exists()


# --- destinations ------------------------------------------------------------------------------------------


def _require_operator(actor: Principal) -> None:
    if not (actor.is_admin or actor.is_dost):
        raise PermissionDenied(_("Only DOST staff may manage publishing."))


def destination_url_validate(url: str) -> str:
    """An https URL without credentials; plain http only to this machine and only when allowed."""
    url = url.strip().rstrip("/")
    error = "scheme" if len(url) > 500 else outbound_url_error(url)
    if error == "scheme":
        raise ServiceError(_("Enter an https:// address without a user name or password."), code="url", field="url")
    if error == "private":
        raise ServiceError(_("The address must not be a private or local one."), code="url", field="url")
    return url


@transaction.atomic
def destination_add(*, actor: Principal, name: str, url: str, token: str = "") -> Destination:
    """Configure a destination; the token is stored encrypted and never shown again."""
    _require_operator(actor)
    name = name.strip()
    if not name or len(name) > 100:
        raise ServiceError(_("Give the destination a name of at most 100 characters."), code="name", field="name")
    if Destination.objects.filter(name=name).exists():
        raise ServiceError(_("A destination with this name exists already."), code="duplicate", field="name")
    destination = Destination.objects.create(
        name=name, url=destination_url_validate(url), token_encrypted=token_encrypt(token.strip())
    )
    audit_record(actor=actor, action="publishing.destination.add", obj=destination, changes={"url": destination.url})
    return destination


@transaction.atomic
def outbox_requeue(*, actor: Principal, destination: Destination, item_ids: Sequence[int] | None = None) -> int:
    """Put dead letters (all of a destination's, or the given ones) back in the queue, due now."""
    _require_operator(actor)
    dead = OutboxItem.objects.filter(destination=destination, status=OutboxItem.Status.DEAD)
    if item_ids is not None:
        dead = dead.filter(pk__in=list(item_ids))
    count = dead.update(
        status=OutboxItem.Status.PENDING, attempts=0, next_attempt_at=timezone.now(), claimed_until=None, claim=""
    )
    audit_record(actor=actor, action="publishing.requeue", obj=destination, changes={"requeued": count})
    return count


# --- hub mode ------------------------------------------------------------------------------------------------


@transaction.atomic
def source_node_add(*, actor: Principal, code: str, name: str, tax_code: str) -> tuple[SourceNode, str]:
    """Register a node that pushes to this hub: its organization (created if new) and a fresh API token.

    Returns the node and the raw token, which is shown once: the node's operator configures it as the
    token of its destination pointing here.
    """
    from txng.accounts.services import api_token_create
    from txng.registry.services import organization_create

    _require_operator(actor)
    if SourceNode.objects.filter(Q(code=code) | Q(organization__tax_code=tax_code)).exists():
        raise ServiceError(_("This source node is registered already."), code="duplicate", field="code")
    organization = Organization.objects.filter(tax_code=tax_code).first()
    if organization is None:
        organization = organization_create(actor=actor, tax_code=tax_code, name=name, approve=True)
    node = SourceNode.objects.create(organization=organization, code=code, name=name)
    _token, raw = api_token_create(actor=actor, organization=organization, name=f"source node {code}"[:100])
    audit_record(actor=actor, action="publishing.node.add", obj=node, changes={"code": code})
    return node, raw
