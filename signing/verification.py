"""Verify every Data Integrity proof on a credential and report each one.

What raises and what is a result (decided here, relied on by the CLI and the gateway):

* `verify()` RAISES an `UnusableInputError` (CLI exit 2) only when the input cannot be processed
  at all: not a JSON object, no @context, a context URL that is not pinned (swapped or unknown
  context), a pinned context whose bytes changed, JSON-LD that pyld rejects as invalid syntax,
  JSON-LD the fast path does not model when `jsonld_limits` forbids the reference path
  (`UnsupportedJsonLdError`, UNSUPPORTED_JSONLD, with a JSON pointer); a
  `CanonicalizationLimitError` for poisoned or oversized graphs (`JsonLdBudgetError`,
  JSONLD_BUDGET_EXCEEDED, when the reference path's budget runs out); and a
  `DeadlineExceededError` once the caller's `deadline` has passed.
* Everything else is a `VerificationResult` (CLI exit 0 or 1): each proof gets `verified` or a
  stable `reason` from `signing.errors` (SIGNATURE_INVALID, UNDEFINED_TERM, TERM_DROPPED,
  RELATIVE_IRI, WRONG_KEY_TYPE, PROOF_NOT_BY_ISSUER, PROOF_EXPIRED, INVALID_CHALLENGE, ...).

The credential verifies when it has at least one proof and every proof verifies. Proofs without
`previousProof` must be made by the issuer's key (a proof moved onto another issuer's document is
PROOF_NOT_BY_ISSUER); chained proofs (endorsements, e.g. a certifier's) may come from any key.
Trust in the issuer's key itself (a trust registry) is the caller's decision: `key_resolver` and
`issuer_binding`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from signing.budget import (
    DEFAULT_JSONLD_LIMITS,
    CallBudget,
    JsonLdLimits,
    check_deadline,
    check_paths,
)
from signing.canon import CanonLimits
from signing.canon.limits import DEFAULT_LIMITS
from signing.document import check_credential, issuer_of, parse_datetime, proofs_of, unsecured
from signing.errors import (
    DataLossError,
    DidKeyError,
    InvalidChallengeError,
    InvalidDomainError,
    MalformedProofError,
    MultibaseError,
    NoProofError,
    PreviousProofNotFoundError,
    ProofContextMismatchError,
    ProofDateTimeError,
    ProofExpiredError,
    ProofNotByIssuerError,
    ProofNotYetValidError,
    ProofOptionsError,
    ProofPurposeMismatchError,
    SignatureMismatchError,
    SigningError,
    UnresolvableVerificationMethodError,
    UnsupportedCryptosuiteError,
    VerificationFailedError,
    WeakKeyError,
    WeakVerificationKeyError,
)
from signing.keys import PublicKey, controller_of, resolve_did_key
from signing.loader import PinnedLoader, default_loader
from signing.multibase import decode_multibase
from signing.proofs import PROOF_PURPOSE, matching_proofs, proof_hash_data
from signing.suites import PROOF_TYPE, Cryptosuite, get_suite

#: Allowed clock difference between signer and verifier for `created` in the future.
DEFAULT_CLOCK_SKEW: Final = timedelta(minutes=5)

KeyResolver = Callable[[str], PublicKey]
#: (issuer id or None, verification method id) -> may this key sign for this issuer?
IssuerBinding = Callable[[str | None, str], bool]


def controller_is_issuer(issuer: str | None, verification_method: str) -> bool:
    """Default binding: the key's controller DID is the credential's issuer (R6)."""
    return issuer is not None and controller_of(verification_method) == issuer


def UNSAFE_SKIP_ISSUER_BINDING(issuer: str | None, verification_method: str) -> bool:  # noqa: N802, ARG001 - a named constant that is a binding
    """No issuer binding at all: any verified key may sign for any issuer.

    Only for a caller that decides key authority itself (the gateway asks its trust registry)
    or for the W3C vectors, whose issuer is an https URL with no controller document offline.
    The name says what it does; there is no silent default that skips the check.
    """
    return True


@dataclass(frozen=True, slots=True)
class ProofResult:
    """The outcome for one proof. `reason` is None when verified, else a stable code."""

    verified: bool
    suite: str | None
    verification_method: str | None
    controller: str | None
    purpose: str | None
    created: str | None
    expires: str | None
    proof_id: str | None = None
    previous_proof: str | list[str] | None = None
    reason: str | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class VerificationResult:
    """The outcome for one credential: verified when it has proofs and every one verifies."""

    verified: bool
    issuer: str | None
    proofs: list[ProofResult] = field(default_factory=list)
    #: The first failing proof's reason (or NO_PROOF); None when verified.
    reason: str | None = None
    message: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The result as plain JSON (the CLI's --json output)."""
        return asdict(self)


