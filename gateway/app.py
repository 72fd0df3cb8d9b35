"""Compose a running node from its directory: store, trust, log, intake, servicers, server."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from grpc_health.v1 import health, health_pb2

from gateway._proto.cfx.v1 import exchange_service_pb2 as ex
from gateway._proto.cfx.v1 import federation_service_pb2 as fd
from gateway.catalog import Catalog
from gateway.checker import CredentialChecker
from gateway.federation.peer_trust import served_delegations
from gateway.intake import Intake
from gateway.node import (
    NodeConfig,
    NodePaths,
    TrustSource,
    adopt_peers,
    load_config,
    load_node_key,
    load_peers,
    log_identity,
    open_node_store,
)
from gateway.requests.desk import Desk, peers_directory
from gateway.requests.directory import Directory
from gateway.rpc.exchange import ExchangeServicer
from gateway.rpc.federation import FederationServicer
from gateway.rpc.guard import Guard
from gateway.rpc.requests import RequestServicer
from gateway.rpc.search import SearchServicer
from gateway.rpc.ticker import WATCH_POLL_SECONDS, LogTicker
from gateway.rpc.transparency import LogServicer
from gateway.rpc.trust import TrustServicer
from gateway.server import RunningServer, TlsMaterial, create_server
from gateway.store.base import Store
from gateway.store.errors import StoreError
from gateway.times import Clock, utc_now
from gateway.transparency import AuditFailure, NodeLog
from signing.loader import default_loader

# The service whose writes a failed log audit stops: health says so (reads still answer).
EXCHANGE_SERVICE = str(ex.DESCRIPTOR.services_by_name["ExchangeService"].full_name)
_log = logging.getLogger("cfx.audit")


def log_vkey_path(paths: NodePaths) -> Path:
    """The node's public note key (signed-note verifier key): what receipt checkers need."""
    return paths.root / "log.vkey"


@dataclass
class Node:
    """A node opened from its directory: configuration, store, trust, log, intake and catalog."""

    paths: NodePaths
    config: NodeConfig
    store: Store
    trust: TrustSource
    log: NodeLog
    intake: Intake
    catalog: Catalog
    clock: Clock = utc_now
    _health: health.HealthServicer | None = None
    _stop_audits: threading.Event = field(default_factory=threading.Event)
    _auditor: threading.Thread | None = None

    def guard(self) -> Guard:
        """A fresh guard (quotas, work slots) for one server of this node."""
        return Guard(self.trust.current, self.config.limits)

    def registrations(self, guard: Guard) -> list[Callable[[grpc.Server], str]]:
        """The servicers' registration functions for `create_server`, all behind `guard`."""
        # One poller of the log's size wakes every waiting stream (WatchDatasets, WatchLog).
        ticker = LogTicker(self.store.log_size, WATCH_POLL_SECONDS)
        guard.on_shutdown(ticker.close)
        return [
            ExchangeServicer(self.intake, self.catalog, guard, ticker).register,
            LogServicer(self.store, self.log, guard).register,
            TrustServicer(self.trust.current, self.store.page_tokens, guard).register,
            FederationServicer(
                guard=guard,
                store=self.store,
                info=fd.GetNodeInfoResponse(
                    organization=self.config.org,
                    node_role=self.config.role.value,
                    log_origin=self.log.identity.origin,
                ),
                trust_file=self.paths.trust.read_bytes,
                delegations=self._delegations,
                clock=self.clock,
                limits=self.config.limits,
                ticker=ticker,
            ).register,
            SearchServicer.of_node(self, guard).register,
            RequestServicer(
                guard=guard,
                store=self.store,
                desk=Desk(self.store, self.clock, self._directory),
                clock=self.clock,
            ).register,
        ]

    def _directory(self) -> Directory:
        """Where requests go: this node's registry and what its peers brought (issue 14)."""
        peers = adopt_peers(load_peers(self.paths), self.store).peers
        return peers_directory(self.store, self.trust.current(), self.log.identity.origin, peers)

    def _delegations(self) -> bytes:
        """What this node accepts by delegation, signed by its node key (GetNodeInfo)."""
        key = load_node_key(self.paths)
        peers = adopt_peers(load_peers(self.paths, key), self.store)
        return served_delegations(self.store, peers.peers, key)

    def audit(self) -> AuditFailure | None:
        """One self-audit tick (at start, then every `audit_interval_seconds`): a failure
        refuses writes, is logged at ERROR, and turns the exchange service NOT_SERVING."""
        failure = self.log.audit()
        if failure is not None and self._health is not None:
            self._health.set(EXCHANGE_SERVICE, health_pb2.HealthCheckResponse.NOT_SERVING)
        return failure

    def start_audits(self, servicer: health.HealthServicer) -> None:
        """Report audit failures through `servicer` and audit periodically from now on."""
        self._health = servicer
        if self.log.failure is not None:
            servicer.set(EXCHANGE_SERVICE, health_pb2.HealthCheckResponse.NOT_SERVING)
        if self._auditor is None:
            self._auditor = threading.Thread(
                target=self._audit_periodically, name="cfx-audit", daemon=True
            )
            self._auditor.start()

    def _audit_periodically(self) -> None:
        while not self._stop_audits.wait(self.config.limits.audit_interval_seconds):
            try:
                self.audit()
            except StoreError as exc:  # an outage is not evidence of tampering: try next tick
                _log.warning("log self-audit skipped: %s", exc)

    def close(self) -> None:
        """Stop the audits, keep the newest checkpoint, close the store."""
        self._stop_audits.set()
        if self._auditor is not None:
            self._auditor.join(timeout=self.config.limits.shutdown_grace_seconds)
        self.log.flush()
        self.store.close()


