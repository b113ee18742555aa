"""Verify an OpenTXNG ledger proof anywhere: Python standard library and `cryptography` only, no Django.

Checks that an event (its Event Hash ID) is in the city's transparency log: the checkpoint's Ed25519
signature (C2SP signed-note), then the RFC 9162 inclusion proof of the leaf against the checkpoint's root.

    python verify_standalone.py --checkpoint cp.txt --key pub.txt --proof proof.json [--leaf VALUE]

cp.txt is GET /api/ledger/checkpoint, pub.txt is GET /api/ledger/key (a signed-note verifier key
"name+hash+base64", or the bare base64 Ed25519 public key), proof.json is
GET /api/ledger/proof/inclusion?event_id=...&tree_size=<the checkpoint's size>. Exit status 0 when verified.
The Django app imports the hashing and proof checks from here, so there is one implementation of them.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

# RFC 9162 §2.1.1: domain separation of leaves and interior nodes (second-preimage resistance).
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
# C2SP signed-note: signature algorithm byte of Ed25519 keys.
ED25519_ALGORITHM = b"\x01"
SIGNATURE_DASH = "\u2014 "  # "— " (EM DASH, space) starts every signature line


class VerificationError(Exception):
    """A proof, checkpoint or signature does not check out."""


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 §2.1.1: HASH(0x00 || leaf)."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1: HASH(0x01 || left || right)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def leaf_data(value: str) -> bytes:
    """The bytes a ledger leaf hashes: the UTF-8 of its value (an Event Hash ID or a `sha256:` digest)."""
    return value.encode("utf-8")


def root_from_inclusion_proof(leaf_index: int, tree_size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2: the root an inclusion proof leads to from a leaf hash."""
    if not 0 <= leaf_index < tree_size:
        raise VerificationError(f"leaf index {leaf_index} is outside a tree of size {tree_size}")
    if len(leaf) != 32 or any(len(p) != 32 for p in proof):
        raise VerificationError("hashes must be 32 bytes")
    fn, sn, r = leaf_index, tree_size - 1, leaf
    for p in proof:
        if sn == 0:
            raise VerificationError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError("inclusion proof is too short")
    return r


