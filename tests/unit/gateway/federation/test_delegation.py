"""Delegated trust as pure data: the role table, the intersection along a path, and the registry
a peer's datasets are checked under (gateway.federation.delegation)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.domain import DatasetKind, NodeRole
from gateway.federation.delegation import (
    MAX_DELEGATION_DEPTH,
    VOUCHABLE,
    DelegatedRegistry,
    Hop,
    effective_registry,
    path_kinds,
)
from gateway.trust import Role, TrustRegistry
from gateway.trust.errors import RevokedKeyError, RoleNotAllowedError, UnknownKeyError

T0 = datetime(2026, 1, 1, tzinfo=UTC)
LATER = T0 + timedelta(days=1)
K = DatasetKind
PROVINCIAL = Hop("cfx.sichuan.provincial/log", "sichuan", NodeRole.PROVINCIAL)
NATIONAL = Hop("cfx.national.national/log", "national", NodeRole.NATIONAL)
REGISTRY = Hop("cfx.eu.registry/log", "eu", NodeRole.REGISTRY)
EXPORTER_DID = "did:key:zExporter"
GRID_DID = "did:key:zGrid"
OWN_DID = "did:key:zSichuan"


def provincial_registry(version: int = 3) -> TrustRegistry:
    registry = (
        TrustRegistry(version=version - 3)
        .with_key("sichuan-cells", Role.EXPORTER, EXPORTER_DID, T0)
        .with_key("sichuan-grid", Role.REPOSITORY, GRID_DID, T0)
        .with_key("sichuan", Role.REPOSITORY, OWN_DID, T0)
    )
    return registry.with_identity(
        "sichuan-cells", Role.EXPORTER, "spiffe://cfx/org/sichuan-cells/exporter", T0
    )


def via(
    *path: Hop, registry: TrustRegistry | None = None, revoked: dict[str, datetime] | None = None
) -> DelegatedRegistry:
    return DelegatedRegistry(path, registry or provincial_registry(), revoked or {})


def test_the_table_gives_each_role_what_the_module_documents() -> None:
    assert VOUCHABLE[NodeRole.NATIONAL].kinds(own=False) == frozenset(DatasetKind)
    assert VOUCHABLE[NodeRole.REGISTRY].kinds(own=True) == {K.PRODUCT_FOOTPRINT, K.STATUS_UPDATE}
    assert K.EMISSION_FACTOR not in PROVINCIAL.vouches("sichuan-grid")
    assert K.EMISSION_FACTOR in PROVINCIAL.vouches("sichuan")
    assert K.ACCOUNTING_RULE not in PROVINCIAL.vouches("sichuan")


def test_every_hop_narrows_the_kinds_of_a_path() -> None:
    assert path_kinds([NATIONAL, PROVINCIAL], "sichuan") >= {K.EMISSION_FACTOR}
    assert K.EMISSION_FACTOR not in path_kinds([REGISTRY, NATIONAL, PROVINCIAL], "sichuan")
    assert path_kinds([], "x") == frozenset(DatasetKind)


def test_a_footprint_of_an_exporter_only_the_provincial_node_registered_is_accepted() -> None:
    effective = effective_registry(TrustRegistry(), [via(NATIONAL, PROVINCIAL)])
    org = effective.authorize_issuer(EXPORTER_DID, K.PRODUCT_FOOTPRINT, LATER)
    assert org.name == "sichuan-cells"


def test_a_factor_of_another_organization_vouched_by_a_provincial_node_is_refused() -> None:
    effective = effective_registry(TrustRegistry(), [via(PROVINCIAL)])
    with pytest.raises(RoleNotAllowedError):
        effective.authorize_issuer(GRID_DID, K.EMISSION_FACTOR, LATER)
    assert effective.authorize_issuer(OWN_DID, K.EMISSION_FACTOR, LATER).name == "sichuan"


def test_a_registry_hop_never_passes_a_factor_on() -> None:
    effective = effective_registry(TrustRegistry(), [via(REGISTRY, NATIONAL, PROVINCIAL)])
    with pytest.raises(RoleNotAllowedError):
        effective.authorize_issuer(OWN_DID, K.EMISSION_FACTOR, LATER)
    assert effective.authorize_issuer(EXPORTER_DID, K.PRODUCT_FOOTPRINT, LATER)


def test_client_identities_of_a_delegated_registry_authenticate_nobody_here() -> None:
    effective = effective_registry(TrustRegistry(), [via(PROVINCIAL)])
    assert effective.organization_for_peer("spiffe://cfx/org/sichuan-cells/exporter") is None
    assert all(not org.identities for org in effective.organizations)


def test_what_this_node_registered_wins_a_name_and_a_key() -> None:
    local = TrustRegistry().with_key("sichuan-cells", Role.CERTIFIER, "did:key:zLocal", T0)
    local = local.with_key("mine", Role.EXPORTER, GRID_DID, T0)
    effective = effective_registry(local, [via(PROVINCIAL)])
    with pytest.raises(UnknownKeyError):
        effective.authorize_issuer(EXPORTER_DID, K.PRODUCT_FOOTPRINT, LATER)
    assert effective.organization_of_key(GRID_DID) is not None
    assert effective.organization("mine").keys[0].did == GRID_DID
    assert effective.version == local.version


def test_a_revocation_the_peer_logged_revokes_the_delegated_key() -> None:
    effective = effective_registry(
        TrustRegistry(), [via(PROVINCIAL, revoked={EXPORTER_DID: LATER})]
    )
    with pytest.raises(RevokedKeyError):
        effective.authorize_issuer(EXPORTER_DID, K.PRODUCT_FOOTPRINT, LATER)


def test_a_revocation_in_any_copy_of_a_registry_counts_and_the_newest_copy_is_used() -> None:
    old = via(NATIONAL, PROVINCIAL, registry=provincial_registry(3))
    newer = provincial_registry(3).revoke_key(EXPORTER_DID, LATER)
    newer = newer.with_key("sichuan-new", Role.EXPORTER, "did:key:zNew", T0)
    direct = via(PROVINCIAL, registry=newer)
    effective = effective_registry(TrustRegistry(), [old, direct])
    with pytest.raises(RevokedKeyError):
        effective.authorize_issuer(EXPORTER_DID, K.PRODUCT_FOOTPRINT, LATER)
    # The shortest path decides the kinds: the direct provincial peer, not through national.
    grid = effective.organization("sichuan-grid")
    assert grid.vouched_kinds == frozenset({K.PRODUCT_FOOTPRINT, K.STATUS_UPDATE})
    assert effective.authorize_issuer("did:key:zNew", K.PRODUCT_FOOTPRINT, LATER)


def test_a_path_deeper_than_the_limit_or_empty_vouches_for_nothing() -> None:
    deep = tuple(
        Hop(f"cfx.n{i}.national/log", f"n{i}", NodeRole.NATIONAL)
        for i in range(MAX_DELEGATION_DEPTH + 1)
    )
    effective = effective_registry(TrustRegistry(), [via(*deep), via()])
    assert effective.organizations == ()


def test_a_node_organization_issues_nothing_by_delegation() -> None:
    registry = provincial_registry().with_identity(
        "national", Role.NODE, "spiffe://cfx/org/national/node", T0, node_role=NodeRole.NATIONAL
    )
    registry = registry.with_key("national", Role.NODE, "did:key:zNode", T0)
    effective = effective_registry(TrustRegistry(), [via(NATIONAL, registry=registry)])
    with pytest.raises(UnknownKeyError):
        effective.authorize_issuer("did:key:zNode", K.PRODUCT_FOOTPRINT, LATER)
