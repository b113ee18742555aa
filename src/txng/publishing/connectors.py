"""Connectors: how a batch of outbox items reaches one kind of destination.

The first is EPCIS 2.0 capture (POST {url}/capture, EPCIS 2.0 §8.2.7 / openapi.json), which any EPCIS 2.0
repository understands, OpenTXNG's own included (hub mode). The National Portal's connector is another
class with the same `deliver` once its specification is published: it receives organizations, products
and events alike.
"""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol
from urllib.parse import urljoin

import orjson
from django.db import connection

from txng.epcis.document import merge_namespaces, now_iso, output_context
from txng.epcis.models import Event
from txng.publishing.models import Destination, OutboxItem
from txng.publishing.services import setting, token_decrypt
from txng.registry.models import Organization, Product

CBV_MDA: Final = "urn:epcglobal:cbv:mda#"
# Attributes CBV 2.0 has no name for (tax code, Vietnamese administrative unit, …).
TXNG_MDA: Final = "https://opentxng.org/voc/mda#"
VTYPE_PARTY: Final = "urn:epcglobal:epcis:vtype:Party"
VTYPE_EPC_CLASS: Final = "urn:epcglobal:epcis:vtype:EPCClass"
_EVENT_POINTER: Final = re.compile(r"^/epcisBody/eventList/(\d+)")
# Answers that say "later" rather than "never" (RFC 9110 §15.5.9, RFC 6585 §4, RFC 8470 §5.2).
_TRANSIENT_CLIENT_ERRORS: Final = frozenset({408, 425, 429})


@dataclass(frozen=True)
class Outcome:
    """What became of one outbox item: delivered, or failed (permanently or for now) with a reason."""

    item_id: int
    is_delivered: bool
    is_permanent: bool = False
    error: str = ""


class Connector(Protocol):
    def deliver(self, destination: Destination, items: Sequence[OutboxItem], token: str) -> list[Outcome]: ...


def _attributes(pairs: Sequence[tuple[str, object]]) -> list[dict[str, Any]]:
    return [{"id": key, "attribute": value} for key, value in pairs if value not in ("", None)]


def organization_identifier(organization: Organization) -> str:
    """The party's identifier: its GLN as a GS1 Digital Link (AI 417), else a URN of its tax code."""
    return f"https://id.gs1.org/417/{organization.gln}" if organization.gln else f"urn:txng:mst:{organization.tax_code}"


def organization_vocabulary_element(organization: Organization) -> dict[str, Any]:
    """An EPCIS master-data vocabulary element (vtype Party) for a published organization profile."""
    return {
        "id": organization_identifier(organization),
        "attributes": _attributes(
            [
                (f"{CBV_MDA}name", organization.name),
                (f"{CBV_MDA}streetAddressOne", organization.address),
                (f"{CBV_MDA}countryCode", "VN"),
                (f"{TXNG_MDA}taxCode", organization.tax_code),
                (f"{TXNG_MDA}kind", organization.kind),
                (f"{TXNG_MDA}nameEn", organization.name_en),
                (f"{TXNG_MDA}administrativeUnit", organization.administrative_unit_id),
                (f"{TXNG_MDA}gs1CompanyPrefix", organization.gs1_company_prefix),
                (f"{TXNG_MDA}website", organization.website),
            ]
        ),
    }


def product_vocabulary_element(product: Product, owner: Organization) -> dict[str, Any]:
    """An EPCIS master-data vocabulary element (vtype EPCClass, the GTIN's Digital Link) for a product."""
    return {
        "id": f"https://id.gs1.org/01/{product.gtin}",
        "attributes": _attributes(
            [
                (f"{CBV_MDA}descriptionShort", product.name),
                (f"{CBV_MDA}netContentDescription", product.net_content),
                (f"{CBV_MDA}manufacturerOfTradeItemPartyName", owner.name),
                (f"{TXNG_MDA}owner", organization_identifier(owner)),
                (f"{TXNG_MDA}brand", product.brand),
                (f"{TXNG_MDA}shelfLifeDays", product.shelf_life_days),
                (f"{TXNG_MDA}appliedStandards", product.applied_standards),
                (f"{TXNG_MDA}hsCode", product.hs_code),
            ]
        ),
    }


