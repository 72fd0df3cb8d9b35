"""Replay: the same bytes again are one dataset, not two; a request id reused for other bytes
is refused (AIP-155 request ids, DESIGN.md §4 step 6)."""

from __future__ import annotations

import uuid

import grpc

from tests.helpers.attacks import Harness, Node, assert_healthy, assert_refused, fresh


def test_replayed_bytes_are_idempotent_not_duplicated(harness: Harness, node: Node):
    credential = harness.sign(fresh())
    request_id = str(uuid.uuid4())
    with node.client() as client:
        first = client.submit(credential, request_id=request_id)
        before = node.stored()
        again = client.submit(credential, request_id=request_id)
        other_request = client.submit(credential, request_id=str(uuid.uuid4()))
    assert again.dataset.name == other_request.dataset.name == first.dataset.name
    assert again.dataset.log_index == first.dataset.log_index
    assert again.receipt.entry == first.receipt.entry
    assert node.stored() == before
    assert_healthy(node)


def test_replayed_request_id_with_other_bytes_is_refused(harness: Harness, node: Node):
    request_id = str(uuid.uuid4())
    with node.client() as client:
        client.submit(harness.sign(fresh()), request_id=request_id)
    other = harness.sign(fresh())

    def replay() -> None:
        with node.client() as client:
            client.submit(other, request_id=request_id)

    error = assert_refused(node, replay, grpc.StatusCode.ALREADY_EXISTS, "DATASET_ALREADY_EXISTS")
    assert request_id in error.message
