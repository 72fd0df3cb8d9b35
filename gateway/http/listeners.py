"""Which parts share a listener: those offered at the same HOST:PORT are composed into one app
on one socket; each other address gets its own. All are bound before any starts."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from gateway.http.compose import Part, compose
from gateway.http.listen import ListenError
from gateway.http.server import GRACE_SECONDS, HttpServer, Tls


@dataclass(frozen=True)
class Offer:
    """A part to serve at `listen` with `tls` (None: plain HTTP), asked for by `option`."""

    part: Part
    listen: str
    tls: Tls | None
    option: str


def _shared_tls(offers: Sequence[Offer]) -> Tls | None:
    """One TLS for parts sharing an address: the same certificate, and the client CA if any
    part asks for client certificates."""
    servers = {(o.tls.cert, o.tls.key) if o.tls else None for o in offers}
    if len(servers) > 1:
        options = " and ".join(o.option for o in offers)
        raise ListenError(
            f"{options} {offers[0].listen}: they name different certificates (or one none); "
            "give them the same certificate or different addresses"
        )
    first = offers[0].tls
    if first is None:
        return None
    cas = [o.tls.ca for o in offers if o.tls and o.tls.ca]
    return Tls(first.cert, first.key, cas[0] if cas else None)


@dataclass(frozen=True)
class Listener:
    """A bound server and what it serves, for the line announcing it (`web page and PACT v3`)."""

    server: HttpServer
    serves: str


def bind_all(offers: Sequence[Offer], grace: float = GRACE_SECONDS) -> list[Listener]:
    """One bound (not started) server per address; the first offer at an address is the part
    answering paths no part claims."""
    by_address: dict[str, list[Offer]] = {}
    for offer in offers:
        by_address.setdefault(offer.listen, []).append(offer)
    bound: list[Listener] = []
    try:
        for listen, group in by_address.items():
            bound.append(_bind(listen, group, grace))
    except BaseException:
        for listener in bound:
            listener.server.join(0)  # closes its socket
        raise
    return bound


def _bind(listen: str, group: Sequence[Offer], grace: float) -> Listener:
    app, tls = compose([o.part for o in group]), _shared_tls(group)
    options = " and ".join(o.option for o in group)
    name = "cfx-" + "+".join(o.option.removeprefix("--") for o in group)
    try:
        server = HttpServer(app, listen, tls=tls, grace=grace, name=name)
    except ListenError as exc:
        raise ListenError(f"{options} {exc}") from exc
    return Listener(server, " and ".join(o.part.name for o in group))


class Stopper:
    """Stops servers together when shutdown begins; `wait()` bounds them by `bound` s from
    then (requests in flight finish within the servers' grace)."""

    def __init__(self, servers: Sequence[HttpServer], bound: float) -> None:
        self.servers = list(servers)
        self.bound = bound
        self._deadline: float | None = None

    def begin(self) -> None:
        """Stop accepting connections everywhere; do not wait (a shutdown callback)."""
        if self._deadline is None:
            self._deadline = time.monotonic() + self.bound
        for server in self.servers:
            server.stop_now()

    def wait(self) -> bool:
        """Wait for every server until the bound; True if all stopped."""
        self.begin()
        assert self._deadline is not None
        ended = [s.join(max(0.0, self._deadline - time.monotonic())) for s in self.servers]
        return all(ended)  # every one joined, not only up to the first still running
