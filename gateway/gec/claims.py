"""Claimed green-electricity certificate ranges and the rule that settles a double claim.

A GEC id has 32 digits: the first 17 are the project registration code, the last 15 encode the
generation date and a certificate sequence (federation.md §5.2). A claim is a run of serials
within ONE project (`schemas.electricity.claim_range`), so the ledger keys a range by its project
and compares the 15-digit suffixes as integers. 1 certificate = 1 MWh.

Across nodes, the claim whose origin log took it first wins (issue 14): the time in the origin's
log entry, then the origin name and index as tie-breakers, so every node decides the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.log.checkpoint import parse_note
from gateway.log.entry import DatasetAccepted, DatasetReplicated, decode_entry
from gateway.log.errors import MalformedEntryError
from gateway.log.receipt import Receipt
from gateway.times import to_sortable

PROJECT_DIGITS = 17
SERIAL_DIGITS = 15
#: "" in an origin: the claim was made at this node (its own log).
LOCAL_ORIGIN = ""


@dataclass(frozen=True, order=True)
class Claim:
    """Serials `first`..`last` (inclusive) of one project."""

    project: str
    first: int
    last: int

    @classmethod
    def from_ids(cls, first_id: str, last_id: str) -> Claim:
        """The claim of two 32-digit ids of one project (as `claim_range` accepted them)."""
        return cls(
            first_id[:PROJECT_DIGITS], int(first_id[PROJECT_DIGITS:]), int(last_id[PROJECT_DIGITS:])
        )

    def overlap(self, other: Claim) -> Claim | None:
        """The serials both claim, if any."""
        if self.project != other.project:
            return None
        first, last = max(self.first, other.first), min(self.last, other.last)
        return Claim(self.project, first, last) if first <= last else None

    @property
    def first_id(self) -> str:
        """The first certificate id, 32 digits."""
        return f"{self.project}{self.first:0{SERIAL_DIGITS}d}"

    @property
    def last_id(self) -> str:
        """The last certificate id, 32 digits."""
        return f"{self.project}{self.last:0{SERIAL_DIGITS}d}"

    @property
    def certificates(self) -> int:
        """Certificates (= MWh) in the range."""
        return self.last - self.first + 1

    def to_dict(self) -> dict[str, Any]:
        """The range as certificate ids, with its size."""
        return {
            "firstCertificateId": self.first_id,
            "lastCertificateId": self.last_id,
            "certificates": self.certificates,
        }


def claims_of(ranges: tuple[tuple[str, str], ...]) -> list[Claim]:
    """The claims of a footprint's `Facets.gec_ranges`."""
    return [Claim.from_ids(first, last) for first, last in ranges]


@dataclass(frozen=True)
class ClaimOrigin:
    """Where a claim was first logged: the origin log, the index and time of its entry there."""

    origin: str
    index: int
    time: datetime

    def precedes(self, other: ClaimOrigin) -> bool:
        """True when this claim was logged first (the winner of a double claim)."""
        return self._key() < other._key()

    def _key(self) -> tuple[str, str, int]:
        return (to_sortable(self.time), self.origin, self.index)

    def to_dict(self) -> dict[str, Any]:
        """The origin as JSON (`""` origin: this node's own log)."""
        return {"origin": self.origin, "logIndex": self.index, "time": to_sortable(self.time)}


@dataclass(frozen=True)
class Holder:
    """An active footprint's claim held in the ledger."""

    name: str
    digest: str
    issuer_org: str
    kind: str
    claim: Claim
    origin: ClaimOrigin
    overlapping: bool = False
    credential_id: str = ""

    def evidence(self, verdict: str) -> dict[str, Any]:
        """This side of a conflict: the dataset, its digest, its origin and `gecConflict`."""
        return {
            "dataset": self.name,
            "digest": self.digest,
            "issuerOrg": self.issuer_org,
            **self.claim.to_dict(),
            **self.origin.to_dict(),
            "gecConflict": verdict,
        }


@dataclass(frozen=True)
class GecConflict:
    """Two footprints, made at different nodes, claiming the same certificates."""

    overlap: Claim
    winner: Mapping[str, Any]
    loser: Mapping[str, Any]
    detected_at: datetime
    released: bool = False

    @classmethod
    def between(cls, one: Holder, other: Holder, overlap: Claim, now: datetime) -> GecConflict:
        """The conflict of two holders: the one logged first at its origin wins."""
        won, lost = (one, other) if one.origin.precedes(other.origin) else (other, one)
        return cls(overlap, won.evidence("won"), lost.evidence("lost"), now)

    def to_dict(self) -> dict[str, Any]:
        """The conflict with its evidence, as `cfx gec conflicts --json` prints it."""
        return {
            "overlap": self.overlap.to_dict(),
            "winner": dict(self.winner),
            "loser": dict(self.loser),
            "detectedAt": to_sortable(self.detected_at),
            "released": self.released,
        }


def replica_origin(receipt: Receipt) -> ClaimOrigin:
    """Where a replica's claim was first logged, from the receipt of the peer's entry: the peer's
    own acceptance, or the origin a replicated entry names. A replicated entry keeps its origin's
    name and index but only the peer's time of copying, a bound on the origin's time (a chain of
    hops can only make a claim look later, never earlier)."""
    entry = decode_entry(receipt.entry)
    if not isinstance(entry, DatasetAccepted):
        raise MalformedEntryError("a replica's receipt must be of a dataset entry")
    if isinstance(entry, DatasetReplicated):
        return ClaimOrigin(entry.origin, entry.origin_index, entry.received_at)
    time = entry.received_at
    origin = parse_note(receipt.checkpoint_note).text.split("\n", 1)[0]
    return ClaimOrigin(origin, receipt.log_index, time)
