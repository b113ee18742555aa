"""GS1 Digital Link URIs (GS1 Digital Link: URI syntax, release 1.4/1.5): parse, validate, build.

Behaviour follows the GS1 Barcode Syntax Engine (the reference implementation, src/c-lib/dl.c)
and is tested against every vector of shared/gs1/digital-link/dl-uri-test-vectors.json:

* scheme exactly http/https or HTTP/HTTPS; any domain (not validated beyond its characters);
  an optional path prefix ("stem") may precede the primary key;
* the primary key is the rightmost `/AI/value` pair, walking back over known AIs, whose AI is a
  `dlpkey` of the syntax dictionary; the AIs after it must be one of its ordered qualifier paths;
* query parameters with all-digit names must be known AIs that are DL data attributes and could
  not have been placed in the path; other parameters (linkType, context…) are kept as "other";
* path values are percent-decoded; query values also turn `+` into a space (HTML forms);
* since DL URI syntax 1.4 a GTIN in (01) must have 14 digits, so GTIN-8/12/13 are refused unless
  `permit_zero_suppressed_gtin` is set (legacy leniency, then padded to GTIN-14).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote, quote_plus, unquote_plus

from txng.gs1.ai import (
    AIDefinition,
    ai_table,
    check_ai_associations,
    check_definition_value,
    dl_path_sequences,
    dl_sequences_for_key,
)
from txng.gs1.element_strings import GROUP_SEPARATOR, format_element_string, format_hri, lookup_ai
from txng.gs1.errors import (
    DUPLICATE_AI,
    EMPTY,
    NO_PRIMARY_KEY,
    NOT_DATA_ATTRIBUTE,
    NOT_DIGITAL_LINK,
    QUALIFIER_ORDER,
    SHOULD_BE_IN_PATH,
    URI_SYNTAX,
    GS1Error,
)

CANONICAL_BASE: Final = "https://id.gs1.org"
_SCHEMES: Final = ("https://", "HTTPS://", "http://", "HTTP://")  # mixed case is refused
_URI_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")  # RFC 3986 §2
_BAD_DOMAIN_CHARACTER = re.compile(r"[_~?#@!$&'()*+,;=%]")
_PERCENT_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
# Convenience alphas (/gtin/, /ser/ …) were removed in DL 1.3; accepted only on request.
CONVENIENCE_ALPHAS: Final = {
    "cpid": "8010", "cpsn": "8011", "cpv": "22", "gcn": "255", "gdti": "253", "giai": "8004",
    "ginc": "401", "gln": "414", "glnx": "254", "gmn": "8013", "grai": "8003", "gsin": "402",
    "gsrn": "8018", "gsrnp": "8017", "gtin": "01", "itip": "8006", "lot": "10", "party": "417",
    "refno": "8020", "ser": "21", "srin": "8019", "sscc": "00",
}  # fmt: skip

AIPairs = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class DigitalLink:
    """A parsed GS1 Digital Link URI."""

    stem: str  # scheme, domain and optional path prefix before the primary key
    path: AIPairs  # primary key, then its qualifiers, in path order
    attributes: AIPairs  # data attributes from the query string, in query order
    other_params: AIPairs  # non-AI query parameters, decoded (singletons have value "")
    fragment: str | None

    @property
    def primary_key(self) -> tuple[str, str]:
        """The (AI, value) of the primary key, e.g. ("01", GTIN-14)."""
        return self.path[0]

    @property
    def qualifiers(self) -> AIPairs:
        """Key qualifiers from the path, e.g. (("10", lot), ("21", serial))."""
        return self.path[1:]

    @property
    def ais(self) -> AIPairs:
        """Path AIs then data attributes: the reference element-string order."""
        return self.path + self.attributes

    def value(self, ai: str) -> str | None:
        """Value of an AI in the path or the query, or None."""
        return next((value for code, value in self.ais if code == ai), None)

    @property
    def hri(self) -> str:
        """Bracketed human-readable element string."""
        return format_hri(self.ais)

    def element_string(self, *, separator: str = GROUP_SEPARATOR) -> str:
        """Concatenated element string with FNC1/GS separators."""
        return format_element_string(self.ais, separator=separator)

    def path_uri(self) -> str:
        """The primary key and qualifiers as a URI path, e.g. "/01/09506000134352/10/ABC" (checked when parsed)."""
        return "".join(f"/{ai}/{_escape(value, is_query=False)}" for ai, value in self.path)

    def canonical_uri(self, *, include_attributes: bool = False) -> str:
        """The same identifier on https://id.gs1.org (path only unless attributes are asked for)."""
        return build_digital_link(CANONICAL_BASE, self.ais if include_attributes else self.path)


