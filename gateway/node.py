"""A node directory: its configuration, keys, certificates, trust registry and store.

    NODE/config.json            NodeConfig (role, organization, listen address, store, limits)
    NODE/node-key.json          the node's Ed25519 signing key (0600): signs trust.json, checkpoints
    NODE/trust.json             the trust registry, signed by the node key
    NODE/peers.json             the peers this node pulls from, signed by the node key
    NODE/tls/ca.pem, ca.key     the development CA (key 0600)
    NODE/tls/server.pem, .key   the gRPC server certificate (DNS localhost, IP 127.0.0.1)
    NODE/clients/admin/         the operator's client identity: cert.pem, key.pem, ca.pem
    NODE/cfx.sqlite3            the default store

`init_node` makes a ready node; `add_client` issues another client identity and registers it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway import pki
from gateway.domain import NodeRole
from gateway.errors import NodeError
from gateway.federation.peers import PEERS_FILE, PEERS_FILE_NAME, PeerSet, PeersRollbackError
from gateway.limits import Limits
from gateway.log.entry import StatusChange, StatusChangeKind
from gateway.store import Store, open_store
from gateway.transparency import LogIdentity, NodeLog
from gateway.trust import Role, TrustRegistry, load_trust_file, save_trust_file
from gateway.trust.errors import RegistryConflictError, TrustRollbackError
from gateway.trust.model import check_org_name
from schemas import strict_json
from schemas.errors import SchemasError
from schemas.policy import ProfilePolicy, default_policy, policy_from_dict
from signing.keys import PrivateKey, generate_key, load_key, save_key

CONFIG_FORMAT = "cfx-node-config/1"
DEFAULT_LISTEN = "127.0.0.1:7443"
DEFAULT_STORE = "cfx.sqlite3"
ADMIN_CLIENT = "admin"
MAX_CONFIG_BYTES = 64 * 1024
# How stale the log's key revocations may be in a running server's registry (another replica's
# `cfx trust revoke` on a shared database reaches it within this many seconds).
REVOCATION_REFRESH_SECONDS = 5.0

_log = logging.getLogger("cfx.trust")


@dataclass(frozen=True)
class NodeConfig:
    """NODE/config.json: the node's role, organization, address, store, log origin, limits and
    the profiles it requires per dataset kind (`profiles`; None: its role's default policy)."""

    role: NodeRole
    org: str
    listen: str = DEFAULT_LISTEN
    # SQLite path relative to the node directory, `sqlite://…`, or `postgresql://…`.
    store: str = DEFAULT_STORE
    # Log origin line of this node's checkpoints (signed-note format): unique per node.
    log_origin: str = ""
    reflection: bool = False
    limits: Limits = field(default_factory=Limits)
    profiles: ProfilePolicy | None = None

    @property
    def profile_policy(self) -> ProfilePolicy:
        """The profiles this node enforces on submit and sync (schemas.policy)."""
        return default_policy(self.role.value) if self.profiles is None else self.profiles

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
        """The JSON object written to config.json (symmetric with `from_dict`)."""
        return {
            "format": CONFIG_FORMAT,
            "role": self.role.value,
            "org": self.org,
            "listen": self.listen,
            "store": self.store,
            "log_origin": self.log_origin,
            "reflection": self.reflection,
            "limits": asdict(self.limits),
        } | ({} if self.profiles is None else {"profiles": self.profiles.to_dict()})

    @classmethod
    def from_dict(cls, data: Any) -> NodeConfig:
        """A config from its JSON object; unknown keys and wrong types are refused."""
        if not isinstance(data, dict):
            raise NodeError("config must be a JSON object")
        known = {
            *("format", "role", "org", "listen", "store", "log_origin", "reflection", "limits"),
            "profiles",
        }
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
            profiles=_profiles_from_dict(data.get("profiles")),
        )


def _profiles_from_dict(data: Any) -> ProfilePolicy | None:
    if data is None:
        return None
    try:
        return policy_from_dict(data)
    except SchemasError as exc:
        raise NodeError(f"config profiles: {exc}") from exc


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
    """Where each file of a node directory lives."""

    root: Path

    @property
    def config(self) -> Path:
        """NODE/config.json."""
        return self.root / "config.json"

    @property
    def node_key(self) -> Path:
        """NODE/node-key.json (0600): signs trust.json, peers.json and checkpoints."""
        return self.root / "node-key.json"

    @property
    def trust(self) -> Path:
        """NODE/trust.json, the signed trust registry."""
        return self.root / "trust.json"

    @property
    def peers(self) -> Path:
        """NODE/peers.json, the signed peers file."""
        return self.root / PEERS_FILE_NAME

    @property
    def tls(self) -> Path:
        """NODE/tls/: the development CA and the server certificate."""
        return self.root / "tls"

    @property
    def ca_cert(self) -> Path:
        """The CA certificate client certificates must chain to."""
        return self.tls / "ca.pem"

    @property
    def ca_key(self) -> Path:
        """The CA's private key (0600)."""
        return self.tls / "ca.key"

    @property
    def server_cert(self) -> Path:
        """The gRPC server certificate (localhost, 127.0.0.1)."""
        return self.tls / "server.pem"

    @property
    def server_key(self) -> Path:
        """The server certificate's private key (0600)."""
        return self.tls / "server.key"

    @property
    def clients(self) -> Path:
        """NODE/clients/: client identities issued by this node."""
        return self.root / "clients"

    def client_dir(self, name: str = ADMIN_CLIENT) -> Path:
        """The directory of client identity `name` (default: the operator's)."""
        return self.clients / name


