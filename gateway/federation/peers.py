"""The peers a node pulls from, as pure data: `NODE/peers.json`, signed by the node key.

A peer is another node, reached at `address` over mTLS with the client identity it issued to this
node (`cfx clients add --role node` at the peer), whose log this node verifies with the peer's
signed-note key. `pull` names the dataset kinds taken from it; `delegate` accepts the signing keys
it vouches for (issue 12, DESIGN.md §5). The peer's organization and node role are those its log
origin names (`cfx.<org>.<role>/log`, gateway.node.NodeConfig.log_origin) unless given.

`PeerSet` is immutable: each edit returns a new set with `version` + 1 (python-tuf's metadata
style), and the file is signed and rollback-checked like trust.json (gateway.trust.signed_file).
No I/O here: the identity directory is checked when a peer is added and when it is used.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.domain import DatasetKind, NodeRole
from gateway.errors import GatewayError
from gateway.json_fields import json_list, json_object, json_string
from gateway.log.checkpoint import NoteKey
from gateway.log.errors import LogError
from gateway.trust.model import ORG_NAME_RE
from gateway.trust.signed_file import SignedFile

PEERS_FORMAT = "cfx-peers/1"
PEERS_FILE_NAME = "peers.json"
MAX_PEERS = 256
MAX_PEERS_FILE_BYTES = 1 << 20
MAX_PATH_CHARS = 4096
MAX_VKEY_CHARS = 1024

# Peer names appear in commands and messages; the same shape as organization names.
PEER_NAME_RE = ORG_NAME_RE
# A DNS name or IPv4 address; IPv6 goes in brackets (RFC 3986 §3.2.2).
_HOST_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
# The default log origin of a node (gateway.node.NodeConfig): organization and node role.
_ORIGIN_RE = re.compile(
    r"cfx\.(?P<org>" + ORG_NAME_RE.pattern + r")\.(?P<role>" + "|".join(NodeRole) + r")/log"
)


class PeerError(GatewayError):
    """Base of the errors about peers and the peers file."""

    reason = "PEER_ERROR"


class InvalidPeerError(PeerError):
    """A peer field that does not follow the model (name, address, key, kinds, …)."""

    reason = "PEER_INVALID"


class PeerConflictError(PeerError):
    """An edit would list a peer twice: the same name, log origin or address."""

    reason = "PEER_CONFLICT"


class PeerNotFoundError(PeerError):
    """No peer of that name is listed."""

    reason = "PEER_NOT_FOUND"


class PeersFileError(PeerError):
    """The peers file is unreadable, malformed or does not follow the model."""

    reason = "PEERS_FILE_INVALID"


class PeersSignatureError(PeersFileError):
    """The peers file is not signed by the node key, or was changed after signing."""

    reason = "PEERS_FILE_SIGNATURE_INVALID"


class PeersRollbackError(PeersFileError):
    """A peers file older than one this node adopted before: an old file put back (R4)."""

    reason = "PEERS_FILE_ROLLBACK"

    def __init__(self, version: int, highest: int) -> None:
        super().__init__(
            f"peers.json version {version} is older than version {highest}, which this node "
            "already adopted: an older file was put back; restore the newest peers.json"
        )
        self.version = version
        self.highest = highest

    @property
    def metadata(self) -> Mapping[str, str]:
        """The file's version and the highest adopted one."""
        return {"version": str(self.version), "highest": str(self.highest)}


def origin_names(origin: str) -> tuple[str, NodeRole] | None:
    """The organization and node role a default log origin (`cfx.<org>.<role>/log`) names;
    None for a custom origin."""
    match = _ORIGIN_RE.fullmatch(origin)
    if match is None:
        return None
    return match["org"], NodeRole(match["role"])


def check_address(address: str) -> str:
    """`HOST:PORT` with a DNS name, an IPv4 address or a bracketed IPv6 address, port 1-65535."""
    host, sep, port = address.rpartition(":") if isinstance(address, str) else ("", "", "")
    valid_port = port.isascii() and port.isdigit() and len(port) <= 5 and 0 < int(port) < 65536
    if not sep or not valid_port or not _valid_host(host):
        raise InvalidPeerError(
            f"peer address {address!r:.80} is not HOST:PORT (e.g. 127.0.0.1:7443, [::1]:7443)"
        )
    return address


