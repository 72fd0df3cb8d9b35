"""A list answer is bound to one checkpoint: every item verifies against that root (R6, R8)."""

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.log.checkpoint import Checkpoint, NoteKey, sign_checkpoint
from gateway.log.entry import DatasetAccepted, StatusChange, StatusChangeKind
from gateway.log.errors import (
    CheckpointFreshnessError,
    CheckpointOriginError,
    CheckpointSignatureError,
    DigestMismatchError,
    InvalidProofError,
    ListAnswerError,
    LogError,
    MalformedEntryError,
    MixAndMatchError,
)
from gateway.log.listing import ListedDataset, verify_list_answer
from gateway.log.merkle import MemoryTree, inclusion_proof, leaf_hash

ORIGIN = "cfx.example/national"
KEY = Ed25519PrivateKey.from_private_bytes(b"\x09" * 32)
NOTE_KEY = NoteKey(ORIGIN, KEY.public_key())
NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
SIZE = 40
STATUS_AT = 7  # leaf 7 records a withdrawal, not a dataset


def _credential(i):
    return json.dumps({"id": f"urn:cred:{i}", "value": str(i)}).encode()


def _name(i):
    return f"datasets/{i:04d}"


def _entry(i):
    if i == STATUS_AT:
        return StatusChange(
            change=StatusChangeKind.WITHDRAWAL,
            target=_name(3),
            new_status="withdrawn",
            reason="superseded",
            digest=hashlib.sha256(_credential(i)).digest(),
            changed_at=NOW,
        ).to_bytes()
    return DatasetAccepted(
        digest=hashlib.sha256(_credential(i)).digest(),
        kind="ProductFootprint",
        issuer="did:web:pv.example",
        dataset=_name(i),
        received_at=NOW,
    ).to_bytes()


class Log:
    def __init__(self, n):
        self.tree = MemoryTree()
        self.entries = [_entry(i) for i in range(n)]
        for entry in self.entries:
            self.tree.append(leaf_hash(entry))

    def note(self, size, key=KEY, origin=ORIGIN, at=NOW):
        cp = Checkpoint(origin, size, self.tree.root(size), int(at.timestamp()))
        return sign_checkpoint(cp, key, ORIGIN)

    def item(self, index, size):
        return ListedDataset(
            name=_name(index),
            credential=_credential(index),
            log_index=index,
            entry=self.entries[index],
            inclusion_proof=tuple(inclusion_proof(index, size, self.tree)),
        )


LOG = Log(SIZE)
ANSWER_SIZE = 30
ANSWER_NOTE = LOG.note(ANSWER_SIZE)
ANSWER = [LOG.item(i, ANSWER_SIZE) for i in (0, 5, 16, 29)]


def _verify(items, note=ANSWER_NOTE, **kw):
    return verify_list_answer(note, items, NOTE_KEY, **kw)


def test_honest_answer_verifies_and_returns_the_logged_entries():
    result = _verify(ANSWER, origin=ORIGIN, now=NOW, max_age=timedelta(hours=1))
    assert result.checkpoint.size == ANSWER_SIZE
    assert [e.dataset for e in result.entries] == [item.name for item in ANSWER]
    assert all(e.kind == "ProductFootprint" for e in result.entries)


def test_empty_answer_still_needs_a_valid_checkpoint():
    assert _verify([]).checkpoint.size == ANSWER_SIZE
    other = NoteKey(ORIGIN, Ed25519PrivateKey.generate().public_key())
    with pytest.raises(CheckpointSignatureError):
        verify_list_answer(ANSWER_NOTE, [], other)


def test_item_from_a_later_log_state_is_mix_and_match():
    # Entry 35 is genuinely in the log, proven against size 40, but the answer claims size 30.
    later = LOG.item(35, SIZE)
    with pytest.raises(MixAndMatchError, match="item 1"):
        _verify([ANSWER[0], later])


def test_item_proven_against_an_older_root_is_refused():
    # Entry 5 exists in both trees, but its audit path for size 20 does not reach the answer's root.
    older = LOG.item(5, 20)
    assert older.inclusion_proof != ANSWER[1].inclusion_proof
    with pytest.raises(InvalidProofError) as err:
        _verify([ANSWER[0], older])
    assert "item 1 of the answer" in "".join(err.value.__notes__)


