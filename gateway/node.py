"""A node directory: its configuration, keys, certificates, trust registry and store.

    NODE/config.json            NodeConfig (role, organization, listen address, store, limits)
    NODE/node-key.json          the node's Ed25519 signing key (0600): signs trust.json, checkpoints
    NODE/trust.json             the trust registry, signed by the node key
    NODE/tls/ca.pem, ca.key     the development CA (key 0600)
    NODE/tls/server.pem, .key   the gRPC server certificate (DNS localhost, IP 127.0.0.1)
    NODE/clients/admin/         the operator's client identity: cert.pem, key.pem, ca.pem
    NODE/cfx.sqlite3            the default store

`init_node` makes a ready node; `add_client` issues another client identity and registers it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from gateway import pki
from gateway.log.entry import StatusChange, StatusChangeKind
from gateway.store import Store, open_store
from gateway.trust import Role, TrustRegistry, load_trust_file, save_trust_file
from gateway.trust.errors import TrustRollbackError
from gateway.trust.model import check_org_name
from schemas import strict_json
from signing.keys import PrivateKey, generate_key, load_key, save_key

CONFIG_FORMAT = "cfx-node-config/1"
DEFAULT_LISTEN = "127.0.0.1:7443"
DEFAULT_STORE = "cfx.sqlite3"
ADMIN_CLIENT = "admin"
MAX_CONFIG_BYTES = 64 * 1024


class NodeError(Exception):
    """A node directory that cannot be created, read or used."""

    reason = "NODE_CONFIG_INVALID"


class NodeRole(StrEnum):
    PROVINCIAL = "provincial"
    NATIONAL = "national"
    REGISTRY = "registry"


@dataclass(frozen=True)
class Limits:
    """Every size, count and time limit of the server in one place (R7, G4-G6)."""

    # gRPC's own default receive cap is 4 MiB; we say it explicitly (G4).
    max_message_bytes: int = 4 * 1024 * 1024
    # Unary calls in progress on the node, and per caller identity (its organization): one
    # identity can never hold every worker thread (issue 11). Over either: RESOURCE_EXHAUSTED.
    max_concurrent_rpcs: int = 64
    max_calls_per_identity: int = 8
    # Unary calls verifying, validating or writing at once; the others wait for a slot.
    worker_threads: int = 16
    # Open WatchDatasets streams on the node and per identity. Each holds a transport thread
    # (never a work slot); the transport has one for every call these limits admit.
    max_open_streams: int = 128
    max_streams_per_identity: int = 8
    # Deadline clients set when the caller gives none (G5), and the most a server will honour.
    default_deadline_seconds: float = 30.0
    max_deadline_seconds: float = 300.0
    keepalive_time_ms: int = 60_000
    keepalive_timeout_ms: int = 20_000
    max_connection_age_ms: int = 30 * 60_000
    max_connection_age_grace_ms: int = 60_000
    shutdown_grace_seconds: float = 10.0
    max_page_size: int = 1000
    max_watch_batch: int = 100

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            kinds = (int,) if f.type == "int" else (int, float)
            if isinstance(value, bool) or not isinstance(value, kinds) or value <= 0:
                raise NodeError(f"limit {f.name} must be a positive {f.type}, not {value!r:.40}")


@dataclass(frozen=True)
class NodeConfig:
    role: NodeRole
    org: str
    listen: str = DEFAULT_LISTEN
    # SQLite path relative to the node directory, `sqlite://…`, or `postgresql://…`.
    store: str = DEFAULT_STORE
    # Log origin line of this node's checkpoints (signed-note format): unique per node.
    log_origin: str = ""
    reflection: bool = False
    limits: Limits = field(default_factory=Limits)

    def __post_init__(self) -> None:
        if not isinstance(self.role, NodeRole):
            raise NodeError("role must be a NodeRole")
        check_org_name(self.org)
        host, sep, port = self.listen.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 <= int(port) < 65536:
            raise NodeError(f"listen address {self.listen!r:.80} is not HOST:PORT")
        if not self.log_origin:
            object.__setattr__(self, "log_origin", f"cfx.{self.org}.{self.role}/log")

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": CONFIG_FORMAT,
            "role": self.role.value,
            "org": self.org,
            "listen": self.listen,
            "store": self.store,
            "log_origin": self.log_origin,
            "reflection": self.reflection,
            "limits": asdict(self.limits),
        }

    @classmethod
    def from_dict(cls, data: Any) -> NodeConfig:
        if not isinstance(data, dict):
            raise NodeError("config must be a JSON object")
        known = {"format", "role", "org", "listen", "store", "log_origin", "reflection", "limits"}
        unknown = set(data) - known
        if unknown:
            raise NodeError(f"unknown config keys: {sorted(unknown)[:5]}")
        if data.get("format") != CONFIG_FORMAT:
            raise NodeError(f"config format must be {CONFIG_FORMAT!r}")
        try:
            role = NodeRole(str(data.get("role")))
        except ValueError as exc:
            raise NodeError(f"role must be one of {[r.value for r in NodeRole]}") from exc
        defaults = {"org": "", "listen": DEFAULT_LISTEN, "store": DEFAULT_STORE, "log_origin": ""}
        strings: dict[str, str] = {}
        for key, default in defaults.items():
            value = data.get(key, default)
            if not isinstance(value, str):
                raise NodeError(f"config {key} must be a string")
            strings[key] = value
        reflection = data.get("reflection", False)
        if not isinstance(reflection, bool):
            raise NodeError("config reflection must be true or false")
        return cls(
            role=role,
            org=strings["org"],
            listen=strings["listen"],
            store=strings["store"],
            log_origin=strings["log_origin"],
            reflection=reflection,
            limits=_limits_from_dict(data.get("limits", {})),
        )


def _limits_from_dict(data: Any) -> Limits:
    if not isinstance(data, Mapping):
        raise NodeError("config limits must be a JSON object")
    names = {f.name for f in fields(Limits)}
    unknown = set(data) - names
    if unknown:
        raise NodeError(f"unknown limits: {sorted(unknown)[:5]}")
    return Limits(**data)


@dataclass(frozen=True)
class NodePaths:
    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config.json"

    @property
    def node_key(self) -> Path:
        return self.root / "node-key.json"

    @property
    def trust(self) -> Path:
        return self.root / "trust.json"

    @property
    def tls(self) -> Path:
        return self.root / "tls"

    @property
    def ca_cert(self) -> Path:
        return self.tls / "ca.pem"

    @property
    def ca_key(self) -> Path:
        return self.tls / "ca.key"

    @property
    def server_cert(self) -> Path:
        return self.tls / "server.pem"

    @property
    def server_key(self) -> Path:
        return self.tls / "server.key"

    @property
    def clients(self) -> Path:
        return self.root / "clients"

    def client_dir(self, name: str = ADMIN_CLIENT) -> Path:
        return self.clients / name


@dataclass(frozen=True)
class ClientFiles:
    """A client identity directory as the client CLI and `--client-cert DIR` read it."""

    root: Path

    @property
    def cert(self) -> Path:
        return self.root / "cert.pem"

    @property
    def key(self) -> Path:
        return self.root / "key.pem"

    @property
    def ca(self) -> Path:
        return self.root / "ca.pem"


# -- loading ------------------------------------------------------------------------------------


def load_config(paths: NodePaths) -> NodeConfig:
    try:
        raw = paths.config.read_bytes()
    except OSError as exc:
        raise NodeError(f"cannot read {paths.config}: {exc.strerror} (run `cfx init`?)") from exc
    try:
        data = strict_json.loads(raw, max_bytes=MAX_CONFIG_BYTES)
    except strict_json.JSONInputError as exc:
        raise NodeError(f"{paths.config} is not valid JSON: {exc}") from exc
    return NodeConfig.from_dict(data)


def save_config(paths: NodePaths, config: NodeConfig) -> None:
    _write_atomic(paths.config, (json.dumps(config.to_dict(), indent=2) + "\n").encode())


def load_node_key(paths: NodePaths) -> PrivateKey:
    return load_key(paths.node_key)


def load_trust(paths: NodePaths, node_key: PrivateKey | None = None) -> TrustRegistry:
    """The registry, verified against the node key (refused if tampered with)."""
    key = node_key or load_node_key(paths)
    return load_trust_file(paths.trust, key.public_key)


def edit_trust(paths: NodePaths, edit: Callable[[TrustRegistry], TrustRegistry]) -> TrustRegistry:
    """Load, verify, apply `edit`, re-sign and save; returns the new registry."""
    key = load_node_key(paths)
    updated = edit(load_trust(paths, key))
    save_trust_file(paths.trust, updated, key)
    return updated


def revoke_key(
    paths: NodePaths, did: str, now: datetime | None = None
) -> tuple[TrustRegistry, int]:
    """Revoke `did` in the signed registry, then log the revocation (T5: a new entry, never an
    edit); returns the new registry and the log index. The entry's digest is that of the signed
    trust file which made the change, so anyone holding it can check what was revoked when."""
    moment = now or datetime.now(UTC)
    registry = edit_trust(paths, lambda r: r.revoke_key(did, moment))
    entry = StatusChange(
        change=StatusChangeKind.KEY_REVOCATION,
        target=did,
        new_status="revoked",
        reason="trust-registry",
        digest=hashlib.sha256(paths.trust.read_bytes()).digest(),
        changed_at=moment,
    )
    with open_node_store(paths, load_config(paths)) as store:
        index = store.append_log_entry(entry.to_bytes())
    return registry, index


def open_node_store(paths: NodePaths, config: NodeConfig, url: str | None = None) -> Store:
    """The node's store; `url` (e.g. `cfx serve --store`) overrides the configured one."""
    return open_store(url or config.store, paths.root)


