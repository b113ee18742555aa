"""GS1 Application Identifiers from the GS1 Barcode Syntax Dictionary (data/gs1-syntax-dictionary.txt).

The dictionary is parsed once, lazily, on first use; every AI gets a precompiled regular
expression for its components so that validating a value is one C-level match plus the
component linters. Syntax of the file: see its header ("Syntax: AIs [Flags] Specification
[Attributes...] [# Title]").
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Final

from txng.gs1.errors import ASSOCIATION, CHARSET, DUPLICATE_AI, EMPTY, LENGTH, UNKNOWN_AI, GS1Error
from txng.gs1.linters import Linter, get_linter

# Character sets of the dictionary's component types (GS1 General Specifications §7.11).
CHARSETS: Final = {
    "N": "0-9",
    "X": "!\"%&'()*+,\\-./0-9:;<=>?A-Z_a-z",  # CSET 82
    "Y": "#\\-/0-9A-Z",  # CSET 39
    "Z": "A-Za-z0-9_\\-=",  # CSET 64 (base64url); '=' padding accepted anywhere: lenient
}
CHARSET_NAMES: Final = {"N": "numeric", "X": "CSET 82", "Y": "CSET 39", "Z": "CSET 64"}
_CHARSET_RE: Final = {kind: re.compile(f"[{chars}]*") for kind, chars in CHARSETS.items()}
_COMPONENT = re.compile(r"(\[)?([NXYZ])(\.\.)?(\d+)(\])?((?:,\w+)*)")
_FLAG_CHARS: Final = frozenset("*!?\"$%&'()+,-./:;<=>@[\\]^_`{|}~")
# Unknown AIs (when permitted) are treated like the reference engine does: CSET 82, up to 90.
UNKNOWN_AI_MAX_LENGTH: Final = 90


@dataclass(frozen=True, slots=True)
class Component:
    """One component of an AI's data field, e.g. `N13,csum,gcppos1` or `[X..17]`."""

    kind: str  # N, X, Y or Z
    min_length: int
    max_length: int
    is_optional: bool
    linter_names: tuple[str, ...]
    linters: tuple[Linter, ...]


@dataclass(frozen=True, slots=True)
class AIDefinition:
    """Everything the syntax dictionary says about one AI."""

    ai: str
    title: str
    components: tuple[Component, ...]
    requires_fnc1: bool  # False for the "*" flag: predefined length, no separator needed
    is_dl_data_attribute: bool  # "?" flag: may appear in a Digital Link query string
    dl_qualifier_paths: tuple[tuple[str, ...], ...]  # `dlpkey=22,10,21|235` -> (22,10,21),(235,)
    is_dl_primary_key: bool
    requires: tuple[tuple[tuple[str, ...], ...], ...]  # each `req=`: alternatives of AND-groups
    excludes: tuple[str, ...]  # `ex=` patterns, `n` = any digit
    min_length: int
    max_length: int
    pattern: re.Pattern[str]
    is_known: bool = True

    @property
    def gcp_position(self) -> int | None:
        """1-based position where the GS1 Company Prefix starts (gcppos1/gcppos2), if any."""
        for component in self.components:
            if "gcppos1" in component.linter_names:
                return 1
            if "gcppos2" in component.linter_names:
                return 2
        return None


def _component_regex(components: Sequence[Component]) -> re.Pattern[str]:
    # Optional components nest: "[N3] [N3]" -> (?:(...)(?:(...))?)? so data may stop after any of
    # them (dictionary header: "optional components may be ignored after data is exhausted").
    pieces: list[str] = []
    closing = ""
    for component in components:
        count = (
            f"{{{component.min_length}}}"
            if component.min_length == component.max_length
            else f"{{{component.min_length},{component.max_length}}}"
        )
        group = f"([{CHARSETS[component.kind]}]{count})"
        if component.is_optional:
            pieces.append("(?:" + group)
            closing += ")?"
        else:
            pieces.append(group)
    return re.compile("".join(pieces) + closing)


def _parse_component(token: str) -> Component:
    match = _COMPONENT.fullmatch(token)
    if match is None:
        raise ValueError(f"Bad component in syntax dictionary: {token!r}")
    is_optional, kind, is_variable, length, _, linters = match.groups()
    names = tuple(name for name in linters.split(",") if name)
    return Component(
        kind=kind,
        min_length=1 if is_variable else int(length),
        max_length=int(length),
        is_optional=bool(is_optional),
        linter_names=names,
        linters=tuple(get_linter(name) for name in names),
    )


