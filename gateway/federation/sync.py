"""One sync round with each peer (issue 12): the I/O around the pure checks of `follow`.

Per peer: take its signed checkpoint and the consistency proof from the last head this node
accepted; pull the pages up to it, each proven against the checkpoint; for every entry shown in
full, check the served bytes against the entry's digest, run the full credential checker (the
same one as a submission) and the usage policy for THIS node, then store the page's datasets and
status changes, each with a log entry naming its origin, and the origin receipts, together with
the new position in ONE transaction (`Store.commit_sync_page`).

A peer that misbehaves (split view, rollback, a page that does not hash into its tree, bytes that
are not those its own entry commits to, a dataset its policy does not let it send here) is
quarantined with the evidence; nothing of that page is kept and the other peers go on. A dataset
the checker refuses (say, an issuer this node does not trust) is counted as refused, and the
position moves past it: the peer behaved; this node just does not take it.

Speed (issue 12) without changing any decision: the next page's bytes are fetched while this one
is checked and stored (bytes only: each page is verified, checked against the registry as of
that page and stored in the peer's order, one page after the other); a large page's credentials
can be checked on worker processes (gateway.federation.check_pool, `sync_check_processes`),
their outcomes used in order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from gateway.checker import CheckedCredential
from gateway.domain import DatasetKind, DatasetStatus
from gateway.errors import GatewayError
from gateway.federation.attestations import replica_audience
from gateway.federation.check_pool import Outcome, PageChecks, Refused
from gateway.federation.cosigning import SyncWitness
from gateway.federation.follow import PeerPosition, accept_checkpoint, origin_receipt, verify_page
from gateway.federation.misbehaviour import (
    MISBEHAVIOUR,
    AlteredBytesError,
    MalformedPageError,
    evidence_of,
)
from gateway.federation.peer_trust import adopt_peer_trust
from gateway.federation.peers import Peer
from gateway.federation.policy import Reader
from gateway.federation.pull_view import PulledDataset, PulledPage
from gateway.intake import stored_record
from gateway.log.checkpoint import open_checkpoint
from gateway.log.entry import (
    DatasetAccepted,
    DatasetReplicated,
    LogEntry,
    RequestEvent,
    StatusChange,
    StatusChangeKind,
    StatusReplicated,
    decode_entry,
)
from gateway.log.errors import MalformedEntryError
from gateway.log.leaves import ServedLeaf
from gateway.store.base import Store
from gateway.store.errors import NotFoundError, StoreError
from gateway.store.model import StoredDataset
from gateway.store.sync_state import Quarantine, Replica, ReplicaStatus
from gateway.store.trust_state import key_revocation
from gateway.trust import TrustRegistry


class PeerSource(Protocol):
    """What sync needs from a peer: its checkpoint, consistency proofs and pages."""

    def checkpoint_note(self) -> str:
        """The peer's newest signed checkpoint."""
        ...

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        """RFC 9162 consistency proof between two of its tree sizes."""
        ...

    def pull(self, start: int, tree_size: int, page_size: int) -> PulledPage:
        """One page of its log for this node."""
        ...

    def node_trust(self) -> tuple[bytes, bytes]:
        """Its signed trust registry and its signed delegations document (GetNodeInfo)."""
        ...


