"""`cfx serve --pact-listen A --web-listen A`: one listener, one app. The PACT token endpoint and
the web page answer over HTTPS on the one port, each request is one JSON `http` log line, and
SIGTERM stops every listener within the shutdown bound (issue 11: grace + 2 s)."""

from __future__ import annotations

import json
import signal
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.node import NodePaths, NodeRole, init_node, load_config, save_config
from gateway.pact.clients import ClientStore
from gateway.process import ServerProcess, spawn_server

GRACE_SECONDS = 1.0
BOUND_SECONDS = GRACE_SECONDS + 2.0
CLIENT, SECRET = "buyer-client", "buyer-secret-0123456789"
SHARED = "127.0.0.1:0"  # both flags name the same address: one listener on one free port


@dataclass
class Served:
    paths: NodePaths
    server: ServerProcess
    log: Path
    url: str
    announced: str

    def http(self) -> httpx.Client:
        trust = ssl.create_default_context(cafile=str(self.paths.ca_cert))
        return httpx.Client(base_url=self.url, verify=trust, timeout=10)

    def records(self, event: str) -> list[dict[str, Any]]:
        lines = self.log.read_text(encoding="utf-8").splitlines()
        return [r for r in map(json.loads, lines) if r["event"] == event]

    def requests(self, path: str, wait: float = 5.0) -> list[dict[str, Any]]:
        """The `http` lines of `path`, once one is written (the line follows the response)."""
        end = time.monotonic() + wait
        while not (lines := [r for r in self.records("http") if r["path"] == path]):
            if time.monotonic() > end:
                break
            time.sleep(0.05)
        return lines


def _node(root: Path) -> NodePaths:
    paths = init_node(root / "node", role=NodeRole.NATIONAL, org="national")
    config = load_config(paths)
    limits = replace(config.limits, shutdown_grace_seconds=GRACE_SECONDS)
    save_config(paths, replace(config, limits=limits))
    ClientStore(paths.root).add(CLIENT, "acme-buyer", SECRET)
    return paths


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    paths = _node(tmp_path)
    log = tmp_path / "serve.log"
    options = ("--log-format", "json", "--pact-listen", SHARED, "--web-listen", SHARED)
    with log.open("w", encoding="utf-8") as sink:
        server = spawn_server(paths.root, log=sink, options=options)
    process = server.process
    try:
        assert process.stdout is not None
        announced = process.stdout.readline().strip()
        url = announced.rpartition(" on ")[2]
        yield Served(paths, server, log, url, announced)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def _stop_within_bound(process: subprocess.Popen[str]) -> float:
    began = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(BOUND_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"cfx serve still running {BOUND_SECONDS} s after SIGTERM")
    return time.monotonic() - began


def test_pact_and_the_page_share_one_https_port(served: Served) -> None:
    assert served.announced.startswith("cfx: web page and PACT v3 on https://127.0.0.1:")
    (serving,) = served.records("serving")
    assert serving["http"] == {"web page and PACT v3": served.url}
    with served.http() as http:
        token = http.post(
            "/auth/token", data={"grant_type": "client_credentials"}, auth=(CLIENT, SECRET)
        )
        page = http.get("/")
        unknown_pact = http.get("/3/no-such-thing")  # the facade's own error body
        unknown_page = http.get("/no-such-page")  # a path nobody claims: the page's 404
    assert token.status_code == 200, token.text
    assert token.json()["token_type"] == "Bearer"
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert unknown_pact.status_code == 404
    assert unknown_pact.json()["code"] == "NotFound"
    assert unknown_page.status_code == 404
    for path, status in [("/auth/token", 200), ("/", 200), ("/3/no-such-thing", 404)]:
        (line,) = served.requests(path)
        assert (line["method"], line["status"], line["level"]) == (
            "POST" if path == "/auth/token" else "GET", status, "info")  # fmt: skip
        assert line["logger"] == "cfx.http"
        assert SECRET not in json.dumps(line)


def test_sigterm_stops_every_listener_within_the_bound(served: Served) -> None:
    with served.http() as http:
        assert http.get("/").status_code == 200  # a kept-alive connection stays open
        _stop_within_bound(served.server.process)
        with pytest.raises(httpx.TransportError):
            http.get("/", headers={"Connection": "close"})
    assert served.server.process.returncode == 0
    lines = served.log.read_text(encoding="utf-8")
    assert "abandoned" not in lines  # every listener ended in its grace, nothing left behind
