"""Compose a running node from its directory: store, trust, log, intake, servicers, server."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import grpc
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.intake import Intake, IntakeLimits
from gateway.node import (
    NodeConfig,
    NodeError,
    NodePaths,
    TrustSource,
    load_config,
    load_node_key,
    open_node_store,
)
from gateway.rpc.exchange import ExchangeServicer
from gateway.rpc.guard import Guard
from gateway.rpc.transparency import LogServicer
from gateway.rpc.trust import TrustServicer
from gateway.server import RunningServer, TlsMaterial, create_server
from gateway.store.base import Store
from gateway.transparency import LogIdentity, NodeLog
from signing.loader import default_loader

Clock = Callable[[], datetime]


def log_vkey_path(paths: NodePaths) -> Path:
    """The node's public note key (signed-note verifier key): what receipt checkers need."""
    return paths.root / "log.vkey"


@dataclass
class Node:
    paths: NodePaths
    config: NodeConfig
    store: Store
    trust: TrustSource
    log: NodeLog
    intake: Intake

    def guard(self) -> Guard:
        """A fresh guard (quotas, work slots) for one server of this node."""
        return Guard(self.trust.current, self.config.limits)

    def registrations(self, guard: Guard) -> list[Callable[[grpc.Server], str]]:
        return [
            ExchangeServicer(self.intake, guard, self.store.log_size).register,
            LogServicer(self.intake, self.store, self.log, guard).register,
            TrustServicer(self.trust.current, guard).register,
        ]

    def close(self) -> None:
        self.log.flush()
        self.store.close()


def open_node(root: Path, *, store_url: str | None = None, clock: Clock | None = None) -> Node:
    paths = NodePaths(root)
    config = load_config(paths)
    node_key = load_node_key(paths)
    if not isinstance(node_key.crypto_key, Ed25519PrivateKey):
        raise NodeError("the node key must be Ed25519 (it signs signed-note checkpoints)")
    tick: Clock = clock or (lambda: datetime.now(UTC))
    store = open_node_store(paths, config, store_url)
    identity = LogIdentity(config.log_origin, config.log_origin, node_key.crypto_key)
    vkey = log_vkey_path(paths)
    if not vkey.exists():
        vkey.write_text(identity.note_key.to_vkey() + "\n", encoding="utf-8")
    log = NodeLog(store, identity, tick)
    trust = TrustSource(paths, node_key)
    intake = Intake(
        store=store,
        registry=trust.current,
        log=log,
        loader=default_loader(),
        clock=tick,
        limits=IntakeLimits(max_credential_bytes=config.limits.max_message_bytes),
    )
    return Node(paths, config, store, trust, log, intake)


def start(node: Node, *, listen: str | None = None) -> RunningServer:
    paths = node.paths
    tls = TlsMaterial(
        ca_pem=paths.ca_cert.read_bytes(),
        cert_pem=paths.server_cert.read_bytes(),
        key_pem=paths.server_key.read_bytes(),
    )
    guard = node.guard()
    return create_server(
        node.registrations(guard),
        tls=tls,
        guard=guard,
        listen=listen or node.config.listen,
        reflection=node.config.reflection,
    )
