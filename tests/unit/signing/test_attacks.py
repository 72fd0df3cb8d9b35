"""One test per attack on signed credentials; each asserts its own typed error or reason code."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from signing.canon import CanonicalizationLimitError, CanonLimits
from signing.document import MAX_PROOFS
from signing.errors import (
    ContextHashMismatchError,
    ContextNotAllowedError,
    DroppedTermError,
    DuplicateProofIdError,
    ProofOptionsError,
    RelativeIriError,
    SignerError,
    TooManyProofsError,
    UndefinedTermError,
    WeakKeyError,
    WrongKeyTypeError,
)
from signing.keys import PrivateKey, generate_key, resolve_did_key
from signing.loader import PinnedLoader
from signing.multibase import encode_multibase, encode_varint
from signing.proofs import sign
from signing.verification import VerificationResult, verify
from tests.helpers.paths import SIGNING_DATA
from tests.helpers.signing_data import EXAMPLES_V2, FOOTPRINT_CONTEXT, VC_V2, footprint_credential

T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def _signed(key: PrivateKey, loader: PinnedLoader, **options: Any) -> dict[str, Any]:
    options.setdefault("created", T0)
    return sign(footprint_credential(key.did), key, loader=loader, **options)


def _verify(document: dict[str, Any], loader: PinnedLoader, **options: Any) -> VerificationResult:
    options.setdefault("now", T0 + timedelta(hours=1))
    return verify(document, loader=loader, **options)


def test_untampered_credential_verifies(issuer_key: PrivateKey, loader: PinnedLoader) -> None:
    result = _verify(_signed(issuer_key, loader), loader)
    assert result.verified, result
    assert result.issuer == issuer_key.did
    assert result.proofs[0].controller == issuer_key.did


def test_changed_value_is_signature_invalid(issuer_key: PrivateKey, loader: PinnedLoader) -> None:
    signed = _signed(issuer_key, loader)
    signed["credentialSubject"]["pcf"]["pcfExcludingBiogenic"] = "0.63"
    result = _verify(signed, loader)
    assert not result.verified
    assert result.reason == "SIGNATURE_INVALID"


def test_dropped_term_is_refused_on_sign_and_verify(
    issuer_key: PrivateKey, loader: PinnedLoader
) -> None:
    # A term the (inline) context maps to null vanishes from the graph: never signable.
    credential = footprint_credential(issuer_key.did, secretNote="not in the graph")
    credential["@context"] = [VC_V2, FOOTPRINT_CONTEXT, {"secretNote": None}]
    with pytest.raises(DroppedTermError) as info:
        sign(credential, issuer_key, loader=loader)
    assert info.value.reason == "TERM_DROPPED"

    signed = _signed(issuer_key, loader)
    signed["@context"] = [VC_V2, FOOTPRINT_CONTEXT, {"secretNote": None}]
    signed["credentialSubject"]["secretNote"] = "added after signing"
    assert _verify(signed, loader).reason == "TERM_DROPPED"


def test_added_undefined_term_is_refused_on_sign_and_verify(
    issuer_key: PrivateKey, loader: PinnedLoader
) -> None:
    with pytest.raises(UndefinedTermError) as info:
        sign(footprint_credential(issuer_key.did, pcfIncludingBiogenic="9.9"), issuer_key,
             loader=loader)  # fmt: skip
    assert "pcfIncludingBiogenic" in str(info.value)
    # Without the lossless check this would still verify: the value is not in the signed graph.
    signed = _signed(issuer_key, loader)
    signed["credentialSubject"]["pcf"]["pcfIncludingBiogenic"] = "9.9"
    result = _verify(signed, loader)
    assert result.reason == "UNDEFINED_TERM"
    assert "pcfIncludingBiogenic" in (result.message or "")


def test_undefined_type_value_is_an_undefined_term(
    issuer_key: PrivateKey, loader: PinnedLoader
) -> None:
    signed = _signed(issuer_key, loader)
    signed["type"] = ["VerifiableCredential", "TestFootprintCredential", "Forged"]
    assert _verify(signed, loader).reason == "UNDEFINED_TERM"


def test_swapped_context_url_is_refused_naming_the_url(
    issuer_key: PrivateKey, loader: PinnedLoader
) -> None:
    signed = _signed(issuer_key, loader)
    signed["@context"] = [VC_V2, "https://evil.example/contexts/footprint/v1"]
    with pytest.raises(ContextNotAllowedError) as info:
        _verify(signed, loader)
    assert info.value.url == "https://evil.example/contexts/footprint/v1"
    assert info.value.reason == "CONTEXT_NOT_ALLOWED"


def test_swapped_to_another_pinned_context_changes_the_graph(
    issuer_key: PrivateKey, loader: PinnedLoader
) -> None:
    # examples/v2 maps the same JSON keys to other IRIs through its @vocab: a different graph.
    signed = _signed(issuer_key, loader)
    signed["@context"] = [VC_V2, EXAMPLES_V2]
    signed["type"] = ["VerifiableCredential"]
    signed["credentialSubject"].pop("type")
    assert _verify(signed, loader).reason == "SIGNATURE_INVALID"


def test_context_bytes_differing_from_pinned_hash_are_refused(tmp_path: Path) -> None:
    source = SIGNING_DATA / "footprint-test-v1.jsonld"
    original = source.read_bytes()
    tampered = original.replace(b"ex:pcfExcludingBiogenic", b"ex:pcfIncludingBiogenic")
    (tmp_path / "ctx.jsonld").write_bytes(tampered)
    manifest = {
        "contexts": [
            {
                "url": "https://cfx.test/contexts/hash-mismatch/v1",
                "file": "ctx.jsonld",
                "sha256": hashlib.sha256(original).hexdigest(),
            }
        ]
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ContextHashMismatchError) as info:
        PinnedLoader([tmp_path / "manifest.json"])
    assert info.value.reason == "CONTEXT_HASH_MISMATCH"


def test_relative_iri_is_refused_on_sign_and_verify(
    issuer_key: PrivateKey, loader: PinnedLoader
) -> None:
    with pytest.raises(RelativeIriError) as info:
        sign(footprint_credential(issuer_key.did, id="footprints/42"), issuer_key, loader=loader)
    assert info.value.reason == "RELATIVE_IRI"
    signed = _signed(issuer_key, loader)
    signed["credentialSubject"]["companyIds"] = ["companies/7"]
    assert _verify(signed, loader).reason == "RELATIVE_IRI"


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "reference"])
@pytest.mark.parametrize("vocab", ["", "terms/", "#"])
def test_relative_vocab_surprise_is_refused(
    vocab: str, fast: bool, issuer_key: PrivateKey, loader: PinnedLoader
) -> None:
    credential = footprint_credential(issuer_key.did)
    credential["@context"] = [VC_V2, FOOTPRINT_CONTEXT, {"@vocab": vocab}]
    credential["credentialSubject"]["surprise"] = "x"
    # A relative @vocab turns an unknown key into a relative property IRI, which RDF cannot carry
    # (pyld would resolve it against its made-up base http://example.org/base/ or drop it): the
    # key is reported as the undefined term it really is, named as it would have expanded.
    with pytest.raises(UndefinedTermError) as info:
        sign(credential, issuer_key, loader=loader, fast=fast)
    assert info.value.reason == "UNDEFINED_TERM"
    assert f"{vocab}surprise" in str(info.value)


def test_proof_moved_to_another_issuers_document(
    issuer_key: PrivateKey, loader: PinnedLoader
) -> None:
    other = generate_key("ed25519")
    victim = footprint_credential(other.did)
    victim["proof"] = _signed(issuer_key, loader)["proof"]
    result = _verify(victim, loader)
    assert result.reason == "PROOF_NOT_BY_ISSUER"


def test_proof_moved_to_another_document_of_the_same_issuer(
    issuer_key: PrivateKey, loader: PinnedLoader
) -> None:
    other_document = footprint_credential(issuer_key.did, productName="PV module 550W")
    other_document["proof"] = _signed(issuer_key, loader)["proof"]
    assert _verify(other_document, loader).reason == "SIGNATURE_INVALID"


def test_jcs_proof_moved_under_another_context(
    issuer_key: PrivateKey, loader: PinnedLoader
) -> None:
    signed = _signed(issuer_key, loader, suite="eddsa-jcs-2022")
    signed["@context"] = [VC_V2, EXAMPLES_V2]
    assert _verify(signed, loader).reason == "PROOF_CONTEXT_MISMATCH"


def test_wrong_key_type_for_the_cryptosuite(loader: PinnedLoader) -> None:
    p256 = generate_key("p256")
    with pytest.raises(WrongKeyTypeError) as info:
        sign(footprint_credential(p256.did), p256, suite="eddsa-rdfc-2022", loader=loader)
    assert info.value.reason == "WRONG_KEY_TYPE"
    signed = _signed(p256, loader, suite="ecdsa-rdfc-2019")
    signed["proof"]["cryptosuite"] = "eddsa-rdfc-2022"
    result = _verify(signed, loader)
    assert result.reason == "WRONG_KEY_TYPE"


@pytest.mark.parametrize(
    ("member", "forged"),
    [
        ("created", "2025-06-01T11:00:00Z"),  # backdated
        ("expires", "2035-01-01T00:00:00Z"),  # validity extended
        ("expires", None),  # expiry removed
    ],
    ids=["created-backdated", "expires-extended", "expires-removed"],
)
def test_tampered_created_or_expires_is_signature_invalid(
    member: str, forged: str | None, issuer_key: PrivateKey, loader: PinnedLoader
) -> None:
    # The proof options are hashed into the signed data (DI "Proof Configuration"): a moved or
    # removed date is indistinguishable from any other change, hence SIGNATURE_INVALID. The
    # time checks run on the forged dates first, so each forgery is chosen to pass them.
    signed = _signed(issuer_key, loader, expires=T0 + timedelta(days=30))
    if forged is None:
        del signed["proof"][member]
    else:
        signed["proof"][member] = forged
    result = _verify(signed, loader)
    assert result.reason == "SIGNATURE_INVALID"
    assert result.proofs[0].reason == "SIGNATURE_INVALID"


def test_expires_before_created_is_a_datetime_error(
    issuer_key: PrivateKey, loader: PinnedLoader
) -> None:
    signed = _signed(issuer_key, loader, expires=T0 + timedelta(days=30))
    signed["proof"]["expires"] = "2025-05-01T00:00:00Z"
    assert _verify(signed, loader).reason == "PROOF_DATETIME_INVALID"


def test_malformed_created_is_a_datetime_error(
    issuer_key: PrivateKey, loader: PinnedLoader
) -> None:
    signed = _signed(issuer_key, loader)
    signed["proof"]["created"] = "2025-06-01"
    assert _verify(signed, loader).reason == "PROOF_DATETIME_INVALID"


def test_created_in_the_future_is_refused(issuer_key: PrivateKey, loader: PinnedLoader) -> None:
    signed = _signed(issuer_key, loader, created=T0 + timedelta(days=2))
    assert _verify(signed, loader).reason == "PROOF_CREATED_IN_FUTURE"


def test_expired_proof(issuer_key: PrivateKey, loader: PinnedLoader) -> None:
    signed = _signed(issuer_key, loader, expires=T0 + timedelta(days=1))
    assert _verify(signed, loader, now=T0 + timedelta(hours=23)).verified
    result = _verify(signed, loader, now=T0 + timedelta(days=1, seconds=1))
    assert result.reason == "PROOF_EXPIRED"


def test_replay_with_wrong_challenge(issuer_key: PrivateKey, loader: PinnedLoader) -> None:
    signed = _signed(issuer_key, loader, challenge="nonce-1")
    assert _verify(signed, loader, expected_challenge="nonce-1").verified
    assert _verify(signed, loader, expected_challenge="nonce-2").reason == "INVALID_CHALLENGE"
    unchallenged = _signed(issuer_key, loader)
    assert _verify(unchallenged, loader, expected_challenge="nonce-2").reason == "INVALID_CHALLENGE"


def test_replay_to_wrong_domain(issuer_key: PrivateKey, loader: PinnedLoader) -> None:
    signed = _signed(issuer_key, loader, domain="https://registry.example/eu")
    assert _verify(signed, loader, expected_domain="https://registry.example/eu").verified
    result = _verify(signed, loader, expected_domain="https://registry.example/cn")
    assert result.reason == "INVALID_DOMAIN"
    undomained = _signed(issuer_key, loader)
    result = _verify(undomained, loader, expected_domain="https://registry.example/eu")
    assert result.reason == "INVALID_DOMAIN"


def _clique_credential(issuer: str, size: int) -> dict[str, Any]:
    """credentialSubject: `size` blank nodes, each linked to every other (W3C test074 shape)."""
    labels = [f"_:n{i}" for i in range(size)]
    subject = [{"id": label, "link": [x for x in labels if x != label]} for label in labels]
    credential = footprint_credential(issuer)
    credential["credentialSubject"] = subject
    return credential


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "reference"])
def test_poison_graph_is_refused_on_sign_and_verify(
    fast: bool, issuer_key: PrivateKey, loader: PinnedLoader
) -> None:
    # The W3C test074 shape (10-clique) written as JSON-LD: unbounded RDFC-1.0 runs for minutes;
    # here the Hash N-Degree Quads work budget stops it (bench/canon.py times the refusal).
    with pytest.raises(CanonicalizationLimitError) as info:
        sign(_clique_credential(issuer_key.did, 10), issuer_key, loader=loader, fast=fast)
    assert info.value.reason == "CANONICALIZATION_LIMIT_EXCEEDED"
    assert info.value.limit == "max_ndegree_work"
    signed = _signed(issuer_key, loader)
    signed["credentialSubject"] = _clique_credential(issuer_key.did, 10)["credentialSubject"]
    with pytest.raises(CanonicalizationLimitError) as info:
        _verify(signed, loader, fast=fast)
    assert info.value.limit == "max_ndegree_work"


def test_oversized_graph_is_refused_by_the_quad_cap(
    issuer_key: PrivateKey, loader: PinnedLoader
) -> None:
    signed = _signed(issuer_key, loader)
    signed["credentialSubject"]["companyIds"] = [f"urn:company:{i}" for i in range(200)]
    with pytest.raises(CanonicalizationLimitError) as info:
        _verify(signed, loader, limits=CanonLimits(max_quads=100))
    assert info.value.limit == "max_quads"


def test_jcs_signature_covers_every_json_member_even_an_undefined_term(
    issuer_key: PrivateKey, loader: PinnedLoader
) -> None:
    # Decision: the JCS suites sign the JSON bytes (RFC 8785), not a graph, so no member can fall
    # out of the signature; an undefined term is left to the schema checks, as with Digital
    # Bazaar's JCS verifiers. Adding or changing any member still breaks the signature.
    signed = sign(
        footprint_credential(issuer_key.did, remark="outside the context"), issuer_key,
        suite="eddsa-jcs-2022", created=T0, loader=loader,
    )  # fmt: skip
    assert _verify(signed, loader).verified
    signed["credentialSubject"]["remark"] = "changed"
    assert _verify(signed, loader).reason == "SIGNATURE_INVALID"
    del signed["credentialSubject"]["remark"]
    assert _verify(signed, loader).reason == "SIGNATURE_INVALID"


def test_signer_failure_is_wrapped_in_one_error_type(loader: PinnedLoader) -> None:
    class BrokenHsm:
        def __init__(self) -> None:
            self._key = generate_key("ed25519")
            self.verification_method = self._key.verification_method
            self.key_type = self._key.key_type

        def sign(self, data: bytes) -> bytes:
            raise OSError("HSM session closed")

    hsm = BrokenHsm()
    with pytest.raises(SignerError) as info:
        sign(footprint_credential(hsm._key.did), hsm, loader=loader)
    assert info.value.reason == "SIGNER_FAILED"


def test_wrong_proof_purpose(issuer_key: PrivateKey, loader: PinnedLoader) -> None:
    signed = _signed(issuer_key, loader)
    signed["proof"]["proofPurpose"] = "authentication"
    assert _verify(signed, loader).reason == "PROOF_PURPOSE_MISMATCH"


def test_unknown_cryptosuite_in_proof(issuer_key: PrivateKey, loader: PinnedLoader) -> None:
    signed = _signed(issuer_key, loader)
    signed["proof"]["cryptosuite"] = "bbs-2023"
    assert _verify(signed, loader).reason == "CRYPTOSUITE_UNSUPPORTED"


def test_stripped_proof_is_not_verified(issuer_key: PrivateKey, loader: PinnedLoader) -> None:
    signed = _signed(issuer_key, loader)
    del signed["proof"]
    result = _verify(signed, loader)
    assert not result.verified
    assert result.reason == "NO_PROOF"


def test_non_did_key_verification_method_is_unresolvable(
    issuer_key: PrivateKey, loader: PinnedLoader
) -> None:
    signed = _signed(issuer_key, loader)
    signed["proof"]["verificationMethod"] = "did:web:attacker.example#key-1"
    assert _verify(signed, loader).reason == "VERIFICATION_METHOD_UNRESOLVABLE"


def test_signed_document_is_not_mutated(issuer_key: PrivateKey, loader: PinnedLoader) -> None:
    credential = footprint_credential(issuer_key.did)
    before = copy.deepcopy(credential)
    signed = sign(credential, issuer_key, loader=loader)
    assert credential == before
    frozen = copy.deepcopy(signed)
    _verify(signed, loader)
    assert signed == frozen


def test_issuer_given_as_an_object_binds_like_a_string(
    issuer_key: PrivateKey, loader: PinnedLoader
) -> None:
    credential = footprint_credential(issuer_key.did)
    credential["issuer"] = {"id": issuer_key.did}
    signed = sign(credential, issuer_key, created=T0, loader=loader)
    assert _verify(signed, loader).verified
    signed["issuer"] = {"id": generate_key("ed25519").did}
    assert _verify(signed, loader).reason == "PROOF_NOT_BY_ISSUER"


def test_nested_unpinned_context_is_refused_naming_the_url(
    issuer_key: PrivateKey, loader: PinnedLoader
) -> None:
    signed = _signed(issuer_key, loader)
    signed["credentialSubject"]["@context"] = "https://evil.example/nested/v1"
    with pytest.raises(ContextNotAllowedError) as info:
        _verify(signed, loader)
    assert info.value.url == "https://evil.example/nested/v1"


def test_naive_verification_time_is_refused(issuer_key: PrivateKey, loader: PinnedLoader) -> None:
    with pytest.raises(ProofOptionsError):
        verify(_signed(issuer_key, loader), loader=loader, now=datetime(2025, 6, 1))  # noqa: DTZ001 - naive on purpose


def test_proof_flood_is_refused_before_any_canonicalization(
    issuer_key: PrivateKey, loader: PinnedLoader
) -> None:
    # Chained proofs skip the issuer binding and each costs a canonicalization of the document
    # plus the proofs it names: unbounded, a 1 MiB credential could carry thousands.
    signed = _signed(issuer_key, loader, proof_id="urn:uuid:issuer-proof")
    forged = {**signed["proof"], "previousProof": "urn:uuid:issuer-proof"}
    flood = [signed["proof"]] + [
        {**forged, "id": f"urn:uuid:forged-{i}"} for i in range(MAX_PROOFS)
    ]
    with pytest.raises(TooManyProofsError) as info:
        _verify({**signed, "proof": flood}, loader)
    assert info.value.reason == "TOO_MANY_PROOFS"
    at_cap = {**signed, "proof": flood[:MAX_PROOFS]}
    assert len(_verify(at_cap, loader).proofs) == MAX_PROOFS
    with pytest.raises(TooManyProofsError):
        sign(at_cap, issuer_key, loader=loader)


def test_duplicate_proof_id_shadowing_the_endorsed_proof_is_refused(
    issuer_key: PrivateKey, loader: PinnedLoader
) -> None:
    # A second proof reusing the issuer proof's id would make previousProof ambiguous.
    signed = _signed(issuer_key, loader, proof_id="urn:uuid:issuer-proof")
    impostor = {**_signed(generate_key("ed25519"), loader)["proof"], "id": "urn:uuid:issuer-proof"}
    with pytest.raises(DuplicateProofIdError) as info:
        _verify({**signed, "proof": [signed["proof"], impostor]}, loader)
    assert info.value.reason == "PROOF_ID_DUPLICATE"
    with pytest.raises(DuplicateProofIdError):
        sign(signed, issuer_key, proof_id="urn:uuid:issuer-proof", loader=loader)


@pytest.mark.parametrize(
    "appended",
    [{"@vocab": "https://evil.example/vocab#"}, EXAMPLES_V2],
    ids=["inline-vocab", "pinned-examples-context"],
)
def test_context_appended_to_a_jcs_credential_is_refused(
    appended: object, issuer_key: PrivateKey, loader: PinnedLoader
) -> None:
    # The DI JCS algorithm would accept it (prefix check) and hash only the proof's @context,
    # while the appended context gives unsigned meaning to the document's terms.
    signed = _signed(issuer_key, loader, suite="eddsa-jcs-2022")
    signed["@context"] = [*signed["@context"], appended]
    assert _verify(signed, loader).reason == "PROOF_CONTEXT_MISMATCH"


def test_small_order_did_key_whose_signature_fits_any_message_is_refused(
    loader: PinnedLoader,
) -> None:
    # did:key of the Ed25519 identity point: R = identity, S = 0 verifies for every message
    # under OpenSSL, so anyone could rewrite such a credential and keep it "verified".
    identity = bytes([1]) + bytes(31)
    weak_key = encode_multibase(encode_varint(0xED) + identity)
    weak_did = f"did:key:{weak_key}"
    forged = footprint_credential(weak_did)
    forged["proof"] = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2025-06-01T12:00:00Z",
        "verificationMethod": f"{weak_did}#{weak_key}",
        "proofPurpose": "assertionMethod",
        "proofValue": encode_multibase(identity + bytes(32)),
    }
    result = _verify(forged, loader)
    assert result.reason == "VERIFICATION_KEY_WEAK"
    with pytest.raises(WeakKeyError) as info:
        resolve_did_key(weak_did)
    assert info.value.reason == "KEY_WEAK"
