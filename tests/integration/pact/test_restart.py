"""PACT requests survive a restart of the node: kept in the store, answered by the owner's
`cfx request fulfil` after the restart with exactly one call-back, and auto-rejected on the
clock of their stored creation time, not of the restart."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gateway.app import open_node, start
from gateway.cli import main
from gateway.http.server import HttpServer
from gateway.pact.events import REQUEST_CREATED
from gateway.pact.outbox import REQUEST_FULFILLED, REQUEST_REJECTED, answer_event_id
from gateway.times import utc_now
from tests.helpers.nodes import EXPORTER, Harness
from tests.helpers.restartable import NodeDir, prepared
from tests.integration.pact.conftest import (
    BUYER_ORG,
    Pact,
    Receiver,
    event_of,
    partner_of,
    post_event,
    serve,
    shared,
    source_of,
)

PRODUCT = "urn:gtin:05000000000005"


@pytest.fixture
def node_dir(tmp_path: Path, store_url: str) -> NodeDir:
    return prepared(tmp_path, store_url)


class Clock:
    """The node's clock, moved by the test (the auto-reject deadline without sleeping)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return utc_now() + self.offset


@contextmanager
def running(
    node_dir: NodeDir, receiver: HttpServer, clock: Clock, auto_reject_after: float
) -> Iterator[Pact]:
    """The node and its PACT facade started (again) on `node_dir`, the buyer's partner
    endpoint configured; everything in memory goes when it ends."""
    node = open_node(node_dir.paths.root, clock=clock)
    server = start(node, listen="127.0.0.1:0")
    harness = Harness(node_dir.paths, node, server, node_dir.exporter_key, node_dir.identities)
    try:
        for pact in serve(harness, auto_reject_after=auto_reject_after):
            partner_of(pact, receiver)
            yield pact
    finally:
        server.stop(0)
        node.close()


@pytest.fixture
def partner(node_dir: NodeDir) -> Iterator[tuple[Receiver, HttpServer]]:
    receiver = Receiver()
    server = receiver.serve(node_dir.paths)
    try:
        yield receiver, server
    finally:
        server.stop()


def _cfx(pact: Pact, capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, Any]]:
    common = ["--server", pact.harness.address, "--client-cert"]
    common += [str(pact.harness.identities["exporter"]), "--json"]
    capsys.readouterr()
    assert main([*argv, *common]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_a_request_kept_across_a_restart_is_fulfilled_by_the_owner_with_one_callback(
    node_dir: NodeDir,
    partner: tuple[Receiver, HttpServer],
    capsys: pytest.CaptureFixture[str],
) -> None:
    receiver, endpoint = partner
    clock = Clock()
    created = event_of(REQUEST_CREATED, {"productId": [PRODUCT]}, source_of(endpoint))
    with running(node_dir, endpoint, clock, 3600) as pact:
        pact.submit("unshared", productIds=[PRODUCT])  # the owner's, not shared with the buyer
        assert post_event(pact, created).status_code == 200
        listed = _cfx(pact, capsys, "request", "list", "--view", "owner")
        assert [(r["owner"], r["requester"]) for r in listed] == [(EXPORTER, BUYER_ORG)]
        assert listed[0]["criteria"]["product_id"] == PRODUCT
    assert not receiver.arrived.is_set()
    with running(node_dir, endpoint, clock, 3600) as pact:
        assert post_event(pact, created).status_code == 200  # retried: still one request
        shareable = pact.submit(
            "shared", productIds=[PRODUCT], usagePolicy=shared(f"org:{BUYER_ORG}")
        )
        name = _cfx(pact, capsys, "request", "list", "--view", "owner")[0]["name"]
        dataset = pact.harness.node.store.datasets_with_id(f"urn:uuid:{shareable}")[0].name
        answered = _cfx(pact, capsys, "request", "fulfil", name, dataset)
        assert answered[0]["state"] == "REQUEST_STATE_FULFILLED"
        assert receiver.arrived.wait(10)
        time.sleep(0.5)  # a second call-back would have arrived by now
    assert len(receiver.events) == 1
    event = receiver.events[0]
    assert (event["type"], event["id"]) == (REQUEST_FULFILLED, answer_event_id(name))
    assert event["data"]["requestEventId"] == created["id"]
    assert [pf["id"] for pf in event["data"]["pfs"]] == [shareable]


def test_the_auto_reject_deadline_counts_from_the_stored_creation_not_the_restart(
    node_dir: NodeDir, partner: tuple[Receiver, HttpServer]
) -> None:
    receiver, endpoint = partner
    clock = Clock()
    created = event_of(REQUEST_CREATED, {"productId": [PRODUCT]}, source_of(endpoint))
    with running(node_dir, endpoint, clock, 3600) as pact:
        assert post_event(pact, created).status_code == 200
    clock.offset = timedelta(minutes=59)  # down for 59 minutes
    with running(node_dir, endpoint, clock, 3600) as pact:
        pact.host.outbox.round()
        assert not receiver.arrived.wait(0.5)  # 59 min after creation: still open
        clock.offset = timedelta(minutes=61)  # 2 minutes after the restart, 61 after creation
        pact.host.outbox.wake()
        assert receiver.arrived.wait(10)
        time.sleep(0.5)
    assert [e["type"] for e in receiver.events] == [REQUEST_REJECTED]
    assert receiver.events[0]["data"]["requestEventId"] == created["id"]
    assert receiver.events[0]["data"]["error"]["code"] == "NotFound"
