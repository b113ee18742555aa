"""EPCIS 2.0 capture documents: parse (JSON-LD or XML) into the stored form, render back.

Stored form of an event: the EPCIS 2.0 JSON-LD compact form (EPCIS 2.0 §9), whatever the
input syntax: ``type``, ``eventTime`` … as JSON values, extension fields keyed
``"prefix:local"`` with the prefixes in ``EPCISDocument.namespaces``; CBV values as short
names (see ``vocabulary``); numbers as JSON numbers; date-times verbatim as sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import orjson

from txng.epcis import fields as f
from txng.epcis import vocabulary as voc
from txng.epcis.validation import (
    EPCISValidationError,
    Problem,
    raise_problems,
    validate_events,
)

JSON_TYPES: Final = frozenset(("application/json", "application/ld+json"))
XML_TYPES: Final = frozenset(("application/xml", "text/xml"))
MAX_DOCUMENT_BYTES: Final = 50 * 1024 * 1024


@dataclass
class EPCISDocument:
    """A parsed capture document (or a single event) in the stored form."""

    events: list[dict[str, Any]]
    namespaces: dict[str, str] = field(default_factory=dict)
    schema_version: str = "2.0"
    creation_date: str | None = None
    sender: str | None = None
    receiver: str | None = None
    instance_identifier: str | None = None
    master_data: dict[str, Any] | None = None
    # Document-level "…:ignoreFields" (repository extension honoured by the event hash
    # reference implementation): extension names to leave out of the Event Hash ID.
    hash_ignore_fields: tuple[str, ...] = ()
    is_single_event: bool = False
    source_syntax: str = "json"
    # Problems only the input syntax can have (XML element order); raised on validation.
    syntax_problems: list[Problem] = field(default_factory=list)
    # Accepted but suspicious (e.g. a wrong check digit in an EPC); for the capture job.
    warnings: list[Problem] = field(default_factory=list)


def parse_document(body: bytes, content_type: str, *, max_events: int = 10_000, validate: bool = True) -> EPCISDocument:
    """Parse and validate an EPCIS 2.0 JSON-LD or 2.0/1.2 XML document (or one event)."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if len(body) > MAX_DOCUMENT_BYTES:
        raise EPCISValidationError(
            f"the document is {len(body)} bytes; the limit is {MAX_DOCUMENT_BYTES}",
            type="epcisException:CaptureLimitExceededException",
            status=413,
            title="The EPCIS document is too large",
        )
    if media_type in JSON_TYPES:
        document = _parse_json(body, max_events)
    elif media_type in XML_TYPES:
        from txng.epcis.xml import parse_xml

        document = parse_xml(body, max_events=max_events)
    else:
        raise EPCISValidationError(
            f"content type {content_type!r} is not supported; send application/json, "
            "application/ld+json or application/xml",
            type="epcisException:UnsupportedMediaTypeException",
            status=415,
            title="Unsupported media type",
        )
    for event in document.events:
        normalise_event(event)
    if validate:
        if document.syntax_problems:
            raise_problems(document.syntax_problems)
        pointer = "" if document.is_single_event else "/epcisBody/eventList"
        document.warnings = validate_events(
            document.events, document.namespaces, pointer, is_legacy=document.schema_version.startswith("1.")
        )
    return document


def check_event_count(count: int, max_events: int) -> None:
    """Raise the EPCIS capture-limit problem when a document holds too many events."""
    if count > max_events:
        raise EPCISValidationError(
            f"the document holds {count} events; the capture limit is {max_events}",
            type="epcisException:CaptureLimitExceededException",
            status=413,
            title="Too many events in one capture",
        )


def _fail(pointer: str, detail: str) -> EPCISValidationError:
    return EPCISValidationError(detail, pointer)


def context_namespaces(context: object, pointer: str = "/@context") -> dict[str, str]:
    """Prefix → IRI declared by a JSON-LD @context; standard contexts are known by name."""
    items = context if isinstance(context, list) else [context]
    namespaces: dict[str, str] = {}
    for index, item in enumerate(items):
        if isinstance(item, str):
            if item not in f.STANDARD_CONTEXTS:
                # We never fetch (EPCIS repositories must work offline and must not be
                # turned into an SSRF proxy), so an unknown remote context is unusable.
                raise _fail(
                    f"{pointer}/{index}",
                    f"unknown remote JSON-LD context {item!r}; "
                    "reference the EPCIS 2.0 context by its standard URL and declare "
                    "extension prefixes inline",
                )
            continue
        if not isinstance(item, dict):
            raise _fail(f"{pointer}/{index}", "a @context entry must be a URL or an object")
        for prefix, iri in item.items():
            if isinstance(iri, dict):
                iri = iri.get("@id")
            if prefix.startswith("@") or not isinstance(iri, str):
                continue
            namespaces[prefix] = iri
    return namespaces


