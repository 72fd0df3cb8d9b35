"""Delegated trust at both ends of a sync (issue 12): adopt what a peer vouches for, and serve
what this node vouches for onward.

Adopting (the puller, at the start of each round with a peer it delegates to): the peer's
trust.json and its delegations document, both verified with the peer's log key, each registry in
the document verified with the log key the document names (gateway.federation.vouching). A
registry older than the version this node adopted from that peer before is a rollback: the peer
is quarantined with both versions and the served file as evidence. Entries that lead back to
this node or visit a node twice are dropped (a delegation cycle vouches for nothing new).

Serving: every registry this node holds from the peers it delegates to, still signed by the node
each belongs to, in one document signed by this node's key (`GetNodeInfo.delegations`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from gateway.errors import GatewayError
from gateway.federation.delegation import MAX_DELEGATION_DEPTH, DelegatedRegistry, Hop
from gateway.federation.misbehaviour import ForgedTrustError, TrustRollbackServedError
from gateway.federation.peers import Peer
from gateway.federation.vouching import (
    DELEGATIONS_FILE,
    MAX_DELEGATIONS,
    Delegations,
    Vouched,
    log_public_key,
)
from gateway.store.base import Store
from signing.keys import PrivateKey


def peer_hop(peer: Peer) -> Hop:
    """A direct peer as the first hop of a delegation path."""
    return Hop(peer.origin, peer.org, peer.node_role)


def adopt_peer_trust(
    store: Store, peer: Peer, trust_file: bytes, delegations: bytes, *, own_origin: str
) -> list[DelegatedRegistry]:
    """Verify and keep what `peer` vouches for; ForgedTrustError / TrustRollbackServedError
    (both quarantine it) when it cannot be verified or goes back."""
    hop = peer_hop(peer)
    try:
        served = (
            DELEGATIONS_FILE.verify(delegations, log_public_key(peer.log_key)).entries
            if delegations
            else ()
        )
        entries = [
            Vouched((hop,), peer.log_key, trust_file),
            *(e.behind(hop) for e in served if _leads_away(e, hop, own_origin)),
        ]
        verified = [(entry, entry.verify()) for entry in entries]
    except GatewayError as err:
        raise ForgedTrustError(
            f"{peer.name} vouches with a registry that does not verify: {err}",
            evidence={
                "trust_file_sha256": hashlib.sha256(trust_file).hexdigest(),
                "delegations_sha256": hashlib.sha256(delegations).hexdigest(),
                "error": f"{err.reason}: {err}",
            },
        ) from err
    adopted = {vouched.origin: version for version, vouched in store.delegated_trust(peer.origin)}
    for entry, delegated in verified:
        version = delegated.registry.version
        if version < adopted.get(entry.origin, 0):
            raise TrustRollbackServedError(
                f"{peer.name} served version {version} of the registry of {entry.origin}, "
                f"older than version {adopted[entry.origin]} adopted before",
                evidence={
                    "registry_origin": entry.origin,
                    "adopted_version": str(adopted[entry.origin]),
                    "served_version": str(version),
                    "served_trust_file": entry.trust_file.decode("utf-8", "replace"),
                },
            )
    store.keep_delegated_trust(
        peer.origin, [(delegated.registry.version, entry) for entry, delegated in verified]
    )
    return delegated_registries(store, peer)


def _leads_away(entry: Vouched, hop: Hop, own_origin: str) -> bool:
    origins = {h.origin for h in entry.path}
    return (
        len(entry.path) < MAX_DELEGATION_DEPTH
        and hop.origin not in origins
        and own_origin not in origins
    )


def delegated_registries(store: Store, peer: Peer) -> list[DelegatedRegistry]:
    """What `peer` vouches for, as adopted (re-verified from the stored signed bytes); nothing
    when this node does not delegate to it."""
    if not peer.delegate:
        return []
    return [vouched.verify() for _, vouched in store.delegated_trust(peer.origin)]


def served_delegations(store: Store, peers: Iterable[Peer], key: PrivateKey) -> bytes:
    """The delegations document this node serves: what its delegated peers vouch for, nearest
    first, signed by its node key."""
    held = [
        vouched
        for peer in peers
        if peer.delegate
        for _, vouched in store.delegated_trust(peer.origin)
    ]
    held.sort(key=lambda v: (len(v.path), [h.origin for h in v.path]))
    return DELEGATIONS_FILE.sign(Delegations(tuple(held[:MAX_DELEGATIONS])), key)
