"""EPC URNs of the GS1 EPC Tag Data Standard (TDS 2.x: EPC pure identity URIs, EPC class and
pattern URIs; CBV 2.0 identifiers) and their correspondence with GS1 Digital Link URIs (TDS 2.x
correspondence tables), the two forms EPCIS 2.0 accepts for the same identifier.

`urn:epc:id:sgtin:0614141.812345.6789` carries the GS1 Company Prefix length in its first dot;
the Digital Link form `https://id.gs1.org/01/80614141123458/21/6789` does not, so converting a
Digital Link to a URN needs the company prefix length from the caller.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Final

from txng.gs1.ai import ai_table, check_definition_value
from txng.gs1.checkdigit import gs1_check_digit
from txng.gs1.digital_link import CANONICAL_BASE, DigitalLink, build_digital_link, parse_digital_link
from txng.gs1.errors import COMPANY_PREFIX, EPC_SYNTAX, NO_EPC_EQUIVALENT, UNSUPPORTED_SCHEME, GS1Error

INSTANCE: Final = "instance"
CLASS: Final = "class"

_URN = re.compile(r"urn:epc:([a-z]+):([a-z0-9-]+):(.*)")
_DIGITS = re.compile(r"[0-9]+")
_TWO_DIGITS = re.compile(r"[0-9]{2}")
# TDS grammar, GS3A3Component: these characters raw, and exactly seven upper-case escapes.
_GS3A3 = re.compile(r"(?:[A-Za-z0-9_.!'()*+,:;=-]|%2[256F]|%3[CEF])+")
_CPI = re.compile(r"(?:[0-9A-Z-]|%2[3F])+")  # TDS CPI grammar: CSET 39 with '#' and '/' escaped
_ESCAPE = re.compile(r"%([0-9A-F]{2})")
_GS3A3_ESCAPES: Final = str.maketrans(
    {'"': "%22", "%": "%25", "&": "%26", "/": "%2F", "<": "%3C", ">": "%3E", "?": "%3F"}
)
_CPI_ESCAPES: Final = str.maketrans({"#": "%23", "/": "%2F"})
# GS1 Company Prefixes have 4 to 12 digits (see identifiers.COMPANY_PREFIX_LENGTHS).
MIN_COMPANY_PREFIX_LENGTH: Final = 4
MAX_COMPANY_PREFIX_LENGTH: Final = 12


@dataclass(frozen=True, slots=True)
class _Scheme:
    kind: str  # "id", "class" or "idpat" (the URN's second part)
    name: str
    key_ai: str
    digits: int  # company prefix + numeric reference; 0 when the reference is alphanumeric
    layout: str  # indicator: first reference digit leads the key; grai: key starts "0"; plain
    extras: tuple[tuple[str, str], ...]  # (AI, or "+" = appended to the key value; component kind)
    reference: str = "digits"  # or "gs3a3" / "cpi" for alphanumeric references

    @property
    def level(self) -> str:
        return INSTANCE if self.kind == "id" else CLASS

    @property
    def urn_prefix(self) -> str:
        return f"urn:epc:{self.kind}:{self.name}:"


_SCHEMES: Final = {
    (s.kind, s.name): s
    for s in (
        _Scheme("id", "sgtin", "01", 13, "indicator", (("21", "gs3a3"),)),
        _Scheme("id", "sscc", "00", 17, "indicator", ()),
        _Scheme("id", "sgln", "414", 12, "plain", (("254", "gs3a3"),)),  # extension "0" = none
        _Scheme("id", "grai", "8003", 12, "grai", (("+", "gs3a3"),)),
        _Scheme("id", "giai", "8004", 0, "plain", (), "gs3a3"),
        _Scheme("id", "gsrn", "8018", 17, "plain", ()),
        _Scheme("id", "gsrnp", "8017", 17, "plain", ()),
        _Scheme("id", "gdti", "253", 12, "plain", (("+", "gs3a3"),)),
        _Scheme("id", "cpi", "8010", 0, "plain", (("8011", "digits"),), "cpi"),
        _Scheme("id", "sgcn", "255", 12, "plain", (("+", "digits"),)),
        _Scheme("id", "ginc", "401", 0, "plain", (), "gs3a3"),
        _Scheme("id", "gsin", "402", 16, "plain", ()),
        _Scheme("id", "itip", "8006", 13, "indicator", (("+", "2digits"), ("+", "2digits"), ("21", "gs3a3"))),
        _Scheme("id", "upui", "01", 13, "indicator", (("235", "gs3a3"),)),
        _Scheme("id", "pgln", "417", 12, "plain", ()),
        _Scheme("class", "lgtin", "01", 13, "indicator", (("10", "gs3a3"),)),
        # Class-level identifiers of CBV 2.0 (EPC pattern URIs): the last component is "*".
        _Scheme("idpat", "sgtin", "01", 13, "indicator", ()),
        _Scheme("idpat", "grai", "8003", 12, "grai", ()),
        _Scheme("idpat", "gdti", "253", 12, "plain", ()),
        _Scheme("idpat", "sgcn", "255", 12, "plain", ()),
        _Scheme("idpat", "cpi", "8010", 0, "plain", (), "cpi"),
        _Scheme("idpat", "itip", "8006", 13, "indicator", (("+", "2digits"), ("+", "2digits"))),
    )
}
# The schemes whose key is prefix + reference alone (no component appended to it): their checked keys can be
# remembered whatever the serial.
_WHOLE_KEY_SCHEMES: Final = frozenset(
    pair for pair, scheme in _SCHEMES.items() if all(target != "+" for target, _ in scheme.extras)
)


@dataclass(frozen=True, slots=True)
class EpcUri:
    """A GS1 identifier in structured form, from an EPC URN or a Digital Link URI."""

    kind: str | None  # URN kind "id", "class" or "idpat"; None if there is no URN equivalent
    scheme: str | None  # "sgtin", "lgtin", "sscc", … ; None if there is no URN equivalent
    level: str  # "instance" or "class"
    ais: tuple[tuple[str, str], ...]  # GS1 AIs in Digital Link path order; () for gid, usdod…
    company_prefix_length: int | None
    components: tuple[str, ...] = ()  # URN components of non-GS1 schemes (gid, usdod, adi…)

    def ai_dict(self) -> dict[str, str]:
        """The AIs as a dict, e.g. {"01": "09520123456788", "21": "ABC"}."""
        return dict(self.ais)

    def to_digital_link(self, base: str = CANONICAL_BASE) -> str:
        """The Digital Link URI on `base` (canonical https://id.gs1.org by default)."""
        if not self.ais:
            raise GS1Error(f"urn:epc:id:{self.scheme} has no GS1 Digital Link form.", NO_EPC_EQUIVALENT)
        return build_digital_link(base, self.ais)

    def to_urn(self) -> str:
        """The canonical EPC URN; needs the company prefix length for Digital Link input."""
        if self.kind is None or self.scheme is None:
            raise GS1Error(f"{self.ais} has no EPC URN equivalent.", NO_EPC_EQUIVALENT)
        if not self.ais:
            return f"urn:epc:{self.kind}:{self.scheme}:" + ".".join(self.components)
        if self.company_prefix_length is None:
            raise GS1Error("The GS1 Company Prefix length is needed for an EPC URN.", COMPANY_PREFIX)
        return _format_urn(_SCHEMES[self.kind, self.scheme], dict(self.ais), self.company_prefix_length)


def _decode(component: str, kind: str, urn: str) -> str:
    if kind == "2digits":
        matches = _TWO_DIGITS.fullmatch(component)
    elif kind == "digits":
        matches = _DIGITS.fullmatch(component)
    else:
        matches = (_CPI if kind == "cpi" else _GS3A3).fullmatch(component)
    if not matches:
        raise GS1Error(f"Illegal characters or escapes in component {component!r} of {urn}.", EPC_SYNTAX)
    return _ESCAPE.sub(lambda m: chr(int(m[1], 16)), component) if "%" in component else component


def _key(scheme: _Scheme, prefix: str, reference: str, urn: str) -> str:
    if not MIN_COMPANY_PREFIX_LENGTH <= len(prefix) <= MAX_COMPANY_PREFIX_LENGTH or not _DIGITS.fullmatch(prefix):
        raise GS1Error(f"The GS1 Company Prefix {prefix!r} of {urn} must have 4 to 12 digits.", COMPANY_PREFIX)
    if not scheme.digits:
        return prefix + _decode(reference, scheme.reference, urn)
    if len(prefix) + len(reference) != scheme.digits or not (reference == "" or _DIGITS.fullmatch(reference)):
        raise GS1Error(f"Company prefix and reference of {urn} must be {scheme.digits} digits together.", EPC_SYNTAX)
    if scheme.layout == "indicator":
        if not reference:
            raise GS1Error(f"The indicator digit is missing in {urn}.", EPC_SYNTAX)
        body = reference[0] + prefix + reference[1:]
    else:
        body = prefix + reference
    key = body + gs1_check_digit(body)
    return "0" + key if scheme.layout == "grai" else key


# (kind, scheme, company prefix, reference) → the key value, for keys that passed every check.
_checked_keys: dict[tuple[str, str, str, str], str] = {}
_CHECKED_KEYS_LIMIT = 65_536


@functools.lru_cache(maxsize=8192)
def parse_epc_urn(urn: str) -> EpcUri:
    """Parse and strictly validate an EPC pure-identity, class or class-pattern URN."""
    # Cached: locations (SGLN) and classes (LGTIN) repeat in almost every captured event;
    # the result is immutable and failures raise, so they are never cached.
    match = _URN.fullmatch(urn)
    if match is None:
        raise GS1Error(f"Not an EPC URN: {urn!r}.", EPC_SYNTAX)
    kind, name, body = match.groups()
    scheme = _SCHEMES.get((kind, name))
    if scheme is None:
        if kind == "id" and name in _OTHER_SCHEMES:
            return _parse_other(name, body, urn)
        raise GS1Error(f"Unsupported EPC scheme urn:epc:{kind}:{name}.", UNSUPPORTED_SCHEME)
    count = 2 + len(scheme.extras) + (kind == "idpat")
    components = body.split(".", count - 1)  # the last component may itself contain dots
    if len(components) != count or (kind == "idpat" and components[-1] != "*"):
        raise GS1Error(f"{urn} must have {count} dot-separated components.", EPC_SYNTAX)
    # The key (GTIN, GLN, …) repeats where the serial does not: checked once per process, then looked up.
    cacheable = (kind, name) in _WHOLE_KEY_SCHEMES
    known = (kind, name, components[0], components[1])
    key = _checked_keys.get(known) if cacheable else None
    is_key_checked = key is not None
    if key is None:
        key = _key(scheme, components[0], components[1], urn)
    ais: list[tuple[str, str]] = [(scheme.key_ai, key)]
    for (target, component_kind), component in zip(scheme.extras, components[2:], strict=False):
        value = _decode(component, component_kind, urn)
        if target == "+":
            key += value
            ais[0] = (scheme.key_ai, key)
        elif not (scheme.name == "sgln" and value == "0"):  # TDS SGLN: extension "0" = no extension
            ais.append((target, value))
    table = ai_table()
    for index, (ai, value) in enumerate(ais):
        if index or not is_key_checked:
            check_definition_value(table[ai], value)
    if cacheable and not is_key_checked:
        if len(_checked_keys) >= _CHECKED_KEYS_LIMIT:
            _checked_keys.clear()
        _checked_keys[known] = key
    return EpcUri(kind, name, scheme.level, tuple(ais), len(components[0]))


def _format_urn(scheme: _Scheme, ais: dict[str, str], prefix_length: int) -> str:
    if not MIN_COMPANY_PREFIX_LENGTH <= prefix_length <= MAX_COMPANY_PREFIX_LENGTH:
        raise GS1Error("A GS1 Company Prefix has 4 to 12 digits.", COMPANY_PREFIX)
    key = ais[scheme.key_ai]
    if scheme.layout == "grai":
        key = key[1:]
    if not scheme.digits:
        prefix, reference = (
            key[:prefix_length],
            key[prefix_length:].translate(_CPI_ESCAPES if scheme.reference == "cpi" else _GS3A3_ESCAPES),
        )
        rest = ""
    elif scheme.layout == "indicator":
        prefix = key[1 : 1 + prefix_length]
        reference = key[0] + key[1 + prefix_length : scheme.digits]
        rest = key[scheme.digits + 1 :]
    else:
        prefix, reference = key[:prefix_length], key[prefix_length : scheme.digits]
        rest = key[scheme.digits + 1 :]
    if len(prefix) != prefix_length or not prefix.isdigit() or (scheme.digits and prefix_length > scheme.digits):
        raise GS1Error(f"Company prefix length {prefix_length} does not fit {key}.", COMPANY_PREFIX)
    components = [prefix, reference]
    for target, kind in scheme.extras:
        if target == "+":
            size = 2 if kind == "2digits" else len(rest)
            value, rest = rest[:size], rest[size:]
        else:
            value = ais.get(target, "0" if scheme.name == "sgln" else "")
        components.append(value.translate(_GS3A3_ESCAPES))
    if scheme.kind == "idpat":
        components.append("*")
    return scheme.urn_prefix + ".".join(components)


def _scheme_for_path(path: dict[str, str]) -> _Scheme | None:
    # TDS 2.x correspondence tables. Qualifiers outside the EPC ((22) CPV, (10) lot beside a serial)
    # are dropped: GTIN + serial already identifies the instance.
    key_ai, key = next(iter(path.items()))
    others = set(path) - {key_ai}
    by_key = {"00": "sscc", "414": "sgln", "417": "pgln", "8004": "giai", "8017": "gsrnp", "8018": "gsrn"}
    by_key |= {"401": "ginc", "402": "gsin"}
    if key_ai in by_key:
        return None if others - {"254"} else _SCHEMES["id", by_key[key_ai]]
    if key_ai == "01":
        if "21" in others:
            return _SCHEMES["id", "sgtin"]
        if "235" in others:
            return _SCHEMES["id", "upui"]
        if "22" in others:
            return None  # CPV: class level without an EPC class URN
        return _SCHEMES["class", "lgtin"] if "10" in others else _SCHEMES["idpat", "sgtin"]
    if key_ai == "8006":
        if "21" in others:
            return _SCHEMES["id", "itip"]
        return None if others else _SCHEMES["idpat", "itip"]
    if key_ai == "8010":
        return _SCHEMES["id" if others else "idpat", "cpi"]
    serial_from = {"8003": 14, "253": 13, "255": 13}.get(key_ai)
    if serial_from is None:
        return None  # (8013) GMN, (415)+(8020): no EPC scheme
    name = {"8003": "grai", "253": "gdti", "255": "sgcn"}[key_ai]
    return _SCHEMES["id" if len(key) > serial_from else "idpat", name]


def digital_link_level(path: dict[str, str]) -> str:
    """ "instance" or "class" for the AIs of a Digital Link path (CBV 2.0 instance/class identifiers)."""
    key_ai, key = next(iter(path.items()))
    if key_ai in ("01", "8006"):
        return INSTANCE if {"21", "235"} & set(path) else CLASS
    if key_ai == "8010":
        return INSTANCE if "8011" in path else CLASS
    if key_ai in ("8003", "253", "255"):
        return INSTANCE if len(key) > (14 if key_ai == "8003" else 13) else CLASS
    return CLASS if key_ai == "8013" else INSTANCE


def epc_from_digital_link(link: DigitalLink, company_prefix_length: int | None = None) -> EpcUri:
    """Structured form of a parsed Digital Link; only its path (key and qualifiers) counts."""
    path = dict(link.path)
    scheme = _scheme_for_path(path)
    if scheme is None:
        return EpcUri(None, None, digital_link_level(path), link.path, company_prefix_length)
    wanted = {scheme.key_ai} | {ai for ai, _ in scheme.extras if ai != "+"}
    ais = tuple((ai, value) for ai, value in link.path if ai in wanted)
    return EpcUri(scheme.kind, scheme.name, scheme.level, ais, company_prefix_length)


def epc_urn_to_digital_link(urn: str, base: str = CANONICAL_BASE) -> str:
    """Convert an EPC URN to its GS1 Digital Link URI (canonical https://id.gs1.org by default)."""
    return parse_epc_urn(urn).to_digital_link(base)


def digital_link_to_epc_urn(uri: str, company_prefix_length: int) -> str:
    """Convert a GS1 Digital Link URI to its EPC URN, given the GS1 Company Prefix length."""
    return epc_from_digital_link(parse_digital_link(uri), company_prefix_length).to_urn()


def canonical_epc(uri: str, company_prefix_length: int | None = None) -> str:
    """One spelling per GS1 identifier: the EPC URN when it can be built (URN input, or Digital
    Link plus company prefix length), else the canonical Digital Link on https://id.gs1.org.

    Only the identity is kept: query strings go, and so do qualifiers outside the EPC ((10) lot
    and (22) CPV beside a serial), so every spelling of one instance compares equal.
    """
    if uri.startswith("urn:epc:"):
        return parse_epc_urn(uri).to_urn()
    epc = epc_from_digital_link(parse_digital_link(uri), company_prefix_length)
    if epc.scheme is None or company_prefix_length is None:
        return build_digital_link(CANONICAL_BASE, epc.ais)
    return epc.to_urn()


# Non-GS1 EPC schemes of the TDS: no Digital Link form; checked for shape only, except the
# ISO 6346 (BIC) and IMO check digits.
_NUMBER = r"(?:0|[1-9][0-9]*)"
_OTHER_SCHEMES: Final = {
    "gid": re.compile(rf"({_NUMBER})\.({_NUMBER})\.({_NUMBER})"),
    "usdod": re.compile(rf"([0-9A-Z]{{5,6}})\.({_NUMBER})"),
    "adi": re.compile(r"([0-9A-Z]{5,6})\.((?:[0-9A-Z-]|%2F)*)\.((?:%23)?(?:[0-9A-Z-]|%2F)+)"),
    "bic": re.compile(r"([A-Z]{3}[UJZ][0-9]{7})"),
    "imovn": re.compile(r"([0-9]{7})"),
}
_GID_LIMITS: Final = (268_435_455, 16_777_215, 68_719_476_735)  # TDS GID-96 field sizes


def _bic_is_valid(code: str) -> bool:
    # ISO 6346: letters are worth 10.. skipping multiples of 11; weights 2**position; mod 11 mod 10.
    values = [n for n in range(10, 39) if n % 11]
    total = sum((values[ord(c) - 65] if c.isalpha() else int(c)) << i for i, c in enumerate(code[:10]))
    return total % 11 % 10 == int(code[10])


def _imo_is_valid(number: str) -> bool:
    return sum(int(d) * w for d, w in zip(number[:6], range(7, 1, -1), strict=True)) % 10 == int(number[6])


def _parse_other(name: str, body: str, urn: str) -> EpcUri:
    match = _OTHER_SCHEMES[name].fullmatch(body)
    is_valid = match is not None
    if match and name == "gid":
        is_valid = all(int(v) <= limit for v, limit in zip(match.groups(), _GID_LIMITS, strict=True))
    elif match and name == "bic":
        is_valid = _bic_is_valid(body)
    elif match and name == "imovn":
        is_valid = _imo_is_valid(body)
    if not is_valid or match is None:
        raise GS1Error(f"Malformed {name.upper()} EPC: {urn}.", EPC_SYNTAX)
    return EpcUri("id", name, INSTANCE, (), None, match.groups())
