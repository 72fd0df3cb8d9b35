"""The root of the gateway's error tree, and the errors of a request as such.

Every error the `gateway` package raises derives from `GatewayError`: the concerns that have
their own modules (store, trust, log, node, PKI, client, CLI input) derive their sub-roots from
it. Each class carries a stable `reason` (AIP-193 `ErrorInfo.reason`: UPPER_SNAKE_CASE, at most
63 characters) and typed fields; the gRPC edge maps classes to status codes through one table
(`gateway.rpc.status.STATUS_CODES`), looked up along the class hierarchy, so no error decides its
own transport code. `signing.errors.SigningError` and `schemas.errors.SchemasError` are the roots
of the other two packages; the same table maps them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias

from schemas.errors import SchemasError
from signing.errors import SigningError


@dataclass(frozen=True)
class FieldViolation:
    """One field-level problem: a JSON pointer into the credential, a stable code, a message."""

    field: str
    reason: str
    description: str


class GatewayError(Exception):
    """Base of every error raised by the `gateway` package."""

    #: Stable machine-readable reason (UPPER_SNAKE_CASE); every subclass names its own.
    reason: str = "GATEWAY_ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def metadata(self) -> Mapping[str, str]:
        """ErrorInfo metadata: the typed fields a caller may act on (none by default)."""
        return {}

    @property
    def violations(self) -> tuple[FieldViolation, ...]:
        """Field violations (BadRequest details); only validation errors have any."""
        return ()


class EvidenceError(GatewayError):
    """An error that carries checkable evidence (hashes, sizes, signed notes) as its metadata,
    so it can be kept, published and checked by someone else."""

    def __init__(self, message: str, *, evidence: Mapping[str, str]) -> None:
        super().__init__(message)
        self.evidence = dict(evidence)

    @property
    def metadata(self) -> Mapping[str, str]:
        """The evidence, as strings."""
        return self.evidence


class InternalError(GatewayError):
    """An unexpected failure. Never carries the underlying exception's text (no internals leak)."""

    reason = "INTERNAL_ERROR"

    def __init__(self) -> None:
        super().__init__("internal error")


class NodeError(GatewayError):
    """A node directory or configuration that cannot be created, read or used."""

    reason = "NODE_CONFIG_INVALID"


# --- the caller ----------------------------------------------------------------------------


class UnauthenticatedError(GatewayError):
    """The call carries no verified client certificate identity."""

    reason = "MISSING_CREDENTIALS"

    def __init__(self, message: str = "no verified client certificate") -> None:
        super().__init__(message)


class PermissionDeniedError(GatewayError):
    """The caller may not do this. Also what a caller gets for a dataset it may not see, so that
    existence is never confirmed to someone who may not read it (G2, AIP-193)."""

    reason = "PERMISSION_DENIED"

    def __init__(self, message: str = "caller may not perform this operation") -> None:
        super().__init__(message)


class UnregisteredCallerError(PermissionDeniedError):
    """A verified certificate whose identity the trust registry does not know (or revoked)."""

    def __init__(self) -> None:
        super().__init__("client certificate is not registered with this node")


class IssuerNotSignerError(PermissionDeniedError):
    """The proofs verify, but with keys of an organization the issuer DID does not belong to."""

    reason = "ISSUER_NOT_SIGNER"


class NodeMayNotSubmitError(PermissionDeniedError):
    """The caller authenticated with a peer node's identity: a node pulls datasets, it never
    submits (or retires) them as an organization (issue 12)."""

    reason = "NODE_MAY_NOT_SUBMIT"

    def __init__(self, org: str) -> None:
        super().__init__(
            f"{org} called with a peer node identity; a node identity may pull datasets but not "
            "submit or retire them (use the organization's own client identity)"
        )
        self.org = org

    @property
    def metadata(self) -> Mapping[str, str]:
        """`{"organization": …}`: whose node identity it was."""
        return {"organization": self.org}


