"""SIGTERM is bounded (issue 11, finding 5): while submissions are stuck behind another
transaction's lock (a maintenance job, a backup, another replica), `cfx serve` still exits within
shutdown_grace_seconds + 2 s, leaving their handlers behind. The store it leaves holds nothing
half-written: on PostgreSQL the stuck transaction had already appended a log leaf when it was
cut off, and that leaf is gone with it; every leaf has its dataset, every dataset its leaf, and
the tree recomputed from the leaves has the stored root."""

from __future__ import annotations

import contextlib
import hashlib
import signal
import sqlite3
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import grpc
import psycopg
import pytest

from gateway._proto.cfx.v1 import exchange_service_pb2 as ex
from gateway._proto.cfx.v1 import exchange_service_pb2_grpc as ex_grpc
from gateway.client import CfxClient
from gateway.log.entry import DatasetAccepted, decode_entry
from gateway.node import (
    NodePaths,
    NodeRole,
    add_client,
    edit_trust,
    init_node,
    load_config,
    open_node_store,
    save_config,
)
from gateway.process import ServerProcess, spawn_server
from gateway.store.model import DatasetFilter
from gateway.trust import Role
from signing.keys import PrivateKey, generate_key
from tests.helpers.nodes import EXPORTER, example, signed_bytes

GRACE_SECONDS = 1.0
BOUND_SECONDS = GRACE_SECONDS + 2.0  # the bound
STUCK_SUBMISSIONS = 3
ABANDONED = "still running after the grace period is abandoned"


def _footprint(key: PrivateKey) -> bytes:
    document = example("valid/product-footprint-electronics-laptop.json")
    document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    return signed_bytes(document, key)


def _node(root: Path) -> tuple[NodePaths, Path, PrivateKey]:
    paths = init_node(root / "node", role=NodeRole.NATIONAL, org="national")
    config = load_config(paths)
    limits = replace(config.limits, shutdown_grace_seconds=GRACE_SECONDS)
    save_config(paths, replace(config, limits=limits))
    now = datetime.now(UTC)
    identity = root / "exporter"
    add_client(paths, org=EXPORTER, role=Role.EXPORTER, out=identity, now=now)
    key = generate_key("ed25519")
    edit_trust(paths, lambda r: r.with_key(EXPORTER, Role.EXPORTER, key.did, now))
    return paths, identity, key


@contextlib.contextmanager
def _sqlite_writer_lock(paths: NodePaths, _store_url: str | None) -> Iterator[None]:
    """Hold SQLite's write lock from another connection (BEGIN IMMEDIATE), as `cfx trust revoke`
    or a backup would; the server's writers wait in SQLite's busy handler (10 s)."""
    conn = sqlite3.connect(paths.root / "cfx.sqlite3", isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield
        conn.execute("ROLLBACK")
    finally:
        conn.close()


@contextlib.contextmanager
def _postgres_table_lock(_paths: NodePaths, store_url: str | None) -> Iterator[None]:
    assert store_url is not None
    """Lock the datasets table in another transaction: the server's put takes the write lock,
    appends the log leaf, then waits to insert the dataset row, half-way through."""
    with psycopg.connect(store_url) as conn:
        conn.execute("LOCK TABLE cfx_datasets IN EXCLUSIVE MODE")
        yield
        conn.rollback()


def _wait_until_postgres_writer_waits(store_url: str) -> None:
    with psycopg.connect(store_url, autocommit=True) as conn:
        for _ in range(1000):
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE '%cfx_datasets%'"
            ).fetchone()
            if row is not None and row[0] > 0:
                return
            time.sleep(0.01)
    pytest.fail("the server's write never waited for the lock")


def _threads_in_nanosleep(pid: int) -> int:
    count = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):  # the thread ended meanwhile
            count += "nanosleep" in (task / "wchan").read_text(encoding="ascii")
    return count


def _wait_until_sqlite_writer_waits(pid: int, before: int) -> None:
    """SQLite's busy handler sleeps between attempts to take the write lock: the kernel shows
    the waiting server thread in nanosleep (Linux /proc), where an idle server has none."""
    for _ in range(1000):
        if _threads_in_nanosleep(pid) > before:
            return
        time.sleep(0.01)
    pytest.fail("the server's write never waited for the lock")


def _stop(server: ServerProcess) -> tuple[int, float]:
    started = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    try:
        code = server.process.wait(timeout=30)
    finally:
        if server.process.poll() is None:
            server.process.kill()
    return code, time.monotonic() - started


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_kind(request: pytest.FixtureRequest) -> tuple[str, str | None]:
    if request.param == "sqlite":
        return "sqlite", None
    return "postgresql", str(request.getfixturevalue("postgres_url"))


@pytest.mark.slow
def test_sigterm_with_handlers_stuck_on_a_lock_exits_within_the_bound_leaving_no_half_write(
    tmp_path: Path, store_kind: tuple[str, str | None]
):
    kind, store_url = store_kind
    paths, identity, key = _node(tmp_path)
    server_log = (tmp_path / "server.log").open("w+", encoding="utf-8")
    server = spawn_server(paths.root, store=store_url, log=server_log)
    credentials = [_footprint(key) for _ in range(STUCK_SUBMISSIONS)]
    stuck: list[grpc.Future] = []
    try:
        with CfxClient(server.address, identity, timeout=60) as client:
            first = client.submit(_footprint(key))  # the node works
            submit = ex_grpc.ExchangeServiceStub(client._channel).SubmitDataset
            hold = _sqlite_writer_lock if kind == "sqlite" else _postgres_table_lock
            idle_sleepers = _threads_in_nanosleep(server.pid)
            with hold(paths, store_url):
                stuck = [
                    submit.future(
                        ex.SubmitDatasetRequest(credential=c, request_id=str(uuid.uuid4())),
                        timeout=60,
                    )
                    for c in credentials
                ]
                if store_url is not None:
                    _wait_until_postgres_writer_waits(store_url)
                else:
                    _wait_until_sqlite_writer_waits(server.pid, idle_sleepers)
                code, elapsed = _stop(server)
    finally:
        if server.process.poll() is None:
            server.process.kill()
    server_log.seek(0)
    log_text = server_log.read()

    assert code == 0
    assert elapsed < BOUND_SECONDS, f"exited {elapsed:.1f} s after SIGTERM"
    assert ABANDONED in log_text  # the handlers were still waiting when the node left
    for call in stuck:
        assert isinstance(call.exception(timeout=30), grpc.RpcError)  # type: ignore[call-arg]
    _assert_nothing_half_written(paths, store_url, {first.dataset.name})


def _assert_nothing_half_written(paths: NodePaths, store_url: str | None, acked: set[str]) -> None:
    with open_node_store(paths, load_config(paths), store_url) as store:
        size = store.log_size()
        assert store.audit_log(size) == store.log_root(size)
        logged: dict[str, str] = {}
        for raw in store.log_entries(0, size):
            entry = decode_entry(bytes(raw))
            assert isinstance(entry, DatasetAccepted)
            logged[entry.dataset] = entry.digest.hex()
        stored, _ = store.list_datasets(DatasetFilter(), 1000)
    assert {d.name: d.digest for d in stored} == logged
    for record in stored:
        assert hashlib.sha256(record.credential).hexdigest() == record.digest
    # Only the acknowledged submission was stored; the cut-off ones left no trace.
    assert set(logged) == acked
