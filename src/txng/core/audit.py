"""Recording audit entries; every service that changes data calls `audit_record`."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import models

from txng.core.models import AuditEntry

if TYPE_CHECKING:
    from txng.accounts.principal import Principal


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "name") and hasattr(value, "url"):  # FieldFile
        return getattr(value, "name", None) or None
    return value


def diff_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Return {field: [old, new]} for the fields whose value changed."""
    return {
        key: [_jsonable(before.get(key)), _jsonable(after.get(key))]
        for key in after
        if _jsonable(before.get(key)) != _jsonable(after.get(key))
    }


def audit_record(
    *, actor: Principal | None, action: str, obj: models.Model, changes: Mapping[str, Any] | None = None
) -> AuditEntry:
    """Record one change made by `actor` to `obj`."""
    organization_id = getattr(obj, "organization_id", None)
    if organization_id is None and obj._meta.label_lower == "registry.organization":
        organization_id = obj.pk
    return AuditEntry.objects.create(
        actor=actor.user if actor is not None else None,
        actor_label=actor.label if actor is not None else "system",
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        organization_id=organization_id,
        changes=_jsonable(dict(changes or {})),
    )
