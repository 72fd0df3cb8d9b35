"""Revocations are log entries, never edits (T5): a certifier's attestation revocation and a key
revocation each append their own StatusChange. (Attestation binding: tests/integration/rpc/
test_attestation_binding.py.)"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import pytest

from gateway._proto.cfx.v1 import dataset_pb2 as pb
from gateway.client import ClientError
from gateway.log.entry import StatusChange, StatusChangeKind, decode_entry
from gateway.node import revoke_key
from tests.helpers.attestations import attestation_of, trusted_certifier
from tests.helpers.nodes import Harness, example


def _fresh(relative: str) -> dict[str, Any]:
    document = example(relative)
    document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    return document


@pytest.fixture
def certified(fresh_harness: Harness):
    """A stored footprint and a certifier with a trusted signing key."""
    h = fresh_harness
    key = trusted_certifier(h)
    footprint = _fresh("valid/product-footprint-power-battery-with-gec.json")
    credential = h.sign(footprint)
    with h.client() as client:
        client.submit(credential)
    return h, key, footprint, credential


def test_certifier_revokes_its_attestation_as_a_new_log_entry(certified):
    h, key, _, credential = certified
    attestation = attestation_of(credential)
    revocation = _fresh("valid/status-update-revoke-attestation.json")
    revocation["credentialSubject"]["targetDatasetId"] = attestation["credentialSubject"]["id"]
    revocation["credentialSubject"]["action"] = "revoke-attestation"
    with h.client("certifier") as client:
        attested = client.submit(h.sign(attestation, key)).dataset
        revoked = client.withdraw(attested.name, h.sign(revocation, key))
    assert revoked.dataset.status == pb.DATASET_STATUS_WITHDRAWN
    entry = decode_entry(revoked.receipt.entry)
    assert isinstance(entry, StatusChange)
    assert entry.change is StatusChangeKind.ATTESTATION_REVOCATION
    assert entry.target == attested.name


def test_key_revocation_is_logged_and_the_key_signs_nothing_after(fresh_harness: Harness):
    h = fresh_harness
    before = h.log_size()
    _, index = revoke_key(h.paths, h.exporter_key.did)
    assert index == before
    entry = decode_entry(h.node.store.log_entries(index, index + 1)[0])
    assert isinstance(entry, StatusChange)
    assert entry.change is StatusChangeKind.KEY_REVOCATION
    assert entry.target == h.exporter_key.did
    assert entry.digest == hashlib.sha256(h.paths.trust.read_bytes()).digest()
    with h.client() as client, pytest.raises(ClientError) as err:
        client.submit(h.sign(_fresh("valid/product-footprint-electronics-laptop.json")))
    assert err.value.reason == "KEY_REVOKED"
