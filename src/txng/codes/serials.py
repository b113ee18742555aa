"""Stamp serials and PINs derived from a per-batch secret; the secret itself is stored encrypted.

serial (AI 21) = Crockford base-32 of  batch_id ‖ index (20 bits) ‖ MAC (40 bits),
  MAC = first 40 bits of HMAC-SHA256(batch secret, "S" ‖ batch_id ‖ index).
PIN (scratch-off layer) = HMAC-SHA256(batch secret, "P" ‖ batch_id ‖ index) mod 10^8, 8 digits.

A serial names its batch and position in clear, so checking one needs the batch row and nothing per stamp;
without the batch secret a valid serial cannot be made except by guessing 40 bits (1 in 10^12 per try).
The alphabet (digits and upper-case letters without I, L, O, U) is a subset of GS1 CSET 82, so every
serial is a valid AI (21) value of at most 20 characters.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
from dataclasses import dataclass
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAC_BITS: Final = 40
INDEX_BITS: Final = 20
BATCH_BITS: Final = 40  # 40 + 20 + 40 = 100 bits = 20 base-32 characters, the AI (21) maximum
MAX_BATCH_SIZE: Final = 1 << INDEX_BITS  # 1,048,576 stamps per batch
MAX_BATCH_ID: Final = (1 << BATCH_BITS) - 1
SERIAL_MAX_LENGTH: Final = 20
PIN_DIGITS: Final = 8

_STANDARD = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_CROCKFORD = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TO_CROCKFORD = bytes.maketrans(_STANDARD, _CROCKFORD)
_FROM_CROCKFORD = bytes.maketrans(_CROCKFORD, _STANDARD)
_ALPHABET = frozenset(_CROCKFORD.decode())
_MAC_MASK = (1 << MAC_BITS) - 1
_INDEX_MASK = (1 << INDEX_BITS) - 1
_SECRET_AAD = b"txng.codes.stamp-batch-secret"
_KDF_INFO = b"txng.codes.stamp-batch-key.v1"


def _encode(number: int) -> str:
    # 15 bytes = 120 bits = 24 base-32 characters with no padding; leading zeros are dropped.
    text = base64.b32encode(number.to_bytes(15, "big")).translate(_TO_CROCKFORD).lstrip(b"0")
    return text.decode() or "0"


def _decode(text: str) -> int | None:
    if not 1 <= len(text) <= SERIAL_MAX_LENGTH or text[0] == "0" or not _ALPHABET.issuperset(text):
        return None
    raw = text.rjust(24, "0").encode().translate(_FROM_CROCKFORD)
    return int.from_bytes(base64.b32decode(raw), "big")


def _mac(secret: bytes, batch_id: int, index: int) -> int:
    digest = hmac.digest(secret, b"S" + batch_id.to_bytes(8, "big") + index.to_bytes(4, "big"), "sha256")
    return int.from_bytes(digest[:5], "big")


def serial_for(secret: bytes, batch_id: int, index: int) -> str:
    """The serial (AI 21) of stamp `index` (0-based) of a batch."""
    if not 0 <= index < MAX_BATCH_SIZE or not 0 < batch_id <= MAX_BATCH_ID:
        raise ValueError("batch id or stamp index out of range")
    return _encode((batch_id << (INDEX_BITS + MAC_BITS)) | (index << MAC_BITS) | _mac(secret, batch_id, index))


def serials_for(secret: bytes, batch_id: int, start: int, stop: int) -> list[str]:
    """Serials of stamps start..stop-1 (the fast path for printing and benchmarks)."""
    if not 0 <= start <= stop <= MAX_BATCH_SIZE or not 0 < batch_id <= MAX_BATCH_ID:
        raise ValueError("batch id or stamp index out of range")
    prefix = b"S" + batch_id.to_bytes(8, "big")
    high = batch_id << (INDEX_BITS + MAC_BITS)
    # HMAC-SHA256 with its inner and outer key states computed once (RFC 2104 §2): the same MACs as
    # hmac.digest, about twice as fast for a million stamps.
    padded = secret.ljust(64, b"\0") if len(secret) <= 64 else hashlib.sha256(secret).digest().ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))
    from_bytes = int.from_bytes
    blocks = bytearray()
    for index in range(start, stop):
        inner_hash = inner.copy()
        inner_hash.update(prefix + index.to_bytes(4, "big"))
        outer_hash = outer.copy()
        outer_hash.update(inner_hash.digest())
        mac = from_bytes(outer_hash.digest()[:5], "big")
        blocks += (high | (index << MAC_BITS) | mac).to_bytes(15, "big")
    text = base64.b32encode(bytes(blocks)).translate(_TO_CROCKFORD).decode()
    return [text[at : at + 24].lstrip("0") or "0" for at in range(0, len(text), 24)]


@dataclass(frozen=True, slots=True)
class SerialParts:
    batch_id: int
    index: int
    mac: int


def serial_parts(serial: str) -> SerialParts | None:
    """Batch id, index and MAC carried by a serial, or None if it cannot be one of ours."""
    number = _decode(serial)
    if number is None:
        return None
    batch_id = number >> (INDEX_BITS + MAC_BITS)
    if not 0 < batch_id <= MAX_BATCH_ID:
        return None
    return SerialParts(batch_id, (number >> MAC_BITS) & _INDEX_MASK, number & _MAC_MASK)


def serial_is_authentic(secret: bytes, parts: SerialParts) -> bool:
    """True if the MAC in the serial is the one the batch secret gives (constant-time compare)."""
    expected = _mac(secret, parts.batch_id, parts.index)
    return hmac.compare_digest(expected.to_bytes(5, "big"), parts.mac.to_bytes(5, "big"))


def pin_for(secret: bytes, batch_id: int, index: int) -> str:
    """The scratch-off PIN of a stamp (8 digits)."""
    digest = hmac.digest(secret, b"P" + batch_id.to_bytes(8, "big") + index.to_bytes(4, "big"), "sha256")
    return f"{int.from_bytes(digest[:8], 'big') % 10**PIN_DIGITS:0{PIN_DIGITS}d}"


def pin_matches(secret: bytes, batch_id: int, index: int, pin: str) -> bool:
    candidate = "".join(ch for ch in pin if ch.isdigit())
    return hmac.compare_digest(pin_for(secret, batch_id, index).encode(), candidate.encode())


# ------------------------------------------------------------------------------------ secret storage


def _master_key() -> bytes:
    from django.conf import settings

    return (getattr(settings, "STAMP_KEY", "") or settings.SECRET_KEY).encode()


@functools.lru_cache(maxsize=8)
def _aead(master: bytes) -> AESGCM:
    # A dedicated key derived from the master secret, so SECRET_KEY itself never encrypts data.
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KDF_INFO).derive(master)
    return AESGCM(key)


def new_secret() -> bytes:
    return os.urandom(32)


def encrypt_secret(secret: bytes) -> str:
    nonce = os.urandom(12)
    return base64.b64encode(nonce + _aead(_master_key()).encrypt(nonce, secret, _SECRET_AAD)).decode()


class SecretUnavailable(Exception):
    """The batch secret cannot be decrypted (the stamp key changed without re-encryption)."""


def decrypt_secret(stored: str) -> bytes:
    return _decrypt(_master_key(), stored)


@functools.lru_cache(maxsize=4096)
def _decrypt(master: bytes, stored: str) -> bytes:
    # Cached: the resolver checks the same hot batches over and over; the result is immutable.
    raw = base64.b64decode(stored)
    try:
        return _aead(master).decrypt(raw[:12], raw[12:], _SECRET_AAD)
    except InvalidTag as error:
        raise SecretUnavailable("the stamp batch secret cannot be decrypted with the configured key") from error


def key_fingerprint() -> str:
    """Short public fingerprint of the active stamp key (to tell keys apart in logs, never the key)."""
    return hashlib.sha256(b"fingerprint" + _master_key()).hexdigest()[:12]
