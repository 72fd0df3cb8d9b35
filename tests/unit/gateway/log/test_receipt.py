"""Receipts: offline checks of credential bytes + receipt + node key (R6, R8, T2)."""

import base64
import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.log.checkpoint import Checkpoint, cosign_note, sign_checkpoint
from gateway.log.entry import DatasetAccepted, StatusChange, StatusChangeKind
from gateway.log.errors import (
    CheckpointFreshnessError,
    CheckpointOriginError,
    CheckpointSignatureError,
    DigestMismatchError,
    InvalidProofError,
    LogError,
    MalformedEntryError,
    MalformedReceiptError,
    MixAndMatchError,
)
from gateway.log.merkle import MemoryTree, consistency_proof, inclusion_proof, leaf_hash
from gateway.log.receipt import (
    ConsistencyProof,
    Receipt,
    verify_bound_receipts,
    verify_checkpoint_growth,
    verify_receipt,
)

ORIGIN = "cfx.example/national"
KEY_NAME = "cfx.example/national"
NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
KEY = Ed25519PrivateKey.from_private_bytes(b"\x07" * 32)


def _credential(i):
    return json.dumps({"id": f"urn:cred:{i}", "value": str(i)}).encode()


def _entry(i):
    return DatasetAccepted(
        digest=hashlib.sha256(_credential(i)).digest(),
        kind="ProductFootprint",
        issuer="did:web:pv.example",
        dataset=f"urn:cred:{i}",
        received_at=NOW,
    ).to_bytes()


class Log:
    def __init__(self, n):
        self.tree = MemoryTree()
        self.entries = []
        for i in range(n):
            self.entries.append(_entry(i))
            self.tree.append(leaf_hash(self.entries[-1]))

    def note(self, size=None, key=KEY, origin=ORIGIN):
        size = self.tree.size if size is None else size
        cp = Checkpoint(origin, size, self.tree.root(size), int(NOW.timestamp()))
        return sign_checkpoint(cp, key, KEY_NAME)

    def receipt(self, index, size=None, note=None):
        size = self.tree.size if size is None else size
        return Receipt(
            log_index=index,
            tree_size=size,
            inclusion_proof=tuple(inclusion_proof(index, size, self.tree)),
            checkpoint_note=note or self.note(size),
            entry=self.entries[index],
        )


@pytest.fixture(scope="module")
def log():
    return Log(21)


def _verify(receipt, credential, **kw):
    return verify_receipt(receipt, credential, KEY.public_key(), KEY_NAME, ORIGIN, **kw)


@pytest.mark.parametrize("index", [0, 1, 7, 16, 20])
def test_receipt_verifies_offline_and_returns_its_checkpoint(log, index):
    cp = _verify(log.receipt(index), _credential(index))
    assert (cp.origin, cp.size) == (ORIGIN, 21)


def test_receipt_survives_json_round_trip(log):
    receipt = log.receipt(5)
    assert Receipt.from_json(json.dumps(receipt.to_dict())) == receipt
    assert Receipt.from_json(receipt.to_json()) == receipt


def test_served_bytes_not_matching_the_logged_digest_are_refused(log):
    tampered = _credential(3).replace(b'"3"', b'"4"')
    with pytest.raises(DigestMismatchError):
        _verify(log.receipt(3), tampered)


def test_receipt_for_another_credential_is_refused(log):
    with pytest.raises(DigestMismatchError):
        _verify(log.receipt(3), _credential(4))


def test_receipt_with_entry_swapped_for_another_leaf_fails_inclusion(log):
    swapped = replace(log.receipt(3), entry=log.entries[4])
    with pytest.raises(InvalidProofError):
        _verify(swapped, _credential(4))


def test_receipt_whose_size_differs_from_its_checkpoint_is_refused(log):
    receipt = log.receipt(3)
    with pytest.raises(InvalidProofError):
        _verify(replace(receipt, tree_size=20), _credential(3))


def test_receipt_against_a_checkpoint_of_another_size_is_refused(log):
    receipt = replace(log.receipt(3), checkpoint_note=log.note(20))
    with pytest.raises(InvalidProofError):
        _verify(receipt, _credential(3))


def test_receipt_signed_by_another_key_is_refused(log):
    receipt = log.receipt(3, note=log.note(key=Ed25519PrivateKey.generate()))
    with pytest.raises(CheckpointSignatureError):
        _verify(receipt, _credential(3))


