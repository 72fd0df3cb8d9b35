"""The gateway's error tree. Each error knows its gRPC code and stable reason (AIP-193).

Errors from `signing`, `schemas`, the store and the trust registry are translated into these once,
in the intake pipeline; the RPC layer turns a `GatewayError` into a `google.rpc.Status` and never
lets any other exception leave the servicer as UNKNOWN (requirement E3).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import grpc


@dataclass(frozen=True)
class FieldViolation:
    """One field-level problem: a JSON pointer into the credential, a stable code, a message."""

    field: str
    reason: str
    description: str


@dataclass
class GatewayError(Exception):
    """Base of every error the gateway reports to a caller."""

    message: str
    reason: str = "INTERNAL_ERROR"
    code: grpc.StatusCode = grpc.StatusCode.INTERNAL
    metadata: dict[str, str] = field(default_factory=dict)
    violations: tuple[FieldViolation, ...] = ()

    def __str__(self) -> str:
        return f"{self.reason}: {self.message}"


def invalid_argument(reason: str, message: str, **kw: object) -> GatewayError:
    return _make(grpc.StatusCode.INVALID_ARGUMENT, reason, message, **kw)


def failed_precondition(reason: str, message: str, **kw: object) -> GatewayError:
    return _make(grpc.StatusCode.FAILED_PRECONDITION, reason, message, **kw)


def permission_denied(
    message: str = "caller may not perform this operation", reason: str = "PERMISSION_DENIED"
) -> GatewayError:
    return GatewayError(message, reason, grpc.StatusCode.PERMISSION_DENIED)


def unauthenticated(message: str = "no verified client certificate") -> GatewayError:
    return GatewayError(message, "MISSING_CREDENTIALS", grpc.StatusCode.UNAUTHENTICATED)


def not_found(name: str) -> GatewayError:
    return GatewayError(
        f"{name} does not exist", "DATASET_NOT_FOUND", grpc.StatusCode.NOT_FOUND, {"name": name}
    )


def already_exists(reason: str, message: str, **kw: object) -> GatewayError:
    return _make(grpc.StatusCode.ALREADY_EXISTS, reason, message, **kw)


def out_of_range(reason: str, message: str) -> GatewayError:
    return GatewayError(message, reason, grpc.StatusCode.OUT_OF_RANGE)


def unavailable(message: str) -> GatewayError:
    return GatewayError(message, "BACKEND_UNAVAILABLE", grpc.StatusCode.UNAVAILABLE)


def internal() -> GatewayError:
    # Never carries the underlying exception's text: no internals reach a caller.
    return GatewayError("internal error", "INTERNAL_ERROR", grpc.StatusCode.INTERNAL)


def _make(code: grpc.StatusCode, reason: str, message: str, **kw: object) -> GatewayError:
    metadata = {k: str(v) for k, v in kw.items() if k != "violations"}
    raw = kw.get("violations", ())
    violations = tuple(raw) if isinstance(raw, (list, tuple)) else ()
    return GatewayError(message, reason, code, metadata, violations)
