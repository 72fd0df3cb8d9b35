"""The gRPC edge: every servicer method is wrapped by `unary` or `server_stream`, and nothing else
decides who may call, how many calls run at once, or what an error looks like on the wire.

A wrapper, in order:
1. authenticates the caller from the verified mTLS certificate: no identity is UNAUTHENTICATED,
   one the trust registry does not list (never registered, or revoked) is PERMISSION_DENIED (G2);
2. admits the call under the caller identity's quota and the node's (RESOURCE_EXHAUSTED past
   either, with a stable reason), so no identity can hold every worker (issue 11);
3. runs the method with a `Call`: the caller's organization and the time the work may take,
   which drops to 0 when the RPC ends or the node's shutdown grace runs out; a unary method
   first waits for one of the node's work slots, a stream takes none;
4. turns a `GatewayError` into a rich status, and any other exception into INTERNAL with no
   internals in it: never UNKNOWN (E3);
5. reports how the call ended to the guard's observers (the access log, metrics; issue 16).
"""

from __future__ import annotations

import functools
import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol, TypeVar, cast

import grpc

from gateway import access
from gateway.errors import (
    ERROR_ROOTS,
    InternalError,
    ReportableError,
    TooManyConcurrentCallsError,
    TooManyStreamsError,
)
from gateway.limits import Limits
from gateway.observability.calls import Observer, call_ended
from gateway.rpc.identity import caller_from
from gateway.rpc.quota import Quota
from gateway.rpc.status import abort
from gateway.rpc.work import WorkSlots
from gateway.trust import Organization, TrustRegistry

_log = logging.getLogger("cfx.rpc")

_Request = TypeVar("_Request")
_Response = TypeVar("_Response")

# gRPC reports the infinite future (about 9.2e18 s) as the time left when a client set no deadline.
NO_DEADLINE = 1e9


class Guard:
    """What every RPC of one server passes through: authentication, quotas, work slots and the
    shutdown deadline. Safe to use from the server's threads."""

    def __init__(self, registry: Callable[[], TrustRegistry], limits: Limits) -> None:
        self.limits = limits
        self._registry = registry
        self.calls = Quota(
            "calls",
            TooManyConcurrentCallsError,
            limits.max_calls_per_identity,
            limits.max_concurrent_rpcs,
        )
        self.streams = Quota(
            "streams", TooManyStreamsError, limits.max_streams_per_identity, limits.max_open_streams
        )
        self.work = WorkSlots(limits.worker_threads)
        self._stop_at = math.inf
        self._on_shutdown: list[Callable[[], None]] = []
        # Told of every call that ended (`cfx serve` adds the access log and the metrics).
        self.observers: list[Observer] = []

    @property
    def stop_at(self) -> float:
        """Monotonic time by which running work must stop: infinite until shutdown begins."""
        return self._stop_at

    @property
    def closing(self) -> bool:
        """Whether shutdown has begun."""
        return self._stop_at != math.inf

    @contextmanager
    def admit(self, context: grpc.ServicerContext, quota: Quota, default: float) -> Iterator[Call]:
        """Authenticate the caller and hold a slot of `quota` for it while the call runs.

        The call's work may run until the caller's deadline (`default` s when it set none),
        never longer than max_deadline_seconds (G5).
        """
        # A revoked identity is no longer registered (G2).
        registry = self._registry()
        identities = caller_from(context).sans
        caller = access.caller_organization(registry, identities)
        with quota.held(caller.name):
            left: float | None = context.time_remaining()
            if left is None or left > NO_DEADLINE:
                left = default
            budget = min(left, self.limits.max_deadline_seconds)
            call = Call(caller, self, time.monotonic() + budget, registry, identities)
            context.add_callback(call.end)  # the RPC ended: cancelled, timed out or done
            try:
                yield call
            finally:
                call.end()

    def ended(
        self,
        servicer: object,
        name: str,
        request: object,
        *,
        response: object,
        call: Call | None,
        error: BaseException | None,
        started: float,
    ) -> None:
        """Tell the observers how one call ended (a stream closed by its client: CANCELLED)."""
        reportable = cast("ReportableError", error) if isinstance(error, ERROR_ROOTS) else None
        ended = call_ended(
            type(servicer),
            name,
            request,
            response,
            caller=call.caller.name if call is not None else "",
            error=reportable,
            code=grpc.StatusCode.CANCELLED if error is not None else grpc.StatusCode.OK,
            started=started,
        )
        for observer in self.observers:
            try:
                observer(ended)
            except Exception:  # noqa: BLE001 - a failing log or metric must not fail the call
                _log.exception("observer %r failed", observer)

    def on_shutdown(self, callback: Callable[[], None]) -> None:
        """Call `callback` when shutdown begins (e.g. to end waiting streams)."""
        self._on_shutdown.append(callback)

    def begin_shutdown(self, grace: float) -> None:
        """From now on work gets at most `grace` s; streams end at once (clients resume)."""
        self._stop_at = min(self._stop_at, time.monotonic() + grace)
        for callback in self._on_shutdown:
            callback()

    def close(self, timeout: float) -> bool:
        """Start no more handlers; wait up to `timeout` s for the running ones to return.
        True when none is left."""
        return self.work.close(timeout)


