"""Listen addresses: HOST:PORT read once for every HTTP listener, and what loopback means."""

from __future__ import annotations

import ipaddress

from gateway.errors import GatewayError


class ListenError(GatewayError):
    """An HTTP listener cannot be made: not HOST:PORT, not bindable, bad TLS files, no start."""

    reason = "HTTP_LISTEN_FAILED"


def split_listen(listen: str) -> tuple[str, int]:
    """HOST:PORT (IPv6 in brackets) as host and port."""
    host, _, port = listen.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not host or not port.isdigit() or int(port) > 65535:
        raise ListenError(f"{listen}: expected HOST:PORT")
    return host, int(port)


def is_loopback(host: str) -> bool:
    """Whether `host` is `localhost` or a loopback address (a name could resolve anywhere)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