def _parse_json(body: bytes, max_events: int) -> EPCISDocument:
    try:
        root = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise _fail("", f"the body is not valid JSON: {error}") from None
    if not isinstance(root, dict):
        raise _fail("", "an EPCIS document must be a JSON object")
    if "@context" not in root:
        raise _fail(
            "/@context",
            "@context is missing; an EPCIS 2.0 JSON-LD document must "
            f"reference the EPCIS context ({f.STANDARD_CONTEXT})",
        )
    namespaces = context_namespaces(root["@context"])
    kind = root.get("type")
    if kind in f.EVENT_FIELDS:
        events = [root]
        document = EPCISDocument(events, namespaces, is_single_event=True)
    elif kind in ("EPCISDocument", "EPCISQueryDocument"):
        events = _json_event_list(root, kind)
        check_event_count(len(events), max_events)
        document = EPCISDocument(
            events,
            namespaces,
            schema_version=str(root.get("schemaVersion", "2.0")),
            creation_date=root.get("creationDate"),
            sender=root.get("sender"),
            receiver=root.get("receiver"),
            instance_identifier=root.get("instanceIdentifier"),
            master_data=root.get("epcisHeader"),
            hash_ignore_fields=_ignore_fields(root),
        )
    else:
        raise _fail("/type", f"type {kind!r} is neither EPCISDocument nor an EPCIS event type")
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            raise _fail(f"/epcisBody/eventList/{index}", "an event must be a JSON object")
        if "@context" in event:
            local = context_namespaces(event.pop("@context"), f"/epcisBody/eventList/{index}/@context")
            merge_namespaces(namespaces, local, event)
    return document


def _json_event_list(root: dict[str, Any], kind: str) -> list[Any]:
    if kind == "EPCISDocument":
        body, pointer = root.get("epcisBody"), "/epcisBody"
    else:
        body = (root.get("epcisBody") or {}).get("queryResults", {}).get("resultsBody")
        pointer = "/epcisBody/queryResults/resultsBody"
    if not isinstance(body, dict) or not isinstance(body.get("eventList"), list):
        raise _fail(pointer, f"{pointer[1:]} must hold an eventList array")
    return list(body["eventList"])


def _ignore_fields(root: Mapping[str, Any]) -> tuple[str, ...]:
    results = (root.get("epcisBody") or {}).get("queryResults")
    for holder in (root, results if isinstance(results, dict) else {}):
        for key, value in holder.items():
            if key.endswith(":ignoreFields") and isinstance(value, list):
                return tuple(v for v in value if isinstance(v, str))
    return ()


def merge_namespaces(namespaces: dict[str, str], local: Mapping[str, str], event: dict[str, Any]) -> None:
    """Add event-level prefixes to the document's, renaming a prefix that clashes."""
    for prefix, iri in local.items():
        known = namespaces.get(prefix)
        if known is None:
            namespaces[prefix] = iri
        elif known != iri:
            fresh = next(f"{prefix}{n}" for n in range(2, 1000) if f"{prefix}{n}" not in namespaces)
            namespaces[fresh] = iri
            _rename_prefix(event, prefix, fresh)


def _rename_prefix(value: Any, old: str, new: str) -> Any:
    if isinstance(value, dict):
        for key in list(value):
            child = _rename_prefix(value.pop(key), old, new)
            if key.startswith(old + ":"):
                key = new + key[len(old) :]
            value[key] = child
    elif isinstance(value, list):
        for item in value:
            _rename_prefix(item, old, new)
    return value


def _short(obj: dict[str, Any], key: str, kind: str) -> None:
    value = obj.get(key)
    if isinstance(value, str):
        obj[key] = voc.to_short(kind, value)


def normalise_event(event: dict[str, Any]) -> None:
    """Rewrite CBV values in place to their stored short names (see vocabulary)."""
    _short(event, "bizStep", "bizStep")
    _short(event, "disposition", "disposition")
    persistent = event.get("persistentDisposition")
    if isinstance(persistent, dict):
        for key in ("set", "unset"):
            items = persistent.get(key)
            if isinstance(items, list):
                persistent[key] = [voc.to_short("disposition", v) if isinstance(v, str) else v for v in items]
    for name, kind in (
        ("bizTransactionList", "bizTransactionType"),
        ("sourceList", "sourceDestType"),
        ("destinationList", "sourceDestType"),
    ):
        for item in event.get(name) or ():
            if isinstance(item, dict):
                _short(item, "type", kind)
    error = event.get("errorDeclaration")
    if isinstance(error, dict):
        _short(error, "reason", "errorReason")
    for element in event.get("sensorElementList") or ():
        if isinstance(element, dict):
            for report in element.get("sensorReport") or ():
                if isinstance(report, dict):
                    _short(report, "type", "measurementType")
                    _short(report, "exception", "sensorAlertType")
                    _short(report, "component", "component")


def now_iso() -> str:
    """The current UTC time as an EPCIS date-time with millisecond precision."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def output_context(namespaces: Mapping[str, str]) -> list[Any]:
    """The @context to emit: the standard URL plus the non-standard extension prefixes."""
    extra = {p: iri for p, iri in namespaces.items() if p not in f.STANDARD_PREFIXES}
    return [f.STANDARD_CONTEXT, extra] if extra else [f.STANDARD_CONTEXT]


def render_json(
    events: Iterable[Mapping[str, Any]],
    namespaces: Mapping[str, str],
    *,
    query_name: str | None = None,
    subscription_id: str | None = None,
    creation_date: str | None = None,
) -> bytes:
    """EPCIS 2.0 JSON-LD: an EPCISQueryDocument if query_name is given, else EPCISDocument."""
    event_list = list(events)
    root: dict[str, Any] = {
        "@context": output_context(namespaces),
        "type": "EPCISQueryDocument" if query_name else "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": creation_date or now_iso(),
    }
    if query_name:
        results: dict[str, Any] = {"queryName": query_name}
        if subscription_id:
            results["subscriptionID"] = subscription_id
        results["resultsBody"] = {"eventList": event_list}
        root["epcisBody"] = {"queryResults": results}
    else:
        root["epcisBody"] = {"eventList": event_list}
    return orjson.dumps(root)