def _expand_range(token: str) -> list[str]:
    if "-" not in token:
        return [token]
    first, last = token.split("-")
    return [str(n).zfill(len(first)) for n in range(int(first), int(last) + 1)]


def _parse_line(line: str) -> list[AIDefinition]:
    body, _, title = line.partition("#")
    tokens = body.split()
    ais = _expand_range(tokens[0])
    rest = tokens[1:]
    flags = ""
    if rest and all(char in _FLAG_CHARS for char in rest[0]):
        flags = rest.pop(0)
    components: list[Component] = []
    while rest and rest[0][0] in "NXYZ[":
        components.append(_parse_component(rest.pop(0)))
    qualifier_paths: list[tuple[str, ...]] = []
    is_primary_key = False
    requires: list[tuple[tuple[str, ...], ...]] = []
    excludes: list[str] = []
    for attribute in rest:
        key, _, value = attribute.partition("=")
        if key == "dlpkey":
            is_primary_key = True
            qualifier_paths.extend(tuple(p.split(",")) for p in value.split("|") if value)
        elif key == "req":
            requires.append(tuple(tuple(group.split("+")) for group in value.split(",")))
        elif key == "ex":
            excludes.extend(value.split(","))
    mandatory = [c for c in components if not c.is_optional]
    return [
        AIDefinition(
            ai=ai,
            title=title.strip(),
            components=tuple(components),
            requires_fnc1="*" not in flags,
            is_dl_data_attribute="?" in flags,
            dl_qualifier_paths=tuple(qualifier_paths),
            is_dl_primary_key=is_primary_key,
            requires=tuple(requires),
            excludes=tuple(excludes),
            min_length=sum(c.min_length for c in mandatory),
            max_length=sum(c.max_length for c in components),
            pattern=_component_regex(components),
        )
        for ai in ais
    ]


def parse_syntax_dictionary(lines: Iterable[str]) -> dict[str, AIDefinition]:
    """Parse the text of a GS1 Barcode Syntax Dictionary into AI definitions keyed by AI."""
    table: dict[str, AIDefinition] = {}
    for raw in lines:
        line = raw.strip()
        if line and not line.startswith("#"):
            for definition in _parse_line(line):
                table[definition.ai] = definition
    return table


@functools.cache
def ai_table() -> Mapping[str, AIDefinition]:
    """All AIs of the shipped syntax dictionary, loaded once."""
    text = resources.files("txng.gs1").joinpath("data/gs1-syntax-dictionary.txt").read_text("utf-8")
    return parse_syntax_dictionary(text.splitlines())


def get_ai(ai: str) -> AIDefinition | None:
    """Return the definition of a known AI, or None."""
    return ai_table().get(ai)


@functools.cache
def unknown_ai_definition(ai: str) -> AIDefinition:
    """Placeholder for an AI missing from the dictionary (used only when explicitly permitted)."""
    component = Component("X", 1, UNKNOWN_AI_MAX_LENGTH, False, (), ())
    return AIDefinition(
        ai=ai,
        title="UNKNOWN",
        components=(component,),
        requires_fnc1=True,
        is_dl_data_attribute=False,
        dl_qualifier_paths=(),
        is_dl_primary_key=False,
        requires=(),
        excludes=(),
        min_length=1,
        max_length=UNKNOWN_AI_MAX_LENGTH,
        pattern=_component_regex([component]),
        is_known=False,
    )


def require_ai(ai: str) -> AIDefinition:
    """Return the definition of a known AI or raise GS1Error(code="unknown-ai")."""
    definition = ai_table().get(ai)
    if definition is None:
        raise GS1Error(f"Unknown AI ({ai}).", UNKNOWN_AI, ai=ai)
    return definition


