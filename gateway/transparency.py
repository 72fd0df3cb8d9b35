"""The node's view of its own transparency log: signed checkpoints and receipts.

The Merkle and note code is pure (gateway.log); this layer binds it to the store and the node key.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.domain import SignedCheckpoint
from gateway.log.checkpoint import Checkpoint, NoteKey, sign_checkpoint
from gateway.log.errors import TreeSizeError
from gateway.log.receipt import Receipt
from gateway.store.base import Store


@dataclass(frozen=True)
class LogIdentity:
    """Who signs the log: checkpoint origin line, note key name and the Ed25519 key."""

    origin: str
    key_name: str
    private_key: Ed25519PrivateKey

    @property
    def note_key(self) -> NoteKey:
        return NoteKey(self.key_name, self.private_key.public_key())


class NodeLog:
    """Checkpoints are signed lazily: one per tree size, reused until the log grows.

    Signed checkpoints are kept in the store at most once per `persist_interval` (and on
    `flush`): the tree is append-only and its root at a size never changes, so a checkpoint lost
    in a crash is re-signed over the same root, never a different one. Not writing each one
    saves a durable commit per submission.
    """

    def __init__(
        self,
        store: Store,
        identity: LogIdentity,
        clock: Callable[[], datetime],
        persist_interval: float = 1.0,
    ) -> None:
        self._store = store
        self._clock = clock
        self._identity = identity
        self._persist_interval = persist_interval
        self._lock = threading.Lock()
        latest = store.latest_checkpoint()
        self._latest = SignedCheckpoint(*latest) if latest is not None else None
        self._persisted = self._latest
        self._persisted_at = time.monotonic()

    @property
    def identity(self) -> LogIdentity:
        return self._identity

    def checkpoint(self, at_least: int | None = None) -> SignedCheckpoint:
        """A signed checkpoint: the current tree (default), or the newest already signed one
        if it covers at least `at_least` entries."""
        with self._lock:
            latest = self._latest
            if latest is not None and at_least is not None and latest.size >= max(at_least, 1):
                return latest
            size = self._store.log_size()
            if latest is not None and latest.size == size:
                return latest
            root = self._store.log_root(size)
            note = sign_checkpoint(
                Checkpoint(self._identity.origin, size, root, int(self._clock().timestamp())),
                self._identity.private_key,
                self._identity.key_name,
            )
            self._latest = SignedCheckpoint(size, note)
            if time.monotonic() - self._persisted_at >= self._persist_interval:
                self._persist()
            return self._latest

    def flush(self) -> None:
        """Keep the newest signed checkpoint in the store (called on shutdown)."""
        with self._lock:
            self._persist()

    def _persist(self) -> None:
        if self._latest is not None and self._latest != self._persisted:
            self._store.save_checkpoint(self._latest.size, self._latest.note)
            self._persisted = self._latest
        self._persisted_at = time.monotonic()

    def receipt(self, log_index: int, checkpoint: SignedCheckpoint | None = None) -> Receipt:
        """Inclusion of entry `log_index` in the tree of `checkpoint` (default: newest)."""
        signed = checkpoint or self.checkpoint(at_least=log_index + 1)
        size, note = signed.size, signed.note
        if log_index >= size:
            raise TreeSizeError(f"entry {log_index} is not in tree {size}")
        proof = self._store.inclusion_proof(log_index, size)
        entry = self._store.log_entries(log_index, log_index + 1)[0]
        return Receipt(log_index, size, tuple(proof), note, bytes(entry))
