"""A peer node's client identity (`cfx clients add --role node`) over real gRPC and mTLS: it reads
like an exporter and submits nothing, not even what its own organization's key signed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import pytest

from gateway._proto.cfx.v1 import dataset_pb2 as pb
from gateway._proto.cfx.v1 import exchange_service_pb2 as ex
from gateway._proto.cfx.v1 import trust_service_pb2 as tr
from gateway.client import ClientError
from gateway.domain import NodeRole
from gateway.node import NodePaths, add_client, edit_trust, load_node_key
from gateway.trust import Role
from tests.helpers.nodes import EXPORTER, Harness, example, make_node

PEER_SAN = "spiffe://cfx/org/national-peer/node"
BATTERY = "valid/product-footprint-power-battery-with-gec.json"
FACTOR = "valid/emission-factor-sichuan-grid-co2-2022.json"


def _fresh(relative: str) -> dict[str, Any]:
    document = example(relative)
    document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    return document


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    """The exporter's organization also runs a provincial node that pulls from this one."""
    root = tmp_path_factory.mktemp("node")

    def issue_node_identity(paths: NodePaths) -> None:
        add_client(
            paths,
            org=EXPORTER,
            role=Role.NODE,
            out=root / "peer-node",
            now=datetime.now(UTC),
            node_role=NodeRole.PROVINCIAL,
        )

    for harness in make_node(root, configure=issue_node_identity):
        harness.identities["node"] = root / "peer-node"
        yield harness


def test_node_identity_cannot_submit_its_own_organizations_credential(node: Harness):
    credential = node.sign(_fresh(BATTERY))  # signed by a trusted key of the node's own org
    size = node.log_size()
    with node.client("node") as peer, pytest.raises(ClientError) as err:
        peer.submit(credential)
    assert err.value.code is grpc.StatusCode.PERMISSION_DENIED
    assert err.value.reason == "NODE_MAY_NOT_SUBMIT"
    assert err.value.metadata["organization"] == EXPORTER
    assert node.log_size() == size
    # The same bytes through the organization's exporter identity are accepted: the refusal is
    # the identity's, not the credential's.
    with node.client("exporter") as exporter:
        assert exporter.submit(credential).dataset.name


def test_node_identity_cannot_withdraw_its_own_organizations_dataset(node: Harness):
    document = _fresh(BATTERY)
    with node.client("exporter") as exporter:
        name = exporter.submit(node.sign(document)).dataset.name
    update = _fresh("valid/status-update-deprecate-footprint.json")
    update["credentialSubject"]["targetDatasetId"] = document["credentialSubject"]["id"]
    update["credentialSubject"]["action"] = "withdraw"
    size = node.log_size()
    with node.client("node") as peer, pytest.raises(ClientError) as err:
        peer.withdraw(name, node.sign(update))
    assert err.value.reason == "NODE_MAY_NOT_SUBMIT"
    assert node.log_size() == size


def test_node_identity_reads_reference_data_and_its_own_footprints_only(node: Harness):
    with node.client("exporter") as exporter:
        own = exporter.submit(node.sign(_fresh(BATTERY))).dataset.name
    with node.client("admin") as admin:
        operator_key = load_node_key(node.paths)
        others = admin.submit(node.sign(_fresh(BATTERY), operator_key)).dataset.name
        factor = admin.submit(node.sign(_fresh(FACTOR), operator_key)).dataset.name
    with node.client("node") as peer:
        assert peer.get(own).dataset.name == own
        assert peer.get(factor).dataset.name == factor
        with pytest.raises(ClientError) as err:
            peer.get(others)
        listed = peer.list(ex.ListDatasetsRequest(page_size=1000))
    assert err.value.code is grpc.StatusCode.PERMISSION_DENIED
    names = {d.name for d in listed.datasets}
    assert {own, factor} <= names
    assert others not in names
    assert all(
        d.kind != pb.DATASET_KIND_PRODUCT_FOOTPRINT or d.issuer == node.exporter_key.did
        for d in listed.datasets
    )


def test_revoked_node_identity_is_refused(tmp_path: Path):
    def issue(paths: NodePaths) -> None:
        add_client(
            paths,
            org="national-peer",
            role=Role.NODE,
            out=tmp_path / "peer",
            node_role=NodeRole.NATIONAL,
        )

    for harness in make_node(tmp_path, configure=issue):
        harness.identities["node"] = tmp_path / "peer"
        with harness.client("node") as peer:
            peer.list(ex.ListDatasetsRequest(page_size=1))
        edit_trust(harness.paths, lambda r: r.revoke_identity(PEER_SAN, datetime.now(UTC)))
        with harness.client("node") as peer, pytest.raises(ClientError) as err:
            peer.list(ex.ListDatasetsRequest(page_size=1))
        assert err.value.code is grpc.StatusCode.PERMISSION_DENIED


def test_trust_service_lists_an_organization_with_a_node_identity(node: Harness):
    with node.client("node") as peer:
        listed = peer.organizations(page_size=100)
    roles = {o.name: set(o.roles) for o in listed.organizations}
    assert roles[f"organizations/{EXPORTER}"] == {tr.ROLE_EXPORTER, tr.ROLE_NODE}
