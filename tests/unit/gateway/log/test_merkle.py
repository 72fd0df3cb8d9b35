"""RFC 9162 §2.1 Merkle hashing and proofs: property tests against an independent naive MTH."""

import base64
import hashlib
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.log.errors import InvalidProofError, ProofLengthError, TreeSizeError
from gateway.log.merkle import (
    EMPTY_ROOT,
    MemoryTree,
    append_leaves,
    consistency_proof,
    frontier_nodes,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_frontier,
    verify_consistency,
    verify_inclusion,
)

MAX_SIZE = 3000
PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _entry(i: int) -> bytes:
    return f"entry-{i}".encode()


@cache
def naive_mth(start: int, end: int) -> bytes:
    """MTH(D[start:end]) straight from the RFC 9162 §2.1.1 definition, written independently."""
    n = end - start
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + _entry(start)).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(
        b"\x01" + naive_mth(start, start + k) + naive_mth(start + k, end)
    ).digest()


@pytest.fixture(scope="module")
def tree():
    t = MemoryTree()
    for i in range(MAX_SIZE):
        t.append(leaf_hash(_entry(i)))
    return t


def _flip(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[(bit // 8) % len(out)] ^= 1 << (bit % 8)
    return bytes(out)


def _incl_trace(index, size, length):
    """The hashing decisions RFC 9162 §2.1.3.2 makes for (index, size): equal traces hash alike."""
    if not 0 <= index < size:
        return None
    fn, sn, out = index, size - 1, []
    for _ in range(length):
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            out.append("L")
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            out.append("R")
        fn >>= 1
        sn >>= 1
    return tuple(out) if sn == 0 else None


def _cons_trace(size1, size2, length):
    if not 0 < size1 < size2:
        return None
    prepend = size1 & (size1 - 1) == 0
    fn, sn, out = size1 - 1, size2 - 1, [prepend]
    while fn & 1:
        fn >>= 1
        sn >>= 1
    for _ in range(length + prepend - 1):
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            out.append("both")
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            out.append("second")
        fn >>= 1
        sn >>= 1
    return tuple(out) if sn == 0 else None


# -- roots ----------------------------------------------------------------------------------------


def test_empty_tree_root_is_sha256_of_nothing(tree):
    assert tree.root(0) == EMPTY_ROOT == hashlib.sha256(b"").digest()


def test_leaf_and_node_hashes_are_domain_separated():
    left, right = b"a" * 32, b"b" * 32
    assert leaf_hash(left + right) != node_hash(left, right)
    assert node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()


@given(size=st.integers(0, MAX_SIZE))
@PROPS
def test_root_matches_naive_mth_for_every_size(tree, size):
    assert tree.root(size) == naive_mth(0, size)


@pytest.mark.parametrize(
    "size", [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 255, 256, 257, 1023, 1024, 1025]
)
def test_root_at_powers_of_two_and_neighbours(tree, size):
    assert tree.root(size) == naive_mth(0, size)


def test_root_beyond_the_tree_is_refused():
    t = MemoryTree()
    t.append(leaf_hash(b"x"))
    with pytest.raises(TreeSizeError):
        t.root(2)


# -- inclusion ------------------------------------------------------------------------------------


@given(data=st.data())
@PROPS
def test_every_inclusion_proof_verifies_and_every_bit_flip_fails(tree, data):
    size = data.draw(st.integers(1, MAX_SIZE), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    root = naive_mth(0, size)
    leaf = leaf_hash(_entry(index))
    proof = inclusion_proof(index, size, tree)
    verify_inclusion(leaf, index, size, proof, root)

    bit = data.draw(st.integers(0, 255), label="bit")
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1), label="at")
        bad = [*proof[:at], _flip(proof[at], bit), *proof[at + 1 :]]
        with pytest.raises(InvalidProofError):
            verify_inclusion(leaf, index, size, bad, root)
    with pytest.raises(InvalidProofError):
        verify_inclusion(_flip(leaf, bit), index, size, proof, root)
    with pytest.raises(InvalidProofError):
        verify_inclusion(leaf, index, size, proof, _flip(root, bit))

    # A flipped bit in the index or size fails unless RFC 9162's walk hashes exactly as before;
    # then the tree root (signed together with its size in a checkpoint) is what binds the size.
    pos = data.draw(st.integers(0, 12), label="pos")
    expected = _incl_trace(index, size, len(proof))
    for bad_index, bad_size in ((index ^ (1 << pos), size), (index, size ^ (1 << pos))):
        same_walk = _incl_trace(bad_index, bad_size, len(proof)) == expected
        try:
            verify_inclusion(leaf, bad_index, bad_size, proof, root)
            accepted = True
        except InvalidProofError:
            accepted = False
        assert accepted == same_walk, (bad_index, bad_size)
        if bad_index != index:
            assert not accepted


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 32, 33])
def test_inclusion_at_powers_of_two_and_neighbours(tree, size):
    root = naive_mth(0, size)
    for index in range(size):
        verify_inclusion(
            leaf_hash(_entry(index)), index, size, inclusion_proof(index, size, tree), root
        )