@dataclass
class _Context:
    document: dict[str, Any]
    all_proofs: list[dict[str, Any]]
    issuer: str | None
    loader: PinnedLoader
    key_resolver: KeyResolver
    issuer_binding: IssuerBinding
    now: datetime
    clock_skew: timedelta
    expected_domain: str | None
    expected_challenge: str | None
    limits: CanonLimits
    fast: bool
    jsonld_limits: JsonLdLimits
    deadline: float | None
    #: RFC 6901 pointer of each proof in the credential ("/proof" or "/proof/<index>").
    pointers: dict[int, str]
    #: The unsecured document's canonical forms (or errors), shared by unchained proofs.
    document_memo: dict[tuple[str, str], bytes | SigningError] = field(default_factory=dict)


def _required(proof: dict[str, Any], member: str) -> str:
    value = proof.get(member)
    if not isinstance(value, str) or not value:
        raise MalformedProofError(f"proof member {member!r} must be a non-empty string")
    return value


def _resolve(resolver: KeyResolver, verification_method: str) -> PublicKey:
    try:
        return resolver(verification_method)
    except WeakKeyError as exc:
        raise WeakVerificationKeyError(
            f"verification method {verification_method!r:.120} is a weak key: {exc}"
        ) from exc
    except DidKeyError as exc:
        raise UnresolvableVerificationMethodError(
            f"verification method {verification_method!r:.120} cannot be resolved: {exc}"
        ) from exc


def _check_times(proof: dict[str, Any], ctx: _Context) -> None:
    created = parse_datetime(proof["created"], "created") if "created" in proof else None
    expires = parse_datetime(proof["expires"], "expires") if "expires" in proof else None
    if created is not None and expires is not None and expires < created:
        raise ProofDateTimeError("proof expires before it was created")
    if expires is not None and ctx.now >= expires:
        raise ProofExpiredError(f"proof expired at {proof['expires']}")
    if created is not None and created > ctx.now + ctx.clock_skew:
        raise ProofNotYetValidError(f"proof created {proof['created']} lies in the future")


def _check_domain_challenge(proof: dict[str, Any], ctx: _Context) -> None:
    # DI "Verify Proof": checked when the verifier expects them (INVALID_DOMAIN_ERROR,
    # INVALID_CHALLENGE_ERROR); a proof's domain may be one string or a list of them.
    if ctx.expected_domain is not None:
        domain = proof.get("domain")
        domains = domain if isinstance(domain, list) else [domain]
        if ctx.expected_domain not in domains:
            raise InvalidDomainError(f"proof domain {domain!r} is not {ctx.expected_domain!r}")
    if ctx.expected_challenge is not None and proof.get("challenge") != ctx.expected_challenge:
        raise InvalidChallengeError("proof challenge does not match the expected challenge")


def _input_document(proof: dict[str, Any], suite: Cryptosuite, ctx: _Context) -> dict[str, Any]:
    document = ctx.document
    previous = proof.get("previousProof")
    if previous is not None:
        ids = [previous] if isinstance(previous, str) else previous
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            raise MalformedProofError("previousProof must be a proof id or a list of ids")
        matching = matching_proofs(ctx.all_proofs, ids)
        if matching is None:
            raise PreviousProofNotFoundError(f"previousProof {ids} names no proof on the document")
        document = {**document, "proof": matching}
    # DI JCS "Verify Proof" only requires the document's @context to *start with* the proof's and
    # then hashes the proof's, so contexts appended after signing are not covered: one with an
    # @vocab or new terms would change the JSON-LD meaning of a still-valid credential. cfx
    # requires the very same @context (stricter than the spec, never laxer).
    if (
        suite.transform == "jcs"
        and "@context" in proof
        and _as_list(document.get("@context")) != _as_list(proof["@context"])
    ):
        raise ProofContextMismatchError(
            "the document's @context is not the proof's: contexts were changed or appended "
            "after signing"
        )
    return document


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _verify_one(proof: dict[str, Any], ctx: _Context) -> None:
    if proof.get("type") != PROOF_TYPE:
        raise MalformedProofError(f"proof type {proof.get('type')!r:.60} is not {PROOF_TYPE}")
    suite = get_suite(proof.get("cryptosuite"))
    method = _required(proof, "verificationMethod")
    purpose = _required(proof, "proofPurpose")
    proof_value = _required(proof, "proofValue")
    if purpose != PROOF_PURPOSE:
        raise ProofPurposeMismatchError(f"proof purpose {purpose!r} is not {PROOF_PURPOSE!r}")
    key = _resolve(ctx.key_resolver, method)
    suite.check_key_type(key.key_type)
    if "previousProof" not in proof and not ctx.issuer_binding(ctx.issuer, method):
        raise ProofNotByIssuerError(
            f"proof by {controller_of(method)!r} is not chained and not by the issuer "
            f"{ctx.issuer!r}: it was made for another document"
        )
    _check_times(proof, ctx)
    _check_domain_challenge(proof, ctx)
    try:
        signature = decode_multibase(proof_value)
    except MultibaseError as exc:
        raise MalformedProofError(f"proofValue is not base58btc multibase: {exc}") from exc
    document = _input_document(proof, suite, ctx)
    data = proof_hash_data(
        suite,
        document,
        proof,
        key.key_type,
        ctx.loader,
        limits=ctx.limits,
        fast=ctx.fast,
        jsonld_limits=ctx.jsonld_limits,
        deadline=ctx.deadline,
        proof_pointer=ctx.pointers[id(proof)],
        document_memo=ctx.document_memo if document is ctx.document else None,
    )
    if not key.verify(signature, data):
        raise SignatureMismatchError(
            "signature does not match the document and proof options (changed data or proof)"
        )


