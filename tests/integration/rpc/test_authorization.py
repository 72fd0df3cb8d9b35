"""Read scopes: an exporter sees public datasets and its own footprints, never a competitor's,
and cannot tell a competitor's footprint from a missing one (G2, AIP-193)."""

from __future__ import annotations

import uuid
from typing import Any

import grpc
import pytest

from gateway._proto.cfx.v1 import dataset_pb2 as pb
from gateway._proto.cfx.v1 import exchange_service_pb2 as ex
from gateway.client import ClientError
from gateway.node import load_node_key
from tests.helpers.nodes import Harness, example

LAPTOP = "valid/product-footprint-electronics-laptop.json"


def _fresh() -> dict[str, Any]:
    document = example(LAPTOP)
    document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    return document


@pytest.fixture(scope="module")
def others_footprint(harness: Harness) -> str:
    """A footprint issued by the node operator's organization, not by the exporter."""
    operator_key = load_node_key(harness.paths)
    with harness.client("admin") as admin:
        return admin.submit(harness.sign(_fresh(), operator_key)).dataset.name


def test_exporter_cannot_read_a_competitors_footprint(harness: Harness, others_footprint: str):
    with harness.client("exporter") as client, pytest.raises(ClientError) as err:
        client.get(others_footprint)
    assert err.value.code is grpc.StatusCode.PERMISSION_DENIED


def test_exporter_gets_the_same_answer_for_missing_and_forbidden(
    harness: Harness, others_footprint: str
):
    answers = []
    with harness.client("exporter") as client:
        for name in (others_footprint, f"datasets/{uuid.uuid4()}"):
            with pytest.raises(ClientError) as err:
                client.get(name)
            answers.append((err.value.code, err.value.reason, err.value.message))
    assert answers[0] == answers[1]


def test_exporter_lists_only_its_own_footprints(harness: Harness, others_footprint: str):
    with harness.client("exporter") as client:
        own = client.submit(harness.sign(_fresh())).dataset.name
        listed = client.list(
            ex.ListDatasetsRequest(kind=pb.DATASET_KIND_PRODUCT_FOOTPRINT, page_size=1000)
        )
    names = {d.name for d in listed.datasets}
    assert own in names
    assert others_footprint not in names
    assert {d.issuer_org for d in listed.datasets} == {"sichuan-cells"}


def test_certifier_reads_every_footprint(harness: Harness, others_footprint: str):
    with harness.client("certifier") as client:
        assert client.get(others_footprint).dataset.name == others_footprint


def test_exporter_cannot_submit_a_footprint_issued_by_another_organization(harness: Harness):
    operator_key = load_node_key(harness.paths)
    before = harness.log_size()
    with harness.client("exporter") as client, pytest.raises(ClientError) as err:
        client.submit(harness.sign(_fresh(), operator_key))
    assert err.value.code is grpc.StatusCode.PERMISSION_DENIED
    assert harness.log_size() == before


def test_page_token_of_one_caller_is_refused_for_another(harness: Harness, others_footprint: str):
    with harness.client("certifier") as certifier:
        page = certifier.list(ex.ListDatasetsRequest(page_size=1))
    assert page.next_page_token
    with harness.client("exporter") as exporter, pytest.raises(ClientError) as err:
        exporter.list(ex.ListDatasetsRequest(page_size=1, page_token=page.next_page_token))
    assert err.value.code is grpc.StatusCode.INVALID_ARGUMENT
    assert others_footprint
