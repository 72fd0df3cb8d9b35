"""Fixtures of the attack suite: real nodes to attack (helpers: tests/helpers/attacks.py).

Every attack test ends in `assert_refused` (or its parts): the exact gRPC code and
`google.rpc.ErrorInfo` reason, nothing stored (log size and dataset count unchanged), the node
still answering health checks, and the refusal inside the issue's bound (issue 11: "refused in
under 2 s"). Nodes are real: `cfx init` layout, real mTLS on 127.0.0.1, real SQLite; the ones
an attack may leave busy (pyld work that ignores deadlines, handlers SIGTERM cannot stop) run
as a `cfx serve` child process that is killed afterwards, so nothing lingers in pytest.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.attacks import Node, node_of
from tests.helpers.nodes import Harness, make_node


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    yield from make_node(tmp_path_factory.mktemp("attacked"))


@pytest.fixture
def fresh_harness(tmp_path: Path) -> Iterator[Harness]:
    yield from make_node(tmp_path)


@pytest.fixture
def node(harness: Harness) -> Node:
    return node_of(harness)