class DeadlineTooShortError(GatewayError):
    """Too little of the caller's deadline is left to start the expensive checks."""

    reason = "DEADLINE_TOO_SHORT"

    def __init__(self, message: str = "not enough time left to verify") -> None:
        super().__init__(message)


class ResourceExhaustedError(GatewayError):
    """A concurrency quota is full; retry when one of the caller's calls has finished."""

    reason = "RESOURCE_EXHAUSTED"

    def __init__(self, message: str, *, limit: int) -> None:
        super().__init__(f"{message}; retry when one has finished")
        self.limit = limit

    @property
    def metadata(self) -> Mapping[str, str]:
        """The quota that was full."""
        return {"limit": str(self.limit)}


class TooManyConcurrentCallsError(ResourceExhaustedError):
    """One caller identity already has its share of unary calls in progress."""

    reason = "TOO_MANY_CONCURRENT_CALLS"


class TooManyStreamsError(ResourceExhaustedError):
    """One caller identity already has its share of open streams."""

    reason = "TOO_MANY_STREAMS"


class NodeBusyError(ResourceExhaustedError):
    """The node-wide cap is reached, whoever asks (retry later, or at another replica)."""

    reason = "NODE_BUSY"


class NodeStoppingError(GatewayError):
    """The node is shutting down: a call accepted just before the stop starts no work."""

    reason = "NODE_STOPPING"

    def __init__(self) -> None:
        super().__init__("the node is shutting down")


# --- the request's own fields --------------------------------------------------------------


class InvalidRequestError(GatewayError):
    """A request field (not the credential) is malformed."""

    reason = "INVALID_REQUEST"

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field

    @property
    def metadata(self) -> Mapping[str, str]:
        """`{"field": <the request field>}` when one is named."""
        return {"field": self.field} if self.field else {}


class InvalidNameError(InvalidRequestError):
    """A resource name not of its collection's form (AIP-122)."""

    reason = "INVALID_NAME"

    def __init__(self, field: str = "name", pattern: str = "datasets/{uuid}") -> None:
        super().__init__(f"{field} must be {pattern}", field=field)


class InvalidRequestIdError(InvalidRequestError):
    """A request_id that is not a UUID in canonical form (AIP-155)."""

    reason = "INVALID_REQUEST_ID"


class NegativeIndexError(InvalidRequestError):
    """An int64 log index or tree size below zero (AIP-141 fields are signed on the wire)."""

    reason = "NEGATIVE_INDEX"


class InvalidPageSizeError(InvalidRequestError):
    """A negative page_size (AIP-158: 0 means the service's default)."""

    reason = "INVALID_PAGE_SIZE"


class InvalidRangeError(InvalidRequestError):
    """A range whose end lies before its start."""

    reason = "INVALID_RANGE"


# --- the credential ------------------------------------------------------------------------


class CredentialError(GatewayError):
    """The credential cannot be accepted as it is; fix it and submit again."""

    reason = "CREDENTIAL_INVALID"


class EnvelopeError(CredentialError):
    """Not a VC 2.0 envelope cfx accepts (contexts, type, issuer, subject, id)."""

    reason = "ENVELOPE_INVALID"


class ContextNotAllowedError(CredentialError):
    """A context URL that is not pinned on this node (contexts are never fetched)."""

    reason = "CONTEXT_NOT_ALLOWED"

    def __init__(self, context_url: str) -> None:
        super().__init__(f"context {context_url} is not pinned")
        self.context_url = context_url

    @property
    def metadata(self) -> Mapping[str, str]:
        """`{"context_url": <the unpinned URL>}`."""
        return {"context_url": self.context_url}


class ProofMissingError(CredentialError):
    """The credential has no proof: cfx stores only signed datasets."""

    reason = "PROOF_MISSING"

    def __init__(self) -> None:
        super().__init__("the credential carries no proof")


class UnknownKindError(CredentialError):
    """credentialSubject.type names none (or more than one) of the cfx dataset kinds."""

    reason = "UNKNOWN_KIND"

    def __init__(self) -> None:
        super().__init__("credentialSubject is not a cfx dataset kind")


