"""The one error tree of `signing`. Every failure a caller can act on has its own class here."""

from __future__ import annotations


class SigningError(Exception):
    """Base of every error raised by the signing package."""

    #: Stable machine-readable reason code (UPPER_SNAKE_CASE); subclasses override.
    reason: str = "SIGNING_ERROR"


# --- keys, Multikey and did:key (signing/keys.py, signing/multibase.py) ---


class KeyMaterialError(SigningError):
    """Base of key problems: encoding, type, file handling."""

    reason = "KEY_ERROR"


class MultibaseError(KeyMaterialError):
    """A value that is not base58btc multibase ('z' prefix), or is too long to decode."""

    reason = "MULTIBASE_INVALID"


class MultikeyError(KeyMaterialError):
    """A publicKeyMultibase/secretKeyMultibase with an unknown header or wrong length."""

    reason = "MULTIKEY_INVALID"


class UnsupportedKeyTypeError(KeyMaterialError):
    """A key type other than Ed25519, P-256 or P-384."""

    reason = "KEY_TYPE_UNSUPPORTED"


class DidKeyError(KeyMaterialError):
    """A did:key (or its verification method id) that cannot be resolved offline."""

    reason = "DID_KEY_INVALID"


class KeyFileError(KeyMaterialError):
    """A key file that is missing, unreadable or malformed."""

    reason = "KEY_FILE_INVALID"


class KeyFilePermissionError(KeyFileError):
    """A private-key file readable by group or others (K1): refused, never loaded."""

    reason = "KEY_FILE_PERMISSIONS"


class SignerError(SigningError):
    """Any failure inside a Signer (HSM, KMS, local key), wrapped in one type (K2)."""

    reason = "SIGNER_FAILED"


# --- canonicalization (signing.canon) ---------------------------------------------------------


class CanonicalizationError(SigningError):
    """RDF Dataset Canonicalization (RDFC-1.0) could not produce a canonical form."""

    reason = "CANONICALIZATION_ERROR"


class NQuadsSyntaxError(CanonicalizationError):
    """The N-Quads input does not follow the RDF 1.1 N-Quads grammar (or holds a relative IRI)."""

    reason = "NQUADS_SYNTAX_ERROR"

    def __init__(self, message: str, *, line: int) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


class UnsupportedHashAlgorithmError(CanonicalizationError):
    """RDFC-1.0 was asked to hash with something other than SHA-256 or SHA-384."""

    reason = "CANONICALIZATION_HASH_UNSUPPORTED"


class CanonicalizationLimitError(CanonicalizationError):
    """A `CanonLimits` cap was exceeded: too many quads or blank nodes, or a poisoned dataset."""

    reason = "CANONICALIZATION_LIMIT_EXCEEDED"

    def __init__(self, limit: str, cap: float, message: str | None = None) -> None:
        super().__init__(message or f"canonicalization exceeded {limit}={cap}")
        #: Name of the `CanonLimits` field that was exceeded, e.g. "max_ndegree_work".
        self.limit = limit
        self.cap = cap


class JsonLdBudgetError(CanonicalizationLimitError):
    """The pyld reference path would exceed a `JsonLdLimits` budget (`limit` is "max_items" or
    "max_cpu_seconds"): its cost grows with the square of a property's values, so a small
    document could hold a core for minutes."""

    reason = "JSONLD_BUDGET_EXCEEDED"


# --- the caller's deadline --------------------------------------------------------------------


class DeadlineExceededError(SigningError):
    """The caller's deadline passed during sign() or verify(): the work was stopped, not judged."""

    reason = "DEADLINE_EXCEEDED"


# --- unusable input: raised by sign() and verify() (CLI exit 2); never a verification result ---


class UnusableInputError(SigningError):
    """Input that cannot be processed at all: verify() raises these rather than return a result."""

    reason = "UNUSABLE_INPUT"


class InvalidDocumentError(UnusableInputError):
    """Not a JSON-LD credential: not an object, no @context, malformed proof container, ..."""

    reason = "INVALID_DOCUMENT"


class ContextError(UnusableInputError):
    """Base of problems with the JSON-LD contexts a document names."""

    reason = "CONTEXT_ERROR"


class ContextNotAllowedError(ContextError):
    """A context URL not pinned in the manifest (a swapped or unknown context). Never fetched."""

    reason = "CONTEXT_NOT_ALLOWED"

    def __init__(self, url: str) -> None:
        super().__init__(f"JSON-LD context {url!r} is not in the pinned context manifest")
        self.url = url


class ContextHashMismatchError(ContextError):
    """A pinned context file whose bytes do not hash to the manifest's sha256."""

    reason = "CONTEXT_HASH_MISMATCH"


class ContextManifestError(ContextError):
    """A manifest that cannot be read, or two loaders pinning different bytes for one URL."""

    reason = "CONTEXT_MANIFEST_INVALID"


class JsonLdProcessingError(UnusableInputError):
    """pyld refused the document (invalid JSON-LD syntax, protected term redefinition, ...)."""

    reason = "JSONLD_INVALID"


class UnsupportedCryptosuiteError(UnusableInputError):
    """A `cryptosuite` other than the four DI suites in signing.suites."""

    reason = "CRYPTOSUITE_UNSUPPORTED"


