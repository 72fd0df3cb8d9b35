"""Errors as `google.rpc.Status`: one table from error class to status code (AIP-193).

`STATUS_CODES` is looked up along the raised class's MRO, so a subclass inherits its family's code
unless it is listed itself. Every error class of the three packages resolves to an entry here (a
test walks them all); the status carries exactly one ErrorInfo (domain `cfx`) with the class's
stable reason, plus BadRequest field violations when there are any.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from gateway import errors as ge
from gateway.errors import ReportableError
from gateway.federation import errors as federation_errors
from gateway.log import errors as log_errors
from gateway.requests import errors as request_errors
from gateway.store import errors as store_errors
from gateway.trust import errors as trust_errors
from schemas.errors import SchemasError
from signing.errors import DeadlineExceededError, SigningError

DOMAIN = "cfx"
REASON_PATTERN = re.compile(r"[A-Z][A-Z0-9_]{0,61}[A-Z0-9]")
_META_KEY = re.compile(r"[a-z][a-zA-Z0-9\-_]+")
_C = grpc.StatusCode

STATUS_CODES: Mapping[type[Exception], grpc.StatusCode] = {
    # The root: anything not listed below is the node's fault, not the caller's.
    ge.GatewayError: _C.INTERNAL,
    ge.UnauthenticatedError: _C.UNAUTHENTICATED,
    ge.PermissionDeniedError: _C.PERMISSION_DENIED,
    ge.DeadlineTooShortError: _C.DEADLINE_EXCEEDED,
    ge.ResourceExhaustedError: _C.RESOURCE_EXHAUSTED,
    ge.NodeStoppingError: _C.UNAVAILABLE,
    ge.InvalidRequestError: _C.INVALID_ARGUMENT,
    ge.CredentialError: _C.INVALID_ARGUMENT,
    # Data the caller sent that cannot be parsed, verified or validated (E1).
    SigningError: _C.INVALID_ARGUMENT,
    # The caller's deadline ran out inside canonicalization: the work stopped, not judged.
    DeadlineExceededError: _C.DEADLINE_EXCEEDED,
    SchemasError: _C.INVALID_ARGUMENT,
    # The trust registry says no: fix the registry (or wait for it), then retry (E3).
    trust_errors.TrustError: _C.FAILED_PRECONDITION,
    trust_errors.RoleNotAllowedError: _C.PERMISSION_DENIED,
    trust_errors.UnknownOrganizationError: _C.NOT_FOUND,
    store_errors.StoreError: _C.INTERNAL,
    store_errors.AlreadyExistsError: _C.ALREADY_EXISTS,
    store_errors.NotFoundError: _C.NOT_FOUND,
    store_errors.InvalidStatusTransitionError: _C.FAILED_PRECONDITION,
    store_errors.InvalidPageTokenError: _C.INVALID_ARGUMENT,
    store_errors.StoreUnavailableError: _C.UNAVAILABLE,
    store_errors.GecDoubleClaimError: _C.FAILED_PRECONDITION,
    log_errors.LogError: _C.INTERNAL,
    log_errors.TreeSizeError: _C.OUT_OF_RANGE,
    # Writes wait for an operator to restore the store; reads still answer.
    log_errors.LogIntegrityError: _C.FAILED_PRECONDITION,
    # Peers, sync and usage policy: the federation's state (a peer, a policy) says no.
    federation_errors.FederationError: _C.FAILED_PRECONDITION,
    # Footprint requests (issue 14): exactly one answer per request.
    request_errors.RequestError: _C.FAILED_PRECONDITION,
    request_errors.RequestNotFoundError: _C.NOT_FOUND,
    request_errors.RequestAlreadyAnsweredError: _C.FAILED_PRECONDITION,
    request_errors.OwnerUnknownError: _C.NOT_FOUND,
}


def status_code(err: Exception) -> grpc.StatusCode:
    """The status code of `err`'s nearest listed class; UNKNOWN never comes out of here."""
    for cls in type(err).__mro__:
        code = STATUS_CODES.get(cls)
        if code is not None:
            return code
    return _C.INTERNAL


def to_rpc_status(err: ReportableError) -> status_pb2.Status:
    """The rich status for `err`. Its reason must be well formed: a test checks every class."""
    if not REASON_PATTERN.fullmatch(err.reason):
        raise ValueError(f"{type(err).__name__}.reason {err.reason!r} is not AIP-193 shaped")
    metadata = err.metadata if isinstance(err, ge.GatewayError) else {}
    info = error_details_pb2.ErrorInfo(
        reason=err.reason,
        domain=DOMAIN,
        metadata={k: v for k, v in metadata.items() if _META_KEY.fullmatch(k)},
    )
    details = [_pack(info)]
    violations = err.violations if isinstance(err, ge.GatewayError) else _pointed(err)
    if violations:
        bad = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(
                    field=v.field, description=v.description, reason=v.reason
                )
                for v in violations
            ]
        )
        details.append(_pack(bad))
    return status_pb2.Status(
        code=_CODE_NUMBERS[status_code(err)], message=_message(err)[:1024], details=details
    )


def abort(context: grpc.ServicerContext, err: ReportableError) -> None:
    """Abort the RPC with the rich status in the grpc-status-details-bin trailer."""
    context.abort_with_status(rpc_status.to_status(to_rpc_status(err)))


def _pointed(err: SigningError | SchemasError) -> tuple[ge.FieldViolation, ...]:
    """A signing error that names where (a JSON pointer) becomes one field violation there."""
    pointer = getattr(err, "pointer", None)
    if not isinstance(pointer, str):
        return ()
    return (ge.FieldViolation(pointer, err.reason, _message(err)),)


def _message(err: Exception) -> str:
    message = getattr(err, "message", None)
    return message if isinstance(message, str) else str(err)


def _pack(message: object) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)  # type: ignore[arg-type]
    return packed


_CODE_NUMBERS: dict[grpc.StatusCode, int] = {
    c: getattr(code_pb2, c.name) for c in grpc.StatusCode if hasattr(code_pb2, c.name)
}
