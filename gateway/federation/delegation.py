"""Delegated trust (issue 12): the registry a peer's datasets are checked under. Pure: no I/O.

A node that lists a peer with `--delegate` accepts the signing keys that peer vouches for: the
keys its own signed trust registry lists, and those it accepts by delegation from its own peers,
each verified hop by hop (gateway.federation.vouching). No exporter key is copied between nodes.

What a node may vouch for depends on its role, and a key reached through several hops counts only
for the kinds EVERY hop may vouch for (the intersection along the path). The one table:

| node role  | vouches, for any organization it registered  | and for its own organization  |
|------------|----------------------------------------------|-------------------------------|
| provincial | ProductFootprint, Attestation, StatusUpdate  | + EmissionFactor              |
| national   | every kind                                   | every kind                    |
| registry   | ProductFootprint, StatusUpdate               | the same                      |

Why: a provincial node registers the exporters and certifiers of its province (their footprints
and attestations) and publishes its own grid factors, but national accounting rules and factors
are the national node's to vouch for (DESIGN.md §5: rules flow down, footprints flow up). The
national repository is the federation's root of reference data, so it may vouch for every kind.
A trade partner's registry receives footprints; it vouches for nothing else. StatusUpdate is in
every row because an issuer withdraws or deprecates its own datasets with it; the checker still
requires the update to come from the issuer of its target.

The effective registry is this node's own registry, untouched (what it trusts directly always
wins: a name or key it registered is never replaced by a delegated one), plus each delegated
organization with its client identities removed (they authenticate nobody here) and its kinds
narrowed. A key revoked by any node on the path, in its signed registry or in its log, is
revoked here: revocation is final (R3). The node's own submit path never sees this registry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from gateway.domain import DatasetKind, NodeRole
from gateway.trust.model import Organization, Role, TrustRegistry

_K = DatasetKind


@dataclass(frozen=True)
class Vouch:
    """The kinds a node role vouches for: for any organization it registered, and in addition
    for the node's own organization."""

    any_org: frozenset[DatasetKind]
    own_org: frozenset[DatasetKind] = frozenset()

    def kinds(self, *, own: bool) -> frozenset[DatasetKind]:
        """The kinds for an organization (the node's own one or another)."""
        return self.any_org | self.own_org if own else self.any_org


VOUCHABLE: Mapping[NodeRole, Vouch] = {
    NodeRole.PROVINCIAL: Vouch(
        frozenset({_K.PRODUCT_FOOTPRINT, _K.ATTESTATION, _K.STATUS_UPDATE}),
        frozenset({_K.EMISSION_FACTOR}),
    ),
    NodeRole.NATIONAL: Vouch(frozenset(DatasetKind)),
    NodeRole.REGISTRY: Vouch(frozenset({_K.PRODUCT_FOOTPRINT, _K.STATUS_UPDATE})),
}

# Hops from this node to the node whose registry is vouched for: deeper chains are not followed.
MAX_DELEGATION_DEPTH = 4


@dataclass(frozen=True)
class Hop:
    """A node on a delegation path: its log origin, organization and node role."""

    origin: str
    org: str
    role: NodeRole

    def vouches(self, org_name: str) -> frozenset[DatasetKind]:
        """The kinds this node may vouch for on behalf of organization `org_name`."""
        return VOUCHABLE[self.role].kinds(own=org_name == self.org)


def path_kinds(path: Iterable[Hop], org_name: str) -> frozenset[DatasetKind]:
    """The kinds every hop of `path` may vouch for on behalf of `org_name`."""
    kinds = frozenset(DatasetKind)
    for hop in path:
        kinds &= hop.vouches(org_name)
    return kinds


@dataclass(frozen=True)
class DelegatedRegistry:
    """A verified registry of the last node on `path` (the first is this node's direct peer),
    and the key revocations that node logged, as far as they are known here."""

    path: tuple[Hop, ...]
    registry: TrustRegistry
    revocations: Mapping[str, datetime] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        """The log origin of the node whose registry this is."""
        return self.path[-1].origin


def effective_registry(
    local: TrustRegistry, delegated: Iterable[DelegatedRegistry]
) -> TrustRegistry:
    """`local` plus the organizations the delegated registries vouch for (see the module doc).

    One node's registry reached by several paths counts once: its newest version, every
    revocation any copy carries, and the shortest path (then the smallest origins) decides its
    kinds. Between delegated registries, the nearer one wins an organization name or a key.
    """
    chosen = _one_per_origin(delegated)
    orgs = {org.name: org for org in local.organizations}
    names = set(orgs)
    dids = {key.did for org in orgs.values() for key in org.keys}
    for source in chosen:
        for org in source.registry.organizations:
            narrowed = _vouched(org, source.path, dids)
            if narrowed is None or (org.name in names and not _own_peer(orgs, org, source)):
                continue
            names.add(org.name)
            dids.update(key.did for key in narrowed.keys)
            orgs[org.name] = narrowed
    return TrustRegistry(
        version=local.version, organizations=tuple(sorted(orgs.values(), key=lambda o: o.name))
    )


def _own_peer(
    local: Mapping[str, Organization], org: Organization, source: DelegatedRegistry
) -> bool:
    """True when `org` is the organization running the node whose registry this is, and this
    node registered that name only as the node identity it issued to it (no keys, role node):
    a peer's own organization is the peer's to vouch for. Without this, a provincial node that
    lets the national node pull from it (so registers `national` as a node) could never accept
    the rules the national node signs with its own key (issue 12: rules flow down). The
    effective registry only checks pulled datasets, never authenticates, so nothing the node
    identity allows is widened."""
    mine = local.get(org.name)
    return (
        mine is not None
        and not mine.keys
        and mine.roles == {Role.NODE}
        and source.path[-1].org == org.name
    )


def _one_per_origin(delegated: Iterable[DelegatedRegistry]) -> list[DelegatedRegistry]:
    by_origin: dict[str, list[DelegatedRegistry]] = {}
    for source in delegated:
        if 0 < len(source.path) <= MAX_DELEGATION_DEPTH:
            by_origin.setdefault(source.origin, []).append(source)
    chosen = []
    for copies in by_origin.values():
        revoked: dict[str, datetime] = {}
        for copy in copies:
            for did, at in (*copy.revocations.items(), *_revoked_in(copy.registry)):
                revoked[did] = min(at, revoked.get(did, at))
        newest = max(copies, key=lambda c: c.registry.version)
        shortest = min(copies, key=lambda c: (len(c.path), [h.origin for h in c.path]))
        chosen.append(
            DelegatedRegistry(shortest.path, newest.registry.with_revocations(revoked), revoked)
        )
    return sorted(chosen, key=lambda c: (len(c.path), [h.origin for h in c.path]))


def _revoked_in(registry: TrustRegistry) -> list[tuple[str, datetime]]:
    return [
        (key.did, key.revoked_at)
        for org in registry.organizations
        for key in org.keys
        if key.revoked_at is not None
    ]


def _vouched(org: Organization, path: tuple[Hop, ...], taken: set[str]) -> Organization | None:
    """`org` as the path vouches for it: no identities, no node role, its keys not already
    registered nearer, its kinds narrowed; None when nothing is left to vouch for."""
    kinds = path_kinds(path, org.name) & org.issuable_kinds
    keys = tuple(key for key in org.keys if key.did not in taken)
    if not kinds or not keys:
        return None
    return replace(
        org, roles=org.roles - {Role.NODE}, keys=keys, identities=(), vouched_kinds=kinds
    )
