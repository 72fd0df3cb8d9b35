"""What the store keeps about peers it pulls from (issue 12): where it is in each peer's log, the
origin receipts of what it copied, and the evidence against a peer it quarantined.

The position of a peer is written in the same transaction as the page of data it moved over
(`SQLStore.commit_sync_page`): a crash leaves either both or neither. All tables are keyed by the
peer's log origin (the name its checkpoints are signed under), which names one log for good.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.domain import DatasetStatus, PeerHead
from gateway.federation.follow import PeerPosition
from gateway.log.merkle import HASH_SIZE
from gateway.log.receipt import Receipt
from gateway.log.sql import Cursor
from gateway.store.errors import StoreError
from gateway.store.model import StoredDataset
from gateway.times import from_sortable, to_sortable


class PositionConflictError(StoreError):
    """Another sync of the same peer moved its position first: this page is not applied."""

    reason = "SYNC_POSITION_CONFLICT"


@dataclass(frozen=True)
class Replica:
    """A dataset copied from a peer: the record (the origin's name and exact bytes), this node's
    log entry for it, and the receipt of the peer's entry."""

    record: StoredDataset
    entry: bytes
    origin_receipt: Receipt


@dataclass(frozen=True)
class ReplicaStatus:
    """A status change copied from a peer: the target, the new status, this node's log entry,
    the StatusUpdate credential, and the receipt of the peer's entry."""

    name: str
    status: DatasetStatus
    entry: bytes
    update: StoredDataset
    origin_receipt: Receipt


@dataclass(frozen=True)
class Quarantine:
    """A peer this node stopped pulling from, why, and the evidence (checkable by anyone)."""

    origin: str
    reason: str
    message: str
    evidence: Mapping[str, str]
    at: datetime


def schema_statements(blob: str, bigint: str) -> list[str]:
    """Per peer log: the verified position, origin receipts, quarantine evidence."""
    return [
        f"""CREATE TABLE IF NOT EXISTS cfx_peer_positions (
            origin TEXT PRIMARY KEY,
            size {bigint} NOT NULL,
            frontier {blob} NOT NULL,
            head_size {bigint} NOT NULL,
            head_root {blob} NOT NULL,
            head_note TEXT NOT NULL)""",
        f"""CREATE TABLE IF NOT EXISTS cfx_origin_receipts (
            digest TEXT NOT NULL,
            origin TEXT NOT NULL,
            log_index {bigint} NOT NULL,
            receipt TEXT NOT NULL,
            PRIMARY KEY (digest, origin))""",
        """CREATE TABLE IF NOT EXISTS cfx_peer_quarantine (
            origin TEXT PRIMARY KEY,
            reason TEXT NOT NULL,
            message TEXT NOT NULL,
            evidence TEXT NOT NULL,
            at TEXT NOT NULL)""",
    ]


class SyncState:
    """The three tables' queries; `run(cur, sql, params)` adapts `?` placeholders to the dialect."""

    def __init__(self, run: Callable[[Cursor, str, Sequence[Any]], Any]) -> None:
        self._run = run

    def position(self, cur: Cursor, origin: str) -> PeerPosition:
        """The stored position in `origin`'s log; the start for a peer never pulled from."""
        self._run(
            cur,
            "SELECT size, frontier, head_size, head_root, head_note FROM cfx_peer_positions "
            "WHERE origin = ?",
            (origin,),
        )
        row = cur.fetchone()
        if row is None:
            return PeerPosition(origin)
        size, frontier, head_size, head_root, note = row
        blob = bytes(frontier)
        edge = tuple(blob[i : i + HASH_SIZE] for i in range(0, len(blob), HASH_SIZE))
        head = PeerHead(origin, int(head_size), bytes(head_root), str(note))
        return PeerPosition(origin, int(size), edge, head)

    def move(self, cur: Cursor, expected_size: int, position: PeerPosition) -> None:
        """Store `position` if the stored one is still at `expected_size` (compare and set)."""
        if self.position(cur, position.origin).size != expected_size:
            raise PositionConflictError(
                f"the position in {position.origin} moved during this page; not applied"
            )
        head = position.head
        if head is None:
            raise StoreError("a position without an accepted checkpoint is not stored")
        self._run(
            cur,
            "INSERT INTO cfx_peer_positions "
            "(origin, size, frontier, head_size, head_root, head_note) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (origin) DO UPDATE SET size = excluded.size, "
            "frontier = excluded.frontier, head_size = excluded.head_size, "
            "head_root = excluded.head_root, head_note = excluded.head_note",
            (
                position.origin,
                position.size,
                b"".join(position.frontier),
                head.size,
                head.root_hash,
                head.note,
            ),
        )

    def keep_receipt(self, cur: Cursor, digest: str, receipt: Receipt) -> None:
        """Keep the origin receipt of `digest` (one per origin log; the first one stays)."""
        origin = receipt.checkpoint_note.split("\n", 1)[0]
        self._run(
            cur,
            "INSERT INTO cfx_origin_receipts (digest, origin, log_index, receipt) "
            "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (digest, origin, receipt.log_index, receipt.to_json().decode()),
        )

    def receipts(self, cur: Cursor, digest: str) -> list[Receipt]:
        """The origin receipts kept for `digest`, by origin."""
        self._run(
            cur,
            "SELECT receipt FROM cfx_origin_receipts WHERE digest = ? ORDER BY origin",
            (digest,),
        )
        return [Receipt.from_json(str(row[0])) for row in cur.fetchall()]

    def quarantine(self, cur: Cursor, record: Quarantine) -> None:
        """Record (or replace) the quarantine of a peer log."""
        self._run(
            cur,
            "INSERT INTO cfx_peer_quarantine (origin, reason, message, evidence, at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (origin) DO UPDATE SET reason = excluded.reason, "
            "message = excluded.message, evidence = excluded.evidence, at = excluded.at",
            (
                record.origin,
                record.reason,
                record.message,
                json.dumps(dict(record.evidence), sort_keys=True),
                to_sortable(record.at),
            ),
        )

    def quarantines(self, cur: Cursor) -> dict[str, Quarantine]:
        """Every quarantined peer log, by origin."""
        self._run(cur, "SELECT origin, reason, message, evidence, at FROM cfx_peer_quarantine", ())
        return {
            str(row[0]): Quarantine(
                str(row[0]),
                str(row[1]),
                str(row[2]),
                json.loads(str(row[3])),
                from_sortable(str(row[4])),
            )
            for row in cur.fetchall()
        }

    def release(self, cur: Cursor, origin: str) -> bool:
        """Lift a quarantine (the operator looked at the evidence); True if there was one."""
        self._run(cur, "DELETE FROM cfx_peer_quarantine WHERE origin = ?", (origin,))
        return bool(getattr(cur, "rowcount", 0))