class IssuerProofMissingError(CredentialError):
    """Every proof verifies, but none is made with a key of the credential's issuer."""

    reason = "ISSUER_PROOF_MISSING"

    def __init__(self, issuer: str) -> None:
        super().__init__("no proof is made with a key of the issuer")
        self.issuer = issuer

    @property
    def metadata(self) -> Mapping[str, str]:
        """`{"issuer": <the issuer DID>}`."""
        return {"issuer": self.issuer}


class ValidationError(CredentialError):
    """Schema, profile or accounting-rule violations, each with its JSON pointer."""

    reason = "VALIDATION_FAILED"

    def __init__(self, violations: Sequence[FieldViolation]) -> None:
        first = violations[0].description if violations else "no detail"
        count = f"{len(violations)} violation{'' if len(violations) == 1 else 's'}"
        super().__init__(f"{count}; first: {first}")
        self._violations = tuple(violations)

    @property
    def violations(self) -> tuple[FieldViolation, ...]:
        """Every violation found, not just the first, so one round trip shows them all."""
        return self._violations


class SchemaViolationError(ValidationError):
    """The JSON shape is wrong (JSON Schema)."""

    reason = "SCHEMA_VIOLATION"


class RuleViolationError(ValidationError):
    """The shape is right, but a semantic, profile or accounting rule is broken."""

    reason = "RULE_VIOLATION"


class NotAStatusUpdateError(CredentialError):
    """A status change whose credential is not a StatusUpdate dataset."""

    reason = "NOT_A_STATUS_UPDATE"

    def __init__(self) -> None:
        super().__init__("the credential is not a StatusUpdate")


class StatusUpdateTargetMismatchError(CredentialError):
    """A StatusUpdate whose targetDatasetId is not the dataset being changed."""

    reason = "STATUS_UPDATE_TARGET_MISMATCH"

    def __init__(self, name: str) -> None:
        super().__init__(f"the StatusUpdate does not name {name}")


class StatusUpdateActionMismatchError(CredentialError):
    """A StatusUpdate whose action does not match the requested status change."""

    reason = "STATUS_UPDATE_ACTION_MISMATCH"

    def __init__(self, name: str, action: str) -> None:
        super().__init__(f"changing the status of {name} needs action {action!r}")


class AttestedDatasetNotHeldError(CredentialError):
    """An attestation whose digest is the SHA-256 of no credential this node holds: it binds
    to nothing here (submit the attested dataset first, or attest its exact bytes)."""

    reason = "ATTESTED_DATASET_NOT_HELD"

    def __init__(self) -> None:
        super().__init__("no credential held here has the attested digest")


class AttestedDigestMismatchError(CredentialError):
    """The credential held under the attested digest is not the dataset the attestation declares
    (another credentialSubject id or kind): the declared dataset does not have that digest."""

    reason = "ATTESTED_DIGEST_MISMATCH"

    def __init__(self, attested_id: str) -> None:
        super().__init__(f"{attested_id} does not have the attested digest")


class AttestedFiguresMismatchError(ValidationError):
    """Figures an attestation says it verified differ from those in the bytes it attests."""

    reason = "ATTESTED_FIGURES_MISMATCH"


class AttestationAudienceMismatchError(CredentialError):
    """An attestation stating a usagePolicy other than its attested credential's: an attestation
    travels exactly where its footprint does (issue 14), so any other audience would be a false
    promise. State none (it is inherited), or the attested credential's own."""

    reason = "ATTESTATION_AUDIENCE_MISMATCH"

    def __init__(self, attested_id: str) -> None:
        super().__init__(f"the usagePolicy differs from that of {attested_id}, which it follows")


#: The three package roots: what a caller (RPC edge, CLI) reports as a typed error.
ReportableError: TypeAlias = GatewayError | SigningError | SchemasError
ERROR_ROOTS: tuple[type[Exception], ...] = (GatewayError, SigningError, SchemasError)
