"""Add a Data Integrity proof to a credential: proof sets and proof chains (DI §4.1-4.3)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from signing.budget import (
    DEFAULT_JSONLD_LIMITS,
    CallBudget,
    JsonLdLimits,
    check_deadline,
    check_paths,
)
from signing.canon import CanonLimits
from signing.canon.limits import DEFAULT_LIMITS
from signing.document import MAX_PROOFS, check_credential, format_datetime, proofs_of, unsecured
from signing.errors import (
    DataLossError,
    DidKeyError,
    DuplicateProofIdError,
    ProofOptionsError,
    SignerError,
    SigningError,
    TooManyProofsError,
    UnusableInputError,
)
from signing.keys import (
    DID_KEY_PREFIX,
    KeyType,
    PrivateKey,
    Signer,
    check_key_type,
    hash_name_for,
    resolve_did_key,
)
from signing.loader import PinnedLoader, default_loader
from signing.multibase import encode_multibase
from signing.proof_config import canonical_proof_config
from signing.suites import DEFAULT_SUITE, PROOF_TYPE, Cryptosuite, canonical_form, get_suite
from signing.suites import hash_data as combine_hashes

PROOF_PURPOSE = "assertionMethod"


def proof_hash_data(
    suite: Cryptosuite,
    input_document: dict[str, Any],
    proof_options: dict[str, Any],
    key_type: KeyType,
    loader: PinnedLoader,
    *,
    limits: CanonLimits = DEFAULT_LIMITS,
    fast: bool = True,
    jsonld_limits: JsonLdLimits = DEFAULT_JSONLD_LIMITS,
    deadline: float | None = None,
    proof_pointer: str = "/proof",
    document_memo: dict[tuple[str, str], bytes | SigningError] | None = None,
) -> bytes:
    """hashData for `proof_options` (no proofValue) over `input_document` (no proof, or the
    previous proofs of a chain).

    Proof configuration: the options with `@context` set to the document's (eddsa/ecdsa
    "Proof Configuration"); the JCS suites keep that `@context` in the signed proof as well.
    `jsonld_limits` and `deadline` bound the JSON-LD work (`signing.budget`); `proof_pointer`
    is where the proof sits in the credential, for the pointers of refusals in its options
    (those in a chained proof's input document index the proofs its previousProof names).
    `document_memo` keeps the document's canonical form (or its error) for the next proof over
    the same `input_document`, so a proof set costs one canonicalization per hash, not per proof.
    """
    config = {key: value for key, value in proof_options.items() if key != "proofValue"}
    if "@context" in input_document:
        config["@context"] = input_document["@context"]
    check_deadline(deadline)

    def canonical(value: dict[str, Any], pointer_prefix: str = "") -> bytes:
        return canonical_form(
            suite,
            value,
            loader,
            key_type,
            limits=limits,
            fast=fast,
            jsonld_limits=jsonld_limits,
            deadline=deadline,
            pointer_prefix=pointer_prefix,
        )

    canonical_config = (
        canonical_proof_config(config, loader) if fast and suite.transform == "rdfc" else None
    ) or canonical(config, proof_pointer)
    if document_memo is None:
        canonical_document = canonical(input_document)
    else:
        memo_key = (suite.transform, hash_name_for(key_type))
        canonical_document = _memoized(document_memo, memo_key, lambda: canonical(input_document))
    return combine_hashes(key_type, canonical_config, canonical_document)


def _memoized(
    memo: dict[tuple[str, str], bytes | SigningError],
    key: tuple[str, str],
    compute: Callable[[], bytes],
) -> bytes:
    found = memo.get(key)
    if isinstance(found, SigningError):
        raise found
    if found is not None:
        return found
    try:
        result = compute()
    except (DataLossError, UnusableInputError) as exc:  # the same for every proof: once
        memo[key] = exc
        raise
    memo[key] = result
    return result


def _previous_ids(previous_proof: str | list[str]) -> list[str]:
    ids = [previous_proof] if isinstance(previous_proof, str) else list(previous_proof)
    if not ids or not all(isinstance(i, str) and i for i in ids):
        raise ProofOptionsError("previous_proof must be a proof id or a non-empty list of ids")
    return ids


def matching_proofs(
    proofs: list[dict[str, Any]], previous_ids: list[str]
) -> list[dict[str, Any]] | None:
    """The proofs named by previousProof, in its order; None if one is missing (DI §4.3)."""
    by_id = {proof.get("id"): proof for proof in proofs if isinstance(proof.get("id"), str)}
    found = [by_id.get(proof_id) for proof_id in previous_ids]
    if any(proof is None for proof in found):
        return None
    return [proof for proof in found if proof is not None]


def sign(
    credential: dict[str, Any],
    signer: Signer,
    *,
    suite: str = DEFAULT_SUITE,
    created: datetime | None = None,
    expires: datetime | None = None,
    domain: str | None = None,
    challenge: str | None = None,
    previous_proof: str | list[str] | None = None,
    proof_id: str | None = None,
    loader: PinnedLoader | None = None,
    limits: CanonLimits = DEFAULT_LIMITS,
    fast: bool = True,
    jsonld_limits: JsonLdLimits = DEFAULT_JSONLD_LIMITS,
    deadline: float | None = None,
) -> dict[str, Any]:
    """Return a copy of `credential` with one more proof; existing proofs are kept (a proof set).

    With `previous_proof` (the id of one or more existing proofs) the new proof is chained: it
    signs the document together with those proofs (DI "Add Proof Set/Chain"). `proof_id` gives
    the new proof an `id` so later proofs can chain to it. Raises DataLossError subclasses when
    JSON-LD would drop data, ContextNotAllowedError for unpinned contexts, WrongKeyTypeError when
    the key does not fit the suite, SignerError when the signer fails. `jsonld_limits` and
    `deadline` bound the JSON-LD work as in `signing.verification.verify`.
    """
    check_paths(fast=fast, limits=jsonld_limits)
    cryptosuite = get_suite(suite)
    key_type = check_key_type(signer.key_type)
    cryptosuite.check_key_type(key_type)
    loader = loader or default_loader()
    check_credential(credential, loader)
    existing = proofs_of(credential)
    if len(existing) >= MAX_PROOFS:
        raise TooManyProofsError(f"the credential already has {len(existing)} proofs")
    if proof_id is not None and any(proof.get("id") == proof_id for proof in existing):
        raise DuplicateProofIdError(f"a proof with id {proof_id!r:.120} already exists")
    document = unsecured(credential)

    options: dict[str, Any] = {}
    if proof_id is not None:
        options["id"] = proof_id
    options |= {
        "type": PROOF_TYPE,
        "cryptosuite": cryptosuite.name,
        "created": _datetime_option(created or datetime.now(UTC).replace(microsecond=0), "created"),
        "verificationMethod": signer.verification_method,
        "proofPurpose": PROOF_PURPOSE,
    }
    if expires is not None:
        options["expires"] = _datetime_option(expires, "expires")
    if domain is not None:
        options["domain"] = domain
    if challenge is not None:
        options["challenge"] = challenge

    input_document = document
    if previous_proof is not None:
        ids = _previous_ids(previous_proof)
        matching = matching_proofs(existing, ids)
        if matching is None:
            raise ProofOptionsError(f"previous_proof {ids} does not name an existing proof id")
        options["previousProof"] = previous_proof
        input_document = {**document, "proof": matching}
    if cryptosuite.transform == "jcs" and "@context" in document:
        options["@context"] = document["@context"]

    with CallBudget(jsonld_limits):
        data = proof_hash_data(
            cryptosuite,
            input_document,
            options,
            key_type,
            loader,
            limits=limits,
            fast=fast,
            jsonld_limits=jsonld_limits,
            deadline=deadline,
        )
    signature = _call_signer(signer, data)
    _check_external_signature(signer, key_type, signature, data)
    proof = {**options, "proofValue": encode_multibase(signature)}
    proofs = [*existing, proof]
    return {**document, "proof": proofs[0] if len(proofs) == 1 else proofs}


def _call_signer(signer: Signer, data: bytes) -> bytes:
    """The signer's signature over `data`; any failure of the signer itself is a SignerError."""
    try:
        signature = signer.sign(data)
    except SigningError:
        raise
    except Exception as exc:  # K2: any signer failure (HSM, KMS, OS) becomes one error type
        raise SignerError(f"signer {signer.verification_method} failed: {exc}") from exc
    if not isinstance(signature, bytes):
        raise SignerError("signer returned no bytes")
    return signature


def _check_external_signature(
    signer: Signer, key_type: KeyType, signature: bytes, data: bytes
) -> None:
    """Never emit a proof that does not verify: an HSM/KMS signer (not a local PrivateKey) whose
    verification method is a did:key is checked against it after signing. Catches a KMS that
    returns DER-encoded ECDSA instead of IEEE P1363 r||s, a signer wired to the wrong key, or one
    that misstates its key type. Other verification methods cannot be resolved offline here;
    the caller's trust registry checks them on verify."""
    method = signer.verification_method
    if isinstance(signer, PrivateKey) or not method.startswith(DID_KEY_PREFIX):
        return
    try:
        public_key = resolve_did_key(method)
    except DidKeyError as exc:
        raise SignerError(f"signer's verification method cannot be resolved: {exc}") from exc
    if public_key.key_type != key_type:
        raise SignerError(
            f"signer says key type {key_type} but {method:.80} is a {public_key.key_type} key"
        )
    if not public_key.verify(signature, data):
        raise SignerError(
            f"signature from signer {method:.80} does not verify under that key "
            "(wrong key, or ECDSA not as raw r||s?)"
        )


def _datetime_option(moment: datetime, name: str) -> str:
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise ProofOptionsError(f"{name} must be a timezone-aware datetime")
    return format_datetime(moment)