@dataclass
class PeerSummary:
    """What one round did with one peer."""

    peer: str
    origin: str
    outcome: str = "synced"  # synced | quarantined | failed
    start: int = 0
    end: int = 0
    stored: int = 0
    status_changes: int = 0
    already_held: int = 0
    refused: list[dict[str, str]] = field(default_factory=list)
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON (`cfx sync --json`)."""
        return {
            "peer": self.peer,
            "origin": self.origin,
            "outcome": self.outcome,
            "start": self.start,
            "end": self.end,
            "stored": self.stored,
            "status_changes": self.status_changes,
            "already_held": self.already_held,
            "refused": self.refused,
            "message": self.message,
        }


@dataclass(frozen=True)
class _Refusal(Exception):  # noqa: N818 - internal control flow, never leaves this module
    index: int
    reason: str
    message: str


# Told (peer, leaves verified, leaves of the accepted checkpoint) as a round advances.
Progress = Callable[[Peer, int, int], object]


class Syncer:
    """Runs sync rounds for one node. `registry_for(peer)` is the trust a peer's datasets are
    checked under (gateway.federation.delegation.effective_registry: this node's registry plus
    what the peer vouches for, when this node delegates to it), taken once per page, with the
    time the page's credentials are checked at."""

    def __init__(
        self,
        *,
        store: Store,
        checks: PageChecks,
        registry_for: Callable[[Peer], TrustRegistry],
        reader: Reader,
        clock: Callable[[], datetime],
        page_size: int,
        after_page: Callable[[], object] = lambda: None,
        witness: SyncWitness | None = None,
        progress: Progress = lambda _peer, _done, _total: None,
        own_origin: str = "",
    ) -> None:
        self._store = store
        self._checks = checks
        self._registry_for = registry_for
        self._reader = reader
        self._clock = clock
        self._page_size = page_size
        self._after_page = after_page
        self._witness = witness
        self._progress = progress
        self._own_origin = own_origin

    def sync_peer(self, peer: Peer, source: PeerSource) -> PeerSummary:
        """One round with `peer`: up to its current checkpoint, or until it misbehaves."""
        summary = PeerSummary(peer.name, peer.origin)
        quarantined = self._store.peer_quarantines().get(peer.origin)
        if quarantined is not None:
            summary.outcome = "quarantined"
            summary.message = (
                f"quarantined since {quarantined.at:%Y-%m-%d %H:%M}: {quarantined.message}"
            )
            return summary
        position = self._store.peer_position(peer.origin)
        summary.start = summary.end = position.size
        try:
            if peer.delegate:
                # Before any page: a revocation at the peer counts for what it serves next.
                adopt_peer_trust(
                    self._store, peer, *source.node_trust(), own_origin=self._own_origin
                )
            position = self._accept(peer, source, position)
            self._report(peer, position)
            head = position.head
            with _Pages(source, head.size if head else 0, self._page_size) as pages:
                while position.behind:
                    position = self._page(peer, pages.take(position.size), position, summary)
                    summary.end = position.size
                    self._report(peer, position)
            if self._witness is not None and position.head is not None:
                # Every leaf up to the head is verified: vouch for the peer's tree (T6).
                self._witness.cosign(peer, position.head, source.consistency_proof)
        except MISBEHAVIOUR as err:
            self._quarantine(peer, err, summary)
        return summary

    def _report(self, peer: Peer, position: PeerPosition) -> None:
        total = position.head.size if position.head is not None else position.size
        self._progress(peer, position.size, total)

    def _accept(self, peer: Peer, source: PeerSource, position: PeerPosition) -> PeerPosition:
        note = source.checkpoint_note()
        presented, _ = open_checkpoint(note, peer.note_key)
        head = position.head
        proof: list[bytes] = []
        if head is not None and 0 < head.size < presented.size:
            proof = source.consistency_proof(head.size, presented.size)
        accepted = accept_checkpoint(position, note, peer.note_key, proof)
        if head is None or accepted.head != head:
            self._store.commit_sync_page(position.size, accepted, [])
        return accepted

    def _page(
        self, peer: Peer, page: PulledPage, position: PeerPosition, summary: PeerSummary
    ) -> PeerPosition:
        verified = verify_page(position, page.leaves, page.consistency_proof)
        items = self._items(peer, verified.leaves, page.datasets, verified.position, summary)
        results = self._store.commit_sync_page(position.size, verified.position, items)
        for item, result in zip(items, results, strict=True):
            if isinstance(result, StoreError):
                summary.refused.append(
                    {
                        "index": str(_origin_index(item)),
                        "reason": result.reason,
                        "message": str(result),
                    }
                )
            elif isinstance(item, ReplicaStatus):
                summary.status_changes += 1
            else:
                summary.stored += 1
        self._after_page()
        return verified.position

    def _items(
        self,
        peer: Peer,
        leaves: Sequence[ServedLeaf],
        datasets: Sequence[PulledDataset],
        position: PeerPosition,
        summary: PeerSummary,
    ) -> list[Replica | ReplicaStatus]:
        """The page's items, in the peer's order. First every shown entry is proven (digest,
        inclusion: misbehaviour stops the page there) and its credential queued for checking;
        then, in order, each check's outcome makes an item or a refusal."""
        served = {d.log_index: d for d in datasets}
        shown = {leaf.index: leaf for leaf in leaves if leaf.entry is not None}
        if not set(served) <= set(shown):
            raise MalformedPageError(
                "the page carries bytes for entries it does not show", evidence={}
            )
        self._keep_revocations(peer, shown.values())
        page = _PageChecks(peer.origin, self._registry_for(peer), self._clock())
        batch = self._checks.batch(page.registry, page.now, expected=len(served))
        # Exact bytes held here already (this node's own data echoed back by a peer that pulled
        # it, or a dataset that came by another path): storing is idempotent on the digest, so
        # checking them again would only cost time and count them as stored.
        held = set(self._store.find_by_digests([_hex(d.credential) for d in datasets]))
        proven = []
        for index, leaf in shown.items():
            entry = self._proven(peer, leaf, served.get(index), position)
            if entry is None:
                continue
            if entry.entry.digest.hex() in held:
                summary.already_held += 1
                continue
            if isinstance(entry.entry, DatasetAccepted):
                if entry.entry.kind not in {kind.value for kind in peer.pull}:
                    continue
                batch.add(entry.raw)
            proven.append(entry)
        return self._collect(page, proven, batch.outcomes(), summary)

    def _collect(
        self,
        page: _PageChecks,
        proven: list[_Proven],
        outcomes: Iterator[Outcome],
        summary: PeerSummary,
    ) -> list[Replica | ReplicaStatus]:
        items: list[Replica | ReplicaStatus] = []
        pending: dict[str, StoredDataset] = {}
        for entry in proven:
            item: Replica | ReplicaStatus | None
            try:
                if isinstance(entry.entry, StatusChange):
                    item = self._status(page, entry, pending)
                else:
                    checked = _checked(entry.index, next(outcomes))
                    item = self._replica(page, entry, checked, pending)
            except _Refusal as refusal:
                summary.refused.append(
                    {
                        "index": str(refusal.index),
                        "reason": refusal.reason,
                        "message": refusal.message,
                    }
                )
                continue
            if item is None:
                continue
            if isinstance(item, Replica):
                pending[item.record.name] = item.record
            items.append(item)
        return items

    def _keep_revocations(self, peer: Peer, leaves: Iterable[ServedLeaf]) -> None:
        """The key revocations among a proven page, kept with the peer's registry before its
        datasets are checked (a revocation only ever narrows trust, so keeping it even if the
        page is then refused is safe)."""
        if not peer.delegate:
            return
        revoked: dict[str, datetime] = {}
        for leaf in leaves:
            revocation = key_revocation(leaf.entry or b"")
            if revocation is not None:
                revoked.setdefault(revocation.target, revocation.changed_at)
        if revoked:
            self._store.add_peer_revocations(peer.origin, revoked)

    def _proven(
        self,
        peer: Peer,
        leaf: ServedLeaf,
        pulled: PulledDataset | None,
        position: PeerPosition,
    ) -> _Proven | None:
        """A shown entry and its served bytes, proven to be what the peer's signed tree holds;
        None for a key revocation (kept with the peer's registry, not replicated)."""
        assert leaf.entry is not None
        assert position.head is not None
        try:
            entry: LogEntry = decode_entry(leaf.entry)
        except MalformedEntryError as exc:
            raise MalformedPageError(
                f"entry {leaf.index} cannot be read: {exc}",
                evidence={"index": str(leaf.index), "entry": leaf.entry.hex()},
            ) from exc
        if isinstance(entry, StatusChange) and entry.change is StatusChangeKind.KEY_REVOCATION:
            return None  # kept with the peer's registry (`_keep_revocations`), not replicated
        if isinstance(entry, RequestEvent):
            return None  # the peer's own request bookkeeping (issue 14): nothing to replicate
        if pulled is None:
            raise MalformedPageError(
                f"entry {leaf.index} is shown without the bytes it commits to",
                evidence={"index": str(leaf.index), "entry": leaf.entry.hex()},
            )
        if hashlib.sha256(pulled.credential).digest() != entry.digest:
            raise AlteredBytesError(
                f"{peer.name} served bytes that its entry {leaf.index} does not commit to",
                evidence={
                    "checkpoint": position.head.note,
                    "index": str(leaf.index),
                    "entry": leaf.entry.decode("utf-8", "replace"),
                    "served_digest": hashlib.sha256(pulled.credential).hexdigest(),
                },
            )
        receipt = origin_receipt(position.head, leaf, pulled.inclusion_proof)
        return _Proven(leaf.index, entry, pulled.credential, receipt)

    def _replica(
        self,
        page: _PageChecks,
        proven: _Proven,
        checked: CheckedCredential,
        pending: dict[str, StoredDataset],
    ) -> Replica | None:
        entry = proven.entry
        assert isinstance(entry, DatasetAccepted)
        now = self._clock()
        try:
            # An attestation is bound to held bytes and follows its footprint's audience.
            audience = replica_audience(checked, pending.values(), self._store.find_by_digest)
        except GatewayError as err:
            raise _Refusal(proven.index, err.reason, str(err)) from err
        audience.require(self._reader, now, dataset_id=entry.dataset)
        try:
            # The replica keeps the origin's name, so status changes find it on every node.
            record = replace(stored_record(checked, now), name=entry.dataset)
        except GatewayError as err:
            raise _Refusal(proven.index, err.reason, str(err)) from err
        local = DatasetReplicated(
            digest=entry.digest,
            kind=record.kind.value,
            issuer=record.issuer,
            dataset=record.name,
            received_at=now,
            origin=page.origin,
            origin_index=proven.index,
        )
        return Replica(record, local.to_bytes(), proven.receipt)

    def _status(
        self, page: _PageChecks, proven: _Proven, pending: dict[str, StoredDataset]
    ) -> ReplicaStatus | None:
        entry, index, raw = proven.entry, proven.index, proven.raw
        assert isinstance(entry, StatusChange)
        target = pending.get(entry.target) or self._held(entry.target)
        if target is None:
            return None  # a dataset this node does not hold: nothing to change
        checked = _checked(index, self._checks.check(raw, registry=page.registry, now=page.now))
        subject = checked.subject
        if (
            checked.kind is not DatasetKind.STATUS_UPDATE
            or subject.get("targetDatasetId") != target.credential_id
        ):
            raise _Refusal(
                index, "STATUS_UPDATE_TARGET_MISMATCH", "the update names another dataset"
            )
        try:
            status = DatasetStatus(entry.new_status)
        except ValueError:
            raise _Refusal(index, "UNKNOWN_STATUS", entry.new_status) from None
        now = self._clock()
        update = StoredDataset.create(
            credential=raw,
            kind=DatasetKind.STATUS_UPDATE,
            issuer=checked.issuer,
            issuer_org=checked.issuer_org.name,
            credential_id=checked.credential_id,
            received_at=now,
        )
        local = StatusReplicated(
            change=entry.change,
            target=entry.target,
            new_status=entry.new_status,
            reason=entry.reason,
            digest=entry.digest,
            changed_at=now,
            origin=page.origin,
            origin_index=index,
        )
        return ReplicaStatus(entry.target, status, local.to_bytes(), update, proven.receipt)

    def _held(self, name: str) -> StoredDataset | None:
        try:
            return self._store.get_dataset(name)
        except NotFoundError:
            return None

    def _quarantine(self, peer: Peer, err: GatewayError, summary: PeerSummary) -> None:
        evidence = {"peer": peer.name, "address": peer.address, **evidence_of(err)}
        self._store.quarantine_peer(
            Quarantine(peer.origin, err.reason, str(err), evidence, self._clock())
        )
        summary.outcome = "quarantined"
        summary.message = f"{err.reason}: {err}"


