"""Following a peer's log (gateway.federation.follow): every attack a peer can make on a puller's
view of its log is refused with the evidence, and an honest log is followed page by page."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.federation.follow import (
    PeerPosition,
    accept_checkpoint,
    origin_receipt,
    verify_page,
)
from gateway.federation.misbehaviour import MalformedPageError, UnprovenPageError, evidence_of
from gateway.log.checkpoint import Checkpoint, NoteKey, sign_checkpoint
from gateway.log.errors import (
    CheckpointOriginError,
    CheckpointSignatureError,
    RollbackError,
    SplitViewError,
)
from gateway.log.leaves import ServedLeaf
from gateway.log.merkle import (
    MemoryTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    verify_inclusion,
)

ORIGIN = "cfx.sichuan.provincial/log"
KEY = Ed25519PrivateKey.from_private_bytes(b"\x05" * 32)
NOTE_KEY = NoteKey(ORIGIN, KEY.public_key())


class Log:
    """An honest peer log in memory: entries, tree, signed notes and proofs."""

    def __init__(self, n: int, salt: bytes = b"") -> None:
        self.entries: list[bytes] = []
        self.tree = MemoryTree()
        self.grow(n, salt)

    def grow(self, n: int, salt: bytes = b"") -> None:
        for _ in range(n):
            entry = salt + b"entry %d" % len(self.entries)
            self.entries.append(entry)
            self.tree.append(leaf_hash(entry))

    def note(self, size: int | None = None, key: Ed25519PrivateKey = KEY) -> str:
        size = self.tree.size if size is None else size
        return sign_checkpoint(Checkpoint(ORIGIN, size, self.tree.root(size)), key, ORIGIN)

    def leaves(self, start: int, end: int) -> list[ServedLeaf]:
        return [ServedLeaf.of_entry(i, self.entries[i]) for i in range(start, end)]

    def page_proof(self, end: int, size: int | None = None) -> list[bytes]:
        size = self.tree.size if size is None else size
        return consistency_proof(end, size, self.tree) if end < size else []

    def head_proof(self, position: PeerPosition) -> list[bytes]:
        head = position.head
        if head is None or head.size in (0, self.tree.size):
            return []
        return consistency_proof(head.size, self.tree.size, self.tree)


def _follow(log: Log, position: PeerPosition, page: int = 4) -> PeerPosition:
    position = accept_checkpoint(position, log.note(), NOTE_KEY, log.head_proof(position))
    while position.behind:
        start = position.size
        end = min(start + page, log.tree.size)
        verified = verify_page(position, log.leaves(start, end), log.page_proof(end))
        assert [leaf.index for leaf in verified.leaves] == list(range(start, end))
        position = verified.position
    return position


def test_an_honest_log_is_followed_page_by_page_across_rounds() -> None:
    log = Log(11)
    position = _follow(log, PeerPosition(ORIGIN))
    assert (position.size, position.behind) == (11, 0)
    log.grow(6)
    position = _follow(log, position, page=5)
    assert position.size == 17
    assert position.head is not None
    assert position.head.root_hash == log.tree.root()


def test_a_checkpoint_signed_by_another_key_is_refused() -> None:
    forger = Ed25519PrivateKey.from_private_bytes(b"\x06" * 32)
    with pytest.raises(CheckpointSignatureError):
        accept_checkpoint(PeerPosition(ORIGIN), Log(3).note(key=forger), NOTE_KEY, [])


def test_a_checkpoint_of_another_log_is_refused() -> None:
    with pytest.raises(CheckpointOriginError):
        accept_checkpoint(PeerPosition("cfx.other.national/log"), Log(3).note(), NOTE_KEY, [])


def test_a_rollback_to_a_smaller_tree_is_refused_with_both_notes() -> None:
    log = Log(8)
    position = _follow(log, PeerPosition(ORIGIN))
    with pytest.raises(RollbackError) as caught:
        accept_checkpoint(position, log.note(5), NOTE_KEY, [])
    evidence = evidence_of(caught.value)
    assert evidence["previous_checkpoint"] == log.note(8)
    assert evidence["presented_checkpoint"] == log.note(5)


def test_a_split_view_same_size_other_root_is_refused() -> None:
    position = _follow(Log(8), PeerPosition(ORIGIN))
    with pytest.raises(SplitViewError):
        accept_checkpoint(position, Log(8, salt=b"fork ").note(), NOTE_KEY, [])


def test_a_forked_log_whose_growth_is_not_consistent_is_refused() -> None:
    honest = Log(8)
    position = _follow(honest, PeerPosition(ORIGIN))
    forked = Log(5)
    forked.grow(7, salt=b"rewritten ")
    # The best the forger has: a proof in its own (rewritten) tree.
    with pytest.raises(SplitViewError) as caught:
        accept_checkpoint(position, forked.note(), NOTE_KEY, consistency_proof(8, 12, forked.tree))
    assert not isinstance(caught.value, RollbackError)


def test_a_leaf_swapped_in_a_page_is_refused_and_the_position_stays() -> None:
    log = Log(10)
    position = accept_checkpoint(PeerPosition(ORIGIN), log.note(), NOTE_KEY, [])
    leaves = log.leaves(0, 4)
    leaves[2] = ServedLeaf.of_entry(2, b"an entry the peer never signed")
    with pytest.raises(UnprovenPageError) as caught:
        verify_page(position, leaves, log.page_proof(4))
    assert caught.value.evidence["checkpoint"] == log.note()
    assert position.size == 0


def test_a_hidden_leaf_served_with_a_wrong_hash_is_refused() -> None:
    log = Log(6)
    position = accept_checkpoint(PeerPosition(ORIGIN), log.note(), NOTE_KEY, [])
    leaves = log.leaves(0, 6)
    leaves[3] = ServedLeaf(3, leaf_hash(b"not the hidden entry"))
    with pytest.raises(UnprovenPageError):
        verify_page(position, leaves, [])


def test_hidden_leaves_served_as_their_hashes_verify() -> None:
    log = Log(6)
    position = accept_checkpoint(PeerPosition(ORIGIN), log.note(), NOTE_KEY, [])
    leaves = [
        leaf if leaf.index % 2 else ServedLeaf(leaf.index, leaf.leaf_hash)
        for leaf in log.leaves(0, 6)
    ]
    assert verify_page(position, leaves, []).position.size == 6


def test_a_leaf_dropped_from_a_page_is_refused() -> None:
    log = Log(10)
    position = accept_checkpoint(PeerPosition(ORIGIN), log.note(), NOTE_KEY, [])
    leaves = log.leaves(0, 5)
    del leaves[1]
    with pytest.raises(MalformedPageError):
        verify_page(position, leaves, log.page_proof(4))


def test_a_page_beyond_the_checkpoint_is_refused() -> None:
    log = Log(6)
    position = accept_checkpoint(PeerPosition(ORIGIN), log.note(4), NOTE_KEY, [])
    with pytest.raises(MalformedPageError):
        verify_page(position, log.leaves(0, 6), [])


def test_an_empty_page_before_the_head_is_refused() -> None:
    log = Log(6)
    position = accept_checkpoint(PeerPosition(ORIGIN), log.note(), NOTE_KEY, [])
    with pytest.raises(MalformedPageError):
        verify_page(position, [], [])


def test_a_page_with_a_forged_consistency_proof_is_refused() -> None:
    log = Log(10)
    position = accept_checkpoint(PeerPosition(ORIGIN), log.note(), NOTE_KEY, [])
    proof = log.page_proof(4)
    proof[0] = bytes(32)
    with pytest.raises(UnprovenPageError):
        verify_page(position, log.leaves(0, 4), proof)


def test_a_page_without_an_accepted_checkpoint_is_refused() -> None:
    with pytest.raises(MalformedPageError):
        verify_page(PeerPosition(ORIGIN), Log(2).leaves(0, 2), [])


def test_the_origin_receipt_proves_the_entry_in_the_signed_tree() -> None:
    log = Log(9)
    position = accept_checkpoint(PeerPosition(ORIGIN), log.note(), NOTE_KEY, [])
    assert position.head is not None
    leaf = log.leaves(4, 5)[0]
    receipt = origin_receipt(position.head, leaf, inclusion_proof(4, 9, log.tree))
    assert (receipt.log_index, receipt.tree_size, receipt.entry) == (4, 9, leaf.entry)
    assert receipt.checkpoint_note == log.note()
    verify_inclusion(leaf.leaf_hash, 4, 9, receipt.inclusion_proof, log.tree.root())


def test_an_origin_receipt_with_a_wrong_inclusion_proof_is_refused() -> None:
    log = Log(9)
    position = accept_checkpoint(PeerPosition(ORIGIN), log.note(), NOTE_KEY, [])
    assert position.head is not None
    with pytest.raises(UnprovenPageError):
        origin_receipt(position.head, log.leaves(4, 5)[0], inclusion_proof(3, 9, log.tree))
    with pytest.raises(MalformedPageError):
        origin_receipt(position.head, ServedLeaf(4, leaf_hash(b"x")), [])


def test_a_position_whose_frontier_does_not_fit_its_size_is_refused() -> None:
    with pytest.raises(ValueError, match="frontier"):
        PeerPosition(ORIGIN, 3, (bytes(32),))
    with pytest.raises(ValueError, match="head"):
        PeerPosition(ORIGIN, 1, (bytes(32),))
