"""A peer that misbehaves is quarantined with the evidence, and nothing it served is kept: a
forked log, a rollback, and a test double serving altered bytes for a real log (each a real gRPC
server with real mTLS). And a puller killed with SIGKILL mid-round resumes with nothing lost or
duplicated."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import grpc
import pytest

from gateway._proto.cfx.v1 import federation_service_pb2 as fd
from gateway.app import open_node, start
from gateway.federation.peers import PeerSet
from gateway.federation.rounds import sync_round
from gateway.log.entry import DatasetReplicated, decode_entry
from gateway.node import NodePaths, load_config, save_config
from gateway.rpc.federation import FederationServicer
from tests.helpers.federation import Pair, make_pair, serve_double, write_peers
from tests.integration.rpc.test_sync import fresh, submit


@pytest.fixture
def pair(tmp_path: Path, store_url: str) -> Iterator[Pair]:
    yield from make_pair(tmp_path, store_url)


def _repoint(pair: Pair, address: str) -> None:
    """The puller's peer entry for the origin's log, now at `address` (a newer peers.json)."""
    write_peers(pair.puller.paths, PeerSet(version=7, peers=(replace(pair.peer, address=address),)))


def _replicated(pair: Pair) -> int:
    store = pair.puller.node.store
    entries = store.log_entries(0, store.log_size())
    return sum(isinstance(decode_entry(bytes(e)), DatasetReplicated) for e in entries)


@pytest.fixture
def fork(pair: Pair, tmp_path: Path) -> Iterator[tuple[NodePaths, str]]:
    """A node with the origin's key, origin and trust but a log of its own (empty at first)."""
    root = tmp_path / "fork"
    shutil.copytree(
        pair.origin.paths.root, root, ignore=shutil.ignore_patterns("cfx.sqlite3*", "*.sock")
    )
    node = open_node(root)
    server = start(node, listen="127.0.0.1:0")
    try:
        yield NodePaths(root), f"127.0.0.1:{server.port}"
    finally:
        server.stop(0)
        node.close()


def _submit_to(pair: Pair, address: str, count: int) -> None:
    from gateway.client import CfxClient  # noqa: PLC0415

    with CfxClient(address, pair.origin.identities["exporter"]) as client:
        for _ in range(count):
            client.submit(pair.sign(fresh()))


def test_a_forked_peer_log_is_quarantined_with_both_checkpoints(
    pair: Pair, fork: tuple[NodePaths, str]
) -> None:
    submit(pair, [fresh() for _ in range(4)])
    puller = pair.puller.node
    sync_round(puller, [pair.peer])
    kept = puller.store.log_size()
    _, address = fork
    _submit_to(pair, address, 6)  # same key, same origin, another history
    _repoint(pair, address)
    (summary,) = sync_round(puller, [replace(pair.peer, address=address)])
    assert summary.outcome == "quarantined"
    quarantine = puller.store.peer_quarantines()[pair.peer.origin]
    assert quarantine.reason == "SPLIT_VIEW"
    assert "\n4\n" in quarantine.evidence["previous_checkpoint"]
    assert "\n6\n" in quarantine.evidence["presented_checkpoint"]
    assert puller.store.log_size() == kept
    assert puller.store.peer_position(pair.peer.origin).size == 4
    (again,) = sync_round(puller, [pair.peer])  # stays quarantined until released
    assert again.outcome == "quarantined"


def test_a_peer_rolling_its_log_back_is_quarantined(
    pair: Pair, fork: tuple[NodePaths, str]
) -> None:
    submit(pair, [fresh() for _ in range(4)])
    puller = pair.puller.node
    sync_round(puller, [pair.peer])
    _, address = fork
    _submit_to(pair, address, 2)
    (summary,) = sync_round(puller, [replace(pair.peer, address=address)])
    assert summary.outcome == "quarantined"
    assert puller.store.peer_quarantines()[pair.peer.origin].reason == "LOG_ROLLBACK"


class _AlteringServicer(FederationServicer):
    """A peer that serves its real log but changes the bytes of the datasets it sends."""

    def PullEntries(  # noqa: N802
        self, request: fd.PullEntriesRequest, context: grpc.ServicerContext
    ) -> fd.PullEntriesResponse:
        """The honest page, with one byte added to each dataset."""
        response = super().PullEntries(request, context)
        for dataset in response.datasets:
            dataset.credential += b" "
        return response


def test_a_peer_serving_altered_bytes_is_quarantined_and_nothing_is_kept(pair: Pair) -> None:
    submit(pair, [fresh() for _ in range(3)])
    server = serve_double(pair.origin.node, _AlteringServicer)
    try:
        puller = pair.puller.node
        size = puller.store.log_size()
        peer = replace(pair.peer, address=f"127.0.0.1:{server.port}")
        (summary,) = sync_round(puller, [peer])
    finally:
        server.stop(0)
    assert summary.outcome == "quarantined"
    quarantine = puller.store.peer_quarantines()[pair.peer.origin]
    assert quarantine.reason == "PEER_ALTERED_BYTES"
    assert quarantine.evidence["index"] == "0"
    assert puller.store.log_size() == size
    assert puller.store.peer_position(pair.peer.origin).size == 0


@pytest.mark.slow
def test_a_puller_killed_mid_round_resumes_with_nothing_lost_or_duplicated(
    pair: Pair, store_url: str
) -> None:
    total = 30
    submit(pair, [fresh() for _ in range(total)])
    paths = pair.puller.paths
    config = load_config(paths)
    save_config(paths, replace(config, limits=replace(config.limits, sync_page_size=1)))
    command = [sys.executable, "-m", "gateway.cli", "sync", "--dir", str(paths.root)]
    command += ["--store", store_url]
    store = pair.puller.node.store
    origin = pair.peer.origin
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while store.peer_position(origin).size < 3 and process.poll() is None:
        assert time.monotonic() < deadline, "the sync never moved"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    killed_at = store.peer_position(origin).size
    assert killed_at < total, "the round finished before it could be killed"
    assert _replicated(pair) == killed_at  # the position and the data moved together

    rerun = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert store.peer_position(origin).size == total
    assert _replicated(pair) == total