@dataclass(frozen=True, slots=True)
class _Proven:
    """A shown entry of a proven page, its served bytes and the origin's receipt for it."""

    index: int
    entry: DatasetAccepted | StatusChange
    raw: bytes
    receipt: Any


@dataclass(frozen=True, slots=True)
class _PageChecks:
    """What one page's entries are checked under: the registry as of this page, and its time."""

    origin: str
    registry: TrustRegistry
    now: datetime


def _checked(index: int, outcome: Outcome) -> CheckedCredential:
    if isinstance(outcome, Refused):
        raise _Refusal(index, outcome.reason, outcome.message)
    return outcome


class _Pages:
    """A peer's pages up to `end`, the next one asked for while this one is checked and stored.
    Only bytes come early: the caller verifies, checks and stores each page after the one
    before, against the registry of its own time. A page that was not asked for ahead (the
    position moved otherwise) is pulled then."""

    def __init__(self, source: PeerSource, end: int, page_size: int) -> None:
        self._source = source
        self._end = end
        self._page_size = page_size
        self._fetcher = ThreadPoolExecutor(1, thread_name_prefix="cfx-sync-prefetch")
        self._next: tuple[int, Future[PulledPage]] | None = None

    def take(self, start: int) -> PulledPage:
        """The page starting at leaf `start`; the one after it is then asked for."""
        ahead, self._next = self._next, None
        if ahead is not None and ahead[0] == start:
            page = ahead[1].result()
        else:
            if ahead is not None:
                ahead[1].cancel()
            page = self._source.pull(start, self._end, self._page_size)
        following = start + len(page.leaves)
        if start < following < self._end:
            future = self._fetcher.submit(self._source.pull, following, self._end, self._page_size)
            self._next = (following, future)
        return page

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # A page asked for ahead and not taken is dropped (its call ends within the deadline).
        self._fetcher.shutdown(wait=True, cancel_futures=True)


def _origin_index(item: Replica | ReplicaStatus) -> int:
    return item.origin_receipt.log_index


def sync_all(
    syncer: Syncer, peers: Iterable[tuple[Peer, Callable[[], PeerSource]]]
) -> list[PeerSummary]:
    """One round with each peer in turn; a peer that cannot be reached does not stop the others."""
    summaries = []
    for peer, connect in peers:
        try:
            summaries.append(syncer.sync_peer(peer, connect()))
        except (GatewayError, OSError) as err:
            reason = getattr(err, "reason", type(err).__name__)
            summaries.append(
                PeerSummary(peer.name, peer.origin, outcome="failed", message=f"{reason}: {err}")
            )
    return summaries


def _hex(credential: bytes) -> str:
    return hashlib.sha256(credential).hexdigest()
