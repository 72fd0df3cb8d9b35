"""How delegated trust travels between nodes and is verified hop by hop (issue 12).

`GetNodeInfo` carries two signed documents, both signed by the node key (the key of the node's
log, so a puller verifies them with the peer log key it already trusts):
- `trust_registry`: the node's own trust.json, byte for byte (gateway.trust.signed_file);
- `delegations`: what the node itself accepts by delegation, a `Delegations` document signed
  with its own domain line (`cfx delegations v1`). Each entry is a registry of a node further
  away, STILL SIGNED BY THAT NODE (its trust.json bytes as that node served them), with the
  path from the serving node's direct peer to it (each hop's origin, organization and node
  role), that node's log key, and the key revocations that node logged.

So the puller verifies the summary with its peer's log key, and each registry in it with the log
key the summary names; it never needs a key it was not given by a node it already trusts, and
no node can alter another node's registry. The roles on the path bound what it may vouch for
(gateway.federation.delegation.VOUCHABLE).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gateway.domain import NodeRole
from gateway.errors import GatewayError
from gateway.federation.delegation import MAX_DELEGATION_DEPTH, DelegatedRegistry, Hop
from gateway.federation.errors import FederationError
from gateway.federation.peers import origin_names
from gateway.json_fields import json_list, json_object, json_string
from gateway.log.checkpoint import NoteKey
from gateway.times import from_sortable, to_sortable
from gateway.trust.model import ORG_NAME_RE
from gateway.trust.signed_file import TRUST_FILE, SignedFile
from signing.keys import PublicKey

DELEGATIONS_FORMAT = "cfx-delegations/1"
MAX_DELEGATIONS = 64
MAX_REVOCATIONS = 10_000
MAX_DELEGATIONS_BYTES = 16 << 20


class VouchedTrustError(FederationError):
    """A peer's trust registry or delegations document is malformed or cannot be verified."""

    reason = "PEER_TRUST_INVALID"


class VouchedTrustSignatureError(VouchedTrustError):
    """A registry or delegations document not signed by the key of the node it claims."""

    reason = "PEER_TRUST_SIGNATURE_INVALID"


def log_public_key(log_key: str) -> PublicKey:
    """The node key behind a signed-note verifier key: it signs the node's files too."""
    try:
        note_key = NoteKey.from_vkey(log_key)
    except GatewayError as exc:
        raise VouchedTrustError(f"not a log key: {exc}") from exc
    return PublicKey("ed25519", note_key.public_key)


@dataclass(frozen=True)
class Vouched:
    """A registry held by delegation as it travels and is stored: `path` from the holder's
    direct peer to the registry's node, that node's log key, its signed trust file, and the
    key revocations it logged (DID -> when)."""

    path: tuple[Hop, ...]
    log_key: str
    trust_file: bytes
    revocations: Mapping[str, datetime] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        """The log origin of the node whose registry this is."""
        return self.path[-1].origin

    def verify(self) -> DelegatedRegistry:
        """The registry, verified with the log key of the node it belongs to; typed errors."""
        if NoteKey.from_vkey(self.log_key).name != self.origin:
            raise VouchedTrustError(f"the log key given for {self.origin:.120} is another log's")
        registry = TRUST_FILE.verify(self.trust_file, log_public_key(self.log_key))
        return DelegatedRegistry(self.path, registry, dict(self.revocations))

    def behind(self, hop: Hop) -> Vouched:
        """This entry as seen one hop further away, through `hop`."""
        return Vouched((hop, *self.path), self.log_key, self.trust_file, self.revocations)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form inside a delegations document."""
        return {
            "path": [
                {"origin": h.origin, "org": h.org, "node_role": h.role.value} for h in self.path
            ],
            "log_key": self.log_key,
            "trust_file": base64.b64encode(self.trust_file).decode(),
            "revocations": {did: to_sortable(at) for did, at in sorted(self.revocations.items())},
        }

    @classmethod
    def from_dict(cls, data: Any) -> Vouched:
        """The entry `to_dict` wrote; VouchedTrustError for anything else."""
        body = _object(data, "delegation", {"path", "log_key", "trust_file", "revocations"})
        path = tuple(_hop(h) for h in _list(body["path"], "path"))
        if not 0 < len(path) <= MAX_DELEGATION_DEPTH:
            raise VouchedTrustError(f"a delegation path has 1 to {MAX_DELEGATION_DEPTH} hops")
        if len({h.origin for h in path}) != len(path):
            raise VouchedTrustError("a delegation path visits a node twice")
        revocations = body["revocations"]
        if not isinstance(revocations, dict) or len(revocations) > MAX_REVOCATIONS:
            raise VouchedTrustError(f"revocations: an object of at most {MAX_REVOCATIONS}")
        try:
            trust_file = base64.b64decode(_string(body["trust_file"], "trust_file"), validate=True)
            revoked = {
                str(did): from_sortable(_string(at, "time")) for did, at in revocations.items()
            }
        except (binascii.Error, ValueError) as exc:
            raise VouchedTrustError(f"delegation entry: {exc}") from exc
        return cls(path, _string(body["log_key"], "log_key"), trust_file, revoked)


@dataclass(frozen=True)
class Delegations:
    """What a node accepts by delegation, as it serves it (signed by its node key)."""

    entries: tuple[Vouched, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The signed JSON body."""
        return {"format": DELEGATIONS_FORMAT, "entries": [e.to_dict() for e in self.entries]}

    @classmethod
    def from_dict(cls, data: Any) -> Delegations:
        """The document `to_dict` wrote; VouchedTrustError for anything else."""
        body = _object(data, "delegations", {"format", "entries"})
        if body["format"] != DELEGATIONS_FORMAT:
            raise VouchedTrustError(f"unsupported delegations format {body['format']!r:.40}")
        entries = _list(body["entries"], "entries")
        if len(entries) > MAX_DELEGATIONS:
            raise VouchedTrustError(f"more than {MAX_DELEGATIONS} delegated registries")
        return cls(tuple(Vouched.from_dict(e) for e in entries))


DELEGATIONS_FILE: SignedFile[Delegations] = SignedFile(
    what="delegations",
    domain=b"cfx delegations v1\n",
    parse=Delegations.from_dict,
    invalid=VouchedTrustError,
    forged=VouchedTrustSignatureError,
    max_bytes=MAX_DELEGATIONS_BYTES,
)


def _hop(data: Any) -> Hop:
    body = _object(data, "hop", {"origin", "org", "node_role"})
    origin, org = _string(body["origin"], "origin"), _string(body["org"], "org")
    try:
        role = NodeRole(_string(body["node_role"], "node_role"))
    except ValueError as exc:
        raise VouchedTrustError(f"unknown node role {body['node_role']!r:.40}") from exc
    if ORG_NAME_RE.fullmatch(org) is None or not origin or len(origin) > 255:
        raise VouchedTrustError(f"hop {origin!r:.80}: malformed origin or organization")
    named = origin_names(origin)
    if named is not None and named != (org, role):
        raise VouchedTrustError(f"hop {origin:.80} is not {org} as a {role} node")
    return Hop(origin, org, role)


def _object(
    data: Any, what: str, required: set[str], optional: frozenset[str] | set[str] = frozenset()
) -> dict[str, Any]:
    return json_object(data, what, required, VouchedTrustError, optional)


def _list(data: Any, what: str) -> list[Any]:
    return json_list(data, what, VouchedTrustError)


def _string(data: Any, what: str) -> str:
    return json_string(data, what, VouchedTrustError)
