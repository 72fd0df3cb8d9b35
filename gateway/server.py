"""`create_server()`: an asyncio gRPC server with mTLS, limits, keepalive, health and optional
reflection, run on its own event-loop thread behind a small synchronous handle.

Why asyncio (issue 11): with a thread per RPC, 16 idle watch streams held all 16 threads and
health checks queued behind them. Here an RPC is a coroutine; blocking work runs on the guard's
worker pool only while it computes, and the health service answers on the event loop itself.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

# grpc-stubs 1.53 predates the asyncio health servicer that grpcio-health-checking exports.
from grpc_health.v1.health import aio as health_aio  # type: ignore[attr-defined]

from gateway.node import Limits
from gateway.rpc.guard import Guard

_log = logging.getLogger("cfx.server")
_T = TypeVar("_T")

# After the grace period, how long running work may take to notice its call ended. `stop()`
# returns within grace + DRAIN_SECONDS, leaving what still runs behind (issue 11: + 2 s at most).
DRAIN_SECONDS = 1.5
# Health checks, refusals and reflection get this many calls beyond the guard's quotas before
# gRPC itself answers RESOURCE_EXHAUSTED (a backstop: the guard refuses far earlier).
UNGUARDED_CALLS = 64

Registration = Callable[[grpc.aio.Server], str]


def channel_options(limits: Limits) -> list[tuple[str, int]]:
    """Explicit message caps (G4) and keepalive / connection-age policy (G6)."""
    return [
        ("grpc.max_receive_message_length", limits.max_message_bytes),
        ("grpc.max_send_message_length", limits.max_message_bytes),
        ("grpc.keepalive_time_ms", limits.keepalive_time_ms),
        ("grpc.keepalive_timeout_ms", limits.keepalive_timeout_ms),
        # Clients may ping no more often than every 10 s without data (anti ping-flood).
        ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
        ("grpc.max_connection_age_ms", limits.max_connection_age_ms),
        ("grpc.max_connection_age_grace_ms", limits.max_connection_age_grace_ms),
        ("grpc.so_reuseport", 0),
    ]


@dataclass(frozen=True)
class TlsMaterial:
    """PEM bytes for mTLS: the CA that client certificates must chain to, and our own pair."""

    ca_pem: bytes
    cert_pem: bytes
    key_pem: bytes


class _LoopThread:
    """An event loop running on a daemon thread, driven from synchronous code."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="cfx-grpc", daemon=True)
        self._thread.start()

    def call(self, coroutine: Coroutine[Any, Any, _T], timeout: float | None = None) -> _T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self, timeout: float) -> bool:
        """Cancel what is left on the loop and stop it; False if it did not stop in time."""
        deadline = time.monotonic() + timeout
        try:
            self.call(_cancel_other_tasks(), timeout=max(timeout, 0.1))
        except TimeoutError:
            _log.warning("tasks still running on the server's event loop are left behind")
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(max(deadline - time.monotonic(), 0.0))
        if self._thread.is_alive():
            return False
        self.loop.close()
        return True


@dataclass
class RunningServer:
    """A started server. `stop()` may be called from any thread but the server's own."""

    port: int
    _server: grpc.aio.Server
    _health: health_aio.HealthServicer
    _guard: Guard
    _loop: _LoopThread
    _stopped: bool = field(default=False)

    def stop(self, grace: float | None = None) -> bool:
        """Report NOT_SERVING, refuse new calls, give running ones `grace` s, then cancel them
        (G7). Returns within grace + DRAIN_SECONDS: True when every worker thread has
        finished, False if work was still running then (the caller decides whether to exit
        hard)."""
        if self._stopped:
            return True
        self._stopped = True
        seconds = grace or 0.0
        deadline = time.monotonic() + seconds + DRAIN_SECONDS
        try:
            self._loop.call(self._shutdown(seconds), timeout=seconds + DRAIN_SECONDS)
        except TimeoutError:
            _log.warning("the gRPC server did not stop within %.1f s", seconds + DRAIN_SECONDS)
        drained = self._guard.close(deadline - time.monotonic())
        return self._loop.close(deadline - time.monotonic()) and drained

    async def _shutdown(self, grace: float) -> None:
        await self._health.enter_graceful_shutdown()
        self._guard.begin_shutdown(grace)
        await self._server.stop(grace)


def create_server(
    registrations: Sequence[Registration],
    *,
    tls: TlsMaterial,
    guard: Guard,
    listen: str = "127.0.0.1:0",
    reflection: bool = False,
) -> RunningServer:
    """Build and start a server. Each registration adds a servicer and returns its service name;
    the servicers' methods pass through `guard`, whose limits the server also applies."""
    loop = _LoopThread()
    try:
        server, port, health_servicer = loop.call(
            _start(
                registrations, tls=tls, limits=guard.limits, listen=listen, reflection=reflection
            )
        )
    except BaseException:
        loop.close(DRAIN_SECONDS)
        raise
    return RunningServer(port, server, health_servicer, guard, loop)


async def _start(
    registrations: Sequence[Registration],
    *,
    tls: TlsMaterial,
    limits: Limits,
    listen: str,
    reflection: bool,
) -> tuple[grpc.aio.Server, int, health_aio.HealthServicer]:
    server = grpc.aio.server(
        options=channel_options(limits),
        maximum_concurrent_rpcs=limits.max_concurrent_rpcs
        + limits.max_open_streams
        + UNGUARDED_CALLS,
    )
    names = [register(server) for register in registrations]
    health_servicer = health_aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for name in ["", *names]:
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    if reflection:
        from grpc_reflection.v1alpha import reflection as refl  # noqa: PLC0415 - opt-in only

        refl.enable_server_reflection([*names, refl.SERVICE_NAME, health.SERVICE_NAME], server)
    creds = grpc.ssl_server_credentials(
        [(tls.key_pem, tls.cert_pem)], root_certificates=tls.ca_pem, require_client_auth=True
    )
    try:
        port = server.add_secure_port(listen, creds)
    except RuntimeError as exc:  # grpc raises RuntimeError when it cannot bind
        raise OSError(f"cannot listen on {listen}") from exc
    if port == 0:
        raise OSError(f"cannot listen on {listen}")
    await server.start()
    return server, port, health_servicer


async def _cancel_other_tasks() -> None:
    """Cancel what is left on the loop (e.g. the watch ticker) so it can stop cleanly."""
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def serve_until_signal(running: RunningServer, grace: float) -> bool:
    """Block until SIGTERM/SIGINT, then stop (see `RunningServer.stop`); returns whether every
    handler's work finished."""
    stop = threading.Event()

    def _on_signal(signum: int, _frame: object) -> None:
        _log.info("signal %d: graceful shutdown", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    stop.wait()
    return running.stop(grace)
