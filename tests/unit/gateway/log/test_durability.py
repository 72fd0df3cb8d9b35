"""Durability and shape of the stored log: kill -9 mid-append, O(log n) reads, append-only (T5).

The crash test runs a real child process that appends batches together with a dataset row in one
transaction and reports each commit; it is killed with SIGKILL in the middle of the stream. After
reopening, the log holds exactly whole committed batches, every dataset row has its leaf and no
leaf lacks its row, the stored nodes agree with the entries, and every size a client saw still
has the root it was told, with a consistency proof to the recovered tree.
"""

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing

import psycopg
import pytest

from gateway._proto.cfx.v1 import log_service_pb2
from gateway.log import sql as log_sql
from gateway.log.merkle import MemoryTree, inclusion_proof, leaf_hash, verify_consistency
from gateway.log.sql import LogTables
from tests.helpers.paths import ROOT

BATCH = 50
ACKS_BEFORE_KILL = 12

CHILD = r"""
import hashlib, sys
from gateway.log.sql import LogTables
import os, signal
dialect, target, batch, die_at = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
if dialect == "sqlite":
    import sqlite3
    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    begin, mark, blob = "BEGIN IMMEDIATE", "?", "BLOB"
else:
    import psycopg
    conn = psycopg.connect(target, autocommit=True)
    begin, mark, blob = "BEGIN", "%s", "BYTEA"
tables = LogTables(dialect)
cur = conn.cursor()
tables.create_schema(cur)
cur.execute(f"CREATE TABLE IF NOT EXISTS crash_datasets (idx BIGINT PRIMARY KEY, digest {blob})")
insert = f"INSERT INTO crash_datasets (idx, digest) VALUES ({mark}, {mark})"
size = 0
while True:
    entries = [f"entry-{size + i}".encode() for i in range(batch)]
    cur.execute(begin)
    indices = tables.append(cur, entries)
    cur.executemany(insert, [(i, hashlib.sha256(e).digest()) for i, e in zip(indices, entries)])
    if size + batch == die_at:  # crash with the append and the dataset rows written, uncommitted
        os.kill(os.getpid(), signal.SIGKILL)
    cur.execute("COMMIT")
    size += batch
    print(size, tables.root(cur, size).hex(), flush=True)
"""


def _connect(dialect, target):
    if dialect == "sqlite":
        return sqlite3.connect(target, isolation_level=None)
    return psycopg.connect(target, autocommit=True)


