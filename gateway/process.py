"""Run `cfx serve` as a child process and learn its address: for tests, benchmarks and tools
that need a real server process (one that can be killed, signalled or measured)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from gateway.errors import GatewayError

_SERVING = re.compile(r"on (\S+:\d+)$")


class ServerStartError(GatewayError):
    """`cfx serve` exited or said nothing parseable before serving."""

    reason = "SERVER_DID_NOT_START"


@dataclass
class ServerProcess:
    """A running `cfx serve` child process and the address it serves on."""

    process: subprocess.Popen[str]
    address: str

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self.process.pid


def spawn_server(
    node_dir: Path,
    *,
    listen: str = "127.0.0.1:0",
    store: str | None = None,
    log: IO[str] | None = None,
    options: Sequence[str] = (),
) -> ServerProcess:
    """Start `cfx serve --dir node_dir` and wait for its one "serving … on HOST:PORT" line.

    `store` overrides the node's configured store URL; `options` are more `cfx serve` options
    (e.g. `--log-format json`). The server's log (stderr) goes to `log`
    when given, and is discarded otherwise.
    """
    argv = [
        sys.executable,
        "-m",
        "gateway.cli",
        "serve",
        "--dir",
        str(node_dir),
        "--listen",
        listen,
    ]
    if store is not None:
        argv += ["--store", store]
    argv += options
    process = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL if log is None else log,
        text=True,
    )
    line = process.stdout.readline().strip() if process.stdout else ""
    match = _SERVING.search(line)
    if match is None:
        process.kill()
        process.wait()
        raise ServerStartError(f"cfx serve did not start: {line!r}")
    return ServerProcess(process, match.group(1))