@dataclass(frozen=True, slots=True)
class _Options:
    permit_zero_suppressed_gtin: bool
    permit_convenience_alphas: bool
    permit_unknown_ais: bool
    validate_unknown_ai_not_dl_attr: bool
    check_associations: bool


def _split_authority(uri: str) -> tuple[str, str]:
    """Split `scheme://domain` from the rest (which starts with "/"); raise if malformed."""
    scheme = next((s for s in _SCHEMES if uri.startswith(s)), None)
    if scheme is None:
        raise GS1Error("Not a GS1 Digital Link URI: it must start with http:// or https://.", NOT_DIGITAL_LINK)
    slash = uri.find("/", len(scheme))
    if slash <= len(scheme):
        raise GS1Error("The URI must contain a domain and path info.", URI_SYNTAX)
    if _BAD_DOMAIN_CHARACTER.search(uri, len(scheme), slash):
        raise GS1Error("The domain contains illegal characters.", URI_SYNTAX)
    return uri[:slash], uri[slash:]


def _decode(raw: str, *, is_query: bool, ai: str) -> str:
    text = raw.replace("+", " ") if is_query and "+" in raw else raw
    if "%" in text:
        text = _PERCENT_ESCAPE.sub(lambda m: chr(int(m[1], 16)), text)
        if "\0" in text:
            raise GS1Error(f"Decoded AI ({ai}) contains an illegal null character.", URI_SYNTAX, ai=ai)
    return text


def _path_definition(segment: str, options: _Options) -> AIDefinition | None:
    if options.permit_convenience_alphas and 3 <= len(segment) <= 5 and not segment[0].isdigit():
        ai = CONVENIENCE_ALPHAS.get(segment)
        return ai_table()[ai] if ai else None
    definition = ai_table().get(segment)
    if definition is None and options.permit_unknown_ais and 2 <= len(segment) <= 4 and segment.isdigit():
        return lookup_ai(segment, permit_unknown_ais=True)
    return definition


def _check_value(definition: AIDefinition, value: str, options: _Options) -> str:
    # Legacy DL < 1.4: GTIN-8/12/13 in (01) padded to GTIN-14, only when explicitly allowed.
    if options.permit_zero_suppressed_gtin and definition.ai == "01" and len(value) in (8, 12, 13):
        value = value.zfill(14)
    check_definition_value(definition, value)
    return value


def _find_primary_key(segments: list[str], options: _Options) -> int:
    # Walk back over /AI/value pairs of known AIs to the rightmost primary key; an unknown AI
    # ends the walk (reference engine), so "/01/x/89/y" has no key when 89 is unknown.
    index = len(segments) - 2
    while index >= 1:
        definition = _path_definition(segments[index], options)
        if definition is None:
            break
        if definition.is_dl_primary_key:
            return index
        index -= 2
    raise GS1Error("No GS1 Digital Link primary key found in the path info.", NO_PRIMARY_KEY)


def _parse_path(segments: list[str], start: int, options: _Options) -> list[tuple[str, str]]:
    path: list[tuple[str, str]] = []
    for index in range(start, len(segments), 2):
        definition = _path_definition(segments[index], options)
        assert definition is not None  # _find_primary_key walked over it
        if not segments[index + 1]:
            raise GS1Error(f"AI ({definition.ai}) value path element is empty.", EMPTY, ai=definition.ai)
        value = _decode(segments[index + 1], is_query=False, ai=definition.ai)
        path.append((definition.ai, _check_value(definition, value, options)))
    sequence = tuple(ai for ai, _ in path)
    if sequence not in dl_path_sequences():
        raise GS1Error(
            f"The AIs in the path ({', '.join(sequence)}) are not a valid key-qualifier sequence "
            f"for the key ({sequence[0]}).",
            QUALIFIER_ORDER,
            ai=sequence[0],
        )
    return path


