"""Receipts: offline proof that a node's log holds the entry for a given credential. Pure: no I/O.

A receipt is (log index, tree size, inclusion proof, signed checkpoint, entry bytes). Anyone with
the credential bytes and the node's public key can check it without trusting the node: the entry
commits to SHA-256 of the credential bytes (R8), the inclusion proof ties the entry to the
checkpoint's root (RFC 9162 §2.1.3.2) and the checkpoint is signed by the node (T2, T4).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from gateway.log.checkpoint import Checkpoint, parse_note, verify_checkpoint
from gateway.log.entry import LogEntry, decode_entry
from gateway.log.errors import (
    DigestMismatchError,
    InvalidProofError,
    LogError,
    MalformedReceiptError,
    MixAndMatchError,
)
from gateway.log.merkle import leaf_hash, verify_consistency, verify_inclusion
from schemas.strict_json import JSONInputError, loads_object

MAX_RECEIPT_BYTES = 256 * 1024
MAX_PROOF_HASHES = 64  # a tree of 2**63 leaves needs at most 63


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise MalformedReceiptError(f"{what} is not a base64 string")
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise MalformedReceiptError(f"{what} is not valid base64") from exc
    if _b64(raw) != value:
        raise MalformedReceiptError(f"{what} is not canonical base64")
    return raw


def _count(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MalformedReceiptError(f"{what} is not a non-negative integer")
    return value


def _members(obj: Any, what: str, expected: set[str]) -> dict[str, Any]:
    """`obj` if it is a JSON object with exactly the `expected` members."""
    if not isinstance(obj, dict):
        raise MalformedReceiptError(f"{what} is not a JSON object")
    if set(obj) != expected:
        missing, extra = sorted(expected - set(obj)), sorted(set(obj) - expected)
        raise MalformedReceiptError(f"{what} fields: missing {missing}, unexpected {extra}")
    return obj


def _hashes(value: Any, what: str) -> tuple[bytes, ...]:
    """A proof's hashes from their base64 list, bounded before any is decoded."""
    if not isinstance(value, list) or len(value) > MAX_PROOF_HASHES:
        raise MalformedReceiptError(f"{what} is not a list of at most {MAX_PROOF_HASHES} hashes")
    return tuple(_unb64(h, f"{what}[{i}]") for i, h in enumerate(value))


@dataclass(frozen=True, slots=True)
class Receipt:
    """Where an entry sits in a node's log, and the proof of it against a signed checkpoint."""

    log_index: int
    tree_size: int
    inclusion_proof: tuple[bytes, ...]
    checkpoint_note: str
    entry: bytes

    def to_dict(self) -> dict[str, Any]:
        """JSON form: hashes and entry bytes in standard base64 (RFC 4648 §4)."""
        return {
            "logIndex": self.log_index,
            "treeSize": self.tree_size,
            "inclusionProof": [_b64(h) for h in self.inclusion_proof],
            "checkpoint": self.checkpoint_note,
            "entry": _b64(self.entry),
        }

    @classmethod
    def from_dict(cls, obj: Any) -> Receipt:
        """Parse the JSON form of `to_dict`; exactly its fields, each typed and bounded."""
        body = _members(
            obj, "receipt", {"logIndex", "treeSize", "inclusionProof", "checkpoint", "entry"}
        )
        proof = _hashes(body["inclusionProof"], "inclusionProof")
        note = body["checkpoint"]
        if not isinstance(note, str):
            raise MalformedReceiptError("checkpoint is not a signed-note string")
        return cls(
            log_index=_count(body["logIndex"], "logIndex"),
            tree_size=_count(body["treeSize"], "treeSize"),
            inclusion_proof=proof,
            checkpoint_note=note,
            entry=_unb64(body["entry"], "entry"),
        )

    def to_json(self) -> bytes:
        """The receipt as the JSON file the CLI writes (indented, one trailing newline)."""
        return json.dumps(self.to_dict(), indent=2).encode("utf-8") + b"\n"

    @classmethod
    def from_json(cls, data: bytes | str) -> Receipt:
        """Parse a receipt file with the strict JSON parser and a size cap."""
        try:
            obj = loads_object(data, max_bytes=MAX_RECEIPT_BYTES, max_depth=4)
        except JSONInputError as exc:
            raise MalformedReceiptError(f"receipt is not strict JSON: {exc}") from exc
        return cls.from_dict(obj)


def check_entry_digest(entry: LogEntry, credential_bytes: bytes) -> None:
    """The served bytes must hash to the digest the log committed to (R8)."""
    if hashlib.sha256(credential_bytes).digest() != entry.digest:
        raise DigestMismatchError("credential bytes do not match the digest in the log entry")


def verify_entry_inclusion(
    receipt: Receipt,
    public_key: Ed25519PublicKey,
    key_name: str,
    origin: str | None,
    *,
    now: datetime | None = None,
    max_age: timedelta | None = None,
) -> tuple[Checkpoint, LogEntry]:
    """Check that the receipt's entry is in the log at its checkpoint; no credential needed.

    Checks, in order: the checkpoint's signature and origin (and age, if `max_age`), that the
    receipt's tree size is the checkpoint's, that the entry is canonical, and the inclusion
    proof of the entry's leaf against the checkpoint root (RFC 9162 §2.1.3.2).
    """
    cp = verify_checkpoint(
        receipt.checkpoint_note, public_key, key_name, origin=origin, now=now, max_age=max_age
    )
    if receipt.tree_size != cp.size:
        raise InvalidProofError(
            f"receipt is for tree size {receipt.tree_size}, its checkpoint has {cp.size}"
        )
    entry = decode_entry(receipt.entry)
    verify_inclusion(
        leaf_hash(receipt.entry),
        receipt.log_index,
        receipt.tree_size,
        receipt.inclusion_proof,
        cp.root_hash,
    )
    return cp, entry


