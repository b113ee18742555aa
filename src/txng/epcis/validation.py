"""EPCIS 2.0 / CBV 2.0 validation of events in the stored JSON-LD form."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from txng.epcis import fields as f
from txng.epcis import vocabulary as voc
from txng.gs1 import GS1Error
from txng.gs1.identifiers import (
    validate_epc,
    validate_epc_class,
    validate_location,
    validate_party,
)

VALIDATION_EXCEPTION: Final = "epcisException:ValidationException"

# xsd:dateTime with a mandatory offset (EPCIS 2.0 §7.3.1: times carry a time zone).
_DATE_TIME_RE: Final = re.compile(
    r"-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d"
    r"(\.\d+)?(Z|[+-]([01]\d|1[0-4]):[0-5]\d)"
)
# EPCIS 1.2 documents in the wild omit seconds ("2006-11-07T13:00Z"); tolerated only there.
_LEGACY_DATE_TIME_RE: Final = re.compile(
    r"-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?"
    r"(\.\d+)?(Z|[+-]([01]\d|1[0-4]):[0-5]\d)"
)
_OFFSET_RE: Final = re.compile(r"[+-]((0\d|1[0-3]):[0-5]\d|14:00)")
_DATE_RE: Final = re.compile(r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])")
# RFC 3986 scheme, colon, no white space: the EPCIS "uri" type (EPCIS 2.0 §7.3.3).
_URI_RE: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+")
_HEX_RE: Final = re.compile(r"[A-Fa-f0-9]+")
_ACTIONS: Final = frozenset(("ADD", "OBSERVE", "DELETE"))
# Values that claim to be GS1 keys (EPC URN or Digital Link) get the identifier checks.
_GS1_KEY_RE: Final = re.compile(
    r"urn:epc:|https?://[^/?#]+(/[^?#]*)?/(00|01|253|255|401|402|414|417|8003|8004|8006"
    r"|8010|8017|8018)/"
)
# Identifier content errors that do not reject a capture (they become warnings): EPCIS
# 2.0 types these fields as plain URIs, and an observer must be able to record a code
# printed wrongly by someone else (DESIGN.md §3); the shape of the URI is still enforced.
_WARNING_CODES: Final = frozenset(("check-digit", "format"))
_PARTY_TYPES: Final = frozenset(("owning_party", "possessing_party"))


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an event: where (JSON pointer) and what, for a human."""

    pointer: str
    detail: str
    is_warning: bool = False


@dataclass(eq=False)
class EPCISValidationError(ValueError):
    """A capture document is rejected; maps onto an RFC 7807 problem response."""

    detail: str
    pointer: str = ""
    type: str = VALIDATION_EXCEPTION
    title: str = "The EPCIS document is not valid"
    status: int = 400
    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        """Pointer and detail, for logs and pytest.raises(match=...)."""
        return f"{self.pointer}: {self.detail}" if self.pointer else self.detail


def is_date_time(value: object) -> bool:
    """True for an ISO 8601 date-time string with a time zone offset."""
    return isinstance(value, str) and _DATE_TIME_RE.fullmatch(value) is not None


def is_uri(value: object) -> bool:
    """True for an absolute URI (or CURIE, which has the same shape)."""
    return isinstance(value, str) and _URI_RE.fullmatch(value) is not None