class TrustSource:
    """The current trust registry for a running server: re-read when trust.json changes.

    Safe to call from the server's thread pool. A file that fails verification is not adopted:
    the last good registry stays in force and the error is kept in `last_error` for the operator
    (a tampered file never widens access), and so is a signed but older file put back in place
    (rollback). An edit by `cfx trust …` takes effect on the next call.
    """

    def __init__(self, paths: NodePaths, node_key: PrivateKey) -> None:
        self._paths = paths
        self._key = node_key
        self._lock = threading.Lock()
        self._stamp = self._stat()
        self._registry = load_trust(paths, node_key)
        self.last_error: Exception | None = None

    def _stat(self) -> tuple[int, int, int]:
        try:
            info = self._paths.trust.stat()
        except OSError:
            return (0, 0, 0)
        return (info.st_ino, info.st_mtime_ns, info.st_size)

    def _load_newer(self) -> TrustRegistry:
        fresh = load_trust(self._paths, self._key)
        if fresh.version < self._registry.version:
            raise TrustRollbackError(
                f"trust.json version {fresh.version} is older than the version in force "
                f"({self._registry.version})"
            )
        return fresh

    def current(self) -> TrustRegistry:
        stamp = self._stat()
        if stamp == self._stamp:
            return self._registry
        with self._lock:
            if stamp != self._stamp:
                try:
                    self._registry = self._load_newer()
                    self.last_error = None
                except Exception as exc:  # noqa: BLE001 -- any failure keeps the last good registry
                    self.last_error = exc
                self._stamp = stamp
            return self._registry


