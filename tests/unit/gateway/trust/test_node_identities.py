"""Node client identities (issue 12): a peer node's identity reads, never submits, and carries the
peer's node role through the trust file."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from gateway import access
from gateway.domain import DatasetKind, NodeRole
from gateway.errors import NodeMayNotSubmitError
from gateway.trust import RegistryConflictError, Role, TrustFileError, TrustRegistry
from gateway.trust.model import node_san

T0 = datetime(2026, 1, 1, tzinfo=UTC)
EXPORTER_SAN = "spiffe://cfx/org/sichuan-pv/exporter"
NODE_SAN = "spiffe://cfx/org/sichuan-pv/node"


@pytest.fixture
def registry() -> TrustRegistry:
    """sichuan-pv is an exporter here and also runs a peer (provincial) node that pulls."""
    return (
        TrustRegistry()
        .with_key("sichuan-pv", Role.EXPORTER, "did:key:z6MkExporterKey1", T0)
        .with_identity("sichuan-pv", Role.EXPORTER, EXPORTER_SAN, T0)
        .with_identity("sichuan-pv", Role.NODE, NODE_SAN, T0, node_role=NodeRole.PROVINCIAL)
    )


def test_node_identity_acts_only_as_a_node(registry: TrustRegistry):
    node = registry.organization_for_peer(NODE_SAN)
    assert node is not None
    assert node.roles == {Role.NODE}
    identity = registry.identity_for_peer(["spiffe://cfx/org/other/x", NODE_SAN])
    assert identity is not None
    assert identity.node_role is NodeRole.PROVINCIAL


def test_node_identity_reads_like_an_exporter(registry: TrustRegistry):
    node = registry.organization_for_peer(NODE_SAN)
    assert registry.can_read(node, DatasetKind.EMISSION_FACTOR, "grid")
    assert registry.can_read(node, DatasetKind.PRODUCT_FOOTPRINT, "sichuan-pv")
    assert not registry.can_read(node, DatasetKind.PRODUCT_FOOTPRINT, "other-exporter")


def test_node_identity_submitting_its_own_organizations_dataset_is_refused(
    registry: TrustRegistry,
):
    node = registry.organization_for_peer(NODE_SAN)
    issuer = registry.organization("sichuan-pv")
    assert node is not None
    with pytest.raises(NodeMayNotSubmitError) as info:
        access.authorize_submitter(node, issuer)
    assert info.value.reason == "NODE_MAY_NOT_SUBMIT"
    assert "node identity" in info.value.message


def test_exporter_identity_of_an_organization_that_is_also_a_node_still_submits(
    registry: TrustRegistry,
):
    exporter = registry.organization_for_peer(EXPORTER_SAN)
    assert exporter is not None
    assert exporter.roles == {Role.EXPORTER}
    access.authorize_submitter(exporter, registry.organization("sichuan-pv"))


def test_node_role_survives_the_round_trip_and_old_files_still_load(registry: TrustRegistry):
    data = registry.to_dict()
    assert TrustRegistry.from_dict(data) == registry
    identities = data["organizations"][0]["identities"]
    assert {
        "san": NODE_SAN,
        "added_at": "2026-01-01T00:00:00.000000Z",
        "node_role": "provincial",
    } in identities
    # A file written before node identities: no node_role anywhere, identities as before.
    old = copy.deepcopy(data)
    org = old["organizations"][0]
    org["identities"] = [i for i in org["identities"] if i["san"] == EXPORTER_SAN]
    org["roles"] = ["exporter"]
    loaded = TrustRegistry.from_dict(old)
    assert loaded.organization("sichuan-pv").identities[0].node_role is None


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda i: i.pop("node_role"), "node role goes with a node SAN"),
        (lambda i: i.update(node_role="galactic"), "unknown node role"),
        (lambda i: i.update(node_role=None), "unknown node role"),
        (lambda i: i.update(san="spiffe://cfx/org/other/node"), "must be spiffe://cfx/org/sichuan"),
    ],
)
def test_node_identity_edited_in_the_file_is_refused(registry: TrustRegistry, edit, message):
    data = registry.to_dict()
    node = next(i for i in data["organizations"][0]["identities"] if i["san"] == NODE_SAN)
    edit(node)
    with pytest.raises(TrustFileError, match=message):
        TrustRegistry.from_dict(data)


def test_exporter_identity_given_a_node_role_in_the_file_is_refused(registry: TrustRegistry):
    """Otherwise an edited file could turn any identity into a node and back."""
    data = registry.to_dict()
    exporter = next(i for i in data["organizations"][0]["identities"] if i["san"] == EXPORTER_SAN)
    exporter["node_role"] = "national"
    with pytest.raises(TrustFileError, match="node role goes with a node SAN"):
        TrustRegistry.from_dict(data)


def test_node_identity_without_the_organizations_node_role_is_refused(registry: TrustRegistry):
    data = registry.to_dict()
    data["organizations"][0]["roles"] = ["exporter"]
    with pytest.raises(TrustFileError, match="organization with the node role"):
        TrustRegistry.from_dict(data)


def test_node_role_and_role_node_go_together():
    with pytest.raises(RegistryConflictError):
        TrustRegistry().with_identity("acme", Role.NODE, node_san("acme"), T0)
    with pytest.raises(RegistryConflictError):
        TrustRegistry().with_identity(
            "acme", Role.EXPORTER, EXPORTER_SAN, T0, node_role=NodeRole.NATIONAL
        )