@dataclass
class CaptureDocument:
    """An EPCISDocument for a batch, and which outbox item each event of its eventList stands for."""

    body: bytes
    event_item_ids: list[int]
    profile_item_ids: list[int]
    missing: list[Outcome]


def capture_document(items: Sequence[OutboxItem]) -> CaptureDocument:
    """Render a batch from the store: events as captured (JSON-LD), profiles as EPCIS master data."""
    by_kind: dict[str, list[OutboxItem]] = {kind: [] for kind in OutboxItem.Kind.values}
    for item in items:
        by_kind[item.kind].append(item)
    missing: list[Outcome] = []
    events = {
        pk: (document, namespaces)
        for pk, document, namespaces in Event.objects.filter(
            pk__in=[item.object_id for item in by_kind[OutboxItem.Kind.EVENT]]
        ).values_list("pk", "document", "namespaces")
    }
    namespaces: dict[str, str] = {}
    event_list: list[dict[str, Any]] = []
    event_item_ids: list[int] = []
    for item in by_kind[OutboxItem.Kind.EVENT]:
        found = events.get(item.object_id)
        if found is None:
            missing.append(Outcome(item.pk, False, True, "the event is no longer in the store"))
            continue
        document, event_namespaces = found
        merge_namespaces(namespaces, event_namespaces, document)
        event_list.append(document)
        event_item_ids.append(item.pk)
    organizations = Organization.objects.in_bulk(
        [i.object_id for i in by_kind[OutboxItem.Kind.ORGANIZATION]]
        + [i.organization_id for i in by_kind[OutboxItem.Kind.PRODUCT]]
    )
    products = Product.objects.in_bulk([i.object_id for i in by_kind[OutboxItem.Kind.PRODUCT]])
    parties: list[dict[str, Any]] = []
    classes: list[dict[str, Any]] = []
    profile_item_ids: list[int] = []
    for item in by_kind[OutboxItem.Kind.ORGANIZATION]:
        organization = organizations.get(item.object_id)
        if organization is None:
            missing.append(Outcome(item.pk, False, True, "the organization is no longer registered"))
            continue
        parties.append(organization_vocabulary_element(organization))
        profile_item_ids.append(item.pk)
    for item in by_kind[OutboxItem.Kind.PRODUCT]:
        product, owner = products.get(item.object_id), organizations.get(item.organization_id)
        if product is None or owner is None:
            missing.append(Outcome(item.pk, False, True, "the product is no longer registered"))
            continue
        classes.append(product_vocabulary_element(product, owner))
        profile_item_ids.append(item.pk)
    root: dict[str, Any] = {
        "@context": output_context(namespaces),
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": now_iso(),
    }
    vocabularies = [
        {"type": vtype, "vocabularyElementList": elements}
        for vtype, elements in ((VTYPE_PARTY, parties), (VTYPE_EPC_CLASS, classes))
        if elements
    ]
    if vocabularies:
        # EPCIS 2.0 §9.1 / JSON schema: master data travels in the header of a capture document.
        root["epcisHeader"] = {"epcisMasterData": {"vocabularyList": vocabularies}}
    root["epcisBody"] = {"eventList": event_list}
    return CaptureDocument(orjson.dumps(root), event_item_ids, profile_item_ids, missing)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer to fix in the configuration, not to follow with the token


@dataclass
class HttpAnswer:
    status: int | None
    body: bytes
    headers: Mapping[str, str]
    error: str = ""


