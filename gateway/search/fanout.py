"""Asking the peers (fan_out): each over the `node` identity it issued to this node, all within
the caller's deadline, at most `MAX_CONCURRENT_PEERS` at once (thin I/O around `merge`).

Deadline: the peers share one end, `FANOUT_SHARE` of the time the call has left (the rest is
kept for merging and answering); each call gets the time left to that end when it starts, so a
peer queued behind others gets less, never more, and nothing waits past it. A peer whose answer
is not screened by then is DEADLINE_EXCEEDED; its worker ends with its own gRPC timeout.

Screening (a peer is not trusted for what it says about its results): each result's bytes
must hash to its digest; the credential must pass this node's own checks under the trust this
node has for that peer (its registry plus what the peer vouches for, as sync); the facets are
recomputed from the verified bytes and the query applied again; the caller's read scope and
the usage policy are decided here for the caller. A result failing any of these is dropped and
the peer's outcome says DROPPED_RESULTS with the reasons (logged at WARNING for the operator):
a malicious or broken peer can neither show a caller what it may not read nor pass off bytes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final

import grpc

from gateway._proto.cfx.v1 import search_service_pb2 as sr
from gateway.checker import CredentialChecker, ParsedCredential
from gateway.client import ClientError, ConnectionFailedError
from gateway.domain import is_dataset_name, sha256_hex
from gateway.errors import GatewayError
from gateway.federation.peers import Peer
from gateway.intake import stored_record
from gateway.rpc.convert import STATUS_FROM_PB
from gateway.search.audience import Requester
from gateway.search.merge import DropReason, PeerAnswer, PeerOutcome, PeerReason
from gateway.search.query import SearchQuery
from gateway.store.model import StoredDataset
from gateway.trust import TrustRegistry

MAX_CONCURRENT_PEERS: Final = 8
FANOUT_SHARE: Final = 0.8
_log = logging.getLogger("cfx.search")

#: Ask one peer: (peer, request, timeout in seconds) -> its answer, or ClientError.
AskPeer = Callable[[Peer, sr.SearchDatasetsRequest, float], sr.SearchDatasetsResponse]


@dataclass(frozen=True)
class Screen:
    """What this node checks a peer's results with."""

    checker: CredentialChecker
    registry_for: Callable[[Peer], TrustRegistry]
    rules_for: Callable[[ParsedCredential], Mapping[str, Any] | None]
    clock: Callable[[], datetime]

    def answer(
        self,
        peer: Peer,
        response: sr.SearchDatasetsResponse,
        query: SearchQuery,
        who: Requester,
        query_page_size: int,
    ) -> PeerAnswer:
        """The peer's results that survive screening, and the reasons for the others."""
        answer = PeerAnswer(peer.origin, more=bool(response.next_page_token))
        registry = self.registry_for(peer)
        # More than was asked for is not screened (each check costs): the excess is dropped.
        limit = max(0, query_page_size)
        answer.dropped.extend([DropReason.OVER_PAGE_SIZE] * max(0, len(response.results) - limit))
        for result in response.results[:limit]:
            kept = self._one(result.dataset, registry, query, who)
            if isinstance(kept, DropReason):
                answer.dropped.append(kept)
            else:
                answer.kept.append(kept)
        if answer.dropped:
            _log.warning("peer %s: dropped %s", peer.name, sorted(set(answer.dropped)))
        return answer

    def _one(
        self, served: Any, registry: TrustRegistry, query: SearchQuery, who: Requester
    ) -> StoredDataset | DropReason:
        raw = bytes(served.credential)
        if sha256_hex(raw) != served.digest:
            return DropReason.DIGEST_MISMATCH
        now = self.clock()
        try:
            parsed = self.checker.parse(raw)
            checked = self.checker.check(
                parsed, registry=registry, now=now, rules=self.rules_for(parsed)
            )
            record = stored_record(checked, now)
        except GatewayError:
            return DropReason.UNVERIFIED
        # The peer's name and status are kept for display; nothing decided here rests on them.
        if is_dataset_name(served.name):
            record = replace(record, name=served.name)
        record = replace(record, status=STATUS_FROM_PB.get(served.status, record.status))
        if not query.matches(record, parsed.document):
            return DropReason.NOT_MATCHING
        if not who.admits(record, parsed.document, submitted_here=False, now=now):
            return DropReason.OUTSIDE_AUDIENCE
        return record


def failure_outcome(peer: Peer, err: BaseException) -> PeerOutcome:
    """The outcome of a peer whose call failed."""
    if isinstance(err, ClientError):
        if err.code is grpc.StatusCode.DEADLINE_EXCEEDED:
            return PeerOutcome(peer.name, PeerReason.DEADLINE_EXCEEDED, "no answer in time")
        if isinstance(err, ConnectionFailedError) or err.code is grpc.StatusCode.UNAVAILABLE:
            return PeerOutcome(peer.name, PeerReason.UNAVAILABLE, str(err)[:300])
        return PeerOutcome(peer.name, PeerReason.FAILED, f"{err.code.name} {err.reason}"[:300])
    return PeerOutcome(peer.name, PeerReason.FAILED, type(err).__name__)


def fan_out(
    peers: Sequence[Peer],
    request: sr.SearchDatasetsRequest,
    ask: AskPeer,
    screen: Callable[[Peer, sr.SearchDatasetsResponse], PeerAnswer],
    *,
    time_left: float,
) -> list[PeerAnswer | PeerOutcome]:
    """Each peer's screened answer, or its outcome when it gave none in time; in peer order."""
    if not peers:
        return []
    end = time.monotonic() + time_left * FANOUT_SHARE

    def one(peer: Peer) -> PeerAnswer:
        left = end - time.monotonic()
        if left <= 0:
            raise TimeoutError
        return screen(peer, ask(peer, request, left))

    pool = ThreadPoolExecutor(min(MAX_CONCURRENT_PEERS, len(peers)), "cfx-search")
    try:
        futures = [pool.submit(one, peer) for peer in peers]
        wait(futures, timeout=max(0.0, end - time.monotonic()))
        return [_settled(peer, future) for peer, future in zip(peers, futures, strict=True)]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _settled(peer: Peer, future: Future[PeerAnswer]) -> PeerAnswer | PeerOutcome:
    if not future.done():
        future.cancel()
        return PeerOutcome(peer.name, PeerReason.DEADLINE_EXCEEDED, "no answer in time")
    err = future.exception()
    if isinstance(err, TimeoutError):
        return PeerOutcome(peer.name, PeerReason.DEADLINE_EXCEEDED, "no time left to ask")
    if err is not None:
        return failure_outcome(peer, err)
    return future.result()
