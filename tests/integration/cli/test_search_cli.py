"""`cfx search`: a table off a terminal (ASCII rules), --json, --fan-out, exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.cli import main
from tests.helpers.federation_chain import make_chain
from tests.helpers.search_net import SearchNet, extend_for_search, footprint

HS = "urn:pact:wcoomd.org:hs-code:"
SHARED = {"shareWith": ["national", "org:national"]}


@pytest.fixture
def net(tmp_path: Path) -> Iterator[SearchNet]:
    for chain in make_chain(tmp_path, None, None):
        yield from extend_for_search(tmp_path, chain, None)


def _args(net: SearchNet, *more: str) -> list[str]:
    national = net.chain.national
    return [
        "search",
        "--server",
        national.address,
        "--client-cert",
        str(national.paths.client_dir()),
        *more,
    ]


def test_cfx_search_fans_out_and_prints_json_and_a_table(
    net: SearchNet, capsys: pytest.CaptureFixture[str]
) -> None:
    synced = net.chain.submit(
        footprint(productIds=[f"{HS}8507600090"], productNameCompany="LFP Cell", usagePolicy=SHARED)
    )
    net.chain.sync_national()
    home = net.chain.submit(footprint(productIds=[f"{HS}8507100000"], usagePolicy=SHARED))
    assert main(_args(net, "--product-id", "8507", "--fan-out", "--json")) == 0
    answer = json.loads(capsys.readouterr().out)
    origins = {r["dataset"]["name"]: len(r["origins"]) for r in answer["results"]}
    assert origins == {synced: 2, home: 1}
    assert {p["peer"]: p["reason"] for p in answer["peers"]} == {
        "sichuan": "ANSWERED",
        "eu-registry": "ANSWERED",
        "rogue": "ANSWERED",
    }
    assert main(_args(net, "--name", "lfp cell")) == 0
    table = capsys.readouterr().out
    assert synced in table
    assert "LFP Cell" in table
    assert "1 result\n" in table


def test_cfx_search_refuses_a_name_too_long_with_exit_1(
    net: SearchNet, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_args(net, "--name", "x" * 101)) == 1
    assert "SEARCH_QUERY_INVALID" in capsys.readouterr().out
