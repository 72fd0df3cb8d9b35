"""The relay: moves requests one hop towards their owner's home node and brings answers back.

Identities go one way in the federation: a node holds a `node` identity at the peers it pulls
from, never the reverse (a provincial node cannot call the national node). So both directions
ride on the downstream node's calls: it hands requests up (RelayRequests) and, in the same call,
receives the answers it is owed and acknowledges those it kept. An answer stays in the owner's
node's outbox (its row, unacknowledged) until the node below confirms it kept it; a node that
was down picks it up when it is back. Failed calls to a peer are retried with exponential backoff
(gateway.requests.machine.backoff), in memory: the outbox itself is the stored rows.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from gateway._proto.cfx.v1 import request_service_pb2 as rq
from gateway.app import Node
from gateway.errors import GatewayError
from gateway.federation.peers import Peer
from gateway.observability.logging import event
from gateway.requests import machine
from gateway.requests.desk import Desk, peers_directory
from gateway.rpc.request_client import RequestClient
from gateway.rpc.requests import answer_from, criteria_message
from gateway.store.base import Store

_log = logging.getLogger("cfx.requests")
RELAY_POLL_SECONDS = 1.0


def node_desk(node: Node, peers: Callable[[], Sequence[Peer]]) -> Desk:
    """The request desk of `node`, routing with the directory of its current peers."""
    return Desk(
        node.store,
        node.clock,
        lambda: peers_directory(
            node.store, node.trust.current(), node.log.identity.origin, peers()
        ),
    )


def relay_peer(desk: Desk, store: Store, peer: Peer, client: RequestClient, now: datetime) -> bool:
    """One exchange with `peer`; True when there was anything to exchange."""
    forward = store.select_requests("to_forward", peer.name)
    acks = [r.name for r in store.select_requests("to_acknowledge", peer.name)]
    if not (forward or acks or store.select_requests("awaiting", peer.name, limit=1)):
        return False
    handed = [
        rq.RelayedRequest(
            name=r.name,
            criteria=criteria_message(r.criteria),
            requester=r.requester,
            owner=r.owner,
        )
        for r in forward
    ]
    response = client.relay(handed, acks)
    desk.mark(response.accepted, lambda r: machine.forwarded(r, now))
    desk.mark(acks, machine.ack_delivered)
    kept = [a.name for a in response.answers if _keep(desk, peer.name, a)]
    if kept:  # acknowledge at once: the peer stops offering them
        client.relay([], kept)
        desk.mark(kept, machine.ack_delivered)
    event(
        _log,
        "relay",
        f"relay with {peer.name}: {len(response.accepted)} requests handed up, "
        f"{len(kept)} answers kept",
        peer=peer.name,
        forwarded=len(response.accepted),
        acknowledged=len(acks),
        answers=len(response.answers),
        kept=len(kept),
        requests=sorted([*response.accepted, *kept]),
    )
    return True


def _keep(desk: Desk, peer: str, message: rq.RelayedAnswer) -> bool:
    """Keep one answer the peer brought back; True when this node now holds it (also when it
    already did: the acknowledgement was lost), False for one it must not acknowledge."""
    try:
        desk.keep_relayed_answer(message.name, peer, answer_from(message))
    except GatewayError as err:  # malformed, or a second different answer: the first stands
        _log.warning("answer from %s for %s not kept: %s", peer, message.name, err.reason)
        return False
    held = desk.get(message.name)
    return held is not None and held.via == peer and held.answered


@dataclass
class Relay:
    """Runs `relay_peer` for each peer with work, every RELAY_POLL_SECONDS, backing off from a
    peer that fails. `cfx serve` runs it next to the sync follower; tests call `round()`."""

    node: Node
    peers: Sequence[Peer]
    timeout: float = 10.0
    _failures: dict[str, int] = field(default_factory=dict)
    _retry_at: dict[str, datetime] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def round(self) -> dict[str, str]:
        """One pass over the peers due now: peer name -> `done`, `idle`, `waiting` or the error."""
        desk = node_desk(self.node, lambda: self.peers)
        outcome: dict[str, str] = {}
        for peer in self.peers:
            now = self.node.clock()
            if self._retry_at.get(peer.name, now) > now:
                outcome[peer.name] = "waiting"
                continue
            outcome[peer.name] = self._exchange(desk, peer, now)
        return outcome

    def _exchange(self, desk: Desk, peer: Peer, now: datetime) -> str:
        identity: Path = peer.identity_dir(self.node.paths.root)
        try:
            with RequestClient(peer.address, identity, timeout=self.timeout) as client:
                busy = relay_peer(desk, self.node.store, peer, client, now)
        except GatewayError as err:
            failures = self._failures.get(peer.name, 0) + 1
            self._failures[peer.name] = failures
            self._retry_at[peer.name] = now + machine.backoff(failures)
            retry = machine.backoff(failures)
            event(
                _log,
                "relay",
                f"relay to {peer.name} failed ({err.reason}): retry in {retry}",
                logging.WARNING,
                peer=peer.name,
                reason=err.reason,
                retry_seconds=retry.total_seconds(),
            )
            return err.reason
        self._failures.pop(peer.name, None)
        self._retry_at.pop(peer.name, None)
        return "done" if busy else "idle"

    def start(self) -> None:
        """Relay in a background thread until `stop()`."""
        self._thread = threading.Thread(target=self._run, name="cfx-relay", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(RELAY_POLL_SECONDS):
            try:
                self.round()
            except Exception:  # noqa: BLE001 - the loop outlives one bad round; logged
                _log.exception("relay round failed")

    def stop(self) -> None:
        """Stop after the current round."""
        self._stop.set()

    def join(self, timeout: float) -> bool:
        """Wait up to `timeout` s for the thread; True when it ended."""
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True