def _parse_query(
    query: str, options: _Options
) -> tuple[list[tuple[str, str]], list[AIDefinition], list[tuple[str, str]]]:
    attributes: list[tuple[str, str]] = []
    definitions: list[AIDefinition] = []
    others: list[tuple[str, str]] = []
    for param in query.split("&"):
        if not param:
            continue
        name, has_value, raw = param.partition("=")
        if not has_value or not name.isdigit() or not name.isascii():
            others.append((unquote_plus(name), unquote_plus(raw)))
            continue
        definition = lookup_ai(name, permit_unknown_ais=options.permit_unknown_ais)
        if not raw:
            raise GS1Error(f"AI ({name}) value query element is empty.", EMPTY, ai=name)
        value = _decode(raw, is_query=True, ai=name)
        attributes.append((name, _check_value(definition, value, options)))
        definitions.append(definition)
    return attributes, definitions, others


def _check_attributes(
    path: list[tuple[str, str]],
    attributes: list[tuple[str, str]],
    definitions: list[AIDefinition],
    options: _Options,
) -> None:
    sequence = tuple(ai for ai, _ in path)
    seen = set(sequence)
    valid_sequences = dl_path_sequences()
    for (ai, _), definition in zip(attributes, definitions, strict=True):
        if ai in seen:
            raise GS1Error(f"AI ({ai}) is duplicated.", DUPLICATE_AI, ai=ai)
        seen.add(ai)
        if not definition.is_dl_data_attribute and (definition.is_known or options.validate_unknown_ai_not_dl_attr):
            raise GS1Error(f"AI ({ai}) is not a valid DL URI data attribute.", NOT_DATA_ATTRIBUTE, ai=ai)
        # Reference engine: an attribute that would make a valid path must be in the path.
        for position in range(1, len(sequence) + 1):
            if (*sequence[:position], ai, *sequence[position:]) in valid_sequences:
                raise GS1Error(f"AI ({ai}) from the query params should be in the path info.", SHOULD_BE_IN_PATH, ai=ai)


@functools.lru_cache(maxsize=4096)
def _parse(uri: str, options: _Options) -> DigitalLink:
    # Cached: a resolver sees the same product-level URIs (GTIN + lot) over and over, and the
    # result is immutable. Failures raise and so are never cached.
    if not _URI_CHARACTERS.fullmatch(uri):
        raise GS1Error("The URI contains illegal characters.", URI_SYNTAX)
    authority, rest = _split_authority(uri)
    rest, hash_mark, fragment = rest.partition("#")
    path_info, _, query = rest.partition("?")
    segments = path_info.split("/")  # segments[0] == "" since path_info starts with "/"
    start = _find_primary_key(segments, options)
    path = _parse_path(segments, start, options)
    attributes, definitions, others = _parse_query(query, options)
    _check_attributes(path, attributes, definitions, options)
    if options.check_associations:
        check_ai_associations(path + attributes)
    return DigitalLink(
        stem=authority + "/".join(segments[:start]),
        path=tuple(path),
        attributes=tuple(attributes),
        other_params=tuple(others),
        fragment=fragment if hash_mark else None,
    )


def parse_digital_link(
    uri: str,
    *,
    permit_zero_suppressed_gtin: bool = False,
    permit_convenience_alphas: bool = False,
    permit_unknown_ais: bool = False,
    validate_unknown_ai_not_dl_attr: bool = True,
    check_associations: bool = True,
) -> DigitalLink:
    """Parse and strictly validate a GS1 Digital Link URI; raise GS1Error with a stable code."""
    options = _Options(
        permit_zero_suppressed_gtin,
        permit_convenience_alphas,
        permit_unknown_ais,
        validate_unknown_ai_not_dl_attr,
        check_associations,
    )
    return _parse(uri, options)


