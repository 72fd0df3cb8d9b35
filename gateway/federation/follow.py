"""Following a peer's log: the pure checks of sync (issue 12), in python-tuf's style (no I/O).

A node keeps, per peer, a `PeerPosition`: how many of the peer's leaves it verified (`size`), the
right edge of that tree (`frontier`, RFC 9162 §2.1.1 perfect subtrees) and the last signed
checkpoint it accepted (`head`). A round goes:

1. `accept_checkpoint`: the peer's new signed checkpoint, with a consistency proof from the head
   (RFC 9162 §2.1.4.2). A smaller size is a rollback, another root or a failing proof a split
   view: `gateway.log.errors.RollbackError` / `SplitViewError`, both notes kept as evidence.
2. `verify_page`, page after page: leaves [size, b) are appended to the frontier, which gives
   root(b); the page's consistency proof b -> N then proves root(b) a prefix of the signed root(N).
   So every leaf of the page (an entry, or a leaf hash where the peer may not show it) is the
   one the peer signed, and the frontier at b is again verified.
3. `origin_receipt`: each full entry's inclusion proof against the same checkpoint, kept so that
   anyone can later check that the peer's log holds what this node copied.

Only a new `PeerPosition` comes out; the caller stores it with the page's data, in one
transaction, so a crash never leaves data without its position or a position without its data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gateway.domain import PeerHead
from gateway.federation.misbehaviour import MalformedPageError, UnprovenPageError
from gateway.log.checkpoint import NoteKey, open_checkpoint
from gateway.log.errors import CheckpointOriginError, InvalidProofError
from gateway.log.leaves import ServedLeaf
from gateway.log.merkle import (
    HASH_SIZE,
    append_leaves,
    leaf_hash,
    root_from_frontier,
    verify_consistency,
    verify_inclusion,
)
from gateway.log.receipt import Receipt
from gateway.log.witness import advance_head


@dataclass(frozen=True, slots=True)
class PeerPosition:
    """How far this node verified one peer's log: leaves [0, size), their right edge, and the
    last checkpoint accepted (`head`, at least `size` leaves; None before the first round)."""

    origin: str
    size: int = 0
    frontier: tuple[bytes, ...] = ()
    head: PeerHead | None = None

    def __post_init__(self) -> None:
        if self.size < 0 or len(self.frontier) != self.size.bit_count():
            raise ValueError(f"a frontier of {len(self.frontier)} nodes for size {self.size}")
        if any(len(h) != HASH_SIZE for h in self.frontier):
            raise ValueError("frontier hashes are 32 bytes")
        head = self.head
        if (head is None and self.size) or (
            head is not None and (head.size < self.size or head.origin != self.origin)
        ):
            raise ValueError("the head must be of the same log and cover the verified leaves")

    @property
    def behind(self) -> int:
        """Leaves of the accepted head not verified yet."""
        return 0 if self.head is None else self.head.size - self.size


@dataclass(frozen=True, slots=True)
class VerifiedPage:
    """A page whose every leaf is proven part of the peer's signed tree, and the position after."""

    leaves: tuple[ServedLeaf, ...]
    position: PeerPosition


def accept_checkpoint(
    position: PeerPosition, note: str, key: NoteKey, proof: Sequence[bytes]
) -> PeerPosition:
    """`position` with `note` as its head, if the peer signed it and it extends the old head.

    `proof` is the consistency proof from the old head's size to the new one (empty on the first
    round or when the size did not change). Errors: checkpoint errors (signature, origin),
    `RollbackError`, `SplitViewError`, each with both notes.
    """
    checkpoint, _ = open_checkpoint(note, key)
    if checkpoint.origin != position.origin:
        raise CheckpointOriginError(
            f"checkpoint is for log {checkpoint.origin!r}, want {position.origin!r}"
        )
    advance_head(position.head, checkpoint, proof, presented_note=note)
    head = PeerHead(checkpoint.origin, checkpoint.size, checkpoint.root_hash, note)
    return PeerPosition(position.origin, position.size, position.frontier, head)


def verify_page(
    position: PeerPosition, leaves: Sequence[ServedLeaf], proof: Sequence[bytes]
) -> VerifiedPage:
    """Check that `leaves` are the peer's leaves [position.size, b) under its accepted head.

    `proof` is the consistency proof from b to the head's size (empty when b is the head's size).
    Errors: `MalformedPageError` (empty, out of order, beyond the head), `UnprovenPageError`.
    """
    head = position.head
    if head is None:
        raise MalformedPageError("no checkpoint accepted yet", evidence={})
    start = position.size
    if not leaves:
        raise MalformedPageError(
            f"an empty page at {start} of {head.size}", evidence=_page_evidence(head, start, start)
        )
    for offset, leaf in enumerate(leaves):
        if leaf.index != start + offset or leaf.index >= head.size:
            raise MalformedPageError(
                f"leaf {leaf.index} came where leaf {start + offset} of {head.size} was due",
                evidence=_page_evidence(head, start, start + len(leaves)),
            )
    grown = append_leaves(start, position.frontier, [leaf.leaf_hash for leaf in leaves])
    end = grown.size
    try:
        verify_consistency(
            end, head.size, proof, root_from_frontier(grown.frontier), head.root_hash
        )
    except InvalidProofError as exc:
        evidence = _page_evidence(head, start, end) | {
            "consistency_proof": ",".join(p.hex() for p in proof)
        }
        raise UnprovenPageError(
            f"{head.origin}: leaves [{start}, {end}) are not in its signed tree of "
            f"{head.size}: {exc}",
            evidence=evidence,
        ) from exc
    moved = PeerPosition(position.origin, end, tuple(grown.frontier), head)
    return VerifiedPage(tuple(leaves), moved)


def origin_receipt(head: PeerHead, leaf: ServedLeaf, proof: Sequence[bytes]) -> Receipt:
    """The receipt of a full entry in the peer's log at `head`, once its inclusion proof holds."""
    if leaf.entry is None:
        raise MalformedPageError(
            f"leaf {leaf.index} has no entry to prove", evidence={"index": str(leaf.index)}
        )
    try:
        verify_inclusion(leaf_hash(leaf.entry), leaf.index, head.size, proof, head.root_hash)
    except InvalidProofError as exc:
        raise UnprovenPageError(
            f"{head.origin}: entry {leaf.index} is not in its signed tree of {head.size}: {exc}",
            evidence={"checkpoint": head.note, "index": str(leaf.index), "entry": leaf.entry.hex()},
        ) from exc
    return Receipt(leaf.index, head.size, tuple(proof), head.note, leaf.entry)


def _page_evidence(head: PeerHead, start: int, end: int) -> dict[str, str]:
    return {"checkpoint": head.note, "start_index": str(start), "end_index": str(end)}
