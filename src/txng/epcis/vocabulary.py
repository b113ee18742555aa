"""CBV 2.0 standard vocabularies and the conversions between their three spellings.

Stored form (decided once for the whole repository): a standard CBV/GS1 Web Vocabulary
value is stored as its bare short name, exactly as EPCIS 2.0 JSON-LD writes it
("shipping", "in_transit", "po", "owning_party", "incorrect_data", "Temperature",
"ALARM_CONDITION", "latitude"). Any other value is stored verbatim as the absolute URI
(or CURIE) that was sent. Input may use the short name, the CBV 1.x/2.0 URN
(``urn:epcglobal:cbv:bizstep:shipping``), the CBV 2.0 Web URI
(``https://ref.gs1.org/cbv/BizStep-shipping``) or a CURIE (``cbv:BizStep-shipping``,
``gs1:Temperature``). Rendering produces the URN in XML and the short name in JSON-LD
(EPCIS 2.0 §9.x bindings, CBV 2.0 §8.2); the event hash uses the Web URI (CBV 2.0 §8.9).
"""

from __future__ import annotations

import re
from typing import Final

BIZ_STEPS: Final = frozenset(
    [
        "accepting",
        "arriving",
        "assembling",
        "collecting",
        "commissioning",
        "consigning",
        "creating_class_instance",
        "cycle_counting",
        "decommissioning",
        "departing",
        "destroying",
        "disassembling",
        "dispensing",
        "encoding",
        "entering_exiting",
        "holding",
        "inspecting",
        "installing",
        "killing",
        "loading",
        "other",
        "packing",
        "picking",
        "receiving",
        "removing",
        "repackaging",
        "repairing",
        "replacing",
        "reserving",
        "retail_selling",
        "sampling",
        "sensor_reporting",
        "shipping",
        "staging_outbound",
        "stock_taking",
        "stocking",
        "storing",
        "transporting",
        "unloading",
        "unpacking",
        "void_shipping",
    ]
)
DISPOSITIONS: Final = frozenset(
    [
        "active",
        "available",
        "completeness_inferred",
        "completeness_verified",
        "conformant",
        "container_closed",
        "container_open",
        "damaged",
        "destroyed",
        "dispensed",
        "disposed",
        "encoded",
        "expired",
        "in_progress",
        "in_transit",
        "inactive",
        "mismatch_class",
        "mismatch_instance",
        "mismatch_quantity",
        "needs_replacement",
        "no_pedigree_match",
        "non_conformant",
        "non_sellable_other",
        "partially_dispensed",
        "recalled",
        "reserved",
        "retail_sold",
        "returned",
        "sellable_accessible",
        "sellable_not_accessible",
        "stolen",
        "unavailable",
        "unknown",
    ]
)
BIZ_TRANSACTION_TYPES: Final = frozenset(
    [
        "bol",
        "cert",
        "desadv",
        "inv",
        "pedigree",
        "po",
        "poc",
        "prodorder",
        "recadv",
        "rma",
        "testprd",
        "testres",
        "upevt",
    ]
)
SOURCE_DESTINATION_TYPES: Final = frozenset(("owning_party", "possessing_party", "location"))
ERROR_REASONS: Final = frozenset(("did_not_occur", "incorrect_data"))
# GS1 Web Vocabulary measurement types (EPCIS 2.0.0 JSON schema enum, CBV 2.0 §7.6).
MEASUREMENT_TYPES: Final = frozenset(
    [
        "AbsoluteHumidity",
        "AbsorbedDose",
        "AbsorbedDoseRate",
        "Acceleration",
        "Radioactivity",
        "Altitude",
        "AmountOfSubstance",
        "AmountOfSubstancePerUnitVolume",
        "Angle",
        "AngularAcceleration",
        "AngularMomentum",
        "AngularVelocity",
        "Area",
        "Capacitance",
        "Conductance",
        "Conductivity",
        "Count",
        "Density",
        "Dimensionless",
        "DoseEquivalent",
        "DoseEquivalentRate",
        "DynamicViscosity",
        "ElectricCharge",
        "ElectricCurrent",
        "ElectricCurrentDensity",
        "ElectricFieldStrength",
        "Energy",
        "Exposure",
        "Force",
        "Frequency",
        "Illuminance",
        "Inductance",
        "Irradiance",
        "KinematicViscosity",
        "Length",
        "LinearMomentum",
        "Luminance",
        "LuminousFlux",
        "LuminousIntensity",
        "MagneticFlux",
        "MagneticFluxDensity",
        "MagneticVectorPotential",
        "Mass",
        "MassConcentration",
        "MassFlowRate",
        "MassPerAreaTime",
        "MemoryCapacity",
        "MolalityOfSolute",
        "MolarEnergy",
        "MolarMass",
        "MolarVolume",
        "Power",
        "Pressure",
        "RadiantFlux",
        "RadiantIntensity",
        "RelativeHumidity",
        "Resistance",
        "Resistivity",
        "SolidAngle",
        "SpecificVolume",
        "Speed",
        "SurfaceDensity",
        "SurfaceTension",
        "Temperature",
        "Time",
        "Torque",
        "Voltage",
        "Volume",
        "VolumeFlowRate",
        "VolumeFraction",
        "VolumetricFlux",
        "Wavenumber",
        "EffectiveDoseRate",
        "Molar_concentration",
    ]
)
SENSOR_ALERT_TYPES: Final = frozenset(("ALARM_CONDITION", "ERROR_CONDITION"))
COMPONENTS: Final = frozenset(
    [
        "x",
        "y",
        "z",
        "axial_distance",
        "azimuth",
        "height",
        "spherical_radius",
        "polar_angle",
        "elevation_angle",
        "easting",
        "northing",
        "latitude",
        "longitude",
        "altitude",
    ]
)

