"""Turn a `GatewayError` into a `google.rpc.Status` with exactly one ErrorInfo (AIP-193)."""

from __future__ import annotations

import re

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from gateway.errors import GatewayError

DOMAIN = "cfx"
_REASON = re.compile(r"[A-Z][A-Z0-9_]+[A-Z0-9]")
_META_KEY = re.compile(r"[a-z][a-zA-Z0-9\-_]+")


def to_rpc_status(err: GatewayError) -> status_pb2.Status:
    reason = err.reason if _REASON.fullmatch(err.reason) and len(err.reason) <= 63 else "INVALID"
    info = error_details_pb2.ErrorInfo(
        reason=reason,
        domain=DOMAIN,
        metadata={k: v for k, v in err.metadata.items() if _META_KEY.fullmatch(k)},
    )
    details = [_pack(info)]
    if err.violations:
        bad = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(
                    field=v.field, description=v.description, reason=v.reason
                )
                for v in err.violations
            ]
        )
        details.append(_pack(bad))
    return status_pb2.Status(
        code=_CODE_NUMBERS[err.code], message=err.message[:1024], details=details
    )


def abort(context: grpc.ServicerContext, err: GatewayError) -> None:
    """Abort the RPC with the rich status in the grpc-status-details-bin trailer."""
    context.abort_with_status(rpc_status.to_status(to_rpc_status(err)))


def _pack(message: object) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)  # type: ignore[arg-type]
    return packed


_CODE_NUMBERS: dict[grpc.StatusCode, int] = {
    c: getattr(code_pb2, c.name) for c in grpc.StatusCode if hasattr(code_pb2, c.name)
}
