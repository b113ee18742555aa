"""GS1 element strings: bracketed human-readable form `(01)…(10)…` and the concatenated form with
FNC1/GS separators."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from txng.gs1.ai import (
    AIDefinition,
    ai_table,
    check_ai_associations,
    check_definition_value,
    unknown_ai_definition,
)
from txng.gs1.errors import EMPTY, FORMAT, UNKNOWN_AI, GS1Error

AIPairs = Sequence[tuple[str, str]]

GROUP_SEPARATOR: Final = "\x1d"  # ASCII GS, how scanners transmit FNC1 as a separator
_HRI_ELEMENT = re.compile(r"\((\d{2,4})\)((?:[^\\(]|\\.)*)")
_UNESCAPE = re.compile(r"\\(.)")


def lookup_ai(ai: str, *, permit_unknown_ais: bool = False) -> AIDefinition:
    """Definition of `ai`; unknown all-digit AIs of 2-4 digits only when permitted."""
    definition = ai_table().get(ai)
    if definition is not None:
        return definition
    if permit_unknown_ais and 2 <= len(ai) <= 4 and ai.isascii() and ai.isdigit():
        return unknown_ai_definition(ai)
    raise GS1Error(f"Unknown AI ({ai}).", UNKNOWN_AI, ai=ai)


def format_hri(ais: AIPairs) -> str:
    """Bracketed human-readable interpretation: `(01)09520123456788(10)ABC`."""
    return "".join(f"({ai}){value}" for ai, value in ais)


def format_element_string(ais: AIPairs, *, separator: str = GROUP_SEPARATOR) -> str:
    """Concatenated element string; `separator` (FNC1 / GS) follows each variable-length AI
    except the last (GS1 General Specifications §7.8, concatenation). No leading FNC1: that is symbology."""
    table = ai_table()
    parts: list[str] = []
    last = len(ais) - 1
    for index, (ai, value) in enumerate(ais):
        parts.append(ai + value)
        definition = table.get(ai)
        if index != last and (definition is None or definition.requires_fnc1):
            parts.append(separator)
    return "".join(parts)


def validate_element_list(ais: AIPairs, *, permit_unknown_ais: bool = False) -> None:
    """Validate every value, then the pairing rules (req/ex) and repeats of the whole list."""
    for ai, value in ais:
        check_definition_value(lookup_ai(ai, permit_unknown_ais=permit_unknown_ais), value)
    check_ai_associations(ais)


def parse_hri(text: str, *, validate: bool = True, permit_unknown_ais: bool = False) -> list[tuple[str, str]]:
    """Parse `(01)…(10)…` into (AI, value) pairs; `\\(` escapes a bracket inside a value."""
    ais: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        match = _HRI_ELEMENT.match(text, position)
        if match is None:
            raise GS1Error(f"Malformed bracketed element string at {position}: {text!r}.", FORMAT)
        ais.append((match[1], _UNESCAPE.sub(r"\1", match[2])))
        position = match.end()
    if not ais:
        raise GS1Error("The element string is empty.", EMPTY)
    if validate:
        validate_element_list(ais, permit_unknown_ais=permit_unknown_ais)
    return ais


def parse_element_string(
    data: str, *, separator: str = GROUP_SEPARATOR, validate: bool = True
) -> list[tuple[str, str]]:
    """Parse a concatenated element string as a scanner sends it (leading FNC1 optional)."""
    table = ai_table()
    ais: list[tuple[str, str]] = []
    position = len(separator) if data.startswith(separator) else 0
    while position < len(data):
        definition = next(
            (d for size in (2, 3, 4) if (d := table.get(data[position : position + size]))),
            None,
        )
        if definition is None:
            raise GS1Error(f"No known AI at position {position} of {data!r}.", UNKNOWN_AI)
        start = position + len(definition.ai)
        if definition.requires_fnc1:
            end = data.find(separator, start)
            end = len(data) if end == -1 else end
            ais.append((definition.ai, data[start:end]))
            position = end + len(separator)
        else:
            end = start + definition.max_length
            ais.append((definition.ai, data[start:end]))
            # Some printers also put a separator after predefined-length AIs; tolerate it.
            position = end + len(separator) if data.startswith(separator, end) else end
    if validate:
        validate_element_list(ais, permit_unknown_ais=False)
    return ais
