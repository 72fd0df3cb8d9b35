"""`cfx serve` keeps syncing (issue 12): with both nodes served by real `cfx serve` processes, a
dataset accepted at the origin is visible at the puller within a second or so (the WatchLog
stream wakes the puller's follower), and following resumes after the origin restarts."""

from __future__ import annotations

import contextlib
import signal
import socket
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from gateway.client import CfxClient, ClientError
from gateway.federation.peers import PeerSet
from gateway.process import ServerProcess, spawn_server
from tests.helpers.federation import ORIGIN_ORG, PULLER_ORG, PairDirs, prepare_pair, write_peers
from tests.integration.rpc.test_sync import fresh

# The issue asks for "within 1 s" in operation; the test bounds it generously (shared machine).
VISIBLE_WITHIN_SECONDS = 5.0
SUBMISSIONS = 50


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _stop(server: ServerProcess) -> None:
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(30)
    except Exception:
        server.process.kill()
        server.process.wait()
        raise


@contextlib.contextmanager
def _serving(node_dir: Path, listen: str = "127.0.0.1:0") -> Iterator[ServerProcess]:
    server = spawn_server(node_dir, listen=listen)
    try:
        yield server
    finally:
        if server.process.poll() is None:
            _stop(server)


def _visible_after(puller: CfxClient, name: str, started: float) -> float:
    """Seconds from `started` until the puller serves `name` (or the bound runs out)."""
    while time.perf_counter() - started < VISIBLE_WITHIN_SECONDS:
        try:
            puller.get(name)
        except ClientError as err:
            # Not there yet: an exporter cannot tell "missing" from "not yours" (G2).
            if err.code is not grpc.StatusCode.PERMISSION_DENIED:
                raise
            time.sleep(0.005)
        else:
            return time.perf_counter() - started
    pytest.fail(f"{name} not visible at the puller within {VISIBLE_WITHIN_SECONDS} s")


def _submit_and_wait(dirs: PairDirs, origin: str, puller: str, count: int) -> list[float]:
    latencies = []
    with (
        CfxClient(origin, dirs.exporter(ORIGIN_ORG)) as submitter,
        CfxClient(puller, dirs.exporter(PULLER_ORG)) as reader,
    ):
        for _ in range(count):
            raw = signed(dirs)
            name = submitter.submit(raw).dataset.name
            accepted = time.perf_counter()
            latencies.append(_visible_after(reader, name, accepted))
            assert reader.get(name).dataset.credential == raw
    return latencies


def signed(dirs: PairDirs) -> bytes:
    from tests.helpers.nodes import signed_bytes  # noqa: PLC0415

    return signed_bytes(fresh(), dirs.exporter_key)


@pytest.fixture
def dirs(tmp_path: Path) -> PairDirs:
    return prepare_pair(tmp_path)


@pytest.mark.slow
def test_an_accepted_dataset_reaches_the_serving_peer_promptly_and_after_an_origin_restart(
    dirs: PairDirs,
) -> None:
    origin_listen = f"127.0.0.1:{_free_port()}"
    write_peers(dirs.puller, PeerSet().with_peer(dirs.peer(origin_listen)))
    with _serving(dirs.origin.root, origin_listen) as origin, _serving(dirs.puller.root) as puller:
        latencies = _submit_and_wait(dirs, origin.address, puller.address, SUBMISSIONS)
        quantiles = statistics.quantiles(latencies, n=100)
        print(
            f"\nacceptance -> visibility at the peer over {SUBMISSIONS} submissions: "
            f"p50 {quantiles[49] * 1000:.0f} ms, p99 {quantiles[98] * 1000:.0f} ms, "
            f"max {max(latencies) * 1000:.0f} ms"
        )
        _stop(origin)
        # The puller retries with backoff while the origin is down, then follows again.
        with _serving(dirs.origin.root, origin_listen) as again:
            (after_restart,) = _submit_and_wait(dirs, again.address, puller.address, 1)
            print(f"after the origin's restart: visible in {after_restart * 1000:.0f} ms")
