"""The metrics endpoint over HTTP (Starlette + uvicorn, the project's one HTTP stack).

Composable: `metrics_routes()` gives the route alone, to mount next to other HTTP apps (the PACT
facade, the web page); `metrics_app()` is a whole app with the access log; `HttpServer` serves any
ASGI app from a thread of `cfx serve`.

Where it listens. The endpoint is plain HTTP without authentication: its figures name the
caller organizations (open streams per identity), the peers and the node's volumes. So it listens
on loopback only (a scraper on the same host, or an SSH/agent tunnel), and a non-loopback address
is refused unless the operator says `--metrics-allow-remote` (a scraper on a private network).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import threading
import time

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import GatewayError
from gateway.observability.logging import event

_log = logging.getLogger("cfx.http")
STARTUP_SECONDS = 5.0


class MetricsListenError(GatewayError):
    """The metrics address cannot be used (not HOST:PORT, not loopback, or not bindable)."""

    reason = "METRICS_LISTEN_REFUSED"


def metrics_routes(registry: CollectorRegistry, path: str = "/metrics") -> list[BaseRoute]:
    """GET `path`: the registry in the Prometheus text format."""

    async def metrics(_request: Request) -> Response:
        # Collecting reads the store: off the event loop.
        body = await run_in_threadpool(generate_latest, registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return [Route(path, metrics, methods=["GET"])]


def metrics_app(registry: CollectorRegistry) -> Starlette:
    """An app serving only the metrics, with the access log."""
    return Starlette(routes=metrics_routes(registry), middleware=[Middleware(AccessLog)])


class AccessLog:
    """ASGI middleware: one `http` log line per request (method, path, status, duration)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; log it once the response status is known."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            event(
                _log,
                "http",
                f"{scope['method']} {scope['path']} {status}",
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 3),
            )


def loopback_listen(address: str, *, allow_remote: bool = False) -> tuple[str, int]:
    """HOST:PORT split and checked: the host must be a loopback address (or `localhost`)
    unless `allow_remote`."""
    host, _, port_text = address.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not host or not port_text.isdigit() or int(port_text) > 65535:
        raise MetricsListenError(f"--metrics-listen {address}: expected HOST:PORT")
    if not allow_remote and not _is_loopback(host):
        raise MetricsListenError(
            f"--metrics-listen {address}: {host} is not a loopback address; the metrics are "
            "plain HTTP without authentication: listen on 127.0.0.1 or ::1, or add "
            "--metrics-allow-remote to serve them on the network"
        )
    return host, int(port_text)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: it could resolve anywhere


class HttpServer:
    """An ASGI app served by uvicorn from a daemon thread, on a socket bound up front (so a
    busy port is an error at start, and port 0 gives a free one)."""

    def __init__(self, app: ASGIApp, host: str, port: int) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._socket.bind((host, port))
        except OSError as exc:
            self._socket.close()
            raise MetricsListenError(f"--metrics-listen {host}:{port}: {exc.strerror}") from exc
        self.port: int = self._socket.getsockname()[1]
        self.host = host
        # No log config of uvicorn's own: its records reach the node's one handler.
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="cfx-http", daemon=True)

    def _run(self) -> None:
        asyncio.run(self._server.serve(sockets=[self._socket]))

    def start(self) -> None:
        """Serve until `stop()`; returns once the server accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + STARTUP_SECONDS
        while not self._server.started and self._thread.is_alive():
            if time.monotonic() > deadline:
                raise MetricsListenError(f"the metrics server did not start on port {self.port}")
            time.sleep(0.01)

    def stop(self, timeout: float = 0.0) -> None:
        """Stop serving (uvicorn closes the socket); wait up to `timeout` s for the thread."""
        self._server.should_exit = True
        self._thread.join(timeout)

    @property
    def address(self) -> str:
        """HOST:PORT it serves on."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def serve_metrics(
    registry: CollectorRegistry, listen: str, *, allow_remote: bool = False
) -> HttpServer:
    """Start serving `registry` at http://`listen`/metrics."""
    host, port = loopback_listen(listen, allow_remote=allow_remote)
    server = HttpServer(metrics_app(registry), host, port)
    server.start()
    return server
