"""`txng ledger verify`: recompute the whole log from its sources and check every stored node and checkpoint."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from txng.ledger.merkle import INDEX_BITS, root_from_levels, tree_levels
from txng.ledger.models import Checkpoint, LogHead
from txng.ledger.services import DIGEST_PREFIX
from txng.ledger.signing import log_signer
from txng.ledger.verify_standalone import (
    PublicKey,
    VerificationError,
    leaf_data,
    leaf_hash,
    open_checkpoint,
)

_CHUNK = 20_000
_PROBLEMS_MAX = 50


@dataclass
class VerifyReport:
    """What `ledger_verify` checked and every problem it found, the first bad leaf first."""

    tree_size: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.problems

    def add(self, problem: str) -> None:
        if len(self.problems) < _PROBLEMS_MAX:
            self.problems.append(problem)


_LEAVES_SQL = (
    'SELECT l."leaf_index", l."kind", l."reference", l."value", l."canonical", e."event_id", e."event_hash" '
    'FROM "ledger_leaf" l LEFT JOIN "epcis_event" e ON e."id" = l."source_id" AND l."kind" = %s '
    'WHERE l."leaf_index" >= %s AND l."leaf_index" < %s ORDER BY l."leaf_index"'
)


def _source_problem(kind: str, reference: str, value: str, canonical: str, event: tuple[str | None, str | None]) -> str:
    """Why a leaf's value no longer matches its source row ("" when it does)."""
    if kind == "event":
        event_id, event_hash = event
        if event_hash is None:
            return "its event is missing from the event store"
        if event_id != reference:
            return f"its event's ID is now {event_id!r}"
        if event_hash != value:
            return f"its event's hash ID is now {event_hash!r}, the log holds {value!r}"
        return ""
    if DIGEST_PREFIX + hashlib.sha256(canonical.encode("utf-8")).hexdigest() != value:
        return "its stored record no longer has the logged digest"
    return ""


def _leaf_hashes(size: int, report: VerifyReport) -> list[bytes]:
    """Every integrated leaf's hash recomputed from its value, checking each value against its source."""
    hashes: list[bytes] = []
    with connection.cursor() as cursor:
        for start in range(0, size, _CHUNK):
            cursor.execute(_LEAVES_SQL, ["event", start, start + _CHUNK])
            for index, kind, reference, value, canonical, event_id, event_hash in cursor.fetchall():
                while len(hashes) < index:  # a gap: the leaf row was deleted
                    report.add(f"leaf {len(hashes)}: missing from the ledger")
                    hashes.append(b"")
                problem = _source_problem(kind, reference, value, canonical, (event_id, event_hash))
                if problem:
                    report.add(f"leaf {index} ({kind} {reference}): {problem}")
                hashes.append(leaf_hash(leaf_data(value)))
    while len(hashes) < size:
        report.add(f"leaf {len(hashes)}: missing from the ledger")
        hashes.append(b"")
    return hashes


def _compare_nodes(levels: list[list[bytes]], report: VerifyReport) -> None:
    """Every stored complete subtree must be the recomputed one (level 0: the leaf hashes)."""
    with connection.cursor() as cursor:
        for level, computed in enumerate(levels):
            base = level << INDEX_BITS
            cursor.execute(
                'SELECT "id", "hash" FROM "ledger_node" WHERE "id" >= %s AND "id" < %s ORDER BY "id"',
                [base, base + (1 << INDEX_BITS)],
            )
            stored = {pk - base: bytes(hash_) for pk, hash_ in cursor.fetchall()}
            for index, hash_ in enumerate(computed):
                if stored.pop(index, None) != hash_:
                    first = index << level
                    what = f"leaf {first}" if level == 0 else f"leaves {first}–{first + (1 << level) - 1}"
                    report.add(f"{what}: the stored tree (level {level}, node {index}) does not match")
            for index in sorted(stored):
                report.add(f"level {level}, node {index}: stored beyond the tree's size")


def ledger_verify(*, public_key: PublicKey | None = None) -> VerifyReport:
    """Recompute leaves from their sources, the tree from the leaves, and check every signed checkpoint."""
    report = VerifyReport()
    head = LogHead.objects.filter(pk=1).first()
    size = head.tree_size if head else 0
    report.tree_size = size
    levels = tree_levels(_leaf_hashes(size, report)) if size else [[]]
    _compare_nodes(levels, report)
    if head is not None and root_from_levels(levels, size) != bytes(head.root_hash):
        report.add(f"the log head's root does not match the recomputed tree of {size} leaves")
    if public_key is None:
        signer = log_signer()
        public_key = PublicKey(signer.name, signer.public_key)
    for checkpoint in Checkpoint.objects.order_by("tree_size"):
        report.checkpoints += 1
        where = f"checkpoint {checkpoint.tree_size}"
        try:
            body = open_checkpoint(checkpoint.note, public_key, origin=settings.LEDGER_ORIGIN)
        except VerificationError as error:
            report.add(f"{where}: {error}")
            continue
        if body.tree_size != checkpoint.tree_size or body.root_hash != bytes(checkpoint.root_hash):
            report.add(f"{where}: the stored size or root differs from the signed note")
        if body.tree_size > size:
            report.add(f"{where}: signs {body.tree_size} leaves but the log has {size}")
        elif root_from_levels(levels, body.tree_size) != body.root_hash:
            report.add(f"{where}: the signed root does not match the recomputed tree")
    return report
