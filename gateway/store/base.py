"""The one store interface the gateway codes against; SQLite and PostgreSQL implement it."""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Self

from gateway.domain import DatasetKind, DatasetStatus, PeerHead, ReadScope
from gateway.federation.follow import PeerPosition
from gateway.federation.vouching import Vouched
from gateway.gec.claims import Claim, GecConflict, Holder
from gateway.limits import Limits
from gateway.log.receipt import Receipt
from gateway.store.errors import StoreError
from gateway.store.model import Change, DatasetFilter, PutResult, StoredDataset
from gateway.store.paging import PageTokenCodec
from gateway.store.sync_state import Quarantine, Replica, ReplicaStatus

if TYPE_CHECKING:
    from gateway.requests.machine import Request

# A pure change of a stored request (None: not stored yet) -> the request to store and the log
# entries to append with it, or None for no change (gateway.requests.machine).
RequestChange = Callable[["Request | None"], "tuple[Request, Sequence[bytes]] | None"]

DEFAULT_PAGE_SIZE = Limits.default_page_size


class Store(abc.ABC):
    """Datasets, their facet index and the transparency log, written together atomically.

    Every write is one transaction: the dataset rows and the log entry commit together or not at
    all (DESIGN.md §4 step 6). Methods are safe to call from many threads.
    """

    # The database URL when several processes (replicas) may share this store, else None.
    shared_url: str | None = None

    @abc.abstractmethod
    def put_dataset(self, record: StoredDataset, log_entry: bytes) -> PutResult:
        """Store `record` and append `log_entry`; the stored record carries the leaf index.

        Same digest already stored: the first record, `created=False`, nothing appended.
        Same credential_id or request_id as a dataset of the same issuer_org, with other bytes:
        AlreadyExistsError naming that dataset, nothing stored. Ids are unique per issuing
        organization: another organization's dataset with the same id is no collision.
        """

    def put_datasets(
        self, items: Sequence[tuple[StoredDataset, bytes]]
    ) -> list[PutResult | StoreError]:
        """Many puts at once (group commit); a StoreError is returned in the refused item's slot.

        This default commits each item on its own; SQL stores use one transaction.
        """
        results: list[PutResult | StoreError] = []
        for record, entry in items:
            try:
                results.append(self.put_dataset(record, entry))
            except StoreError as exc:
                results.append(exc)
        return results

    @abc.abstractmethod
    def set_status(
        self,
        name: str,
        status: DatasetStatus,
        log_entry: bytes,
        status_update_record: StoredDataset | None = None,
    ) -> StoredDataset:
        """Move `name` to `status`, append `log_entry` and store the StatusUpdate credential.

        Replaying a StatusUpdate whose bytes are already stored returns the current record and
        appends nothing. NotFoundError, InvalidStatusTransitionError, AlreadyExistsError.
        """

    @abc.abstractmethod
    def get_dataset(self, name: str, scope: ReadScope | None = None) -> StoredDataset:
        """The stored record; NotFoundError when there is none or `scope` may not read it.

        With a scope, both cases are one query that returns nothing (permission before
        existence, G2): neither answer nor work tells a caller whether the name exists.
        """

    @abc.abstractmethod
    def find_by_digest(self, digest: str) -> StoredDataset | None:
        """The record whose credential bytes hash to `digest` (hex SHA-256), if stored."""

    @abc.abstractmethod
    def find_by_digests(self, digests: Sequence[str]) -> dict[str, StoredDataset]:
        """`find_by_digest` for many digests in one read transaction: the stored ones, by digest."""

    @abc.abstractmethod
    def append_log_entry(self, entry: bytes) -> int:
        """Append an entry that changes no dataset (a key revocation); its leaf index (T5).

        A `key_revocation` entry is also kept in `key_revocations`, in the same transaction.
        """

    @abc.abstractmethod
    def advance_trust_version(self, version: int) -> int:
        """Record that a trust registry of `version` was adopted; return the highest version
        ever recorded. A result above `version` means an older file was put back (R4)."""

    @abc.abstractmethod
    def advance_file_version(self, file: str, version: int) -> int:
        """`advance_trust_version` for another signed node file, named `file` (`peers.json`):
        the highest version of it ever recorded, after recording `version`."""

    @abc.abstractmethod
    def key_revocations(self) -> dict[str, datetime]:
        """Every key the log revoked (DID -> time of its first revocation entry)."""

    @abc.abstractmethod
    def datasets_with_id(self, credential_id: str) -> list[StoredDataset]:
        """Every organization's dataset stored under this id (the VC's credentialSubject id), in
        log order; at most one per issuing organization. Internal: callers decide whose counts."""

    @abc.abstractmethod
    def list_datasets(
        self,
        filters: DatasetFilter,
        page_size: int = DEFAULT_PAGE_SIZE,
        page_token: str = "",
    ) -> tuple[list[StoredDataset], str]:
        """One page in log order and the next page token ("" on the last page).

        The caller resolves `page_size` against its limits (`Limits.page_size`); the store
        serves what it is asked for, at least one.
        """

    @abc.abstractmethod
    def changes_after(
        self,
        log_index: int,
        kind: DatasetKind | None = None,
        limit: int = 100,
        scope: ReadScope | None = None,
    ) -> list[Change]:
        """Changes with a log index greater than `log_index` (-1: from the start), in log order,
        limited to datasets `scope` may read when given."""

    @abc.abstractmethod
    def readable_log_indexes(self, start: int, end: int, scope: ReadScope) -> set[int]:
        """The log indexes in [start, end) whose every dataset `scope` may read: the dataset an
        acceptance entry commits to, or both the target of a status change and its StatusUpdate.
        Entries that concern no dataset (key revocations) are never in it."""

    @property
    @abc.abstractmethod
    def page_tokens(self) -> PageTokenCodec:
        """This store's page-token codec (its key is kept in the store, so tokens outlive a
        restart and work across server processes): every paginated list uses it (AIP-158)."""

    # Transparency log passthroughs (RFC 9162 tree kept by gateway.log.sql.LogTables).

    @abc.abstractmethod
    def log_size(self) -> int:
        """Number of log leaves."""

    @abc.abstractmethod
    def log_root(self, size: int) -> bytes:
        """MTH of the first `size` leaves (RFC 9162 §2.1.1)."""

    @abc.abstractmethod
    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """Inclusion proof of leaf `index` in the tree of `size` (RFC 9162 §2.1.3.1)."""

    @abc.abstractmethod
    def inclusion_proofs(self, indexes: Sequence[int], size: int) -> list[list[bytes]]:
        """`inclusion_proof` of each of `indexes` in the tree of `size`, in one read transaction."""

    @abc.abstractmethod
    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        """Consistency proof from tree `size1` to tree `size2` (RFC 9162 §2.1.4.1)."""

    @abc.abstractmethod
    def log_entries(self, start: int, end: int) -> Sequence[bytes]:
        """Entry bytes of leaves [start, end)."""

    @abc.abstractmethod
    def save_checkpoint(self, size: int, note: str) -> None:
        """Keep the signed checkpoint note for tree `size`."""

    def claim_checkpoint(self, size: int, note: str) -> str:
        """Keep `note` for tree `size` unless one is kept already; return the kept one (the
        first signer for a size wins, so replicas serve one checkpoint per size)."""
        kept = self.checkpoint_at(size)
        if kept is not None:
            return kept
        self.save_checkpoint(size, note)
        return note

    @abc.abstractmethod
    def latest_checkpoint(self) -> tuple[int, str] | None:
        """(size, note) of the latest saved checkpoint, or None before the first."""

    @abc.abstractmethod
    def checkpoint_at(self, size: int) -> str | None:
        """The saved signed note for tree size `size`, if one was saved."""

    @abc.abstractmethod
    def audit_log(self, size: int) -> bytes:
        """Recompute the root of the first `size` leaves from the entries (LOG_INCONSISTENT)."""

    @abc.abstractmethod
    def audit_log_roots(self, sizes: Sequence[int]) -> list[bytes]:
        """`audit_log` at each of `sizes`, in one scan of the entries."""

    @abc.abstractmethod
    def save_witness_head(self, head: PeerHead) -> None:
        """Keep a peer's accepted head; it never moves back (T6, `LogTables.save_witness_head`)."""

    @abc.abstractmethod
    def load_witness_heads(self) -> dict[str, PeerHead]:
        """Every peer's last accepted head, by origin."""

    # Sync (issue 12): positions in peer logs, origin receipts, quarantines.

    @abc.abstractmethod
    def commit_sync_page(
        self,
        expected_size: int,
        position: PeerPosition,
        items: Sequence[Replica | ReplicaStatus],
    ) -> list[StoredDataset | StoreError]:
        """Apply one verified page of a peer's log and move to `position`, in ONE transaction.

        Each item is applied in log order: a replica is put like `put_dataset` (same digest:
        nothing appended, the receipt still kept), a status change like `set_status`; an item
        refused with a StoreError is rolled back alone and returned in its slot. The position
        moves only if the stored one is still at `expected_size` (PositionConflictError).
        """

    @abc.abstractmethod
    def peer_position(self, origin: str) -> PeerPosition:
        """The verified position in the peer log `origin` (the start when never pulled)."""

    @abc.abstractmethod
    def origin_receipts(self, digest: str) -> list[Receipt]:
        """The receipts of the peer logs a dataset with `digest` was copied from."""

    @abc.abstractmethod
    def quarantine_peer(self, record: Quarantine) -> None:
        """Keep the evidence against a peer log; sync skips it until released."""

    @abc.abstractmethod
    def peer_quarantines(self) -> dict[str, Quarantine]:
        """Every quarantined peer log, by origin."""

    @abc.abstractmethod
    def release_peer(self, origin: str) -> bool:
        """Lift the quarantine of `origin`; True when there was one."""

    # Delegated trust (issue 12): the registries each peer vouches for.

    @abc.abstractmethod
    def delegated_trust(self, peer_origin: str) -> list[tuple[int, Vouched]]:
        """The registries peer log `peer_origin` vouches for, with their versions, by origin."""

    @abc.abstractmethod
    def keep_delegated_trust(self, peer_origin: str, rows: Sequence[tuple[int, Vouched]]) -> None:
        """Keep exactly `rows` as what `peer_origin` vouches for; revocations kept stay."""

    @abc.abstractmethod
    def add_peer_revocations(self, peer_origin: str, revocations: Mapping[str, datetime]) -> None:
        """Keep the key revocations peer log `peer_origin` logged, with its own registry."""

    # Footprint requests (issue 14): gateway.store.request_state.

    @abc.abstractmethod
    def update_request(self, name: str, change: RequestChange) -> Request | None:
        """Run `change` on the stored request `name` and keep its result and log entries, in
        ONE write transaction (writes are serialized: exactly one of two racing answers wins).
        The stored request, or None when `change` returned None."""

    @abc.abstractmethod
    def get_request(self, name: str) -> Request | None:
        """The stored request `name`, if any."""

    @abc.abstractmethod
    def select_requests(
        self, query: str, value: str, after: int = 0, limit: int = 1000
    ) -> list[Request]:
        """The requests of the named selection `query` (request_state.QUERIES) for `value`, by
        sequence number, after `after`."""

    # GEC ledger (issue 14): gateway.store.gec_ledger.

    @abc.abstractmethod
    def gec_holders(self, claims: Sequence[Claim]) -> list[list[Holder]]:
        """For each of `claims`, the claims of active footprints it overlaps (read only)."""

    @abc.abstractmethod
    def gec_conflicts(self, *, released: bool = False) -> list[GecConflict]:
        """Double claims sync brought together: both kept, the earlier at its origin winning."""

    @abc.abstractmethod
    def gec_record_conflict(self, mine: Holder, rival: Holder, now: datetime) -> bool:
        """Record a conflict a peer reported (gateway.gec.reports); False when known already."""

    @abc.abstractmethod
    def gec_certificates(self) -> int:
        """How many certificates (MWh) the active footprints held here claim."""

    @abc.abstractmethod
    def close(self) -> None:
        """Close every connection; later calls raise StoreUnavailableError."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
