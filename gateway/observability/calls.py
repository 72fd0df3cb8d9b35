"""One ended RPC as the access log and the metrics see it: who called which method, how it ended
and how long it took. Built by the guard (gateway.rpc.guard) for every call, whatever its outcome.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter

import grpc

from gateway.errors import ReportableError
from gateway.observability.logging import event
from gateway.rpc.status import status_code

_log = logging.getLogger("cfx.rpc")
_PROTO_PACKAGE = "gateway._proto."


@dataclass(frozen=True, slots=True)
class CallEnded:
    """An RPC that ended. `code` is the gRPC status name, `reason` the error's stable reason
    ("" when OK); `digest` is the dataset's when the call named or sent one."""

    method: str  # "/cfx.v1.ExchangeService/SubmitDataset"
    caller: str  # the caller's organization; "" when it was not authenticated
    code: str
    reason: str
    seconds: float
    request_id: str
    digest: str


Observer = Callable[[CallEnded], None]


def call_ended(
    servicer: type,
    name: str,
    request: object,
    response: object,
    *,
    caller: str,
    error: ReportableError | None,
    code: grpc.StatusCode,
    started: float,
) -> CallEnded:
    """The record of one call of `servicer.name` (the error decides the code when there is one)."""
    if error is not None:
        code = status_code(error)
    return CallEnded(
        method=full_method(servicer, name),
        caller=caller,
        code=code.name,
        reason=error.reason if error is not None else "",
        seconds=perf_counter() - started,
        request_id=str(getattr(request, "request_id", "")),
        digest=_digest(request, response),
    )


@functools.cache
def full_method(servicer: type, name: str) -> str:
    """The gRPC method path, from the generated base class the servicer derives from."""
    for base in servicer.__mro__:
        if base.__module__.startswith(_PROTO_PACKAGE) and base.__name__.endswith("Servicer"):
            package = base.__module__.removeprefix(_PROTO_PACKAGE).rpartition(".")[0]
            return f"/{package}.{base.__name__.removesuffix('Servicer')}/{name}"
    return f"/{servicer.__name__}/{name}"


def _digest(request: object, response: object) -> str:
    """The digest of the dataset the response carries, or else of the credential the request
    sent (a refused submission), or "" for a call about no one dataset."""
    digest = getattr(getattr(response, "dataset", None), "digest", "")
    if digest:
        return str(digest)
    credential = getattr(request, "credential", None)
    return hashlib.sha256(credential).hexdigest() if isinstance(credential, bytes) else ""


def log_call(ended: CallEnded) -> None:
    """The access log: one `rpc` line per call; refusals at INFO (the caller's business),
    INTERNAL at ERROR (the node's)."""
    level = logging.ERROR if ended.code == "INTERNAL" else logging.INFO
    event(
        _log,
        "rpc",
        f"{ended.method} {ended.code}",
        level,
        method=ended.method,
        caller=ended.caller,
        code=ended.code,
        reason=ended.reason,
        duration_ms=round(ended.seconds * 1000, 3),
        request_id=ended.request_id,
        digest=ended.digest,
    )
