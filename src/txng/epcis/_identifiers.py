"""GS1 identifier checks: txng.gs1 when it is installed, else a minimal stand-in.

TODO(epcis): delete the fallback once txng.gs1.identifiers lands (it is written in
parallel); callers import from here so only this file changes.
"""

from __future__ import annotations

import re
from typing import Final

try:
    from txng.gs1 import GS1Error
    from txng.gs1.identifiers import (
        validate_epc,
        validate_epc_class,
        validate_location,
        validate_party,
    )
except ImportError:  # pragma: no cover - the stand-in below

    class GS1Error(ValueError):  # type: ignore[no-redef]
        """Stand-in for txng.gs1.GS1Error."""

        def __init__(self, message: str, code: str = "invalid") -> None:
            super().__init__(message)
            self.code = code

    # EPC URN bodies (TDS 2.1 §6) and Digital Link paths (DL URI syntax 1.4), shape only.
    _EPC_URN: Final = re.compile(
        r"urn:epc:id:(sgtin|sscc|sgln|grai|giai|gsrn|gsrnp|gdti|cpi|sgcn|ginc|gsin|itip"
        r"|upui|pgln|gid|usdod|adi|bic|imovn|lgtin):[A-Za-z0-9%!'()*+,\-.:;=_]+"
    )
    _CLASS_URN: Final = re.compile(
        r"urn:epc:(class:(lgtin|sgtin|pgln):|idpat:[a-z]+:)[A-Za-z0-9%!'()*+,\-.:;=_]+"
    )
    _DL: Final = re.compile(r"https?://[^/?#]+(/[^?#]*)?/(\d{2,4})/[^/?#]+(/.*)?")

    def _check(uri: str, pattern: re.Pattern[str], what: str) -> None:
        if pattern.fullmatch(uri) is None and _DL.fullmatch(uri) is None:
            raise GS1Error(f"{uri!r} is not a {what}", "syntax")

    def validate_epc(uri: str) -> None:  # type: ignore[misc]
        """Stand-in: EPC URN or Digital Link shape."""
        _check(uri, _EPC_URN, "EPC URN or GS1 Digital Link URI")

    def validate_epc_class(uri: str) -> None:  # type: ignore[misc]
        """Stand-in: EPC class URN, EPC pattern or Digital Link shape."""
        _check(uri, _CLASS_URN, "EPC class URN or GS1 Digital Link URI")

    def validate_location(uri: str) -> None:  # type: ignore[misc]
        """Stand-in: SGLN URN or Digital Link shape."""
        _check(uri, _EPC_URN, "SGLN URN or GS1 Digital Link URI")

    def validate_party(uri: str) -> None:  # type: ignore[misc]
        """Stand-in: PGLN/SGLN URN or Digital Link shape."""
        _check(uri, _EPC_URN, "PGLN URN or GS1 Digital Link URI")


__all__ = ["GS1Error", "validate_epc", "validate_epc_class", "validate_location",
           "validate_party"]