def test_single_leaf_tree_has_empty_inclusion_proof(tree):
    assert inclusion_proof(0, 1, tree) == []
    verify_inclusion(leaf_hash(_entry(0)), 0, 1, [], naive_mth(0, 1))


@pytest.mark.parametrize(("index", "size"), [(0, 0), (1, 1), (5, 5), (-1, 4)])
def test_inclusion_of_index_outside_the_tree_is_refused(index, size):
    with pytest.raises(InvalidProofError):
        verify_inclusion(b"\x00" * 32, index, size, [], b"\x00" * 32)


def test_inclusion_proof_generation_outside_the_tree_is_refused(tree):
    with pytest.raises(TreeSizeError):
        inclusion_proof(8, 8, tree)


@pytest.mark.parametrize("size", [2, 7, 8, 9, 1000])
def test_inclusion_proof_of_wrong_length_is_refused_before_hashing(tree, size, monkeypatch):
    index = size // 3
    proof = inclusion_proof(index, size, tree)
    root = naive_mth(0, size)
    leaf = leaf_hash(_entry(index))

    def no_hashing(*_args):
        raise AssertionError("hashed a proof of the wrong length")

    monkeypatch.setattr("gateway.log.merkle.node_hash", no_hashing)
    for bad in ([*proof, proof[0]], proof[:-1], [b"\x00" * 32, *proof], []):
        with pytest.raises(ProofLengthError):
            verify_inclusion(leaf, index, size, bad, root)


def test_inclusion_proof_with_short_hash_is_refused(tree):
    proof = inclusion_proof(3, 8, tree)
    with pytest.raises(InvalidProofError):
        verify_inclusion(leaf_hash(_entry(3)), 3, 8, [proof[0][:31], *proof[1:]], naive_mth(0, 8))


# -- consistency ----------------------------------------------------------------------------------


@given(data=st.data())
@PROPS
def test_every_consistency_proof_verifies_and_every_bit_flip_fails(tree, data):
    size2 = data.draw(st.integers(2, MAX_SIZE), label="size2")
    size1 = data.draw(st.integers(1, size2 - 1), label="size1")
    root1, root2 = naive_mth(0, size1), naive_mth(0, size2)
    proof = consistency_proof(size1, size2, tree)
    verify_consistency(size1, size2, proof, root1, root2)

    bit = data.draw(st.integers(0, 255), label="bit")
    at = data.draw(st.integers(0, len(proof) - 1), label="at")
    bad = [*proof[:at], _flip(proof[at], bit), *proof[at + 1 :]]
    with pytest.raises(InvalidProofError):
        verify_consistency(size1, size2, bad, root1, root2)
    with pytest.raises(InvalidProofError):
        verify_consistency(size1, size2, proof, _flip(root1, bit), root2)
    with pytest.raises(InvalidProofError):
        verify_consistency(size1, size2, proof, root1, _flip(root2, bit))

    pos = data.draw(st.integers(0, 12), label="pos")
    expected = _cons_trace(size1, size2, len(proof))
    for bad1, bad2 in ((size1 ^ (1 << pos), size2), (size1, size2 ^ (1 << pos))):
        same_walk = _cons_trace(bad1, bad2, len(proof)) == expected
        try:
            verify_consistency(bad1, bad2, proof, root1, root2)
            accepted = True
        except InvalidProofError:
            accepted = False
        assert accepted == same_walk, (bad1, bad2)


