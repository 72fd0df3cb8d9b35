"""RFC 9162 Merkle tree hashing, proof generation and proof verification. Pure: no I/O.

Trees are addressed by perfect aligned subtrees: node `(level, index)` is the root of the subtree
over leaves `[index * 2**level, (index + 1) * 2**level)`; level 0 nodes are leaf hashes. A log
stores those nodes as it grows (`append_leaves` says which), so any root or proof needs only
O(log n) node lookups, fetched in one batch through a `NodeSource`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from gateway.log.errors import InvalidProofError, ProofLengthError, TreeSizeError

HASH_SIZE = 32

# RFC 9162 §2.1.1: domain separation between leaves and interior nodes.
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

#: Root of the empty tree, MTH({}) = SHA-256() (RFC 9162 §2.1.1).
EMPTY_ROOT = hashlib.sha256(b"").digest()


class NodeId(NamedTuple):
    """Perfect aligned subtree: leaves `[idx << level, (idx + 1) << level)`.

    A tuple (not a dataclass) because proof generation hashes and compares many of them.
    """

    level: int
    idx: int


class NodeSource(Protocol):
    """Where proof generation reads stored subtree hashes from (a database, or memory)."""

    def node_hashes(self, nodes: Sequence[NodeId]) -> Sequence[bytes]:
        """Return the hash of each node, in order. Every node asked for lies within the tree."""
        ...


def leaf_hash(entry: bytes) -> bytes:
    """MTH({d0}) = SHA-256(0x00 || d0) (RFC 9162 §2.1.1)."""
    return hashlib.sha256(_LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || MTH(left) || MTH(right)) (RFC 9162 §2.1.1)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    """k of RFC 9162 §2.1.1: the largest power of two strictly smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_nodes(start: int, end: int) -> list[NodeId]:
    """Perfect aligned subtrees covering leaves [start, end), left to right, largest first.

    For a range that the RFC 9162 recursion produces (start aligned to a power of two at least as
    large as the range), folding these from the right gives MTH of the range.
    """
    size = end - start
    if size > 0 and size & (size - 1) == 0 and start & (size - 1) == 0:
        level = size.bit_length() - 1  # fast path: already one perfect aligned subtree
        return [NodeId(level, start >> level)]
    nodes: list[NodeId] = []
    while start < end:
        size = end - start
        level = size.bit_length() - 1
        if start:
            level = min(level, (start & -start).bit_length() - 1)
        nodes.append(NodeId(level, start >> level))
        start += 1 << level
    return nodes


