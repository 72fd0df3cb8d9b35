"""`cfx submit` prints the warnings the node returned with an accepted dataset (Dataset.warnings),
one per line as `cfx validate` prints them, so a kept finding is not lost on the submitter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.cli import main
from tests.helpers.nodes import Harness, example, make_node
from tests.helpers.schemas_data import BATTERY

_GRID = "/credentialSubject/electricity/gridFactor"


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Harness]:
    yield from make_node(tmp_path)


def test_submit_prints_the_warnings_the_node_kept(
    node: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The battery footprint cites the Sichuan factor, which this node does not hold (a warning).
    signed = tmp_path / "battery.json"
    signed.write_bytes(node.sign(example(BATTERY)))
    remote = ["--server", node.address, "--client-cert", str(node.identities["exporter"])]
    assert main(["submit", *remote, str(signed)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith(", 1 warning)"), out
    assert out[1].startswith(f"  {_GRID}/factorId  UNKNOWN_FACTOR  warning: no EmissionFactor")