@dataclass(frozen=True)
class ClientFiles:
    """A client identity directory as the client CLI and `--client-cert DIR` read it."""

    root: Path

    @property
    def cert(self) -> Path:
        """The client certificate."""
        return self.root / "cert.pem"

    @property
    def key(self) -> Path:
        """The client certificate's private key."""
        return self.root / "key.pem"

    @property
    def ca(self) -> Path:
        """The CA the server certificate must chain to."""
        return self.root / "ca.pem"


# -- loading ------------------------------------------------------------------------------------


def load_config(paths: NodePaths) -> NodeConfig:
    """Read and check NODE/config.json (bounded; typed errors)."""
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
    """Write NODE/config.json."""
    _write_atomic(paths.config, (json.dumps(config.to_dict(), indent=2) + "\n").encode())


def load_node_key(paths: NodePaths) -> PrivateKey:
    """The node's signing key; refused unless the file is 0600."""
    return load_key(paths.node_key)


def load_trust(paths: NodePaths, node_key: PrivateKey | None = None) -> TrustRegistry:
    """The registry, verified against the node key (refused if tampered with)."""
    key = node_key or load_node_key(paths)
    return load_trust_file(paths.trust, key.public_key)


def adopt_trust(registry: TrustRegistry, store: Store) -> TrustRegistry:
    """`registry` as it is in force: refused if older than a version the store recorded (an old
    file put back), else recorded, with every key the log revoked laid over it (R4)."""
    highest = store.advance_trust_version(registry.version)
    if registry.version < highest:
        raise TrustRollbackError(registry.version, highest)
    return registry.with_revocations(store.key_revocations())


def edit_trust(paths: NodePaths, edit: Callable[[TrustRegistry], TrustRegistry]) -> TrustRegistry:
    """Load, verify, apply `edit`, re-sign and save; returns the new registry.

    An old trust.json put back is refused before any edit: editing it would re-sign an old
    registry under a new version.
    """
    with open_node_store(paths, load_config(paths)) as store:
        return _edit_trust(paths, store, edit)


def _edit_trust(
    paths: NodePaths, store: Store, edit: Callable[[TrustRegistry], TrustRegistry]
) -> TrustRegistry:
    key = load_node_key(paths)
    current = load_trust(paths, key)
    adopt_trust(current, store)
    updated = edit(current)
    save_trust_file(paths.trust, updated, key)
    store.advance_trust_version(updated.version)
    return updated


def load_peers(paths: NodePaths, node_key: PrivateKey | None = None) -> PeerSet:
    """The peers file, verified against the node key; no file yet is the empty set (version 0,
    so a deleted file after edits is a rollback to `adopt_peers`)."""
    key = node_key or load_node_key(paths)
    if not paths.peers.exists():
        return PeerSet()
    return PEERS_FILE.load(paths.peers, key.public_key)


def adopt_peers(peers: PeerSet, store: Store) -> PeerSet:
    """`peers` as in force: refused if older than a version the store recorded, else recorded."""
    highest = store.advance_file_version(PEERS_FILE_NAME, peers.version)
    if peers.version < highest:
        raise PeersRollbackError(peers.version, highest)
    return peers


def current_peers(paths: NodePaths, *, store_url: str | None = None) -> PeerSet:
    """The verified, adopted peers file (rollback-checked against the node's store)."""
    with open_node_store(paths, load_config(paths), store_url) as store:
        return adopt_peers(load_peers(paths), store)


def edit_peers(
    paths: NodePaths,
    edit: Callable[[PeerSet], PeerSet],
    *,
    store_url: str | None = None,
) -> PeerSet:
    """Load, verify, refuse a rollback, apply `edit`, re-sign and save; the new set."""
    key = load_node_key(paths)
    with open_node_store(paths, load_config(paths), store_url) as store:
        current = adopt_peers(load_peers(paths, key), store)
        updated = edit(current)
        PEERS_FILE.save(paths.peers, updated, key)
        store.advance_file_version(PEERS_FILE_NAME, updated.version)
    return updated


def revoke_key(
    paths: NodePaths, did: str, now: datetime | None = None, *, store_url: str | None = None
) -> tuple[TrustRegistry, int]:
    """Revoke `did` in the signed registry, then log the revocation (T5: a new entry, never an
    edit); returns the new registry and the log index. The entry's digest is that of the signed
    trust file which made the change, so anyone holding it can check what was revoked when.

    The store keeps the revocation with the entry, so no later trust.json can undo it, and a
    checkpoint covering the entry is signed and kept at once (`cfx log prove` finds it).
    `store_url` names the store when the server runs on another than config.json's.
    """
    moment = now or datetime.now(UTC)
    config = load_config(paths)
    with open_node_store(paths, config, store_url) as store:
        registry = _edit_trust(paths, store, lambda r: r.revoke_key(did, moment))
        entry = StatusChange(
            change=StatusChangeKind.KEY_REVOCATION,
            target=did,
            new_status="revoked",
            reason="trust-registry",
            digest=hashlib.sha256(paths.trust.read_bytes()).digest(),
            changed_at=moment,
        )
        index = store.append_log_entry(entry.to_bytes())
        log = NodeLog(store, log_identity(config, load_node_key(paths)), lambda: datetime.now(UTC))
        log.checkpoint()
        log.flush()
    return registry, index


