"""Pages of the ledger: what it is with the latest checkpoint, and the proof of one event."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from txng.core.errors import ServiceError
from txng.ledger import selectors
from txng.ledger.signing import log_signer
from txng.ledger.verify_standalone import PublicKey, VerificationError, open_checkpoint, verify_inclusion


def index(request: HttpRequest) -> HttpResponse:
    """What the ledger is, the latest checkpoint and the public key."""
    signer = log_signer()
    context = {
        "checkpoint": selectors.ledger_latest_checkpoint(),
        "tree_size": selectors.ledger_tree_size(),
        "verifier_key": signer.verifier_key,
    }
    return render(request, "ledger/index.html", context)


def proof(request: HttpRequest) -> HttpResponse:
    """An event's inclusion proof at the latest checkpoint, checked here as any client would check it."""
    event_id = request.GET.get("event_id", "")
    checkpoint = selectors.ledger_latest_checkpoint()
    context: dict[str, object] = {"event_id": event_id, "checkpoint": checkpoint}
    status = selectors.ledger_status_for_event(event_id)
    if status is None:
        context["error"] = _("This event is not in the ledger yet.")
        return render(request, "ledger/proof.html", context, status=404)
    if checkpoint is None or status.leaf_index is None or status.leaf_index >= checkpoint.tree_size:
        context["is_pending"] = True
        return render(request, "ledger/proof.html", context)
    try:
        found = selectors.ledger_inclusion_proof(leaf_index=status.leaf_index, tree_size=checkpoint.tree_size)
    except ServiceError as error:
        context["error"] = error.message
        return render(request, "ledger/proof.html", context, status=error.status)
    signer = log_signer()
    try:
        body = open_checkpoint(checkpoint.note, PublicKey(signer.name, signer.public_key))
        verify_inclusion(found.leaf_index, found.tree_size, found.leaf_hash, found.hashes, body.root_hash)
        is_verified = True
    except VerificationError:
        is_verified = False
    query = urlencode({"event_id": event_id, "tree_size": checkpoint.tree_size})
    context.update(
        proof=found,
        hashes=[base64.b64encode(h).decode() for h in found.hashes],
        is_verified=is_verified,
        proof_api_url=f"{reverse('api:ledger_inclusion')}?{query}",
        checkpoint_api_url=f"{reverse('api:ledger_checkpoint')}?tree_size={checkpoint.tree_size}",
        key_api_url=reverse("api:ledger_key"),
    )
    return render(request, "ledger/proof.html", context)
