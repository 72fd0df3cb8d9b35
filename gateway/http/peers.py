"""The verified client certificate of each TLS connection, for the routes that need it.

uvicorn puts no TLS information in the ASGI scope, so the protocol below records each
connection's certificate identities under the connection's two addresses, which the scope
carries as "server" and "client". Keyed by both ends: the same client port may be in use
towards two listeners of this process at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, TypeAlias

from cryptography import x509
from uvicorn.protocols.http.h11_impl import H11Protocol

from gateway.pki import uri_sans
from gateway.rpc.identity import client_identities

_Ends: TypeAlias = tuple[tuple[str, int], tuple[str, int]]
# (local, peer) -> the URI SANs of the peer's verified client certificate, while connected.
_PEERS: dict[_Ends, tuple[str, ...]] = {}


def _ends(local: Any, peer: Any) -> _Ends | None:
    if not local or not peer:
        return None
    return (str(local[0]), int(local[1])), (str(peer[0]), int(peer[1]))


class PeerCertProtocol(H11Protocol):
    """uvicorn's h11 protocol, remembering each TLS peer's verified client certificate."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Record the certificate the TLS handshake verified, if the client sent one."""
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        ends = _ends(transport.get_extra_info("sockname"), transport.get_extra_info("peername"))
        if der and ends:
            sans = uri_sans(x509.load_der_x509_certificate(der))
            _PEERS[ends] = client_identities(s.encode() for s in sans)

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the connection's certificate."""
        if self.transport:
            info = self.transport.get_extra_info
            ends = _ends(info("sockname"), info("peername"))
            if ends:
                _PEERS.pop(ends, None)
        super().connection_lost(exc)


def peer_identities(scope: Mapping[str, Any]) -> tuple[str, ...]:
    """The client-certificate identities of the request's connection (none: no certificate)."""
    ends = _ends(scope.get("server"), scope.get("client"))
    return _PEERS.get(ends, ()) if ends else ()
