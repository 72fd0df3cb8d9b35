"""The node's view of its own transparency log: signed checkpoints, receipts and self-audit.

The Merkle and note code is pure (gateway.log); this layer binds it to the store and the node key.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.domain import SignedCheckpoint
from gateway.log.checkpoint import (
    Checkpoint,
    NoteKey,
    parse_note,
    sign_checkpoint,
    verify_checkpoint,
)
from gateway.log.errors import LogError, LogIntegrityError, TreeSizeError
from gateway.log.merkle import EMPTY_ROOT
from gateway.log.receipt import Receipt
from gateway.store.base import Store

_log = logging.getLogger("cfx.log")


@dataclass(frozen=True)
class LogIdentity:
    """Who signs the log: checkpoint origin line, note key name and the Ed25519 key."""

    origin: str
    key_name: str
    private_key: Ed25519PrivateKey

    @property
    def note_key(self) -> NoteKey:
        """The verifier key of this identity: its name and the Ed25519 public key."""
        return NoteKey(self.key_name, self.private_key.public_key())


@dataclass(frozen=True)
class AuditFailure:
    """Evidence that the stored log is not the one this node signed.

    `tree_size`: the size checked; `expected_root`: the root the node vouched for there (its
    newest signed checkpoint's, or its stored tree nodes'); `recomputed_root`: the root the store
    gives now (from its leaves, or from its nodes; None when it cannot be read back as a tree);
    `log_size`: leaves stored.
    """

    detail: str
    tree_size: int
    log_size: int | None = None
    expected_root: bytes | None = None
    recomputed_root: bytes | None = None

    def __str__(self) -> str:
        return (
            f"{self.detail} (tree size {self.tree_size}, stored leaves {_show(self.log_size)}, "
            f"expected root {_hex(self.expected_root)}, "
            f"recomputed root {_hex(self.recomputed_root)})"
        )

    def error(self) -> LogIntegrityError:
        """The typed refusal every write gets while this failure stands."""
        return LogIntegrityError(
            "this node's stored log does not match what it signed; writes are refused until an "
            f"operator restores the store: {self.detail}",
            evidence={
                "treeSize": str(self.tree_size),
                "logSize": _show(self.log_size),
                "expectedRoot": _hex(self.expected_root),
                "recomputedRoot": _hex(self.recomputed_root),
            },
        )


def _hex(root: bytes | None) -> str:
    return "-" if root is None else root.hex()


def _show(size: int | None) -> str:
    return "-" if size is None else str(size)


class NodeLog:
    """Checkpoints are signed lazily: one per tree size, reused until the log grows.

    Coverage: the size is read from the store, not only from memory, so a leaf appended by
    another writer (`cfx trust revoke`, another replica on the same database) is covered by the
    next checkpoint served. A caller that only needs `at_least` entries reuses the newest
    checkpoint without a query for at most `refresh_interval` seconds.

    Replicas (a store `shared_url`): each checkpoint is claimed in the store as it is signed, and
    the first note kept for a size is served by every replica, so one tree size has one root and
    one timestamp. Otherwise signed checkpoints are kept in the store at most once per
    `persist_interval` (and on `flush`): the tree is append-only and its root at a size never
    changes, so a checkpoint lost in a crash is re-signed over the same root, never a different
    one. Not writing each one saves a durable commit per submission.

    Self-audit (`audit`): the root recomputed from the stored leaves must equal the newest signed
    checkpoint's. On a mismatch the log is failed for good (until a restart after repair): no new
    checkpoint is signed over it, `ensure_writable` refuses every write, reads still answer.
    """

    def __init__(
        self,
        store: Store,
        identity: LogIdentity,
        clock: Callable[[], datetime],
        persist_interval: float = 1.0,
        refresh_interval: float = 0.1,
    ) -> None:
        self._store = store
        self._clock = clock
        self._identity = identity
        self._persist_interval = persist_interval
        self._refresh_interval = refresh_interval
        self._lock = threading.Lock()
        latest = store.latest_checkpoint()
        self._latest = SignedCheckpoint(*latest) if latest is not None else None
        self._persisted = self._latest
        self._persisted_at = time.monotonic()
        self._size_read_at = float("-inf")
        self._failure: AuditFailure | None = None
        # The (size, root) this node last signed: the next signature's append-only check
        # needs that root, and re-parsing the note for it cost more than the signature.
        self._signed_root: tuple[int, bytes] | None = None

    @property
    def identity(self) -> LogIdentity:
        """Who signs this log's checkpoints."""
        return self._identity

    @property
    def failure(self) -> AuditFailure | None:
        """Why the log failed its audit, or None while it is intact."""
        return self._failure

    def ensure_writable(self) -> None:
        """Refuse a write (FAILED_PRECONDITION, LOG_INTEGRITY_FAILURE) once the audit failed."""
        failure = self._failure
        if failure is not None:
            raise failure.error()

    def checkpoint(self, at_least: int | None = None) -> SignedCheckpoint:
        """A signed checkpoint: the current tree (default), or the newest already signed one
        if it covers at least `at_least` entries."""
        with self._lock:
            latest = self._latest
            if self._failure is not None:
                # Never sign over a log that failed its audit; serve what was signed before.
                if latest is None:
                    raise self._failure.error()
                return latest
            now = time.monotonic()
            # Within `refresh_interval` of the last size read, a covering checkpoint is reused.
            fresh = now - self._size_read_at < self._refresh_interval
            need = max(at_least, 1) if at_least is not None and fresh else None
            if latest is not None and need is not None and latest[0] >= need:
                return latest
            size = self._store.log_size()
            self._size_read_at = now
            if latest is not None and latest[0] == size:
                return latest
            if latest is not None:
                failure = self._extension_failure(latest, size)
                if failure is not None:
                    self._fail(failure)
                    return latest
            root = self._store.log_root(size)
            note = sign_checkpoint(
                Checkpoint(self._identity.origin, size, root, int(self._clock().timestamp())),
                self._identity.private_key,
                self._identity.key_name,
            )
            self._signed_root = (size, root)
            if self._store.shared_url is not None:
                # Replicas: the first note kept for a size is the one every replica serves.
                claimed = self._store.claim_checkpoint(size, note)
                if claimed != note:  # another replica's note: its root is read from it
                    self._signed_root = None
                note = claimed
                self._persisted = SignedCheckpoint(size, note)
            self._latest = SignedCheckpoint(size, note)
            if time.monotonic() - self._persisted_at >= self._persist_interval:
                self._persist()
            return self._latest

    def _extension_failure(self, latest: SignedCheckpoint, size: int) -> AuditFailure | None:
        """Why the stored tree of `size` does not extend the newest signed one, if it does not.

        One root read per new signature keeps every checkpoint this node signs append-only
        with the previous one (what a witness checks, RFC 9162 §2.1.4): tree nodes rewritten
        behind the node's back are never signed over, so the audit cannot be laundered.
        """
        if size < latest[0]:
            return AuditFailure(
                "the store holds fewer leaves than the signed tree", latest[0], size
            )
        try:
            signed_size, signed_root = self._root_of(latest)
            stored = self._store.log_root(signed_size)
        except LogError as exc:
            return AuditFailure(f"the signed tree cannot be read back: {exc}", latest[0], size)
        if stored != signed_root:
            detail = "the stored tree no longer has the root this node signed"
            return AuditFailure(detail, signed_size, size, signed_root, stored)
        return None

    def _root_of(self, latest: SignedCheckpoint) -> tuple[int, bytes]:
        """The size and root `latest` signs: kept from signing it, else read from its note."""
        if self._signed_root is not None and self._signed_root[0] == latest[0]:
            return self._signed_root
        signed = Checkpoint.from_note_body(parse_note(latest[1]).text)
        return signed.size, signed.root_hash

    def flush(self) -> None:
        """Keep the newest signed checkpoint in the store (called on shutdown)."""
        with self._lock:
            self._persist()

    def _persist(self) -> None:
        if self._latest is not None and self._latest != self._persisted:
            self._store.save_checkpoint(*self._latest)
            self._persisted = self._latest
        self._persisted_at = time.monotonic()

    def receipt(
        self,
        log_index: int,
        checkpoint: SignedCheckpoint | None = None,
        *,
        entry: bytes | None = None,
    ) -> Receipt:
        """Inclusion of entry `log_index` in the tree of `checkpoint` (default: newest).

        `entry`: the entry's bytes when the caller has just stored them (the intake), which
        saves reading them back; the inclusion proof is still read from the store and binds
        them, so wrong bytes give a receipt that does not verify.
        """
        size, note = checkpoint or self.checkpoint(at_least=log_index + 1)
        if log_index >= size:
            raise TreeSizeError(f"entry {log_index} is not in tree {size}")
        proof = self._store.inclusion_proof(log_index, size)
        if entry is None:
            entry = bytes(self._store.log_entries(log_index, log_index + 1)[0])
        return Receipt(log_index, size, tuple(proof), note, entry)

    # -- self-audit ------------------------------------------------------------------------------

    def audit(self) -> AuditFailure | None:
        """Recompute the root from every stored leaf and compare it with the newest signed
        checkpoint; also check the stored tree nodes against the leaves up to the current size.

        O(n) in the log size; holds no lock while it reads, so writes go on. A failure is kept
        (see `failure`) and logged at ERROR with the evidence, at every audit that finds it.
        Returns the failure the log is in (found now or before), None while intact. Store
        outages raise.
        """
        with self._lock:
            latest = self._latest
        failure = self._check(latest)
        with self._lock:
            if failure is not None:
                self._fail(failure)
            return self._failure

    def _check(self, latest: SignedCheckpoint | None) -> AuditFailure | None:
        signed_size, signed_root = 0, EMPTY_ROOT
        if latest is not None:
            key = self._identity.note_key
            try:
                cp = verify_checkpoint(
                    latest[1], key.public_key, key.name, origin=self._identity.origin
                )
            except LogError as exc:
                return AuditFailure(f"the newest stored checkpoint is not ours: {exc}", latest[0])
            if cp.size != latest[0]:
                return AuditFailure("the newest checkpoint is stored under another size", cp.size)
            signed_size, signed_root = cp.size, cp.root_hash
        size = self._store.log_size()
        if size < signed_size:
            detail = "the store holds fewer leaves than the signed tree"
            return AuditFailure(detail, signed_size, size, signed_root)
        try:
            at_signed, at_size = self._store.audit_log_roots([signed_size, size])
            stored_nodes = self._store.log_root(size)
        except LogError as exc:
            detail = f"the stored leaves are damaged: {exc}"
            return AuditFailure(detail, signed_size, size, signed_root)
        if at_signed != signed_root:
            detail = "the stored leaves do not give the signed checkpoint's root"
            return AuditFailure(detail, signed_size, size, signed_root, at_signed)
        if stored_nodes != at_size:
            detail = "the stored tree nodes disagree with the stored leaves"
            return AuditFailure(detail, size, size, stored_nodes, at_size)
        return None

    def _fail(self, failure: AuditFailure) -> None:
        """Record and report a failed audit; the caller holds the lock."""
        if self._failure is None:
            self._failure = failure
        _log.error("LOG INTEGRITY FAILURE, writes refused: %s", failure)