def is_number(value: object) -> bool:
    """True for a JSON number (booleans excluded)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Checker:
    """Collects the problems of one event; one small method per kind of rule."""

    __slots__ = ("is_legacy", "namespaces", "problems")

    def __init__(self, namespaces: Mapping[str, str], is_legacy: bool) -> None:
        self.namespaces = namespaces
        self.is_legacy = is_legacy
        self.problems: list[Problem] = []

    def add(self, pointer: str, detail: str) -> None:
        self.problems.append(Problem(pointer, detail))

    def time(self, pointer: str, name: str, value: object) -> None:
        if is_date_time(value) or (self.is_legacy and isinstance(value, str) and _LEGACY_DATE_TIME_RE.fullmatch(value)):
            return
        self.add(
            pointer,
            f"{name} {value!r} is not an ISO 8601 date-time with a time zone (e.g. 2026-07-22T06:45:00.000+07:00)",
        )

    def uri(self, pointer: str, name: str, value: object) -> bool:
        if is_uri(value):
            return True
        self.add(pointer, f"{name} {value!r} is not an absolute URI")
        return False

    def identifier(self, pointer: str, name: str, value: object, check: Callable[[str], object]) -> None:
        if not self.uri(pointer, name, value):
            return
        assert isinstance(value, str)
        if _GS1_KEY_RE.match(value) is None:
            return  # a private URI: EPCIS allows any URI here (EPCIS 2.0 §7.3.3)
        error = _identifier_error(check, value)
        if error is not None:
            self.problems.append(
                Problem(
                    pointer,
                    f"{name} {value!r} is not a valid GS1 identifier: {error}",
                    is_warning=error.code in _WARNING_CODES,
                )
            )

    def vocab(self, pointer: str, kind: str, value: object) -> None:
        name = voc.label(kind)
        if not isinstance(value, str) or not value:
            self.add(pointer, f"{name} must be a string, got {value!r}")
        elif value in voc.shorts(kind):
            return
        elif voc.is_standard_namespace_value(kind, value):
            self.add(pointer, f"{value!r} is not a CBV 2.0 {name}")
        elif not is_uri(value):
            self.add(
                pointer,
                f"{name} {value!r} is not a CBV 2.0 {name}; a non-standard "
                f"{name} must be an absolute URI (CBV 2.0 §8.2)",
            )

    def extension_key(self, pointer: str, key: str, where: str, in_ilmd: bool) -> None:
        prefix, sep, local = key.partition(":")
        if not (sep and local and prefix):
            self.add(
                pointer,
                f"unknown field {key!r} in {where}; a user extension field "
                "needs a namespace prefix declared in @context (EPCIS 2.0 §6.3)",
            )
            return
        iri = self.namespaces.get(prefix) or f.STANDARD_PREFIXES.get(prefix)
        if iri is None:
            self.add(
                pointer, f"namespace prefix {prefix!r} of field {key!r} in {where} is not declared in @context / xmlns"
            )
        elif prefix in ("rdfs", "rdf") or (in_ilmd and iri in voc.MASTER_DATA_NAMESPACES):
            return
        elif voc.is_reserved_namespace(iri):
            self.add(
                pointer,
                f"extension field {key!r} in {where} uses the GS1 reserved "
                f"namespace {iri!r}; extensions must use your own namespace",
            )

    def extensions(
        self, pointer: str, obj: Mapping[str, Any], known: frozenset[str], where: str, in_ilmd: bool = False
    ) -> None:
        for key in obj:
            if key not in known and key[:1] not in ("@", "#"):
                self.extension_key(f"{pointer}/{key}", key, where, in_ilmd)

    def epcs(self, pointer: str, name: str, items: object) -> None:
        if not isinstance(items, list):
            self.add(pointer, f"{name} must be a list of EPC URIs")
            return
        for i, epc in enumerate(items):
            self.identifier(f"{pointer}/{i}", f"{name}[{i}]", epc, validate_epc)

    def quantities(self, pointer: str, name: str, items: object) -> None:
        if not isinstance(items, list):
            self.add(pointer, f"{name} must be a list of quantity elements")
            return
        for i, item in enumerate(items):
            here, what = f"{pointer}/{i}", f"{name}[{i}]"
            if not isinstance(item, dict):
                self.add(here, f"{what} must be an object with an epcClass")
                continue
            for key in item.keys() - f.QUANTITY_FIELDS:
                self.add(
                    f"{here}/{key}",
                    f"unknown field {key!r} in {what}; a quantity "
                    "element has only epcClass, quantity and uom (EPCIS 2.0 §7.3.3.3)",
                )
            if "epcClass" not in item:
                self.add(here, f"{what} has no epcClass")
            else:
                self.identifier(f"{here}/epcClass", f"{what}.epcClass", item["epcClass"], validate_epc_class)
            quantity = item.get("quantity")
            if "quantity" in item and not is_number(quantity):
                self.add(f"{here}/quantity", f"quantity {quantity!r} in {what} is not a number")
            uom = item.get("uom")
            if "uom" in item and not (isinstance(uom, str) and voc.is_uom(uom)):
                self.add(
                    f"{here}/uom",
                    f"uom {uom!r} in {what} is not a UN/CEFACT Rec 20 unit code (2-3 upper-case letters or digits)",
                )
            elif "uom" in item and "quantity" not in item:
                self.add(here, f"{what} has a uom but no quantity")

    def place(self, pointer: str, name: str, value: object) -> None:
        if not isinstance(value, dict) or "id" not in value:
            self.add(pointer, f"{name} must be an object with an id")
            return
        self.identifier(f"{pointer}/id", f"{name}.id", value["id"], validate_location)
        self.extensions(pointer, value, frozenset(("id",)), name)

    def typed_list(
        self, pointer: str, name: str, items: object, value_key: str, kind: str, type_required: bool
    ) -> None:
        if not isinstance(items, list):
            self.add(pointer, f"{name} must be a list")
            return
        for i, item in enumerate(items):
            here, what = f"{pointer}/{i}", f"{name}[{i}]"
            if not isinstance(item, dict):
                self.add(here, f"{what} must be an object with {value_key!r}")
                continue
            for key in item.keys() - {"type", value_key}:
                self.add(f"{here}/{key}", f"unknown field {key!r} in {what}")
            if "type" in item:
                self.vocab(f"{here}/type", kind, item["type"])
            elif type_required:
                self.add(here, f"{what} has no type")
            if value_key not in item:
                self.add(here, f"{what} has no {value_key}")
            elif kind == "sourceDestType" and item.get("type") in _PARTY_TYPES:
                self.identifier(f"{here}/{value_key}", what, item[value_key], validate_party)
            elif kind == "sourceDestType" and item.get("type") == "location":
                self.identifier(f"{here}/{value_key}", what, item[value_key], validate_location)
            else:
                self.uri(f"{here}/{value_key}", what, item[value_key])


# Cached: lots, locations and parties repeat across the events of a document (checks are pure).
@functools.lru_cache(maxsize=65_536)
def _identifier_error(check: Callable[[str], object], value: str) -> GS1Error | None:
    try:
        check(value)
    except GS1Error as error:
        return error.with_traceback(None)  # kept in the cache: no frames
    return None


def validate_event(
    event: Mapping[str, Any], namespaces: Mapping[str, str], *, is_legacy: bool = False
) -> list[Problem]:
    """Check one stored-form event against EPCIS 2.0 and CBV 2.0; [] if it is valid.

    is_legacy relaxes three rules for events upgraded from EPCIS 1.2 XML, whose XSD
    allowed what 2.0 forbids: ilmd on OBSERVE/DELETE, a free-text certificationInfo and
    date-times without seconds.
    """
    checker = _Checker(namespaces, is_legacy)
    _check_event(checker, event)
    return checker.problems


def validate_events(
    events: list[dict[str, Any]],
    namespaces: Mapping[str, str],
    pointer: str = "/epcisBody/eventList",
    *,
    is_legacy: bool = False,
) -> list[Problem]:
    """Raise EPCISValidationError naming every error in the events; return the warnings."""
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for index, event in enumerate(events):
        for problem in validate_event(event, namespaces, is_legacy=is_legacy):
            located = Problem(
                f"{pointer}/{index}{problem.pointer}", f"event {index}: {problem.detail}", problem.is_warning
            )
            (warnings if problem.is_warning else problems).append(located)
    if problems:
        raise_problems(problems)
    return warnings


def raise_problems(problems: list[Problem]) -> None:
    """Raise one EPCISValidationError carrying all problems (the first ten in detail)."""
    detail = "; ".join(p.detail for p in problems[:10])
    if len(problems) > 10:
        detail += f"; and {len(problems) - 10} more problems"
    raise EPCISValidationError(detail, problems[0].pointer, problems=problems)


def _check_event(c: _Checker, event: Mapping[str, Any]) -> None:
    event_type = event.get("type")
    if event_type not in f.EVENT_FIELDS:
        c.add(
            "/type", f"event type {event_type!r} is not one of the EPCIS 2.0 event types ({', '.join(f.EVENT_TYPES)})"
        )
        return
    known = f.EVENT_FIELDS[event_type]
    c.extensions("", event, known, event_type)
    _check_common(c, event)
    action = event.get("action")
    if event_type == "TransformationEvent":
        if "action" in event:
            c.add("/action", "a TransformationEvent has no action (EPCIS 2.0 §7.4.6)")
    elif action is None:
        c.add("", f"{event_type} has no action (required: ADD, OBSERVE or DELETE)")
    elif action not in _ACTIONS:
        c.add("/action", f"action {action!r} is not one of ADD, OBSERVE, DELETE")
    for name in f.EPC_LIST_FIELDS & event.keys():
        c.epcs(f"/{name}", name, event[name])
    for name in f.QUANTITY_LIST_FIELDS & event.keys():
        c.quantities(f"/{name}", name, event[name])
    for name in ("parentID",):
        if name in event:
            c.identifier("/parentID", "parentID", event[name], validate_epc)
    _check_what(c, event_type, event, action)
    _check_why(c, event)


def _non_empty(event: Mapping[str, Any], name: str) -> bool:
    value = event.get(name)
    return isinstance(value, list) and len(value) > 0


def _check_what(c: _Checker, event_type: str, event: Mapping[str, Any], action: object) -> None:
    # The "what" dimension rules of EPCIS 2.0 §7.4.2-§7.4.7 (and the JSON schema anyOfs).
    if event_type == "ObjectEvent":
        if not (
            "epcList" in event
            or _non_empty(event, "quantityList")
            or (_non_empty(event, "sensorElementList") and "readPoint" in event)
        ):
            c.add(
                "",
                "ObjectEvent names no objects: it needs an epcList or a non-empty "
                "quantityList (or sensor data with a readPoint)",
            )
        if "ilmd" in event and action in ("OBSERVE", "DELETE") and not c.is_legacy:
            c.add("/ilmd", f"ilmd is only allowed when action is ADD, not {action}")
    elif event_type in ("AggregationEvent", "AssociationEvent"):
        if "parentID" not in event and (event_type == "AssociationEvent" or action in ("ADD", "DELETE")):
            c.add("", f"{event_type} with action {action} needs a parentID")
        if action != "DELETE" and not (_non_empty(event, "childEPCs") or _non_empty(event, "childQuantityList")):
            c.add("", f"{event_type} with action {action} needs childEPCs or childQuantityList")
    elif event_type == "TransactionEvent":
        if not _non_empty(event, "bizTransactionList"):
            c.add("", "TransactionEvent needs a non-empty bizTransactionList")
        if action != "DELETE" and not ("epcList" in event or _non_empty(event, "quantityList")):
            c.add("", "TransactionEvent needs an epcList or a quantityList")
    elif event_type == "TransformationEvent":
        inputs = _non_empty(event, "inputEPCList") or _non_empty(event, "inputQuantityList")
        outputs = _non_empty(event, "outputEPCList") or _non_empty(event, "outputQuantityList")
        if not (inputs and outputs) and not ("transformationID" in event and (inputs or outputs)):
            c.add(
                "",
                "TransformationEvent needs both inputs and outputs, or a "
                "transformationID with inputs or outputs (EPCIS 2.0 §7.4.6)",
            )
        if "transformationID" in event:
            c.uri("/transformationID", "transformationID", event["transformationID"])
    if "ilmd" in event and not isinstance(event["ilmd"], dict):
        c.add("/ilmd", "ilmd must be an object")
    elif "ilmd" in event:
        c.extensions("/ilmd", event["ilmd"], frozenset(), "ilmd", in_ilmd=True)


def _check_common(c: _Checker, event: Mapping[str, Any]) -> None:
    if "eventTime" not in event:
        c.add("", "eventTime is missing")
    else:
        c.time("/eventTime", "eventTime", event["eventTime"])
    offset = event.get("eventTimeZoneOffset")
    if offset is None:
        c.add("", "eventTimeZoneOffset is missing")
    elif not (isinstance(offset, str) and _OFFSET_RE.fullmatch(offset)):
        c.add("/eventTimeZoneOffset", f"eventTimeZoneOffset {offset!r} is not of the form +hh:mm or -hh:mm")
    if "recordTime" in event:
        c.time("/recordTime", "recordTime", event["recordTime"])
    if "eventID" in event:
        c.uri("/eventID", "eventID", event["eventID"])
    if "certificationInfo" in event:
        info = event["certificationInfo"]
        for i, item in enumerate(info if isinstance(info, list) else [info]):
            if not is_uri(item) and not (c.is_legacy and isinstance(item, str) and item):
                c.add(
                    f"/certificationInfo/{i}",
                    f"certificationInfo {item!r} is not a "
                    "URI; certificationInfo is a URI or a list of URIs (EPCIS 2.0 §7.3.8)",
                )
    if "errorDeclaration" in event:
        _check_error_declaration(c, event["errorDeclaration"])


def _check_error_declaration(c: _Checker, value: object) -> None:
    if not isinstance(value, dict):
        c.add("/errorDeclaration", "errorDeclaration must be an object")
        return
    if "declarationTime" not in value:
        c.add("/errorDeclaration", "errorDeclaration has no declarationTime")
    else:
        c.time("/errorDeclaration/declarationTime", "declarationTime", value["declarationTime"])
    if "reason" in value:
        c.vocab("/errorDeclaration/reason", "errorReason", value["reason"])
    ids = value.get("correctiveEventIDs", [])
    if not isinstance(ids, list):
        c.add("/errorDeclaration/correctiveEventIDs", "correctiveEventIDs must be a list")
    else:
        for i, event_id in enumerate(ids):
            c.uri(f"/errorDeclaration/correctiveEventIDs/{i}", "correctiveEventID", event_id)
    c.extensions("/errorDeclaration", value, f.ERROR_DECLARATION_FIELDS, "errorDeclaration")


def _check_why(c: _Checker, event: Mapping[str, Any]) -> None:
    if "bizStep" in event:
        c.vocab("/bizStep", "bizStep", event["bizStep"])
    if "disposition" in event:
        c.vocab("/disposition", "disposition", event["disposition"])
    if "persistentDisposition" in event:
        _check_persistent_disposition(c, event["persistentDisposition"])
    for name in ("readPoint", "bizLocation"):
        if name in event:
            c.place(f"/{name}", name, event[name])
    if "bizTransactionList" in event:
        c.typed_list(
            "/bizTransactionList",
            "bizTransactionList",
            event["bizTransactionList"],
            "bizTransaction",
            "bizTransactionType",
            type_required=False,
        )
    for name, key in (("sourceList", "source"), ("destinationList", "destination")):
        if name in event:
            c.typed_list(f"/{name}", name, event[name], key, "sourceDestType", type_required=True)
    if "sensorElementList" in event:
        _check_sensors(c, event["sensorElementList"])


def _check_persistent_disposition(c: _Checker, value: object) -> None:
    pointer = "/persistentDisposition"
    if not isinstance(value, dict) or not ({"set", "unset"} & value.keys()):
        c.add(pointer, "persistentDisposition must be an object with set and/or unset")
        return
    for key in value.keys() - {"set", "unset"}:
        c.add(f"{pointer}/{key}", f"unknown field {key!r} in persistentDisposition")
    for key in ("set", "unset"):
        items = value.get(key, [])
        if not isinstance(items, list):
            c.add(f"{pointer}/{key}", f"persistentDisposition.{key} must be a list")
            continue
        for i, item in enumerate(items):
            c.vocab(f"{pointer}/{key}/{i}", "disposition", item)


def _check_sensors(c: _Checker, elements: object) -> None:
    if not isinstance(elements, list):
        c.add("/sensorElementList", "sensorElementList must be a list")
        return
    for i, element in enumerate(elements):
        here = f"/sensorElementList/{i}"
        if not isinstance(element, dict):
            c.add(here, f"sensorElementList[{i}] must be an object")
            continue
        c.extensions(here, element, frozenset(("sensorMetadata", "sensorReport")), "sensorElement")
        metadata = element.get("sensorMetadata", {})
        if not isinstance(metadata, dict):
            c.add(f"{here}/sensorMetadata", "sensorMetadata must be an object")
        else:
            _check_sensor_fields(c, f"{here}/sensorMetadata", metadata, f.SENSOR_METADATA_FIELDS, "sensorMetadata")
        reports = element.get("sensorReport")
        if not isinstance(reports, list) or not reports:
            c.add(here, f"sensorElementList[{i}] needs a non-empty sensorReport list")
            continue
        for j, report in enumerate(reports):
            where = f"{here}/sensorReport/{j}"
            if not isinstance(report, dict):
                c.add(where, "sensorReport must be an object")
                continue
            # Lenient on purpose: an alert report (exception) may omit type, as
            # EPCIS 2.0.1 and OpenEPCIS allow; the 2.0.0 schema required it.
            if "type" not in report and "exception" not in report:
                c.add(where, "sensorReport has neither type nor exception")
            if "type" in report:
                c.vocab(f"{where}/type", "measurementType", report["type"])
            if "exception" in report:
                c.vocab(f"{where}/exception", "sensorAlertType", report["exception"])
            if "component" in report:
                c.vocab(f"{where}/component", "component", report["component"])
            _check_sensor_fields(c, where, report, f.SENSOR_REPORT_FIELDS, "sensorReport")


def _check_sensor_fields(c: _Checker, pointer: str, obj: Mapping[str, Any], known: frozenset[str], where: str) -> None:
    c.extensions(pointer, obj, known, where)
    for key, value in obj.items():
        if key in f.SENSOR_METADATA_TIMES or key in f.SENSOR_REPORT_TIMES:
            c.time(f"{pointer}/{key}", f"{where}.{key}", value)
        elif key in f.SENSOR_REPORT_DECIMALS and not is_number(value):
            c.add(f"{pointer}/{key}", f"{where}.{key} {value!r} is not a number")
        elif key in f.SENSOR_REPORT_URIS or key in f.SENSOR_METADATA_URIS:
            c.uri(f"{pointer}/{key}", f"{where}.{key}", value)
        elif key == "booleanValue" and not isinstance(value, bool):
            c.add(f"{pointer}/{key}", f"{where}.booleanValue {value!r} is not a boolean")
        elif key == "hexBinaryValue" and not (isinstance(value, str) and _HEX_RE.fullmatch(value)):
            c.add(f"{pointer}/{key}", f"{where}.hexBinaryValue {value!r} is not hex")
        elif key == "uom" and not (isinstance(value, str) and voc.is_uom(value)):
            c.add(f"{pointer}/{key}", f"{where}.uom {value!r} is not a UN/CEFACT Rec 20 code")