def verify_receipt(
    receipt: Receipt,
    credential_bytes: bytes,
    public_key: Ed25519PublicKey,
    key_name: str,
    origin: str | None,
    *,
    now: datetime | None = None,
    max_age: timedelta | None = None,
) -> Checkpoint:
    """Check a receipt offline against the credential bytes; return its verified checkpoint.

    `verify_entry_inclusion`, then: the entry commits to SHA-256(credential_bytes) (R8).
    `origin` None accepts whatever log the key signed for (the key then names the log).
    """
    cp, entry = verify_entry_inclusion(
        receipt, public_key, key_name, origin, now=now, max_age=max_age
    )
    check_entry_digest(entry, credential_bytes)
    return cp


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    """A consistency proof between two tree sizes, in the JSON form the CLI and API exchange."""

    size1: int
    size2: int
    proof: tuple[bytes, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the two sizes and the hashes in standard base64 (RFC 4648 §4)."""
        return {
            "fromSize": self.size1,
            "toSize": self.size2,
            "consistencyProof": [_b64(h) for h in self.proof],
        }

    @classmethod
    def from_dict(cls, obj: Any) -> ConsistencyProof:
        """Parse the JSON form of `to_dict`; exactly its fields, each typed and bounded."""
        body = _members(obj, "consistency proof", {"fromSize", "toSize", "consistencyProof"})
        proof = _hashes(body["consistencyProof"], "consistencyProof")
        return cls(
            size1=_count(body["fromSize"], "fromSize"),
            size2=_count(body["toSize"], "toSize"),
            proof=proof,
        )


def verify_checkpoint_growth(
    old_note: str,
    new_note: str,
    proof: ConsistencyProof,
    *,
    public_key: Ed25519PublicKey,
    key_name: str,
    origin: str | None = None,
    now: datetime | None = None,
    max_age: timedelta | None = None,
) -> Checkpoint:
    """Accept `new_note` only if it extends the trusted `old_note` (T3); return the new head.

    `max_age` applies to the new checkpoint only: the old one is trusted history (R5).
    """
    old = verify_checkpoint(old_note, public_key, key_name, origin=origin)
    new = verify_checkpoint(
        new_note, public_key, key_name, origin=old.origin, now=now, max_age=max_age
    )
    if (proof.size1, proof.size2) != (old.size, new.size):
        raise InvalidProofError(
            f"proof is from {proof.size1} to {proof.size2}, checkpoints are {old.size}, {new.size}"
        )
    verify_consistency(old.size, new.size, proof.proof, old.root_hash, new.root_hash)
    return new


def _tree_head(note_text: str) -> tuple[str, int, bytes]:
    """(origin, size, root) of a note: what identifies one tree state, whatever the timestamp
    line or the co-signatures on it."""
    cp = Checkpoint.from_note_body(parse_note(note_text).text)
    return cp.origin, cp.size, cp.root_hash


def check_bound_item(
    cp: Checkpoint,
    position: int,
    *,
    log_index: int,
    entry_bytes: bytes,
    proof: Sequence[bytes],
    credential_bytes: bytes,
) -> LogEntry:
    """One item of a multi-item answer against the answer's already verified checkpoint (R6).

    An index the checkpoint does not cover means the item comes from another (later) log state:
    that is mix-and-match, refused before any hashing. Then the entry must be canonical, its leaf
    must verify at `log_index` against the checkpoint root, and the bytes must match (R8).
    """
    if not 0 <= log_index < cp.size:
        raise MixAndMatchError(
            f"item {position}: entry {log_index} is not in the answer's tree of size {cp.size}"
        )
    try:
        entry = decode_entry(entry_bytes)
        verify_inclusion(leaf_hash(entry_bytes), log_index, cp.size, proof, cp.root_hash)
        check_entry_digest(entry, credential_bytes)
    except LogError as exc:
        exc.add_note(f"item {position} of the answer (log index {log_index})")
        raise
    return entry


def verify_bound_receipts(
    checkpoint_note: str,
    items: Sequence[tuple[Receipt, bytes]],
    public_key: Ed25519PublicKey,
    key_name: str,
    origin: str | None,
    *,
    now: datetime | None = None,
    max_age: timedelta | None = None,
) -> Checkpoint:
    """Check a multi-item answer bound to one checkpoint (R6): each (receipt, credential bytes)
    must reference that checkpoint's body and verify against its root; mixing refused.

    The checkpoint's signature (and age) is checked once; each receipt must name the same tree
    state (origin, size, root). Every proof is checked against that verified root, so what the
    receipts' own notes say beyond this is not relied on.
    """
    cp = verify_checkpoint(
        checkpoint_note, public_key, key_name, origin=origin, now=now, max_age=max_age
    )
    head = (cp.origin, cp.size, cp.root_hash)
    for position, (receipt, credential_bytes) in enumerate(items):
        try:
            same = _tree_head(receipt.checkpoint_note) == head
        except LogError as exc:
            raise MixAndMatchError(f"item {position} has an unreadable checkpoint") from exc
        if not same or receipt.tree_size != cp.size:
            raise MixAndMatchError(f"item {position} is proven against a different checkpoint")
        check_bound_item(
            cp,
            position,
            log_index=receipt.log_index,
            entry_bytes=receipt.entry,
            proof=receipt.inclusion_proof,
            credential_bytes=credential_bytes,
        )
    return cp
