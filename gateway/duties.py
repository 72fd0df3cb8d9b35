"""The background work one replica does for the whole node: following peers and relaying
requests. `cfx serve` runs it while it holds the duties lease (gateway/store/lease.py); a replica
that loses the lease stops it, and the one that takes the lease over starts it afresh.

Sync positions advance by compare-and-set and the relay's outbox is stored rows, so work that a
stopping holder still finishes while its successor starts is repeated at worst, never lost.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from gateway.app import Node
from gateway.federation.follower import Follower
from gateway.federation.peers import Peer
from gateway.requests.relay import Relay


class Duties:
    """Starts a fresh follower and relay on `start`, stops them on `stop`; restartable."""

    def __init__(self, node: Node, peers: Sequence[Peer]) -> None:
        self._node = node
        self._peers = tuple(peers)
        self._lock = threading.Lock()
        self._running: tuple[Follower, Relay] | None = None
        self._stopped: list[Follower] = []

    @property
    def running(self) -> bool:
        """Whether this replica does the duties now."""
        return self._running is not None

    def lag(self) -> dict[str, int]:
        """Entries each peer announced that this replica has not pulled yet ({} while another
        replica holds the duties)."""
        running = self._running
        return running[0].lag() if running is not None else {}

    def start(self) -> None:
        """Follow every peer and relay requests (again, after a `stop`)."""
        with self._lock:
            if self._running is not None:
                return
            follower, relay = Follower(self._node, self._peers), Relay(self._node, self._peers)
            follower.start()
            relay.start()
            self._running = follower, relay

    def stop(self) -> None:
        """Begin stopping, without waiting: peer streams end at once."""
        with self._lock:
            if self._running is None:
                return
            follower, relay = self._running
            self._running = None
            self._stopped.append(follower)
        follower.stop()
        relay.stop()

    def join(self, timeout: float) -> bool:
        """Stop, and wait up to `timeout` s for the followers (the relay thread is a daemon)."""
        self.stop()
        return all(follower.join(timeout) for follower in self._stopped)
