"""Every W3C Data Integrity vector reproduces byte for byte, and every signed vector verifies.

Vectors: tests/vectors/vc-di-eddsa and vc-di-ecdsa (provenance: tests/vectors/PROVENANCE-vc-di.md).
The "employ" vectors need https://w3id.org/citizenship/v4rc1, which is not vendored; they are
checked twice: from their canonical N-Quads alone (re-canonicalized after relabelling the blank
nodes), and end to end with a context reconstructed from those N-Quads
(tests/data/signing/citizenship/README.md), which must reproduce the W3C files byte for byte.
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import datetime
from typing import Any, Literal

import pytest

from signing.canon import canonicalize_nquads
from signing.keys import private_key_from_multibase, resolve_did_key
from signing.loader import PinnedLoader
from signing.multibase import decode_multibase, encode_multibase
from signing.proofs import sign
from signing.suites import canonical_form, get_suite
from signing.verification import UNSAFE_SKIP_ISSUER_BINDING, verify
from tests.helpers.w3c_vectors import ALUMNI, EMPLOY, Vector, secret_key


def _hash(vector: Vector, data: bytes) -> str:
    return hashlib.new("sha384" if vector.key_type == "p384" else "sha256", data).hexdigest()


def _canon(vector: Vector, value: dict[str, Any], loader: PinnedLoader, fast: bool) -> bytes:
    suite = get_suite(vector.suite)
    return canonical_form(suite, value, loader, vector.key_type, fast=fast)


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "reference"])
@pytest.mark.parametrize("vector", ALUMNI, ids=lambda v: v.name)
def test_canonical_document_and_proof_configuration_match_byte_for_byte(
    vector: Vector, loader: PinnedLoader, fast: bool
) -> None:
    unsigned = json.loads(vector.unsigned.read_text())
    canonical_document = _canon(vector, unsigned, loader, fast)
    assert canonical_document.decode().rstrip("\n") == vector.text("canonDoc").rstrip("\n")
    assert _hash(vector, canonical_document) == vector.text("docHash").strip()

    config = vector.json("proofConfig")
    canonical_config = _canon(vector, config, loader, fast)
    assert canonical_config.decode().rstrip("\n") == vector.text("proofCanon").rstrip("\n")
    assert _hash(vector, canonical_config) == vector.text("proofHash").strip()
    combined = bytes.fromhex(_hash(vector, canonical_config) + _hash(vector, canonical_document))
    assert combined.hex() == vector.text("combinedHash").strip()


@pytest.mark.parametrize("vector", ALUMNI, ids=lambda v: v.name)
def test_signing_the_unsigned_vector_reproduces_the_signed_vector(
    vector: Vector, loader: PinnedLoader
) -> None:
    key = private_key_from_multibase(secret_key(vector))
    unsigned = json.loads(vector.unsigned.read_text())
    config = vector.json("proofConfig")
    signed = sign(
        unsigned,
        key,
        suite=vector.suite,
        created=datetime.fromisoformat(config["created"]),
        loader=loader,
    )
    expected = vector.json("signed")
    # EdDSA and RFC 6979 deterministic ECDSA: the very same proofValue.
    assert signed["proof"]["proofValue"] == expected["proof"]["proofValue"]
    assert signed == expected
    signature = decode_multibase(signed["proof"]["proofValue"])
    assert signature.hex() == vector.text("sigHex").strip()
    assert encode_multibase(signature) == vector.text("sigBTC58").strip()


@pytest.mark.parametrize("vector", ALUMNI + EMPLOY, ids=lambda v: v.name)
def test_every_signed_vector_verifies(vector: Vector, loader: PinnedLoader) -> None:
    signed = vector.json("signed")
    if vector in EMPLOY:
        # No citizenship context offline: check the signature over the vector's own hashes.
        key = resolve_did_key(signed["proof"]["verificationMethod"])
        combined = bytes.fromhex(vector.text("combinedHash").strip())
        assert key.verify(decode_multibase(signed["proof"]["proofValue"]), combined)
        return
    result = verify(signed, loader=loader, issuer_binding=UNSAFE_SKIP_ISSUER_BINDING)
    assert result.verified, result
    (proof,) = result.proofs
    assert proof.suite == vector.suite
    assert proof.purpose == "assertionMethod"
    assert proof.created == "2023-02-24T23:36:38Z"


@pytest.mark.parametrize("vector", ALUMNI, ids=lambda v: v.name)
def test_a_changed_value_in_a_signed_vector_fails(vector: Vector, loader: PinnedLoader) -> None:
    signed = copy.deepcopy(vector.json("signed"))
    signed["credentialSubject"]["alumniOf"] = "The School of Forgery"
    result = verify(signed, loader=loader, issuer_binding=UNSAFE_SKIP_ISSUER_BINDING)
    assert not result.verified
    assert result.reason == "SIGNATURE_INVALID"


def _relabel(nquads: str) -> str:
    """Give every blank node a different, non-canonical label (reverses c14n numbering)."""
    labels = sorted({part for part in nquads.split() if part.startswith("_:c14n")})
    mapping = {label: f"_:x{len(labels) - i}" for i, label in enumerate(labels)}
    return (
        "\n".join(
            " ".join(mapping.get(part, part) for part in line.split(" "))
            for line in nquads.splitlines()
        )
        + "\n"
    )


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "reference"])
@pytest.mark.parametrize("vector", EMPLOY, ids=lambda v: v.name)
def test_employ_vectors_recanonicalize_hash_and_sign_identically(
    vector: Vector, fast: bool
) -> None:
    canonical = vector.text("canonDoc").rstrip("\n") + "\n"
    hash_name: Literal["sha256", "sha384"] = "sha384" if vector.key_type == "p384" else "sha256"
    # P-384: three blank nodes, so SHA-384 inside RDFC-1.0 decides the labels (signing.md §2).
    again = canonicalize_nquads(_relabel(canonical), hash_algorithm=hash_name, use_pyoxigraph=fast)
    assert again == canonical
    assert _hash(vector, canonical.encode()) == vector.text("docHash").strip()
    proof_canonical = vector.text("proofCanon").rstrip("\n") + "\n"
    assert _hash(vector, proof_canonical.encode()) == vector.text("proofHash").strip()
    combined = bytes.fromhex(vector.text("combinedHash").strip())
    key = private_key_from_multibase(secret_key(vector))
    assert key.sign(combined).hex() == vector.text("sigHex").strip()
    assert encode_multibase(key.sign(combined)) == vector.json("signed")["proof"]["proofValue"]


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "reference"])
@pytest.mark.parametrize("vector", EMPLOY, ids=lambda v: v.name)
def test_employ_vector_reproduces_end_to_end_from_its_json(
    vector: Vector, employ_loader: PinnedLoader, fast: bool
) -> None:
    unsigned = json.loads(vector.unsigned.read_text())
    canonical_document = _canon(vector, unsigned, employ_loader, fast)
    assert canonical_document.decode().rstrip("\n") == vector.text("canonDoc").rstrip("\n")
    assert _hash(vector, canonical_document) == vector.text("docHash").strip()
    canonical_config = _canon(vector, vector.json("proofConfig"), employ_loader, fast)
    assert canonical_config.decode().rstrip("\n") == vector.text("proofCanon").rstrip("\n")

    config = vector.json("proofConfig")
    signed = sign(
        unsigned, private_key_from_multibase(secret_key(vector)), suite=vector.suite,
        created=datetime.fromisoformat(config["created"]), loader=employ_loader, fast=fast,
    )  # fmt: skip
    assert signed == vector.json("signed")


@pytest.mark.parametrize("vector", EMPLOY, ids=lambda v: v.name)
def test_employ_signed_vector_verifies_and_a_changed_value_does_not(
    vector: Vector, employ_loader: PinnedLoader
) -> None:
    # The issuer is a P-256 did:key other than the signing key, as in the W3C files.
    signed = vector.json("signed")
    result = verify(signed, loader=employ_loader, issuer_binding=UNSAFE_SKIP_ISSUER_BINDING)
    assert result.verified, result
    assert result.proofs[0].suite == vector.suite
    signed["credentialSubject"]["employmentAuthorizationDocument"]["lprCategory"] = "C10"
    assert (
        verify(signed, loader=employ_loader, issuer_binding=UNSAFE_SKIP_ISSUER_BINDING).reason
        == "SIGNATURE_INVALID"
    )
