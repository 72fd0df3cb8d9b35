"""Witnessing (T6): co-sign only consistent extensions; detect split views and rollbacks."""

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.domain import PeerHead
from gateway.log.checkpoint import (
    Checkpoint,
    NoteKey,
    parse_note,
    sign_checkpoint,
    verify_checkpoint,
)
from gateway.log.errors import (
    CheckpointSignatureError,
    RollbackError,
    SplitViewError,
    UnknownPeerError,
    WitnessStateError,
)
from gateway.log.merkle import EMPTY_ROOT, MemoryTree, consistency_proof, leaf_hash
from gateway.log.witness import Witness, heads_from_json, heads_to_json, load_heads, save_heads

PEER = "cfx.example/sichuan"
PEER_KEY = Ed25519PrivateKey.from_private_bytes(b"\x01" * 32)
WITNESS_KEY = Ed25519PrivateKey.from_private_bytes(b"\x02" * 32)
WITNESS_NAME = "cfx.example/national-witness"


def _tree(n, salt=b""):
    t = MemoryTree()
    for i in range(n):
        t.append(leaf_hash(salt + str(i).encode()))
    return t


def _note(tree, size, key=PEER_KEY, origin=PEER):
    return sign_checkpoint(Checkpoint(origin, size, tree.root(size)), key, PEER)


def _witness(heads=None):
    return Witness(
        key_name=WITNESS_NAME,
        private_key=WITNESS_KEY,
        peers={PEER: NoteKey(PEER, PEER_KEY.public_key())},
        heads=heads,
    )


def test_first_checkpoint_is_cosigned_and_remembered():
    tree, w = _tree(10), _witness()
    cosigned = w.cosign(_note(tree, 10), [])
    verify_checkpoint(cosigned, WITNESS_KEY.public_key(), WITNESS_NAME)
    verify_checkpoint(cosigned, PEER_KEY.public_key(), PEER)
    assert w.heads[PEER].size == 10
    assert w.heads[PEER].root_hash == tree.root(10)


def test_consistent_growth_is_cosigned_and_head_moves_forward():
    tree, w = _tree(40), _witness()
    w.cosign(_note(tree, 7), [])
    for old, new in ((7, 8), (8, 16), (16, 17), (17, 40)):
        w.cosign(_note(tree, new), consistency_proof(old, new, tree))
        assert w.heads[PEER].size == new


def test_same_checkpoint_again_is_cosigned_without_proof():
    tree, w = _tree(5), _witness()
    w.cosign(_note(tree, 5), [])
    w.cosign(_note(tree, 5), [])
    assert w.heads[PEER].size == 5


def test_split_view_same_size_other_root_is_detected_with_both_checkpoints():
    honest, forked, w = _tree(9), _tree(9, salt=b"fork"), _witness()
    w.cosign(_note(honest, 9), [])
    with pytest.raises(SplitViewError) as exc:
        w.cosign(_note(forked, 9), [])
    assert exc.value.reason == "SPLIT_VIEW"
    assert exc.value.previous.root_hash == honest.root(9)
    assert exc.value.presented.root_hash == forked.root(9)
    assert exc.value.presented_note == _note(forked, 9)
    assert w.heads[PEER].root_hash == honest.root(9)  # evidence kept, head unchanged


def test_rollback_to_smaller_tree_is_detected():
    tree, w = _tree(20), _witness()
    w.cosign(_note(tree, 20), [])
    with pytest.raises(RollbackError) as exc:
        w.cosign(_note(tree, 12), [])
    assert (exc.value.previous.size, exc.value.presented.size) == (20, 12)
    assert isinstance(exc.value, SplitViewError)


def test_fork_at_larger_size_fails_consistency_and_is_a_split_view():
    honest, forked, w = _tree(8), _tree(12, salt=b"fork"), _witness()
    w.cosign(_note(honest, 8), [])
    with pytest.raises(SplitViewError):
        w.cosign(_note(forked, 12), consistency_proof(8, 12, forked))
    assert w.heads[PEER].size == 8


def test_growth_without_a_proof_is_refused():
    tree, w = _tree(12), _witness()
    w.cosign(_note(tree, 8), [])
    with pytest.raises(SplitViewError):
        w.cosign(_note(tree, 12), [])


def test_growth_from_empty_tree_needs_no_proof_but_refuses_one():
    tree, w = _tree(3), _witness()
    w.cosign(sign_checkpoint(Checkpoint(PEER, 0, EMPTY_ROOT), PEER_KEY, PEER), [])
    with pytest.raises(SplitViewError):
        w.cosign(_note(tree, 3), [b"\x00" * 32])
    w.cosign(_note(tree, 3), [])


def test_checkpoint_not_signed_by_the_peer_key_is_refused_and_not_remembered():
    tree, w = _tree(4), _witness()
    with pytest.raises(CheckpointSignatureError):
        w.cosign(_note(tree, 4, key=Ed25519PrivateKey.generate()), [])
    assert PEER not in w.heads


def test_unknown_log_is_refused():
    tree, w = _tree(4), _witness()
    with pytest.raises(UnknownPeerError):
        w.cosign(_note(tree, 4, origin="cfx.example/unknown"), [])


def test_cosignature_keeps_the_peer_body_byte_identical():
    tree, w = _tree(6), _witness()
    note = _note(tree, 6)
    cosigned = w.cosign(note, [])
    assert parse_note(cosigned).text == parse_note(note).text


def test_heads_survive_the_state_file(tmp_path):
    tree, w = _tree(6), _witness()
    w.cosign(_note(tree, 6), [])
    path = tmp_path / "witness.json"
    save_heads(path, w.heads)
    assert load_heads(path) == w.heads
    restored = _witness(heads=load_heads(path))
    with pytest.raises(RollbackError):
        restored.cosign(_note(tree, 5), [])


def test_missing_state_file_is_an_empty_state(tmp_path):
    assert load_heads(tmp_path / "absent.json") == {}


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"[]",
        b'{"version": 2, "heads": {}}',
        b'{"version": 1, "heads": {"a": 1}}',
        b'{"version": 1, "heads": {"a": {"size": -1, "rootHash": "", "note": ""}}}',
        b'{"version": 1, "heads": {"a": {"size": 1, "rootHash": "!!", "note": ""}}}',
        b'{"version": 1, "heads": {"a": {"size": 1, "rootHash": "AAAA", "note": ""}}}',
        b'{"version": 1, "heads": {"a": {"size": true, "rootHash": "AAAA", "note": ""}}}',
    ],
)
def test_malformed_state_file_is_a_domain_error(data):
    with pytest.raises(WitnessStateError):
        heads_from_json(data)


def test_state_json_round_trips():
    root = hashlib.sha256(b"r").digest()
    heads = {PEER: PeerHead(PEER, 3, root, "note\n")}
    assert heads_from_json(heads_to_json(heads)) == heads
