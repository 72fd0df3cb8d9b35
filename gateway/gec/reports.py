"""GEC conflicts reported to the home nodes of the footprints in them (issue 14).

A double claim across nodes is seen only where the two footprints meet, typically the national
node that pulls from two provinces. Identities go one way in the federation (a node holds a
`node` identity at the peers it pulls from, never the reverse: gateway.requests.relay), so the
report rides on the detecting node's calls: after each round with a peer, it sends that peer the
open conflicts with a side whose claim the peer's log took first (`origin` is the peer's log
origin), as FederationService.ReportGecConflicts. That reaches a Sichuan exporter's provincial
node when national detects the conflict; a conflict detected further down (a registry pulling
only from national) reaches national, not the province: national has no side of its own there.

What travels of each side is its digest, its claimed range and its claim's origin (log, index,
time): nothing of the other organization's footprint beyond that, not even its issuer. The home
node keeps a report only when the `yours` side is a footprint its own log took (not a replica)
whose claims the range lies in, and decides the winner itself from the two origins, as every
node does (gateway.gec.claims.GecConflict.between).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from gateway._proto.cfx.v1 import federation_service_pb2 as fd
from gateway.errors import InvalidRequestError
from gateway.gec.claims import Claim, ClaimOrigin, GecConflict, Holder
from gateway.store.base import Store
from gateway.store.model import StoredDataset
from gateway.times import from_sortable

# The other side of a reported conflict is named by its digest: this node does not hold it.
REPORTED_PREFIX = "sha256:"
_CERTIFICATE_ID = re.compile(r"[0-9]{32}")
_DIGEST = re.compile(r"[0-9a-f]{64}")


def outgoing(
    conflicts: Iterable[GecConflict], peer_origin: str, own_origin: str, limit: int
) -> list[fd.ReportedGecConflict]:
    """The open conflicts to report to the peer whose log origin is `peer_origin`: one per side
    of a conflict that the peer's log took first, at most `limit`; a claim made at this node
    (origin "") named by this node's log origin, `own_origin`."""
    found = []
    for conflict in conflicts:
        if conflict.released:
            continue
        for yours, other in ((conflict.winner, conflict.loser), (conflict.loser, conflict.winner)):
            if yours.get("origin") == peer_origin:
                found.append(
                    fd.ReportedGecConflict(
                        yours=_side(yours, own_origin), other=_side(other, own_origin)
                    )
                )
    return found[:limit]


def _side(evidence: Mapping[str, Any], own_origin: str) -> fd.GecClaimSide:
    return fd.GecClaimSide(
        digest=str(evidence["digest"]),
        first_certificate_id=str(evidence["firstCertificateId"]),
        last_certificate_id=str(evidence["lastCertificateId"]),
        origin=str(evidence["origin"]) or own_origin,
        origin_index=int(evidence["logIndex"]),
        origin_time=str(evidence["time"]),
    )


def record_reports(
    store: Store, own_origin: str, reports: Iterable[fd.ReportedGecConflict], now: datetime
) -> int:
    """Record the reported conflicts about footprints this node's log took first; how many
    were new. A malformed report refuses the call (InvalidRequestError), nothing recorded."""
    checked = [(_claim(r.yours, "yours"), _claim(r.other, "other"), r) for r in reports]
    held = store.find_by_digests([r.yours.digest for _, _, r in checked])
    recorded = 0
    for yours, other, report in checked:
        record = held.get(report.yours.digest)
        mine = _own_holder(store, record, yours, own_origin)
        if mine is None or yours.overlap(other) is None:
            continue  # not about a footprint made here, or not a double claim at all
        rival = Holder(
            name=REPORTED_PREFIX + report.other.digest,
            digest=report.other.digest,
            issuer_org="",  # not disclosed: another organization's
            kind=mine.kind,
            claim=other,
            origin=_origin(report.other),
        )
        recorded += store.gec_record_conflict(mine, rival, now)
    return recorded


def _own_holder(
    store: Store, record: StoredDataset | None, claimed: Claim, own_origin: str
) -> Holder | None:
    """This node's side: a footprint it holds, that its own log took first, claiming `claimed`
    (the origin named as its log's, so the winner is decided as the reporting node did)."""
    if record is None or store.origin_receipts(record.digest):
        return None  # unknown here, or a replica: its home node is elsewhere
    (live,) = store.gec_holders([claimed])  # its claim, if it still holds it (active)
    for holder in live:
        if holder.name == record.name and holder.claim == claimed:
            return replace(holder, origin=replace(holder.origin, origin=own_origin))
    return None


def _claim(side: fd.GecClaimSide, field: str) -> Claim:
    first, last = side.first_certificate_id, side.last_certificate_id
    if not (_CERTIFICATE_ID.fullmatch(first) and _CERTIFICATE_ID.fullmatch(last)):
        raise InvalidRequestError("certificate ids must have 32 digits", field=field)
    if not _DIGEST.fullmatch(side.digest):
        raise InvalidRequestError("digest must be hex SHA-256", field=f"{field}.digest")
    claim = Claim.from_ids(first, last)
    if last[: len(claim.project)] != claim.project or claim.last < claim.first:
        raise InvalidRequestError("a claimed range lies within one project", field=field)
    _origin(side)
    return claim


def _origin(side: fd.GecClaimSide) -> ClaimOrigin:
    try:
        time = from_sortable(side.origin_time)
    except ValueError:
        raise InvalidRequestError("origin_time is not a log time", field="origin_time") from None
    if side.origin_index < 0:
        raise InvalidRequestError("origin_index must not be negative", field="origin_index")
    return ClaimOrigin(side.origin, side.origin_index, time)
