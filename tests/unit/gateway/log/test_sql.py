"""The log's SQL tables on SQLite and PostgreSQL: append in the caller's transaction, proofs."""

import hashlib
import sqlite3
import threading
from contextlib import closing

import psycopg
import pytest

from gateway.domain import PeerHead
from gateway.log.errors import LogConfigError, LogInconsistentError, TreeSizeError
from gateway.log.merkle import (
    EMPTY_ROOT,
    MemoryTree,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from gateway.log.sql import LogTables


def _entry(i):
    return f"entry-{i}".encode()


class SQLiteDB:
    dialect = "sqlite"

    def __init__(self, path):
        self.path = path
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")

    def cursor(self):
        return closing(self.conn.cursor())

    def begin(self, cur):
        cur.execute("BEGIN IMMEDIATE")

    def commit(self, cur):
        cur.execute("COMMIT")

    def rollback(self, cur):
        cur.execute("ROLLBACK")

    def reopen(self):
        return SQLiteDB(self.path)

    def close(self):
        self.conn.close()


class PostgresDB:
    dialect = "postgresql"

    def __init__(self, url):
        self.url = url
        self.conn = psycopg.connect(url, autocommit=True)

    def cursor(self):
        return self.conn.cursor()

    def begin(self, cur):
        cur.execute("BEGIN")

    def commit(self, cur):
        cur.execute("COMMIT")

    def rollback(self, cur):
        cur.execute("ROLLBACK")

    def reopen(self):
        return PostgresDB(self.url)

    def close(self):
        self.conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request, tmp_path):
    database: SQLiteDB | PostgresDB
    if request.param == "sqlite":
        database = SQLiteDB(str(tmp_path / "log.sqlite3"))
    else:
        database = PostgresDB(request.getfixturevalue("postgres_url"))
    try:
        yield database
    finally:
        database.close()


def _tables(db):
    tables = LogTables(db.dialect)
    with db.cursor() as cur:
        tables.create_schema(cur)
        tables.create_schema(cur)  # idempotent
    return tables


def _append(db, tables, entries):
    with db.cursor() as cur:
        db.begin(cur)
        indices = tables.append(cur, entries)
        db.commit(cur)
    return indices


def test_empty_log_has_size_zero_and_empty_root(db):
    tables = _tables(db)
    with db.cursor() as cur:
        assert tables.size(cur) == 0
        assert tables.root(cur, 0) == EMPTY_ROOT
        assert tables.latest_checkpoint(cur) is None


def test_appends_in_batches_match_the_in_memory_tree_and_proofs_verify(db):
    tables = _tables(db)
    reference = MemoryTree()
    start = 0
    for batch in (1, 1, 2, 5, 8, 16, 1, 33, 62):
        entries = [_entry(i) for i in range(start, start + batch)]
        assert _append(db, tables, entries) == list(range(start, start + batch))
        for e in entries:
            reference.append(leaf_hash(e))
        start += batch
    size = start
    with db.cursor() as cur:
        assert tables.size(cur) == size
        for s in (1, 2, 3, 4, 7, 8, 9, 64, 65, size):
            assert tables.root(cur, s) == reference.root(s)
        root = tables.root(cur, size)
        for index in (0, 1, 63, 64, size - 1):
            proof = tables.inclusion_proof(cur, index, size)
            verify_inclusion(leaf_hash(_entry(index)), index, size, proof, root)
        for s1 in (1, 2, 5, 64, 100, size):
            proof = tables.consistency_proof(cur, s1, size)
            verify_consistency(s1, size, proof, reference.root(s1), root)
        assert tables.entries(cur, 3, 7) == [_entry(i) for i in range(3, 7)]
        assert tables.audit(cur, size) == root
        assert tables.audit(cur, 77) == reference.root(77)


def test_rolled_back_append_leaves_no_trace(db):
    tables = _tables(db)
    _append(db, tables, [_entry(0), _entry(1), _entry(2)])
    with db.cursor() as cur:
        db.begin(cur)
        tables.append(cur, [_entry(3), _entry(4)])
        db.rollback(cur)
    with db.cursor() as cur:
        assert tables.size(cur) == 3
    # The next append reuses the indices and keeps a consistent tree.
    assert _append(db, tables, [_entry(3)]) == [3]
    reference = MemoryTree()
    for i in range(4):
        reference.append(leaf_hash(_entry(i)))
    with db.cursor() as cur:
        assert tables.root(cur, 4) == reference.root()
        assert tables.audit(cur, 4) == reference.root()


def test_state_is_recovered_by_a_new_connection(db):
    tables = _tables(db)
    _append(db, tables, [_entry(i) for i in range(10)])
    other = db.reopen()
    try:
        with other.cursor() as cur:
            assert LogTables(other.dialect).size(cur) == 10
        assert _append(other, LogTables(other.dialect), [_entry(10)]) == [10]
    finally:
        other.close()


