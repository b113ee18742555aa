"""Reads for stamps: a batch's stamps (derived on the fly) and the check of a scanned serial."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from txng.accounts.principal import Principal
from txng.accounts.visibility import owned_q
from txng.codes.cache import TTLCache
from txng.codes.models import StampBatch
from txng.codes.serials import (
    SecretUnavailable,
    decrypt_secret,
    pin_for,
    serial_is_authentic,
    serial_parts,
    serials_for,
)
from txng.core.errors import NotFound
from txng.gs1 import TraceCode, product_trace_code

_CHUNK = 10_000
# How long another process may go on seeing a batch as it was (status, lot) after a change: see
# txng.codes.cache. The process that makes the change forgets its copy at once (stamp_batch_forget).
BATCH_CACHE_SECONDS: Final = 5.0
_hot_batches: TTLCache[StampBatch | None] = TTLCache(ttl=BATCH_CACHE_SECONDS, size=4096)


def stamp_batch_list(*, principal: Principal) -> QuerySet[StampBatch]:
    """Batches the principal manages (their own organizations'; everything for administrators)."""
    return StampBatch.objects.filter(owned_q(principal)).select_related("product", "organization")


def stamp_batch_get(*, principal: Principal, batch_id: int) -> StampBatch:
    batch = stamp_batch_list(principal=principal).filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(_("No such stamp batch."))
    return batch


@dataclass(frozen=True, slots=True)
class Stamp:
    index: int
    serial: str
    pin: str
    trace_code: TraceCode

    def digital_link(self, base: str | None = None) -> str:
        return self.trace_code.digital_link(base or settings.DIGITAL_LINK_BASE)


def stamp_batch_stamps(batch: StampBatch, *, start: int = 0, stop: int | None = None) -> Iterator[Stamp]:
    """The batch's stamps in order, derived from its secret (nothing is read per stamp)."""
    secret = decrypt_secret(batch.secret_encrypted)
    end = batch.count if stop is None else min(stop, batch.count)
    gtin, lot = batch.product.gtin, batch.lot or None
    for chunk in range(start, end, _CHUNK):
        serials = serials_for(secret, batch.pk, chunk, min(chunk + _CHUNK, end), scheme=batch.serial_scheme)
        for offset, serial in enumerate(serials):
            index = chunk + offset
            # The trace code is built without re-validating each derived serial (it is CSET 82 by construction).
            ais = (("01", gtin), ("10", lot), ("21", serial)) if lot else (("01", gtin), ("21", serial))
            yield Stamp(index, serial, pin_for(secret, batch.pk, index), TraceCode(ais))


def stamp_first_trace_code(batch: StampBatch) -> TraceCode:
    """Trace code of the first stamp, validated strictly (a guard for the fast path above)."""
    stamp = next(stamp_batch_stamps(batch, stop=1))
    return product_trace_code(batch.product.gtin, batch.lot or None, stamp.serial)


def stamp_batch_hot(batch_id: int) -> StampBatch | None:
    """A batch with its product for the resolver, from this process's short-lived cache (shared: read only)."""
    return _hot_batches.get(batch_id, lambda: StampBatch.objects.select_related("product").filter(pk=batch_id).first())


def stamp_batch_forget(batch_id: int | None = None) -> None:
    """Drop a batch (or every batch) from this process's cache after a change."""
    if batch_id is None:
        _hot_batches.clear()
    else:
        _hot_batches.discard(batch_id)


class StampCheck(enum.StrEnum):
    AUTHENTIC = "authentic"  # our serial, MAC correct, product and lot match
    UNISSUED = "unissued"  # names a batch or position that was never issued
    FORGED = "forged"  # names a real batch position but the MAC is wrong, or product/lot differ
    NOT_OURS = "not_ours"  # not in our serial format at all (e.g. the business's own numbering)


@dataclass(frozen=True, slots=True)
class StampMatch:
    check: StampCheck
    batch: StampBatch | None = None
    index: int | None = None


def stamp_find(*, gtin: str, serial: str, lot: str | None = None) -> StampMatch:
    """Check a scanned serial against its batch: at most one query (none for a hot batch), no row per stamp."""
    parts = serial_parts(serial)
    if parts is None:
        return StampMatch(StampCheck.NOT_OURS)
    batch = stamp_batch_hot(parts.batch_id)
    if batch is None or parts.index >= batch.count:
        return StampMatch(StampCheck.UNISSUED, batch, parts.index)
    try:
        authentic = serial_is_authentic(decrypt_secret(batch.secret_encrypted), parts, scheme=batch.serial_scheme)
    except SecretUnavailable:
        authentic = False
    if not authentic or batch.product.gtin != gtin or (lot is not None and lot != batch.lot):
        return StampMatch(StampCheck.FORGED, batch, parts.index)
    return StampMatch(StampCheck.AUTHENTIC, batch, parts.index)


def stamp_pin_matches(*, batch: StampBatch, index: int, pin: str) -> bool:
    from txng.codes.serials import pin_matches

    return pin_matches(decrypt_secret(batch.secret_encrypted), batch.pk, index, pin)
