"""One wrapper for every RPC method: domain errors become rich statuses, none leaks as UNKNOWN."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import grpc

from gateway.errors import ERROR_ROOTS, InternalError
from gateway.rpc.status import abort

_log = logging.getLogger("cfx.rpc")

F = TypeVar("F", bound=Callable[..., Any])


def unary(method: F) -> F:
    """Wrap a unary servicer method `(self, request, context)`."""

    @functools.wraps(method)
    def wrapper(self: Any, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return method(self, request, context)
        except ERROR_ROOTS as err:
            abort(context, err)  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - the one catch-all that keeps UNKNOWN away (E3)
            # Logged with the stack for the operator; the caller sees a generic INTERNAL (E3).
            _log.exception("unexpected error in %s", method.__name__)
            abort(context, InternalError())
        return None  # unreachable: abort raises

    return wrapper  # type: ignore[return-value]


def stream(method: F) -> F:
    """Wrap a server-streaming servicer method that returns an iterator."""

    @functools.wraps(method)
    def wrapper(self: Any, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        try:
            yield from method(self, request, context)
        except ERROR_ROOTS as err:
            abort(context, err)  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - as in unary()
            _log.exception("unexpected error in %s", method.__name__)
            abort(context, InternalError())

    return wrapper  # type: ignore[return-value]
