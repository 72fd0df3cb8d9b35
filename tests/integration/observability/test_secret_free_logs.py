"""No secret, key or credential body in a node's log (issue 16): two real `cfx serve` processes
logging JSON take submissions, reads, refusals and a sync; then every line of both logs parses
as a JSON record with the required fields, and none holds any private key material of either
node (node key, TLS keys, client keys), the exporter's signing key, or any part of a submitted
credential's body (its proofValue, its distinctive comment)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from signing.keys import key_from_json
from tests.integration.observability.conftest import World
from tests.integration.observability.traffic import Traffic, make_traffic, wait_until_pulled

REQUIRED = {"time", "level", "logger", "event", "message"}
RPC_FIELDS = {"method", "caller", "code", "reason", "duration_ms", "request_id", "digest"}
SUBMISSIONS = 3
PEM_LINES = 3 * 8


def pem_bodies(root: Path) -> list[str]:
    """Every base64 line of every PEM private key under `root`."""
    lines = []
    for path in root.rglob("*"):
        if not path.is_file() or path.suffix not in {".pem", ".key"}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if "PRIVATE KEY-----" in text:
            lines += [ln for ln in text.splitlines() if ln and not ln.startswith("-----")]
    return lines


def secrets(world: World, traffic: Traffic) -> list[str]:
    """Strings that must appear in no log line."""
    dirs = world.dirs
    found = [*pem_bodies(dirs.root), dirs.exporter_key.secret_multibase()]
    for node in (dirs.origin, dirs.puller):
        node_key = json.loads((node.root / "node-key.json").read_text(encoding="utf-8"))
        found.append(key_from_json(node_key).secret_multibase())
    for raw in traffic.submitted:
        proof = json.loads(raw)["proof"]
        found += [p["proofValue"] for p in (proof if isinstance(proof, list) else [proof])]
    found.append(traffic.marker)  # the credential body's distinctive field value
    return found


def check_record(record: dict[str, Any]) -> None:
    assert record.keys() >= REQUIRED, record
    if record["event"] == "rpc":
        assert record.keys() >= RPC_FIELDS, record
        assert isinstance(record["duration_ms"], float | int)


@pytest.mark.slow
def test_no_log_line_holds_a_secret_and_every_line_is_a_json_record(world: World) -> None:
    traffic = make_traffic(world, SUBMISSIONS)
    wait_until_pulled(world, traffic.names)
    forbidden = secrets(world, traffic)
    # Both nodes' CA and server keys and the client identities' keys (3 base64 lines each).
    assert len(pem_bodies(world.dirs.root)) >= PEM_LINES

    lines = {
        served.log.name: served.log.read_text(encoding="utf-8").splitlines()
        for served in (world.origin, world.puller)
    }
    for log, text in lines.items():
        for line in text:
            check_record(json.loads(line))  # every line is one JSON record
            leaked = [s[:12] for s in forbidden if s in line]
            assert not leaked, f"{log}: a secret starting {leaked} in {line[:200]}"
    origin = [json.loads(line) for line in lines["origin.log"]]
    puller = [json.loads(line) for line in lines["puller.log"]]
    # What the test did is in the log: writes with their digests, the refusal, the sync.
    submits = [r for r in origin if r.get("method") == "/cfx.v1.ExchangeService/SubmitDataset"]
    assert {r["code"] for r in submits} >= {"OK", "INVALID_ARGUMENT"}
    assert all(len(r["digest"]) == 64 and r["caller"] for r in submits)
    assert any(r["event"] == "sync" and r["stored"] > 0 for r in puller)
