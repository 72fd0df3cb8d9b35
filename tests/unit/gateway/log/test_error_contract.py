"""Error contract by fuzzing (T4): whatever bytes arrive as a checkpoint, verifier key, receipt,
log entry or witness state, the log code answers with a `LogError`, never a bare ValueError,
KeyError, UnicodeError or IndexError; and any change to a signed object is refused."""

import contextlib
import hashlib
import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.log.checkpoint import (
    Checkpoint,
    NoteKey,
    parse_note,
    sign_checkpoint,
    verify_checkpoint,
)
from gateway.log.entry import DatasetAccepted, decode_entry
from gateway.log.errors import LogError, MalformedEntryError
from gateway.log.merkle import MemoryTree, inclusion_proof, leaf_hash
from gateway.log.receipt import ConsistencyProof, Receipt, verify_receipt
from gateway.log.witness import heads_from_json

ORIGIN = "cfx.example/sichuan"
KEY = Ed25519PrivateKey.from_private_bytes(b"\x11" * 32)
NOTE_KEY = NoteKey(ORIGIN, KEY.public_key())
NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
FUZZ = settings(max_examples=150, deadline=None)
CREDENTIAL = b'{"id": "urn:cred:3"}'


def _entry(i: int) -> bytes:
    credential = CREDENTIAL if i == 3 else f"other {i}".encode()
    return DatasetAccepted(
        digest=hashlib.sha256(credential).digest(),
        kind="ProductFootprint",
        issuer="did:web:pv.example",
        dataset=f"datasets/{i}",
        received_at=NOW,
    ).to_bytes()


def _build() -> tuple[str, Receipt]:
    tree = MemoryTree()
    entries = [_entry(i) for i in range(11)]
    for entry in entries:
        tree.append(leaf_hash(entry))
    cp = Checkpoint(ORIGIN, 11, tree.root(), int(NOW.timestamp()))
    note = sign_checkpoint(cp, KEY, ORIGIN)
    return note, Receipt(3, 11, tuple(inclusion_proof(3, 11, tree)), note, entries[3])


NOTE, RECEIPT = _build()
NOTE_BYTES = NOTE.encode()
RECEIPT_JSON = RECEIPT.to_json()


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    """One TD-style mutation: a flipped bit, a dropped, inserted or replaced byte, truncation,
    preceding or trailing garbage. Always differs from `original`."""
    op = draw(
        st.sampled_from(["flip", "drop", "insert", "replace", "truncate", "prefix", "suffix"])
    )
    at = draw(st.integers(0, len(original) - 1))
    byte = draw(st.integers(0, 255))
    if op == "flip":
        out = original[:at] + bytes([original[at] ^ (1 << (byte % 8))]) + original[at + 1 :]
    elif op == "drop":
        out = original[:at] + original[at + 1 :]
    elif op == "insert":
        out = original[:at] + bytes([byte]) + original[at:]
    elif op == "replace":
        out = original[:at] + bytes([byte]) + original[at + 1 :]
    elif op == "truncate":
        out = original[:at]
    elif op == "prefix":
        out = draw(st.binary(min_size=1, max_size=8)) + original
    else:
        out = original + draw(st.binary(min_size=1, max_size=8))
    if out == original:
        out = original + b"\n"
    return out


def _verify_note(data: bytes | str) -> Checkpoint:
    return verify_checkpoint(data, KEY.public_key(), ORIGIN, origin=ORIGIN)


def test_the_unmutated_objects_verify():
    assert _verify_note(NOTE_BYTES).size == 11
    assert (
        verify_receipt(
            Receipt.from_json(RECEIPT_JSON), CREDENTIAL, KEY.public_key(), ORIGIN, ORIGIN
        ).size
        == 11
    )


@given(data=mutated(NOTE_BYTES))
@FUZZ
def test_any_change_to_a_signed_checkpoint_is_refused_with_a_log_error(data):
    with pytest.raises(LogError):
        _verify_note(data)


@given(text=st.text(max_size=300))
@FUZZ
def test_arbitrary_text_as_a_checkpoint_gives_a_log_error(text):
    with pytest.raises(LogError):
        _verify_note(text)
    with pytest.raises(LogError):
        _verify_note(NOTE.split("\n\n")[0] + "\n" + text)


@given(text=st.text(max_size=200))
@FUZZ
def test_arbitrary_checkpoint_body_parses_or_gives_a_log_error(text):
    try:
        cp = Checkpoint.from_note_body(text)
    except LogError:
        return
    assert cp.to_note_body() == text  # what parses is exactly one canonical body


VKEY = NOTE_KEY.to_vkey()


@given(text=st.text(max_size=120) | st.builds(lambda b: VKEY[:b], st.integers(0, len(VKEY) - 1)))
@FUZZ
def test_arbitrary_or_truncated_verifier_key_text_gives_a_log_error(text):
    with pytest.raises(LogError):
        NoteKey.from_text(text)
    with pytest.raises(LogError):
        NoteKey.from_text("-----BEGIN PUBLIC KEY-----\n" + text, ORIGIN)


@given(data=mutated(RECEIPT_JSON))
@FUZZ
def test_any_change_to_a_receipt_is_refused_or_is_the_same_receipt(data):
    try:
        receipt = Receipt.from_json(data)
    except LogError:
        return
    if receipt == RECEIPT:  # e.g. whitespace between JSON tokens: nothing that was proven changed
        return
    with pytest.raises(LogError):
        verify_receipt(receipt, CREDENTIAL, KEY.public_key(), ORIGIN, ORIGIN)


@given(data=mutated(RECEIPT.entry))
@FUZZ
def test_any_change_to_entry_bytes_is_refused_or_is_another_canonical_entry(data):
    try:
        entry = decode_entry(data)
    except MalformedEntryError:
        return
    assert entry.to_bytes() == data


@given(data=st.binary(max_size=300))
@FUZZ
def test_arbitrary_bytes_as_note_entry_receipt_or_state_give_log_errors(data):
    for parse in (parse_note, decode_entry, Receipt.from_json, heads_from_json):
        try:
            parse(data)
        except LogError:
            continue


@given(
    doc=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner),
        max_leaves=8,
    )
)
@FUZZ
def test_arbitrary_json_as_receipt_or_consistency_proof_gives_a_log_error(doc):
    for parse in (Receipt.from_dict, ConsistencyProof.from_dict):
        try:
            parse(doc)
        except LogError:
            continue
    with contextlib.suppress(LogError):
        heads_from_json(json.dumps(doc).encode())
