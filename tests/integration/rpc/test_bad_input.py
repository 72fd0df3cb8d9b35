"""The bad-input table: every refusal has its code and reason, stores nothing, and leaves the
server healthy. One row per attack or mistake a submitter can make."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2

from gateway.client import ClientError
from gateway.node import edit_trust
from gateway.trust import Role
from signing.keys import generate_key
from tests.helpers.nodes import EXPORTER, Harness, example

BATTERY = "valid/product-footprint-power-battery-with-gec.json"


def _fresh(relative: str = BATTERY) -> dict[str, Any]:
    document = example(relative)
    document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    return document


def _tampered(h: Harness) -> bytes:
    signed = json.loads(h.sign(_fresh()))
    signed["credentialSubject"]["pcf"]["fossilGhgEmissions"] = "1.90"  # one changed value
    return json.dumps(signed).encode()


def _unknown_context(h: Harness) -> bytes:
    signed = json.loads(h.sign(_fresh()))
    signed["@context"][1] = "https://evil.example/cfx/v1"
    return json.dumps(signed).encode()


def _revoked_key(h: Harness) -> bytes:
    key = generate_key("ed25519")
    now = datetime.now(UTC)
    edit_trust(h.paths, lambda r: r.with_key(EXPORTER, Role.EXPORTER, key.did, now))
    credential = h.sign(_fresh(), key)
    edit_trust(h.paths, lambda r: r.revoke_key(key.did, datetime.now(UTC)))
    return credential


def _unknown_key(h: Harness) -> bytes:
    return h.sign(_fresh(), generate_key("ed25519"))


def _wrong_role(h: Harness) -> bytes:
    # An exporter may not publish the provincial electricity factor.
    return h.sign(example("valid/emission-factor-sichuan-electricity-footprint-factor.json"))


def _schema_violation(h: Harness) -> bytes:
    return h.sign(example("invalid/footprint-decimal-with-exponent.json"))


def _rule_violation(h: Harness) -> bytes:
    return h.sign(example("invalid/footprint-gec-exceeds-consumption.json"))


def _no_proof(h: Harness) -> bytes:
    document = _fresh()
    document.pop("proof", None)
    document["issuer"] = h.exporter_key.did
    return json.dumps(document).encode()


@dataclass(frozen=True)
class Row:
    name: str
    make: Callable[[Harness], bytes]
    code: grpc.StatusCode
    reason: str


INVALID = grpc.StatusCode.INVALID_ARGUMENT
TABLE = [
    Row("malformed_json", lambda h: b'{"@context": [', INVALID, "MALFORMED_JSON"),
    Row("duplicate_keys", lambda h: b'{"issuer": "a", "issuer": "b"}', INVALID, "DUPLICATE_KEY"),
    Row("deep_nesting", lambda h: b"[" * 5000 + b"]" * 5000, INVALID, "NESTING_TOO_DEEP"),
    Row("invalid_utf8", lambda h: b'{"a": "\xc3\x28"}', INVALID, "INVALID_ENCODING"),
    Row("not_an_object", lambda h: b"[1, 2]", INVALID, "NOT_AN_OBJECT"),
    Row("unknown_context", _unknown_context, INVALID, "CONTEXT_NOT_ALLOWED"),
    Row("missing_proof", _no_proof, INVALID, "PROOF_MISSING"),
    Row("tampered_signature", _tampered, INVALID, "SIGNATURE_INVALID"),
    Row("revoked_key", _revoked_key, grpc.StatusCode.FAILED_PRECONDITION, "KEY_REVOKED"),
    Row("unknown_key", _unknown_key, grpc.StatusCode.FAILED_PRECONDITION, "KEY_NOT_TRUSTED"),
    Row("wrong_role", _wrong_role, grpc.StatusCode.PERMISSION_DENIED, "ROLE_NOT_ALLOWED"),
    Row("schema_violation", _schema_violation, INVALID, "SCHEMA_VIOLATION"),
    Row("rule_violation", _rule_violation, INVALID, "RULE_VIOLATION"),
]


@pytest.mark.parametrize("row", TABLE, ids=[r.name for r in TABLE])
def test_bad_input_is_refused_with_its_code_and_nothing_is_stored(harness: Harness, row: Row):
    credential = row.make(harness)
    before = harness.log_size()
    with harness.client() as client:
        with pytest.raises(ClientError) as err:
            client.submit(credential)
        assert (err.value.code, err.value.reason) == (row.code, row.reason), err.value.message
        assert client.health() == health_pb2.HealthCheckResponse.SERVING
    assert harness.log_size() == before


def test_schema_violation_lists_field_violations_with_json_pointers(harness: Harness):
    with harness.client() as client, pytest.raises(ClientError) as err:
        client.submit(_schema_violation(harness))
    fields = {(v.field, v.reason) for v in err.value.violations}
    assert ("/credentialSubject/pcf/productMassPerDeclaredUnit", "INVALID_DECIMAL") in fields


def test_rule_violation_names_the_field_and_reason(harness: Harness):
    with harness.client() as client, pytest.raises(ClientError) as err:
        client.submit(_rule_violation(harness))
    assert [(v.field, v.reason) for v in err.value.violations] == [
        ("/credentialSubject/electricity/gecClaims", "GEC_EXCEEDS_CONSUMPTION")
    ]


def test_valid_credential_is_accepted_after_every_refusal(harness: Harness):
    with harness.client() as client:
        accepted = client.submit(harness.sign(_fresh()))
    assert accepted.dataset.name.startswith("datasets/")
