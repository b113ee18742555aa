"""GS1 check digit (mod 10) and check character pair (mod 1021) algorithms."""

from __future__ import annotations

from typing import Final

from txng.gs1.errors import CHARSET, EMPTY, GS1Error

# GS1 General Specifications §7.9.1: weights 3,1,3,1… from the rightmost body digit.
_ZERO: Final = ord("0")

# GS1 General Specifications §7.9.5 (alphanumeric check character pair, used by GMN (8013) and
# MUDI (8014)): data characters are valued by their position in CSET 82, weighted by the primes
# counted from the right, summed modulo 1021 and split into two CSET 32 characters.
CSET82_ORDERED: Final = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
CSET32_ORDERED: Final = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_CSET82_VALUE: Final = {c: i for i, c in enumerate(CSET82_ORDERED)}
_PRIMES: Final = (
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
    101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193,
    197, 199, 211, 223, 227, 229, 233, 239, 241, 251, 257, 263, 269, 271, 277, 281, 283, 293, 307,
    311, 313, 317, 331, 337, 347, 349, 353, 359, 367, 373, 379, 383, 389, 397, 401, 409, 419, 421,
    431, 433, 439, 443, 449, 457, 461, 463, 467, 479, 487, 491, 499, 503, 509,
)  # fmt: skip


def is_digits(value: str) -> bool:
    """True if `value` is a non-empty string of ASCII digits only ("²".isdigit() is True)."""
    return value.isascii() and value.isdigit()


def _mod10(digits: str) -> int:
    # Sum of ASCII codes minus 48 per digit avoids int() per character: about 3x faster.
    raw = digits.encode("ascii")
    odd = raw[-1::-2]  # rightmost body digit and every second one to its left: weight 3
    even = raw[-2::-2]
    total = 3 * (sum(odd) - _ZERO * len(odd)) + sum(even) - _ZERO * len(even)
    return -total % 10


def gs1_check_digit(body: str) -> str:
    """Return the GS1 mod-10 check digit for a string of digits (the key without its check digit)."""
    if not body:
        raise GS1Error("Cannot compute a check digit of an empty value.", EMPTY)
    if not is_digits(body):
        raise GS1Error(f"Only digits 0-9 allowed, got {body!r}.", CHARSET)
    return chr(_ZERO + _mod10(body))


def has_valid_check_digit(digits: str) -> bool:
    """True if the last digit of an all-digit string is its GS1 mod-10 check digit."""
    if len(digits) < 2 or not is_digits(digits):
        return False
    return _mod10(digits[:-1]) == ord(digits[-1]) - _ZERO


def check_character_pair(body: str) -> str:
    """Return the two-character GS1 check character pair for a CSET 82 body (GMN, MUDI)."""
    if len(body) > len(_PRIMES):
        raise GS1Error("Value too long for a check character pair.", CHARSET)
    total = 0
    weight = len(body) - 1
    for char in body:
        value = _CSET82_VALUE.get(char)
        if value is None:
            raise GS1Error(f"Character {char!r} is not in CSET 82.", CHARSET)
        total += value * _PRIMES[weight]
        weight -= 1
    total %= 1021
    return CSET32_ORDERED[total >> 5] + CSET32_ORDERED[total & 31]


def has_valid_check_character_pair(value: str) -> bool:
    """True if the last two characters of `value` are the check character pair of the rest."""
    if len(value) < 2:
        return False
    try:
        return check_character_pair(value[:-2]) == value[-2:]
    except GS1Error:
        return False
