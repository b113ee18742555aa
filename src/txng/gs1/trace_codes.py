"""Trace codes of TCVN 13274:2020, required by Circular 02/2024/TT-BKHCN for every stage:
product trace code = (01) GTIN-14 [+ (10) lot][+ (21) serial];
location trace code = (414) GLN [+ (254) extension]."""

from __future__ import annotations

from dataclasses import dataclass

from txng.gs1.digital_link import build_digital_link
from txng.gs1.element_strings import format_element_string, format_hri, validate_element_list
from txng.gs1.identifiers import normalize_gtin


@dataclass(frozen=True, slots=True)
class TraceCode:
    """A product or location trace code as ordered (AI, value) pairs."""

    ais: tuple[tuple[str, str], ...]

    @property
    def hri(self) -> str:
        """Bracketed form printed under the QR code: `(01)…(10)…`."""
        return format_hri(self.ais)

    @property
    def element_string(self) -> str:
        """Concatenated form with GS separators, as a scanner transmits it."""
        return format_element_string(self.ais)

    def digital_link(self, base: str) -> str:
        """GS1 Digital Link URI of this trace code on a resolver base URI."""
        return build_digital_link(base, self.ais)


def product_trace_code(gtin: str, lot: str | None = None, serial: str | None = None) -> TraceCode:
    """Product trace code; the GTIN may be given as GTIN-8/12/13/14 and is stored as GTIN-14."""
    ais = [("01", normalize_gtin(gtin))]
    if lot:
        ais.append(("10", lot))
    if serial:
        ais.append(("21", serial))
    validate_element_list(ais)
    return TraceCode(tuple(ais))


def location_trace_code(gln: str, extension: str | None = None) -> TraceCode:
    """Location trace code: GLN (414) with an optional GLN extension component (254)."""
    ais = [("414", gln)]
    if extension:
        ais.append(("254", extension))
    validate_element_list(ais)
    return TraceCode(tuple(ais))
