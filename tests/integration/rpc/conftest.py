"""Service fixtures: a real node (tests.helpers.nodes) per module, or a fresh one per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.nodes import Harness, make_node


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    yield from make_node(tmp_path_factory.mktemp("node"))


@pytest.fixture
def fresh_harness(tmp_path: Path) -> Iterator[Harness]:
    yield from make_node(tmp_path)