# -- creating -----------------------------------------------------------------------------------


def init_node(
    root: Path,
    *,
    role: NodeRole,
    org: str,
    force: bool = False,
    listen: str = DEFAULT_LISTEN,
    store: str = DEFAULT_STORE,
    now: datetime | None = None,
) -> NodePaths:
    """Create a ready node directory. A non-empty directory is refused unless `force`."""
    moment = now or datetime.now(UTC)
    check_org_name(org)
    config = NodeConfig(role=role, org=org, listen=listen, store=store)
    paths = NodePaths(root)
    if root.exists() and not root.is_dir():
        raise NodeError(f"{root} exists and is not a directory")
    if root.exists() and any(root.iterdir()) and not force:
        raise NodeError(f"{root} is not empty; use --force to initialise it anyway")
    for directory in (root, paths.tls, paths.clients, paths.client_dir()):
        _make_private_dir(directory)

    ca = pki.create_ca(f"cfx {org} {role} development CA", now=moment)
    pki.write_certified_key(ca, paths.ca_cert, paths.ca_key)
    server = pki.issue_server_cert(ca, f"cfx {org} node", now=moment)
    pki.write_certified_key(server, paths.server_cert, paths.server_key)

    node_key = generate_key("ed25519")
    save_key(node_key, paths.node_key, overwrite=force)

    operator = Role.REGISTRY_OPERATOR
    admin = _write_client(ca, paths.client_dir(), paths, org=org, role=operator.value, now=moment)
    registry = (
        TrustRegistry()
        .with_key(org, operator, node_key.did, moment)
        .with_identity(org, operator, admin, moment)
    )
    save_trust_file(paths.trust, registry, node_key)
    save_config(paths, config)
    return paths


def add_client(
    paths: NodePaths, *, org: str, role: Role, out: Path, now: datetime | None = None
) -> str:
    """Issue a client identity into `out` and register its SAN for `org` with `role`.

    Returns the SAN. Issuing a second certificate for the same organization and role is allowed
    (same identity, e.g. for a second machine).
    """
    moment = now or datetime.now(UTC)
    check_org_name(org)
    ca = pki.load_certified_key(paths.ca_cert, paths.ca_key)
    san = pki.client_san(org, role.value)

    def register(registry: TrustRegistry) -> TrustRegistry:
        owner = registry.organization_for_peer(san)
        if owner is not None and owner.name == org:
            return registry.with_role(org, role)
        return registry.with_identity(org, role, san, moment)

    edit_trust(paths, register)
    _make_private_dir(out)
    _write_client(ca, out, paths, org=org, role=role.value, now=moment)
    return san


def _write_client(
    ca: pki.CertifiedKey, out: Path, paths: NodePaths, *, org: str, role: str, now: datetime
) -> str:
    files = ClientFiles(out)
    client = pki.issue_client_cert(ca, org, role, now=now)
    pki.write_certified_key(client, files.cert, files.key)
    try:
        shutil.copyfile(paths.ca_cert, files.ca)
    except OSError as exc:
        raise NodeError(f"cannot copy the CA certificate to {out}: {exc.strerror}") from exc
    return pki.client_san(org, role)


def _make_private_dir(path: Path) -> None:
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise NodeError(f"cannot create {path}: {exc.strerror}") from exc


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError as exc:
        raise NodeError(f"cannot write {path}: {exc.strerror}") from exc
    finally:
        tmp.unlink(missing_ok=True)


__all__ = [
    "ADMIN_CLIENT",
    "ClientFiles",
    "Limits",
    "NodeConfig",
    "NodeError",
    "NodePaths",
    "NodeRole",
    "TrustSource",
    "add_client",
    "edit_trust",
    "init_node",
    "load_config",
    "load_node_key",
    "load_trust",
    "open_node_store",
    "save_config",
]
