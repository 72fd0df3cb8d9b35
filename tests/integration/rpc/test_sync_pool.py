"""Sync with a page's checks on worker processes (gateway.federation.check_pool), through
`cfx sync` against a real origin: the local log keeps the peer's order, refusals are the
in-thread ones, and a puller killed mid-round (SIGKILL) resumes with nothing lost or doubled
and leaves no worker behind."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from gateway.log.entry import DatasetAccepted, DatasetReplicated, decode_entry
from gateway.node import load_config, save_config
from gateway.store.base import Store
from tests.helpers.federation import Pair, make_pair
from tests.integration.rpc.test_sync import fresh, submit


@pytest.fixture
def pair(tmp_path: Path, store_url: str) -> Iterator[Pair]:
    yield from make_pair(tmp_path, store_url)


def _pool_pages(pair: Pair, page_size: int) -> None:
    """The puller checks every page of at least 2 credentials on 2 workers."""
    paths = pair.puller.paths
    config = load_config(paths)
    limits = replace(
        config.limits,
        sync_page_size=page_size,
        sync_check_processes=2,
        sync_pool_min_datasets=2,
    )
    save_config(paths, replace(config, limits=limits))


def _cfx_sync(pair: Pair, store_url: str) -> list[str]:
    command = [sys.executable, "-m", "gateway.cli", "sync", "--dir", str(pair.puller.paths.root)]
    return [*command, "--store", store_url]


def _names(store: Store, entry_type: type[DatasetAccepted | DatasetReplicated]) -> list[str]:
    entries = (decode_entry(bytes(e)) for e in store.log_entries(0, store.log_size()))
    return [e.dataset for e in entries if isinstance(e, entry_type)]


def _descendants(pid: int) -> list[int]:
    found = []
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in children.read_text(encoding="ascii").split():
            found += [int(child), *_descendants(int(child))]
    return found


def test_pooled_pages_keep_the_peers_order(pair: Pair, store_url: str) -> None:
    documents = [fresh() for _ in range(40)]
    for hidden in (5, 17, 33):  # not for a national node: the origin shows only leaf hashes
        documents[hidden] = fresh(usagePolicy={"shareWith": ["registry"]})
    submit(pair, documents)
    _pool_pages(pair, page_size=16)
    done = subprocess.run(
        _cfx_sync(pair, store_url), capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    origin_order = _names(pair.origin.node.store, DatasetAccepted)
    local = _names(pair.puller.node.store, DatasetReplicated)
    hidden_names = {origin_order[i] for i in (5, 17, 33)}
    assert local == [name for name in origin_order if name not in hidden_names]
    store = pair.puller.node.store
    indexes = [
        e.origin_index
        for e in (decode_entry(bytes(x)) for x in store.log_entries(0, store.log_size()))
        if isinstance(e, DatasetReplicated)
    ]
    assert indexes == sorted(indexes)
    assert store.peer_position(pair.peer.origin).size == 40


@pytest.mark.slow
def test_a_pooled_puller_killed_mid_round_resumes_and_leaves_no_worker(
    pair: Pair, store_url: str
) -> None:
    total = 96
    submit(pair, [fresh() for _ in range(total)])
    _pool_pages(pair, page_size=8)
    store = pair.puller.node.store
    origin = pair.peer.origin
    process = subprocess.Popen(
        _cfx_sync(pair, store_url), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while store.peer_position(origin).size < 16 and process.poll() is None:
        assert time.monotonic() < deadline, "the sync never moved"
        time.sleep(0.01)
    workers = _descendants(process.pid)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    killed_at = store.peer_position(origin).size
    assert killed_at < total, "the round finished before it could be killed"
    assert workers, "no check worker was running"
    assert len(_names(store, DatasetReplicated)) == killed_at  # position and data together

    rerun = subprocess.run(
        _cfx_sync(pair, store_url), capture_output=True, text=True, timeout=300, check=False
    )
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert store.peer_position(origin).size == total
    assert _names(store, DatasetReplicated) == _names(pair.origin.node.store, DatasetAccepted)
    deadline = time.monotonic() + 15
    while any(Path(f"/proc/{pid}").exists() for pid in workers):
        assert time.monotonic() < deadline, "a check worker outlived its killed puller"
        time.sleep(0.1)