def test_receipt_from_another_log_is_refused(log):
    receipt = log.receipt(3, note=log.note(origin="cfx.example/other"))
    with pytest.raises(CheckpointOriginError):
        _verify(receipt, _credential(3))


def test_receipt_with_stale_checkpoint_is_refused_by_max_age(log):
    receipt = log.receipt(3)
    _verify(receipt, _credential(3), now=NOW, max_age=timedelta(days=1))
    with pytest.raises(CheckpointFreshnessError):
        _verify(receipt, _credential(3), now=NOW + timedelta(days=18), max_age=timedelta(days=1))


def test_receipt_with_non_canonical_entry_is_refused(log):
    receipt = replace(log.receipt(3), entry=log.entries[3].replace(b",", b", "))
    with pytest.raises(MalformedEntryError):
        _verify(receipt, _credential(3))


def test_receipt_with_flipped_proof_bit_is_refused(log):
    receipt = log.receipt(6)
    proof = list(receipt.inclusion_proof)
    proof[1] = bytes([proof[1][0] ^ 0x10]) + proof[1][1:]
    with pytest.raises(InvalidProofError):
        _verify(replace(receipt, inclusion_proof=tuple(proof)), _credential(6))


def test_cosigned_checkpoint_still_verifies(log):
    note = cosign_note(log.note(), Ed25519PrivateKey.generate(), "witness.example/w")
    _verify(log.receipt(2, note=note), _credential(2))


# -- List answers bound to one checkpoint (R6) ------------------------------------------------


def test_list_answer_bound_to_one_checkpoint_verifies(log):
    note = log.note()
    items = [(log.receipt(i, note=note), _credential(i)) for i in (0, 5, 20)]
    cp = verify_bound_receipts(note, items, KEY.public_key(), KEY_NAME, ORIGIN)
    assert cp.size == 21


def test_list_answer_mixing_checkpoints_is_refused(log):
    note = log.note()
    items = [
        (log.receipt(0, note=note), _credential(0)),
        (log.receipt(5, size=20), _credential(5)),  # valid on its own, but another checkpoint
    ]
    with pytest.raises(MixAndMatchError):
        verify_bound_receipts(note, items, KEY.public_key(), KEY_NAME, ORIGIN)


def test_list_item_with_unreadable_checkpoint_is_mix_and_match(log):
    note = log.note()
    items = [(replace(log.receipt(0, note=note), checkpoint_note="garbage"), _credential(0))]
    with pytest.raises(MixAndMatchError):
        verify_bound_receipts(note, items, KEY.public_key(), KEY_NAME, ORIGIN)


def test_list_item_with_proof_for_another_root_is_refused(log):
    # The item names the shared checkpoint, but its audit path is the one for size 20.
    note = log.note()
    good = log.receipt(4, note=note)
    forged = replace(good, inclusion_proof=tuple(inclusion_proof(4, 20, log.tree)))
    assert forged.inclusion_proof != good.inclusion_proof
    with pytest.raises(InvalidProofError):
        verify_bound_receipts(note, [(forged, _credential(4))], KEY.public_key(), KEY_NAME, ORIGIN)


# -- error contract -----------------------------------------------------------------------------


def _dict(log):
    return log.receipt(1).to_dict()


