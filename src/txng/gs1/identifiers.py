"""GS1 keys (GTIN, GLN, SSCC), GS1 Company Prefix helpers, and the EPC / identifier-validation API
re-exported from `epc` and `validation` so callers have one module to import from."""

from __future__ import annotations

from typing import Final

from txng.gs1.ai import get_ai
from txng.gs1.checkdigit import gs1_check_digit, has_valid_check_digit, is_digits
from txng.gs1.epc import (
    EpcUri,
    canonical_epc,
    digital_link_to_epc_urn,
    epc_from_digital_link,
    epc_urn_to_digital_link,
    parse_epc_urn,
)
from txng.gs1.errors import CHARSET, CHECK_DIGIT, COMPANY_PREFIX, EMPTY, LENGTH, GS1Error
from txng.gs1.validation import (
    is_absolute_uri,
    is_gs1_uri,
    parse_gs1_identifier,
    validate_epc,
    validate_epc_class,
    validate_location,
    validate_party,
)

GTIN_LENGTHS: Final = (8, 12, 13, 14)
GLN_LENGTH: Final = 13
SSCC_LENGTH: Final = 18
# A GS1 Company Prefix has 4 to 12 digits: 4 is the minimum of the GS1 Barcode Syntax Tests
# (gcppos1); GS1's published prefix-length table currently allocates 6 to 12.
COMPANY_PREFIX_LENGTHS: Final = range(4, 13)


def _validate_key(value: str, lengths: tuple[int, ...], name: str) -> None:
    if not value:
        raise GS1Error(f"The {name} is empty.", EMPTY)
    if not is_digits(value):
        raise GS1Error(f"A {name} has digits only, got {value!r}.", CHARSET)
    if len(value) not in lengths:
        expected = "/".join(str(n) for n in lengths)
        raise GS1Error(f"A {name} has {expected} digits, got {len(value)}.", LENGTH)
    if not has_valid_check_digit(value):
        raise GS1Error(f"The check digit of {name} {value} is wrong.", CHECK_DIGIT)


def validate_gtin(value: str) -> None:
    """Validate a GTIN-8, GTIN-12, GTIN-13 or GTIN-14; raise GS1Error."""
    _validate_key(value, GTIN_LENGTHS, "GTIN")


def is_valid_gtin(value: str) -> bool:
    """True for a GTIN-8/12/13/14 with a correct check digit."""
    return len(value) in GTIN_LENGTHS and has_valid_check_digit(value)


def normalize_gtin(value: str) -> str:
    """Return the GTIN-14 form of a GTIN-8/12/13/14 (left-padded with zeros); raise GS1Error."""
    validate_gtin(value)
    return value.zfill(14)


def validate_gln(value: str) -> None:
    """Validate a 13-digit GLN; raise GS1Error."""
    _validate_key(value, (GLN_LENGTH,), "GLN")


def is_valid_gln(value: str) -> bool:
    """True for a 13-digit GLN with a correct check digit."""
    return len(value) == GLN_LENGTH and has_valid_check_digit(value)


def validate_sscc(value: str) -> None:
    """Validate an 18-digit SSCC; raise GS1Error."""
    _validate_key(value, (SSCC_LENGTH,), "SSCC")


def is_valid_sscc(value: str) -> bool:
    """True for an 18-digit SSCC with a correct check digit."""
    return len(value) == SSCC_LENGTH and has_valid_check_digit(value)


def validate_company_prefix(prefix: str) -> None:
    """Validate the shape of a GS1 Company Prefix (4 to 12 digits); raise GS1Error."""
    if not is_digits(prefix) or len(prefix) not in COMPANY_PREFIX_LENGTHS:
        raise GS1Error(f"A GS1 Company Prefix has 4 to 12 digits, got {prefix!r}.", COMPANY_PREFIX)


def _compose(company_prefix: str, reference: str, total: int, name: str) -> str:
    validate_company_prefix(company_prefix)
    if not is_digits(reference) or len(company_prefix) + len(reference) != total:
        raise GS1Error(
            f"The {name} reference must have {total - len(company_prefix)} digits after prefix {company_prefix}.",
            LENGTH,
        )
    return company_prefix + reference


def make_gtin(company_prefix: str, item_reference: str, *, indicator: str = "0") -> str:
    """GTIN-14 from a company prefix and an item reference (12 digits together) and an indicator."""
    if len(indicator) != 1 or not is_digits(indicator):
        raise GS1Error("The GTIN indicator is one digit.", CHARSET)
    body = indicator + _compose(company_prefix, item_reference, 12, "item")
    return body + gs1_check_digit(body)


def make_gln(company_prefix: str, location_reference: str) -> str:
    """GLN from a company prefix and a location reference (12 digits together)."""
    body = _compose(company_prefix, location_reference, 12, "location")
    return body + gs1_check_digit(body)


def make_sscc(company_prefix: str, serial_reference: str, *, extension_digit: str = "0") -> str:
    """SSCC from an extension digit, a company prefix and a serial reference (16 digits together)."""
    if len(extension_digit) != 1 or not is_digits(extension_digit):
        raise GS1Error("The SSCC extension digit is one digit.", CHARSET)
    body = extension_digit + _compose(company_prefix, serial_reference, 16, "serial")
    return body + gs1_check_digit(body)


def company_prefix_position(ai: str) -> int | None:
    """1-based position of the GS1 Company Prefix in values of `ai` (2 for GTIN and SSCC)."""
    definition = get_ai(ai)
    return definition.gcp_position if definition else None


def has_company_prefix(ai: str, value: str, company_prefix: str) -> bool:
    """True if the key `value` of `ai` was allocated from `company_prefix` (e.g. the city's pool)."""
    position = company_prefix_position(ai)
    return position is not None and value.startswith(company_prefix, position - 1)


def guess_company_prefix_length(ai: str, value: str) -> int | None:
    """GS1 Company Prefix length from GS1's published prefix-length table (via biip), or None.

    Only a hint: national GS1 organisations allocate lengths that the public table may not
    know yet; prefer the length recorded when the prefix was registered.
    """
    position = company_prefix_position(ai)
    if position is None:
        return None
    from biip.gs1_prefixes import GS1CompanyPrefix  # lazy: loads a compressed table on first use

    prefix = GS1CompanyPrefix.extract(value[position - 1 :])
    return len(prefix.value) if prefix is not None else None


__all__ = [
    "COMPANY_PREFIX_LENGTHS",
    "GLN_LENGTH",
    "GTIN_LENGTHS",
    "SSCC_LENGTH",
    "EpcUri",
    "canonical_epc",
    "company_prefix_position",
    "digital_link_to_epc_urn",
    "epc_from_digital_link",
    "epc_urn_to_digital_link",
    "gs1_check_digit",
    "guess_company_prefix_length",
    "has_company_prefix",
    "has_valid_check_digit",
    "is_absolute_uri",
    "is_gs1_uri",
    "is_valid_gln",
    "is_valid_gtin",
    "is_valid_sscc",
    "make_gln",
    "make_gtin",
    "make_sscc",
    "normalize_gtin",
    "parse_epc_urn",
    "parse_gs1_identifier",
    "validate_company_prefix",
    "validate_epc",
    "validate_epc_class",
    "validate_gln",
    "validate_gtin",
    "validate_location",
    "validate_party",
    "validate_sscc",
]