def log_identity(config: NodeConfig, node_key: PrivateKey) -> LogIdentity:
    """The node's log signer: its origin line doubles as the note key name."""
    if not isinstance(node_key.crypto_key, Ed25519PrivateKey):
        raise NodeError("the node key must be Ed25519 (it signs signed-note checkpoints)")
    return LogIdentity(config.log_origin, config.log_origin, node_key.crypto_key)


def open_node_store(paths: NodePaths, config: NodeConfig, url: str | None = None) -> Store:
    """The node's store; `url` (e.g. `cfx serve --store`) overrides the configured one."""
    return open_store(url or config.store, paths.root)


class TrustSource:
    """The trust registry in force for a running server: re-read when trust.json changes.

    Safe to call from the server's thread pool. In force is the file (verified against the node
    key) with every key revocation the store holds laid over it (`adopt_trust`), so a key the log
    revoked stays revoked whatever the file says. At start, a file older than the highest
    version the store recorded raises TrustRollbackError: the server does not start on it.
    Later, a file that fails verification or is older is not adopted: the last good registry
    stays in force, the error is logged and kept in `last_error` (a tampered or old file never
    widens access). An edit by `cfx trust …` takes effect on the next call; a revocation logged
    by another writer within `refresh_seconds`.
    """

    def __init__(
        self,
        paths: NodePaths,
        node_key: PrivateKey,
        store: Store,
        *,
        refresh_seconds: float = REVOCATION_REFRESH_SECONDS,
    ) -> None:
        self._paths = paths
        self._key = node_key
        self._store = store
        self._refresh = refresh_seconds
        self._lock = threading.Lock()
        self._stamp = self._stat()
        self._file = load_trust(paths, node_key)
        self._registry = adopt_trust(self._file, store)
        self._refreshed_at = time.monotonic()
        self.last_error: Exception | None = None

    def _stat(self) -> tuple[int, int, int]:
        try:
            info = self._paths.trust.stat()
        except OSError:
            return (0, 0, 0)
        return (info.st_ino, info.st_mtime_ns, info.st_size)

    def current(self) -> TrustRegistry:
        """The registry in force: trust.json as adopted, every logged revocation laid over it."""
        stamp = self._stat()
        if stamp == self._stamp and time.monotonic() - self._refreshed_at < self._refresh:
            return self._registry
        with self._lock:
            if stamp == self._stamp and time.monotonic() - self._refreshed_at < self._refresh:
                return self._registry  # another thread just refreshed it
            try:
                if stamp != self._stamp:
                    self._stamp = stamp
                    fresh = load_trust(self._paths, self._key)
                    self._registry = adopt_trust(fresh, self._store)
                    self._file = fresh
                else:
                    self._registry = self._file.with_revocations(self._store.key_revocations())
                self.last_error = None
            except Exception as exc:  # noqa: BLE001 -- any failure keeps the last good registry
                _log.error("trust.json not adopted, the registry in force stays: %s", exc)
                self.last_error = exc
            self._refreshed_at = time.monotonic()
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
    paths: NodePaths,
    *,
    org: str,
    role: Role,
    out: Path,
    now: datetime | None = None,
    node_role: NodeRole | None = None,
) -> str:
    """Issue a client identity into `out` and register its SAN for `org` with `role`; a `node`
    identity (for a peer node) records the peer's `node_role`.

    Returns the SAN. Issuing a second certificate for the same organization and role is allowed
    (same identity, e.g. for a second machine); for a node, only with the same node role.
    """
    moment = now or datetime.now(UTC)
    check_org_name(org)
    ca = pki.load_certified_key(paths.ca_cert, paths.ca_key)
    san = pki.client_san(org, role.value)

    def register(registry: TrustRegistry) -> TrustRegistry:
        owner = registry.organization_for_peer(san)
        if owner is not None and owner.name == org:
            known = registry.identity_for_peer([san])
            if known is not None and known.node_role != node_role:
                raise RegistryConflictError(
                    f"{san} is registered with node role {known.node_role}, not {node_role}; "
                    f"revoke it first (`cfx trust revoke --san {san}`)"
                )
            return registry.with_role(org, role)
        return registry.with_identity(org, role, san, moment, node_role=node_role)

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
    "adopt_peers",
    "adopt_trust",
    "current_peers",
    "edit_peers",
    "edit_trust",
    "init_node",
    "load_config",
    "load_node_key",
    "load_peers",
    "load_trust",
    "log_identity",
    "open_node_store",
    "revoke_key",
    "save_config",
]
