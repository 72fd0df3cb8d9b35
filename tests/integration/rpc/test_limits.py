"""Limits from NODE/config.json reach the service: page size cap and watch-stream lifetime."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from gateway._proto.cfx.v1 import exchange_service_pb2 as ex
from gateway.node import NodePaths, load_config, save_config
from tests.helpers.nodes import Harness, example, make_node


@pytest.fixture
def tight(tmp_path: Path) -> Iterator[Harness]:
    def configure(paths: NodePaths) -> None:
        config = load_config(paths)
        limits = replace(config.limits, max_page_size=2, max_deadline_seconds=1.0)
        save_config(paths, replace(config, limits=limits))

    yield from make_node(tmp_path, configure=configure)


def _submit_some(h: Harness, n: int) -> None:
    with h.client() as client:
        for _ in range(n):
            document = example("valid/product-footprint-electronics-laptop.json")
            document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
            client.submit(h.sign(document))


def test_page_size_is_capped_by_the_node(tight: Harness):
    _submit_some(tight, 3)
    with tight.client() as client:
        page = client.list(ex.ListDatasetsRequest(page_size=100))
    assert len(page.datasets) == 2
    assert page.next_page_token


def test_watch_stream_ends_after_the_node_deadline_and_resumes_from_an_index(tight: Harness):
    _submit_some(tight, 2)
    started = time.monotonic()
    with tight.client() as client:
        first = list(client.watch(0, timeout=30))
        resumed = list(client.watch(first[-1].log_index + 1, timeout=30))
    assert [c.log_index for c in first] == [0, 1]
    assert resumed == []
    # Both streams ended on the node's 1 s limit, long before the clients' 30 s deadlines.
    assert time.monotonic() - started < 20
