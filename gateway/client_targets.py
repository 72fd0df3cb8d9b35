"""Where a client connects: one node address, several replicas' addresses, or a `dns:` target.

Several addresses (`HOST:PORT,HOST:PORT`) or a `dns:` target (a name with one address record
per replica) make one channel over every replica with gRPC's round_robin policy and client-side
health checking (grpc.health.v1, which `cfx serve` answers): a replica that stops or reports
NOT_SERVING leaves the rotation. Calls that are safe to repeat are retried by gRPC on
UNAVAILABLE, so a call that met a dying replica goes to another one. Submissions are safe to
repeat: a retry carries the same request (bytes and request_id) and the store answers the same
bytes with the dataset already kept (idempotent on digest), never a second entry.

All replicas present one server certificate (the node directory's tls/server.pem), so one TLS
name (the authority) is checked against every one of them.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Sequence

from gateway.errors import GatewayError

# gRPC target schemes taken as they are (https://github.com/grpc/grpc/blob/master/doc/naming.md).
_SCHEMES = ("dns:", "ipv4:", "ipv6:", "unix:")
# Services whose every method can be repeated without a second effect (reads, or writes made
# idempotent by their request_id and the digest of their bytes). RequestService writes are not.
_REPEATABLE = [
    {"service": "cfx.v1.ExchangeService"},
    {"service": "cfx.v1.LogService"},
    {"service": "cfx.v1.SearchService"},
    {"service": "cfx.v1.TrustService"},
    {"service": "cfx.v1.FederationService"},
    {"service": "cfx.v1.RequestService", "method": "GetRequest"},
    {"service": "cfx.v1.RequestService", "method": "ListRequests"},
    {"service": "grpc.health.v1.Health"},
]
_RETRY = {
    "maxAttempts": 5,
    "initialBackoff": "0.1s",
    "maxBackoff": "1s",
    "backoffMultiplier": 2,
    "retryableStatusCodes": ["UNAVAILABLE"],
}
# gRPC service config (https://github.com/grpc/grpc/blob/master/doc/service_config.md).
REPLICAS_SERVICE_CONFIG = json.dumps(
    {
        "loadBalancingConfig": [{"round_robin": {}}],
        "healthCheckConfig": {"serviceName": ""},
        "methodConfig": [{"name": _REPEATABLE, "retryPolicy": _RETRY}],
    }
)


class ServerAddressError(GatewayError):
    """A server address that is not HOST:PORT, a list of them, or a gRPC `dns:` target."""

    reason = "INVALID_SERVER_ADDRESS"


def parse_addresses(server: str | Sequence[str]) -> tuple[str, ...]:
    """The addresses of `server`: a comma-separated string or a list (of HOST:PORT, [IPv6]:PORT,
    or exactly one gRPC target such as `dns:///cfx.example.org:7443`)."""
    parts = server.split(",") if isinstance(server, str) else list(server)
    addresses = tuple(part.strip() for part in parts if part.strip())
    if not addresses:
        raise ServerAddressError("no server address given")
    for address in addresses:
        if address.startswith(_SCHEMES):
            if len(addresses) > 1:
                raise ServerAddressError(f"{address!r}: a gRPC target comes alone, not in a list")
        elif _split(address) is None:
            raise ServerAddressError(f"expected HOST:PORT (e.g. 127.0.0.1:7443), not {address!r}")
    return addresses


def load_balanced(addresses: Sequence[str]) -> bool:
    """Whether the channel spans replicas (round_robin, health checks, retries)."""
    return len(addresses) > 1 or addresses[0].startswith("dns:")


def channel_target(addresses: Sequence[str]) -> str:
    """One gRPC target for `addresses`: as given when alone, else an `ipv4:`/`ipv6:` list (host
    names resolved here, once; for a name whose records change, give a `dns:` target)."""
    if len(addresses) == 1:
        return addresses[0]
    resolved = [_resolved(address) for address in addresses]
    families = {family for family, _ in resolved}
    if len(families) != 1:
        raise ServerAddressError("give addresses of one IP family (all IPv4 or all IPv6)")
    return f"{families.pop()}:" + ",".join(text for _, text in resolved)


def probe_addresses(addresses: Sequence[str]) -> list[str]:
    """HOST:PORT forms to probe when no connection works (`dns:///h:p` becomes `h:p`)."""
    if len(addresses) == 1 and addresses[0].startswith("dns:"):
        return [addresses[0].removeprefix("dns:").lstrip("/").rpartition("/")[2]]
    return list(addresses)


def _split(address: str) -> tuple[str, int] | None:
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        return None
    return host, int(port)


def _resolved(address: str) -> tuple[str, str]:
    split = _split(address)
    if split is None:  # parse_addresses refused these already
        raise ServerAddressError(f"{address!r} is not HOST:PORT")
    host, port = split
    bare = host.removeprefix("[").removesuffix("]")
    try:
        ip = ipaddress.ip_address(bare)
    except ValueError:
        ip = _lookup(address, bare, port)
    if ip.version == 4:
        return "ipv4", f"{ip}:{port}"
    return "ipv6", f"[{ip}]:{port}"


def _lookup(address: str, host: str, port: int) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The first address of `host`, IPv4 preferred (`localhost` is 127.0.0.1 and ::1)."""
    for family in (socket.AF_INET, socket.AF_UNSPEC):
        try:
            found = socket.getaddrinfo(host, port, family=family, type=socket.SOCK_STREAM)
        except OSError as exc:
            problem: OSError = exc
            continue
        return ipaddress.ip_address(found[0][4][0])
    raise ServerAddressError(f"{address!r}: cannot resolve {host!r}: {problem}")
