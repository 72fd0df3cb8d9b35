"""`create_server()`: a gRPC server with mTLS, limits, keepalive, health and optional reflection.

Threads (issue 11). The transport pool has a thread for every call the guard can admit (unary
calls, watch streams) plus a reserve for health checks and refusals, and gRPC refuses calls
beyond that. So a held stream never takes the thread that a unary call or a health check needs;
unary work is then limited to `worker_threads` at once by the guard's work slots. (An asyncio
server was measured too: it held no thread per idle stream but cost about 20 % of submit
throughput on two cores, from the extra hand-over between the event loop and the workers.)
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent import futures
from dataclasses import dataclass, field

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from gateway.limits import Limits
from gateway.rpc.guard import Guard

_log = logging.getLogger("cfx.server")

# After the grace period, how long running work may take to notice that its call ended.
# `stop()` returns within grace + DRAIN_SECONDS (issue 11: the process exits within + 2 s).
DRAIN_SECONDS = 1.5
# The graceful path's own bound is grace + DRAIN + the close; past this, the process just leaves.
HARD_STOP_SECONDS = 1.9
# Threads beyond the guard's quotas, for health checks and for calls being refused.
RESERVE_THREADS = 32

Registration = Callable[[grpc.Server], str]


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


def transport_threads(limits: Limits) -> int:
    """Every call the guard admits has a thread, and health checks have a reserve."""
    return limits.max_concurrent_rpcs + limits.max_open_streams + RESERVE_THREADS


@dataclass(frozen=True)
class TlsMaterial:
    """PEM bytes for mTLS: the CA that client certificates must chain to, and our own pair."""

    ca_pem: bytes
    cert_pem: bytes
    key_pem: bytes


@dataclass
class RunningServer:
    """A started server and what `stop()` needs to bound its shutdown."""

    server: grpc.Server
    port: int
    health: health.HealthServicer
    guard: Guard
    _threads: futures.ThreadPoolExecutor = field(repr=False)

    def stop(self, grace: float | None = None) -> bool:
        """Report NOT_SERVING, refuse new calls, give running ones `grace` s, then cancel them
        (G7). Returns within grace + DRAIN_SECONDS: True when every handler has returned, False
        if one was still running then (the caller decides whether to exit hard)."""
        seconds = grace or 0.0
        deadline = time.monotonic() + seconds + DRAIN_SECONDS
        self.health.enter_graceful_shutdown()
        self.guard.begin_shutdown(seconds)
        self.server.stop(seconds).wait(seconds + DRAIN_SECONDS)
        self._threads.shutdown(wait=False, cancel_futures=True)
        return self.guard.close(deadline - time.monotonic())


def create_server(
    registrations: Sequence[Registration],
    *,
    tls: TlsMaterial,
    guard: Guard,
    listen: str = "127.0.0.1:0",
    reflection: bool = False,
) -> RunningServer:
    """Build and start a server. Each registration adds a servicer and returns its service name;
    the servicers' methods pass through `guard`, whose limits the server applies as well."""
    limits = guard.limits
    threads = futures.ThreadPoolExecutor(transport_threads(limits), thread_name_prefix="cfx-rpc")
    server = grpc.server(
        threads,
        options=channel_options(limits),
        maximum_concurrent_rpcs=transport_threads(limits),
    )
    names = [register(server) for register in registrations]
    health_servicer = health.HealthServicer(experimental_non_blocking=True)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for name in ["", *names]:
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    if reflection:
        from grpc_reflection.v1alpha import reflection as refl  # noqa: PLC0415 - opt-in only

        refl.enable_server_reflection([*names, refl.SERVICE_NAME, health.SERVICE_NAME], server)
    creds = grpc.ssl_server_credentials(
        [(tls.key_pem, tls.cert_pem)], root_certificates=tls.ca_pem, require_client_auth=True
    )
    port = server.add_secure_port(listen, creds)
    if port == 0:
        raise OSError(f"cannot listen on {listen}")
    server.start()
    return RunningServer(server, port, health_servicer, guard, threads)


def serve_until_signal(running: RunningServer, grace: float) -> bool:
    """Block until SIGTERM/SIGINT, then stop (see `RunningServer.stop`); returns whether every
    handler returned in time."""
    stop = threading.Event()

    def _on_signal(signum: int, _frame: object) -> None:
        _log.info("signal %d: graceful shutdown", signum)
        if not stop.is_set():
            # Whatever the shutdown below meets (a thread the interpreter would wait for at
            # exit, a lock), the process is gone by grace + 2 s (issue 11). Nothing is lost:
            # every store write is one transaction, rolled back if its commit did not happen.
            watchdog = threading.Timer(grace + HARD_STOP_SECONDS, _hard_stop)
            watchdog.daemon = True
            watchdog.start()
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    stop.wait()
    return running.stop(grace)


def _hard_stop() -> None:
    """Leave now: the graceful path overran its bound."""
    os.write(2, b"cfx: shutdown overran its bound; exiting\n")
    os._exit(0)