def _request(method: str, url: str, token: str, body: bytes | None = None) -> HttpAnswer:
    """One HTTP request; never inside a database transaction (STYLE rule 4)."""
    if connection.in_atomic_block:
        raise RuntimeError("publishing must not make HTTP requests inside a database transaction")
    headers = {
        "Accept": "application/json",
        "GS1-EPCIS-Version": "2.0.0",
        "GS1-CBV-Version": "2.0.0",
        "User-Agent": "OpenTXNG-publishing/1",
    }
    if body is not None:
        headers["Content-Type"] = "application/ld+json"
        # Keep the valid events of a batch when one is refused; the refused one becomes a dead letter.
        headers["GS1-Capture-Error-Behaviour"] = "proceed"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310 (scheme checked)
    opener = urllib.request.build_opener(_NoRedirect)
    timeout = setting("TXNG_PUBLISHING_TIMEOUT_SECONDS", 30)
    try:
        with opener.open(request, timeout=timeout) as response:
            return HttpAnswer(int(response.status), response.read(), dict(response.headers))
    except urllib.error.HTTPError as error:
        return HttpAnswer(error.code, error.read() or b"", dict(error.headers or {}), f"HTTP {error.code}")
    except (OSError, ValueError) as error:  # refused, reset, timeout, TLS, DNS
        return HttpAnswer(None, b"", {}, f"{type(error).__name__}: {error}"[:1000])


def _json(body: bytes) -> dict[str, Any]:
    try:
        value = orjson.loads(body) if body else {}
    except orjson.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


class EPCISCaptureConnector:
    """Push a batch as one EPCISDocument to {url}/capture and read the capture job's verdict."""

    def _job(self, answer: HttpAnswer, capture_url: str, token: str) -> dict[str, Any] | None:
        """The finished capture job (polling `Location` while it runs), or None if it is still running."""
        job = _json(answer.body)
        location = answer.headers.get("Location") or answer.headers.get("location") or ""
        deadline = time.monotonic() + setting("TXNG_PUBLISHING_JOB_WAIT_SECONDS", 30)
        delay = 0.1
        while job.get("running") is True:
            if not location or time.monotonic() > deadline:
                return None
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
            polled = _request("GET", urljoin(capture_url, location), token)
            if polled.status != 200:
                return None
            job = _json(polled.body)
        return job

    def deliver(self, destination: Destination, items: Sequence[OutboxItem], token: str) -> list[Outcome]:
        document = capture_document(items)
        sent = [*document.event_item_ids, *document.profile_item_ids]
        if not sent:
            return document.missing
        capture_url = f"{destination.url}/capture"
        answer = _request("POST", capture_url, token, document.body)
        status = answer.status
        if status is None or status >= 500 or status in _TRANSIENT_CLIENT_ERRORS:
            reason = answer.error or f"HTTP {status}"
            return [*document.missing, *(Outcome(pk, False, False, reason) for pk in sent)]
        if not 200 <= status < 300:
            detail = str(_json(answer.body).get("detail") or answer.error or f"HTTP {status}")[:1000]
            return [*document.missing, *(Outcome(pk, False, True, f"HTTP {status}: {detail}") for pk in sent)]
        job = self._job(answer, capture_url, token)
        if job is None:
            # Re-sending is harmless: the receiver skips events whose eventID it has (EPCIS 2.0 §7.4.1).
            return [*document.missing, *(Outcome(pk, False, False, "the capture job did not finish") for pk in sent)]
        refused: dict[int, str] = {}
        unexplained = ""
        for found in job.get("errors") or ():
            error: dict[str, Any] = found if isinstance(found, dict) else {}
            match = _EVENT_POINTER.match(str(error.get("pointer") or ""))
            detail = str(error.get("detail") or error.get("title") or "refused")[:1000]
            if match and int(match.group(1)) < len(document.event_item_ids):
                refused.setdefault(document.event_item_ids[int(match.group(1))], detail)
            else:
                unexplained = unexplained or detail
        if job.get("success") is False and not refused and not unexplained:
            unexplained = "the capture job failed"
        outcomes = list(document.missing)
        for pk in sent:
            if pk in refused:
                outcomes.append(Outcome(pk, False, True, refused[pk]))
            elif unexplained:
                # A job-level failure (a concurrent capture, say) names no event: all of them again.
                outcomes.append(Outcome(pk, False, False, unexplained))
            else:
                outcomes.append(Outcome(pk, True))
        return outcomes


CONNECTORS: dict[str, Connector] = {Destination.Connector.EPCIS_CAPTURE: EPCISCaptureConnector()}


def connector_for(destination: Destination) -> Connector:
    return CONNECTORS[destination.connector]


def destination_token(destination: Destination) -> str:
    return token_decrypt(destination.token_encrypted)