def is_valid_digital_link(uri: str) -> bool:
    """True if `uri` is a valid GS1 Digital Link URI under the default (strict) options."""
    try:
        parse_digital_link(uri)
    except GS1Error:
        return False
    return True


def claims_digital_link(uri: str) -> bool:
    """True if an http(s) URI looks like a Digital Link: any URI on id.gs1.org, or a path that ends
    in a primary key pair (walking back over known AIs) whose value starts with a digit, as every
    GS1 key does (it starts with a GS1 Company Prefix). Cheap; says nothing about validity."""
    head = uri[:8].lower()
    if not head.startswith(("http://", "https://")):
        return False
    start = 8 if head == "https://" else 7
    slash = uri.find("/", start)
    if slash < 0:
        return False
    if uri[start:slash].lower() == "id.gs1.org":
        return True
    path = uri[slash:].partition("#")[0].partition("?")[0]
    segments = path.split("/")
    table = ai_table()
    index = len(segments) - 2
    while index >= 1:
        definition = table.get(segments[index])
        if definition is None:
            return False
        if definition.is_dl_primary_key:
            return segments[index + 1][:1].isdigit()
        index -= 2
    return False


def _escape(value: str, *, is_query: bool) -> str:
    # Only RFC 3986 unreserved characters stay as they are (reference engine URIescape).
    return quote_plus(value, safe="") if is_query else quote(value, safe="")


@functools.lru_cache(maxsize=64)
def _base_stem(base: str) -> str:
    # The reference engine trims one trailing slash; the base must be http(s) with a domain.
    stem = base[:-1] if base.endswith("/") else base
    if not _URI_CHARACTERS.fullmatch(stem) or "?" in stem or "#" in stem:
        raise GS1Error(f"Not a usable Digital Link base URI: {base!r}.", URI_SYNTAX)
    _split_authority(stem + "/")
    return stem


def build_digital_link(
    base: str,
    ais: Sequence[tuple[str, str]],
    *,
    permit_unknown_ais: bool = False,
    validate_unknown_ai_not_dl_attr: bool = True,
) -> str:
    """Build a GS1 Digital Link URI on `base` from (AI, value) pairs in any order.

    The first primary-key AI is the key; the qualifier path with most matching AIs orders the
    path; the other AIs become query attributes, fixed-length ones first (reference engine).
    """
    stem = _base_stem(base)
    entries = [(ai, value, lookup_ai(ai, permit_unknown_ais=permit_unknown_ais)) for ai, value in ais]
    for _, value, definition in entries:
        check_definition_value(definition, value)
    check_ai_associations(ais)
    key = next((ai for ai, _, definition in entries if definition.is_dl_primary_key), None)
    if key is None:
        raise GS1Error("Cannot create a DL URI without a primary key AI.", NO_PRIMARY_KEY)
    best: tuple[str, ...] = (key,)
    best_count = 0
    for sequence in dl_sequences_for_key(key):
        count = sum(1 for ai, _, _ in entries if ai in sequence[1:])
        if count > best_count:  # strictly more: ties keep the first in sort order
            best, best_count = sequence, count
    values: dict[str, str] = {}
    for ai, value, _ in entries:
        values.setdefault(ai, value)
    parts = [stem]
    for ai in best:
        if ai in values:
            parts.append(f"/{ai}/{_escape(values[ai], is_query=False)}")
    query: list[str] = []
    for fixed in (True, False):
        done: set[str] = set()
        for ai, value, definition in entries:
            if ai in best or ai in done or definition.requires_fnc1 == fixed:
                continue
            done.add(ai)
            if not definition.is_dl_data_attribute and (definition.is_known or validate_unknown_ai_not_dl_attr):
                raise GS1Error(f"AI ({ai}) is not a valid DL URI data attribute.", NOT_DATA_ATTRIBUTE, ai=ai)
            query.append(f"{ai}={_escape(value, is_query=True)}")
    return "".join(parts) + ("?" + "&".join(query) if query else "")


__all__ = [
    "CANONICAL_BASE",
    "CONVENIENCE_ALPHAS",
    "DigitalLink",
    "build_digital_link",
    "claims_digital_link",
    "is_valid_digital_link",
    "parse_digital_link",
]
