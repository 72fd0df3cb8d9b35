"""The one way cfx serves HTTP: an ASGI app run by uvicorn from a daemon thread.

- The socket is bound when the server is made, so a busy port fails before anything starts (and
  port 0 gives a free one); the app, the TLS files and uvicorn's settings load then too.
- `start()` returns once uvicorn accepts connections, or raises: a first request never races
  the startup.
- HTTPS with the given certificate; with a CA as well, a client certificate is asked for
  (optional), verified, and its identities recorded per connection (`gateway.http.peers`).
- Logs: uvicorn configures none (`log_config=None`), so its records reach the node's one handler
  (gateway.observability.logging), and every request is one `http` line (`AccessLog`).
- `stop_now()` begins a graceful stop (a shutdown callback); `join()` bounds the wait.
"""

from __future__ import annotations

import asyncio
import math
import socket
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import uvicorn
from starlette.types import ASGIApp

from gateway.http.listen import ListenError, split_listen
from gateway.http.peers import PeerCertProtocol
from gateway.observability.http import AccessLog

START_SECONDS: Final = 10.0
# Requests in flight get this long after a stop, unless the caller gives its own grace.
GRACE_SECONDS: Final = 1.0
# A stop returns within the grace plus this (uvicorn checks its exit flag every 0.1 s).
STOP_MARGIN_SECONDS: Final = 0.5


@dataclass(frozen=True)
class Tls:
    """The server's certificate and key; with `ca`, client certificates are asked for
    (optional) and must chain to it."""

    cert: Path
    key: Path
    ca: Path | None = None


def _bind(listen: str) -> socket.socket:
    host, port = split_listen(listen)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ListenError(f"{listen}: cannot listen: {exc.strerror or exc}") from exc
    return sock


def _tls_options(tls: Tls | None) -> dict[str, Any]:
    if tls is None:
        return {}
    options: dict[str, Any] = {"ssl_certfile": str(tls.cert), "ssl_keyfile": str(tls.key)}
    if tls.ca is not None:
        options |= {"ssl_ca_certs": str(tls.ca), "ssl_cert_reqs": ssl.CERT_OPTIONAL}
    return options


class _Server(uvicorn.Server):
    """uvicorn's server, telling a waiting thread when startup has ended (either way)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.startup_ended = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Start listening, then wake `HttpServer.start()`."""
        try:
            await super().startup(sockets)
        finally:
            self.startup_ended.set()


class HttpServer:
    """`app` on `listen` (HOST:PORT), over HTTPS when `tls` is given; bound, not yet serving."""

    def __init__(
        self,
        app: ASGIApp,
        listen: str,
        *,
        tls: Tls | None = None,
        grace: float = GRACE_SECONDS,
        name: str = "cfx-http",
    ) -> None:
        self._socket = _bind(listen)
        self.host = split_listen(listen)[0]
        self.port: int = self._socket.getsockname()[1]
        self.scheme = "http" if tls is None else "https"
        self.grace = grace
        config = uvicorn.Config(
            AccessLog(app),
            http=PeerCertProtocol,
            lifespan="off",
            log_config=None,
            log_level="warning",
            access_log=False,  # AccessLog writes the one line per request
            server_header=False,
            timeout_graceful_shutdown=math.ceil(grace),
            **_tls_options(tls),
        )
        try:
            config.load()  # the TLS files now: a bad one is an error before anything starts
        except (OSError, ssl.SSLError) as exc:
            self._socket.close()
            raise ListenError(f"{listen}: cannot use the TLS files: {exc}") from exc
        self._server = _Server(config)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._failure: BaseException | None = None

    @property
    def address(self) -> str:
        """HOST:PORT it serves on (the bound port)."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """Its root URL."""
        return f"{self.scheme}://{self.address}/"

    def _run(self) -> None:
        try:
            asyncio.run(self._server.serve(sockets=[self._socket]))
        except BaseException as exc:  # noqa: BLE001 - reported by start() or join()
            self._failure = exc
        finally:
            self._server.startup_ended.set()

    def start(self, timeout: float = START_SECONDS) -> HttpServer:
        """Serve from a daemon thread; returns once uvicorn accepts connections, or raises."""
        self._thread.start()
        self._server.startup_ended.wait(timeout)
        if not self._server.started:
            self.stop_now()
            why = self._failure or f"not started within {timeout:g} s"
            raise ListenError(f"{self.address}: the HTTP server did not start: {why}")
        return self

    def run(self) -> None:
        """Serve in this thread until SIGINT/SIGTERM (uvicorn's own handlers)."""
        self._server.run(sockets=[self._socket])

    def stop_now(self) -> None:
        """Begin a graceful stop without waiting: no new connections, requests finish."""
        self._server.should_exit = True

    def join(self, timeout: float) -> bool:
        """Wait up to `timeout` s for the stop to end; True if it did."""
        if self._thread.ident is not None:
            self._thread.join(timeout)
        self._socket.close()  # uvicorn closed it already unless it never ran
        return not self._thread.is_alive()

    def stop(self, timeout: float | None = None) -> bool:
        """Graceful stop within `timeout` s (default: the grace and a margin); True if ended."""
        self.stop_now()
        return self.join(self.grace + STOP_MARGIN_SECONDS if timeout is None else timeout)


def serve(
    app: ASGIApp, listen: str, *, tls: Tls | None = None, grace: float = GRACE_SECONDS
) -> HttpServer:
    """Bind `listen`, serve `app` there, and return once it is accepting connections."""
    return HttpServer(app, listen, tls=tls, grace=grace).start()
