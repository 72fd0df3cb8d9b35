"""The log's tables and queries, for SQLite (stdlib sqlite3) and PostgreSQL (psycopg 3).

Every method takes the caller's DB-API cursor and runs inside the caller's transaction, so a
dataset write and its log append commit (or vanish) together: after a crash the tree is exactly
the committed leaves. Appenders are serialized: on PostgreSQL by `pg_advisory_xact_lock`, on
SQLite by the caller's `BEGIN IMMEDIATE` (the leaf primary key refuses a racing duplicate index).

Storage: each leaf (index, entry bytes, leaf hash) and every perfect aligned subtree node of
level >= 1 (level, index, hash). Roots and proofs need O(log n) nodes, read in one query.
There is deliberately no delete or update of leaves or nodes (T5).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal, Protocol

from gateway.domain import PeerHead
from gateway.log.errors import LogConfigError, LogInconsistentError, TreeSizeError
from gateway.log.merkle import (
    EMPTY_ROOT,
    NodeId,
    append_leaves,
    consistency_proof,
    frontier_nodes,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_hash,
)

Dialect = Literal["sqlite", "postgresql"]

_PREFIX = re.compile(r"[a-z_][a-z0-9_]{0,40}")
_AUDIT_BATCH = 10_000


class Cursor(Protocol):
    """The part of a DB-API 2.0 cursor used here (sqlite3.Cursor and psycopg.Cursor fit)."""

    def execute(self, query: Any, params: Any = ..., /) -> Any:
        """Run one statement with its parameters (PEP 249)."""

    def executemany(self, query: Any, params_seq: Any, /) -> Any:
        """Run one statement once per parameter row (PEP 249)."""

    def fetchone(self) -> Any:
        """The next result row, or None (PEP 249)."""

    def fetchall(self) -> list[Any]:
        """The remaining result rows (PEP 249)."""


# Query templates. `{leaves}`, `{nodes}`, `{checkpoints}`, `{witness}` are table names (validated
# identifiers, never input); values always go through placeholders, written `?` here.
_SQL = {
    "insert_leaf": "INSERT INTO {leaves} (idx, entry, leaf_hash) VALUES (?, ?, ?)",
    "insert_node": "INSERT INTO {nodes} (level, idx, hash) VALUES (?, ?, ?)",
    "size": "SELECT MAX(idx) FROM {leaves}",
    "entries": "SELECT entry FROM {leaves} WHERE idx >= ? AND idx < ? ORDER BY idx",
    "scan": "SELECT idx, entry, leaf_hash FROM {leaves} WHERE idx >= ? AND idx < ? ORDER BY idx",
    "save_checkpoint": (
        "INSERT INTO {checkpoints} (size, note) VALUES (?, ?) "
        "ON CONFLICT (size) DO UPDATE SET note = excluded.note"
    ),
    "claim_checkpoint": (
        "INSERT INTO {checkpoints} (size, note) VALUES (?, ?) ON CONFLICT (size) DO NOTHING"
    ),
    "latest_checkpoint": "SELECT size, note FROM {checkpoints} ORDER BY size DESC LIMIT 1",
    "checkpoint_at": "SELECT note FROM {checkpoints} WHERE size = ?",
    "save_witness": (
        "INSERT INTO {witness} (origin, size, root_hash, note) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (origin) DO UPDATE SET size = excluded.size, "
        "root_hash = excluded.root_hash, note = excluded.note "
        "WHERE {witness}.size < excluded.size "
        "OR ({witness}.size = excluded.size AND {witness}.root_hash = excluded.root_hash)"
    ),
    "load_witness": "SELECT origin, size, root_hash, note FROM {witness}",
}

# Completed per call with the placeholders of one batch lookup.
_LEAF_HASHES = "SELECT 0, idx, leaf_hash FROM {leaves} WHERE idx IN ({marks})"
_NODE_HASHES = "SELECT level, idx, hash FROM {nodes} WHERE {cond}"

_SCHEMA = (
    (
        "CREATE TABLE IF NOT EXISTS {leaves} "
        "(idx {leaf_key}, entry {blob} NOT NULL, leaf_hash {blob} NOT NULL)"
    ),
    (
        "CREATE TABLE IF NOT EXISTS {nodes} (level SMALLINT NOT NULL, idx BIGINT NOT NULL, "
        "hash {blob} NOT NULL, PRIMARY KEY (level, idx)){no_rowid}"
    ),
    "CREATE TABLE IF NOT EXISTS {checkpoints} (size BIGINT PRIMARY KEY, note TEXT NOT NULL)",
    (
        "CREATE TABLE IF NOT EXISTS {witness} (origin TEXT PRIMARY KEY, size BIGINT NOT NULL, "
        "root_hash {blob} NOT NULL, note TEXT NOT NULL)"
    ),
)


class LogTables:
    """SQL for one node's log, in the given dialect, with tables named `<prefix>leaves` etc."""

    def __init__(self, dialect: Dialect, *, prefix: str = "cfx_log_") -> None:
        if dialect not in ("sqlite", "postgresql"):
            raise LogConfigError(f"unsupported SQL dialect {dialect!r}")
        if not _PREFIX.fullmatch(prefix):
            raise LogConfigError(f"table prefix {prefix!r} is not a plain SQL identifier")
        self.dialect = dialect
        sqlite = dialect == "sqlite"
        self._names = {
            "leaves": f"{prefix}leaves",
            "nodes": f"{prefix}nodes",
            "checkpoints": f"{prefix}checkpoints",
            "witness": f"{prefix}witness_heads",
            "blob": "BLOB" if sqlite else "BYTEA",
            "leaf_key": "INTEGER PRIMARY KEY" if sqlite else "BIGINT PRIMARY KEY",
            "no_rowid": " WITHOUT ROWID" if sqlite else "",
        }
        self._placeholder = "?" if sqlite else "%s"
        self._sql = {name: self._render(template) for name, template in _SQL.items()}
        self._lookups: dict[tuple[int, int], str] = {}
        # One advisory lock key per log, derived from its table names.
        digest = hashlib.sha256(prefix.encode()).digest()
        self._lock_key = int.from_bytes(digest[:8], "big", signed=True)

    def _render(self, template: str, **parts: str) -> str:
        sql = template.format_map({**self._names, **parts})
        return sql.replace("?", self._placeholder)

    # -- schema ------------------------------------------------------------------------------

    def create_schema(self, cur: Cursor) -> None:
        """Create the tables if missing (idempotent)."""
        for statement in _SCHEMA:
            cur.execute(self._render(statement))

    # -- append ------------------------------------------------------------------------------

    def append(self, cur: Cursor, entries: Sequence[bytes]) -> list[int]:
        """Append entries in the caller's transaction; return their leaf indices."""
        if self.dialect == "postgresql":
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (self._lock_key,))
        size = self.size(cur)
        if not entries:
            return []
        frontier = self.node_hashes(cur, frontier_nodes(size))
        leaves = [(bytes(entry), leaf_hash(entry)) for entry in entries]
        result = append_leaves(size, frontier, [h for _, h in leaves])
        cur.executemany(
            self._sql["insert_leaf"],
            [(size + i, entry, h) for i, (entry, h) in enumerate(leaves)],
        )
        inner = [(node.level, node.idx, h) for node, h in result.nodes if node.level > 0]
        if inner:
            cur.executemany(self._sql["insert_node"], inner)
        return list(range(size, result.size))

    # -- reads -------------------------------------------------------------------------------

    def size(self, cur: Cursor) -> int:
        """Number of leaves stored (the next leaf's index)."""
        cur.execute(self._sql["size"])
        row = cur.fetchone()
        return 0 if row is None or row[0] is None else int(row[0]) + 1

    def node_hashes(self, cur: Cursor, nodes: Sequence[NodeId]) -> list[bytes]:
        """Hashes of the given nodes, in order, read in one query."""
        if not nodes:
            return []
        leaf_ids = [n.idx for n in nodes if n.level == 0]
        params: list[int] = list(leaf_ids)
        for n in nodes:
            if n.level > 0:
                params.extend(n)
        cur.execute(self._lookup_sql(len(leaf_ids), len(nodes) - len(leaf_ids)), params)
        found = {(level, idx): h for level, idx, h in cur.fetchall()}
        try:
            return [bytes(found[n]) for n in nodes]
        except KeyError as exc:
            raise LogInconsistentError(f"log node {exc.args[0]} is missing") from None

    def _lookup_sql(self, leaves: int, inner: int) -> str:
        """The batch lookup for `leaves` leaf hashes and `inner` nodes (cached per shape)."""
        sql = self._lookups.get((leaves, inner))
        if sql is None:
            parts = []
            if leaves:
                parts.append(self._render(_LEAF_HASHES, marks=", ".join("?" * leaves)))
            if inner:
                cond = " OR ".join(["(level = ? AND idx = ?)"] * inner)
                parts.append(self._render(_NODE_HASHES, cond=cond))
            sql = self._lookups[(leaves, inner)] = " UNION ALL ".join(parts)
        return sql

    def _source(self, cur: Cursor) -> _CursorNodes:
        return _CursorNodes(self, cur)

    def _check_size(self, cur: Cursor, size: int) -> None:
        current = self.size(cur)
        if not 0 <= size <= current:
            raise TreeSizeError(f"tree size {size} is beyond the log size {current}")

    def _within(self, cur: Cursor, size: int, read: Callable[[_CursorNodes], list[bytes]]) -> Any:
        """Run a node read for a tree of `size`; a missing node means `size` is beyond the log
        (TreeSizeError) or, if it is not, a damaged log. Saves a size query per proof.
        """
        if size < 0:
            raise TreeSizeError(f"tree size {size} is negative")
        try:
            return read(self._source(cur))
        except LogInconsistentError:
            self._check_size(cur, size)
            raise

    def root(self, cur: Cursor, size: int) -> bytes:
        """MTH of the first `size` leaves."""
        root: bytes = self._within(cur, size, lambda src: [root_hash(size, src)])[0]
        return root

    def inclusion_proof(self, cur: Cursor, index: int, size: int) -> list[bytes]:
        """RFC 9162 §2.1.3.1 inclusion proof of leaf `index` in the tree of `size`."""
        proof: list[bytes] = self._within(cur, size, lambda s: inclusion_proof(index, size, s))
        return proof

    def consistency_proof(self, cur: Cursor, size1: int, size2: int) -> list[bytes]:
        """RFC 9162 §2.1.4.1 consistency proof from the tree of `size1` to that of `size2`."""
        proof: list[bytes] = self._within(cur, size2, lambda s: consistency_proof(size1, size2, s))
        return proof

    def entries(self, cur: Cursor, start: int, end: int) -> list[bytes]:
        """Entry bytes of leaves [start, end)."""
        self._check_size(cur, end)
        if not 0 <= start <= end:
            raise TreeSizeError(f"entry range [{start}, {end}) is not a range")
        cur.execute(self._sql["entries"], (start, end))
        rows = [bytes(row[0]) for row in cur.fetchall()]
        if len(rows) != end - start:
            raise LogInconsistentError(f"leaves [{start}, {end}) are not all stored")
        return rows

    def audit(self, cur: Cursor, size: int) -> bytes:
        """Recompute the root of `size` from the stored entries alone (O(n) time, O(log n) memory).

        Checks every stored leaf hash against its entry; the caller compares the result with a
        signed checkpoint (and with `root`, which reads the stored nodes) after a crash.
        """
        return self.audit_roots(cur, [size])[0]

    def audit_roots(self, cur: Cursor, sizes: Sequence[int]) -> list[bytes]:
        """`audit` at each of `sizes` in one scan of the leaves (e.g. the last signed size and
        the whole log), in the order given."""
        if any(size < 0 for size in sizes):
            raise TreeSizeError("tree sizes must not be negative")
        end = max(sizes, default=0)
        self._check_size(cur, end)
        wanted = set(sizes)
        roots = {0: EMPTY_ROOT}
        edge: list[tuple[int, bytes]] = []  # (level, hash) of the right edge, as in append_leaves
        for index, entry, stored in self._scan(cur, end):
            h = leaf_hash(entry)
            if h != stored:
                raise LogInconsistentError(f"leaf {index} hash does not match its entry")
            level = 0
            while edge and edge[-1][0] == level:
                h = node_hash(edge.pop()[1], h)
                level += 1
            edge.append((level, h))
            if index + 1 in wanted:
                roots[index + 1] = _fold(edge)
        return [roots[size] for size in sizes]

    def _scan(self, cur: Cursor, size: int) -> Iterator[tuple[int, bytes, bytes]]:
        query = self._sql["scan"]
        expected = 0
        for start in range(0, size, _AUDIT_BATCH):
            cur.execute(query, (start, min(size, start + _AUDIT_BATCH)))
            for idx, entry, stored in cur.fetchall():
                if int(idx) != expected:
                    raise LogInconsistentError(f"leaf {expected} is missing")
                expected += 1
                yield expected - 1, bytes(entry), bytes(stored)
        if expected != size:
            raise LogInconsistentError(f"leaf {expected} is missing")

    # -- checkpoints ---------------------------------------------------------------------------

    def save_checkpoint(self, cur: Cursor, size: int, note: str) -> None:
        """Store the signed note for `size`; a later save (e.g. with co-signatures) replaces it."""
        self._check_size(cur, size)
        cur.execute(self._sql["save_checkpoint"], (size, note))

    def claim_checkpoint(self, cur: Cursor, size: int, note: str) -> str:
        """Store `note` for `size` unless a note is stored for it; return the stored one. One
        tree size then has one checkpoint (one timestamp) whichever replica signed first."""
        cur.execute(self._sql["claim_checkpoint"], (size, note))
        return self.checkpoint_at(cur, size) or note

    def latest_checkpoint(self, cur: Cursor) -> tuple[int, str] | None:
        """(size, note) of the latest signed checkpoint, or None before the first."""
        cur.execute(self._sql["latest_checkpoint"])
        row = cur.fetchone()
        return None if row is None else (int(row[0]), str(row[1]))

    def checkpoint_at(self, cur: Cursor, size: int) -> str | None:
        """The signed checkpoint note for tree `size`, if one was signed at that size."""
        cur.execute(self._sql["checkpoint_at"], (size,))
        row = cur.fetchone()
        return None if row is None else str(row[0])

    # -- witness state -------------------------------------------------------------------------

    def save_witness_head(self, cur: Cursor, head: PeerHead) -> None:
        """Persist a peer's head (T6). A stored head never moves back to a smaller size, nor to
        another root at the same size: the first root seen for a size stays as evidence. The same
        size and root may be saved again, e.g. with more co-signatures on its note."""
        cur.execute(self._sql["save_witness"], (head.origin, head.size, head.root_hash, head.note))

    def load_witness_heads(self, cur: Cursor) -> dict[str, PeerHead]:
        """Every peer's last accepted head (T6), by origin."""
        cur.execute(self._sql["load_witness"])
        return {str(o): PeerHead(str(o), int(s), bytes(r), str(n)) for o, s, r, n in cur.fetchall()}


def _fold(edge: list[tuple[int, bytes]]) -> bytes:
    """The root over a right edge of perfect subtrees, largest first (RFC 9162 §2.1.1)."""
    acc = edge[-1][1]
    for _, h in reversed(edge[:-1]):
        acc = node_hash(h, acc)
    return acc


class _CursorNodes:
    """`NodeSource` over one cursor, for the pure proof code in merkle.py."""

    def __init__(self, tables: LogTables, cur: Cursor) -> None:
        self._tables = tables
        self._cur = cur

    def node_hashes(self, nodes: Sequence[NodeId]) -> list[bytes]:
        return self._tables.node_hashes(self._cur, nodes)
