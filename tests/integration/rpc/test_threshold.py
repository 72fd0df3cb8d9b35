"""R1: an organization that requires two signatures gets nothing stored with one."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import grpc
import pytest

from gateway.client import ClientError
from gateway.node import edit_trust
from gateway.trust import Role
from signing.keys import generate_key
from signing.proofs import sign
from tests.helpers.nodes import EXPORTER, Harness, as_issuer, example


def _two_key_exporter(h: Harness):
    second = generate_key("ed25519")
    now = datetime.now(UTC)
    edit_trust(
        h.paths,
        lambda r: r.with_key(EXPORTER, Role.EXPORTER, second.did, now).with_threshold(EXPORTER, 2),
    )
    return second


def _document() -> dict[str, Any]:
    document = example("valid/product-footprint-electronics-laptop.json")
    document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    return document


def test_one_signature_of_two_required_is_threshold_not_met(fresh_harness: Harness):
    _two_key_exporter(fresh_harness)
    before = fresh_harness.log_size()
    with fresh_harness.client() as client, pytest.raises(ClientError) as err:
        client.submit(fresh_harness.sign(_document()))
    assert (err.value.code, err.value.reason) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "THRESHOLD_NOT_MET",
    )
    assert fresh_harness.log_size() == before


def test_the_same_key_twice_counts_once(fresh_harness: Harness):
    _two_key_exporter(fresh_harness)
    key = fresh_harness.exporter_key
    twice = sign(sign(as_issuer(_document(), key), key), key)
    with fresh_harness.client() as client, pytest.raises(ClientError) as err:
        client.submit(json.dumps(twice).encode())
    assert err.value.reason == "THRESHOLD_NOT_MET"


def test_two_distinct_keys_of_the_organization_are_accepted(fresh_harness: Harness):
    second = _two_key_exporter(fresh_harness)
    key = fresh_harness.exporter_key
    both = sign(sign(as_issuer(_document(), key), key), second)
    with fresh_harness.client() as client:
        accepted = client.submit(json.dumps(both).encode())
    assert accepted.dataset.issuer == key.did
    assert accepted.dataset.issuer_org == EXPORTER
