"""The metrics endpoint over HTTP (Starlette + uvicorn, the project's one HTTP stack).

Composable: `metrics_routes()` gives the route alone, to mount next to other HTTP apps (the PACT
facade, the web page); `metrics_app()` is a whole app; `serve_metrics` runs it with the one HTTP
runner (gateway.http.server), which wraps every app in `AccessLog` (one `http` line a request).

Where it listens. The endpoint is plain HTTP without authentication: its figures name the
caller organizations (open streams per identity), the peers and the node's volumes. So it listens
on loopback only (a scraper on the same host, or an SSH/agent tunnel), and a non-loopback address
is refused unless the operator says `--metrics-allow-remote` (a scraper on a private network).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import GatewayError
from gateway.http.listen import ListenError, is_loopback, split_listen
from gateway.observability.logging import event

if TYPE_CHECKING:
    from gateway.http.server import HttpServer

_log = logging.getLogger("cfx.http")


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
    """An app serving only the metrics (the runner adds the access log)."""
    return Starlette(routes=metrics_routes(registry))


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
    try:
        host, port = split_listen(address)
    except ListenError as exc:
        raise MetricsListenError(f"--metrics-listen {exc}") from exc
    if not allow_remote and not is_loopback(host):
        raise MetricsListenError(
            f"--metrics-listen {address}: {host} is not a loopback address; the metrics are "
            "plain HTTP without authentication: listen on 127.0.0.1 or ::1, or add "
            "--metrics-allow-remote to serve them on the network"
        )
    return host, port


def serve_metrics(
    registry: CollectorRegistry, listen: str, *, allow_remote: bool = False
) -> HttpServer:
    """Start serving `registry` at http://`listen`/metrics, plain HTTP, by the one runner."""
    # Imported here: the runner wraps every app in AccessLog, from this module.
    from gateway.http.server import HttpServer  # noqa: PLC0415

    loopback_listen(listen, allow_remote=allow_remote)
    try:
        return HttpServer(metrics_app(registry), listen, name="cfx-metrics").start()
    except ListenError as exc:
        raise MetricsListenError(f"--metrics-listen {exc}") from exc