def _fold(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from its perfect subtrees: the right edge folds first (RFC 9162 §2.1.1)."""
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def _ranges_hashes(source: NodeSource, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
    """MTH of each range, with all node lookups in one batch."""
    return _parts_hashes(source, [range_nodes(start, end) for start, end in ranges])


def _parts_hashes(source: NodeSource, parts: Sequence[Sequence[NodeId]]) -> list[bytes]:
    """Fold each list of perfect subtrees into one hash, with all node lookups in one batch."""
    wanted = list(dict.fromkeys(node for nodes in parts for node in nodes))
    found = dict(zip(wanted, source.node_hashes(wanted), strict=True))
    return [
        found[nodes[0]] if len(nodes) == 1 else _fold([found[n] for n in nodes]) for nodes in parts
    ]


def root_hash(size: int, source: NodeSource) -> bytes:
    """MTH of the first `size` leaves (RFC 9162 §2.1.1)."""
    if size < 0:
        raise TreeSizeError(f"tree size {size} is negative")
    if size == 0:
        return EMPTY_ROOT
    return _ranges_hashes(source, [(0, size)])[0]


def inclusion_path_nodes(index: int, size: int) -> list[list[NodeId]]:
    """The audit path PATH(m, D[n]) of RFC 9162 §2.1.3.1, leaf first, as perfect subtrees.

    Unrolling the recursion bottom-up: below `inner` (the level where the leaf's path and the
    right edge of the tree join) each element is the sibling subtree, complete except the one at
    level inner - 1, which is MTH(D[k:n]) over the ragged right part; above, each set bit of the
    index adds its left sibling. Each element is the list of subtrees to fold into it.
    """
    if not 0 <= index < size:
        raise TreeSizeError(f"leaf index {index} is not below tree size {size}")
    inner = (index ^ (size - 1)).bit_length()
    parts = [[NodeId(level, (index >> level) ^ 1)] for level in range(inner - 1)]
    if inner:
        level = inner - 1
        parts.append(range_nodes(((index >> level) | 1) << level, size))
    parts.extend(
        [NodeId(level, (index >> level) ^ 1)]
        for level in range(inner, size.bit_length())
        if (index >> level) & 1
    )
    return parts


def consistency_path_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """Leaf ranges whose MTHs form PROOF(m, D[n]), RFC 9162 §2.1.4.1.

    Sizes 0 < m <= n; m == n gives the empty proof.
    """
    if not 0 < size1 <= size2:
        raise TreeSizeError(f"no consistency proof from size {size1} to size {size2}")
    ranges: list[tuple[int, int]] = []
    start, end, m, complete = 0, size2, size1, True
    while True:
        n = end - start
        if m == n:  # SUBPROOF(m, D[m], b): {} if b else {MTH(D[m])}
            if not complete:
                ranges.append((start, end))
            break
        k = _largest_power_of_two_below(n)
        if m <= k:  # SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
            ranges.append((start + k, end))
            end = start + k
        else:  # SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
            ranges.append((start, start + k))
            start += k
            m -= k
            complete = False
    ranges.reverse()
    return ranges


def inclusion_proof(index: int, size: int, source: NodeSource) -> list[bytes]:
    """The audit path of leaf `index` in the tree of `size` leaves (RFC 9162 §2.1.3.1)."""
    return _parts_hashes(source, inclusion_path_nodes(index, size))


def consistency_proof(size1: int, size2: int, source: NodeSource) -> list[bytes]:
    """The consistency proof between trees of `size1` and `size2` leaves (RFC 9162 §2.1.4.1)."""
    return _ranges_hashes(source, consistency_path_ranges(size1, size2))


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise InvalidProofError(f"{what} is {len(value)} bytes, want {HASH_SIZE}")


def inclusion_proof_length(index: int, size: int) -> int:
    """Number of hashes in the audit path of `index` in a tree of `size` (0 <= index < size).

    Inner part: levels below where the leaf's path and the right edge split; border part: the
    perfect subtrees on the path from there to the root (the ones above set bits of the index).
    """
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    return inner + border


def consistency_proof_length(size1: int, size2: int) -> int:
    """Number of hashes in the consistency proof between sizes 0 < size1 < size2."""
    inner = ((size1 - 1) ^ (size2 - 1)).bit_length()
    border = ((size1 - 1) >> inner).bit_count()
    shift = (size1 & -size1).bit_length() - 1  # trailing zeros of size1
    seed = 0 if size1 == 1 << shift else 1  # the proof starts with MTH of the 2^shift subtree
    return inner - shift + border + seed


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that `leaf` (a leaf hash) is leaf `index` of the tree of `size` with `root`.

    RFC 9162 §2.1.3.2, step by step. Raises `InvalidProofError` (or its `ProofLengthError`) and
    returns nothing on success. The proof length is checked before any hashing.
    """
    # Step 1: leaf_index >= tree_size fails.
    if not 0 <= index < size:
        raise InvalidProofError(f"leaf index {index} is not below tree size {size}")
    _check_hash(leaf, "leaf hash")
    _check_hash(root, "root hash")
    want = inclusion_proof_length(index, size)
    if len(proof) != want:
        raise ProofLengthError(f"inclusion proof has {len(proof)} hashes, want {want}")
    for i, p in enumerate(proof):
        _check_hash(p, f"proof[{i}]")
    # Steps 2-3.
    fn, sn, r = index, size - 1, leaf
    # Step 4.
    for p in proof:
        if sn == 0:  # 4a
            raise InvalidProofError("inclusion proof is longer than the path")
        if fn & 1 or fn == sn:  # 4b
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1  # 4c
        sn >>= 1
    # Step 5.
    if sn != 0 or r != root:
        raise InvalidProofError("inclusion proof does not lead to the root hash")


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that the tree of `size2` with `root2` extends the tree of `size1` with `root1`.

    RFC 9162 §2.1.4.2, with the edge cases made explicit: `size2 < size1` fails; equal sizes need
    an empty proof and equal roots; a proof from the empty tree is refused (nothing to prove);
    otherwise an empty proof fails. The proof length is checked before any hashing.
    """
    _check_hash(root1, "first root hash")
    _check_hash(root2, "second root hash")
    if size1 < 0 or size2 < size1:
        raise InvalidProofError(f"second size {size2} is smaller than first size {size1}")
    if size1 == size2:
        if proof:
            raise ProofLengthError("sizes are equal but the consistency proof is not empty")
        if root1 != root2:
            raise InvalidProofError("equal sizes with different root hashes")
        return
    if size1 == 0:
        raise InvalidProofError("a consistency proof from the empty tree proves nothing")
    # Step 1: an empty path fails.
    if not proof:
        raise ProofLengthError("consistency proof is empty")
    want = consistency_proof_length(size1, size2)
    if len(proof) != want:
        raise ProofLengthError(f"consistency proof has {len(proof)} hashes, want {want}")
    for i, p in enumerate(proof):
        _check_hash(p, f"proof[{i}]")
    _walk_consistency(size1, size2, list(proof), root1, root2)


def _walk_consistency(
    size1: int, size2: int, path: list[bytes], root1: bytes, root2: bytes
) -> None:
    """RFC 9162 §2.1.4.2 steps 2-7 on a proof whose sizes and length are already checked."""
    # Step 2: if first is an exact power of 2, prepend first_hash.
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    # Steps 3-4.
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # Step 5.
    fr = sr = path[0]
    # Step 6.
    for c in path[1:]:
        if sn == 0:  # 6a
            raise InvalidProofError("consistency proof is longer than the path")
        if fn & 1 or fn == sn:  # 6b
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1  # 6c
        sn >>= 1
    # Step 7.
    if sn != 0 or fr != root1 or sr != root2:
        raise InvalidProofError("consistency proof does not connect the two root hashes")


@dataclass(frozen=True, slots=True)
class AppendResult:
    """What appending leaves produced: nodes to store, and the new right edge (frontier)."""

    size: int
    nodes: list[tuple[NodeId, bytes]]
    frontier: list[bytes]


def frontier_nodes(size: int) -> list[NodeId]:
    """The perfect subtrees that make up a tree of `size` leaves, left to right (its right edge)."""
    return range_nodes(0, size)


def append_leaves(size: int, frontier: Sequence[bytes], leaves: Iterable[bytes]) -> AppendResult:
    """Append leaf hashes to a tree of `size` whose right edge is `frontier`.

    Returns every node that becomes complete (level 0 for each leaf, plus the parents each leaf
    closes), so a store that keeps all of them can answer any later proof with O(log n) lookups.
    """
    if len(frontier) != size.bit_count():
        raise TreeSizeError(f"frontier of {len(frontier)} nodes does not fit tree size {size}")
    edge = list(frontier)
    nodes: list[tuple[NodeId, bytes]] = []
    for leaf in leaves:
        _check_hash(leaf, "leaf hash")
        h, level, index = leaf, 0, size
        nodes.append((NodeId(0, index), h))
        # Each trailing one bit of `size` is a left sibling on the edge that this leaf completes.
        while (size >> level) & 1:
            h = node_hash(edge.pop(), h)
            level += 1
            index >>= 1
            nodes.append((NodeId(level, index), h))
        edge.append(h)
        size += 1
    return AppendResult(size=size, nodes=nodes, frontier=edge)


def root_from_frontier(frontier: Sequence[bytes]) -> bytes:
    """MTH of a tree given its right edge (the `frontier_nodes` hashes)."""
    return _fold(frontier) if frontier else EMPTY_ROOT


class MemoryTree:
    """An in-memory log keeping every node: for tests, baselines and small tools."""

    def __init__(self) -> None:
        self._nodes: dict[NodeId, bytes] = {}
        self._frontier: list[bytes] = []
        self._size = 0

    @property
    def size(self) -> int:
        """The number of leaves appended."""
        return self._size

    def append(self, leaf: bytes) -> int:
        """Append one leaf hash; return its index."""
        result = append_leaves(self._size, self._frontier, [leaf])
        self._nodes.update(result.nodes)
        self._frontier = result.frontier
        self._size = result.size
        return result.size - 1

    def node_hashes(self, nodes: Sequence[NodeId]) -> list[bytes]:
        """The stored hashes of `nodes`, in order (the NodeSource interface)."""
        return [self._nodes[node] for node in nodes]

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first `size` leaves (RFC 9162 §2.1.1); the whole tree by default."""
        size = self._size if size is None else size
        if size > self._size:
            raise TreeSizeError(f"tree size {size} is beyond the log size {self._size}")
        return root_hash(size, self)
