"""The trust registry as pure data: organizations, their roles, keys and client identities.

No I/O here (python-tuf's split: model apart from files and network). The registry answers three
questions for the gateway: may this key issue this kind of dataset (`authorize_issuer`), which
organization is this mTLS peer (`organization_for_peer`), and may it read this kind (`can_read`).

Roles and the dataset kinds they may issue:

| role              | may issue                                                        |
|-------------------|------------------------------------------------------------------|
| exporter          | ProductFootprint, StatusUpdate (for its own datasets)            |
| repository        | EmissionFactor, AccountingRule, ProductFootprint, StatusUpdate   |
| certifier         | Attestation, StatusUpdate (revoking its attestations)            |
| registry_operator | every kind                                                       |
| node              | nothing: a peer node pulls, it never submits                     |

Reading: repositories, certifiers and registry operators read every kind; exporters and peer
nodes read the reference data (EmissionFactor, AccountingRule), attestations and status updates,
and only the ProductFootprints their own organization issued (what flows between nodes is further
narrowed by each dataset's usage policy, DESIGN.md §5).

Roles belong to the organization, but a `node` client identity (one a node issued to a peer node,
with the peer's node role) acts only as a node: through it the organization reads as a peer node
and submits nothing, whatever else it may do here (`Organization.acting_through`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from gateway.domain import DatasetKind, NodeRole, ReadScope
from gateway.json_fields import json_list, json_object, json_string
from gateway.pki import SPIFFE_PREFIX
from gateway.times import from_sortable, to_sortable
from gateway.trust.errors import (
    RegistryConflictError,
    RevokedKeyError,
    RoleNotAllowedError,
    ThresholdNotMetError,
    TrustFileError,
    UnknownKeyError,
    UnknownOrganizationError,
)


class Role(StrEnum):
    """What an organization does in the exchange; it decides what it may issue and read."""

    EXPORTER = "exporter"
    REPOSITORY = "repository"
    CERTIFIER = "certifier"
    REGISTRY_OPERATOR = "registry_operator"
    # A peer node's identity: pulls datasets and is notified, never submits (issue 12).
    NODE = "node"


_K = DatasetKind
ISSUABLE_KINDS: Mapping[Role, frozenset[DatasetKind]] = {
    Role.EXPORTER: frozenset({_K.PRODUCT_FOOTPRINT, _K.STATUS_UPDATE}),
    Role.REPOSITORY: frozenset(
        {_K.EMISSION_FACTOR, _K.ACCOUNTING_RULE, _K.PRODUCT_FOOTPRINT, _K.STATUS_UPDATE}
    ),
    Role.CERTIFIER: frozenset({_K.ATTESTATION, _K.STATUS_UPDATE}),
    Role.REGISTRY_OPERATOR: frozenset(DatasetKind),
    Role.NODE: frozenset(),
}
_PUBLIC_KINDS = frozenset(
    {_K.EMISSION_FACTOR, _K.ACCOUNTING_RULE, _K.ATTESTATION, _K.STATUS_UPDATE}
)
READABLE_KINDS: Mapping[Role, frozenset[DatasetKind]] = {
    Role.EXPORTER: _PUBLIC_KINDS,
    Role.REPOSITORY: frozenset(DatasetKind),
    Role.CERTIFIER: frozenset(DatasetKind),
    Role.REGISTRY_OPERATOR: frozenset(DatasetKind),
    Role.NODE: _PUBLIC_KINDS,
}
# The kinds a role reads when its own organization issued them: what it issues, and for a peer
# node the footprints of its own organization (it reads like an exporter, issuing nothing).
OWN_READABLE_KINDS: Mapping[Role, frozenset[DatasetKind]] = {
    **ISSUABLE_KINDS,
    Role.NODE: frozenset({_K.PRODUCT_FOOTPRINT}),
}

# Organization names appear in resource names (`organizations/{org}`) and in certificate URIs.
ORG_NAME_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_DID_RE = re.compile(r"did:[a-z0-9]+:[A-Za-z0-9._:%-]{1,2048}")
MAX_SAN_CHARS = 2048
REGISTRY_FORMAT = "cfx-trust-registry/1"


def check_org_name(name: str) -> str:
    """`name` if it is a lowercase slug usable in resource names and SANs, else TrustFileError."""
    if not isinstance(name, str) or ORG_NAME_RE.fullmatch(name) is None:
        raise TrustFileError(
            f"organization name {name!r:.80} must be lowercase letters, digits and '-' "
            "(at most 63 characters)"
        )
    return name


def check_did(did: str) -> str:
    """`did` if it has the form did:method:id (no fragment); TrustFileError otherwise."""
    if not isinstance(did, str) or _DID_RE.fullmatch(did) is None:
        raise TrustFileError(f"{did!r:.80} is not a DID (did:method:id, no fragment)")
    return did


def issuer_did(did_or_verification_method: str) -> str:
    """The controller DID of a verification method id (`did:key:z…#z…` -> `did:key:z…`)."""
    return did_or_verification_method.split("#", 1)[0]


class _Revocable:
    """An entry that counts from `added_at` until `revoked_at`; a revocation is final (R3)."""

    revoked_at: datetime | None

    @property
    def revoked(self) -> bool:
        """Whether the entry was revoked (at any time: backdating cannot revive it)."""
        return self.revoked_at is not None


@dataclass(frozen=True)
class TrustedKey(_Revocable):
    """A DID whose proofs count for its organization from `added_at` until revoked."""

    did: str
    added_at: datetime
    revoked_at: datetime | None = None


def node_san(org_name: str) -> str:
    """The one SAN a node identity of `org_name` has (gateway.pki.client_san's form)."""
    return f"{SPIFFE_PREFIX}{org_name}/{Role.NODE}"


@dataclass(frozen=True)
class ClientIdentity(_Revocable):
    """A client certificate URI SAN (`spiffe://cfx/org/<org>/<role>`, gateway.pki) that
    authenticates as the organization; a SAN of any other type or form names nobody.

    `node_role` is set exactly for a node identity (SAN `…/<org>/node`): the role of the peer node
    it was issued to, which usage policies decide on.
    """

    san: str
    added_at: datetime
    revoked_at: datetime | None = None
    node_role: NodeRole | None = None


@dataclass(frozen=True)
class Organization:
    """A registered organization: roles, signing keys, client identities, signature threshold."""

    name: str
    display_name: str = ""
    roles: frozenset[Role] = frozenset()
    keys: tuple[TrustedKey, ...] = ()
    identities: tuple[ClientIdentity, ...] = ()
    # Distinct trusted keys that must sign a credential of this organization (R1).
    threshold: int = 1
    # Set only in a registry built in memory from delegated trust (gateway.federation.delegation):
    # the kinds every node that vouched for the organization may vouch for. Never in a file.
    vouched_kinds: frozenset[DatasetKind] | None = None

    @property
    def issuable_kinds(self) -> frozenset[DatasetKind]:
        """The dataset kinds any of its roles may issue (within `vouched_kinds` when set)."""
        kinds: frozenset[DatasetKind] = frozenset().union(
            *(ISSUABLE_KINDS[role] for role in self.roles)
        )
        return kinds if self.vouched_kinds is None else kinds & self.vouched_kinds

    @property
    def readable_kinds(self) -> frozenset[DatasetKind]:
        """The kinds its roles may read from any issuer (its own datasets: see `read_scope`)."""
        return frozenset().union(*(READABLE_KINDS[role] for role in self.roles))

    @property
    def read_scope(self) -> ReadScope:
        """The store-level form of `TrustRegistry.can_read` for this organization."""
        own = frozenset().union(*(OWN_READABLE_KINDS[role] for role in self.roles))
        return ReadScope(self.readable_kinds, self.name, own)

    def acting_through(self, identity: ClientIdentity) -> Organization:
        """The organization as a caller authenticated by `identity` may act: a node identity
        only as a node; any other identity in every role but node. So an organization that is
        both an exporter and a peer node submits through its exporter identity only."""
        roles = (
            frozenset({Role.NODE}) if identity.node_role is not None else self.roles - {Role.NODE}
        )
        return self if roles == self.roles else replace(self, roles=roles)


@dataclass(frozen=True)
class TrustRegistry:
    """An immutable registry; every edit returns a new one with `version` + 1."""

    version: int = 0
    organizations: tuple[Organization, ...] = ()
    _by_did: dict[str, tuple[Organization, TrustedKey]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _by_san: dict[str, tuple[Organization, ClientIdentity]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 0:
            raise TrustFileError("registry version must be a non-negative integer")
        names: set[str] = set()
        for org in self.organizations:
            check_org_name(org.name)
            if isinstance(org.threshold, bool) or not isinstance(org.threshold, int):
                raise TrustFileError(f"threshold of {org.name} must be an integer")
            if org.threshold < 1:
                raise TrustFileError(f"threshold of {org.name} must be at least 1")
            if org.name in names:
                raise RegistryConflictError(f"organization {org.name} is listed twice")
            names.add(org.name)
            for key in org.keys:
                check_did(key.did)
                if key.did in self._by_did:
                    raise RegistryConflictError(f"{key.did} is registered twice")
                self._by_did[key.did] = (org, key)
            for identity in org.identities:
                if not identity.san or len(identity.san) > MAX_SAN_CHARS:
                    raise TrustFileError("client identity SAN must be 1-2048 characters")
                _check_node_identity(org, identity)
                if identity.san in self._by_san:
                    raise RegistryConflictError(
                        f"client identity {identity.san} is registered twice"
                    )
                self._by_san[identity.san] = (org, identity)

    # -- decisions ------------------------------------------------------------------------------

    def authorize_issuer(self, did: str, kind: DatasetKind, at: datetime) -> Organization:
        """The organization whose key `did` may issue `kind` at `at` (pass the intake time from
        an injected clock, never a time taken from the credential); typed error otherwise.

        A revoked key is refused whatever `at` says (R3): backdating cannot revive it. An
        organization with a threshold above 1 needs `authorize_issuers` with enough signers.
        """
        return self.authorize_issuers([did], kind, at)

    def authorize_issuers(
        self, dids: Iterable[str], kind: DatasetKind, at: datetime
    ) -> Organization:
        """R1: the signers of a credential's verified proofs, as DIDs or verification methods.

        The same key named twice counts once; unknown, revoked and not-yet-added keys count
        nothing. The credential is accepted for the organization whose distinct trusted keys
        reach its threshold, if that organization may issue `kind`.
        """
        counted: dict[str, set[str]] = {}
        refusals: list[Exception] = []
        for name in dict.fromkeys(issuer_did(d) for d in dids):
            found = self._by_did.get(name)
            if found is None:
                refusals.append(UnknownKeyError(f"{name} is not a trusted key", did=name))
                continue
            org, key = found
            if key.revoked:
                refusals.append(
                    RevokedKeyError(f"{key.did} of {org.name} was revoked", did=key.did)
                )
            elif at < key.added_at:
                refusals.append(
                    UnknownKeyError(
                        f"{key.did} is not trusted before {to_sortable(key.added_at)}",
                        did=key.did,
                    )
                )
            else:
                counted.setdefault(org.name, set()).add(key.did)
        if not counted:
            # Report the most telling reason: a revoked key beats an unknown one.
            revoked = [e for e in refusals if isinstance(e, RevokedKeyError)]
            raise (revoked or refusals or [UnknownKeyError("no signer was named")])[0]
        short: ThresholdNotMetError | None = None
        for name, keys in counted.items():
            org = self.organization(name)
            if len(keys) < org.threshold:
                short = ThresholdNotMetError(
                    f"{len(keys)} of the {org.threshold} keys {org.name} requires signed"
                )
                continue
            if kind not in org.issuable_kinds:
                roles = ", ".join(sorted(org.roles)) or "none"
                raise RoleNotAllowedError(f"{org.name} (roles: {roles}) may not issue {kind}")
            return org
        assert short is not None  # every counted organization fell short of its threshold
        raise short

    def organization_for_peer(self, san: str) -> Organization | None:
        """The organization a verified client-certificate SAN authenticates as, if any, with
        the roles that identity may act in (`Organization.acting_through`)."""
        found = self._by_san.get(san)
        if found is None or found[1].revoked:
            return None
        org, identity = found
        return org.acting_through(identity)

    def organization_for_peer_identities(self, sans: Iterable[str]) -> Organization | None:
        """The first organization any of a peer's SANs maps to (gRPC gives several)."""
        identity = self.identity_for_peer(sans)
        return None if identity is None else self.organization_for_peer(identity.san)

    def identity_for_peer(self, sans: Iterable[str]) -> ClientIdentity | None:
        """The registered, unrevoked client identity among a peer's SANs (the first one), e.g.
        to learn a peer node's `node_role`."""
        for san in sans:
            found = self._by_san.get(san)
            if found is not None and not found[1].revoked:
                return found[1]
        return None

    @staticmethod
    def can_read(org: Organization | None, kind: DatasetKind, issuer_org: str = "") -> bool:
        """May `org` read a dataset of `kind` issued by `issuer_org`? No organization: never."""
        return org is not None and org.read_scope.allows(kind, issuer_org)

    def organization(self, name: str) -> Organization:
        """The organization called `name`; UnknownOrganizationError if it is not registered."""
        for org in self.organizations:
            if org.name == name:
                return org
        raise UnknownOrganizationError(f"organization {name} is not registered")

    def key(self, did: str) -> TrustedKey | None:
        """The registered key `did` (or verification method of it), revoked or not."""
        found = self._by_did.get(issuer_did(did))
        return None if found is None else found[1]

    def organization_of_key(self, did: str) -> Organization | None:
        """The organization a key (revoked or not) is registered to, if any."""
        found = self._by_did.get(issuer_did(did))
        return None if found is None else found[0]

    # -- edits (pure: each returns a new registry) ----------------------------------------------

    def with_role(self, org_name: str, role: Role, *, display_name: str = "") -> TrustRegistry:
        """Add `role` to the organization, registering the organization if it is new."""
        return self._put(self._org_with_role(org_name, role, display_name))

    def with_threshold(self, org_name: str, threshold: int) -> TrustRegistry:
        """Require `threshold` distinct keys of the organization on each credential (R1)."""
        return self._put(replace(self.organization(org_name), threshold=threshold))

    def with_key(self, org_name: str, role: Role, did: str, at: datetime) -> TrustRegistry:
        """Register `did` as a key of the organization (with `role`); rotation = add + revoke."""
        check_did(did)
        if did in self._by_did:
            owner = self._by_did[did][0].name
            raise RegistryConflictError(f"{did} is already registered to {owner}")
        org = self._org_with_role(org_name, role)
        return self._put(replace(org, keys=(*org.keys, TrustedKey(did, at))))

    def with_identity(
        self,
        org_name: str,
        role: Role,
        san: str,
        at: datetime,
        *,
        node_role: NodeRole | None = None,
    ) -> TrustRegistry:
        """Let a client certificate with SAN `san` authenticate as the organization; a node
        identity (`role` node) names the peer's `node_role`, no other identity has one."""
        if san in self._by_san:
            owner = self._by_san[san][0].name
            raise RegistryConflictError(f"{san} is already registered to {owner}")
        if (role is Role.NODE) != (node_role is not None):
            raise RegistryConflictError(
                "a node identity needs the peer's node role, and only a node identity has one"
            )
        org = self._org_with_role(org_name, role)
        identity = ClientIdentity(san, at, node_role=node_role)
        return self._put(replace(org, identities=(*org.identities, identity)))

    def revoke_key(self, did: str, at: datetime) -> TrustRegistry:
        """Revoke the key `did` from `at` on; a key already revoked keeps its first date."""
        found = self._by_did.get(did)
        if found is None:
            raise UnknownKeyError(f"{did} is not registered", did=did)
        return self._revoke(*found, at)

    def with_revocations(self, revoked: Mapping[str, datetime]) -> TrustRegistry:
        """This registry with every key in `revoked` (DID -> when) revoked, at the same version:
        the log's revocations laid over a file, so no file can bring a revoked key back (R4)."""
        hits = [found for did, found in self._by_did.items() if did in revoked]
        if all(key.revoked for _, key in hits):
            return self
        orgs = tuple(
            replace(
                org,
                keys=tuple(
                    replace(k, revoked_at=revoked[k.did])
                    if k.did in revoked and not k.revoked
                    else k
                    for k in org.keys
                ),
            )
            for org in self.organizations
        )
        return TrustRegistry(version=self.version, organizations=orgs)

    def revoke_identity(self, san: str, at: datetime) -> TrustRegistry:
        """Revoke the client identity `san` from `at` on; one already revoked keeps its date."""
        found = self._by_san.get(san)
        if found is None:
            raise UnknownOrganizationError(f"client identity {san} is not registered")
        return self._revoke(*found, at)

    def _revoke(
        self, org: Organization, entry: TrustedKey | ClientIdentity, at: datetime
    ) -> TrustRegistry:
        if entry.revoked:
            return self
        if isinstance(entry, TrustedKey):
            return self._put(replace(org, keys=_revoked(org.keys, entry, at)))
        return self._put(replace(org, identities=_revoked(org.identities, entry, at)))

    def _org_with_role(self, name: str, role: Role, display_name: str = "") -> Organization:
        check_org_name(name)
        found = next((org for org in self.organizations if org.name == name), None)
        existing = found or Organization(name, display_name or name)
        return replace(
            existing,
            roles=existing.roles | {role},
            display_name=display_name or existing.display_name,
        )

    def _put(self, org: Organization) -> TrustRegistry:
        others = tuple(o for o in self.organizations if o.name != org.name)
        ordered = tuple(sorted((*others, org), key=lambda o: o.name))
        return TrustRegistry(version=self.version + 1, organizations=ordered)

    # -- serialization (symmetric: from_dict(to_dict(r)) == r) ----------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The trust file's JSON body (what the node key signs)."""
        return {
            "format": REGISTRY_FORMAT,
            "version": self.version,
            "organizations": [_org_to_dict(org) for org in self.organizations],
        }

    @classmethod
    def from_dict(cls, data: Any) -> TrustRegistry:
        """Parse `to_dict`'s form: exactly its members, every value checked; else TrustFileError."""
        body = _object(data, "registry", {"format", "version", "organizations"})
        if body["format"] != REGISTRY_FORMAT:
            raise TrustFileError(f"unsupported trust registry format {body['format']!r:.40}")
        orgs = tuple(_org_from_dict(o) for o in _list(body["organizations"], "organizations"))
        try:
            return cls(version=body["version"], organizations=orgs)
        except RegistryConflictError as exc:
            raise TrustFileError(str(exc)) from exc


_Entry = TypeVar("_Entry", TrustedKey, ClientIdentity)


def _revoked(entries: tuple[_Entry, ...], entry: _Entry, at: datetime) -> tuple[_Entry, ...]:
    return tuple(replace(e, revoked_at=at) if e is entry else e for e in entries)


def _org_to_dict(org: Organization) -> dict[str, Any]:
    return {
        "name": org.name,
        "display_name": org.display_name,
        "roles": sorted(org.roles),
        "keys": [_dated(k.did, "did", k.added_at, k.revoked_at) for k in org.keys],
        "identities": [_identity_to_dict(i) for i in org.identities],
        "threshold": org.threshold,
    }


def _identity_to_dict(identity: ClientIdentity) -> dict[str, str]:
    out = _dated(identity.san, "san", identity.added_at, identity.revoked_at)
    if identity.node_role is not None:
        out["node_role"] = identity.node_role.value
    return out


def _identity_from_dict(data: Any) -> ClientIdentity:
    body = _object(data, "san", {"san", "added_at"}, optional={"revoked_at", "node_role"})
    dated = {key: value for key, value in body.items() if key != "node_role"}
    san, added, revoked = _dated_from_dict(dated, "san")
    if "node_role" not in body:  # every identity of a file written before node identities
        return ClientIdentity(san, added, revoked)
    try:
        node_role = NodeRole(body["node_role"])
    except ValueError as exc:
        raise TrustFileError(f"unknown node role {body['node_role']!r:.40}") from exc
    return ClientIdentity(san, added, revoked, node_role=node_role)


def _check_node_identity(org: Organization, identity: ClientIdentity) -> None:
    """A node identity is exactly the organization's node SAN, with a node role, in an
    organization that has the node role: no other identity can act as a node, and no node
    identity can act in the organization's other roles."""
    is_node_san = identity.san.startswith(SPIFFE_PREFIX) and identity.san.endswith(f"/{Role.NODE}")
    if is_node_san != (identity.node_role is not None):
        raise TrustFileError(
            f"client identity {identity.san:.120} of {org.name}: a node role goes with a "
            f"node SAN ({node_san(org.name)}) and only with one"
        )
    if identity.node_role is not None and (
        identity.san != node_san(org.name) or Role.NODE not in org.roles
    ):
        raise TrustFileError(
            f"node identity {identity.san:.120} must be {node_san(org.name)} in an organization "
            "with the node role"
        )


def _dated(value: str, label: str, added: datetime, revoked: datetime | None) -> dict[str, str]:
    out = {label: value, "added_at": to_sortable(added)}
    if revoked is not None:
        out["revoked_at"] = to_sortable(revoked)
    return out


def _org_from_dict(data: Any) -> Organization:
    body = _object(
        data,
        "organization",
        {"name", "display_name", "roles", "keys", "identities"},
        optional={"threshold"},
    )
    roles: set[Role] = set()
    for role in _list(body["roles"], "roles"):
        try:
            roles.add(Role(role))
        except ValueError as exc:
            raise TrustFileError(f"unknown role {role!r:.40}") from exc
    keys = tuple(TrustedKey(*_dated_from_dict(k, "did")) for k in _list(body["keys"], "keys"))
    identities = tuple(_identity_from_dict(i) for i in _list(body["identities"], "identities"))
    return Organization(
        name=_string(body["name"], "name"),
        display_name=_string(body["display_name"], "display_name"),
        roles=frozenset(roles),
        keys=keys,
        identities=identities,
        threshold=body.get("threshold", 1),
    )


def _dated_from_dict(data: Any, label: str) -> tuple[str, datetime, datetime | None]:
    body = _object(data, label, {label, "added_at"}, optional={"revoked_at"})
    revoked = body.get("revoked_at")
    return (
        _string(body[label], label),
        _time(body["added_at"]),
        None if revoked is None else _time(revoked),
    )


def _time(data: Any) -> datetime:
    try:
        return from_sortable(_string(data, "time"))
    except ValueError as exc:
        raise TrustFileError(
            f"{data!r:.40} is not a UTC time like 2026-01-01T00:00:00.000000Z"
        ) from exc


def _object(
    data: Any, what: str, required: set[str], optional: frozenset[str] | set[str] = frozenset()
) -> dict[str, Any]:
    return json_object(data, what, required, TrustFileError, optional)


def _list(data: Any, what: str) -> list[Any]:
    return json_list(data, what, TrustFileError)


def _string(data: Any, what: str) -> str:
    return json_string(data, what, TrustFileError)
