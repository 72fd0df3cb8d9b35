"""Revocations are log entries, never edits (T5): a certifier's attestation revocation and a key
revocation each append their own StatusChange; attestations are bound to the bytes they attest."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

import grpc
import pytest

from gateway._proto.cfx.v1 import dataset_pb2 as pb
from gateway.client import ClientError
from gateway.log.entry import StatusChange, StatusChangeKind, decode_entry
from gateway.node import edit_trust, revoke_key
from gateway.trust import Role
from signing.keys import generate_key
from tests.helpers.nodes import Harness, example

CERTIFIER = "cert-body"


def _fresh(relative: str) -> dict[str, Any]:
    document = example(relative)
    document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    return document


@pytest.fixture
def certified(fresh_harness: Harness):
    """A stored footprint and a certifier with a trusted signing key."""
    h = fresh_harness
    key = generate_key("ed25519")
    now = datetime.now(UTC)
    edit_trust(h.paths, lambda r: r.with_key(CERTIFIER, Role.CERTIFIER, key.did, now))
    footprint = _fresh("valid/product-footprint-power-battery-with-gec.json")
    credential = h.sign(footprint)
    with h.client() as client:
        client.submit(credential)
    return h, key, footprint, credential


def _attestation(footprint: dict[str, Any], digest: str) -> dict[str, Any]:
    attestation = _fresh("valid/attestation-aluminium-footprint-verified.json")
    attestation["credentialSubject"]["attestedDatasetId"] = footprint["credentialSubject"]["id"]
    attestation["credentialSubject"]["attestedDatasetDigest"] = f"sha-256:{digest}"
    return attestation


def test_attestation_of_other_bytes_than_stored_is_refused(certified):
    h, key, footprint, _ = certified
    before = h.log_size()
    with h.client("certifier") as client, pytest.raises(ClientError) as err:
        client.submit(h.sign(_attestation(footprint, "ab" * 32), key))
    assert (err.value.code, err.value.reason) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "ATTESTED_DIGEST_MISMATCH",
    )
    assert h.log_size() == before


def test_certifier_revokes_its_attestation_as_a_new_log_entry(certified):
    h, key, footprint, credential = certified
    attestation = _attestation(footprint, hashlib.sha256(credential).hexdigest())
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