@dataclass(eq=False)
class Call:
    """One admitted RPC as a servicer method sees it."""

    caller: Organization
    _guard: Guard = field(repr=False)
    _deadline: float  # monotonic
    # The registry snapshot that authenticated the caller, and its certificate's identities.
    registry: TrustRegistry = field(repr=False)
    identities: tuple[str, ...]
    # Set when the RPC ends; a waiting stream also has it set when the log grows.
    wakeup: threading.Event = field(default_factory=threading.Event, repr=False)
    _ended: bool = False

    def time_left(self) -> float:
        """Seconds the work may still take: to the caller's deadline or the node's shutdown,
        and 0 once the RPC has ended (cancelled, timed out). Long work checks it and stops
        when it reaches 0."""
        if self._ended:
            return 0.0
        return max(0.0, min(self._deadline, self._guard.stop_at) - time.monotonic())

    @property
    def open(self) -> bool:
        """Whether a stream should go on: not ended, not past its time, node not shutting down."""
        return not self._guard.closing and self.time_left() > 0

    def end(self) -> None:
        """The RPC is over: work still running for it sees no time left."""
        self._ended = True
        self.wakeup.set()


class Guarded(Protocol):
    """A servicer: its methods find the server's guard here."""

    @property
    def guard(self) -> Guard:
        """The guard of the server this servicer is registered with."""
        ...


_S = TypeVar("_S", bound=Guarded)


def unary(
    method: Callable[[_S, _Request, Call], _Response],
) -> Callable[[_S, _Request, grpc.ServicerContext], _Response]:
    """Wrap a unary method `(self, request, call) -> response`."""

    @functools.wraps(method)
    def handler(self: _S, request: _Request, context: grpc.ServicerContext) -> _Response:
        guard = self.guard
        default = guard.limits.default_deadline_seconds
        started, call, response = time.perf_counter(), None, None
        error: BaseException | None = None
        try:
            # Waits for a work slot no longer than the call may take.
            with (
                guard.work.handler(),
                guard.admit(context, guard.calls, default) as call,
                guard.work.slot(call.time_left()),
            ):
                response = method(self, request, call)
                return response
        except ERROR_ROOTS as err:
            error = err
            abort(context, err)  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - the one catch-all that keeps UNKNOWN away (E3)
            # Logged with the stack for the operator; the caller sees a generic INTERNAL (E3).
            _log.exception("unexpected error in %s", method.__name__)
            error = internal = InternalError()
            abort(context, internal)
        finally:
            if guard.observers:
                guard.ended(
                    self,
                    method.__name__,
                    request,
                    response=response,
                    call=call,
                    error=error,
                    started=started,
                )
        raise AssertionError  # unreachable: abort raises

    return handler


def server_stream(
    method: Callable[[_S, _Request, Call], Iterator[_Response]],
) -> Callable[[_S, _Request, grpc.ServicerContext], Iterator[_Response]]:
    """Wrap a server-streaming method, a generator `(self, request, call)`. A stream takes no
    work slot: it must wait on `call.wakeup`, never spin."""

    @functools.wraps(method)
    def handler(self: _S, request: _Request, context: grpc.ServicerContext) -> Iterator[_Response]:
        guard = self.guard
        # A stream lives at most max_deadline_seconds; the client resumes after that.
        longest = guard.limits.max_deadline_seconds
        started, call = time.perf_counter(), None
        error: BaseException | None = None
        try:
            with guard.work.handler(), guard.admit(context, guard.streams, longest) as call:
                yield from method(self, request, call)
        except GeneratorExit as closed:  # the client cancelled or went away
            error = closed
            raise
        except ERROR_ROOTS as err:
            error = err
            abort(context, err)  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - as in unary()
            _log.exception("unexpected error in %s", method.__name__)
            error = internal = InternalError()
            abort(context, internal)
        finally:
            if guard.observers:
                guard.ended(
                    self,
                    method.__name__,
                    request,
                    response=None,
                    call=call,
                    error=error,
                    started=started,
                )

    return handler