def open_node(root: Path, *, store_url: str | None = None, clock: Clock | None = None) -> Node:
    """Open the node in `root`; refuses to open on a trust.json older than one already adopted.

    The log audits itself first; if intact, a checkpoint covering every stored leaf (including
    any appended while the node was down) is signed and kept at once.
    """
    paths = NodePaths(root)
    config = load_config(paths)
    node_key = load_node_key(paths)
    identity = log_identity(config, node_key)
    tick: Clock = clock or utc_now
    store = open_node_store(paths, config, store_url)
    try:
        vkey = log_vkey_path(paths)
        if not vkey.exists():
            vkey.write_text(identity.note_key.to_vkey() + "\n", encoding="utf-8")
        trust = TrustSource(paths, node_key, store)
        log = NodeLog(store, identity, tick)
        limits = config.limits
        checker = CredentialChecker(
            loader=default_loader(), limits=limits, policy=config.profile_policy
        )
        catalog = Catalog(
            store=store,
            log=log,
            checker=checker,
            registry=trust.current,
            clock=tick,
            limits=limits,
        )
        intake = Intake(
            store=store,
            registry=trust.current,
            log=log,
            checker=checker,
            catalog=catalog,
            clock=tick,
            limits=limits,
        )
        node = Node(paths, config, store, trust, log, intake, catalog, tick)
        if node.audit() is None:
            log.checkpoint()
            log.flush()
    except BaseException:
        store.close()
        raise
    return node


def start(node: Node, *, listen: str | None = None) -> RunningServer:
    """Serve `node` over mTLS (default: its configured address) and start its audits."""
    paths = node.paths
    tls = TlsMaterial(
        ca_pem=paths.ca_cert.read_bytes(),
        cert_pem=paths.server_cert.read_bytes(),
        key_pem=paths.server_key.read_bytes(),
    )
    guard = node.guard()
    running = create_server(
        node.registrations(guard),
        tls=tls,
        guard=guard,
        listen=listen or node.config.listen,
        reflection=node.config.reflection,
    )
    node.start_audits(running.health)
    return running
