"""AIP-155: a request_id, when given, is a UUID in canonical form; anything else is refused with
INVALID_REQUEST_ID before any work, and nothing is stored."""

from __future__ import annotations

import uuid

import grpc
import pytest

from gateway.client import ClientError
from tests.helpers.nodes import Harness, example

LAPTOP = "valid/product-footprint-electronics-laptop.json"
CANONICAL = "0f8fad5b-d9cb-469f-a165-70867728950e"


def _fresh() -> dict:
    document = example(LAPTOP)
    document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    return document


NOT_CANONICAL = [
    "retry-1",
    CANONICAL.upper(),
    CANONICAL.replace("-", ""),
    "{" + CANONICAL + "}",
    "urn:uuid:" + CANONICAL,
    CANONICAL + "\n",
    " " + CANONICAL[1:],
    "0f8fad5b-d9cb-469f-a165-70867728950g",
    "x" * 10_000,
]


@pytest.mark.parametrize("request_id", NOT_CANONICAL)
def test_a_request_id_that_is_not_a_canonical_uuid_is_refused(harness: Harness, request_id: str):
    before = harness.log_size()
    with harness.client() as client, pytest.raises(ClientError) as err:
        client.submit(harness.sign(_fresh()), request_id=request_id)
    assert (err.value.code, err.value.reason) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_REQUEST_ID",
    )
    assert harness.log_size() == before


@pytest.mark.parametrize("call", ["deprecate", "withdraw"])
def test_status_changes_refuse_a_request_id_that_is_not_a_uuid(harness: Harness, call: str):
    with harness.client() as client, pytest.raises(ClientError) as err:
        getattr(client, call)(f"datasets/{uuid.uuid4()}", b"{}", request_id="retry-1")
    assert err.value.reason == "INVALID_REQUEST_ID"


def test_a_canonical_uuid_request_id_makes_a_retry_idempotent(harness: Harness):
    request_id = str(uuid.uuid4())
    credential = harness.sign(_fresh())
    with harness.client() as client:
        first = client.submit(credential, request_id=request_id)
        again = client.submit(credential, request_id=request_id)
    assert again.dataset.name == first.dataset.name
    assert again.dataset.log_index == first.dataset.log_index


def test_the_client_sends_a_fresh_canonical_uuid_when_none_is_given(harness: Harness):
    document = _fresh()
    with harness.client() as client:
        name = client.submit(harness.sign(document)).dataset.name
    stored = harness.node.store.get_dataset(name)
    assert str(uuid.UUID(stored.request_id)) == stored.request_id