def test_answer_bound_to_a_checkpoint_of_another_size_is_refused():
    # Every item is honest for size 30, the answer's checkpoint is for size 40.
    with pytest.raises(InvalidProofError):
        _verify(ANSWER, note=LOG.note(SIZE))


def test_served_bytes_swapped_between_items_are_refused():
    swapped = replace(ANSWER[1], credential=ANSWER[2].credential)
    with pytest.raises(DigestMismatchError):
        _verify([ANSWER[0], swapped])


def test_item_renamed_to_another_dataset_is_refused():
    renamed = replace(ANSWER[1], name=_name(6))
    with pytest.raises(ListAnswerError, match="not 'datasets/0006'"):
        _verify([renamed])


def test_status_change_entry_passed_off_as_a_dataset_is_refused():
    withdrawal = LOG.item(STATUS_AT, ANSWER_SIZE)
    with pytest.raises(ListAnswerError, match="not a dataset"):
        _verify([withdrawal])


@pytest.mark.parametrize("field", ["log_index", "name"])
def test_item_listed_twice_is_refused(field):
    twin = ANSWER[1] if field == "log_index" else replace(ANSWER[2], name=ANSWER[1].name)
    with pytest.raises(ListAnswerError, match="listed twice"):
        _verify([ANSWER[1], twin])


def test_non_canonical_entry_is_refused():
    spaced = replace(ANSWER[1], entry=ANSWER[1].entry.replace(b",", b", ", 1))
    with pytest.raises(MalformedEntryError):
        _verify([spaced])


def test_answer_from_another_log_or_key_is_refused():
    with pytest.raises(CheckpointOriginError):
        _verify(ANSWER, origin="cfx.example/provincial")
    with pytest.raises(CheckpointSignatureError):
        _verify(ANSWER, note=LOG.note(ANSWER_SIZE, key=Ed25519PrivateKey.generate()))


def test_answer_bound_to_a_stale_checkpoint_is_refused():
    stale = LOG.note(ANSWER_SIZE, at=NOW - timedelta(days=18))
    _verify(ANSWER, note=stale)  # fine without a freshness policy
    with pytest.raises(CheckpointFreshnessError):
        _verify(ANSWER, note=stale, now=NOW, max_age=timedelta(days=1))


def _flip(data, bit):
    out = bytearray(data)
    out[(bit // 8) % len(out)] ^= 1 << (bit % 8)
    return bytes(out)


MUTATIONS = ("proof-bit", "entry-bit", "credential-bit", "index", "proof-of-other-size", "drop")


@given(data=st.data())
@settings(max_examples=60, deadline=None)
def test_any_single_tampered_item_fails_the_whole_answer(data):
    size = data.draw(st.integers(2, SIZE), label="size")
    indices = data.draw(
        st.lists(
            st.integers(0, size - 1).filter(lambda i: i != STATUS_AT),
            min_size=1,
            max_size=6,
            unique=True,
        ),
        label="indices",
    )
    note = LOG.note(size)
    items = [LOG.item(i, size) for i in indices]
    assert len(_verify(items, note=note).entries) == len(items)

    at = data.draw(st.integers(0, len(items) - 1), label="at")
    item = items[at]
    mutation = data.draw(st.sampled_from(MUTATIONS), label="mutation")
    bit = data.draw(st.integers(0, 255), label="bit")
    if mutation == "proof-bit" and item.inclusion_proof:
        k = bit % len(item.inclusion_proof)
        proof = list(item.inclusion_proof)
        proof[k] = _flip(proof[k], bit)
        bad = replace(item, inclusion_proof=tuple(proof))
    elif mutation == "entry-bit":
        bad = replace(item, entry=_flip(item.entry, bit))
    elif mutation == "credential-bit":
        bad = replace(item, credential=_flip(item.credential, bit))
    elif mutation == "index":
        bad = replace(item, log_index=item.log_index ^ (1 << (bit % 6)))
    elif mutation == "proof-of-other-size" and item.log_index < size - 1:
        bad = replace(
            item, inclusion_proof=tuple(inclusion_proof(item.log_index, size - 1, LOG.tree))
        )
    else:  # "drop" (and the mutations that do not apply to this item): lose one proof hash
        bad = replace(item, inclusion_proof=item.inclusion_proof[1:] or (b"\x00" * 32,))
    if bad == item:
        return
    items[at] = bad
    with pytest.raises(LogError):
        _verify(items, note=note)
