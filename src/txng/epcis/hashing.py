"""CBV 2.0 Event Hash ID (CBV 2.0 §8.9): ni:///sha-256;<hex>?ver=CBV2.0.

The pre-hash string is built from the stored JSON-LD event as the reference
implementation builds it from the XML tree (github.com/RalphTro/epcis-event-hash-generator,
whose vectors GS1 uses): fields in the canonical order of §8.9.2 step 2, repeated
values sorted, user extensions after the standard fields and sorted by their expanded
"{namespace}local" names, recordTime/eventID/errorDeclaration left out, timestamps in
UTC at millisecond precision, identifiers as canonical Digital Link URIs.
No JSON-LD processing and no deep copies: a light tree is built per event.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from txng.epcis import vocabulary as voc
from txng.epcis.canonical import digital_link

# A node is [name, text, children]; a (type, value) pair of bizTransaction/source/
# destination is a tuple of nodes, as in the reference tree.
Node = list[Any]

_QUANTITY_KEYS: Final = ("epcClass", "quantity", "uom")
_QUANTITY: Final = [("quantityElement", [(key, None) for key in _QUANTITY_KEYS])]
_EPC: Final = [("epc", None)]
_SENSOR_METADATA: Final = [
    (n, None)
    for n in (
        "time",
        "startTime",
        "endTime",
        "deviceID",
        "deviceMetadata",
        "rawData",
        "dataProcessingMethod",
        "bizRules",
    )
]
_SENSOR_REPORT: Final = [
    (n, None)
    for n in (
        "type",
        "exception",
        "deviceID",
        "deviceMetadata",
        "rawData",
        "dataProcessingMethod",
        "time",
        "microorganism",
        "chemicalSubstance",
        "value",
        "component",
        "stringValue",
        "booleanValue",
        "hexBinaryValue",
        "uriValue",
        "minValue",
        "maxValue",
        "meanValue",
        "sDev",
        "percRank",
        "percValue",
        "uom",
        "coordinateReferenceSystem",
    )
]
# CBV 2.0 §8.9.2 step 2 order. The three typed lists are listed by the reference with
# a key that never matches, so they are hashed with the user extensions; kept so.
PROPERTY_ORDER: Final[list[tuple[str, Any]]] = [
    ("eventTime", None),
    ("eventTimeZoneOffset", None),
    ("certificationInfo", None),
    ("parentID", None),
    ("epcList", _EPC),
    ("inputEPCList", _EPC),
    ("childEPCs", _EPC),
    ("quantityList", _QUANTITY),
    ("childQuantityList", _QUANTITY),
    ("inputQuantityList", _QUANTITY),
    ("outputEPCList", _EPC),
    ("outputQuantityList", _QUANTITY),
    ("action", None),
    ("transformationID", None),
    ("bizStep", None),
    ("disposition", None),
    ("persistentDisposition", [("set", None), ("unset", None)]),
    ("readPoint", [("id", None)]),
    ("bizLocation", [("id", None)]),
    (
        "sensorElementList",
        [("sensorElement", [("sensorMetadata", _SENSOR_METADATA), ("sensorReport", _SENSOR_REPORT)])],
    ),
]
_NOT_HASHED: Final = frozenset(("recordTime", "eventID", "type", "errorDeclaration"))
_VOCAB_FIELDS: Final = {"bizStep": "bizStep", "disposition": "disposition"}
_REPORT_VOCAB: Final = {"type": "measurementType", "exception": "sensorAlertType", "component": "component"}
_PAIR_LISTS: Final = {
    "bizTransactionList": ("bizTransaction", "bizTransactionType"),
    "sourceList": ("source", "sourceDestType"),
    "destinationList": ("destination", "sourceDestType"),
}
_CBV_URN: Final = (
    ("urn:epcglobal:cbv:bizstep:", voc.CBV_WEB + "BizStep-"),
    ("urn:epcglobal:cbv:disp:", voc.CBV_WEB + "Disp-"),
    ("urn:epcglobal:cbv:btt:", voc.CBV_WEB + "BTT-"),
    ("urn:epcglobal:cbv:sdt:", voc.CBV_WEB + "SDT-"),
    ("urn:epcglobal:cbv:er:", voc.CBV_WEB + "ER-"),
)
_TIME_RE: Final = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)?(Z|[+-]\d\d:?\d\d)?")
_NUMBER_START: Final = frozenset("0123456789+-.")
_cache: dict[str, str] = {}
_CACHE_LIMIT: Final = 200_000


def canonical_value(text: str) -> str:
    """CBV Web URI for CBV URNs, shortest form for numbers, canonical DL for GS1 keys."""
    cached = _cache.get(text)
    if cached is not None:
        return cached
    value = text
    if value.startswith(("gs1:", "cbv:")):
        value = _expand_curie(value)
    if "urn:epcglobal:cbv:" in value:
        for urn, web in _CBV_URN:
            value = value.replace(urn, web)
    if value[:1] in _NUMBER_START:
        value = _number(value)
    result = digital_link(value) or value
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()
    _cache[text] = result
    return result


def _expand_curie(value: str) -> str:
    # The reference expands the gs1:/cbv: prefixes of every XML value (all occurrences).
    if value.startswith("gs1:"):
        return value.replace("gs1:", voc.GS1_VOC)
    return value.replace("cbv:", voc.CBV_WEB)


def _number(text: str) -> str:
    try:
        number = float(text)
    except ValueError:
        return text
    if number != number or number in (float("inf"), float("-inf")):
        return text
    return str(int(number)) if int(number) == number else str(number)


def normalise_time(text: str) -> str:
    """An EPCIS date-time in UTC at millisecond precision: 2020-03-04T10:00:30.000Z."""
    # The usual shapes (seconds, no fraction or three digits, Z or ±hh:mm) parsed in C: a third of the time.
    size = len(text)
    if (
        (size == 29 or size == 25 or size == 24 or size == 20)
        and text[10] == "T"
        and (size < 24 or text[19] == ".")
        and (text[-1] == "Z" if size % 4 == 0 else text[-6] in "+-" and text[-3] == ":")
        and text.isascii()
    ):
        try:
            moment = datetime.fromisoformat(text)
            offset = moment.utcoffset()
            if offset is not None:
                return (moment.replace(tzinfo=None) - offset).isoformat(timespec="milliseconds") + "Z"
        except (ValueError, OverflowError):
            pass  # as the general parse below decides
    return _normalise_time(text)


def _normalise_time(text: str) -> str:
    match = _TIME_RE.fullmatch(text)
    if match is None:
        return text
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    # round() is half-to-even on the microseconds, as in the reference implementation.
    micro = round(int((fraction or "0").ljust(6, "0")[:6]), -3)
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0)) + timedelta(
            microseconds=micro
        )
    except ValueError:
        return text
    if zone is not None and zone != "Z":
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        try:
            moment = moment - offset if zone[0] == "+" else moment + offset
        except OverflowError:  # before year 1 or after 9999 in UTC: left as written
            return text
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:"
        f"{moment.minute:02d}:{moment.second:02d}.{moment.microsecond // 1000:03d}Z"
    )


class _TreeBuilder:
    """Turns a stored event into the reference tree: names expanded, values as text."""

    __slots__ = ("ignore", "namespaces")

    def __init__(self, namespaces: Mapping[str, str], ignore: Collection[str]) -> None:
        self.namespaces = namespaces
        self.ignore = ignore

    def name(self, key: str) -> str:
        prefix, sep, local = key.partition(":")
        if not sep:
            return key
        # Only prefixes the document declares are expanded: the reference leaves a
        # prefix that comes from the standard context (cbvmda:, gs1:) as written.
        iri = self.namespaces.get(prefix)
        return "{" + iri + "}" + local if iri else key

    def extension(self, out: list[Any], key: str, value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                self.extension(out, key, item)
            return
        if key == "rdfs:comment" or key == "comment":
            return  # comments are not part of the event (reference: ignored)
        name = self.name(key)
        if isinstance(value, dict):
            children: list[Any] = []
            text = ""
            for child_key, child in value.items():
                if child_key == "#text":
                    text = _text(child)
                elif child_key[:1] == "@":
                    children.append([self.name(child_key[1:]), _text(child), []])
                else:
                    self.extension(children, child_key, child)
            out.append([name, text, children])
        else:
            out.append([name, _text(value), []])

    def event(self, event: Mapping[str, Any]) -> list[Any]:
        nodes: list[Any] = []
        for key, value in event.items():
            if key in _NOT_HASHED or key in self.ignore:
                continue
            if key in ("epcList", "childEPCs", "inputEPCList", "outputEPCList"):
                nodes.append([key, "", [["epc", _text(v), []] for v in value]])
            elif key.endswith("uantityList"):
                nodes.append([key, "", [self.quantity(q) for q in value]])
            elif key in _VOCAB_FIELDS:
                nodes.append([key, voc.to_web_uri(key, value), []])
            elif key == "certificationInfo":
                for item in value if isinstance(value, list) else [value]:
                    nodes.append([key, _text(item), []])
            elif key in ("readPoint", "bizLocation", "ilmd"):
                children: list[Any] = []
                for child_key, child in value.items():
                    self.extension(children, child_key, child)
                nodes.append([key, "", children])
            elif key in _PAIR_LISTS:
                nodes.append([key, "", [self.pair(key, item) for item in value]])
            elif key == "persistentDisposition":
                nodes.append(
                    [
                        key,
                        "",
                        [[k, voc.to_web_uri("disposition", v), []] for k in ("set", "unset") for v in value.get(k, ())],
                    ]
                )
            elif key == "sensorElementList":
                nodes.append([key, "", [self.sensor_element(e) for e in value]])
            else:
                self.extension(nodes, key, value)
        return nodes

    def quantity(self, item: Mapping[str, Any]) -> Node:
        return ["quantityElement", "", [[k, _text(item[k]), []] for k in _QUANTITY_KEYS if k in item]]

    def pair(self, key: str, item: Mapping[str, Any]) -> tuple[Node, ...]:
        value_key, kind = _PAIR_LISTS[key]
        value = [value_key, _text(item.get(value_key, "")), []]
        if "type" in item:
            return (["type", voc.to_web_uri(kind, item["type"]), []], value)
        return (value,)

    def sensor_element(self, element: Mapping[str, Any]) -> Node:
        children: list[Any] = []
        for key, value in element.items():
            if key == "sensorMetadata":
                children.append(["sensorMetadata", "", self.attributes(value)])
            elif key == "sensorReport":
                for report in value:
                    children.append(["sensorReport", "", self.attributes(report)])
            else:
                self.extension(children, key, value)
        return ["sensorElement", "", children]

    def attributes(self, obj: Mapping[str, Any]) -> list[Any]:
        children: list[Any] = []
        for key, value in obj.items():
            kind = _REPORT_VOCAB.get(key)
            if kind is not None and isinstance(value, str):
                children.append([key, voc.to_web_uri(kind, value), []])
            else:
                self.extension(children, key, value)
        return children


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


from txng.epcis._prehash import _generic, serialise_event  # noqa: E402  (after the tree types)


def prehash_string(
    event: Mapping[str, Any], namespaces: Mapping[str, str], *, ignore_fields: Collection[str] = ()
) -> str:
    """The canonical pre-hash string of a stored-form event (CBV 2.0 §8.9.2)."""
    if not ignore_fields:
        fast = _fast_prehash(event, namespaces)
        if fast is not None:
            return fast
    nodes = _TreeBuilder(namespaces, ignore_fields).event(event)
    return serialise_event(str(event["type"]), nodes)


# The fast path: the standard fields most events carry, in their plainest form, printed straight from the
# event; what the tree pass prints for them, without building and consuming their nodes. Whatever else
# the event holds (ILMD, the typed lists, extensions) is left to the tree pass, as that pass leaves it
# to its final sorted print; an event with anything the fast path does not know takes the tree pass.
_LEAF: Final = 0
_VOCAB: Final = 1
_EPCS: Final = 2
_QUANTITIES: Final = 3
_PLACE: Final = 4
_FAST_KINDS: Final = {
    "eventTime": _LEAF,
    "eventTimeZoneOffset": _LEAF,
    "parentID": _LEAF,
    "epcList": _EPCS,
    "inputEPCList": _EPCS,
    "childEPCs": _EPCS,
    "quantityList": _QUANTITIES,
    "childQuantityList": _QUANTITIES,
    "inputQuantityList": _QUANTITIES,
    "outputEPCList": _EPCS,
    "outputQuantityList": _QUANTITIES,
    "action": _LEAF,
    "transformationID": _LEAF,
    "bizStep": _VOCAB,
    "disposition": _VOCAB,
    "readPoint": _PLACE,
    "bizLocation": _PLACE,
}
# In PROPERTY_ORDER's order; the standard fields printed in order that the fast path leaves alone.
_FAST_ORDER: Final = tuple((name, _FAST_KINDS[name]) for name, _ in PROPERTY_ORDER if name in _FAST_KINDS)
_TREE_ONLY: Final = frozenset(name for name, _ in PROPERTY_ORDER if name not in _FAST_KINDS)


def _fast_prehash(event: Mapping[str, Any], namespaces: Mapping[str, str]) -> str | None:
    """The pre-hash string of an event whose standard fields are all plain, or None (take the tree pass)."""
    if "eventTime" not in event:
        return None
    out = ["eventType=", str(event["type"])]
    for name, kind in _FAST_ORDER:
        value = event.get(name)
        if value is None:
            if name in event:
                return None
            continue
        if kind == _LEAF:
            if value.__class__ is not str:
                return None
            text = value.strip()
            if text:
                out.append(name + "=" + (normalise_time(text) if name == "eventTime" else canonical_value(text)))
        elif kind == _VOCAB:
            if value.__class__ is not str:
                return None
            text = voc.to_web_uri(name, value)
            if text:
                out.append(name + "=" + canonical_value(text))
        elif kind == _EPCS:
            if value.__class__ is not list:
                return None
            epcs = []
            for epc in value:
                if epc.__class__ is not str:
                    return None
                text = epc.strip()
                if text:
                    epcs.append("epc=" + canonical_value(text))
            if epcs:
                epcs.sort()
                out.append(name + "".join(epcs))
        elif kind == _QUANTITIES:
            if value.__class__ is not list:
                return None
            elements = []
            for item in value:
                if item.__class__ is not dict:
                    return None
                element = ""
                for key in _QUANTITY_KEYS:
                    if key in item:
                        text = _text(item[key])
                        if text:
                            element += key + "=" + canonical_value(text)
                if element:
                    elements.append("quantityElement" + element)
            if elements:
                elements.sort()
                out.append(name + "".join(elements))
        else:  # _PLACE
            if value.__class__ is not dict or len(value) != 1:
                return None
            place = value.get("id")
            if place.__class__ is not str:
                return None
            text = place.strip()
            if text:
                out.append(name + "id=" + canonical_value(text))
    rest = {}
    for key, value in event.items():
        if key in _FAST_KINDS or key in _NOT_HASHED:
            continue
        if key in _TREE_ONLY:
            return None
        rest[key] = value
    if rest:
        nodes = _TreeBuilder(namespaces, ()).event(rest)
        if nodes:
            out.append(_generic(nodes))
    return "".join(out)


def event_hash_id(
    event: Mapping[str, Any], namespaces: Mapping[str, str], *, ignore_fields: Collection[str] = ()
) -> str:
    """The Event Hash ID of a stored-form event: ni:///sha-256;<hex>?ver=CBV2.0."""
    digest = hashlib.sha256(prehash_string(event, namespaces, ignore_fields=ignore_fields).encode()).hexdigest()
    return f"ni:///sha-256;{digest}?ver=CBV2.0"
