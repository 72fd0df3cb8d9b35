"""The store logic shared by both SQL dialects: one transaction per write, keyset paging.

Subclasses provide connections and transactions (`_transaction`) and the dialect's column types;
every statement here is written once with `?` placeholders, which PostgreSQL gets as `%s`.
"""

from __future__ import annotations

import abc
import secrets
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import datetime
from typing import Any

from gateway.domain import (
    ALLOWED_TRANSITIONS,
    ChangeType,
    DatasetKind,
    DatasetStatus,
    PeerHead,
    ReadScope,
)
from gateway.federation.follow import PeerPosition
from gateway.federation.vouching import Vouched
from gateway.gec.claims import Claim, ClaimOrigin, GecConflict, Holder, replica_origin
from gateway.log.receipt import Receipt
from gateway.log.sql import Cursor, LogTables
from gateway.requests.machine import Request
from gateway.store.base import DEFAULT_PAGE_SIZE, RequestChange, Store
from gateway.store.delegation_state import DelegationState
from gateway.store.delegation_state import schema_statements as delegation_schema
from gateway.store.errors import (
    AlreadyExistsError,
    InvalidStatusTransitionError,
    NotFoundError,
    SchemaVersionError,
    StoreError,
)
from gateway.store.gec_ledger import GecLedger
from gateway.store.gec_ledger import schema_statements as gec_schema
from gateway.store.model import UNASSIGNED, Change, DatasetFilter, PutResult, StoredDataset
from gateway.store.paging import PageTokenCodec
from gateway.store.request_state import RequestTables
from gateway.store.request_state import schema_statements as request_schema
from gateway.store.schema import (
    LEGACY_VERSION,
    META_TABLE,
    SCHEMA_VERSION,
    VERSION_KEY,
    Dialect,
    migrate,
    schema_statements,
)
from gateway.store.sync_state import (
    Quarantine,
    Replica,
    ReplicaStatus,
    SyncState,
)
from gateway.store.sync_state import schema_statements as sync_schema
from gateway.store.trust_state import TrustState
from gateway.store.trust_state import schema_statements as trust_schema
from gateway.store.warnings import decode_warnings, encode_warnings
from gateway.times import from_sortable, to_sortable

_FACET_PRODUCT = "product"
_FACET_CLASSIFICATION = "classification"
_FACET_SUPERSEDES = "supersedes"

_COLUMNS = (
    "name, credential, kind, status, issuer, issuer_org, digest, received_at, credential_id, "
    "request_id, geography, valid_from, valid_until, log_index, warnings"
)

_MARKS = ", ".join("?" for _ in _COLUMNS.split(","))
# Set once the key revocations of a log written before cfx_key_revocations existed are indexed.
_REVOCATIONS_INDEXED = "key_revocations_indexed"


