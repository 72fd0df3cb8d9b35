"""The demo's federation: three real nodes on 127.0.0.1, each with its own directory, CA, mTLS
server, SQLite store and log, linked the way operators link them (gateway.federation.links).

- `sichuan` (provincial): registers the battery exporter `sichuan-cells` and the certification
  body `sichuan-verify`, each with its signing key.
- `national` (national repository): registers `national-rules`, the repository that publishes
  national accounting rules and emission factors; pulls footprints, attestations and status
  updates from `sichuan`, delegating.
- `eu-registry` (registry, the EU trade partner): pulls footprints, attestations and status
  updates from
  `national`, delegating: it trusts the Sichuan exporter only through what the chain vouches for.
- `sichuan` also pulls rules and factors from `national`, delegating (rules flow down).

No signing key is copied between nodes, and nothing leaves the machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from gateway.app import Node, open_node, start
from gateway.client import CfxClient
from gateway.domain import DatasetKind, NodeRole
from gateway.federation.links import link
from gateway.federation.peers import Peer
from gateway.federation.rounds import node_peers
from gateway.log.checkpoint import NoteKey
from gateway.node import NodePaths, add_client, edit_trust, init_node
from gateway.server import RunningServer
from gateway.trust import Role
from signing.keys import PrivateKey, generate_key

PROVINCIAL, NATIONAL, REGISTRY = "sichuan", "national", "eu-registry"
EXPORTER, RULES, CERTIFIER = "sichuan-cells", "national-rules", "sichuan-verify"
RIVAL, NATIONAL_EXPORTER = "chengdu-packs", "chongqing-cells"
RULE_KINDS = frozenset({DatasetKind.ACCOUNTING_RULE, DatasetKind.EMISSION_FACTOR})
FOOTPRINT_KINDS = frozenset({DatasetKind.PRODUCT_FOOTPRINT, DatasetKind.STATUS_UPDATE})
# Footprints flow up, rules flow down (DESIGN.md §5). National does not take rules back from the
# provincial node: they would be its own, replicated there, and sync stores what it is served.
UPWARD_KINDS = FOOTPRINT_KINDS | {DatasetKind.ATTESTATION}


@dataclass
class Member:
    """One node of the federation, opened in this process and serving on 127.0.0.1."""

    paths: NodePaths
    node: Node
    server: RunningServer

    @property
    def address(self) -> str:
        """HOST:PORT of its gRPC server."""
        return f"127.0.0.1:{self.server.port}"

    @property
    def log_key(self) -> NoteKey:
        """Its log's public note key (what the partner checks receipts with)."""
        return self.node.log.identity.note_key

    def client(self, identity: Path | None = None) -> CfxClient:
        """An mTLS client with `identity` (default: the node's own operator)."""
        return CfxClient(self.address, identity or self.paths.client_dir())

    def peers(self) -> list[Peer]:
        """Its verified peers file, as `cfx sync` reads it."""
        return list(node_peers(self.node).peers)


@dataclass
class Network:
    """The three nodes, the organizations' signing keys and their client identities."""

    root: Path
    provincial: Member
    national: Member
    registry: Member
    exporter_key: PrivateKey
    rules_key: PrivateKey
    identities: dict[str, Path]
    certifier_key: PrivateKey
    # The other organizations' signing keys (the GEC steps' second exporters), by org.
    keys: dict[str, PrivateKey] = field(default_factory=dict)


def serve(paths: NodePaths) -> Member:
    """Open the node in `paths` and serve it on a free loopback port."""
    node = open_node(paths.root)
    try:
        return Member(paths, node, start(node, listen="127.0.0.1:0"))
    except BaseException:
        node.close()
        raise


def _organization(
    paths: NodePaths, org: str, role: Role, out: Path, now: datetime
) -> tuple[PrivateKey, Path]:
    """Register `org` at the node with a client identity and a fresh signing key."""
    key = generate_key("ed25519")
    add_client(paths, org=org, role=role, out=out, now=now)
    edit_trust(paths, lambda r: r.with_key(org, role, key.did, now))
    return key, out


@contextmanager
def build_network(root: Path, *, registry_delegates: bool = True) -> Iterator[Network]:
    """Create, start and link the three nodes under `root`; stop and close them after.
    `registry_delegates` False lists national at the registry without delegated trust (the
    registry then refuses a footprint from an exporter only the provincial node registered)."""
    now = datetime.now(UTC)
    dirs = {
        "provincial": init_node(root / "provincial", role=NodeRole.PROVINCIAL, org=PROVINCIAL),
        "national": init_node(root / "national", role=NodeRole.NATIONAL, org=NATIONAL),
        "registry": init_node(root / "registry", role=NodeRole.REGISTRY, org=REGISTRY),
    }
    clients = root / "clients"
    exporter_key, exporter_id = _organization(
        dirs["provincial"], EXPORTER, Role.EXPORTER, clients / EXPORTER, now
    )
    rules_key, rules_id = _organization(
        dirs["national"], RULES, Role.REPOSITORY, clients / RULES, now
    )
    certifier_key, certifier_id = _organization(
        dirs["provincial"], CERTIFIER, Role.CERTIFIER, clients / CERTIFIER, now
    )
    identities = {EXPORTER: exporter_id, RULES: rules_id, CERTIFIER: certifier_id}
    keys = {}
    # Second exporters, in Sichuan and elsewhere, for the GEC ledger steps (issue 14).
    for org, at in ((RIVAL, "provincial"), (NATIONAL_EXPORTER, "national")):
        keys[org], identities[org] = _organization(dirs[at], org, Role.EXPORTER, clients / org, now)
    with ExitStack() as stack:
        members = {}
        for name, paths in dirs.items():
            member = serve(paths)
            stack.callback(_stop, member)
            members[name] = member
        up, mid, down = members["provincial"], members["national"], members["registry"]
        # (puller, peer, kinds pulled, delegating): footprints up, rules and factors down.
        links = (
            (mid, up, UPWARD_KINDS, True),
            (down, mid, UPWARD_KINDS, registry_delegates),
            (up, mid, RULE_KINDS, True),
        )
        for puller, peer, kinds, delegate in links:
            org, peer_org = puller.node.config.org, peer.node.config.org
            identity = root / "node-identities" / f"{org}-at-{peer_org}"
            link(
                puller.paths,
                peer.paths,
                peer.address,
                name=peer_org,
                identity=identity,
                delegate=delegate,
                pull=kinds,
                now=now,
            )
        yield Network(root, up, mid, down, exporter_key, rules_key, identities, certifier_key, keys)


def _stop(member: Member) -> None:
    member.server.stop(0)
    member.node.close()
