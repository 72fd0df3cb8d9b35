"""The first wave's attacks on the credential itself, each submitted to a real node over mTLS.

Unit-level twins live in tests/signing/test_attacks.py and tests/gateway/rpc/test_bad_input.py;
these are the end-to-end evidence: exact code and reason, nothing stored, node healthy, < 2 s.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import grpc

from gateway.node import edit_trust
from gateway.trust import Role
from signing.keys import generate_key
from tests.helpers.attacks import EXPORTER, Harness, Node, assert_refused, fresh

INVALID = grpc.StatusCode.INVALID_ARGUMENT


def _signed(h: Harness) -> dict:
    document: dict = json.loads(h.sign(fresh()))
    return document


def _submit(node: Node, credential: dict | bytes) -> None:
    raw = credential if isinstance(credential, bytes) else json.dumps(credential).encode()
    with node.client() as client:
        client.submit(raw)


def test_tampered_value_is_refused(harness: Harness, node: Node):
    credential = _signed(harness)
    credential["credentialSubject"]["pcf"]["fossilGhgEmissions"] = "1.90"  # was 61.90
    assert_refused(node, lambda: _submit(node, credential), INVALID, "SIGNATURE_INVALID")


def test_undefined_term_is_refused(harness: Harness, node: Node):
    # A member no context defines would fall out of the signed graph: signed bytes that say
    # more than the signature covers (DI "Securing Data Losslessly").
    credential = _signed(harness)
    credential["credentialSubject"]["secretNote"] = "added after signing"
    error = assert_refused(node, lambda: _submit(node, credential), INVALID, "UNDEFINED_TERM")
    assert "secretNote" in error.message


def test_context_swap_to_an_unpinned_context_is_refused(harness: Harness, node: Node):
    credential = _signed(harness)
    credential["@context"][1] = "https://evil.example/cfx/v1"
    error = assert_refused(node, lambda: _submit(node, credential), INVALID, "CONTEXT_NOT_ALLOWED")
    assert error.metadata["context_url"] == "https://evil.example/cfx/v1"


def test_context_swap_to_another_pinned_context_is_refused(harness: Harness, node: Node):
    # Pinned, so it passes the allowlist, but it does not define the dataset's terms.
    credential = _signed(harness)
    credential["@context"][1] = "https://w3id.org/security/data-integrity/v2"
    assert_refused(node, lambda: _submit(node, credential), INVALID, "UNDEFINED_TERM")


def test_poison_graph_is_refused(harness: Harness, node: Node):
    # W3C RDF-CANON test074's shape: a 10-node blank-node clique. Unbounded RDFC-1.0 runs for
    # minutes; the Hash N-Degree Quads work budget stops it (signing/canon/limits.py).
    labels = [f"_:n{i}" for i in range(10)]
    clique = [
        {"@id": label, "https://cfx.test/link": [{"@id": x} for x in labels if x != label]}
        for label in labels
    ]
    credential = _signed(harness)
    credential["credentialSubject"]["https://cfx.test/graph"] = clique
    error = assert_refused(
        node, lambda: _submit(node, credential), INVALID, "CANONICALIZATION_LIMIT_EXCEEDED"
    )
    assert "max_ndegree_work" in error.message


def test_revoked_key_is_refused(harness: Harness, node: Node):
    key = generate_key("ed25519")
    edit_trust(
        harness.paths, lambda r: r.with_key(EXPORTER, Role.EXPORTER, key.did, datetime.now(UTC))
    )
    credential = harness.sign(fresh(), key)
    edit_trust(harness.paths, lambda r: r.revoke_key(key.did, datetime.now(UTC)))
    error = assert_refused(
        node, lambda: _submit(node, credential), grpc.StatusCode.FAILED_PRECONDITION, "KEY_REVOKED"
    )
    assert error.metadata["did"] == key.did


def test_proof_from_another_entry_is_refused(harness: Harness, node: Node):
    # Mix-and-match: a genuine proof, by the same trusted key, made for another dataset.
    donor = _signed(harness)
    _submit(node, donor)
    credential = _signed(harness)
    credential["proof"] = donor["proof"]
    assert_refused(node, lambda: _submit(node, credential), INVALID, "SIGNATURE_INVALID")


def test_duplicate_keys_are_refused(harness: Harness, node: Node):
    # A second "fossilGhgEmissions" inside the signed credential: parsers that keep the first
    # and parsers that keep the last would see two different datasets under one signature.
    raw = harness.sign(fresh()).decode()
    duplicated = raw.replace('"pcf": {', '"pcf": {"fossilGhgEmissions": "0.01",', 1)
    assert duplicated != raw
    error = assert_refused(
        node, lambda: _submit(node, duplicated.encode()), INVALID, "DUPLICATE_KEY"
    )
    assert "fossilGhgEmissions" in error.message


def test_deep_nesting_is_refused(harness: Harness, node: Node):
    # 5,000 levels inside a signed credential: a recursive parser or JSON-LD walker would blow
    # its stack; the node refuses past 32 levels before any other work.
    credential = _signed(harness)
    credential["credentialSubject"]["comment"] = "<deep>"
    raw = json.dumps(credential).replace('"<deep>"', "[" * 5000 + "]" * 5000)
    assert_refused(node, lambda: _submit(node, raw.encode()), INVALID, "NESTING_TOO_DEEP")
