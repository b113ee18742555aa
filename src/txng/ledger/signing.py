"""The log's Ed25519 key and C2SP signed notes (https://c2sp.org/signed-note)."""

from __future__ import annotations

import base64
import functools
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings

from txng.ledger.verify_standalone import ED25519_ALGORITHM, SIGNATURE_DASH, key_hash, verifier_key

_PRIVATE_PREFIX = "PRIVATE+KEY+"


@dataclass(frozen=True)
class NoteSigner:
    """An Ed25519 signed-note signer: its name and key."""

    name: str
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> bytes:
        return self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def verifier_key(self) -> str:
        """The public verifier key text ("name+hash+base64"), as clients configure it."""
        return verifier_key(self.name, self.public_key)

    def sign(self, text: str) -> str:
        """A signed note: the text (ending in a newline), a blank line and our signature line."""
        if not text.endswith("\n"):
            raise ValueError("a note's text ends with a newline")
        signature = self.private_key.sign(text.encode("utf-8"))
        blob = base64.b64encode(key_hash(self.name, self.public_key) + signature).decode()
        return f"{text}\n{SIGNATURE_DASH}{self.name} {blob}\n"


def signer_key_text(name: str, private_key: Ed25519PrivateKey) -> str:
    """The signed-note private key text "PRIVATE+KEY+name+hash+base64(0x01 || seed)" (Go's note format)."""
    seed = private_key.private_bytes_raw()
    public = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    encoded = base64.b64encode(ED25519_ALGORITHM + seed).decode()
    return f"{_PRIVATE_PREFIX}{name}+{key_hash(name, public).hex()}+{encoded}"


def parse_signer_key(text: str) -> NoteSigner:
    """Read a signed-note private key text; its key hash must match."""
    text = text.strip()
    if not text.startswith(_PRIVATE_PREFIX):
        raise ValueError("not a signed-note private key")
    name, hash_hex, encoded = text[len(_PRIVATE_PREFIX) :].split("+", 2)
    raw = base64.b64decode(encoded, validate=True)
    if len(raw) != 33 or raw[:1] != ED25519_ALGORITHM:
        raise ValueError("not an Ed25519 signed-note key")
    signer = NoteSigner(name, Ed25519PrivateKey.from_private_bytes(raw[1:]))
    if key_hash(name, signer.public_key).hex() != hash_hex:
        raise ValueError("the key hash does not match the key")
    return signer


@functools.lru_cache(maxsize=4)
def _load(path: Path, name: str) -> NoteSigner:
    if not path.exists():
        # Embedded default: one key per data directory, created once (like SECRET_KEY); O_EXCL so two
        # processes starting together cannot each write their own.
        text = signer_key_text(name, Ed25519PrivateKey.generate()) + "\n"
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(text)
    return parse_signer_key(path.read_text(encoding="utf-8"))


def log_signer() -> NoteSigner:
    """The ledger's signer (settings.LEDGER_KEY_FILE, generated with the origin as its name when missing)."""
    return _load(Path(settings.LEDGER_KEY_FILE), settings.LEDGER_ORIGIN)