def verify_inclusion(leaf_index: int, tree_size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """Raise VerificationError unless `leaf` (a leaf hash) is at `leaf_index` of the tree with `root`."""
    if root_from_inclusion_proof(leaf_index, tree_size, leaf, proof) != root:
        raise VerificationError("inclusion proof does not lead to the checkpoint's root hash")


def verify_consistency(first: int, second: int, proof: Sequence[bytes], first_root: bytes, second_root: bytes) -> None:
    """RFC 9162 §2.1.4.2: raise VerificationError unless the tree of size `first` is a prefix of `second`'s."""
    if not 0 <= first <= second:
        raise VerificationError(f"sizes {first} and {second} are not in order")
    if any(len(p) != 32 for p in proof):
        raise VerificationError("hashes must be 32 bytes")
    if first == second:
        if proof or first_root != second_root:
            raise VerificationError("equal sizes need an empty proof and equal roots")
        return
    if first == 0:
        if proof:
            raise VerificationError("a proof from the empty tree must be empty")
        return
    if not proof:
        raise VerificationError("consistency proof is empty")
    path = list(proof)
    if first & (first - 1) == 0:  # an exact power of 2: the old root is itself a node of the new tree
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise VerificationError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError("consistency proof is too short")
    if fr != first_root:
        raise VerificationError(f"the tree of size {second} does not contain the tree of size {first}")
    if sr != second_root:
        raise VerificationError(f"consistency proof does not lead to the root of size {second}")


# --- C2SP signed-note and tlog-checkpoint ---------------------------------------------------------


def key_hash(name: str, public_key: bytes) -> bytes:
    """signed-note key ID: the first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key)."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519_ALGORITHM + public_key).digest()[:4]


def verifier_key(name: str, public_key: bytes) -> str:
    """The signed-note verifier key text: "<name>+<key hash, 8 hex>+<base64(0x01 || public key)>"."""
    encoded = base64.b64encode(ED25519_ALGORITHM + public_key).decode()
    return f"{name}+{key_hash(name, public_key).hex()}+{encoded}"


@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 note verifier: its name may be unknown when only the bare key was given."""

    name: str | None
    key: bytes


def parse_verifier_key(text: str) -> PublicKey:
    """Read a verifier key "name+hash+base64" or a bare base64 Ed25519 public key."""
    text = text.strip()
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error:
        raw = b""
    if len(raw) == 32:
        return PublicKey(None, raw)
    parts = text.split("+", 2)
    if len(parts) != 3 or len(parts[1]) != 8:
        raise VerificationError("malformed verifier key")
    name, hash_hex, encoded = parts
    try:
        raw = base64.b64decode(encoded, validate=True)
    except binascii.Error as error:
        raise VerificationError("malformed verifier key") from error
    if len(raw) != 33 or raw[:1] != ED25519_ALGORITHM:
        raise VerificationError("the verifier key is not an Ed25519 key")
    if key_hash(name, raw[1:]).hex() != hash_hex.lower():
        raise VerificationError("the verifier key's hash does not match its name and key")
    return PublicKey(name, raw[1:])


def open_note(note: str, key: PublicKey) -> str:
    """Check a signed note's signature by `key`; return the signed text (ending in a newline)."""
    text, separator, signatures = note.rpartition("\n\n")
    if not separator or not signatures.endswith("\n"):
        raise VerificationError("malformed signed note")
    text += "\n"
    public = Ed25519PublicKey.from_public_bytes(key.key)
    for line in signatures[:-1].split("\n"):
        if not line.startswith(SIGNATURE_DASH):
            raise VerificationError("malformed signature line")
        name, _, encoded = line[len(SIGNATURE_DASH) :].rpartition(" ")
        try:
            blob = base64.b64decode(encoded, validate=True)
        except binascii.Error as error:
            raise VerificationError("malformed signature") from error
        if len(blob) != 4 + 64 or blob[:4] != key_hash(name, key.key):
            continue  # another signer's line (e.g. a witness cosignature)
        if key.name is not None and name != key.name:
            continue
        try:
            public.verify(blob[4:], text.encode("utf-8"))
        except InvalidSignature as error:
            raise VerificationError("the checkpoint's signature is not valid") from error
        return text
    raise VerificationError("the note carries no signature by this key")


@dataclass(frozen=True)
class Checkpoint:
    """C2SP tlog-checkpoint body: origin, tree size, root hash, extension lines."""

    origin: str
    tree_size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def body(self) -> str:
        """The checkpoint text that is signed."""
        lines = [self.origin, str(self.tree_size), base64.b64encode(self.root_hash).decode(), *self.extensions]
        return "\n".join(lines) + "\n"


def parse_checkpoint(text: str) -> Checkpoint:
    """Read a checkpoint body (no signatures)."""
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "" or any(line == "" for line in lines[:-1]):
        raise VerificationError("malformed checkpoint")
    origin, size, root = lines[0], lines[1], lines[2]
    if not size.isdigit() or (size != "0" and size.startswith("0")):
        raise VerificationError("malformed checkpoint tree size")
    try:
        root_hash = base64.b64decode(root, validate=True)
    except binascii.Error as error:
        raise VerificationError("malformed checkpoint root hash") from error
    if len(root_hash) != 32:
        raise VerificationError("the checkpoint root hash is not 32 bytes")
    return Checkpoint(origin, int(size), root_hash, tuple(lines[3:-1]))


def open_checkpoint(note: str, key: PublicKey, *, origin: str | None = None) -> Checkpoint:
    """Verify a signed checkpoint and return it; `origin`, when given, must match."""
    checkpoint = parse_checkpoint(open_note(note, key))
    if origin is not None and checkpoint.origin != origin:
        raise VerificationError(f"the checkpoint is for {checkpoint.origin!r}, not {origin!r}")
    return checkpoint


def verify_proof_document(checkpoint: Checkpoint, proof: dict[str, object], *, leaf_value: str | None = None) -> int:
    """Check an inclusion proof document (GET /api/ledger/proof/inclusion) against a verified checkpoint.

    Returns the leaf index. `leaf_value`, when given, must be the proof's leaf value (the Event Hash ID
    the client computed or read from the event itself).
    """
    value = proof.get("leaf_value")
    index = proof.get("leaf_index")
    size = proof.get("tree_size")
    hashes = proof.get("hashes")
    if not isinstance(value, str) or not isinstance(index, int) or not isinstance(size, int):
        raise VerificationError("the proof lacks leaf_value, leaf_index or tree_size")
    if not isinstance(hashes, list) or not all(isinstance(h, str) for h in hashes):
        raise VerificationError("the proof's hashes must be a list of base64 strings")
    if leaf_value is not None and value != leaf_value:
        raise VerificationError(f"the proof is for leaf {value!r}, not {leaf_value!r}")
    if size != checkpoint.tree_size:
        raise VerificationError(f"the proof is for tree size {size}, the checkpoint has {checkpoint.tree_size}")
    try:
        path = [base64.b64decode(h, validate=True) for h in hashes]
    except binascii.Error as error:
        raise VerificationError("malformed proof hash") from error
    verify_inclusion(index, size, leaf_hash(leaf_data(value)), path, checkpoint.root_hash)
    return index


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: verify a checkpoint's signature and an inclusion proof against it."""
    parser = argparse.ArgumentParser(description="Verify an OpenTXNG ledger inclusion proof.")
    parser.add_argument("--checkpoint", required=True, help="signed checkpoint file (GET /api/ledger/checkpoint)")
    parser.add_argument("--key", required=True, help="public key file (GET /api/ledger/key)")
    parser.add_argument("--proof", required=True, help="inclusion proof JSON (GET /api/ledger/proof/inclusion)")
    parser.add_argument("--leaf", help="expected leaf value, e.g. the event's hash ID ni:///sha-256;...")
    parser.add_argument("--origin", help="expected checkpoint origin, e.g. txng.cantho.gov.vn/ledger")
    args = parser.parse_args(argv)
    try:
        with open(args.key, encoding="utf-8") as file:
            key = parse_verifier_key(file.read())
        with open(args.checkpoint, encoding="utf-8") as file:
            checkpoint = open_checkpoint(file.read(), key, origin=args.origin)
        with open(args.proof, encoding="utf-8") as file:
            proof = json.load(file)
        if not isinstance(proof, dict):
            raise VerificationError("the proof file is not a JSON object")
        index = verify_proof_document(checkpoint, proof, leaf_value=args.leaf)
    except (OSError, ValueError, VerificationError) as error:
        print(f"NOT VERIFIED: {error}", file=sys.stderr)
        return 1
    print(
        f"verified: leaf {index} ({proof['leaf_value']}) is in {checkpoint.origin} at checkpoint {checkpoint.tree_size}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
