"""The Merkle log against the RFC 6962 reference test data.

Vectors: transparency-dev/merkle (the successor of google/certificate-transparency's Go code),
testonly/constants.go (LeafInputs, RootHashes, NodeHashes) and proof/verify_test.go (inclusionProofs,
consistencyProofs; their leaf numbers are 1-based there, 0-based indexes here).
https://github.com/transparency-dev/merkle
"""

from __future__ import annotations

import pytest

from txng.ledger.merkle import (
    EMPTY_ROOT,
    CompactRange,
    NodeKey,
    consistency_plan,
    inclusion_plan,
    merkle_root,
    plan_hashes,
    root_from_levels,
    tree_levels,
)
from txng.ledger.verify_standalone import (
    VerificationError,
    leaf_hash,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [
    bytes.fromhex(h)
    for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
]
ROOTS = {
    0: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
# (0-based leaf index, tree size, proof)
INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (0, 1, []),
]  # fmt: skip
CONSISTENCY = [
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (1, 1, []),
]  # fmt: skip


def _stored_nodes() -> dict[NodeKey, bytes]:
    """Every complete subtree of the 8-leaf tree, as the append path creates and stores them."""
    tree = CompactRange()
    nodes: dict[NodeKey, bytes] = {}
    for data in LEAVES:
        for pk, hash_ in tree.append(leaf_hash(data)):
            nodes[(pk >> 40, pk & ((1 << 40) - 1))] = hash_
    return nodes


def _root(size: int) -> bytes:
    return bytes.fromhex(ROOTS[size])


@pytest.mark.parametrize("size", range(9))
def test_root_of_each_size_matches_the_reference(size: int) -> None:
    # given the first `size` reference leaves
    tree = CompactRange()
    for data in LEAVES[:size]:
        tree.append(leaf_hash(data))

    # when / then the appended tree, the recursive definition and the level view agree with the vector
    assert tree.root().hex() == ROOTS[size]
    assert merkle_root(LEAVES[:size]).hex() == ROOTS[size]
    assert root_from_levels(tree_levels([leaf_hash(d) for d in LEAVES]), size).hex() == ROOTS[size]


def test_the_empty_tree_root_is_the_hash_of_nothing() -> None:
    # given / when / then (RFC 9162 §2.1.1)
    assert CompactRange().root() == EMPTY_ROOT
    assert EMPTY_ROOT.hex() == ROOTS[0]


def test_stored_nodes_are_the_reference_node_hashes() -> None:
    # given the reference NodeHashes (testonly/constants.go), level by level
    expected = {
        (0, 1): "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        (1, 1): "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        (1, 3): "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        (2, 1): "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        (3, 0): "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    }

    # when
    nodes = _stored_nodes()

    # then 8 leaves + 4 + 2 + 1 complete subtrees, with the reference hashes
    assert len(nodes) == 15
    assert {key: nodes[key].hex() for key in expected} == expected


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_proof_matches_the_reference(index: int, size: int, proof: list[str]) -> None:
    # given the stored nodes of the 8-leaf tree
    nodes = _stored_nodes()

    # when
    hashes = plan_hashes(inclusion_plan(index, size), nodes)

    # then the proof is the vector's, and it verifies against the reference root
    assert [h.hex() for h in hashes] == proof
    verify_inclusion(index, size, leaf_hash(LEAVES[index]), hashes, _root(size))


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY)
def test_consistency_proof_matches_the_reference(first: int, second: int, proof: list[str]) -> None:
    # given the stored nodes of the 8-leaf tree
    nodes = _stored_nodes()

    # when
    hashes = plan_hashes(consistency_plan(first, second), nodes)

    # then
    assert [h.hex() for h in hashes] == proof
    verify_consistency(first, second, hashes, _root(first), _root(second))


def test_every_proof_of_every_small_tree_verifies() -> None:
    # given
    nodes = _stored_nodes()

    # when / then every leaf of every size, and every pair of sizes
    for size in range(1, 9):
        for index in range(size):
            hashes = plan_hashes(inclusion_plan(index, size), nodes)
            assert root_from_inclusion_proof(index, size, leaf_hash(LEAVES[index]), hashes) == _root(size)
        for first in range(size + 1):
            hashes = plan_hashes(consistency_plan(first, size), nodes)
            verify_consistency(first, size, hashes, _root(first), _root(size))


def _flipped(hashes: list[bytes], position: int) -> list[bytes]:
    changed = list(hashes)
    changed[position] = bytes([changed[position][0] ^ 8]) + changed[position][1:]
    return changed


def test_corrupted_inclusion_proofs_fail() -> None:
    # given the reference proof of leaf 5 in the 8-leaf tree
    index, size, proof = INCLUSION[1]
    hashes = [bytes.fromhex(h) for h in proof]
    leaf = leaf_hash(LEAVES[index])
    probes = [
        (index - 1, size, leaf, hashes, _root(size)),
        (index + 1, size, leaf, hashes, _root(size)),
        (index, size * 2, leaf, hashes, _root(size)),
        (index, size // 2, leaf, hashes, _root(size)),
        (index, size, leaf_hash(b"wrong leaf"), hashes, _root(size)),
        (index, size, leaf, hashes, EMPTY_ROOT),
        (index, size, leaf, [*hashes, _root(size)], _root(size)),
        (index, size, leaf, [_root(size), *hashes], _root(size)),
        (index, size, leaf, hashes[:-1], _root(size)),
        *((index, size, leaf, _flipped(hashes, i), _root(size)) for i in range(len(hashes))),
    ]

    # when / then (the probes of proof/verify_test.go's corruptInclusionProof)
    for probe in probes:
        with pytest.raises(VerificationError):
            verify_inclusion(*probe)


def test_corrupted_consistency_proofs_fail() -> None:
    # given the reference proof between sizes 6 and 8
    first, second, proof = CONSISTENCY[1]
    hashes = [bytes.fromhex(h) for h in proof]
    root1, root2 = _root(first), _root(second)
    probes = [
        (first - 1, second, hashes, root1, root2),
        (first + 1, second, hashes, root1, root2),
        (first, second * 2, hashes, root1, root2),
        (first, second, hashes, root2, root1),
        (first, second, hashes, _root(5), root2),
        (first, second, [], root1, root2),
        (first, second, [*hashes, root1], root1, root2),
        (first, second, [root2, *hashes], root1, root2),
        (first, second, hashes[:-1], root1, root2),
        (second, first, hashes, root2, root1),
        *((first, second, _flipped(hashes, i), root1, root2) for i in range(len(hashes))),
    ]

    # when / then (the probes of proof/verify_test.go's corruptConsistencyProof)
    for probe in probes:
        with pytest.raises(VerificationError):
            verify_consistency(*probe)
