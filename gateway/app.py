"""Compose a running node from its directory: store, trust, log, intake, servicers, server."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import grpc
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.catalog import Catalog
from gateway.checker import CredentialChecker
from gateway.intake import Intake
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
from gateway.rpc.transparency import LogServicer
from gateway.rpc.trust import TrustServicer
from gateway.server import RunningServer, TlsMaterial, create_server
from gateway.store.base import Store
from gateway.times import Clock, utc_now
from gateway.transparency import LogIdentity, NodeLog
from signing.loader import default_loader


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
    catalog: Catalog

    def registrations(self) -> list[Callable[[grpc.Server], str]]:
        limits = self.config.limits
        return [
            ExchangeServicer(self.intake, self.catalog, self.trust.current, limits).register,
            LogServicer(self.trust.current, self.store, self.log, limits).register,
            TrustServicer(self.trust.current, self.store.page_tokens).register,
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
    tick: Clock = clock or utc_now
    store = open_node_store(paths, config, store_url)
    identity = LogIdentity(config.log_origin, config.log_origin, node_key.crypto_key)
    vkey = log_vkey_path(paths)
    if not vkey.exists():
        vkey.write_text(identity.note_key.to_vkey() + "\n", encoding="utf-8")
    log = NodeLog(store, identity, tick)
    trust = TrustSource(paths, node_key)
    limits = config.limits
    checker = CredentialChecker(loader=default_loader(), limits=limits)
    catalog = Catalog(store=store, log=log, checker=checker, clock=tick, limits=limits)
    intake = Intake(
        store=store,
        registry=trust.current,
        log=log,
        checker=checker,
        catalog=catalog,
        clock=tick,
        limits=limits,
    )
    return Node(paths, config, store, trust, log, intake, catalog)


def start(node: Node, *, listen: str | None = None) -> RunningServer:
    paths = node.paths
    tls = TlsMaterial(
        ca_pem=paths.ca_cert.read_bytes(),
        cert_pem=paths.server_cert.read_bytes(),
        key_pem=paths.server_key.read_bytes(),
    )
    return create_server(
        node.registrations(),
        tls=tls,
        listen=listen or node.config.listen,
        limits=node.config.limits,
        reflection=node.config.reflection,
    )
