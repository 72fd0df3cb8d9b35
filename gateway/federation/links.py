"""Link two nodes the way operators do (`cfx clients add --role node` at the peer, then
`cfx peers add` at the puller), as one function: used by `cfx demo` and the federation tests.

The peer issues the puller a `node` client identity (its own CA, the puller's organization and
node role); the puller lists the peer in its signed peers.json with the peer's log key, its
organization and node role read from the peer's configuration. Both directories must be on this
machine, and the peer must have been opened once (its log.vkey is written then).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from gateway.app import log_vkey_path
from gateway.domain import DatasetKind
from gateway.federation.peers import Peer
from gateway.node import NodePaths, add_client, edit_peers, load_config
from gateway.trust import Role


def issue_node_identity(
    peer: NodePaths, puller: NodePaths, out: Path, *, now: datetime | None = None
) -> Path:
    """`cfx clients add --dir PEER --org PULLER_ORG --role node --out OUT`: the identity `peer`
    issues to `puller`, recorded with the puller's node role."""
    config = load_config(puller)
    add_client(peer, org=config.org, role=Role.NODE, out=out, now=now, node_role=config.role)
    return out


def peer_entry(
    peer: NodePaths,
    address: str,
    identity: Path,
    *,
    name: str,
    delegate: bool,
    pull: frozenset[DatasetKind] = frozenset(DatasetKind),
) -> Peer:
    """`peer` reached at `address` with `identity`, as a puller's peers.json lists it."""
    config = load_config(peer)
    return Peer(
        name=name,
        address=address,
        identity=identity,
        log_key=log_vkey_path(peer).read_text(encoding="utf-8"),
        org=config.org,
        node_role=config.role,
        pull=pull,
        delegate=delegate,
    )


def link(
    puller: NodePaths,
    peer: NodePaths,
    address: str,
    *,
    name: str,
    identity: Path,
    delegate: bool,
    pull: frozenset[DatasetKind] = frozenset(DatasetKind),
    store_url: str | None = None,
    now: datetime | None = None,
) -> Peer:
    """Issue `puller` its identity at `peer` into `identity`, and add `peer` to the puller's
    signed peers file (`store_url`: the puller's store, when not its config's); the entry."""
    issue_node_identity(peer, puller, identity, now=now)
    entry = peer_entry(peer, address, identity, name=name, delegate=delegate, pull=pull)
    edit_peers(puller, lambda current: current.with_peer(entry), store_url=store_url)
    return entry
