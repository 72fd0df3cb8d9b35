"""Rebuild a log's tree from a listing whose hidden leaves come as leaf hashes. Pure: no I/O.

A node lists every leaf of its log, but a caller receives the entry bytes only where it may read
the dataset they name; every other leaf comes as its RFC 9162 leaf hash, SHA-256(0x00 || entry)
(§2.1.1). That is all the tree needs: the caller hashes the entries it sees, takes the other hashes
as served, and checks the root against the signed checkpoint. A node that hid a leaf by serving a
wrong hash, or dropped or repeated a leaf, fails that check.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from gateway.log.checkpoint import Checkpoint, NoteKey, verify_checkpoint
from gateway.log.errors import ListAnswerError
from gateway.log.merkle import HASH_SIZE, append_leaves, leaf_hash, root_from_frontier


@dataclass(frozen=True, slots=True)
class ServedLeaf:
    """One listed leaf: its entry bytes when the caller may read them, else only its hash."""

    index: int
    leaf_hash: bytes
    entry: bytes | None = None

    def __post_init__(self) -> None:
        if len(self.leaf_hash) != HASH_SIZE:
            raise ListAnswerError(f"leaf {self.index}: a leaf hash is {HASH_SIZE} bytes")
        if self.entry is not None and leaf_hash(self.entry) != self.leaf_hash:
            raise ListAnswerError(f"leaf {self.index}: the hash is not that of the entry")

    @classmethod
    def of_entry(cls, index: int, entry: bytes) -> ServedLeaf:
        return cls(index, leaf_hash(entry), entry)

    @property
    def hidden(self) -> bool:
        return self.entry is None


@dataclass(frozen=True, slots=True)
class VerifiedLog:
    """The checkpoint the leaves hash to, and the entries the caller was shown, by index."""

    checkpoint: Checkpoint
    entries: Mapping[int, bytes]
    hidden: int


def verify_served_log(
    checkpoint_note: str,
    leaves: Iterable[ServedLeaf],
    key: NoteKey,
    *,
    origin: str | None = None,
    now: datetime | None = None,
    max_age: timedelta | None = None,
) -> VerifiedLog:
    """Check that `leaves`, in order, are exactly the tree `checkpoint_note` signs for.

    `leaves` must be leaf 0 to size - 1 with no gap and no repeat; they are hashed as they come
    (one pass, O(log n) memory for the tree). Errors: checkpoint errors, `ListAnswerError`.
    """
    cp = verify_checkpoint(
        checkpoint_note, key.public_key, key.name, origin=origin, now=now, max_age=max_age
    )
    size, frontier = 0, list[bytes]()
    shown: dict[int, bytes] = {}
    for leaf in leaves:
        if leaf.index != size:
            raise ListAnswerError(f"leaf {leaf.index} came where leaf {size} was due")
        if size >= cp.size:
            raise ListAnswerError(f"more leaves than the checkpoint's {cp.size}")
        grown = append_leaves(size, frontier, [leaf.leaf_hash])
        size, frontier = grown.size, grown.frontier
        if leaf.entry is not None:
            shown[leaf.index] = leaf.entry
    if size != cp.size:
        raise ListAnswerError(f"{size} leaves for a checkpoint of {cp.size}")
    if root_from_frontier(frontier) != cp.root_hash:
        raise ListAnswerError("the listed leaves do not hash to the checkpoint's root")
    return VerifiedLog(cp, shown, cp.size - len(shown))
