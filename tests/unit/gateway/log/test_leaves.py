"""Rebuilding a signed tree from a listing with hidden leaves: every way a node could hide, drop,
repeat or swap a leaf makes the root disagree with the checkpoint, and is refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.log.checkpoint import Checkpoint, NoteKey, sign_checkpoint
from gateway.log.errors import ListAnswerError
from gateway.log.leaves import ServedLeaf, verify_served_log
from gateway.log.merkle import MemoryTree, leaf_hash

ORIGIN = "example.org/cfx-log"
ENTRIES = [b"entry %d" % i for i in range(7)]
HIDDEN = {1, 4, 5}


def _signed() -> tuple[str, NoteKey]:
    key = Ed25519PrivateKey.generate()
    tree = MemoryTree()
    for e in ENTRIES:
        tree.append(leaf_hash(e))
    cp = Checkpoint(ORIGIN, tree.size, tree.root(), int(datetime.now(UTC).timestamp()))
    return sign_checkpoint(cp, key, ORIGIN), NoteKey(ORIGIN, key.public_key())


def _served() -> list[ServedLeaf]:
    return [
        ServedLeaf(i, leaf_hash(e)) if i in HIDDEN else ServedLeaf.of_entry(i, e)
        for i, e in enumerate(ENTRIES)
    ]


def test_a_listing_with_hidden_leaves_verifies_against_the_signed_root():
    note, key = _signed()
    verified = verify_served_log(note, _served(), key)
    assert verified.checkpoint.size == len(ENTRIES)
    assert verified.hidden == len(HIDDEN)
    assert set(verified.entries) == set(range(len(ENTRIES))) - HIDDEN


def _swap_hidden(leaves: list[ServedLeaf]) -> list[ServedLeaf]:
    leaves[4] = ServedLeaf(4, leaf_hash(b"another entry"))
    return leaves


def _renumber(leaves: list[ServedLeaf]) -> list[ServedLeaf]:
    return [ServedLeaf(i, leaf.leaf_hash, leaf.entry) for i, leaf in enumerate(leaves)]


@pytest.mark.parametrize(
    "attack",
    [
        pytest.param(_swap_hidden, id="hidden-leaf-hash-swapped"),
        pytest.param(lambda ls: ls[:-1], id="last-leaf-dropped"),
        pytest.param(lambda ls: ls[:3] + ls[4:], id="leaf-dropped-gap"),
        pytest.param(lambda ls: ls[:3] + ls[2:], id="leaf-repeated"),
        pytest.param(lambda ls: [*ls, ServedLeaf.of_entry(7, b"extra")], id="leaf-added"),
        pytest.param(lambda ls: _renumber(ls[:3] + ls[4:]), id="leaf-dropped-renumbered"),
        pytest.param(lambda ls: _renumber([ls[1], ls[0], *ls[2:]]), id="leaves-reordered"),
    ],
)
def test_a_listing_that_hides_drops_repeats_or_swaps_a_leaf_is_refused(
    attack: Callable[[list[ServedLeaf]], list[ServedLeaf]],
):
    note, key = _signed()
    with pytest.raises(ListAnswerError):
        verify_served_log(note, attack(_served()), key)


def test_a_leaf_hash_that_is_not_the_hash_of_its_entry_is_refused():
    with pytest.raises(ListAnswerError):
        ServedLeaf(0, leaf_hash(b"other"), b"entry 0")


def test_a_hidden_leaf_must_be_a_sha256_hash():
    with pytest.raises(ListAnswerError):
        ServedLeaf(0, b"short")
