"""API of the transparency ledger under /api/ledger/: public, for anyone who wants to audit the log."""

from __future__ import annotations

import base64
from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from txng.accounts.auth import ANYONE
from txng.core.errors import NotFound, ServiceError
from txng.ledger import selectors
from txng.ledger.models import Checkpoint
from txng.ledger.signing import log_signer

router = Router(tags=["ledger"], auth=ANYONE)
_CACHE_IMMUTABLE = "public, max-age=31536000, immutable"  # a proof between fixed sizes never changes
_CACHE_SHORT = "public, max-age=30"


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def _json(data: Any, *, cache: str = _CACHE_SHORT) -> HttpResponse:
    response = HttpResponse(orjson.dumps(data), content_type="application/json")
    response["Cache-Control"] = cache
    return response


def _text(text: str, *, cache: str = _CACHE_SHORT) -> HttpResponse:
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = cache
    return response


def checkpoint_json(checkpoint: Checkpoint) -> dict[str, Any]:
    """A checkpoint as JSON: its fields and the signed note itself."""
    return {
        "tree_size": checkpoint.tree_size,
        "root_hash": _b64(bytes(checkpoint.root_hash)),
        "issued_at": checkpoint.issued_at.isoformat(),
        "note": checkpoint.note,
    }


def _wants_json(request: HttpRequest, format_: str) -> bool:
    return format_ == "json" or (not format_ and "application/json" in request.headers.get("Accept", ""))


class FormatQuery(Schema):
    format: str = ""


class CheckpointQuery(FormatQuery):
    tree_size: int | None = None


@router.get(
    "/checkpoint",
    url_name="ledger_checkpoint",
    summary="The latest signed checkpoint (C2SP signed note), or the one of a size",
)
def checkpoint(request: HttpRequest, query: Query[CheckpointQuery]) -> HttpResponse:
    if query.tree_size is None:
        found = selectors.ledger_latest_checkpoint()
    else:
        found = selectors.ledger_checkpoint_at(query.tree_size)
    if found is None:
        raise NotFound(_("No checkpoint has been issued yet."), code="ledger-no-checkpoint")
    cache = _CACHE_SHORT if query.tree_size is None else _CACHE_IMMUTABLE
    if _wants_json(request, query.format):
        return _json(checkpoint_json(found), cache=cache)
    return _text(found.note, cache=cache)


@router.get("/key", url_name="ledger_key", summary="The log's public key (signed-note verifier key: name+hash+base64)")
def key(request: HttpRequest, query: Query[FormatQuery]) -> HttpResponse:
    signer = log_signer()
    if _wants_json(request, query.format):
        return _json({"name": signer.name, "public_key": _b64(signer.public_key), "verifier_key": signer.verifier_key})
    return _text(signer.verifier_key + "\n")


class InclusionQuery(Schema):
    leaf_index: int | None = None
    event_id: str | None = None
    tree_size: int | None = None


def inclusion_json(proof: selectors.InclusionProof) -> dict[str, Any]:
    """An inclusion proof as the API and the standalone verifier read it."""
    return {
        "leaf_index": proof.leaf_index,
        "tree_size": proof.tree_size,
        "kind": proof.kind,
        "reference": proof.reference,
        "leaf_value": proof.leaf_value,
        "leaf_hash": _b64(proof.leaf_hash),
        "hashes": [_b64(h) for h in proof.hashes],
    }


@router.get(
    "/proof/inclusion", url_name="ledger_inclusion", summary="RFC 9162 inclusion proof of a leaf (by index or event ID)"
)
def inclusion(request: HttpRequest, query: Query[InclusionQuery]) -> HttpResponse:
    if query.event_id is not None:
        leaf_index = selectors.ledger_leaf_index_for_event(query.event_id)
    elif query.leaf_index is not None:
        leaf_index = query.leaf_index
    else:
        raise ServiceError(_("Give leaf_index or event_id."), code="ledger-query", field="leaf_index")
    proof = selectors.ledger_inclusion_proof(leaf_index=leaf_index, tree_size=query.tree_size)
    cache = _CACHE_IMMUTABLE if query.tree_size is not None and query.leaf_index is not None else _CACHE_SHORT
    return _json(inclusion_json(proof), cache=cache)


class ConsistencyQuery(Schema):
    first: int
    second: int


@router.get(
    "/proof/consistency", url_name="ledger_consistency", summary="RFC 9162 consistency proof between two tree sizes"
)
def consistency(request: HttpRequest, query: Query[ConsistencyQuery]) -> HttpResponse:
    hashes = selectors.ledger_consistency_proof(first=query.first, second=query.second)
    body = {"first": query.first, "second": query.second, "hashes": [_b64(h) for h in hashes]}
    return _json(body, cache=_CACHE_IMMUTABLE)


class LeavesQuery(Schema):
    start: int = 0
    end: int = selectors.LEAVES_PAGE_MAX


@router.get("/leaves", url_name="ledger_leaves", summary="Integrated leaves [start, end), at most 1,000")
def leaves(request: HttpRequest, query: Query[LeavesQuery]) -> HttpResponse:
    if query.start < 0 or query.end < query.start:
        raise ServiceError(_("Give 0 ≤ start ≤ end."), code="ledger-query", field="start")
    rows = selectors.ledger_leaves(start=query.start, end=query.end)
    body = {
        "tree_size": selectors.ledger_tree_size(),
        "leaves": [{"index": i, "kind": kind, "reference": ref, "value": value} for i, kind, ref, value in rows],
    }
    return _json(body)