@pytest.mark.parametrize("size2", [2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 63, 64, 65])
def test_consistency_at_powers_of_two_and_neighbours(tree, size2):
    for size1 in range(1, size2):
        proof = consistency_proof(size1, size2, tree)
        verify_consistency(size1, size2, proof, naive_mth(0, size1), naive_mth(0, size2))


def test_consistency_of_equal_sizes_needs_empty_proof_and_equal_roots(tree):
    root = naive_mth(0, 8)
    assert consistency_proof(8, 8, tree) == []
    verify_consistency(8, 8, [], root, root)
    with pytest.raises(ProofLengthError):
        verify_consistency(8, 8, [root], root, root)
    with pytest.raises(InvalidProofError):
        verify_consistency(8, 8, [], root, naive_mth(0, 7))


def test_consistency_where_second_tree_is_smaller_is_refused():
    with pytest.raises(InvalidProofError):
        verify_consistency(8, 7, [b"\x00" * 32], naive_mth(0, 8), naive_mth(0, 7))


def test_consistency_from_the_empty_tree_is_refused():
    with pytest.raises(InvalidProofError):
        verify_consistency(0, 5, [], EMPTY_ROOT, naive_mth(0, 5))


def test_empty_consistency_proof_is_refused():
    with pytest.raises(ProofLengthError):
        verify_consistency(3, 5, [], naive_mth(0, 3), naive_mth(0, 5))


@pytest.mark.parametrize(("size1", "size2"), [(1, 2), (4, 8), (3, 8), (7, 9), (1000, 2999)])
def test_consistency_proof_of_wrong_length_is_refused_before_hashing(
    tree, size1, size2, monkeypatch
):
    proof = consistency_proof(size1, size2, tree)
    root1, root2 = naive_mth(0, size1), naive_mth(0, size2)

    def no_hashing(*_args):
        raise AssertionError("hashed a proof of the wrong length")

    monkeypatch.setattr("gateway.log.merkle.node_hash", no_hashing)
    # Categories of transparency-dev's mutations: truncated, extended, preceding garbage.
    for bad in (proof[:-1], [*proof, proof[-1]], [b"\x00" * 32, *proof]):
        with pytest.raises(ProofLengthError):
            verify_consistency(size1, size2, bad, root1, root2)


def test_consistency_generation_rejects_impossible_sizes(tree):
    for size1, size2 in ((0, 4), (5, 4), (-1, 3)):
        with pytest.raises(TreeSizeError):
            consistency_proof(size1, size2, tree)


# -- append ---------------------------------------------------------------------------------------


@given(size=st.integers(0, 600), extra=st.integers(1, 40))
@settings(max_examples=40, deadline=None)
def test_batch_append_stores_nodes_equal_to_one_by_one_append(tree, size, extra):
    frontier = tree.node_hashes(frontier_nodes(size))
    assert root_from_frontier(frontier) == naive_mth(0, size)
    result = append_leaves(
        size, frontier, [leaf_hash(_entry(i)) for i in range(size, size + extra)]
    )
    assert result.size == size + extra
    for node, h in result.nodes:
        assert tree.node_hashes([node]) == [h]
    assert root_from_frontier(result.frontier) == naive_mth(0, size + extra)
    # Exactly the leaves plus each parent completed: leaves + (new full subtrees at level >= 1).
    want = sum(((size + extra) >> lvl) - (size >> lvl) for lvl in range(13))
    assert len(result.nodes) == want


