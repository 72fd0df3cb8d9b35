"""Three real nodes in a chain for delegated-trust tests: provincial -> national -> registry.

Each node has its own directory, store and mTLS server on 127.0.0.1. Only the provincial node
`sichuan` registers the exporter `sichuan-cells` (key `exporter_key`) and the repository
`sichuan-grid` (key `grid_key`); the national node `national` lists it as a peer and the registry
node `eu-registry` lists the national node, each with `--delegate` unless told otherwise. No
exporter key is copied: what the pullers trust beyond their own registry is delegated.

Rules flow down: the provincial node also holds a `node` identity the national node issued to it
(`provincial_peer`, always delegating), and the national operator's client (`admin`) publishes
rules and factors signed with the national node key.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from gateway.domain import NodeRole
from gateway.federation.links import link
from gateway.federation.peers import Peer
from gateway.federation.rounds import sync_round
from gateway.federation.sync import PeerSummary
from gateway.node import add_client, edit_trust, init_node, load_node_key
from gateway.trust import Role
from signing.keys import PrivateKey, generate_key
from tests.helpers.federation import RunningNode, run_node
from tests.helpers.nodes import EXPORTER, signed_bytes
from tests.helpers.stores import pg_schema_url

PROVINCIAL_ORG = "sichuan"
NATIONAL_ORG = "national"
REGISTRY_ORG = "eu-registry"
GRID = "sichuan-grid"


@dataclass
class Chain:
    """The three running nodes, the provincial keys, and each puller's peer entry."""

    provincial: RunningNode
    national: RunningNode
    registry: RunningNode
    exporter_key: PrivateKey
    grid_key: PrivateKey
    national_peer: Peer
    registry_peer: Peer
    provincial_peer: Peer

    def submit(self, document: dict[str, object], *, who: str = "exporter") -> str:
        """Sign `document` as `who` (exporter or grid) and submit it to the provincial node."""
        key = self.exporter_key if who == "exporter" else self.grid_key
        with self.provincial.client(who) as client:
            return client.submit(signed_bytes(dict(document), key)).dataset.name

    def sync_national(self) -> PeerSummary:
        """One round of the national node with the provincial node."""
        (summary,) = sync_round(self.national.node, [self.national_peer])
        return summary

    def sync_registry(self) -> PeerSummary:
        """One round of the registry node with the national node."""
        (summary,) = sync_round(self.registry.node, [self.registry_peer])
        return summary

    def publish_national(self, document: dict[str, object]) -> str:
        """Sign `document` with the national node key and submit it there as its operator."""
        raw = signed_bytes(dict(document), load_node_key(self.national.paths))
        with self.national.client("admin") as client:
            return client.submit(raw).dataset.name

    def sync_provincial(self) -> PeerSummary:
        """One round of the provincial node with the national node (rules flowing down)."""
        (summary,) = sync_round(self.provincial.node, [self.provincial_peer])
        return summary


def make_chain(
    root: Path, national_url: str | None, registry_url: str | None, *, delegate: bool = True
) -> Iterator[Chain]:
    """Start the three nodes (provincial on SQLite, the others on the given stores), wire the
    peers; stop and close all three after."""
    now = datetime.now(UTC)
    exporter_key, grid_key = generate_key("ed25519"), generate_key("ed25519")
    provincial = init_node(root / "provincial", role=NodeRole.PROVINCIAL, org=PROVINCIAL_ORG)
    national = init_node(root / "national", role=NodeRole.NATIONAL, org=NATIONAL_ORG)
    registry = init_node(root / "registry", role=NodeRole.REGISTRY, org=REGISTRY_ORG)
    ids = {
        "exporter": root / "exporter",
        "grid": root / "grid",
    }
    add_client(provincial, org=EXPORTER, role=Role.EXPORTER, out=ids["exporter"], now=now)
    add_client(provincial, org=GRID, role=Role.REPOSITORY, out=ids["grid"], now=now)
    edit_trust(
        provincial,
        lambda r: r.with_key(EXPORTER, Role.EXPORTER, exporter_key.did, now).with_key(
            GRID, Role.REPOSITORY, grid_key.did, now
        ),
    )
    nodes: list[RunningNode] = []
    try:
        nodes.append(run_node(provincial, None, ids))
        nodes.append(run_node(national, national_url, {"admin": national.client_dir()}))
        nodes.append(run_node(registry, registry_url, {}))
        up, mid, down = nodes
        national_peer, registry_peer, provincial_peer = (
            link(puller, peer, at.address, name=name, identity=root / short,
                 delegate=delegates, store_url=url, now=now)
            for puller, peer, at, name, short, url, delegates in (
                (national, provincial, up, "sichuan", "n", national_url, delegate),
                (registry, national, mid, "national", "r", registry_url, delegate),
                (provincial, national, mid, "national", "p", None, True),
            )
        )  # fmt: skip
        yield Chain(
            up, mid, down, exporter_key, grid_key, national_peer, registry_peer, provincial_peer
        )
    finally:
        for running in reversed(nodes):
            running.server.stop(0)
            running.node.close()


@contextmanager
def other_store_url(store_url: str, root: Path) -> Iterator[str]:
    """Another store of the same kind as `store_url`, for a second node of a chain: a SQLite
    file in `root`, or a fresh PostgreSQL schema dropped afterwards."""
    if store_url.startswith("sqlite://"):
        yield f"sqlite://{root / 'second.sqlite3'}"
        return
    with pg_schema_url(f"cfx_test_chain_{uuid.uuid4().hex[:12]}") as url:
        yield url
