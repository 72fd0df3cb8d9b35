"""Two nodes that pull from each other: what one node sent comes back in the other's log (as a
replica naming its origin). Taking it again must change nothing: no second copy, no refusal,
no `stored` count that says otherwise, and a status change already applied is not an error."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway.domain import DatasetStatus
from gateway.federation.links import link
from gateway.federation.peers import Peer
from gateway.federation.rounds import sync_round
from tests.helpers.federation import Pair, make_pair
from tests.helpers.nodes import example

BATTERY = "valid/product-footprint-power-battery-with-gec.json"


@pytest.fixture
def pair(tmp_path: Path, store_url: str) -> Iterator[Pair]:
    yield from make_pair(tmp_path, store_url)


@pytest.fixture
def back(pair: Pair, tmp_path: Path) -> Peer:
    """The national puller as a peer of the provincial origin: the link the other way."""
    return link(
        pair.origin.paths,
        pair.puller.paths,
        pair.puller.address,
        name="national",
        identity=tmp_path / "sichuan-at-national",
        delegate=False,
    )


def _fresh(relative: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(json.dumps(example(relative)))
    document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    document.pop("id", None)
    return document


def _public_footprint() -> dict[str, Any]:
    document = _fresh(BATTERY)
    document["credentialSubject"]["usagePolicy"] = {"shareWith": ["public"]}
    return document


def test_a_dataset_echoed_back_by_a_peer_is_not_stored_or_counted_again(
    pair: Pair, back: Peer
) -> None:
    with pair.origin.client() as client:
        name = client.submit(pair.sign(_public_footprint())).dataset.name
    (down,) = sync_round(pair.puller.node, [pair.peer])
    assert (down.outcome, down.stored, down.refused) == ("synced", 1, [])
    origin_log = pair.origin.node.store.log_size()
    (echo,) = sync_round(pair.origin.node, [back])
    assert (echo.outcome, echo.stored, echo.refused) == ("synced", 0, [])
    assert echo.already_held == 1
    assert pair.origin.node.store.log_size() == origin_log
    assert pair.origin.node.store.get_dataset(name).log_index is not None


def test_a_status_change_echoed_back_is_not_refused(pair: Pair, back: Peer) -> None:
    with pair.origin.client() as client:
        accepted = client.submit(pair.sign(_public_footprint())).dataset
        sync_round(pair.puller.node, [pair.peer])
        sync_round(pair.origin.node, [back])
        update = _fresh("valid/status-update-deprecate-footprint.json")
        update["credentialSubject"]["targetDatasetId"] = json.loads(accepted.credential)[
            "credentialSubject"
        ]["id"]
        update["credentialSubject"]["action"] = "withdraw"
        update["credentialSubject"]["usagePolicy"] = {"shareWith": ["public"]}
        client.withdraw(accepted.name, pair.sign(update))
    (down,) = sync_round(pair.puller.node, [pair.peer])
    assert (down.outcome, down.status_changes, down.refused) == ("synced", 1, [])
    (echo,) = sync_round(pair.origin.node, [back])
    assert (echo.outcome, echo.status_changes, echo.refused) == ("synced", 0, [])
    got = pair.origin.node.store.get_dataset(accepted.name)
    assert got.status is DatasetStatus.WITHDRAWN