class UnsupportedJsonLdError(UnusableInputError):
    """JSON-LD the compiled fast path does not model, refused when the pyld reference path is
    not allowed (`signing.budget.FAST_PATH_ONLY`). `pointer` (RFC 6901) names the JSON value that
    uses it: "/credentialSubject/companyIds" for a {"@set": [...]} object there, "" for the
    whole document; `construct` says what it is."""

    reason = "UNSUPPORTED_JSONLD"

    def __init__(self, construct: str, *, pointer: str) -> None:
        super().__init__(f"JSON-LD not supported here at {pointer or '/'}: {construct}")
        self.construct = construct
        self.pointer = pointer


# --- data loss (DI "Securing Data Losslessly"): raised by sign(), a result reason in verify() ---


class DataLossError(SigningError):
    """JSON-LD processing would drop data, so the signature would not cover it."""

    reason = "DATA_LOSS"
    #: RFC 6901 pointer to the offending value, when the compiled fast path found it.
    pointer: str | None = None


class UndefinedTermError(DataLossError):
    """A property the active context does not define (no @vocab): expansion would drop it."""

    reason = "UNDEFINED_TERM"


class DroppedTermError(DataLossError):
    """A term the context maps to null, a blank-node predicate, or other silently dropped data."""

    reason = "TERM_DROPPED"


class RelativeIriError(DataLossError):
    """A relative @id/@type/@vocab IRI: with the base IRI null (DI) it cannot become RDF."""

    reason = "RELATIVE_IRI"


# --- verification failures: each is a ProofResult reason; verify() does not raise them ---


class VerificationFailedError(SigningError):
    """Base of the reasons a proof does not verify."""

    reason = "VERIFICATION_FAILED"


class NoProofError(VerificationFailedError):
    """The credential carries no proof."""

    reason = "NO_PROOF"


class MalformedProofError(VerificationFailedError):
    """A proof missing required members or carrying wrongly typed ones."""

    reason = "PROOF_MALFORMED"


class SignatureMismatchError(VerificationFailedError):
    """The signature does not cover this document and these proof options (a changed value)."""

    reason = "SIGNATURE_INVALID"


class WrongKeyTypeError(VerificationFailedError):
    """The verification method's key type does not belong to the cryptosuite (R6)."""

    reason = "WRONG_KEY_TYPE"


class UnresolvableVerificationMethodError(VerificationFailedError):
    """A verificationMethod the key resolver cannot resolve (a malformed did:key, say)."""

    reason = "VERIFICATION_METHOD_UNRESOLVABLE"


class ProofPurposeMismatchError(VerificationFailedError):
    """A proofPurpose other than assertionMethod, the one purpose cfx signs and accepts."""

    reason = "PROOF_PURPOSE_MISMATCH"


class ProofNotByIssuerError(VerificationFailedError):
    """An unchained proof whose key is not the issuer's: a proof moved onto another document."""

    reason = "PROOF_NOT_BY_ISSUER"


class ProofContextMismatchError(VerificationFailedError):
    """A proof's own @context is not a prefix of the document's (DI, JCS verify step)."""

    reason = "PROOF_CONTEXT_MISMATCH"


class PreviousProofNotFoundError(VerificationFailedError):
    """A previousProof naming an id that no proof in the set has (DI §4.3)."""

    reason = "PREVIOUS_PROOF_NOT_FOUND"


class ProofDateTimeError(VerificationFailedError):
    """`created`/`expires` not an XML Schema dateTime, or `expires` before `created`."""

    reason = "PROOF_DATETIME_INVALID"


class ProofExpiredError(VerificationFailedError):
    """The verifier's clock is at or past the proof's `expires` (DI §2.1)."""

    reason = "PROOF_EXPIRED"


class ProofNotYetValidError(VerificationFailedError):
    """`created` lies in the future beyond the allowed clock skew."""

    reason = "PROOF_CREATED_IN_FUTURE"


class InvalidDomainError(VerificationFailedError):
    """DI INVALID_DOMAIN_ERROR: the verifier expects a domain the proof does not carry."""

    reason = "INVALID_DOMAIN"


class InvalidChallengeError(VerificationFailedError):
    """DI INVALID_CHALLENGE_ERROR: replay with a wrong or missing challenge."""

    reason = "INVALID_CHALLENGE"


# --- signing-side usage errors ---


class ProofOptionsError(SigningError):
    """Options sign() cannot honour: chaining to an unknown proof id, naive datetimes, ..."""

    reason = "PROOF_OPTIONS_INVALID"


class TooManyProofsError(InvalidDocumentError):
    """More proofs than `signing.document.MAX_PROOFS`: each costs a canonicalization, so an
    unbounded proof set (or chains naming many proofs) would be a work-amplification attack."""

    reason = "TOO_MANY_PROOFS"


class DuplicateProofIdError(InvalidDocumentError):
    """Two proofs with the same `id`: a `previousProof` naming it would be ambiguous."""

    reason = "PROOF_ID_DUPLICATE"


class WeakKeyError(KeyMaterialError):
    """An Ed25519 public key of small order (or a non-canonical encoding): a signature can verify
    under it for any message, so it binds nothing (signing.ed25519_points)."""

    reason = "KEY_WEAK"


class WeakVerificationKeyError(UnresolvableVerificationMethodError):
    """A proof's verification method is a weak key (WeakKeyError): the proof proves nothing."""

    reason = "VERIFICATION_KEY_WEAK"
