"""Two `cfx serve` replicas over one PostgreSQL database, clients given both addresses.

Killing a replica with SIGKILL mid-load loses nothing: the clients fail over by themselves (gRPC
round_robin with health checks, retries of repeatable calls), every acknowledged submission is
in the log exactly once, the log has no gap or duplicate, every receipt verifies, and the
duties lease passes to the survivor. Both replicas serve one checkpoint per tree size.
"""

from __future__ import annotations

import json
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from gateway.cli import main
from gateway.client import CfxClient
from gateway.log.entry import DatasetAccepted, decode_entry
from gateway.log.receipt import verify_receipt
from gateway.node import load_config, load_node_key, log_identity
from gateway.process import ServerProcess, spawn_server
from gateway.rpc.convert import receipt_from_pb
from gateway.store.postgres import PostgresStore
from tests.helpers.nodes import example, signed_bytes
from tests.helpers.restartable import NodeDir, prepared

pytestmark = pytest.mark.postgres

FOOTPRINT = "valid/product-footprint-electronics-laptop.json"
CLIENTS = 4
PER_CLIENT = 30
KILL_AFTER = 30  # acknowledged submissions before one replica is killed
LEASE_TAKEOVER_S = 20.0


@dataclass(frozen=True)
class Acked:
    name: str
    credential: bytes
    receipt: Any


@pytest.fixture
def node_dir(tmp_path: Path, postgres_url: str) -> NodeDir:
    return prepared(tmp_path, postgres_url)


@pytest.fixture
def replicas(node_dir: NodeDir, tmp_path: Path) -> Iterator[list[ServerProcess]]:
    started: list[ServerProcess] = []
    try:
        for i in range(2):
            with (tmp_path / f"replica-{i}.log").open("w") as log:
                started.append(spawn_server(node_dir.paths.root, log=log))
        yield started
    finally:
        for server in started:
            if server.process.poll() is None:
                server.process.send_signal(signal.SIGTERM)
        for server in started:
            server.process.wait(10)


def _credential(node_dir: NodeDir) -> bytes:
    document = json.loads(json.dumps(example(FOOTPRINT)))
    document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    document.pop("id", None)
    return signed_bytes(document, node_dir.exporter_key)


def _lease_holder(url: str) -> str | None:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT holder FROM cfx_leases WHERE name = 'duties' AND expires_at > clock_timestamp()"
        ).fetchone()
    return None if row is None else str(row[0])


def _wait_for_holder(url: str, among: list[ServerProcess]) -> ServerProcess:
    deadline = time.monotonic() + LEASE_TAKEOVER_S
    while time.monotonic() < deadline:
        holder = _lease_holder(url) or ""
        for server in among:
            if f":{server.pid}:{server.address}:" in holder:
                return server
        time.sleep(0.2)
    pytest.fail(f"no replica of {[s.address for s in among]} holds the duties lease")


def _submitter(node_dir: NodeDir, target: str, acked: list[Acked], lock: threading.Lock) -> None:
    with CfxClient(target, node_dir.identities["exporter"], timeout=20) as client:
        for _ in range(PER_CLIENT):
            credential = _credential(node_dir)
            response = client.submit(credential)  # no retry here: the client fails over
            with lock:
                acked.append(Acked(response.dataset.name, credential, response.receipt))


def test_killing_a_replica_mid_load_loses_no_acknowledged_submission_and_moves_the_lease(
    node_dir: NodeDir, replicas: list[ServerProcess], postgres_url: str
) -> None:
    holder = _wait_for_holder(postgres_url, replicas)
    survivor = next(s for s in replicas if s is not holder)
    target = ",".join(s.address for s in replicas)
    acked: list[Acked] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            _submitter(node_dir, target, acked, lock)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    while len(acked) < KILL_AFTER and any(t.is_alive() for t in threads):
        time.sleep(0.01)
    holder.process.send_signal(signal.SIGKILL)  # the lease holder: the lease must move
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert len(acked) == CLIENTS * PER_CLIENT
    assert _wait_for_holder(postgres_url, [survivor]) is survivor

    _check_log(node_dir, postgres_url, acked)


def _check_log(node_dir: NodeDir, url: str, acked: list[Acked]) -> None:
    store = PostgresStore(url)
    try:
        size = store.log_size()
        entries = [decode_entry(e) for e in store.log_entries(0, size)]
    finally:
        store.close()
    assert len(entries) == size  # leaves 0..size-1, no gap
    named = [e.dataset for e in entries if isinstance(e, DatasetAccepted)]
    assert len(named) == len(set(named)) == size  # no duplicate
    assert sorted(a.name for a in acked) == sorted(named)  # each acknowledged one, once
    identity = log_identity(load_config(node_dir.paths), load_node_key(node_dir.paths))
    for item in acked:
        verify_receipt(
            receipt_from_pb(item.receipt),
            item.credential,
            identity.private_key.public_key(),
            identity.key_name,
            identity.origin,
        )


def test_two_replicas_serve_one_checkpoint_per_tree_size(
    node_dir: NodeDir, replicas: list[ServerProcess]
) -> None:
    identity = node_dir.identities["exporter"]
    first, second = (CfxClient(s.address, identity) for s in replicas)
    with first, second:
        for i in range(3):
            # Alternate the replica that signs first: the other must serve the same note.
            signer, reader = (first, second) if i % 2 == 0 else (second, first)
            signer.submit(_credential(node_dir))
            time.sleep(0.3)  # past the readers' checkpoint refresh interval
            note = signer.checkpoint().checkpoint
            assert reader.checkpoint().checkpoint.note == note.note
            assert note.size == i + 1


def test_cli_commands_given_both_replicas_answer_while_one_is_down(
    node_dir: NodeDir, replicas: list[ServerProcess], capsys: pytest.CaptureFixture[str]
) -> None:
    replicas[0].process.send_signal(signal.SIGKILL)
    replicas[0].process.wait(10)
    server = ",".join(s.address for s in replicas)
    cert = str(node_dir.identities["exporter"])
    credential = node_dir.paths.root.parent / "footprint.json"
    credential.write_bytes(_credential(node_dir))
    for _ in range(3):  # round_robin would send one call in two to the dead replica
        assert main(["submit", "--server", server, "--client-cert", cert, str(credential)]) == 0
        assert main(["list", "--server", server, "--client-cert", cert]) == 0
    assert "1 dataset at checkpoint size" in capsys.readouterr().out