def test_append_with_wrong_frontier_is_refused():
    with pytest.raises(TreeSizeError):
        append_leaves(3, [b"\x00" * 32], [leaf_hash(b"x")])


# -- published vectors ----------------------------------------------------------------------------

# The eight reference leaves of certificate-transparency's merkle_tree_test.cc (also used by
# transparency-dev/merkle testdata), and the roots MTH(D[0:n]) published there for n = 1..8.
CT_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    bytes(range(0x60, 0x70)),
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# transparency-dev/merkle testdata/consistency/1/happy-path.json (size1 = 1, size2 = 8).
TD_CONSISTENCY_1_8 = [
    "lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=",
    "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
    "a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ=",
]


@pytest.fixture(scope="module")
def ct_tree():
    t = MemoryTree()
    for leaf in CT_LEAVES:
        t.append(leaf_hash(leaf))
    return t


def test_roots_match_the_published_certificate_transparency_vectors(ct_tree):
    assert [ct_tree.root(n).hex() for n in range(1, 9)] == CT_ROOTS


def test_consistency_proof_matches_the_transparency_dev_vector(ct_tree):
    proof = [base64.b64decode(h) for h in TD_CONSISTENCY_1_8]
    assert consistency_proof(1, 8, ct_tree) == proof
    root1, root8 = bytes.fromhex(CT_ROOTS[0]), bytes.fromhex(CT_ROOTS[7])
    verify_consistency(1, 8, proof, root1, root8)
    # The same path is leaf 0's audit path in the tree of 8 (RFC 9162 §2.1.3).
    assert inclusion_proof(0, 8, ct_tree) == proof
    verify_inclusion(leaf_hash(CT_LEAVES[0]), 0, 8, proof, root8)
    # transparency-dev's negative categories on the same vector.
    for bad in (
        [],  # empty-proof
        [proof[0][:16] + bytes([proof[0][16] ^ 0x10]) + proof[0][17:], *proof[1:]],  # bit 4
        [b"\x00" * 32, *proof],  # preceding-garbage
        [proof[0], *proof],  # preceding-proof[0]
        proof[:-1],  # truncated
    ):
        with pytest.raises(InvalidProofError):
            verify_consistency(1, 8, bad, root1, root8)


@pytest.mark.parametrize("size", [0, 1, 2, 1024])
def test_consistency_of_a_tree_with_itself_at_edge_sizes(tree, size):
    root = tree.root(size)
    verify_consistency(size, size, [], root, root)
    with pytest.raises(ProofLengthError):
        verify_consistency(size, size, [root], root, root)
    with pytest.raises(InvalidProofError):
        verify_consistency(size, size, [], root, leaf_hash(b"another tree"))


def test_consistency_from_one_leaf_to_two_is_the_second_leaf(tree):
    # RFC 9162 §2.1.4.1: PROOF(1, D[2]) = [MTH(D[1:2])]; size 1 is a power of two (step 2 prepends).
    proof = consistency_proof(1, 2, tree)
    assert proof == [leaf_hash(_entry(1))]
    verify_consistency(1, 2, proof, naive_mth(0, 1), naive_mth(0, 2))


@pytest.mark.parametrize("size", [2**62, 2**63 - 1])
def test_verifiers_handle_huge_claimed_sizes_without_crashing(size):
    # A hostile receipt may claim any size: the length check refuses it before any work.
    with pytest.raises(ProofLengthError):
        verify_inclusion(b"\x00" * 32, size - 1, size, [b"\x00" * 32], b"\x00" * 32)
    with pytest.raises(ProofLengthError):
        verify_consistency(size - 5, size, [b"\x00" * 32], b"\x00" * 32, b"\x00" * 32)
