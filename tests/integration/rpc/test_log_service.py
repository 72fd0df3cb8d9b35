"""LogService over gRPC: proofs at any size up to the current one, and typed range errors."""

from __future__ import annotations

import uuid

import grpc
import pytest

from gateway.client import ClientError
from gateway.log.merkle import leaf_hash, verify_inclusion
from tests.helpers.nodes import Harness, example


def _grow(harness: Harness, n: int) -> None:
    with harness.client() as client:
        for _ in range(n):
            document = example("valid/product-footprint-electronics-laptop.json")
            document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
            client.submit(harness.sign(document))


def test_inclusion_proof_at_an_older_size_verifies_against_that_root(harness: Harness):
    _grow(harness, 3)
    store = harness.node.store
    with harness.client() as client:
        receipt = client.inclusion_proof(1, tree_size=2).receipt
    assert receipt.tree_size == 2
    verify_inclusion(
        leaf_hash(receipt.entry), 1, 2, list(receipt.inclusion_proof), store.log_root(2)
    )


def test_inclusion_proof_at_the_current_size_comes_with_its_signed_checkpoint(harness: Harness):
    _grow(harness, 1)
    with harness.client() as client:
        receipt = client.inclusion_proof(0).receipt
    assert receipt.checkpoint.size == receipt.tree_size == harness.log_size()


@pytest.mark.parametrize(
    ("call", "args"),
    [
        ("inclusion_proof", (10_000, 0)),
        ("inclusion_proof", (0, 10_000)),
        ("consistency_proof", (0, 1)),
        ("consistency_proof", (1, 10_000)),
        ("log_entries", (10_000, 10_001)),
    ],
)
def test_out_of_range_requests_are_out_of_range(harness: Harness, call: str, args: tuple[int, ...]):
    _grow(harness, 1)
    with harness.client() as client, pytest.raises(ClientError) as err:
        getattr(client, call)(*args)
    assert (err.value.code, err.value.reason) == (
        grpc.StatusCode.OUT_OF_RANGE,
        "TREE_SIZE_EXCEEDED",
    )


def test_log_entries_end_zero_means_up_to_the_current_size(harness: Harness):
    _grow(harness, 3)
    with harness.client() as client:
        leaves = list(client.iter_log(0, 0))  # 0: up to the current size
    assert [leaf.index for leaf in leaves] == list(range(harness.log_size()))
