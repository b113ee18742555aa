"""Checks for identifier fields of EPCIS events: EPCs, EPC classes, locations and parties.

Policy. EPCIS 2.0 lets these fields hold *any* absolute URI (the JSON schema says only
`"format": "uri"`), so `urn:example:lot:42` or `https://example.com/things/7` are acceptable.
The GS1 rules apply, strictly, when a URI *claims* to be a GS1 identifier:

* it starts with `urn:epc:` (in any letter case; the URN itself must then be lower case), or
* it is an http(s) URI whose path ends in a Digital Link primary-key pair such as `/01/<digits>`
  (see `digital_link.claims_digital_link`).

A claiming URI must be a valid EPC URN or GS1 Digital Link URI (check digits, lengths, qualifier
order, …) of the kind the field expects (instance-level for EPCs, class-level for EPC classes,
GLN-based for locations and parties). A Digital Link used as an identifier may not carry a query
string or fragment: identity is the path only (the identifier forms of CBV 2.0). Any other URI only has
to be an absolute URI (RFC 3986 §4.3).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from txng.gs1.digital_link import claims_digital_link, parse_digital_link
from txng.gs1.epc import CLASS, INSTANCE, EpcUri, epc_from_digital_link, parse_epc_urn
from txng.gs1.errors import IDENTIFIER_TYPE, NOT_URI, QUERY_NOT_ALLOWED, GS1Error

# RFC 3986 §4.3 absolute-URI (fragments tolerated): scheme ":" then URI characters or %XX.
_ABSOLUTE_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})+")
_LOCATION_KEYS: Final = frozenset({"414"})
_PARTY_KEYS: Final = frozenset({"417", "414"})


def is_absolute_uri(uri: str) -> bool:
    """True for an RFC 3986 absolute URI (a scheme, a colon, then legal URI characters)."""
    return _ABSOLUTE_URI.fullmatch(uri) is not None


def is_gs1_uri(uri: str) -> bool:
    """True if `uri` claims to be a GS1 identifier (EPC URN or Digital Link); it may be invalid."""
    return uri[:8].lower() == "urn:epc:" or claims_digital_link(uri)


def parse_gs1_identifier(uri: str, company_prefix_length: int | None = None) -> EpcUri:
    """Strictly parse an EPC URN or a Digital Link identifier (no query string or fragment)."""
    if uri[:8].lower() == "urn:epc:":
        return parse_epc_urn(uri)
    link = parse_digital_link(uri)
    if "?" in uri or link.fragment is not None:
        raise GS1Error(f"A Digital Link identifier has no query string or fragment: {uri}.", QUERY_NOT_ALLOWED)
    return epc_from_digital_link(link, company_prefix_length)


def _check(uri: str, accept: Callable[[EpcUri], bool], expected: str) -> None:
    if is_gs1_uri(uri):
        if not accept(parse_gs1_identifier(uri)):
            raise GS1Error(f"{uri} is not {expected}.", IDENTIFIER_TYPE)
    elif not is_absolute_uri(uri):
        raise GS1Error(f"{uri!r} is not an absolute URI.", NOT_URI)


def _is_instance(epc: EpcUri) -> bool:
    return epc.level == INSTANCE


def _is_class(epc: EpcUri) -> bool:
    return epc.level == CLASS


def _is_location(epc: EpcUri) -> bool:
    return bool(epc.ais) and epc.ais[0][0] in _LOCATION_KEYS


def _is_party(epc: EpcUri) -> bool:
    return bool(epc.ais) and epc.ais[0][0] in _PARTY_KEYS


def validate_epc(uri: str) -> None:
    """EPC of epcList/childEPCs/parentID…: instance-level GS1 identifier if GS1, else any URI."""
    _check(uri, _is_instance, "an instance-level identifier (e.g. SGTIN, SSCC, GRAI with serial)")


def validate_epc_class(uri: str) -> None:
    """epcClass of a quantity element: lgtin, idpat (sgtin, grai…), or a class-level Digital Link
    such as /01/{gtin}[/22/{cpv}][/10/{lot}] if GS1, else any URI."""
    _check(uri, _is_class, "a class-level identifier (GTIN, GTIN + lot, GRAI without serial, …)")


def validate_location(uri: str) -> None:
    """readPoint/bizLocation: SGLN or Digital Link /414/{gln}[/254/{extension}] if GS1."""
    _check(uri, _is_location, "a location (SGLN, or GLN (414) with optional extension (254))")


def validate_party(uri: str) -> None:
    """source/destination party: PGLN, SGLN, or Digital Link /417/ or /414/ if GS1."""
    _check(uri, _is_party, "a party (PGLN (417) or GLN (414))")