class SQLStore(Store):
    """Store logic over a DB-API connection; subclasses own connections and transactions."""

    dialect: Dialect

    def __init__(self) -> None:
        self._log = LogTables(self.dialect)
        self._trust = TrustState(self._run)
        self._sync = SyncState(self._run)
        self._delegation = DelegationState(self._run)
        self._requests = RequestTables(self._run)
        self._gec = GecLedger(self._run)
        try:
            self._codec = PageTokenCodec(self._initialise())
        except BaseException:
            self.close()  # a refused or failed open leaves no connection behind
            raise

    # -- subclass hooks -------------------------------------------------------------------------

    @abc.abstractmethod
    def _transaction(self, *, write: bool) -> AbstractContextManager[Cursor]:
        """A cursor inside one transaction: committed on normal exit, rolled back on error.

        Write transactions are serialized (the log append needs a single writer).
        """

    @abc.abstractmethod
    def _blob_types(self) -> tuple[str, str]:
        """(binary column type, 64-bit integer column type) of the dialect."""

    def _q(self, sql: str) -> str:
        return sql if self.dialect == "sqlite" else sql.replace("?", "%s")

    def _run(self, cur: Cursor, sql: str, params: Sequence[Any] = ()) -> Any:
        return cur.execute(self._q(sql), tuple(params))

    # -- schema ---------------------------------------------------------------------------------

    def _initialise(self) -> bytes:
        """Create or migrate the tables (gateway.store.schema) and return the page-token MAC key
        (shared by every process on this database)."""
        with self._transaction(write=True) as cur:
            self._run(cur, META_TABLE)
            version = self._schema_version(cur)
            blob, bigint = self._blob_types()
            if version is not None:
                migrate(cur, self.dialect, version, (blob, bigint))
            for statement in [
                *schema_statements(blob, bigint),
                *trust_schema(bigint),
                *sync_schema(blob, bigint),
                *delegation_schema(bigint),
                *request_schema(bigint),
                *gec_schema(bigint),
            ]:
                self._run(cur, statement)
            self._log.create_schema(cur)
            self._index_logged_revocations(cur)
            self._run(
                cur,
                "INSERT INTO cfx_store_meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (VERSION_KEY, str(SCHEMA_VERSION)),
            )
            self._run(
                cur,
                "INSERT INTO cfx_store_meta (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING",
                ("page_token_key", secrets.token_hex(32)),
            )
            key = self._meta(cur, "page_token_key")
        assert key is not None  # inserted just above unless already there
        return bytes.fromhex(key)

    def _schema_version(self, cur: Cursor) -> int | None:
        """The database's schema version; None for a new, empty database."""
        stamped = self._meta(cur, VERSION_KEY)
        if stamped is None:
            return None if self._meta(cur, "page_token_key") is None else LEGACY_VERSION
        version = int(stamped)
        if version > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"the database has store schema version {version}; this cfx knows up to "
                f"{SCHEMA_VERSION}: upgrade cfx before opening it"
            )
        return version

    def _meta(self, cur: Cursor, key: str) -> str | None:
        self._run(cur, "SELECT value FROM cfx_store_meta WHERE key = ?", (key,))
        row = cur.fetchone()
        return None if row is None else str(row[0])

    def _index_logged_revocations(self, cur: Cursor) -> None:
        """Once per store: the revocations a log holds from before their table existed."""
        self._run(cur, "SELECT value FROM cfx_store_meta WHERE key = ?", (_REVOCATIONS_INDEXED,))
        if cur.fetchone() is not None:
            return
        self._trust.index_log(
            cur, self._log.size(cur), lambda start, end: self._log.entries(cur, start, end)
        )
        self._run(
            cur,
            "INSERT INTO cfx_store_meta (key, value) VALUES (?, ?)",
            (_REVOCATIONS_INDEXED, "1"),
        )

    # -- writes ---------------------------------------------------------------------------------

    def put_dataset(self, record: StoredDataset, log_entry: bytes) -> PutResult:
        """One write transaction: the record, its facets, its change row and its log leaf."""
        with self._transaction(write=True) as cur:
            return self._put_one(cur, record, log_entry)

    def _put_one(
        self,
        cur: Cursor,
        record: StoredDataset,
        log_entry: bytes,
        claimed_at: ClaimOrigin | None = None,
    ) -> PutResult:
        """One put inside the caller's transaction: idempotent on digest, unique on ids, its GEC
        claims entered in the ledger (a replica's with `claimed_at`, where its origin logged it)."""
        existing = self._by_digest(cur, record.digest)
        if existing is not None and existing.issuer_org == record.issuer_org:
            return PutResult(existing, created=False)
        if existing is not None:
            # The same bytes name the same issuer, whose keys belong to one organization for
            # good; only a hand-edited registry gets here. Refuse without naming the dataset.
            raise AlreadyExistsError(
                "these exact bytes are stored for another issuing organization", existing_name=""
            )
        self._check_unique_ids(cur, record)
        (index,) = self._log.append(cur, [log_entry])
        stored = _with_log_index(record, index)
        self._insert(cur, stored)
        self._record_change(cur, stored, ChangeType.CREATED, stored.status)
        self._gec.claim(cur, stored, claimed_at)
        return PutResult(stored, created=True)

    def put_datasets(
        self, items: Sequence[tuple[StoredDataset, bytes]]
    ) -> list[PutResult | StoreError]:
        """Group commit: many `put_dataset`s in ONE transaction (one durable sync).

        Each item runs inside its own savepoint, so an item refused with a StoreError (same id,
        other bytes) is rolled back alone and returned in its slot; the others commit. A failure
        of the transaction itself raises and stores nothing.
        """
        results: list[PutResult | StoreError] = []
        with self._transaction(write=True) as cur:
            for record, log_entry in items:
                self._run(cur, "SAVEPOINT cfx_item")
                try:
                    results.append(self._put_one(cur, record, log_entry))
                except StoreError as exc:
                    self._run(cur, "ROLLBACK TO SAVEPOINT cfx_item")
                    results.append(exc)
                self._run(cur, "RELEASE SAVEPOINT cfx_item")
        return results

    def set_status(
        self,
        name: str,
        status: DatasetStatus,
        log_entry: bytes,
        status_update_record: StoredDataset | None = None,
    ) -> StoredDataset:
        """One write transaction: status, change row, log leaf and the StatusUpdate's record."""
        with self._transaction(write=True) as cur:
            return self._set_status(cur, name, status, log_entry, status_update_record)

    def _set_status(
        self,
        cur: Cursor,
        name: str,
        status: DatasetStatus,
        log_entry: bytes,
        status_update_record: StoredDataset | None,
    ) -> StoredDataset:
        if status_update_record is not None:
            replay = self._by_digest(cur, status_update_record.digest)
            if replay is not None:
                return self._require(cur, name)
        current = self._require(cur, name)
        if status not in ALLOWED_TRANSITIONS[current.status]:
            raise InvalidStatusTransitionError(
                f"{name} is {current.status}; it cannot become {status}"
            )
        if status_update_record is not None:
            self._check_unique_ids(cur, status_update_record)
        (index,) = self._log.append(cur, [log_entry])
        self._run(cur, "UPDATE cfx_datasets SET status = ? WHERE name = ?", (status, name))
        updated = current.with_status(status)
        self._record_change(cur, updated, ChangeType.STATUS_CHANGED, status, index)
        if status is not DatasetStatus.ACTIVE:
            self._gec.release(cur, name)  # deprecated or withdrawn: its GEC claims go
        if status_update_record is not None:
            update = _with_log_index(status_update_record, index)
            self._insert(cur, update)
            self._record_change(cur, update, ChangeType.CREATED, update.status)
        return updated

    # -- sync: pages of a peer's log, applied with the position in one transaction ------------

    def commit_sync_page(
        self,
        expected_size: int,
        position: PeerPosition,
        items: Sequence[Replica | ReplicaStatus],
    ) -> list[StoredDataset | StoreError]:
        """Apply a verified page and move the peer position in one transaction; refused when
        another run moved it from `expected_size` first. One failing item fails alone."""
        with self._transaction(write=True) as cur:
            results: list[StoredDataset | StoreError] = []
            for item in items:
                self._run(cur, "SAVEPOINT cfx_item")
                try:
                    results.append(self._apply_replica(cur, item))
                except StoreError as exc:
                    self._run(cur, "ROLLBACK TO SAVEPOINT cfx_item")
                    results.append(exc)
                self._run(cur, "RELEASE SAVEPOINT cfx_item")
            self._sync.move(cur, expected_size, position)
        return results

    def _apply_replica(self, cur: Cursor, item: Replica | ReplicaStatus) -> StoredDataset:
        if isinstance(item, ReplicaStatus):
            updated = self._set_status(cur, item.name, item.status, item.entry, item.update)
            self._sync.keep_receipt(cur, item.update.digest, item.origin_receipt)
            return updated
        record = item.record
        self._run(cur, "SELECT digest FROM cfx_datasets WHERE name = ?", (record.name,))
        row = cur.fetchone()
        if row is not None and str(row[0]) != record.digest:
            raise AlreadyExistsError(
                f"{record.name} is stored here with other bytes", existing_name=record.name
            )
        origin = replica_origin(item.origin_receipt)
        stored = self._put_one(cur, record, item.entry, origin).dataset
        self._sync.keep_receipt(cur, record.digest, item.origin_receipt)
        return stored

    def peer_position(self, origin: str) -> PeerPosition:
        """This node's verified position in the peer log `origin` (empty before the first sync)."""
        with self._transaction(write=False) as cur:
            return self._sync.position(cur, origin)

    def origin_receipts(self, digest: str) -> list[Receipt]:
        """The origin receipts kept for the dataset with `digest` (one per origin log)."""
        with self._transaction(write=False) as cur:
            return self._sync.receipts(cur, digest)

    def quarantine_peer(self, record: Quarantine) -> None:
        """Record a peer's quarantine with its evidence."""
        with self._transaction(write=True) as cur:
            self._sync.quarantine(cur, record)

    def peer_quarantines(self) -> dict[str, Quarantine]:
        """Every quarantined peer log, by origin, with its evidence."""
        with self._transaction(write=False) as cur:
            return self._sync.quarantines(cur)

    def delegated_trust(self, peer_origin: str) -> list[tuple[int, Vouched]]:
        """The registries peer log `peer_origin` vouches for, with their versions."""
        with self._transaction(write=False) as cur:
            return self._delegation.held(cur, peer_origin)

    def keep_delegated_trust(self, peer_origin: str, rows: Sequence[tuple[int, Vouched]]) -> None:
        """Keep exactly `rows` as what `peer_origin` vouches for (revocations kept stay)."""
        with self._transaction(write=True) as cur:
            self._delegation.replace(cur, peer_origin, rows)

    def add_peer_revocations(self, peer_origin: str, revocations: Mapping[str, datetime]) -> None:
        """Keep key revocations peer log `peer_origin` logged, with its registry."""
        with self._transaction(write=True) as cur:
            self._delegation.add_revocations(cur, peer_origin, revocations)

    def release_peer(self, origin: str) -> bool:
        """Lift the quarantine of peer log `origin`; False when it was not quarantined."""
        with self._transaction(write=True) as cur:
            return self._sync.release(cur, origin)

    def _check_unique_ids(self, cur: Cursor, record: StoredDataset) -> None:
        """Ids are unique per issuing organization: only the same organization's dataset can
        collide, so the refusal names a dataset of the caller's own organization (or of one the
        registry operator submits for), never another organization's."""
        checks = [("credential_id", record.credential_id)]
        if record.request_id:
            checks.append(("request_id", record.request_id))
        for column, value in checks:
            self._run(
                cur,
                f"SELECT name FROM cfx_datasets WHERE {column} = ? AND issuer_org = ?",  # noqa: S608 -- column is one of two literals above
                (value, record.issuer_org),
            )
            row = cur.fetchone()
            if row is not None:
                raise AlreadyExistsError(
                    f"{column} {value!r} is already stored with different bytes as {row[0]}",
                    existing_name=str(row[0]),
                )

    def _insert(self, cur: Cursor, record: StoredDataset) -> None:
        self._run(
            cur,
            f"INSERT INTO cfx_datasets ({_COLUMNS}) VALUES ({_MARKS})",  # noqa: S608 -- fixed text
            (
                record.name,
                record.credential,
                record.kind.value,
                record.status.value,
                record.issuer,
                record.issuer_org,
                record.digest,
                to_sortable(record.received_at),
                record.credential_id,
                record.request_id or None,
                record.geography,
                to_sortable(record.valid_from) if record.valid_from else None,
                to_sortable(record.valid_until) if record.valid_until else None,
                record.log_index,
                encode_warnings(record.warnings),
            ),
        )
        for facet, values in (
            (_FACET_PRODUCT, record.product_ids),
            (_FACET_CLASSIFICATION, record.classification_ids),
            (_FACET_SUPERSEDES, record.supersedes),
        ):
            for position, value in enumerate(values):
                self._run(
                    cur,
                    "INSERT INTO cfx_dataset_facets (name, facet, position, value) "
                    "VALUES (?, ?, ?, ?)",
                    (record.name, facet, position, value),
                )

    def _record_change(
        self,
        cur: Cursor,
        record: StoredDataset,
        change: ChangeType,
        status: DatasetStatus,
        index: int | None = None,
    ) -> None:
        self._run(
            cur,
            "INSERT INTO cfx_dataset_changes (log_index, name, kind, change, status) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                record.log_index if index is None else index,
                record.name,
                record.kind.value,
                change.value,
                status.value,
            ),
        )

    # -- reads ----------------------------------------------------------------------------------

    def get_dataset(self, name: str, scope: ReadScope | None = None) -> StoredDataset:
        """One read: the record and its facets, filtered by `scope` in the same query (G2)."""
        with self._transaction(write=False) as cur:
            return self._require(cur, name, scope)

    def find_by_digest(self, digest: str) -> StoredDataset | None:
        """The record with this digest (the column is unique), if any."""
        with self._transaction(write=False) as cur:
            return self._by_digest(cur, digest)

    def find_by_digests(self, digests: Sequence[str]) -> dict[str, StoredDataset]:
        """The stored records among `digests`, in one read transaction."""
        with self._transaction(write=False) as cur:
            found = (self._by_digest(cur, digest) for digest in dict.fromkeys(digests))
            return {record.digest: record for record in found if record is not None}

    def append_log_entry(self, entry: bytes) -> int:
        """One write transaction: the leaf, and the revocation it records (if it is one)."""
        with self._transaction(write=True) as cur:
            (index,) = self._log.append(cur, [entry])
            self._trust.record_revocations(cur, [(index, entry)])
        return index

    # -- GEC ledger (issue 14): gateway.store.gec_ledger ---------------------------------------

    def gec_holders(self, claims: Sequence[Claim]) -> list[list[Holder]]:
        """For each claim, the live claims it overlaps, in one read transaction."""
        with self._transaction(write=False) as cur:
            return self._gec.holders_of(cur, claims)

    def gec_conflicts(self, *, released: bool = False) -> list[GecConflict]:
        """The GEC conflicts sync brought together (also released ones, when `released`)."""
        with self._transaction(write=False) as cur:
            return self._gec.conflicts(cur, released=released)

    def gec_record_conflict(self, mine: Holder, rival: Holder, now: datetime) -> bool:
        """A conflict a peer reported, recorded as sync's own are."""
        with self._transaction(write=True) as cur:
            return self._gec.record_conflict(cur, mine, rival, now)

    def gec_certificates(self) -> int:
        """How many certificates (MWh) the active footprints held here claim (a full scan of the
        claims table: read at a metrics scrape, not on a request path)."""
        with self._transaction(write=False) as cur:
            return self._gec.certificates(cur)

    # -- footprint requests (issue 14) ----------------------------------------------------------

    def update_request(self, name: str, change: RequestChange) -> Request | None:
        """Apply `change` to the stored request `name` in one write transaction, with its log
        entries; the stored request, or None when `change` changed nothing."""
        with self._transaction(write=True) as cur:
            outcome = change(self._requests.get(cur, name))
            if outcome is None:
                return None
            request, entries = outcome
            if entries:
                self._log.append(cur, list(entries))
            return self._requests.put(cur, request)

    def get_request(self, name: str) -> Request | None:
        """The stored request `name`, if any."""
        with self._transaction(write=False) as cur:
            return self._requests.get(cur, name)

    def select_requests(
        self, query: str, value: str, after: int = 0, limit: int = 1000
    ) -> list[Request]:
        """The requests of a named selection (gateway.store.request_state.QUERIES)."""
        with self._transaction(write=False) as cur:
            return self._requests.select(cur, query, value, after, limit)

    # -- trust registry state -------------------------------------------------------------------

    def advance_trust_version(self, version: int) -> int:
        """Raise the recorded highest registry version to `version` if lower; return the highest."""
        with self._transaction(write=True) as cur:
            return self._trust.advance_version(cur, version)

    def advance_file_version(self, file: str, version: int) -> int:
        """Raise the recorded highest version of signed file `file`; return the highest."""
        with self._transaction(write=True) as cur:
            return self._trust.advance_file_version(cur, file, version)

    def key_revocations(self) -> dict[str, datetime]:
        """Every key the log revoked, DID -> time of its first revocation entry."""
        with self._transaction(write=False) as cur:
            return self._trust.revocations(cur)

    def datasets_with_id(self, credential_id: str) -> list[StoredDataset]:
        """Every stored record with this credential id, of any organization, in log order."""
        with self._transaction(write=False) as cur:
            self._run(
                cur,
                f"SELECT {_prefixed_columns()} FROM cfx_datasets d "  # noqa: S608 -- fixed text
                "WHERE d.credential_id = ? ORDER BY d.log_index",
                (credential_id,),
            )
            return self._hydrate(cur, cur.fetchall())

    def list_datasets(
        self,
        filters: DatasetFilter,
        page_size: int = DEFAULT_PAGE_SIZE,
        page_token: str = "",
    ) -> tuple[list[StoredDataset], str]:
        """One page, in log order after the token's position; one row more is read to know if a next
        page exists.
        """
        fingerprint = filters.fingerprint()
        after = self._codec.decode(page_token, fingerprint) if page_token else UNASSIGNED
        size = max(1, page_size)
        where, params = _where(filters)
        where.append("d.log_index > ?")
        params.append(after)
        sql = (
            f"SELECT {_prefixed_columns()} FROM cfx_datasets d WHERE {' AND '.join(where)} "  # noqa: S608 -- clauses are fixed strings, values are bound
            "ORDER BY d.log_index LIMIT ?"
        )
        params.append(size + 1)
        with self._transaction(write=False) as cur:
            self._run(cur, sql, params)
            rows = cur.fetchall()
            page = self._hydrate(cur, rows[:size])
        token = self._codec.encode(page[-1].log_index, fingerprint) if len(rows) > size else ""
        return page, token

    def search_datasets(
        self,
        filters: DatasetFilter,
        extra: Sequence[tuple[str, Sequence[Any]]],
        after: int,
        limit: int,
    ) -> list[StoredDataset]:
        """Up to `limit` records after log index `after`, in log order, matching `filters` and
        each of the `extra` (clause, params) pairs (gateway.store.search_query builds them)."""
        where, params = _where(filters)
        for clause, values in extra:
            where.append(clause)
            params.extend(values)
        where.append("d.log_index > ?")
        params.extend((after, max(1, limit)))
        sql = (
            f"SELECT {_prefixed_columns()} FROM cfx_datasets d WHERE {' AND '.join(where)} "  # noqa: S608 -- clauses are fixed strings, values are bound
            "ORDER BY d.log_index LIMIT ?"
        )
        with self._transaction(write=False) as cur:
            self._run(cur, sql, params)
            return self._hydrate(cur, cur.fetchall())

    def changes_after(
        self,
        log_index: int,
        kind: DatasetKind | None = None,
        limit: int = 100,
        scope: ReadScope | None = None,
    ) -> list[Change]:
        """Changes after `log_index`, in log order, each with the dataset's current record."""
        sql = (
            "SELECT c.log_index, c.name, c.change, c.status FROM cfx_dataset_changes c "
            "JOIN cfx_datasets d ON d.name = c.name WHERE c.log_index > ?"
        )
        params: list[Any] = [log_index]
        if kind is not None:
            sql += " AND c.kind = ?"
            params.append(kind.value)
        if scope is not None:
            clause, scope_params = scope_clause(scope, "c.kind", "d.issuer_org")
            sql += f" AND {clause}"
            params.extend(scope_params)
        sql += " ORDER BY c.log_index, c.change, c.name LIMIT ?"
        params.append(max(1, limit))
        with self._transaction(write=False) as cur:
            self._run(cur, sql, params)
            rows = cur.fetchall()
            names = list(dict.fromkeys(str(row[1]) for row in rows))
            by_name = {d.name: d for d in self._load(cur, names)}
        return [
            Change(int(r[0]), ChangeType(r[2]), DatasetStatus(r[3]), by_name[str(r[1])])
            for r in rows
        ]

    def readable_log_indexes(self, start: int, end: int, scope: ReadScope) -> set[int]:
        """Indexes in [start, end) whose every dataset row `scope` may read."""
        clause, params = scope_clause(scope, "c.kind", "d.issuer_org")
        # An index is readable when no dataset row logged at it falls outside the scope.
        sql = _READABLE_INDEXES.format(readable=clause)
        with self._transaction(write=False) as cur:
            self._run(cur, sql, [start, end, *params])
            return {int(row[0]) for row in cur.fetchall()}

    @property
    def page_tokens(self) -> PageTokenCodec:
        """The codec, keyed with the page-token key kept in the store."""
        return self._codec

    def _by_digest(self, cur: Cursor, digest: str) -> StoredDataset | None:
        found = self._select(cur, "d.digest = ?", digest)
        return found[0] if found else None

    def _require(self, cur: Cursor, name: str, scope: ReadScope | None = None) -> StoredDataset:
        """The dataset `name`, if `scope` (when given) may read it: one query either way, so a
        dataset out of scope and a missing one cost the same and raise the same NotFoundError."""
        clause, params = "d.name = ?", [name]
        if scope is not None:
            scoped, scope_params = scope_clause(scope, "d.kind", "d.issuer_org", one_row=True)
            clause += f" AND {scoped}"
            params.extend(scope_params)
        found = self._select(cur, clause, *params)
        if not found:
            raise NotFoundError(name)
        return found[0]

    def _select(self, cur: Cursor, clause: str, *values: Any) -> list[StoredDataset]:
        self._run(cur, f"SELECT {_prefixed_columns()} FROM cfx_datasets d WHERE {clause}", values)  # noqa: S608 -- clause is a fixed string, values are bound
        return self._hydrate(cur, cur.fetchall())

    def _load(self, cur: Cursor, names: list[str]) -> list[StoredDataset]:
        if not names:
            return []
        marks = ", ".join("?" for _ in names)
        self._run(
            cur,
            f"SELECT {_prefixed_columns()} FROM cfx_datasets d WHERE d.name IN ({marks})",  # noqa: S608 -- only placeholders are interpolated
            names,
        )
        return self._hydrate(cur, cur.fetchall())

    def _hydrate(self, cur: Cursor, rows: list[Any]) -> list[StoredDataset]:
        if not rows:
            return []
        names = [str(row[0]) for row in rows]
        marks = ", ".join("?" for _ in names)
        self._run(
            cur,
            f"SELECT name, facet, value FROM cfx_dataset_facets WHERE name IN ({marks}) "  # noqa: S608 -- only placeholders are interpolated
            "ORDER BY name, facet, position",
            names,
        )
        facets: dict[tuple[str, str], list[str]] = {}
        for name, facet, value in cur.fetchall():
            facets.setdefault((str(name), str(facet)), []).append(str(value))
        return [_row_to_record(row, facets) for row in rows]

    # -- log passthroughs -----------------------------------------------------------------------

    def log_size(self) -> int:
        """Leaves stored (LogTables.size), in a read transaction."""
        with self._transaction(write=False) as cur:
            return int(self._log.size(cur))

    def log_root(self, size: int) -> bytes:
        """Root of the first `size` leaves from the stored nodes, in a read transaction."""
        with self._transaction(write=False) as cur:
            return bytes(self._log.root(cur, size))

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """LogTables.inclusion_proof in a read transaction."""
        with self._transaction(write=False) as cur:
            return list(self._log.inclusion_proof(cur, index, size))

    def inclusion_proofs(self, indexes: Sequence[int], size: int) -> list[list[bytes]]:
        """LogTables.inclusion_proof of each index, in one read transaction."""
        with self._transaction(write=False) as cur:
            return [list(self._log.inclusion_proof(cur, index, size)) for index in indexes]

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        """LogTables.consistency_proof in a read transaction."""
        with self._transaction(write=False) as cur:
            return list(self._log.consistency_proof(cur, size1, size2))

    def log_entries(self, start: int, end: int) -> list[bytes]:
        """LogTables.entries in a read transaction."""
        with self._transaction(write=False) as cur:
            return list(self._log.entries(cur, start, end))

    def save_checkpoint(self, size: int, note: str) -> None:
        """Save the note in a write transaction."""
        with self._transaction(write=True) as cur:
            self._log.save_checkpoint(cur, size, note)

    def claim_checkpoint(self, size: int, note: str) -> str:
        """LogTables.claim_checkpoint in one transaction. The primary key on size picks the
        winner, so a shared store needs no log write lock for it (appends go on meanwhile)."""
        with self._transaction(write=self.shared_url is None) as cur:
            return self._log.claim_checkpoint(cur, size, note)

    def latest_checkpoint(self) -> tuple[int, str] | None:
        """LogTables.latest_checkpoint in a read transaction."""
        with self._transaction(write=False) as cur:
            found = self._log.latest_checkpoint(cur)
        return None if found is None else (int(found[0]), str(found[1]))

    def checkpoint_at(self, size: int) -> str | None:
        """LogTables.checkpoint_at in a read transaction."""
        with self._transaction(write=False) as cur:
            return self._log.checkpoint_at(cur, size)

    def audit_log(self, size: int) -> bytes:
        """LogTables.audit (a scan of every entry) in one read transaction."""
        with self._transaction(write=False) as cur:
            return bytes(self._log.audit(cur, size))

    def audit_log_roots(self, sizes: Sequence[int]) -> list[bytes]:
        """LogTables.audit_roots in one read transaction: one scan for every size."""
        with self._transaction(write=False) as cur:
            return [bytes(root) for root in self._log.audit_roots(cur, sizes)]

    def save_witness_head(self, head: PeerHead) -> None:
        """LogTables.save_witness_head in a write transaction."""
        with self._transaction(write=True) as cur:
            self._log.save_witness_head(cur, head)

    def load_witness_heads(self) -> dict[str, PeerHead]:
        """LogTables.load_witness_heads in a read transaction."""
        with self._transaction(write=False) as cur:
            return self._log.load_witness_heads(cur)


