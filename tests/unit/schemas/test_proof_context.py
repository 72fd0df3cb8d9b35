"""A proof's `@context` is accepted exactly where Data Integrity puts it, and nowhere else.

The JCS suites copy the document's `@context` into the proof and sign it (vc-di-eddsa §3.3.1
"Create Proof (eddsa-jcs-2022)", vc-di-ecdsa §3.4.1). Their "Verify Proof" lets it be a prefix of
the document's; cfx requires the very same list (signing: PROOF_CONTEXT_MISMATCH), so the schema
allows exactly the document's pinned `@context` on a JCS proof. An RDFC proof has none.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

import schemas
from schemas import compiled, resources
from schemas.schema_errors import schema_violations
from signing.errors import ProofContextMismatchError
from signing.keys import generate_key
from signing.proofs import sign
from signing.verification import verify
from tests.helpers.schemas_data import load

PINNED = ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/cfx/v1"]
LAPTOP = "valid/product-footprint-electronics-laptop.json"


def _signed(suite: str, key_type: str = "ed25519") -> dict[str, Any]:
    key = generate_key(key_type)
    document = load(LAPTOP)
    document["issuer"] = key.did
    return sign(document, key, suite=suite)


def _proof_violations(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(pointer, reason) of the envelope schema, after checking both validators agree."""
    fast = {
        (v.pointer, v.reason)
        for v in compiled.violations(resources.CREDENTIAL_SCHEMA, document, "")
    }
    reference = {
        (v.pointer, v.reason)
        for v in schema_violations(resources.validator(resources.CREDENTIAL_SCHEMA), document, "")
    }
    assert fast == reference
    return sorted(pair for pair in fast if pair[0].startswith("/proof"))


@pytest.mark.parametrize(
    ("suite", "key_type"),
    [("eddsa-jcs-2022", "ed25519"), ("ecdsa-jcs-2019", "p256"), ("ecdsa-jcs-2019", "p384")],
)
def test_jcs_proof_carrying_the_documents_context_is_valid(suite: str, key_type: str):
    document = _signed(suite, key_type)
    assert document["proof"]["@context"] == PINNED
    assert schemas.validate(document) == []


@pytest.mark.parametrize(
    ("context", "reason"),
    [
        # A prefix: the spec's verifier would accept it, cfx's refuses (appended contexts).
        (PINNED[:1], "CONTEXT_NOT_ALLOWED"),
        (list(reversed(PINNED)), "CONTEXT_NOT_ALLOWED"),
        ([*PINNED, "https://w3id.org/security/data-integrity/v2"], "CONTEXT_NOT_ALLOWED"),
        (PINNED[0], "WRONG_TYPE"),
    ],
    ids=["prefix", "reordered", "appended", "string"],
)
def test_jcs_proof_context_other_than_the_documents_is_refused(context: Any, reason: str):
    document = _signed("eddsa-jcs-2022")
    document["proof"]["@context"] = context
    found = _proof_violations(document)
    assert found
    assert all(at.startswith("/proof/@context") and why == reason for at, why in found)
    assert not verify(document).verified


def test_proof_context_prefix_is_what_the_signing_rule_refuses_too():
    document = _signed("eddsa-jcs-2022")
    document["proof"]["@context"] = PINNED[:1]
    result = verify(document)
    assert result.proofs[0].reason == ProofContextMismatchError.reason


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "ecdsa-rdfc-2019"])
def test_rdfc_proof_with_a_context_is_refused_as_an_unknown_field(suite: str):
    document = _signed(suite, "ed25519" if suite.startswith("eddsa") else "p256")
    assert schemas.validate(document) == []
    document["proof"]["@context"] = copy.deepcopy(PINNED)
    assert _proof_violations(document) == [("/proof/@context", "UNKNOWN_FIELD")]


def test_proof_set_mixing_rdfc_and_jcs_proofs_is_valid():
    key = generate_key("ed25519")
    document = load(LAPTOP)
    document["issuer"] = key.did
    both = sign(sign(document, key, suite="eddsa-rdfc-2022"), key, suite="eddsa-jcs-2022")
    assert [("@context" in p) for p in both["proof"]] == [False, True]
    assert schemas.validate(both) == []
    assert verify(both).verified
