"""Two real `cfx serve` processes (an origin and a national node following it), each logging
JSON to a file and serving metrics on a loopback port: shared by this package's tests, which
measure what their own traffic changed."""

from __future__ import annotations

import json
import signal
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gateway.federation.peers import PeerSet
from gateway.process import ServerProcess, spawn_server
from tests.helpers.federation import PairDirs, prepare_pair, write_peers

OPTIONS = ("--log-format", "json", "--metrics-listen", "127.0.0.1:0")


@dataclass(frozen=True)
class Served:
    """One node's server process, its log file and its metrics URL."""

    process: ServerProcess
    log: Path
    metrics_url: str

    def records(self) -> list[dict[str, Any]]:
        """Every log line so far, parsed (a line that is not JSON fails the test)."""
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines()]


@dataclass(frozen=True)
class World:
    """The pair's directories and both served nodes."""

    dirs: PairDirs
    origin: Served
    puller: Served


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(root: Path, log: Path, listen: str = "127.0.0.1:0") -> Served:
    with log.open("w", encoding="utf-8") as sink:  # the child keeps its own descriptor
        process = spawn_server(root, listen=listen, log=sink, options=OPTIONS)
    served = Served(process, log, "")
    (serving,) = [r for r in served.records() if r["event"] == "serving"]
    return Served(process, log, str(serving["metrics"]))


def _stop(served: Served) -> None:
    process = served.process.process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.fixture(scope="package")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The origin (no peers) and the puller following it, both served until the package ends."""
    dirs = prepare_pair(tmp_path_factory.mktemp("observability"))
    origin_listen = f"127.0.0.1:{_free_port()}"
    write_peers(dirs.puller, PeerSet().with_peer(dirs.peer(origin_listen)))
    origin = _serve(dirs.origin.root, dirs.root / "origin.log", origin_listen)
    try:
        puller = _serve(dirs.puller.root, dirs.root / "puller.log")
        try:
            yield World(dirs, origin, puller)
        finally:
            _stop(puller)
    finally:
        _stop(origin)