def test_proofs_beyond_the_log_are_refused(db):
    tables = _tables(db)
    _append(db, tables, [_entry(i) for i in range(5)])
    with db.cursor() as cur:
        for call in (
            lambda: tables.root(cur, 6),
            lambda: tables.inclusion_proof(cur, 5, 5),
            lambda: tables.inclusion_proof(cur, 0, 6),
            lambda: tables.consistency_proof(cur, 2, 6),
            lambda: tables.consistency_proof(cur, 0, 5),
            lambda: tables.entries(cur, 4, 6),
            lambda: tables.entries(cur, 3, 2),
            lambda: tables.save_checkpoint(cur, 6, "note"),
        ):
            with pytest.raises(TreeSizeError):
                call()


def test_checkpoints_are_kept_per_size_and_latest_wins(db):
    tables = _tables(db)
    _append(db, tables, [_entry(i) for i in range(3)])
    with db.cursor() as cur:
        tables.save_checkpoint(cur, 2, "two\n")
        tables.save_checkpoint(cur, 3, "three\n")
        tables.save_checkpoint(cur, 3, "three cosigned\n")
        assert tables.latest_checkpoint(cur) == (3, "three cosigned\n")
        assert tables.checkpoint_at(cur, 2) == "two\n"
        assert tables.checkpoint_at(cur, 1) is None


def test_witness_heads_are_stored_per_origin(db):
    tables = _tables(db)
    root = hashlib.sha256(b"r").digest()
    with db.cursor() as cur:
        tables.save_witness_head(cur, PeerHead("a.example/log", 3, root, "n1\n"))
        tables.save_witness_head(cur, PeerHead("a.example/log", 5, root, "n2\n"))
        tables.save_witness_head(cur, PeerHead("b.example/log", 1, root, "n3\n"))
        tables.save_witness_head(cur, PeerHead("a.example/log", 4, root, "stale\n"))  # ignored
        heads = tables.load_witness_heads(cur)
    assert heads["a.example/log"] == PeerHead("a.example/log", 5, root, "n2\n")
    assert set(heads) == {"a.example/log", "b.example/log"}


def test_stored_witness_head_is_not_replaced_by_another_root_at_the_same_size(db):
    tables = _tables(db)
    root, fork = hashlib.sha256(b"r").digest(), hashlib.sha256(b"fork").digest()
    with db.cursor() as cur:
        tables.save_witness_head(cur, PeerHead("a.example/log", 5, root, "n\n"))
        tables.save_witness_head(cur, PeerHead("a.example/log", 5, fork, "forked\n"))  # ignored
        assert tables.load_witness_heads(cur)["a.example/log"].root_hash == root
        tables.save_witness_head(cur, PeerHead("a.example/log", 5, root, "n + cosig\n"))
        assert tables.load_witness_heads(cur)["a.example/log"].note == "n + cosig\n"


def test_missing_node_is_reported_as_log_inconsistency(db):
    tables = _tables(db)
    _append(db, tables, [_entry(i) for i in range(4)])
    with db.cursor() as cur:
        cur.execute("DELETE FROM cfx_log_nodes WHERE level = 2")  # simulated corruption
        with pytest.raises(LogInconsistentError):
            tables.root(cur, 4)


def test_tampered_entry_is_found_by_audit(db):
    tables = _tables(db)
    _append(db, tables, [_entry(i) for i in range(4)])
    with db.cursor() as cur:
        cur.execute(
            "UPDATE cfx_log_leaves SET entry = "
            + ("?" if db.dialect == "sqlite" else "%s")
            + " WHERE idx = 2",
            (b"forged",),
        )
        with pytest.raises(LogInconsistentError):
            tables.audit(cur, 4)


def test_concurrent_appenders_are_serialized(db):
    tables = _tables(db)
    errors = []

    def worker(w):
        conn = db.reopen()
        try:
            for i in range(10):
                with conn.cursor() as cur:
                    if conn.dialect == "sqlite":
                        cur.execute("PRAGMA busy_timeout = 10000")
                    conn.begin(cur)
                    tables.append(cur, [_entry(1000 * w + i)])
                    conn.commit(cur)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.cursor() as cur:
        size = tables.size(cur)
        assert size == 30
        assert tables.audit(cur, size) == tables.root(cur, size)


@pytest.mark.parametrize("prefix", ["", "Bad", "x; DROP TABLE y", "a-b", "9a"])
def test_unsafe_table_prefix_is_refused(prefix):
    with pytest.raises(LogConfigError):
        LogTables("sqlite", prefix=prefix)


def test_unknown_dialect_is_refused():
    with pytest.raises(LogConfigError):
        LogTables("mysql")  # type: ignore[arg-type]