def _result(proof: dict[str, Any], failure: Exception | None) -> ProofResult:
    method = proof.get("verificationMethod")
    method = method if isinstance(method, str) else None

    def text(member: str) -> str | None:
        value = proof.get(member)
        return value if isinstance(value, str) else None

    previous = proof.get("previousProof")
    return ProofResult(
        verified=failure is None,
        suite=text("cryptosuite"),
        verification_method=method,
        controller=controller_of(method) if method else None,
        purpose=text("proofPurpose"),
        created=text("created"),
        expires=text("expires"),
        proof_id=text("id"),
        previous_proof=previous if isinstance(previous, str | list) else None,
        reason=getattr(failure, "reason", None) if failure is not None else None,
        message=str(failure) if failure is not None else None,
    )


def verify(
    credential: Any,
    *,
    loader: PinnedLoader | None = None,
    expected_domain: str | None = None,
    expected_challenge: str | None = None,
    now: datetime | None = None,
    key_resolver: KeyResolver = resolve_did_key,
    issuer_binding: IssuerBinding = controller_is_issuer,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
    limits: CanonLimits = DEFAULT_LIMITS,
    fast: bool = True,
    jsonld_limits: JsonLdLimits = DEFAULT_JSONLD_LIMITS,
    deadline: float | None = None,
) -> VerificationResult:
    """Verify every proof on `credential` (see the module docstring for raise-vs-result).

    `key_resolver` turns a verification method id into a key (default: did:key, offline);
    `issuer_binding` decides whether an unchained proof's key may sign for the issuer (default:
    its controller DID is the issuer; `UNSAFE_SKIP_ISSUER_BINDING` skips the check, e.g. for the
    W3C vectors, whose issuer is an https URL with no controller document available offline).

    `jsonld_limits` decides what happens to JSON-LD the compiled fast path does not model:
    `signing.budget.FAST_PATH_ONLY` refuses it (what a server should use), the default runs
    pyld within a budget of values and CPU time. `deadline` is a `time.monotonic()` value
    (e.g. now + the RPC's time remaining), checked between phases and inside the JSON-LD and
    RDFC-1.0 work.
    """
    if now is not None and now.tzinfo is None:
        raise ProofOptionsError("verify(now=...) must be a timezone-aware datetime")
    check_paths(fast=fast, limits=jsonld_limits)
    check_deadline(deadline)
    loader = loader or default_loader()
    document = check_credential(credential, loader)
    proofs = proofs_of(document)
    issuer = issuer_of(document)
    if not proofs:
        return VerificationResult(
            verified=False,
            issuer=issuer,
            reason=NoProofError.reason,
            message="the credential has no proof",
        )
    ctx = _Context(
        document=unsecured(document),
        all_proofs=proofs,
        issuer=issuer,
        loader=loader,
        key_resolver=key_resolver,
        issuer_binding=issuer_binding,
        now=now or datetime.now(UTC),
        clock_skew=clock_skew,
        expected_domain=expected_domain,
        expected_challenge=expected_challenge,
        limits=limits,
        fast=fast,
        jsonld_limits=jsonld_limits,
        deadline=deadline,
        pointers={
            id(proof): "/proof" if isinstance(document["proof"], dict) else f"/proof/{index}"
            for index, proof in enumerate(proofs)
        },
    )
    results = []
    with CallBudget(jsonld_limits):  # max_cpu_seconds covers all proofs together
        for proof in proofs:
            check_deadline(deadline)
            failure: Exception | None = None
            try:
                _verify_one(proof, ctx)
            except (VerificationFailedError, DataLossError, UnsupportedCryptosuiteError) as exc:
                failure = exc
            results.append(_result(proof, failure))
    first_failure = next((r for r in results if not r.verified), None)
    if first_failure is None:
        return VerificationResult(verified=True, issuer=issuer, proofs=results)
    return VerificationResult(
        verified=False,
        issuer=issuer,
        proofs=results,
        reason=first_failure.reason,
        message=first_failure.message,
    )
