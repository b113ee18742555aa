"""The RFC 9162 Merkle tree (§2.1) over stored complete subtrees: append, roots and proof plans.

Every complete subtree — a node covering leaves [index·2^level, (index+1)·2^level) — is hashed once,
when its last leaf is appended, and never changes. Any root, inclusion proof or consistency proof of any
tree size is then a fold of at most ~2·log2(n) such nodes, so a proof is one keyed read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

from txng.ledger.verify_standalone import leaf_hash, node_hash

EMPTY_ROOT = hashlib.sha256(b"").digest()  # RFC 9162 §2.1.1: MTH({}) = HASH()
INDEX_BITS = 40  # 2^40 leaves per level: more than a city, or a country, will ever log

NodeKey = tuple[int, int]  # (level, index within the level)


def node_id(level: int, index: int) -> int:
    """The primary key of a stored complete subtree."""
    return (level << INDEX_BITS) | index


def _split(size: int) -> int:
    """RFC 9162 §2.1.1: the largest power of two smaller than `size` (size > 1)."""
    return 1 << ((size - 1).bit_length() - 1)


def complete_subtrees(start: int, end: int) -> list[NodeKey]:
    """The complete subtrees that cover leaves [start, end), left to right (largest first)."""
    keys: list[NodeKey] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start:
            level = min(level, (start & -start).bit_length() - 1)
        keys.append((level, start >> level))
        start += 1 << level
    return keys


def fold(hashes: Sequence[bytes]) -> bytes:
    """The hash of a range from its complete subtrees' hashes (left to right): folded from the right."""
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def inclusion_plan(index: int, size: int) -> list[list[NodeKey]]:
    """RFC 9162 §2.1.3.1 PATH(m, D[n]) as the complete subtrees each proof hash folds."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    plan: list[list[NodeKey]] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            plan.append(complete_subtrees(start + k, end))
            end = start + k
        else:
            plan.append(complete_subtrees(start, start + k))
            start += k
    plan.reverse()  # the path lists siblings from the leaf up
    return plan


def consistency_plan(first: int, second: int) -> list[list[NodeKey]]:
    """RFC 9162 §2.1.4.1 PROOF(m, D[n]) as the complete subtrees each proof hash folds."""
    if not 0 <= first <= second:
        raise ValueError(f"sizes {first} and {second} are not in order")
    if first in (0, second):
        return []
    plan: list[list[NodeKey]] = []
    start, end, m, is_original = 0, second, first, True
    while True:
        n = end - start
        if m == n:
            if not is_original:
                plan.append(complete_subtrees(start, end))
            break
        k = _split(n)
        if m <= k:
            plan.append(complete_subtrees(start + k, end))
            end = start + k
        else:
            plan.append(complete_subtrees(start, start + k))
            start += k
            m -= k
            is_original = False
    plan.reverse()
    return plan


def plan_keys(plan: Iterable[Iterable[NodeKey]]) -> set[NodeKey]:
    """Every node a plan reads."""
    return {key for element in plan for key in element}


def plan_hashes(plan: Sequence[Sequence[NodeKey]], nodes: Mapping[NodeKey, bytes]) -> list[bytes]:
    """The proof hashes of a plan, given its nodes."""
    return [fold([nodes[key] for key in element]) for element in plan]


class CompactRange:
    """The right edge of a tree (its complete subtrees' roots): enough to append leaves and give the root."""

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        self.keys = complete_subtrees(0, size)
        if len(hashes) != len(self.keys):
            raise ValueError(f"a tree of size {size} has {len(self.keys)} edge nodes, not {len(hashes)}")
        self.size = size
        self.hashes = list(hashes)

    def append(self, leaf: bytes) -> list[tuple[int, bytes]]:
        """Append a leaf hash; returns the new complete subtrees as (node id, hash), the leaf first."""
        index = self.size
        self.size += 1
        level, hash_ = 0, leaf
        created = [(node_id(0, index), leaf)]
        while self.keys and self.keys[-1][0] == level:
            self.keys.pop()
            hash_ = node_hash(self.hashes.pop(), hash_)
            level += 1
            index >>= 1
            created.append((node_id(level, index), hash_))
        self.keys.append((level, index))
        self.hashes.append(hash_)
        return created

    def root(self) -> bytes:
        """MTH of the whole tree."""
        return fold(self.hashes)


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.1 MTH(D[n]) of leaf *data*, straight from the definition (a reference for tests)."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = _split(len(leaves))
    return node_hash(merkle_root(leaves[:k]), merkle_root(leaves[k:]))


def tree_levels(leaf_hashes: list[bytes]) -> list[list[bytes]]:
    """All complete subtrees of a tree, level by level (level 0: the leaf hashes)."""
    levels = [leaf_hashes]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])
    return levels


def root_from_levels(levels: Sequence[Sequence[bytes]], size: int) -> bytes:
    """The root of the first `size` leaves, from `tree_levels`."""
    return fold([levels[level][index] for level, index in complete_subtrees(0, size)])
