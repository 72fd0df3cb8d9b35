"""Sync between two real nodes (real gRPC, real mTLS, SQLite and PostgreSQL on the puller):
everything a peer may send arrives byte for byte, proven; nothing else does."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from gateway._proto.cfx.v1 import dataset_pb2 as pb
from gateway.client import ClientError
from gateway.domain import DatasetKind, DatasetStatus
from gateway.federation.rounds import sync_round
from gateway.log.entry import StatusReplicated, decode_entry
from gateway.store.errors import NotFoundError
from tests.helpers.federation import Pair, make_pair
from tests.helpers.nodes import example

BATTERY = "valid/product-footprint-power-battery-with-gec.json"


@pytest.fixture
def pair(tmp_path: Path, store_url: str) -> Iterator[Pair]:
    yield from make_pair(tmp_path, store_url)


def fresh(relative: str = BATTERY, **subject: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(json.dumps(example(relative)))
    document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    document["credentialSubject"].update(subject)
    document.pop("id", None)
    return document


def submit(pair: Pair, documents: list[dict[str, Any]]) -> list[tuple[str, bytes]]:
    submitted = []
    with pair.origin.client() as client:
        for document in documents:
            raw = pair.sign(document)
            submitted.append((client.submit(raw).dataset.name, raw))
    return submitted


def test_a_second_round_stores_nothing_twice(pair: Pair) -> None:
    submit(pair, [fresh() for _ in range(3)])
    puller = pair.puller.node
    sync_round(puller, [pair.peer])
    size = puller.store.log_size()
    (again,) = sync_round(puller, [pair.peer])
    assert (again.outcome, again.stored, again.start, again.end) == ("synced", 0, 3, 3)
    assert puller.store.log_size() == size


def test_a_footprint_not_shared_with_the_pullers_role_never_arrives(pair: Pair) -> None:
    shared_with_registry = fresh(usagePolicy={"shareWith": ["registry"]})
    (hidden_name, _), (shown_name, _) = submit(pair, [shared_with_registry, fresh()])
    puller = pair.puller.node
    (summary,) = sync_round(puller, [pair.peer])
    assert (summary.outcome, summary.stored, summary.end) == ("synced", 1, 2)
    assert puller.store.find_by_digest(puller.store.get_dataset(shown_name).digest)
    with pytest.raises(NotFoundError):
        puller.store.get_dataset(hidden_name)


def test_a_withdrawal_follows_its_dataset(pair: Pair) -> None:
    document = fresh()
    ((name, _),) = submit(pair, [document])
    puller = pair.puller.node
    sync_round(puller, [pair.peer])
    update = fresh("valid/status-update-deprecate-footprint.json")
    update["credentialSubject"]["targetDatasetId"] = document["credentialSubject"]["id"]
    update["credentialSubject"]["action"] = "withdraw"
    with pair.origin.client() as client:
        client.withdraw(name, pair.sign(update))
    (summary,) = sync_round(puller, [pair.peer])
    assert (summary.outcome, summary.status_changes) == ("synced", 1)
    assert puller.store.get_dataset(name).status is DatasetStatus.WITHDRAWN
    last = puller.store.log_entries(puller.store.log_size() - 1, puller.store.log_size())[0]
    assert isinstance(decode_entry(bytes(last)), StatusReplicated)
    with pair.puller.client() as client:
        assert client.get(name).dataset.status == pb.DATASET_STATUS_WITHDRAWN


def test_a_client_that_is_not_a_node_may_not_pull(pair: Pair) -> None:
    submit(pair, [fresh()])
    with pair.origin.client("exporter") as client, pytest.raises(ClientError) as caught:
        client.pull_entries(0, 1)
    assert caught.value.code is grpc.StatusCode.PERMISSION_DENIED
    with pair.origin.client("node") as client:
        info = client.node_info()
        assert (info.organization, info.node_role) == ("sichuan", "provincial")
        page = client.pull_entries(0, 1)
    assert len(page.leaves) == 1
    assert len(page.datasets) == 1
    assert DatasetKind.PRODUCT_FOOTPRINT.value in page.leaves[0].entry.decode()
