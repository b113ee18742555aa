"""Field names of the EPCIS 2.0 event model, shared by parsing, validation and hashing."""

from __future__ import annotations

from typing import Final

EVENT_TYPES: Final = (
    "ObjectEvent",
    "AggregationEvent",
    "TransactionEvent",
    "TransformationEvent",
    "AssociationEvent",
)

EPCIS_NAMESPACES: Final = frozenset(
    (
        "urn:epcglobal:epcis:xsd:1",
        "urn:epcglobal:epcis:xsd:2",
        "urn:epcglobal:epcis-query:xsd:1",
        "urn:epcglobal:epcis-query:xsd:2",
    )
)

# JSON-LD contexts we recognise by name instead of fetching them (EPCIS 2.0 §9.1).
STANDARD_CONTEXTS: Final = frozenset(
    (
        "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
        "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
        "https://ref.gs1.org/standards/epcis/2.0.1/epcis-context.jsonld",
        "https://gs1.github.io/EPCIS/epcis-context.jsonld",
    )
)
STANDARD_CONTEXT: Final = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"

# Prefixes the standard EPCIS context already defines; usable without declaring them.
STANDARD_PREFIXES: Final = {
    "epcis": "https://ref.gs1.org/epcis/",
    "cbv": "https://ref.gs1.org/cbv/",
    "cbvmda": "urn:epcglobal:cbv:mda#",
    "gs1": "https://gs1.org/voc/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcterms": "http://purl.org/dc/terms/",
}

COMMON_FIELDS: Final = (
    "type",
    "eventTime",
    "recordTime",
    "eventTimeZoneOffset",
    "eventID",
    "certificationInfo",
    "errorDeclaration",
)
_WHAT_WHERE_WHY: Final = (
    "bizStep",
    "disposition",
    "readPoint",
    "bizLocation",
    "bizTransactionList",
    "sourceList",
    "destinationList",
    "sensorElementList",
    # EPCIS 2.0 §7.4.1: persistentDisposition applies to every event type.
    "persistentDisposition",
)
EVENT_FIELDS: Final[dict[str, frozenset[str]]] = {
    "ObjectEvent": frozenset(COMMON_FIELDS + _WHAT_WHERE_WHY + ("epcList", "quantityList", "action", "ilmd")),
    "AggregationEvent": frozenset(
        COMMON_FIELDS + _WHAT_WHERE_WHY + ("parentID", "childEPCs", "childQuantityList", "action")
    ),
    "TransactionEvent": frozenset(COMMON_FIELDS + _WHAT_WHERE_WHY + ("parentID", "epcList", "quantityList", "action")),
    "TransformationEvent": frozenset(
        COMMON_FIELDS
        + _WHAT_WHERE_WHY
        + (
            "inputEPCList",
            "inputQuantityList",
            "outputEPCList",
            "outputQuantityList",
            "transformationID",
            "ilmd",
        )
    ),
    "AssociationEvent": frozenset(
        COMMON_FIELDS + _WHAT_WHERE_WHY + ("parentID", "childEPCs", "childQuantityList", "action")
    ),
}

# XSD sequence of the standard children of each event type in EPCIS 2.0 XML
# (EPCglobal-epcis-2_0.xsd); 1.2 documents follow the same order once flattened.
_XML_BASE: Final = (
    "eventTime",
    "recordTime",
    "eventTimeZoneOffset",
    "eventID",
    "errorDeclaration",
    "certificationInfo",
)
XML_ORDER: Final[dict[str, tuple[str, ...]]] = {
    "ObjectEvent": (
        *_XML_BASE,
        "epcList",
        "action",
        "bizStep",
        "disposition",
        "readPoint",
        "bizLocation",
        "bizTransactionList",
        "quantityList",
        "sourceList",
        "destinationList",
        "sensorElementList",
        "persistentDisposition",
        "ilmd",
    ),
    "AggregationEvent": (
        *_XML_BASE,
        "parentID",
        "childEPCs",
        "action",
        "bizStep",
        "disposition",
        "readPoint",
        "bizLocation",
        "bizTransactionList",
        "childQuantityList",
        "sourceList",
        "destinationList",
        "sensorElementList",
        "persistentDisposition",
    ),
    "TransactionEvent": (
        *_XML_BASE,
        "bizTransactionList",
        "parentID",
        "epcList",
        "action",
        "bizStep",
        "disposition",
        "readPoint",
        "bizLocation",
        "quantityList",
        "sourceList",
        "destinationList",
        "sensorElementList",
        "persistentDisposition",
    ),
    "TransformationEvent": (
        *_XML_BASE,
        "inputEPCList",
        "inputQuantityList",
        "outputEPCList",
        "outputQuantityList",
        "transformationID",
        "bizStep",
        "disposition",
        "readPoint",
        "bizLocation",
        "bizTransactionList",
        "sourceList",
        "destinationList",
        "sensorElementList",
        "persistentDisposition",
        "ilmd",
    ),
    "AssociationEvent": (
        *_XML_BASE,
        "parentID",
        "childEPCs",
        "childQuantityList",
        "action",
        "bizStep",
        "disposition",
        "readPoint",
        "bizLocation",
        "bizTransactionList",
        "sourceList",
        "destinationList",
        "sensorElementList",
        "persistentDisposition",
    ),
}

EPC_LIST_FIELDS: Final = frozenset(("epcList", "childEPCs", "inputEPCList", "outputEPCList"))
QUANTITY_LIST_FIELDS: Final = frozenset(
    ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")
)
QUANTITY_FIELDS: Final = frozenset(("epcClass", "quantity", "uom"))
SENSOR_METADATA_TIMES: Final = frozenset(("time", "startTime", "endTime"))
SENSOR_METADATA_URIS: Final = frozenset(("deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "bizRules"))
SENSOR_METADATA_FIELDS: Final = SENSOR_METADATA_TIMES | SENSOR_METADATA_URIS
SENSOR_REPORT_DECIMALS: Final = frozenset(
    ("value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue")
)
SENSOR_REPORT_URIS: Final = frozenset(
    (
        "deviceID",
        "deviceMetadata",
        "rawData",
        "dataProcessingMethod",
        "bizRules",
        "microorganism",
        "chemicalSubstance",
        "coordinateReferenceSystem",
        "uriValue",
    )
)
SENSOR_REPORT_TIMES: Final = frozenset(("time",))
SENSOR_REPORT_FIELDS: Final = (
    SENSOR_REPORT_DECIMALS
    | SENSOR_REPORT_URIS
    | SENSOR_REPORT_TIMES
    | frozenset(("type", "exception", "component", "stringValue", "booleanValue", "hexBinaryValue", "uom"))
)
ERROR_DECLARATION_FIELDS: Final = frozenset(("declarationTime", "reason", "correctiveEventIDs"))
