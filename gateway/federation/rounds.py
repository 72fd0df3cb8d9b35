"""A node's sync round against its peers: the peers file, mTLS clients, and the `Syncer` wired
to the node's store, checker, trust and log. Used by `cfx sync` (and later by `cfx serve`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gateway._proto.cfx.v1 import federation_service_pb2 as fd
from gateway.app import Node
from gateway.checker import CredentialChecker
from gateway.client import CfxClient, served_leaf
from gateway.federation.check_pool import PageChecks
from gateway.federation.conflict_reports import report_conflicts
from gateway.federation.cosigning import SyncWitness
from gateway.federation.delegation import effective_registry
from gateway.federation.peer_trust import delegated_registries
from gateway.federation.peers import PEERS_FILE, PEERS_FILE_NAME, Peer, PeerSet, PeersRollbackError
from gateway.federation.policy import Reader
from gateway.federation.pull_view import PulledDataset, PulledPage
from gateway.federation.sync import PeerSource, PeerSummary, Progress, Syncer, sync_all
from gateway.node import load_node_key
from gateway.trust import TrustRegistry
from signing.loader import default_loader


class RemotePeer:
    """A peer reached over mTLS with the identity it issued to this node."""

    def __init__(self, client: CfxClient) -> None:
        self._client = client

    def checkpoint_note(self) -> str:
        """The peer's newest signed checkpoint."""
        return self._client.checkpoint().checkpoint.note

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        """Its consistency proof between two tree sizes."""
        return list(self._client.consistency_proof(first, second).proof)

    def pull(self, start: int, tree_size: int, page_size: int) -> PulledPage:
        """One PullEntries page, as domain values."""
        page = self._client.pull_entries(start, tree_size, page_size)
        return PulledPage(
            leaves=tuple(served_leaf(e) for e in page.leaves),
            datasets=tuple(
                PulledDataset(d.log_index, d.credential, tuple(d.inclusion_proof))
                for d in page.datasets
            ),
            consistency_proof=tuple(page.consistency_proof),
        )

    def report_gec_conflicts(self, conflicts: list[fd.ReportedGecConflict]) -> int:
        """ReportGecConflicts (gateway.federation.conflict_reports): how many it recorded."""
        return self._client.report_gec_conflicts(conflicts).recorded

    def node_trust(self) -> tuple[bytes, bytes]:
        """Its signed trust registry and delegations document (GetNodeInfo)."""
        info = self._client.node_info()
        return info.trust_registry, info.delegations


def node_peers(node: Node) -> PeerSet:
    """The node's verified peers file, refused when older than one it adopted (R4)."""
    path = node.paths.root / PEERS_FILE_NAME
    if not path.exists():
        return PeerSet()
    peers = PEERS_FILE.load(path, load_node_key(node.paths).public_key)
    highest = node.store.advance_file_version(PEERS_FILE_NAME, peers.version)
    if peers.version < highest:
        raise PeersRollbackError(peers.version, highest)
    return peers


def peer_registry(node: Node, peer: Peer) -> TrustRegistry:
    """The trust `peer`'s datasets are checked under at `node` (gateway.federation.delegation)."""
    return effective_registry(node.trust.current(), delegated_registries(node.store, peer))


def node_syncer(
    node: Node,
    *,
    registry_for: Callable[[Peer], TrustRegistry] | None = None,
    progress: Progress | None = None,
) -> Syncer:
    """A `Syncer` for `node`: its store, its checker and rules, and for each peer its own
    registry plus what the peer vouches for when it delegates to it (delegated trust); it
    co-signs each peer checkpoint it accepts with the node key (the key of its log)."""
    limits = node.config.limits
    identity = node.log.identity
    witness = SyncWitness(node.store, key_name=identity.key_name, private_key=identity.private_key)
    checker = CredentialChecker(
        loader=default_loader(), limits=limits, policy=node.config.profile_policy
    )
    return Syncer(
        store=node.store,
        checks=PageChecks(
            checker,
            node.catalog.rules_cited_by,
            limits,
            node.catalog.factors_cited_by,
            held_factor=node.catalog.held_factor,
        ),
        registry_for=registry_for
        or (
            lambda peer: effective_registry(
                node.trust.current(), delegated_registries(node.store, peer)
            )
        ),
        reader=Reader(node.config.org, node.config.role, is_origin=False),
        clock=node.clock,
        page_size=limits.sync_page_size,
        after_page=node.log.checkpoint,
        witness=witness,
        progress=progress or (lambda _peer, _done, _total: None),
        own_origin=node.log.identity.origin,
    )


def sync_round(
    node: Node, peers: list[Peer], *, timeout: float = 30.0, progress: Progress | None = None
) -> list[PeerSummary]:
    """One round with each of `peers`, each over its own mTLS connection; `progress` is told
    how far each peer's round got after its checkpoint and after every page."""
    node.log.ensure_writable()
    clients: list[CfxClient] = []
    sources: dict[str, RemotePeer] = {}

    def connect(peer: Peer) -> Callable[[], PeerSource]:
        def open_client() -> PeerSource:
            identity: Path = peer.identity_dir(node.paths.root)
            client = CfxClient(
                peer.address,
                identity,
                timeout=timeout,
                max_message_bytes=node.config.limits.max_message_bytes,
            )
            clients.append(client)
            sources[peer.name] = RemotePeer(client)
            return sources[peer.name]

        return open_client

    try:
        summaries = sync_all(
            node_syncer(node, progress=progress), [(peer, connect(peer)) for peer in peers]
        )
        # After every peer's round: a conflict met while syncing one peer reaches the other.
        for peer, summary in zip(peers, summaries, strict=True):
            if summary.outcome == "synced" and peer.name in sources:
                report_conflicts(node, peer, sources[peer.name])
        return summaries
    finally:
        for client in clients:
            client.close()
        node.log.checkpoint()
        node.log.flush()
