"""EPCIS 2.0 XML (and EPCIS 1.2 XML, upgraded) into the stored JSON-LD form, hardened."""

from __future__ import annotations

import re
import threading
from typing import Any, Final

from lxml import etree

from txng.epcis import fields as f
from txng.epcis.document import EPCISDocument, check_event_count
from txng.epcis.validation import EPCISValidationError, Problem
from txng.epcis.xml_render import render_xml

__all__ = ["parse_xml", "render_xml"]

XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
SBDH: Final = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
# A DTD is never needed by EPCIS and is the vehicle of XXE and "billion laughs".
_DTD_RE: Final = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_INTEGER_RE: Final = re.compile(r"[+-]?\d+")
_DECIMAL_RE: Final = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_TEXT_FIELDS: Final = frozenset(
    (
        "eventTime",
        "recordTime",
        "eventTimeZoneOffset",
        "eventID",
        "parentID",
        "action",
        "bizStep",
        "disposition",
        "transformationID",
    )
)
_LISTS: Final = {"bizTransactionList": "bizTransaction", "sourceList": "source", "destinationList": "destination"}
_local = threading.local()
_MISSING: Final = object()
_XSI_TAG: Final = "{" + XSI + "}"


def _parser() -> etree.XMLParser:
    # lxml parsers are not thread-safe; keep one per thread.
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        _local.parser = parser
    return parser


def _fail(detail: str, pointer: str = "") -> EPCISValidationError:
    return EPCISValidationError(detail, pointer)


def _split(tag: str) -> tuple[str | None, str]:
    if tag[:1] == "{":
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return None, tag


def _text(el: etree._Element) -> str:
    return (el.text or "").strip()


def _number(text: str) -> int | float | str:
    if _INTEGER_RE.fullmatch(text):
        return int(text)
    if _DECIMAL_RE.fullmatch(text):
        return float(text)
    return text  # left as text so that validation names it


def _is_standard(el: etree._Element) -> bool:
    ns, _ = _split(el.tag)
    return ns is None or ns in f.EPCIS_NAMESPACES


def parse_xml(body: bytes, *, max_events: int = 10_000) -> EPCISDocument:
    """Parse EPCIS 2.0 or 1.2 XML (document or a single event) without any DTD."""
    if _DTD_RE.search(body):
        raise _fail(
            "XML documents with a DOCTYPE or ENTITY declaration are refused "
            "(external entities and entity expansion are not allowed)"
        )
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as error:
        raise _fail(f"the body is not well-formed XML: {error}") from None
    if getattr(root.getroottree().docinfo, "doctype", ""):
        raise _fail("XML documents with a DOCTYPE are refused")
    return _Reader(root, max_events).document()