def _diagnose(definition: AIDefinition, value: str) -> GS1Error:
    # Slow path, only after the fast regex failed: say exactly what is wrong, the way the
    # reference engine walks the components.
    ai = definition.ai
    if len(value) < definition.min_length:
        return GS1Error(f"AI ({ai}) value is too short.", LENGTH, ai=ai)
    if len(value) > definition.max_length:
        return GS1Error(f"AI ({ai}) value is too long.", LENGTH, ai=ai)
    position = 0
    for component in definition.components:
        if position == len(value) and component.is_optional:
            break
        part = value[position : position + component.max_length]
        if len(part) < component.min_length:
            return GS1Error(f"AI ({ai}) value is too short.", LENGTH, ai=ai)
        valid = _CHARSET_RE[component.kind].match(part)
        if valid is None or valid.end() != len(part):
            name = CHARSET_NAMES[component.kind]
            return GS1Error(
                f"AI ({ai}): a non-{name} character was found where a {name} character is expected.",
                CHARSET,
                ai=ai,
            )
        position += len(part)
    return GS1Error(f"AI ({ai}) value is too long.", LENGTH, ai=ai)


def check_definition_value(definition: AIDefinition, value: str) -> None:
    """Validate a value against an AI definition: length, character set, then linters."""
    if not value:
        raise GS1Error(f"AI ({definition.ai}) value is empty.", EMPTY, ai=definition.ai)
    match = definition.pattern.fullmatch(value)
    if match is None:
        raise _diagnose(definition, value)
    for component, part in zip(definition.components, match.groups(), strict=True):
        if part is None:
            break
        for linter in component.linters:
            problem = linter(part)
            if problem is not None:
                code, message = problem
                raise GS1Error(f"AI ({definition.ai}): {message}", code, ai=definition.ai)


def validate_ai_value(ai: str, value: str) -> None:
    """Validate `value` for `ai` per the syntax dictionary; raise GS1Error with a stable code."""
    check_definition_value(require_ai(ai), value)


def is_valid_ai_value(ai: str, value: str) -> bool:
    """True if `value` is valid for `ai`."""
    try:
        validate_ai_value(ai, value)
    except GS1Error:
        return False
    return True


@functools.lru_cache(maxsize=1024)
def _pattern_regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern.replace("n", "[0-9]"))


def _is_present(pattern: str, present: frozenset[str]) -> bool:
    if "n" not in pattern:
        return pattern in present
    regex = _pattern_regex(pattern)
    return any(regex.fullmatch(ai) for ai in present)


def check_ai_associations(ais: Sequence[tuple[str, str]]) -> None:
    """Check `req=` (mandatory pairings), `ex=` (invalid pairings) and repeated AIs of one message."""
    seen: dict[str, str] = {}
    for ai, value in ais:
        if seen.setdefault(ai, value) != value:
            raise GS1Error(f"AI ({ai}) is repeated with different values.", DUPLICATE_AI, ai=ai)
    present = frozenset(seen)
    table = ai_table()
    for ai in seen:  # message order, so the error names the first offending AI
        definition = table.get(ai)
        if definition is None:
            continue
        for alternatives in definition.requires:
            if not any(all(_is_present(p, present) for p in group) for group in alternatives):
                wanted = " or ".join("+".join(group) for group in alternatives)
                raise GS1Error(f"AI ({ai}) requires AI {wanted}.", ASSOCIATION, ai=ai)
        for pattern in definition.excludes:
            # Dictionary header: "An AI is not exclusive of itself even if it matches a pattern".
            if _is_present(pattern, present - {ai}):
                raise GS1Error(f"AI ({ai}) may not be used with AI ({pattern}).", ASSOCIATION, ai=ai)


@functools.cache
def dl_path_sequences() -> frozenset[tuple[str, ...]]:
    """Every valid Digital Link path AI sequence: a primary key then an in-order subset of one
    of its qualifier alternatives (dictionary header, `dlpkey=22,10,21|235`)."""
    sequences: set[tuple[str, ...]] = set()
    for definition in ai_table().values():
        if not definition.is_dl_primary_key:
            continue
        sequences.add((definition.ai,))
        for path in definition.dl_qualifier_paths:
            for size in range(1, len(path) + 1):
                for subset in itertools.combinations(path, size):
                    sequences.add((definition.ai, *subset))
    return frozenset(sequences)


@functools.cache
def dl_sequences_for_key(key: str) -> tuple[tuple[str, ...], ...]:
    """Qualifier sequences for one primary key, in the reference engine's (string) sort order."""
    candidates = [s for s in dl_path_sequences() if s[0] == key and len(s) > 1]
    return tuple(sorted(candidates, key=" ".join))
