"""Sync witnesses the peer (issue 12): after a verified round the puller has co-signed the
peer's checkpoint with its own log key and keeps the note, which verifies with both keys and
which the origin can collect (`cfx peers list --json`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.cli import main
from gateway.federation.rounds import sync_round
from gateway.log.checkpoint import NoteKey, open_checkpoint, require_witnesses
from gateway.log.errors import WitnessThresholdError
from tests.helpers.federation import Pair, make_pair
from tests.integration.rpc.test_sync import fresh, submit


@pytest.fixture
def pair(tmp_path: Path, store_url: str) -> Iterator[Pair]:
    yield from make_pair(tmp_path, store_url)


def _keys(pair: Pair) -> tuple[NoteKey, NoteKey]:
    origin = NoteKey.from_vkey(pair.peer.log_key)
    return origin, pair.puller.node.log.identity.note_key


def test_a_synced_peer_checkpoint_is_cosigned_by_the_puller_and_verifies_with_both_keys(
    pair: Pair,
) -> None:
    submit(pair, [fresh() for _ in range(3)])
    sync_round(pair.puller.node, [pair.peer])
    origin_key, puller_key = _keys(pair)
    head = pair.puller.node.store.load_witness_heads()[pair.peer.origin]
    checkpoint, _ = open_checkpoint(head.note, origin_key)
    assert (checkpoint.size, head.size) == (3, 3)
    assert require_witnesses(head.note, [puller_key], 1, log_key=origin_key) == (puller_key.name,)

    submit(pair, [fresh() for _ in range(2)])  # the next round co-signs the grown tree
    sync_round(pair.puller.node, [pair.peer])
    grown = pair.puller.node.store.load_witness_heads()[pair.peer.origin]
    assert open_checkpoint(grown.note, origin_key)[0].size == grown.size == 5
    require_witnesses(grown.note, [puller_key], 1, log_key=origin_key)


def test_a_checkpoint_the_puller_did_not_cosign_fails_the_witness_requirement(pair: Pair) -> None:
    submit(pair, [fresh()])
    origin_key, puller_key = _keys(pair)
    with pair.origin.client() as client:
        bare = client.checkpoint().checkpoint.note
    with pytest.raises(WitnessThresholdError):
        require_witnesses(bare, [puller_key], 1, log_key=origin_key)


def test_cfx_peers_list_hands_the_cosigned_note_to_the_origin(
    pair: Pair, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = str(pair.puller.paths.root)
    argv = ["peers", "list", "--dir", root, "--json", "--store", store_url]
    assert main(argv) == 0
    (before,) = json.loads(capsys.readouterr().out)["peers"]
    assert before["cosigned"] is None
    submit(pair, [fresh(), fresh()])
    sync_round(pair.puller.node, [pair.peer])
    assert main(argv) == 0
    (listed,) = json.loads(capsys.readouterr().out)["peers"]
    assert listed["cosigned"]["size"] == 2
    origin_key, puller_key = _keys(pair)
    require_witnesses(listed["cosigned"]["note"], [puller_key], 1, log_key=origin_key)