class _Reader:
    """Walks one XML document; owns the prefix ↔ namespace map of the result."""

    def __init__(self, root: etree._Element, max_events: int) -> None:
        self.root = root
        self.max_events = max_events
        self.namespaces: dict[str, str] = {}
        self.problems: list[Problem] = []
        self.prefix_of: dict[str, str] = {}
        root_ns, _ = _split(root.tag)
        self.strict_order = root_ns in (None, "urn:epcglobal:epcis:xsd:2", "urn:epcglobal:epcis-query:xsd:2") and not (
            root.get("schemaVersion", "2.0").startswith("1.")
        )
        for prefix, iri in root.nsmap.items():
            if prefix and iri not in f.EPCIS_NAMESPACES and iri not in (XSI, SBDH):
                self.namespaces.setdefault(prefix, iri)
                self.prefix_of.setdefault(iri, prefix)

    def key(self, tag: str, suggested: str | None) -> str:
        """The stored key of a tag or attribute name: local or "prefix:local"."""
        ns, local = _split(tag)
        if ns is None or ns in f.EPCIS_NAMESPACES:
            return local
        prefix = self.prefix_of.get(ns)
        if prefix is None:
            prefix = suggested or "ns1"
            if prefix in self.namespaces:
                prefix = next(f"{prefix}{n}" for n in range(2, 10_000) if f"{prefix}{n}" not in self.namespaces)
            self.namespaces[prefix] = ns
            self.prefix_of[ns] = prefix
        return f"{prefix}:{local}"

    def document(self) -> EPCISDocument:
        _, kind = _split(self.root.tag)
        if kind in f.EVENT_FIELDS:
            event = self.event(self.root, 0)
            return EPCISDocument(
                [event], self.namespaces, is_single_event=True, source_syntax="xml", syntax_problems=self.problems
            )
        if kind not in ("EPCISDocument", "EPCISQueryDocument"):
            raise _fail(f"root element <{kind}> is neither an EPCIS document nor an event")
        event_list = next((el for el in self.root.iter("{*}EventList", "EventList")), None)
        if event_list is None:
            raise _fail("the document has no EventList", "/epcisBody/eventList")
        elements = list(self._event_elements(event_list))
        check_event_count(len(elements), self.max_events)
        events = [self.event(el, i) for i, el in enumerate(elements)]
        document = EPCISDocument(
            events,
            self.namespaces,
            schema_version=self.root.get("schemaVersion", "2.0"),
            creation_date=self.root.get("creationDate"),
            source_syntax="xml",
            syntax_problems=self.problems,
        )
        self._header(document)
        return document

    def _event_elements(self, parent: etree._Element) -> Any:
        for el in parent:
            if not isinstance(el.tag, str):
                continue
            if _split(el.tag)[1] == "extension":  # EPCIS 1.2 wrapping of newer events
                yield from self._event_elements(el)
            else:
                yield el

    def _header(self, document: EPCISDocument) -> None:
        for el in self.root:
            if not isinstance(el.tag, str):
                continue
            local = _split(el.tag)[1]
            if local == "EPCISHeader":
                document.master_data = {"epcisHeader": self.generic(el)}
                document.sender = self._sbdh_party(el, "Sender")
                document.receiver = self._sbdh_party(el, "Receiver")
                instance = el.find(f".//{{{SBDH}}}InstanceIdentifier")
                if instance is not None:
                    document.instance_identifier = _text(instance)
        for el in self.root.iter("{*}ignoreFields"):
            document.hash_ignore_fields = tuple(
                self.key(child.tag, child.prefix) for child in el if isinstance(child.tag, str)
            )
            break

    def _sbdh_party(self, header: etree._Element, role: str) -> str | None:
        identifier = header.find(f".//{{{SBDH}}}{role}/{{{SBDH}}}Identifier")
        return _text(identifier) if identifier is not None else None

    def event(self, el: etree._Element, index: int) -> dict[str, Any]:
        ns, kind = _split(el.tag)
        pointer = f"/epcisBody/eventList/{index}"
        if kind not in f.EVENT_FIELDS or (ns is not None and ns not in f.EPCIS_NAMESPACES):
            raise _fail(f"event {index}: <{kind}> is not an EPCIS event type ({', '.join(f.EVENT_TYPES)})", pointer)
        event: dict[str, Any] = {"type": kind}
        order = f.XML_ORDER[kind]
        # Strict on purpose for EPCIS 2.0 XML, which follows the XSD sequence; EPCIS 1.2
        # put newer fields in nested <extension>s, so its upgraded order differs.
        is_strict = ns == "urn:epcglobal:epcis:xsd:2" or self.strict_order
        last = -1
        for child in self._flat(el):
            name = self.key(child.tag, child.prefix)
            if name in event and name != "certificationInfo" and ":" not in name:
                self.problems.append(Problem(f"{pointer}/{name}", f"event {index}: element <{name}> appears twice"))
            if ":" in name:
                _put(event, name, self.generic(child))
                continue
            if is_strict and name in order:
                position = order.index(name)
                if position < last:
                    self.problems.append(
                        Problem(
                            f"{pointer}/{name}",
                            f"event {index}: element <{name}> is out of order; EPCIS XML requires "
                            f"the XSD sequence ({', '.join(order)})",
                        )
                    )
                    is_strict = False  # one report per event is enough
                last = position
            _put(event, name, self.field(name, child))
        return event

    def _flat(self, el: etree._Element) -> Any:
        """Children, with EPCIS 1.2 <extension>/<baseExtension> wrappers flattened."""
        for child in el:
            if not isinstance(child.tag, str):
                continue
            if _is_standard(child) and _split(child.tag)[1] in ("extension", "baseExtension"):
                yield from self._flat(child)
            else:
                yield child

    def field(self, name: str, el: etree._Element) -> Any:
        """Convert one standard event child element to its JSON value."""
        if name in _TEXT_FIELDS or name == "certificationInfo":
            return _text(el)
        if name in f.EPC_LIST_FIELDS:
            return [_text(epc) for epc in self._flat(el)]
        if name in f.QUANTITY_LIST_FIELDS:
            return [self.quantity(q) for q in self._flat(el)]
        if name in ("readPoint", "bizLocation"):
            return self.obj(el)
        if name in _LISTS:
            value_key = _LISTS[name]
            items = []
            for item in self._flat(el):
                entry: dict[str, Any] = {}
                if item.get("type") is not None:
                    entry["type"] = item.get("type", "").strip()
                entry[value_key] = _text(item)
                items.append(entry)
            return items
        if name == "persistentDisposition":
            result: dict[str, list[str]] = {}
            for item in self._flat(el):
                result.setdefault(_split(item.tag)[1], []).append(_text(item))
            return result
        if name == "errorDeclaration":
            declaration = self.obj(el)
            ids = declaration.get("correctiveEventIDs")
            if isinstance(ids, dict):
                found = ids.get("correctiveEventID", [])
                declaration["correctiveEventIDs"] = found if isinstance(found, list) else [found]
            elif ids == "":
                declaration["correctiveEventIDs"] = []
            return declaration
        if name == "sensorElementList":
            return [self.sensor_element(s) for s in self._flat(el)]
        if name == "ilmd":
            return self.obj(el)
        return self.generic(el)  # unknown unqualified element: validation names it

    def quantity(self, el: etree._Element) -> dict[str, Any]:
        item: dict[str, Any] = {}
        for child in self._flat(el):
            name = self.key(child.tag, child.prefix)
            if name == "quantity" and child.get(f"{{{XSI}}}nil") in ("true", "1"):
                continue  # an explicitly absent quantity
            item[name] = _number(_text(child)) if name == "quantity" else _text(child)
        return item

    def obj(self, el: etree._Element) -> dict[str, Any]:
        """An element whose children become keys (standard ones bare, others prefixed)."""
        result: dict[str, Any] = {}
        for child in self._flat(el):
            name = self.key(child.tag, child.prefix)
            _put(result, name, self.generic(child))
        return result

    def sensor_element(self, el: etree._Element) -> dict[str, Any]:
        element: dict[str, Any] = {}
        for child in self._flat(el):
            name = self.key(child.tag, child.prefix)
            if name == "sensorMetadata":
                element["sensorMetadata"] = self.sensor_attributes(child)
            elif name == "sensorReport":
                element.setdefault("sensorReport", []).append(self.sensor_attributes(child))
            else:
                _put(element, name, self.generic(child))
        return element

    def sensor_attributes(self, el: etree._Element) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for attr, raw in _attributes(el):
            name = self.key(attr, _attr_prefix(el, attr))
            value = raw.strip()
            if name in f.SENSOR_REPORT_DECIMALS:
                result[name] = _number(value)
            elif name == "booleanValue":
                result[name] = {"true": True, "1": True, "false": False, "0": False}.get(value, value)
            else:
                result[name] = value
        for child in self._flat(el):
            _put(result, self.key(child.tag, child.prefix), self.generic(child))
        return result

    def generic(self, el: etree._Element) -> Any:
        """A user extension element: text, or an object of @attributes/children/#text."""
        children = [c for c in el if isinstance(c.tag, str)]
        text = _text(el)
        # xsi:type and friends describe the XML, not the data.
        attributes = [(a, v) for a, v in _attributes(el) if not a.startswith(_XSI_TAG)]
        if not children and not attributes:
            return text
        result: dict[str, Any] = {}
        for attr, value in attributes:
            result["@" + self.key(attr, _attr_prefix(el, attr))] = value
        for child in children:
            _put(result, self.key(child.tag, child.prefix), self.generic(child))
        if text:
            result["#text"] = text
        return result


def _attributes(el: etree._Element) -> list[tuple[str, str]]:
    return [(str(name), str(value)) for name, value in el.attrib.items()]


def _attr_prefix(el: etree._Element, attr: str) -> str | None:
    ns, _ = _split(attr)
    if ns is None:
        return None
    return next((p for p, iri in el.nsmap.items() if iri == ns and p), None)


def _put(obj: dict[str, Any], key: str, value: Any) -> None:
    """Set a key; a repeated XML element turns the value into a list."""
    existing = obj.get(key, _MISSING)
    if existing is _MISSING:
        obj[key] = value
    elif isinstance(existing, list):
        existing.append(value)
    else:
        obj[key] = [existing, value]
