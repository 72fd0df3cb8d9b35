"""`cfx sync`: one round, a per-peer summary, and exit codes 0 synced / 1 not / 2 unusable."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.cli import main
from gateway.federation.peers import PeerSet
from gateway.store.sync_state import Quarantine
from tests.helpers.federation import Pair, make_pair, write_peers
from tests.integration.rpc.test_sync import fresh, submit


def _row(table: str, peer: str = "sichuan") -> list[str]:
    """The cells of `peer`'s row in the summary table (ASCII rules off a terminal)."""
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if cells[0] == peer:
            return cells
    raise AssertionError(f"no row for {peer} in:\n{table}")


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    yield from make_pair(tmp_path)


def test_cfx_sync_prints_a_summary_per_peer_and_exits_0_when_synced(
    pair: Pair, capsys: pytest.CaptureFixture[str]
) -> None:
    submit(pair, [fresh(), fresh()])
    assert main(["sync", "--dir", str(pair.puller.paths.root), "--json"]) == 0
    (summary,) = json.loads(capsys.readouterr().out)["peers"]
    assert (summary["peer"], summary["outcome"], summary["stored"]) == ("sichuan", "synced", 2)
    assert main(["sync", "--dir", str(pair.puller.paths.root), "--peer", "sichuan"]) == 0
    assert _row(capsys.readouterr().out)[:4] == ["sichuan", "synced", "2..2", "0"]


def test_cfx_sync_exits_1_when_a_peer_cannot_be_reached(
    pair: Pair, capsys: pytest.CaptureFixture[str]
) -> None:
    down = replace(pair.peer, address="127.0.0.1:9")
    write_peers(pair.puller.paths, PeerSet(version=3, peers=(down,)))
    assert main(["sync", "--dir", str(pair.puller.paths.root)]) == 1
    assert _row(capsys.readouterr().out)[:2] == ["sichuan", "failed"]


def test_cfx_sync_of_an_unknown_peer_is_unusable_input(
    pair: Pair, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync", "--dir", str(pair.puller.paths.root), "--peer", "nobody"]) == 2
    assert "no peer is named" in capsys.readouterr().err


def test_cfx_peers_list_shows_a_quarantine_and_release_lifts_it(
    pair: Pair, capsys: pytest.CaptureFixture[str]
) -> None:
    root = str(pair.puller.paths.root)
    pair.puller.node.store.quarantine_peer(
        Quarantine(pair.peer.origin, "SPLIT_VIEW", "two roots", {"note": "x"}, datetime.now(UTC))
    )
    assert main(["sync", "--dir", root]) == 1
    assert _row(capsys.readouterr().out)[:2] == ["sichuan", "quarantined"]
    assert main(["peers", "list", "--dir", root, "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)["peers"]
    assert listed["quarantine"]["reason"] == "SPLIT_VIEW"
    assert listed["quarantine"]["evidence"] == {"note": "x"}
    assert main(["peers", "list", "--dir", root]) == 0
    assert "quarantined (SPLIT_VIEW)" in capsys.readouterr().out
    assert main(["peers", "release", "--dir", root, "--name", "sichuan"]) == 0
    assert "quarantine lifted" in capsys.readouterr().out
    assert main(["sync", "--dir", root]) == 0
