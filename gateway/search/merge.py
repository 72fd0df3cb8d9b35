"""Merging the answers of several nodes into one result list, and what each peer's answer was
worth. Pure: no I/O.

One dataset is one digest (the SHA-256 of its exact bytes), whichever node holds it and under
whatever name: the merged list has each digest once, with every node that answered with it,
in the order the answers are given (this node's first).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from gateway.store.model import StoredDataset


class PeerReason(StrEnum):
    """How a peer's answer went (PeerOutcome.reason on the wire)."""

    ANSWERED = "ANSWERED"
    DROPPED_RESULTS = "DROPPED_RESULTS"
    DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED"
    UNAVAILABLE = "UNAVAILABLE"
    FAILED = "FAILED"


class DropReason(StrEnum):
    """Why a result a peer returned was not passed on to the caller."""

    DIGEST_MISMATCH = "DIGEST_MISMATCH"  # the bytes do not hash to the stated digest
    UNVERIFIED = "UNVERIFIED"  # the credential fails this node's checks (proof, issuer, schema)
    NOT_MATCHING = "NOT_MATCHING"  # the verified dataset does not meet the query
    OUTSIDE_AUDIENCE = "OUTSIDE_AUDIENCE"  # the caller may not read it (scope or usage policy)
    OVER_PAGE_SIZE = "OVER_PAGE_SIZE"  # beyond the page size asked for: not even looked at


@dataclass(frozen=True)
class Found:
    """One merged result: the dataset and the log origins of the nodes that answered with it."""

    dataset: StoredDataset
    origins: tuple[str, ...]


@dataclass(frozen=True)
class PeerOutcome:
    """One peer's answer: kept and dropped results, whether it had more, and what went wrong."""

    peer: str
    reason: PeerReason
    message: str = ""
    results: int = 0
    dropped: tuple[DropReason, ...] = ()
    more: bool = False


@dataclass
class PeerAnswer:
    """The results a peer answered with that survived screening, and what was dropped."""

    origin: str
    kept: list[StoredDataset] = field(default_factory=list)
    dropped: list[DropReason] = field(default_factory=list)
    more: bool = False

    def outcome(self, peer: str) -> PeerOutcome:
        """The peer's outcome: ANSWERED, or DROPPED_RESULTS naming the reasons."""
        if not self.dropped:
            return PeerOutcome(peer, PeerReason.ANSWERED, "", len(self.kept), (), self.more)
        reasons = ", ".join(sorted(set(self.dropped)))
        return PeerOutcome(
            peer,
            PeerReason.DROPPED_RESULTS,
            f"{len(self.dropped)} result(s) dropped: {reasons}",
            len(self.kept),
            tuple(self.dropped),
            self.more,
        )


def merge(answers: Iterable[tuple[str, Sequence[StoredDataset]]]) -> list[Found]:
    """Each digest once, with the origins that answered with it, in first-seen order; the
    first answer's record is kept (this node's own, when it holds the dataset)."""
    records: dict[str, StoredDataset] = {}
    origins: dict[str, list[str]] = {}
    for origin, datasets in answers:
        for record in datasets:
            records.setdefault(record.digest, record)
            seen = origins.setdefault(record.digest, [])
            if origin not in seen:
                seen.append(origin)
    return [Found(records[d], tuple(origins[d])) for d in records]
