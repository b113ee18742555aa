"""Render stored-form events as EPCIS 2.0 XML (EPCISDocument or EPCISQueryDocument)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Final

from lxml import etree

from txng.epcis import fields as f
from txng.epcis import vocabulary as voc

EPCIS_NS: Final = "urn:epcglobal:epcis:xsd:2"
EPCISQ_NS: Final = "urn:epcglobal:epcis-query:xsd:2"
# XML spelling of the CBV master-data namespace (the JSON-LD context appends "#").
_XML_PREFIXES: Final = {**f.STANDARD_PREFIXES, "cbvmda": "urn:epcglobal:cbv:mda"}
_VOCAB_FIELDS: Final = {"bizStep": "bizStep", "disposition": "disposition"}
_TYPED_LISTS: Final = {
    "bizTransactionList": ("bizTransaction", "bizTransactionType"),
    "sourceList": ("source", "sourceDestType"),
    "destinationList": ("destination", "sourceDestType"),
}


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # xsd:decimal has no exponent form.
        return format(Decimal(repr(value)), "f")
    return str(value)


class _Writer:
    def __init__(self, namespaces: Mapping[str, str]) -> None:
        self.namespaces = dict(namespaces)

    def qname(self, key: str) -> str:
        prefix, sep, local = key.partition(":")
        if not sep:
            return key
        iri = self.namespaces.get(prefix) or _XML_PREFIXES.get(prefix)
        return f"{{{iri}}}{local}" if iri else local

    def generic(self, parent: etree._Element, key: str, value: Any) -> None:
        """Append a user extension: lists repeat, objects nest, @keys become attributes."""
        if isinstance(value, list):
            for item in value:
                self.generic(parent, key, item)
            return
        el = etree.SubElement(parent, self.qname(key))
        if isinstance(value, dict):
            for child_key, child in value.items():
                if child_key.startswith("@"):
                    el.set(self.qname(child_key[1:]), _scalar(child))
                elif child_key == "#text":
                    el.text = _scalar(child)
                else:
                    self.generic(el, child_key, child)
        elif value is not None:
            el.text = _scalar(value)

    def text(self, parent: etree._Element, name: str, value: Any) -> None:
        etree.SubElement(parent, name).text = _scalar(value)

    def event(self, parent: etree._Element, event: Mapping[str, Any]) -> None:
        kind = event["type"]
        el = etree.SubElement(parent, kind)
        for name in f.XML_ORDER[kind]:
            if name in event:
                self.field(el, name, event[name])
        for key, value in event.items():
            if ":" in key and not key.startswith("@"):
                self.generic(el, key, value)

    def field(self, el: etree._Element, name: str, value: Any) -> None:
        if name in _VOCAB_FIELDS:
            self.text(el, name, voc.to_urn(name, value))
        elif name == "certificationInfo":
            for item in value if isinstance(value, list) else [value]:
                self.text(el, name, item)
        elif name in f.EPC_LIST_FIELDS:
            container = etree.SubElement(el, name)
            for epc in value:
                self.text(container, "epc", epc)
        elif name in f.QUANTITY_LIST_FIELDS:
            container = etree.SubElement(el, name)
            for item in value:
                element = etree.SubElement(container, "quantityElement")
                for key in ("epcClass", "quantity", "uom"):
                    if key in item:
                        self.text(element, key, item[key])
        elif name in ("readPoint", "bizLocation", "ilmd"):
            self.obj(etree.SubElement(el, name), value)
        elif name in _TYPED_LISTS:
            value_key, kind = _TYPED_LISTS[name]
            container = etree.SubElement(el, name)
            for item in value:
                child = etree.SubElement(container, value_key)
                if "type" in item:
                    child.set("type", voc.to_urn(kind, item["type"]))
                child.text = _scalar(item.get(value_key, ""))
        elif name == "persistentDisposition":
            container = etree.SubElement(el, name)
            for key in ("set", "unset"):
                for item in value.get(key, []):
                    self.text(container, key, voc.to_urn("disposition", item))
        elif name == "errorDeclaration":
            self.error_declaration(etree.SubElement(el, name), value)
        elif name == "sensorElementList":
            container = etree.SubElement(el, name)
            for element in value:
                self.sensor_element(etree.SubElement(container, "sensorElement"), element)
        else:
            self.text(el, name, value)

    def obj(self, el: etree._Element, value: Mapping[str, Any]) -> None:
        for key, child in value.items():
            if ":" in key:
                self.generic(el, key, child)
            else:
                self.text(el, key, child)

    def error_declaration(self, el: etree._Element, value: Mapping[str, Any]) -> None:
        if "declarationTime" in value:
            self.text(el, "declarationTime", value["declarationTime"])
        if "reason" in value:
            self.text(el, "reason", voc.to_urn("errorReason", value["reason"]))
        if value.get("correctiveEventIDs"):
            container = etree.SubElement(el, "correctiveEventIDs")
            for event_id in value["correctiveEventIDs"]:
                self.text(container, "correctiveEventID", event_id)
        for key, child in value.items():
            if ":" in key:
                self.generic(el, key, child)

    def sensor_element(self, el: etree._Element, element: Mapping[str, Any]) -> None:
        if "sensorMetadata" in element:
            self.attributes(etree.SubElement(el, "sensorMetadata"), element["sensorMetadata"])
        for report in element.get("sensorReport", []):
            self.attributes(etree.SubElement(el, "sensorReport"), report)
        for key, child in element.items():
            if ":" in key:
                self.generic(el, key, child)

    def attributes(self, el: etree._Element, value: Mapping[str, Any]) -> None:
        for key, item in value.items():
            if isinstance(item, dict | list):
                self.generic(el, key, item)
                continue
            if key == "type":
                item = voc.to_urn("measurementType", item)
            elif key == "exception":
                item = voc.to_urn("sensorAlertType", item)
            elif key == "component":
                item = voc.to_urn("component", item)
            el.set(self.qname(key), _scalar(item))


def render_xml(
    events: Iterable[Mapping[str, Any]],
    namespaces: Mapping[str, str],
    *,
    query_name: str | None = None,
    subscription_id: str | None = None,
    creation_date: str | None = None,
) -> bytes:
    """EPCIS 2.0 XML: epcisq:EPCISQueryDocument if query_name is given, else EPCISDocument."""
    from txng.epcis.document import now_iso

    nsmap: dict[str, str] = {"gs1": voc.GS1_VOC, "cbv": voc.CBV_WEB}
    for prefix, iri in namespaces.items():
        if prefix not in ("epcis", "epcisq", "xml", "xmlns"):
            nsmap[prefix] = iri
    if query_name:
        nsmap["epcisq"] = EPCISQ_NS
        root = etree.Element(f"{{{EPCISQ_NS}}}EPCISQueryDocument", nsmap=nsmap)
    else:
        nsmap["epcis"] = EPCIS_NS
        root = etree.Element(f"{{{EPCIS_NS}}}EPCISDocument", nsmap=nsmap)
    root.set("schemaVersion", "2.0")
    root.set("creationDate", creation_date or now_iso())
    body = etree.SubElement(root, "EPCISBody")
    if query_name:
        results = etree.SubElement(body, f"{{{EPCISQ_NS}}}QueryResults")
        etree.SubElement(results, "queryName").text = query_name
        if subscription_id:
            etree.SubElement(results, "subscriptionID").text = subscription_id
        event_list = etree.SubElement(etree.SubElement(results, "resultsBody"), "EventList")
    else:
        event_list = etree.SubElement(body, "EventList")
    writer = _Writer(namespaces)
    for event in events:
        writer.event(event_list, event)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