def _run_and_kill(dialect, target, die_at=0):
    """Start the appender, SIGKILL it after some commits (or let it kill itself just before the
    commit that would reach `die_at`); return every (size, root) it reported."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, dialect, target, str(BATCH), str(die_at)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdout is not None
    acked: list[tuple[int, bytes]] = []
    try:
        deadline = time.monotonic() + 60
        while len(acked) < ACKS_BEFORE_KILL and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            size, root = line.split()
            acked.append((int(size), bytes.fromhex(root)))
    finally:
        child.send_signal(signal.SIGKILL)
        rest, err = child.communicate(timeout=30)
    assert len(acked) == ACKS_BEFORE_KILL, err
    assert child.returncode == -signal.SIGKILL
    for line in rest.splitlines():  # printed before the kill, not yet read: acknowledged too
        size, root = line.split()
        acked.append((int(size), bytes.fromhex(root)))
    return acked


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def crash_target(request, tmp_path):
    if request.param == "sqlite":
        return "sqlite", str(tmp_path / "crash.sqlite3")
    return "postgresql", request.getfixturevalue("postgres_url")


@pytest.mark.parametrize("when", ["during-the-stream", "just-before-commit"])
def test_kill_9_mid_append_keeps_exactly_the_committed_batches(crash_target, when):
    dialect, target = crash_target
    die_at = (ACKS_BEFORE_KILL + 1) * BATCH if when == "just-before-commit" else 0
    acked = _run_and_kill(dialect, target, die_at)
    last_acked = acked[-1][0]
    tables = LogTables(dialect)
    with closing(_connect(dialect, target)) as conn, closing(conn.cursor()) as cur:
        size = tables.size(cur)
        # Whole batches only: at most one more commit than was reported before the kill; none
        # when the process died between writing and committing.
        assert size in ({last_acked} if die_at else {last_acked, last_acked + BATCH})
        # Dataset rows and leaves were written atomically: one row per leaf, same digest.
        cur.execute("SELECT idx, digest FROM crash_datasets ORDER BY idx")
        rows = [(int(i), bytes(d)) for i, d in cur.fetchall()]
        entries = tables.entries(cur, 0, size)
        assert rows == [(i, hashlib.sha256(e).digest()) for i, e in enumerate(entries)]
        # The stored subtree nodes agree with the entries, and history was not rewritten.
        assert tables.audit(cur, size) == tables.root(cur, size)
        for seen_size, seen_root in acked:
            assert tables.root(cur, seen_size) == seen_root
            if seen_size < size:
                proof = tables.consistency_proof(cur, seen_size, size)
                verify_consistency(seen_size, size, proof, seen_root, tables.root(cur, size))
    # The log carries on where it stopped.
    with closing(_connect(dialect, target)) as conn, closing(conn.cursor()) as cur:
        cur.execute("BEGIN IMMEDIATE" if dialect == "sqlite" else "BEGIN")
        assert tables.append(cur, [b"after the crash"]) == [size]
        cur.execute("COMMIT")


# -- O(log n): a proof reads a few nodes in one query, never the whole log -----------------------


class CountingSource:
    def __init__(self, tree):
        self.tree = tree
        self.asked = 0

    def node_hashes(self, nodes):
        self.asked += len(nodes)
        return self.tree.node_hashes(nodes)


def test_proof_generation_reads_logarithmically_many_nodes():
    tree = MemoryTree()
    for i in range(5000):
        tree.append(leaf_hash(f"e{i}".encode()))
    source = CountingSource(tree)
    for size in (17, 1024, 1025, 4999, 5000):
        for index in (0, size // 2, size - 1):
            source.asked = 0
            proof = inclusion_proof(index, size, source)
            # One node per proof hash except the ragged right subtree, at most log2(n) more.
            assert source.asked <= len(proof) + size.bit_length()


def test_sqlite_proof_is_one_query_of_few_rows(tmp_path):
    tables = LogTables("sqlite")
    conn = sqlite3.connect(tmp_path / "log.sqlite3", isolation_level=None)
    with closing(conn), closing(conn.cursor()) as cur:
        tables.create_schema(cur)
        cur.execute("BEGIN IMMEDIATE")
        tables.append(cur, [f"e{i}".encode() for i in range(3000)])
        cur.execute("COMMIT")
        statements: list[str] = []
        conn.set_trace_callback(statements.append)
        proof = tables.inclusion_proof(cur, 1234, 2999)
        conn.set_trace_callback(None)
    assert len(statements) == 1
    assert len(proof) <= 2 * (2999).bit_length()


# -- append-only (T5): no way to delete or rewrite leaves -----------------------------------------


def test_log_api_has_only_read_rpcs():
    methods = set(log_service_pb2.DESCRIPTOR.services_by_name["LogService"].methods_by_name)
    assert methods == {
        "GetCheckpoint",
        "GetInclusionProof",
        "GetConsistencyProof",
        "ListLogEntries",
    }


def test_log_tables_offer_no_delete_or_rewrite_of_leaves_or_nodes():
    public = {name for name in dir(LogTables) if not name.startswith("_")}
    assert not {n for n in public if any(w in n for w in ("delete", "remove", "update", "set"))}
    for name, statement in log_sql._SQL.items():
        text = statement.upper()
        assert "DELETE" not in text, name
        assert "TRUNCATE" not in text, name
        if "{LEAVES}" in text or "{NODES}" in text:
            assert "UPDATE" not in text, name
