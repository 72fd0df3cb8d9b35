"""TrustService answers from the signed registry; ListDatasets filters by every facet; reflection
is served only when the node's configuration turns it on (G8)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from gateway._proto.cfx.v1 import dataset_pb2 as pb
from gateway._proto.cfx.v1 import exchange_service_pb2 as ex
from gateway._proto.cfx.v1 import trust_service_pb2 as tr
from gateway._proto.cfx.v1 import trust_service_pb2_grpc as tr_grpc
from gateway.client import ClientError
from gateway.node import load_config, save_config
from tests.helpers.nodes import EXPORTER, Harness, example, make_node

BATTERY = "valid/product-footprint-power-battery-with-gec.json"
PV = "valid/product-footprint-crystalline-silicon-pv-module.json"


def test_trust_service_lists_organizations_with_roles_keys_and_kinds(harness: Harness):
    with harness.client() as client:
        orgs = {o.name: o for o in client.organizations().organizations}
    exporter = orgs[f"organizations/{EXPORTER}"]
    assert list(exporter.roles) == [tr.ROLE_EXPORTER]
    assert harness.exporter_key.did in [k.did for k in exporter.keys]
    assert set(exporter.issuable_kinds) == {
        pb.DATASET_KIND_PRODUCT_FOOTPRINT,
        pb.DATASET_KIND_STATUS_UPDATE,
    }
    assert tr.ROLE_REGISTRY_OPERATOR in orgs["organizations/national"].roles


def test_trust_service_get_and_not_found(harness: Harness):
    with harness.client() as client:
        stub = tr_grpc.TrustServiceStub(client._channel)
        got = stub.GetOrganization(tr.GetOrganizationRequest(name=f"organizations/{EXPORTER}"))
        assert got.organization.name == f"organizations/{EXPORTER}"
        with pytest.raises(grpc.RpcError) as err:
            stub.GetOrganization(tr.GetOrganizationRequest(name="organizations/nobody"))
    assert err.value.code() is grpc.StatusCode.NOT_FOUND


def test_trust_service_refuses_unregistered_peers(harness: Harness):
    with harness.client("stranger") as client, pytest.raises(ClientError) as err:
        client.organizations()
    assert err.value.code is grpc.StatusCode.PERMISSION_DENIED


def _submit(harness: Harness, relative: str) -> tuple[str, dict[str, Any]]:
    document = example(relative)
    document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    with harness.client() as client:
        return client.submit(harness.sign(document)).dataset.name, document


def _names(harness: Harness, **filters: Any) -> set[str]:
    with harness.client("admin") as client:
        page = client.list(ex.ListDatasetsRequest(page_size=1000, **filters))
    return {d.name for d in page.datasets}


def test_list_filters_by_product_classification_geography_status_and_time(harness: Harness):
    battery, battery_doc = _submit(harness, BATTERY)
    pv, pv_doc = _submit(harness, PV)
    subject = battery_doc["credentialSubject"]
    product = subject["productIds"][0]
    classification = subject["productClassifications"][0]

    assert battery in _names(harness, product_id=product)
    assert pv not in _names(harness, product_id=product)
    assert battery in _names(harness, classification_id=classification)
    assert battery in _names(harness, geography="CN-SC")
    assert battery in _names(harness, status=pb.DATASET_STATUS_ACTIVE)
    assert battery not in _names(harness, status=pb.DATASET_STATUS_WITHDRAWN)
    assert battery in _names(harness, issuer=harness.exporter_key.did)
    inside, outside = Timestamp(), Timestamp()
    inside.FromDatetime(datetime(2027, 6, 1, tzinfo=UTC))
    outside.FromDatetime(datetime(2035, 1, 1, tzinfo=UTC))
    assert battery in _names(harness, valid_at_time=inside)
    assert battery not in _names(harness, valid_at_time=outside)
    assert pv_doc


@pytest.fixture
def reflecting(tmp_path: Path) -> Iterator[Harness]:
    """A node whose config.json turns reflection on."""

    def configure(paths):  # run between init and serve
        save_config(paths, replace(load_config(paths), reflection=True))

    yield from make_node(tmp_path, configure=configure)


def test_reflection_lists_services_when_configured(reflecting: Harness):
    with reflecting.client() as client:
        stub = reflection_pb2_grpc.ServerReflectionStub(client._channel)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        responses = list(stub.ServerReflectionInfo(iter([request]), timeout=5))
    names = {s.name for s in responses[0].list_services_response.service}
    assert {"cfx.v1.ExchangeService", "cfx.v1.LogService", "cfx.v1.TrustService"} <= names
