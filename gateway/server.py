"""`create_server()`: a gRPC server with mTLS, limits, keepalive, health and optional reflection."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent import futures
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from gateway.limits import Limits

_log = logging.getLogger("cfx.server")


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


@dataclass
class RunningServer:
    server: grpc.Server
    port: int
    health: health.HealthServicer

    def stop(self, grace: float | None = None) -> None:
        self.health.enter_graceful_shutdown()
        self.server.stop(grace).wait()


def create_server(
    registrations: Sequence[Callable[[grpc.Server], str]],
    *,
    tls: TlsMaterial,
    listen: str = "127.0.0.1:0",
    limits: Limits,
    reflection: bool = False,
) -> RunningServer:
    """Build and start a server. Each registration adds a servicer and returns its service name."""
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=limits.worker_threads, thread_name_prefix="cfx-rpc"),
        options=channel_options(limits),
        maximum_concurrent_rpcs=limits.max_concurrent_rpcs,
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
    return RunningServer(server, port, health_servicer)


def serve_until_signal(running: RunningServer, grace: float) -> None:
    """Block until SIGTERM/SIGINT, then report NOT_SERVING and drain in-flight RPCs (G7)."""
    stop = threading.Event()

    def _on_signal(signum: int, _frame: object) -> None:
        _log.info("signal %d: graceful shutdown", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    stop.wait()
    running.stop(grace)
