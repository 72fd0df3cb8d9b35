"""Witnessing as part of sync (issue 12): after a verified round, this node co-signs the peer's
checkpoint it accepted and keeps the co-signed note as the peer's witness head (the same table
`cfx witness` keeps, gateway/witnessing.py), so the peer, or anyone, can collect the cosignature.

The witness head is checked again by `gateway.log.witness.Witness` against what this node
co-signed before (a `cfx witness` run may have seen a larger tree than sync accepted so far: then
nothing is signed until sync catches up). A contradiction is a split view, quarantined like any.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.domain import PeerHead
from gateway.federation.peers import Peer
from gateway.log.witness import Witness
from gateway.store.base import Store

ConsistencyProof = Callable[[int, int], Sequence[bytes]]


class SyncWitness:
    """Co-signs each peer checkpoint a sync round accepted, with this node's log key."""

    def __init__(self, store: Store, *, key_name: str, private_key: Ed25519PrivateKey) -> None:
        self._store = store
        self._key_name = key_name
        self._private_key = private_key

    def cosign(self, peer: Peer, head: PeerHead, proof: ConsistencyProof) -> PeerHead | None:
        """Co-sign `head` (already verified against the peer's key and our last sync head) and
        keep it; None when the witness head already is at or beyond it.

        `proof(first, second)` asks the peer for a consistency proof from the witness head.
        """
        previous = self._store.load_witness_heads().get(head.origin)
        if previous is not None and (
            previous.size > head.size
            or (previous.size == head.size and previous.root_hash == head.root_hash)
        ):
            return None
        consistency: Sequence[bytes] = ()
        if previous is not None and 0 < previous.size < head.size:
            consistency = proof(previous.size, head.size)
        witness = Witness(
            key_name=self._key_name,
            private_key=self._private_key,
            peers={head.origin: peer.note_key},
            heads={head.origin: previous} if previous is not None else {},
        )
        witness.cosign(head.note, list(consistency))
        cosigned = witness.heads[head.origin]
        self._store.save_witness_head(cosigned)
        return cosigned