CBV_WEB: Final = "https://ref.gs1.org/cbv/"
GS1_VOC: Final = "https://gs1.org/voc/"

# kind -> (short names, URN prefix or None, Web URI prefix, CURIE prefix)
_KINDS: Final[dict[str, tuple[frozenset[str], str | None, str, str]]] = {
    "bizStep": (BIZ_STEPS, "urn:epcglobal:cbv:bizstep:", CBV_WEB + "BizStep-", "cbv:BizStep-"),
    "disposition": (DISPOSITIONS, "urn:epcglobal:cbv:disp:", CBV_WEB + "Disp-", "cbv:Disp-"),
    "bizTransactionType": (
        BIZ_TRANSACTION_TYPES,
        "urn:epcglobal:cbv:btt:",
        CBV_WEB + "BTT-",
        "cbv:BTT-",
    ),
    "sourceDestType": (
        SOURCE_DESTINATION_TYPES,
        "urn:epcglobal:cbv:sdt:",
        CBV_WEB + "SDT-",
        "cbv:SDT-",
    ),
    "errorReason": (ERROR_REASONS, "urn:epcglobal:cbv:er:", CBV_WEB + "ER-", "cbv:ER-"),
    "measurementType": (MEASUREMENT_TYPES, None, GS1_VOC, "gs1:"),
    "sensorAlertType": (SENSOR_ALERT_TYPES, None, GS1_VOC, "gs1:"),
    "component": (COMPONENTS, None, CBV_WEB + "Comp-", "cbv:Comp-"),
}

KIND_LABELS: Final = {
    "bizStep": "business step",
    "disposition": "disposition",
    "bizTransactionType": "business transaction type",
    "sourceDestType": "source/destination type",
    "errorReason": "error reason",
    "measurementType": "sensor measurement type",
    "sensorAlertType": "sensor alert type",
    "component": "sensor component",
}

# Namespaces a user extension must not claim (EPCIS 2.0 §6.3: extension names live in
# the extending party's own namespace; CBV 2.0 §6.4 reserves the GS1 ones).
RESERVED_NAMESPACE_PREFIXES: Final = (
    "urn:epcglobal:epcis",
    "urn:epcglobal:xsd",
    "https://ref.gs1.org/epcis",
    "https://ref.gs1.org/standards/",
    "https://ref.gs1.org/cbv/",
    "http://ref.gs1.org/",
    "https://gs1.org/voc/",
    "http://gs1.org/voc/",
    "https://ns.gs1.org/",
)
# CBV master-data attribute namespace: legitimate inside ilmd (CBV 2.0 §10).
MASTER_DATA_NAMESPACES: Final = frozenset(
    ("urn:epcglobal:cbv:mda", "urn:epcglobal:cbv:mda:", "urn:epcglobal:cbv:mda#", GS1_VOC)
)

_UOM_RE: Final = re.compile(r"[A-Z0-9]{2,3}")


def is_reserved_namespace(iri: str) -> bool:
    """True if the IRI belongs to a namespace GS1 reserves for EPCIS/CBV terms."""
    return iri.startswith(RESERVED_NAMESPACE_PREFIXES) or (
        iri.startswith("urn:epcglobal:cbv:") and iri not in MASTER_DATA_NAMESPACES
    )


def is_uom(code: str) -> bool:
    """True if the string has the shape of a UN/CEFACT Rec 20 unit code (CBV 2.0 §7.6)."""
    return _UOM_RE.fullmatch(code) is not None


def to_short(kind: str, value: str) -> str:
    """Return the stored form of a vocabulary value: the short name if standard."""
    shorts, urn, web, curie = _KINDS[kind]
    if value in shorts:
        return value
    for prefix in (urn, web, curie):
        if prefix is not None and value.startswith(prefix):
            word = value[len(prefix) :]
            if word in shorts:
                return word
            return value
    return value


def is_standard_namespace_value(kind: str, value: str) -> bool:
    """True if the value sits in the kind's GS1 namespace (so must be a known word)."""
    _, urn, web, curie = _KINDS[kind]
    return (
        value.startswith(web)
        or (urn is not None and value.startswith(urn))
        or (value.startswith(curie) and kind not in ("measurementType", "sensorAlertType"))
        or (kind in ("measurementType", "sensorAlertType") and value.startswith("gs1:"))
    )


def to_urn(kind: str, value: str) -> str:
    """Render a stored value for EPCIS XML: the CBV URN or CURIE where one exists."""
    shorts, urn, _, curie = _KINDS[kind]
    if value in shorts:
        return (urn or curie) + value
    return value


def to_web_uri(kind: str, value: str) -> str:
    """Render a stored value as its CBV 2.0 Web URI (used by the event hash)."""
    shorts, _, web, _ = _KINDS[kind]
    if value in shorts:
        return web + value
    return value


def label(kind: str) -> str:
    """Human name of a vocabulary kind, for error messages."""
    return KIND_LABELS[kind]


def shorts(kind: str) -> frozenset[str]:
    """The standard short names of a vocabulary kind."""
    return _KINDS[kind][0]
