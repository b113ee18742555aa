"""Shared paths and helpers for the EPCIS core tests (official GS1 data in ../shared)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from txng.epcis.fields import STANDARD_PREFIXES
from txng.epcis.hashing import canonical_value, normalise_time
from txng.epcis.validation import is_date_time

SHARED = Path(os.environ.get("TXNG_SHARED_DIR", Path(__file__).resolve().parents[5] / "shared"))
EXAMPLES = SHARED / "gs1" / "epcis" / "examples"
HASH_EXAMPLES = SHARED / "gs1" / "event-hash" / "examples"
HASH_EQUAL = SHARED / "gs1" / "event-hash" / "expected_equal"


def content_type(path: Path) -> str:
    """The media type a client would send for this example file."""
    return "application/xml" if path.suffix == ".xml" else "application/ld+json"


def files(*patterns: str) -> list[Path]:
    """Example files matching the glob patterns, sorted, for parametrize."""
    return sorted(p for pattern in patterns for p in EXAMPLES.glob(pattern))


def semantic(value: Any, namespaces: dict[str, str]) -> Any:
    """An event with the documented syntax normalisations applied, for XML ⇄ JSON checks.

    Keys "prefix:local" become "{namespace}local" (prefixes may differ between
    syntaxes); scalars compare as text (XML has no number/boolean types outside the
    standard fields); empty values and "rdfs:comment" are dropped (XML carries comments as <!-- -->).
    """
    if isinstance(value, dict):
        result = {}
        for key, child in value.items():
            if key == "rdfs:comment" or child == "":
                continue  # an empty XML element is an absent value
            key = key.removeprefix("@")
            prefix, sep, local = key.partition(":")
            iri = namespaces.get(prefix) or STANDARD_PREFIXES.get(prefix)
            if sep and iri:
                key = "{" + iri.rstrip("#:") + "}" + local
            result[key] = semantic(child, namespaces)
        return result
    if isinstance(value, list):
        return [semantic(item, namespaces) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and is_date_time(value):
        return normalise_time(value)
    return canonical_value(str(value))
