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
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from gateway.checker import CredentialChecker, ParsedCredential
from gateway.domain import DatasetKind, DatasetStatus
from gateway.errors import GatewayError
from gateway.federation.attestations import replica_audience
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


class _AlreadyHeld(Exception):  # noqa: N818 - internal control flow, never leaves this module
    """The entry's exact bytes are stored here already: this node's own data echoed back by a
    peer that pulled it, or a dataset that reached this node by another path. Storing is
    idempotent on the digest, so checking it again would only cost time and miscount."""


@dataclass(frozen=True)
class _Refusal(Exception):  # noqa: N818 - internal control flow, never leaves this module
    index: int
    reason: str
    message: str


Rules = Callable[[ParsedCredential], Any]
# The held EmissionFactor values a credential's factorIds resolve to (gateway.catalog).
Factors = Callable[[ParsedCredential], Any]
# Told (peer, leaves verified, leaves of the accepted checkpoint) as a round advances.
Progress = Callable[[Peer, int, int], object]


class Syncer:
    """Runs sync rounds for one node. `registry_for(peer)` is the trust a peer's datasets are
    checked under (gateway.federation.delegation.effective_registry: this node's registry plus
    what the peer vouches for, when this node delegates to it), taken once per page."""

    def __init__(
        self,
        *,
        store: Store,
        checker: CredentialChecker,
        registry_for: Callable[[Peer], TrustRegistry],
        rules_for: Rules,
        reader: Reader,
        factors_for: Factors = lambda _parsed: None,
        clock: Callable[[], datetime],
        page_size: int,
        after_page: Callable[[], object] = lambda: None,
        witness: SyncWitness | None = None,
        progress: Progress = lambda _peer, _done, _total: None,
        own_origin: str = "",
    ) -> None:
        self._store = store
        self._checker = checker
        self._registry_for = registry_for
        self._rules_for = rules_for
        self._factors_for = factors_for
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
            while position.behind:
                position = self._page(peer, source, position, summary)
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
        self, peer: Peer, source: PeerSource, position: PeerPosition, summary: PeerSummary
    ) -> PeerPosition:
        head = position.head
        assert head is not None  # accepted above
        page = source.pull(position.size, head.size, self._page_size)
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
        served = {d.log_index: d for d in datasets}
        shown = {leaf.index: leaf for leaf in leaves if leaf.entry is not None}
        if not set(served) <= set(shown):
            raise MalformedPageError(
                "the page carries bytes for entries it does not show", evidence={}
            )
        self._keep_revocations(peer, shown.values())
        registry = self._registry_for(peer)
        held = set(self._store.find_by_digests([_hex(d.credential) for d in datasets]))
        items: list[Replica | ReplicaStatus] = []
        pending: dict[str, StoredDataset] = {}
        for index, leaf in shown.items():
            try:
                item = self._item(
                    peer, leaf, served.get(index), (position, held), pending, registry
                )
            except _AlreadyHeld:
                summary.already_held += 1
                continue
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

    def _item(  # noqa: PLR0917 - one entry and what it is checked against
        self,
        peer: Peer,
        leaf: ServedLeaf,
        pulled: PulledDataset | None,
        at: tuple[PeerPosition, set[str]],
        pending: dict[str, StoredDataset],
        registry: TrustRegistry,
    ) -> Replica | ReplicaStatus | None:
        position, held = at
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
        if entry.digest.hex() in held:
            raise _AlreadyHeld
        receipt = origin_receipt(position.head, leaf, pulled.inclusion_proof)
        if isinstance(entry, StatusChange):
            return self._status(
                peer, leaf.index, entry, (pulled.credential, receipt), pending, registry
            )
        return self._replica(
            peer, leaf.index, entry, (pulled.credential, receipt), (registry, pending)
        )

    def _check(self, index: int, raw: bytes, registry: TrustRegistry) -> Any:
        try:
            parsed = self._checker.parse(raw)
            return self._checker.check(
                parsed,
                registry=registry,
                now=self._clock(),
                rules=self._rules_for(parsed),
                factors=self._factors_for(parsed),
            )
        except GatewayError as err:
            raise _Refusal(index, err.reason, str(err)) from err

    def _replica(
        self,
        peer: Peer,
        index: int,
        entry: DatasetAccepted,
        served: tuple[bytes, Any],
        against: tuple[TrustRegistry, dict[str, StoredDataset]],
    ) -> Replica | None:
        raw, receipt = served
        registry, pending = against
        if entry.kind not in {kind.value for kind in peer.pull}:
            return None
        checked = self._check(index, raw, registry)
        now = self._clock()
        try:
            # An attestation is bound to held bytes and follows its footprint's audience.
            audience = replica_audience(checked, pending.values(), self._store.find_by_digest)
        except GatewayError as err:
            raise _Refusal(index, err.reason, str(err)) from err
        audience.require(self._reader, now, dataset_id=entry.dataset)
        try:
            # The replica keeps the origin's name, so status changes find it on every node.
            record = replace(stored_record(checked, now), name=entry.dataset)
        except GatewayError as err:
            raise _Refusal(index, err.reason, str(err)) from err
        local = DatasetReplicated(
            digest=entry.digest,
            kind=record.kind.value,
            issuer=record.issuer,
            dataset=record.name,
            received_at=now,
            origin=peer.origin,
            origin_index=index,
        )
        return Replica(record, local.to_bytes(), receipt)

    def _status(  # noqa: PLR0917 - one entry's parts
        self,
        peer: Peer,
        index: int,
        entry: StatusChange,
        served: tuple[bytes, Any],
        pending: dict[str, StoredDataset],
        registry: TrustRegistry,
    ) -> ReplicaStatus | None:
        raw, receipt = served
        target = pending.get(entry.target) or self._held(entry.target)
        if target is None:
            return None  # a dataset this node does not hold: nothing to change
        checked = self._check(index, raw, registry)
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
            origin=peer.origin,
            origin_index=index,
        )
        return ReplicaStatus(entry.target, status, local.to_bytes(), update, receipt)

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


def _hex(credential: bytes) -> str:
    return hashlib.sha256(credential).hexdigest()


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
