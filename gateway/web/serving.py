"""Serving the page with uvicorn: HTTPS with the node's certificate, or plain HTTP on loopback.

The dataset pages answer only a caller whose client certificate (from the node's CA, as for
gRPC) names a registered organization, and within its read scope (G2). uvicorn puts no TLS
information in the ASGI scope, so the protocol below records each connection's verified
certificate by the peer address that the scope's "client" carries.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from cryptography import x509
from uvicorn.protocols.http.h11_impl import H11Protocol

from gateway.pki import uri_sans
from gateway.rpc.identity import client_identities

# peer (host, port) -> the URI SANs of its verified client certificate, while connected.
_PEERS: dict[tuple[str, int], tuple[str, ...]] = {}


class _PeerCertProtocol(H11Protocol):
    """uvicorn's h11 protocol, remembering each TLS peer's verified client certificate."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        peer = transport.get_extra_info("peername")
        if der and peer:
            sans = uri_sans(x509.load_der_x509_certificate(der))
            _PEERS[(str(peer[0]), int(peer[1]))] = client_identities(s.encode() for s in sans)

    def connection_lost(self, exc: Exception | None) -> None:
        peer = self.transport.get_extra_info("peername") if self.transport else None
        if peer:
            _PEERS.pop((str(peer[0]), int(peer[1])), None)
        super().connection_lost(exc)


def peer_identities(scope: Mapping[str, Any]) -> tuple[str, ...]:
    """The client-certificate identities of the request's connection (none: no certificate)."""
    client = scope.get("client")
    return _PEERS.get((str(client[0]), int(client[1])), ()) if client else ()


@dataclass(frozen=True)
class Tls:
    """The node's server certificate and key, and the CA client certificates chain to."""

    cert: Path
    key: Path
    ca: Path


@dataclass
class WebServer:
    """A running page server; `port` is the bound one (listen may say port 0)."""

    server: uvicorn.Server
    sock: socket.socket
    thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port actually listened on."""
        return int(self.sock.getsockname()[1])

    def run(self) -> None:
        """Serve in this thread until SIGINT/SIGTERM (uvicorn's own handlers)."""
        self.server.run(sockets=[self.sock])

    def start(self) -> WebServer:
        """Serve in a daemon thread (beside the node's gRPC server)."""
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, name="cfx-web", daemon=True
        )
        self.thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop serving; returns once the thread ended or `timeout` passed."""
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout)
        self.sock.close()


def bind(app: Any, listen: str, tls: Tls | None) -> WebServer:
    """Bind `listen` (HOST:PORT) now, so a busy port fails before anything starts."""
    host, _, port = listen.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, int(port)))
    except OSError:
        sock.close()
        raise
    options: dict[str, Any] = {}
    if tls is not None:
        options = {
            "ssl_certfile": str(tls.cert),
            "ssl_keyfile": str(tls.key),
            "ssl_ca_certs": str(tls.ca),
            "ssl_cert_reqs": ssl.CERT_OPTIONAL,  # the verification page needs no certificate
        }
    config = uvicorn.Config(
        app,
        http=_PeerCertProtocol,
        lifespan="off",
        access_log=False,  # a request line is all it would say; uploads are never logged
        log_level="warning",
        server_header=False,
        **options,
    )
    server = uvicorn.Server(config)
    return WebServer(server, sock)
