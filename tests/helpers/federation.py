"""Two real nodes for sync tests: a provincial origin and a national puller, each its own
directory, store and mTLS server on 127.0.0.1, the puller holding the `node` identity the origin
issued to it and listing the origin in its signed peers.json.

Organizations:
- origin `sichuan` (provincial node), with the exporter `sichuan-cells` and its signing key;
- puller `national` (national node), which also registers `sichuan-cells` with the same key
  (trust is this node's own registry until delegated trust lands).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from gateway._proto.cfx.v1 import federation_service_pb2 as fd
from gateway.app import Node, log_vkey_path, open_node, start
from gateway.client import CfxClient
from gateway.domain import NodeRole
from gateway.federation.peers import PEERS_FILE, Peer, PeerSet
from gateway.node import NodePaths, add_client, edit_trust, init_node, load_node_key
from gateway.rpc.federation import FederationServicer
from gateway.rpc.ticker import WATCH_POLL_SECONDS, LogTicker
from gateway.rpc.transparency import LogServicer
from gateway.server import RunningServer, TlsMaterial, create_server
from gateway.trust import Role
from signing.keys import PrivateKey, generate_key
from tests.helpers.nodes import EXPORTER, signed_bytes

ORIGIN_ORG = "sichuan"
PULLER_ORG = "national"
PEER_NAME = "sichuan"


@dataclass
class RunningNode:
    """A node opened in this process and serving on 127.0.0.1."""

    paths: NodePaths
    node: Node
    server: RunningServer
    identities: dict[str, Path]

    @property
    def address(self) -> str:
        """HOST:PORT of its gRPC server."""
        return f"127.0.0.1:{self.server.port}"

    def client(self, who: str = "exporter") -> CfxClient:
        """A client with one of its identities."""
        return CfxClient(self.address, self.identities[who])


@dataclass
class Pair:
    """The origin node, the puller node, the exporter key both trust, and the peer entry."""

    origin: RunningNode
    puller: RunningNode
    exporter_key: PrivateKey
    peer: Peer

    def sign(self, document: dict[str, object]) -> bytes:
        """`document` issued and signed by the exporter."""
        return signed_bytes(dict(document), self.exporter_key)


def _init(root: Path, role: NodeRole, org: str, key: PrivateKey, now: datetime) -> NodePaths:
    paths = init_node(root, role=role, org=org, now=now)
    add_client(
        paths, org=EXPORTER, role=Role.EXPORTER, out=root.parent / f"{org}-exporter", now=now
    )
    edit_trust(paths, lambda r: r.with_key(EXPORTER, Role.EXPORTER, key.did, now))
    return paths


def run_node(paths: NodePaths, store_url: str | None, identities: dict[str, Path]) -> RunningNode:
    """Open the node in `paths` on `store_url` (None: its configured store) and serve it."""
    node = open_node(paths.root, store_url=store_url)
    try:
        server = start(node, listen="127.0.0.1:0")
    except BaseException:
        node.close()
        raise
    return RunningNode(paths, node, server, identities)


@dataclass(frozen=True)
class PairDirs:
    """Both node directories, made but not started: the origin has issued the puller's `node`
    identity; `peer(address)` is the origin as the puller's peers.json lists it."""

    root: Path
    origin: NodePaths
    puller: NodePaths
    exporter_key: PrivateKey
    node_identity: Path

    def peer(self, address: str) -> Peer:
        """The origin reached at `address`, as a peer of the puller."""
        return Peer(
            name=PEER_NAME,
            address=address,
            identity=self.node_identity,
            log_key=log_vkey_path(self.origin).read_text(encoding="utf-8"),
            org=ORIGIN_ORG,
            node_role=NodeRole.PROVINCIAL,
        )

    def exporter(self, org: str) -> Path:
        """The exporter identity that node `org` issued."""
        return self.root / f"{org}-exporter"


def prepare_pair(root: Path) -> PairDirs:
    """Make both node directories and the puller's identity at the origin; start nothing."""
    now = datetime.now(UTC)
    key = generate_key("ed25519")
    origin_paths = _init(root / "origin", NodeRole.PROVINCIAL, ORIGIN_ORG, key, now)
    # The vkey is written when a node first opens; the puller's peers.json needs it before.
    open_node(origin_paths.root).close()
    puller_paths, node_identity = add_puller(root, origin_paths, key)
    return PairDirs(root, origin_paths, puller_paths, key, node_identity)


def add_puller(
    root: Path, origin: NodePaths, key: PrivateKey, name: str = "puller"
) -> tuple[NodePaths, Path]:
    """A national node in `root/name` that registers the exporter `key`, and the `node`
    identity the origin issued to it: (its paths, that identity). The origin may be running:
    it reads its trust.json again when the file changes."""
    now = datetime.now(UTC)
    puller_paths = _init(root / name, NodeRole.NATIONAL, PULLER_ORG, key, now)
    node_identity = root / f"{name}-at-sichuan"
    add_client(
        origin,
        org=PULLER_ORG,
        role=Role.NODE,
        out=node_identity,
        now=now,
        node_role=NodeRole.NATIONAL,
    )
    open_node(puller_paths.root).close()
    return puller_paths, node_identity


def make_pair(root: Path, puller_store_url: str | None = None) -> Iterator[Pair]:
    """Start both nodes (the origin on its own SQLite store, the puller on `puller_store_url`)
    and list the origin in the puller's peers.json; stop and close both after."""
    dirs = prepare_pair(root)
    exporter_ids = {"exporter": dirs.exporter(ORIGIN_ORG), "node": dirs.node_identity}
    origin = run_node(dirs.origin, None, exporter_ids)
    try:
        puller = run_node(dirs.puller, puller_store_url, {"exporter": dirs.exporter(PULLER_ORG)})
        try:
            peer = dirs.peer(origin.address)
            write_peers(dirs.puller, PeerSet().with_peer(peer))
            yield Pair(origin, puller, dirs.exporter_key, peer)
        finally:
            puller.server.stop(0)
            puller.node.close()
    finally:
        origin.server.stop(0)
        origin.node.close()


def write_peers(paths: NodePaths, peers: PeerSet) -> None:
    """Sign and save `peers` as the node's peers.json."""
    PEERS_FILE.save(paths.root / "peers.json", peers, load_node_key(paths))


def serve_double(node: Node, servicer: type[FederationServicer]) -> RunningServer:
    """A second server for `node` (its own mTLS material, real log service) whose federation
    service is `servicer`: a subclass that misbehaves the way a test needs."""
    guard = node.guard()
    double = servicer(
        guard=guard,
        store=node.store,
        info=fd.GetNodeInfoResponse(
            organization=node.config.org,
            node_role=node.config.role.value,
            log_origin=node.log.identity.origin,
        ),
        trust_file=node.paths.trust.read_bytes,
        delegations=node._delegations,  # what the real node would serve
        clock=node.clock,
        limits=node.config.limits,
        ticker=LogTicker(node.store.log_size, WATCH_POLL_SECONDS),
    )
    paths = node.paths
    tls = TlsMaterial(
        ca_pem=paths.ca_cert.read_bytes(),
        cert_pem=paths.server_cert.read_bytes(),
        key_pem=paths.server_key.read_bytes(),
    )
    return create_server(
        [LogServicer(node.store, node.log, guard).register, double.register], tls=tls, guard=guard
    )
