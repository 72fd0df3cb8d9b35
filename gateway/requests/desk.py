"""The thin I/O layer around the request state machine: each operation is one pure change run
by the store in one write transaction, with its log entry (digests only)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from gateway.errors import InvalidRequestIdError
from gateway.federation.peers import Peer
from gateway.log.entry import RequestEvent
from gateway.requests import machine
from gateway.requests.directory import Directory
from gateway.requests.errors import (
    NotRequestOwnerError,
    OwnerUnknownError,
    RequestNotFoundError,
)
from gateway.requests.machine import Answer, Criteria, Request
from gateway.store.base import Store
from gateway.trust import TrustRegistry

NAME_PREFIX = "requests/"
# What a node answers for a request whose owner no node it knows registers (PACT v3 code).
UNROUTABLE = ("NotFound", "no node of the federation known here registers the data owner")


def request_name(request_id: str) -> str:
    """`requests/{uuid}` from a caller's idempotency key (a fresh UUID4 when empty)."""
    if not request_id:
        return NAME_PREFIX + str(uuid.uuid4())
    try:
        canonical = str(uuid.UUID(request_id))
    except ValueError:
        canonical = ""
    if canonical != request_id:
        raise InvalidRequestIdError(
            "request_id must be a UUID in canonical form", field="request_id"
        )
    return NAME_PREFIX + canonical


def peers_directory(
    store: Store, own: TrustRegistry, own_origin: str, peers: Iterable[Peer]
) -> Directory:
    """The directory from this node's registry and every registry its peers brought by sync
    (each re-verified from its stored signed bytes)."""
    learned = [
        (peer.name, vouched.origin, len(vouched.path), vouched.verify().registry)
        for peer in peers
        for _, vouched in store.delegated_trust(peer.origin)
    ]
    return Directory.build(own, own_origin, learned)


def _event(event: str, name: str, digest: bytes, now: datetime) -> bytes:
    return RequestEvent(event, name, digest, now).to_bytes()


class Desk:
    """Requests at one node: created here, relayed in, answered, acknowledged."""

    def __init__(
        self, store: Store, clock: Callable[[], datetime], directory: Callable[[], Directory]
    ) -> None:
        self._store = store
        self._clock = clock
        self._directory = directory

    def get(self, name: str) -> Request | None:
        """The request, if this node holds it."""
        return self._store.get_request(name)

    def create(
        self, name: str, criteria: Criteria, requester: str, owner: str, came_from: str = ""
    ) -> Request:
        """Accept a request (idempotent by name). Routed at once: to a peer towards the owner's
        home node, or kept here when this is it. A relayed request for an owner unknown here is
        rejected (PACT NotFound); a requester's own is refused (OwnerUnknownError)."""
        route = self._directory().route(owner)
        if route is None and not came_from:
            raise OwnerUnknownError(owner)
        now = self._clock()
        fresh = machine.create(
            name, criteria, requester, owner, came_from, route.peer if route else "", now
        )

        def change(stored: Request | None) -> tuple[Request, Sequence[bytes]] | None:
            if stored is not None:
                return None
            entries = [_event("created", name, criteria.digest(name), now)]
            if route is None:
                answer = Answer(reject_code=UNROUTABLE[0], reject_message=UNROUTABLE[1])
                rejected = machine.answered(fresh, answer, now, relayed=False)
                assert rejected is not None
                return rejected, [*entries, _event("rejected", name, answer.digest(name), now)]
            return fresh, entries

        return self._store.update_request(name, change) or self._require(name)

    def answer(self, name: str, owner: str, answer: Answer) -> Request:
        """The owner's one answer, at its home node; the same again is a no-op."""
        now = self._clock()

        def change(stored: Request | None) -> tuple[Request, Sequence[bytes]] | None:
            self.require_owner(stored, name, owner)
            assert stored is not None
            done = machine.answered(stored, answer, now, relayed=False)
            if done is None:
                return None
            return done, [_event(done.state.value, name, answer.digest(name), now)]

        return self._store.update_request(name, change) or self._require(name)

    @staticmethod
    def require_owner(stored: Request | None, name: str, owner: str) -> None:
        """Only the owner answers, and only at its home node (where `via` is empty)."""
        if stored is None:
            raise RequestNotFoundError(name)
        if stored.owner != owner or stored.via:
            raise NotRequestOwnerError(f"only {stored.owner} answers {name}, at its home node")

    def keep_relayed_answer(self, name: str, peer: str, answer: Answer) -> Request | None:
        """An answer the next node `peer` brought back for a request forwarded to it."""
        now = self._clock()

        def change(stored: Request | None) -> tuple[Request, Sequence[bytes]] | None:
            if stored is None or stored.via != peer:
                return None  # not a request this node forwarded there: ignored
            done = machine.answered(stored, answer, now, relayed=True)
            if done is None:
                return None
            return done, [_event(done.state.value, name, answer.digest(name), now)]

        return self._store.update_request(name, change)

    def mark(self, names: Iterable[str], step: Callable[[Request], Request | None]) -> None:
        """Apply a bookkeeping step (forwarded, acknowledged, ack delivered) to each of `names`."""
        for name in names:
            self._store.update_request(name, lambda stored: _stepped(stored, step, self._clock()))

    def acknowledge(self, names: Iterable[str], came_from: str) -> None:
        """The peer node `came_from` kept these answers: stop offering them."""
        now = self._clock()
        for name in names:

            def change(stored: Request | None) -> tuple[Request, Sequence[bytes]] | None:
                if stored is None or stored.came_from != came_from:
                    return None
                done = machine.acknowledged(stored, now)
                if done is None or done.answer is None:
                    return None
                logged = _event("acknowledged", done.name, done.answer.digest(done.name), now)
                return done, [logged]

            self._store.update_request(name, change)

    def _require(self, name: str) -> Request:
        stored = self._store.get_request(name)
        if stored is None:
            raise RequestNotFoundError(name)
        return stored


def _stepped(
    stored: Request | None, step: Callable[[Request], Request | None], now: datetime
) -> tuple[Request, Sequence[bytes]] | None:
    if stored is None:
        return None
    done = step(stored)
    if done is None:
        return None
    if done.state is not stored.state:  # forwarded: logged with the criteria digest
        return done, [_event(done.state.value, done.name, done.criteria.digest(done.name), now)]
    return done, []
