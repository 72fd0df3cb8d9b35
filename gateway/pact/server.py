"""Serving the facade: uvicorn over HTTPS only, on its own thread beside the gRPC server.

HTTPS only (pact-v3.md §2.1): uvicorn is given the certificate and key, so a plain-HTTP request
is never answered with content or a redirect a client might follow.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import uvicorn
from starlette.types import ASGIApp

START_SECONDS: Final = 10.0


@dataclass
class PactServer:
    """A running uvicorn server and its thread."""

    server: uvicorn.Server
    thread: threading.Thread

    @property
    def port(self) -> int:
        """The port it listens on (useful with port 0)."""
        sockets = self.server.servers[0].sockets
        return int(sockets[0].getsockname()[1])

    def stop_now(self) -> None:
        """Begin a graceful stop without waiting (a shutdown callback)."""
        self.server.should_exit = True

    def stop(self, timeout: float = 2.0) -> bool:
        """Graceful stop: finish requests in flight, then end the thread; True if it ended."""
        self.server.should_exit = True
        self.thread.join(timeout)
        return not self.thread.is_alive()


def serve_https(app: ASGIApp, listen: str, cert: Path, key: Path) -> PactServer:
    """Serve `app` on `listen` (HOST:PORT) with `cert`/`key`; returns once it is listening."""
    host, _, port = listen.rpartition(":")
    config = uvicorn.Config(
        app,
        host=host.strip("[]"),
        port=int(port),
        ssl_certfile=str(cert),
        ssl_keyfile=str(key),
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=1,
        lifespan="off",
    )
    server = uvicorn.Server(config)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(server.serve())
        except BaseException as exc:  # noqa: BLE001 - reported to the starting thread
            failure.append(exc)

    thread = threading.Thread(target=run, name="cfx-pact-https", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_SECONDS
    while not server.started:
        if failure or not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise OSError(
                f"cannot serve PACT on {listen}: {failure[0] if failure else 'did not start'}"
            )
        time.sleep(0.02)
    return PactServer(server, thread)