ZERO_HASH_B64 = base64.b64encode(b"\x00" * 32).decode()
MALFORMED = {
    "not-object": lambda d: [],
    "missing-field": lambda d: {k: v for k, v in d.items() if k != "entry"},
    "extra-field": lambda d: {**d, "x": 1},
    "negative-index": lambda d: {**d, "logIndex": -1},
    "bool-index": lambda d: {**d, "logIndex": True},
    "string-size": lambda d: {**d, "treeSize": "21"},
    "proof-not-list": lambda d: {**d, "inclusionProof": "abc"},
    "proof-item-not-base64": lambda d: {**d, "inclusionProof": ["%%%"]},
    "proof-item-number": lambda d: {**d, "inclusionProof": [5]},
    "proof-too-long": lambda d: {
        **d,
        "inclusionProof": [base64.b64encode(b"\x00" * 32).decode()] * 65,
    },
    "entry-unpadded": lambda d: {**d, "entry": d["entry"].rstrip("=") + "A"},
    "checkpoint-not-string": lambda d: {**d, "checkpoint": 1},
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_receipt_is_a_domain_error(log, name):
    with pytest.raises(MalformedReceiptError):
        Receipt.from_dict(MALFORMED[name](_dict(log)))


@pytest.mark.parametrize("data", [b"", b"{", b'{"a":1,"a":2}', b"[1]", b"\xff"])
def test_malformed_receipt_json_is_a_domain_error(data):
    with pytest.raises(MalformedReceiptError):
        Receipt.from_json(data)


def test_receipt_with_garbage_checkpoint_gives_log_error(log):
    with pytest.raises(LogError):
        _verify(replace(log.receipt(1), checkpoint_note="\u2014\n\n"), _credential(1))


# -- checkpoint growth (T3) ---------------------------------------------------------------------


def _growth(log, old, new, proof):
    return verify_checkpoint_growth(
        log.note(old), log.note(new), proof, public_key=KEY.public_key(), key_name=KEY_NAME
    )


def test_newer_checkpoint_with_consistency_proof_is_accepted(log):
    proof = ConsistencyProof(5, 21, tuple(consistency_proof(5, 21, log.tree)))
    assert ConsistencyProof.from_dict(json.loads(json.dumps(proof.to_dict()))) == proof
    assert _growth(log, 5, 21, proof).size == 21


def test_consistency_proof_for_other_sizes_is_refused(log):
    proof = ConsistencyProof(6, 21, tuple(consistency_proof(6, 21, log.tree)))
    with pytest.raises(InvalidProofError):
        _growth(log, 5, 21, proof)


def test_older_checkpoint_presented_as_newer_is_refused(log):
    proof = ConsistencyProof(21, 5, ())
    with pytest.raises(InvalidProofError):
        _growth(log, 21, 5, proof)


@pytest.mark.parametrize(
    "doc",
    [
        [],
        {"fromSize": 1, "toSize": 2},
        {"fromSize": -1, "toSize": 2, "consistencyProof": []},
        {"fromSize": 1, "toSize": 2, "consistencyProof": ["%"]},
        {"fromSize": 1, "toSize": 2, "consistencyProof": "x"},
    ],
)
def test_malformed_consistency_proof_is_a_domain_error(doc):
    with pytest.raises(MalformedReceiptError):
        ConsistencyProof.from_dict(doc)


# -- append-only (T5): a withdrawal is a new entry; old receipts keep verifying -----------------


def test_withdrawal_is_a_new_entry_and_the_old_receipt_still_verifies():
    grown = Log(6)
    old_note = grown.note()
    old_receipt = grown.receipt(2, note=old_note)
    update = b'{"type": "StatusUpdate", "target": "urn:cred:2", "action": "withdraw"}'
    withdrawal = StatusChange(
        change=StatusChangeKind.WITHDRAWAL,
        target="urn:cred:2",
        new_status="withdrawn",
        reason="superseded",
        digest=hashlib.sha256(update).digest(),
        changed_at=NOW,
    ).to_bytes()
    grown.entries.append(withdrawal)
    grown.tree.append(leaf_hash(withdrawal))
    new_note = grown.note()

    _verify(old_receipt, _credential(2))  # the accepted dataset stays provably accepted
    _verify(grown.receipt(2, note=new_note), _credential(2))  # and is still in the grown tree
    _verify(grown.receipt(6, note=new_note), update)  # the withdrawal has its own receipt
    proof = ConsistencyProof(6, 7, tuple(consistency_proof(6, 7, grown.tree)))
    grown_cp = verify_checkpoint_growth(
        old_note, new_note, proof, public_key=KEY.public_key(), key_name=KEY_NAME
    )
    assert grown_cp.size == 7


def test_growth_to_a_stale_checkpoint_is_refused_by_max_age(log):
    proof = ConsistencyProof(5, 21, tuple(consistency_proof(5, 21, log.tree)))
    with pytest.raises(CheckpointFreshnessError):
        verify_checkpoint_growth(
            log.note(5),
            log.note(21),
            proof,
            public_key=KEY.public_key(),
            key_name=KEY_NAME,
            now=NOW + timedelta(days=18),
            max_age=timedelta(days=1),
        )


def test_list_item_whose_note_differs_only_in_timestamp_is_the_same_tree_state(log):
    # A node that re-signs a size after a restart issues another timestamp for the same root.
    resigned = sign_checkpoint(
        Checkpoint(ORIGIN, 21, log.tree.root(21), int(NOW.timestamp()) + 60), KEY, KEY_NAME
    )
    items = [(log.receipt(3, note=resigned), _credential(3))]
    assert verify_bound_receipts(log.note(), items, KEY.public_key(), KEY_NAME, ORIGIN).size == 21