def _valid_host(host: str) -> bool:
    if host.startswith("[") and host.endswith("]"):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return False
        return True
    return _HOST_RE.fullmatch(host) is not None


@dataclass(frozen=True)
class Peer:
    """One peer node. `identity` is the directory (cert.pem, key.pem, ca.pem) of the client
    identity the peer issued to this node; a relative path is relative to the node directory.
    `log_key` is the peer's signed-note verifier key text (its `log.vkey`), kept canonical."""

    name: str
    address: str
    identity: Path
    log_key: str
    org: str
    node_role: NodeRole
    pull: frozenset[DatasetKind] = frozenset(DatasetKind)
    delegate: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or PEER_NAME_RE.fullmatch(self.name) is None:
            raise InvalidPeerError(
                f"peer name {self.name!r:.80} must be lowercase letters, digits and '-' "
                "(at most 63 characters)"
            )
        check_address(self.address)
        text = str(self.identity) if isinstance(self.identity, Path) else ""
        if not text or text == "." or len(text) > MAX_PATH_CHARS or "\x00" in text:
            raise InvalidPeerError(f"peer {self.name}: identity must name a directory")
        object.__setattr__(self, "log_key", _canonical_vkey(self.name, self.log_key))
        if not isinstance(self.org, str) or ORG_NAME_RE.fullmatch(self.org) is None:
            raise InvalidPeerError(
                f"peer {self.name}: organization {self.org!r:.80} must be lowercase letters, "
                "digits and '-'"
            )
        if not isinstance(self.node_role, NodeRole):
            raise InvalidPeerError(f"peer {self.name}: node role must be a NodeRole")
        if not isinstance(self.pull, frozenset) or not all(
            isinstance(kind, DatasetKind) for kind in self.pull
        ):
            raise InvalidPeerError(f"peer {self.name}: pull must be a set of dataset kinds")
        if not self.pull:
            raise InvalidPeerError(f"peer {self.name}: pull at least one dataset kind")
        if not isinstance(self.delegate, bool):
            raise InvalidPeerError(f"peer {self.name}: delegate must be true or false")

    @property
    def note_key(self) -> NoteKey:
        """The key the peer's checkpoints must be signed with."""
        return NoteKey.from_vkey(self.log_key)

    @property
    def origin(self) -> str:
        """The peer's log origin: its note key's name (gateway.node.log_identity)."""
        return self.note_key.name

    def identity_dir(self, node_root: Path) -> Path:
        """The identity directory, a relative one resolved against the node directory."""
        return self.identity if self.identity.is_absolute() else node_root / self.identity

    def to_dict(self) -> dict[str, Any]:
        """The JSON form in peers.json (kinds sorted, so the signed bytes are stable)."""
        return {
            "name": self.name,
            "address": self.address,
            "identity": str(self.identity),
            "log_key": self.log_key,
            "org": self.org,
            "node_role": self.node_role.value,
            "pull": sorted(self.pull),
            "delegate": self.delegate,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Peer:
        """The peer `to_dict` wrote; every field required, none unknown."""
        fields = {"name", "address", "identity", "log_key", "org", "node_role", "pull", "delegate"}
        body = _object(data, "peer", fields)
        try:
            node_role = NodeRole(_string(body["node_role"], "node_role"))
        except ValueError as exc:
            raise PeersFileError(f"unknown node role {body['node_role']!r:.40}") from exc
        return cls(
            name=_string(body["name"], "name"),
            address=_string(body["address"], "address"),
            identity=Path(_string(body["identity"], "identity")),
            log_key=_string(body["log_key"], "log_key"),
            org=_string(body["org"], "org"),
            node_role=node_role,
            pull=parse_kinds(_list(body["pull"], "pull")),
            delegate=body["delegate"],
        )


def _canonical_vkey(name: str, text: Any) -> str:
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_VKEY_CHARS:
        raise InvalidPeerError(f"peer {name}: log key must be a signed-note verifier key")
    try:
        return NoteKey.from_vkey(text).to_vkey()
    except LogError as exc:
        raise InvalidPeerError(
            f"peer {name}: log key is not a signed-note verifier key ({exc.message})"
        ) from exc


def parse_kinds(names: Iterable[Any]) -> frozenset[DatasetKind]:
    """Dataset kinds by their names (`ProductFootprint`, …); an unknown name is refused."""
    kinds: set[DatasetKind] = set()
    for name in names:
        try:
            kinds.add(DatasetKind(name))
        except ValueError:
            known = ", ".join(DatasetKind)
            raise InvalidPeerError(f"unknown dataset kind {name!r:.40} (known: {known})") from None
    return frozenset(kinds)


@dataclass(frozen=True)
class PeerSet:
    """The node's peers, sorted by name; every edit returns a new set with `version` + 1."""

    version: int = 0
    peers: tuple[Peer, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 0:
            raise InvalidPeerError("peers version must be a non-negative integer")
        if len(self.peers) > MAX_PEERS:
            raise InvalidPeerError(f"at most {MAX_PEERS} peers")
        ordered = tuple(sorted(self.peers, key=lambda peer: peer.name))
        if ordered != self.peers:
            raise InvalidPeerError("peers must be sorted by name")
        # One log is pulled once: two entries for one node would store its datasets twice.
        _refuse_duplicates("name", [(p.name, p.name) for p in self.peers])
        _refuse_duplicates("log origin", [(p.name, p.origin) for p in self.peers])
        _refuse_duplicates("address", [(p.name, p.address) for p in self.peers])

    def peer(self, name: str) -> Peer:
        """The peer named `name`; PeerNotFoundError if none is."""
        for peer in self.peers:
            if peer.name == name:
                return peer
        raise PeerNotFoundError(f"no peer is named {name!r:.80}")

    def with_peer(self, peer: Peer) -> PeerSet:
        """This set with `peer` added; a peer of the same name is refused (remove it first)."""
        if any(p.name == peer.name for p in self.peers):
            raise PeerConflictError(
                f"a peer named {peer.name} exists; remove it first (`cfx peers remove`)"
            )
        peers = tuple(sorted((*self.peers, peer), key=lambda p: p.name))
        return PeerSet(version=self.version + 1, peers=peers)

    def without_peer(self, name: str) -> PeerSet:
        """This set without the peer named `name` (which must be listed)."""
        self.peer(name)
        return PeerSet(
            version=self.version + 1, peers=tuple(p for p in self.peers if p.name != name)
        )

    # -- serialization (symmetric: from_dict(to_dict(s)) == s) ----------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The `signed` part of peers.json."""
        return {
            "format": PEERS_FORMAT,
            "version": self.version,
            "peers": [peer.to_dict() for peer in self.peers],
        }

    @classmethod
    def from_dict(cls, data: Any) -> PeerSet:
        """The set `to_dict` wrote; anything else is a PeersFileError saying what is wrong."""
        body = _object(data, "peers file", {"format", "version", "peers"})
        if body["format"] != PEERS_FORMAT:
            raise PeersFileError(f"unsupported peers file format {body['format']!r:.40}")
        entries = _list(body["peers"], "peers")
        if len(entries) > MAX_PEERS:
            raise PeersFileError(f"peers file lists more than {MAX_PEERS} peers")
        try:
            return cls(
                version=body["version"], peers=tuple(Peer.from_dict(entry) for entry in entries)
            )
        except PeersFileError:
            raise
        except PeerError as exc:
            raise PeersFileError(f"peers file: {exc.message}") from exc


PEERS_FILE: SignedFile[PeerSet] = SignedFile(
    what="peers file",
    domain=b"cfx peers v1\n",
    parse=PeerSet.from_dict,
    invalid=PeersFileError,
    forged=PeersSignatureError,
    max_bytes=MAX_PEERS_FILE_BYTES,
)


def _refuse_duplicates(label: str, named: list[tuple[str, str]]) -> None:
    seen: dict[str, str] = {}
    for name, value in named:
        if value in seen:
            if label == "name":
                raise PeerConflictError(f"peer {name} is listed twice")
            raise PeerConflictError(
                f"peers {seen[value]} and {name} have the same {label} {value:.120}"
            )
        seen[value] = name


def _object(
    data: Any, what: str, required: set[str], optional: frozenset[str] | set[str] = frozenset()
) -> dict[str, Any]:
    return json_object(data, what, required, PeersFileError, optional)


def _list(data: Any, what: str) -> list[Any]:
    return json_list(data, what, PeersFileError)


def _string(data: Any, what: str) -> str:
    return json_string(data, what, PeersFileError)
