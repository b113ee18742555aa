"""Content checks ("linters") named in the GS1 Barcode Syntax Dictionary, applied per component.

Each linter takes one component of an AI value and returns None, or an (error code, message)
pair. Reference: GS1 Barcode Syntax Tests, https://ref.gs1.org/tools/gs1-barcode-syntax-resource/.

Implemented exactly: csum, csumalpha, gcppos1, gcppos2, the date and time linters, zero,
nonzero, nozeroprefix, hasnondigit, yesno, winding, hyphen, pieceoftotal, posinseqslash,
latitude, longitude, iso5218, mediatype, importeridx, pcenc, iban (ISO 13616 mod-97).

Lenient (shape only, no code list; listed in LENIENT_LINTERS): iso3166, iso3166999,
iso3166alpha2, iso3166list, iso4217, packagetype, couponcode, couponposoffer. They would need
ISO/UN code lists that this package does not ship; a wrong country code is not a traceability
risk, a wrong check digit is. Unknown linter names are also accepted leniently.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from txng.gs1.checkdigit import has_valid_check_character_pair, has_valid_check_digit
from txng.gs1.errors import CHECK_DIGIT, COMPANY_PREFIX, DATE, FORMAT

LintResult = tuple[str, str] | None
Linter = Callable[[str], LintResult]

# GS1 Barcode Syntax Tests (lint_gcppos1): the shortest GS1 Company Prefix has four digits.
GCP_MIN_LENGTH: Final = 4
_DAYS_IN_MONTH: Final = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_HEX_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}")
_POS_IN_SEQ = re.compile(r"[1-9]/[1-9]")
_IMPORTER_INDEX = re.compile(r"[0-9A-Za-z_-]")


def _date(year: int, month: str, day: str, *, is_day_zero_allowed: bool) -> LintResult:
    mm, dd = int(month), int(day)
    if not 1 <= mm <= 12:
        return DATE, "The date contains an illegal month of the year."
    if dd == 0 and is_day_zero_allowed:
        return None  # GenSpecs §3.4 date AIs (11)-(17): DD = 00 when only year and month are known
    is_leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if not 1 <= dd <= _DAYS_IN_MONTH[mm - 1] or (mm == 2 and dd == 29 and not is_leap):
        return DATE, "The date contains an illegal day of the month."
    return None


def _yy_year(yy: str) -> int:
    # GenSpecs §7.12 resolves the century with a sliding window; only leap years matter here and
    # 20YY gives the right answer until the window reaches 2100 (from 2051 on).
    return 2000 + int(yy)


def lint_yymmd0(value: str) -> LintResult:
    return _date(_yy_year(value[0:2]), value[2:4], value[4:6], is_day_zero_allowed=True)


def lint_yymmdd(value: str) -> LintResult:
    return _date(_yy_year(value[0:2]), value[2:4], value[4:6], is_day_zero_allowed=False)


def lint_yyyymmdd(value: str) -> LintResult:
    return _date(int(value[0:4]), value[4:6], value[6:8], is_day_zero_allowed=False)


def lint_yyyymmd0(value: str) -> LintResult:
    return _date(int(value[0:4]), value[4:6], value[6:8], is_day_zero_allowed=True)


def lint_hh(value: str) -> LintResult:
    return None if int(value) <= 23 else (DATE, "The hour is illegal.")


def lint_mi(value: str) -> LintResult:
    return None if int(value) <= 59 else (DATE, "The minute is illegal.")


def lint_ss(value: str) -> LintResult:
    return None if int(value) <= 59 else (DATE, "The second is illegal.")


def lint_hhmi(value: str) -> LintResult:
    return lint_hh(value[0:2]) or lint_mi(value[2:4])


def lint_csum(value: str) -> LintResult:
    if has_valid_check_digit(value):
        return None
    return CHECK_DIGIT, "The numeric check digit is incorrect."


def lint_csumalpha(value: str) -> LintResult:
    if has_valid_check_character_pair(value):
        return None
    return CHECK_DIGIT, "The alphanumeric check character pair is incorrect."


def lint_gcppos1(value: str) -> LintResult:
    head = value[:GCP_MIN_LENGTH]
    if len(head) == GCP_MIN_LENGTH and head.isascii() and head.isdigit():
        return None
    return COMPANY_PREFIX, "The value does not start with a GS1 Company Prefix."


def lint_gcppos2(value: str) -> LintResult:
    return lint_gcppos1(value[1:])


def lint_zero(value: str) -> LintResult:
    return None if value == "0" else (FORMAT, "A zero is required.")


def lint_nonzero(value: str) -> LintResult:
    return None if value.strip("0") else (FORMAT, "A non-zero value is required.")


def lint_nozeroprefix(value: str) -> LintResult:
    if len(value) > 1 and value[0] == "0":
        return FORMAT, "A leading zero is not allowed."
    return None


def lint_hasnondigit(value: str) -> LintResult:
    return (FORMAT, "At least one non-digit is required.") if value.isdigit() else None


def lint_yesno(value: str) -> LintResult:
    return None if value in ("0", "1") else (FORMAT, "Only 0 (no) or 1 (yes) is allowed.")


def lint_winding(value: str) -> LintResult:
    return None if value in ("0", "1", "9") else (FORMAT, "The winding direction is illegal.")


def lint_hyphen(value: str) -> LintResult:
    return None if value == "-" else (FORMAT, "Only a hyphen is allowed.")


def lint_iso5218(value: str) -> LintResult:
    return None if value in ("0", "1", "2", "9") else (FORMAT, "Illegal ISO/IEC 5218 sex code.")


def lint_mediatype(value: str) -> LintResult:
    # AIDC media type (7241): 01-10 are assigned, 80-99 are for company-internal use.
    number = int(value)
    return None if 1 <= number <= 10 or 80 <= number <= 99 else (FORMAT, "Unknown media type.")


def lint_pieceoftotal(value: str) -> LintResult:
    piece, total = int(value[0:2]), int(value[2:4])
    if piece == 0 or total == 0 or piece > total:
        return FORMAT, "The piece number must be between 1 and the total count."
    return None


def lint_posinseqslash(value: str) -> LintResult:
    if _POS_IN_SEQ.fullmatch(value) and value[0] <= value[2]:
        return None
    return FORMAT, "The position in the sequence is illegal."


def lint_latitude(value: str) -> LintResult:
    return None if int(value) <= 1_800_000_000 else (FORMAT, "The latitude is out of range.")


def lint_longitude(value: str) -> LintResult:
    return None if int(value) <= 3_600_000_000 else (FORMAT, "The longitude is out of range.")


def lint_importeridx(value: str) -> LintResult:
    return None if _IMPORTER_INDEX.fullmatch(value) else (FORMAT, "Illegal importer index.")


def lint_pcenc(value: str) -> LintResult:
    return (FORMAT, "Invalid percent-encoding.") if _HEX_ESCAPE.search(value) else None


def lint_iban(value: str) -> LintResult:
    # ISO 13616: move the first four characters to the end, letters to 10..35, mod 97 == 1.
    if not _IBAN.fullmatch(value):
        return FORMAT, "The IBAN is malformed."
    rearranged = value[4:] + value[:4]
    number = int("".join(str(int(c, 36)) for c in rearranged))
    return None if number % 97 == 1 else (CHECK_DIGIT, "The IBAN check digits are incorrect.")


def _lenient(value: str) -> LintResult:
    return None


LENIENT_LINTERS: Final = frozenset(
    {
        "iso3166",
        "iso3166999",
        "iso3166alpha2",
        "iso3166list",
        "iso4217",
        "packagetype",
        "couponcode",
        "couponposoffer",
    }
)

_EXACT_LINTERS: Final[dict[str, Linter]] = {
    "csum": lint_csum,
    "csumalpha": lint_csumalpha,
    "gcppos1": lint_gcppos1,
    "gcppos2": lint_gcppos2,
    "yymmd0": lint_yymmd0,
    "yymmdd": lint_yymmdd,
    "yyyymmdd": lint_yyyymmdd,
    "yyyymmd0": lint_yyyymmd0,
    "hh": lint_hh,
    "mi": lint_mi,
    "ss": lint_ss,
    "hhmi": lint_hhmi,
    "hhmm": lint_hhmi,
    "zero": lint_zero,
    "nonzero": lint_nonzero,
    "nozeroprefix": lint_nozeroprefix,
    "hasnondigit": lint_hasnondigit,
    "yesno": lint_yesno,
    "winding": lint_winding,
    "hyphen": lint_hyphen,
    "iso5218": lint_iso5218,
    "mediatype": lint_mediatype,
    "pieceoftotal": lint_pieceoftotal,
    "posinseqslash": lint_posinseqslash,
    "latitude": lint_latitude,
    "longitude": lint_longitude,
    "importeridx": lint_importeridx,
    "pcenc": lint_pcenc,
    "iban": lint_iban,
}
LINTERS: Final[dict[str, Linter]] = {**_EXACT_LINTERS, **dict.fromkeys(LENIENT_LINTERS, _lenient)}


def get_linter(name: str) -> Linter:
    """Return the linter for a dictionary name; unknown names are lenient (always pass)."""
    return LINTERS.get(name, _lenient)