_READABLE_INDEXES = (
    "SELECT c.log_index FROM cfx_dataset_changes c JOIN cfx_datasets d ON d.name = c.name "
    "WHERE c.log_index >= ? AND c.log_index < ? GROUP BY c.log_index "
    "HAVING MIN(CASE WHEN {readable} THEN 1 ELSE 0 END) = 1"
)


def _prefixed_columns() -> str:
    return ", ".join(f"d.{column.strip()}" for column in _COLUMNS.split(","))


def _where(filters: DatasetFilter) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    for column, value in (
        ("d.kind", filters.kind),
        ("d.issuer", filters.issuer),
        ("d.issuer_org", filters.issuer_org),
        ("d.geography", filters.geography),
        ("d.status", filters.status),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(str(value))
    for facet, facet_value in (
        (_FACET_PRODUCT, filters.product_id),
        (_FACET_CLASSIFICATION, filters.classification_id),
    ):
        if facet_value is not None:
            where.append(
                "EXISTS (SELECT 1 FROM cfx_dataset_facets f "
                "WHERE f.name = d.name AND f.facet = ? AND f.value = ?)"
            )
            params.extend((facet, facet_value))
    if filters.scope is not None:
        clause, scope_params = scope_clause(filters.scope, "d.kind", "d.issuer_org")
        where.append(clause)
        params.extend(scope_params)
    if filters.valid_at is not None:
        at = to_sortable(filters.valid_at)
        where.append("(d.valid_from IS NULL OR d.valid_from <= ?)")
        where.append("(d.valid_until IS NULL OR d.valid_until > ?)")
        params.extend((at, at))
    return where, params


def scope_clause(
    scope: ReadScope, kind_col: str, org_col: str, *, one_row: bool = False
) -> tuple[str, list[Any]]:
    """SQL for `scope.allows(kind, issuer_org)`; an empty set of kinds matches nothing.

    Listing queries get IN lists, which the planner uses on the kind index. `one_row` (a read
    by name) gets OR-ed equalities instead: SQLite builds an IN list's lookup table only once a
    row reaches it, so a found-but-unreadable row would cost more than a missing name.
    """

    def one_of(kinds: frozenset[DatasetKind]) -> str:
        if one_row:
            return "(" + " OR ".join(f"{kind_col} = ?" for _ in kinds) + ")"
        return f"{kind_col} IN ({', '.join('?' for _ in kinds)})"

    parts: list[str] = []
    params: list[Any] = []
    if scope.kinds:
        parts.append(one_of(scope.kinds))
        params.extend(sorted(scope.kinds))
    if scope.org and scope.own_kinds:
        parts.append(f"({org_col} = ? AND {one_of(scope.own_kinds)})")
        params.append(scope.org)
        params.extend(sorted(scope.own_kinds))
    return ("(" + " OR ".join(parts) + ")" if parts else "1 = 0"), params


def _with_log_index(record: StoredDataset, index: int) -> StoredDataset:
    return replace(record, log_index=int(index))


def _row_to_record(row: Sequence[Any], facets: dict[tuple[str, str], list[str]]) -> StoredDataset:
    (
        name,
        credential,
        kind,
        status,
        issuer,
        issuer_org,
        digest,
        received_at,
        credential_id,
        request_id,
        geography,
        valid_from,
        valid_until,
        log_index,
        warnings,
    ) = row
    name = str(name)
    return StoredDataset(
        name=name,
        credential=bytes(credential),
        kind=DatasetKind(kind),
        status=DatasetStatus(status),
        issuer=str(issuer),
        issuer_org=str(issuer_org),
        digest=str(digest),
        received_at=from_sortable(received_at),
        credential_id=str(credential_id),
        request_id=str(request_id or ""),
        product_ids=tuple(facets.get((name, _FACET_PRODUCT), ())),
        classification_ids=tuple(facets.get((name, _FACET_CLASSIFICATION), ())),
        geography=str(geography),
        valid_from=from_sortable(valid_from) if valid_from else None,
        valid_until=from_sortable(valid_until) if valid_until else None,
        supersedes=tuple(facets.get((name, _FACET_SUPERSEDES), ())),
        log_index=int(log_index),
        warnings=decode_warnings(warnings),
    )
