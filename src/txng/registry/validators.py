"""Validation of Vietnamese and GS1 identifiers used by the registry, with messages for people."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from txng.core.errors import ServiceError
from txng.gs1 import identifiers
from txng.gs1.errors import GS1Error

_TAX_CODE_RE = re.compile(r"^(\d{10})(?:-(\d{3}))?$|^(\d{12})$")
# Weights of the tax-code check digit (Circular 105/2020/TT-BTC, Annex: cấu trúc mã số thuế).
_TAX_CODE_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def tax_code_check_digit(first_nine: str) -> int | None:
    """The 10th digit of a tax code, or None when no digit can be valid (remainder gives 10)."""
    digit = 10 - sum(int(d) * w for d, w in zip(first_nine, _TAX_CODE_WEIGHTS, strict=True)) % 11
    return digit if digit < 10 else None


def validate_tax_code(value: str) -> str:
    """Return the normalised tax code (MST) or raise ServiceError naming the problem.

    Accepted: 10 digits (enterprise), 10 digits + "-" + 3 digits (dependent unit, Circular 105/2020),
    and since 2025 the 12-digit personal identification number used as the tax code of individuals and
    household businesses (Circular 86/2024/TT-BTC), which has no check digit.
    """
    code = value.strip().replace(" ", "")
    match = _TAX_CODE_RE.match(code)
    if not match:
        raise ServiceError(
            _("Tax code must have 10 digits, 10 digits followed by -NNN, or 12 digits."),
            code="tax-code-format",
            field="tax_code",
        )
    ten = match.group(1)
    if ten is None:
        return code
    if match.group(2) == "000":
        raise ServiceError(_("Branch number -000 is not allowed."), code="tax-code-format", field="tax_code")
    expected = tax_code_check_digit(ten[:9])
    if expected is None or int(ten[9]) != expected:
        raise ServiceError(
            _("Tax code %(code)s has a wrong check digit.") % {"code": code},
            code="tax-code-check-digit",
            field="tax_code",
        )
    return code


_KEY_MESSAGES = {
    "charset": gettext_noop("%(key)s has only digits."),
    "empty": gettext_noop("%(key)s is required."),
    "length": gettext_noop("%(key)s %(value)s has the wrong number of digits."),
    "check-digit": gettext_noop("%(key)s %(value)s has a wrong check digit."),
}


def _gs1_key(value: str, field: str, key: str, check: Callable[[str], None]) -> str:
    try:
        check(value)
    except GS1Error as error:
        template = _KEY_MESSAGES.get(error.code, gettext_noop("%(key)s %(value)s is not valid."))
        raise ServiceError(
            _(template) % {"key": key, "value": value},
            code=f"{key.lower()}-{_CODE_NAMES.get(error.code, error.code)}",
            field=field,
        ) from error
    return value


_CODE_NAMES = {"charset": "format", "empty": "format"}


def validate_gtin(value: str, field: str = "gtin") -> str:
    """Return the GTIN-14 for a GTIN-8/12/13/14 (zero-padded, GS1 General Specifications §3.3.2)."""
    return _gs1_key(value.strip(), field, "GTIN", identifiers.validate_gtin).zfill(14)


def validate_gln(value: str, field: str = "gln") -> str:
    """Return a 13-digit GLN with a correct check digit, or raise ServiceError."""
    return _gs1_key(value.strip(), field, "GLN", identifiers.validate_gln)


def validate_company_prefix(value: str) -> str:
    prefix = value.strip()
    if not re.fullmatch(r"\d{6,12}", prefix):
        raise ServiceError(
            _("A GS1 company prefix has 6 to 12 digits."), code="prefix-format", field="gs1_company_prefix"
        )
    return prefix
