"""`cfx serve` keeps syncing (issue 12, promptness): one thread per peer holds a WatchLog stream
open to it and runs a sync round as soon as the peer says its log grew past this node's position.

Per peer, at most one round runs at a time (its thread runs them one after the other; a `cfx sync`
started meanwhile is safe too: positions advance by compare-and-set). The thread first catches up,
then waits on the stream; a peer that is down or drops the stream is retried with exponential
backoff; a quarantined peer is left alone until `cfx peers release` lifts the quarantine. `stop()`
closes every channel, which ends the waiting streams and any call in flight at once; a page being
stored finishes its one transaction.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from gateway.app import Node
from gateway.client import CfxClient
from gateway.errors import GatewayError
from gateway.federation.conflict_reports import report_conflicts
from gateway.federation.peers import Peer
from gateway.federation.rounds import RemotePeer, node_syncer
from gateway.federation.sync import PeerSummary, Syncer
from gateway.observability.logging import event

_log = logging.getLogger("cfx.sync")


@dataclass(frozen=True)
class Backoff:
    """Waits between attempts to reach a peer: `first` s, doubled up to `longest` s."""

    first: float = 0.5
    longest: float = 30.0
    # How often a quarantined peer is looked at again (a release takes effect within this).
    quarantine_check: float = 5.0

    def after(self, delay: float) -> float:
        """The wait after one that lasted `delay` s."""
        return min(self.longest, delay * 2)


class Follower:
    """Keeps `node` in sync with each of `peers` while it serves."""

    def __init__(
        self,
        node: Node,
        peers: Sequence[Peer],
        *,
        backoff: Backoff | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._node = node
        self._peers = tuple(peers)
        self._backoff = backoff or Backoff()
        self._timeout = timeout
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._clients: dict[str, CfxClient] = {}
        self._threads: list[threading.Thread] = []
        # The newest log size each peer announced (the metrics' sync lag is measured from it).
        self._announced: dict[str, int] = {}

    def start(self) -> None:
        """One follower thread per peer."""
        for peer in self._peers:
            thread = threading.Thread(
                target=self._follow, args=(peer,), name=f"cfx-follow-{peer.name}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def stop(self) -> None:
        """Begin stopping, without waiting: close every peer connection (streams end)."""
        self._stopping.set()
        with self._lock:
            clients = list(self._clients.values())
        for client in clients:
            client.close()

    def join(self, timeout: float) -> bool:
        """Wait up to `timeout` s (in all) for the threads; True when every one ended."""
        self.stop()
        for thread in self._threads:
            thread.join(timeout)
            timeout = 0.0
        return not any(thread.is_alive() for thread in self._threads)

    def lag(self) -> dict[str, int]:
        """Entries each peer announced that this node has not pulled yet, for the peers that
        announced a size since `cfx serve` started."""
        return {
            peer.name: max(0, size - self._node.store.peer_position(peer.origin).size)
            for peer in self._peers
            if (size := self._announced.get(peer.name)) is not None
        }

    def _follow(self, peer: Peer) -> None:
        syncer = node_syncer(self._node)
        delay = self._backoff.first
        while not self._stopping.is_set():
            try:
                if peer.origin in self._node.store.peer_quarantines():
                    self._stopping.wait(self._backoff.quarantine_check)
                    continue
                self._watch(peer, syncer)
                delay = self._backoff.first  # the stream ended at its deadline: reconnect now
            except (GatewayError, OSError) as err:
                if self._stopping.is_set():
                    return
                event(
                    _log,
                    "sync",
                    f"sync with {peer.name}: {err}; again in {delay:.1f} s",
                    logging.WARNING,
                    peer=peer.name,
                    outcome="unreachable",
                    reason=getattr(err, "reason", type(err).__name__),
                    retry_seconds=delay,
                )
                self._stopping.wait(delay)
                delay = self._backoff.after(delay)
            except Exception:  # noqa: BLE001 - a bug must not end following for good: logged, retried
                _log.exception("sync with %s failed unexpectedly", peer.name)
                self._stopping.wait(delay)
                delay = self._backoff.after(delay)

    def _watch(self, peer: Peer, syncer: Syncer) -> None:
        """Catch up, then one round each time the peer's log outgrows our position."""
        client = self._connect(peer)
        try:
            source = RemotePeer(client)
            if not self._round(peer, syncer, source):
                return
            known = self._node.store.peer_position(peer.origin).size
            for size in client.watch_log(known):
                if self._stopping.is_set():
                    return
                self._announced[peer.name] = size
                if size > self._node.store.peer_position(peer.origin).size and not self._round(
                    peer, syncer, source
                ):
                    return
        finally:
            with self._lock:
                self._clients.pop(peer.name, None)
            client.close()

    def _connect(self, peer: Peer) -> CfxClient:
        client = CfxClient(
            peer.address,
            peer.identity_dir(self._node.paths.root),
            timeout=self._timeout,
            max_message_bytes=self._node.config.limits.max_message_bytes,
        )
        with self._lock:
            self._clients[peer.name] = client
        if self._stopping.is_set():  # stop() ran before this client was listed
            client.close()
        return client

    def _round(self, peer: Peer, syncer: Syncer, source: RemotePeer) -> bool:
        """One round; False when the peer is no longer followed (quarantined)."""
        self._node.log.ensure_writable()
        summary = syncer.sync_peer(peer, source)
        _report(summary)
        if summary.outcome != "synced":
            return False
        self._announced[peer.name] = max(self._announced.get(peer.name, 0), summary.end)
        report_conflicts(self._node, peer, source)
        return True


def _report(summary: PeerSummary) -> None:
    """One `sync` line per round and peer: an error unless synced."""
    synced = summary.outcome == "synced"
    event(
        _log,
        "sync",
        f"sync with {summary.peer}: {summary.outcome}"
        + (f": {summary.message}" if summary.message else ""),
        logging.INFO if synced else logging.ERROR,
        peer=summary.peer,
        origin=summary.origin,
        outcome=summary.outcome,
        start=summary.start,
        end=summary.end,
        stored=summary.stored,
        status_changes=summary.status_changes,
        already_held=summary.already_held,
        refused=len(summary.refused),
        refused_reasons=sorted({r.get("reason", "") for r in summary.refused}),
    )
