"""NodeLog.audit on SQLite and PostgreSQL: each way the stored log can stop matching what the node
signed is found, and a failed log signs nothing more and refuses writes (issue 11, finding 8)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.errors import GatewayError
from gateway.log.checkpoint import Checkpoint, sign_checkpoint
from gateway.rpc.status import status_code
from gateway.store import Store
from gateway.store.sql import SQLStore
from gateway.transparency import LogIdentity, NodeLog

ORIGIN = "cfx.test/log"


def _log(store: Store) -> NodeLog:
    identity = LogIdentity(ORIGIN, ORIGIN, Ed25519PrivateKey.generate())
    return NodeLog(store, identity, lambda: datetime.now(UTC))


def _grown(store: Store, entries: int) -> NodeLog:
    for i in range(entries):
        store.append_log_entry(b"entry %d" % i)
    log = _log(store)
    log.checkpoint()
    log.flush()
    return log


def _sql(store: Store, sql: str, params: tuple[Any, ...] = ()) -> None:
    """Change the database behind the store's back, as someone with write access to it could."""
    assert isinstance(store, SQLStore)
    with store._transaction(write=True) as cur:
        store._run(cur, sql, params)


def test_intact_log_passes_at_every_size(store: Store):
    assert _log(store).audit() is None  # empty, nothing signed yet
    log = _grown(store, 5)
    assert log.audit() is None
    store.append_log_entry(b"appended after the checkpoint")
    assert log.audit() is None
    log.ensure_writable()


def test_tampered_tree_node_is_found(store: Store):
    log = _grown(store, 4)
    _sql(store, "UPDATE cfx_log_nodes SET hash = ? WHERE level = 2 AND idx = 0", (b"\0" * 32,))
    failure = log.audit()
    assert failure is not None
    assert "tree nodes" in failure.detail
    assert failure.expected_root == b"\0" * 32


def test_log_shorter_than_its_signed_checkpoint_is_found(store: Store):
    log = _grown(store, 3)
    _sql(store, "DELETE FROM cfx_log_leaves WHERE idx = 2")
    failure = log.audit()
    assert failure is not None
    assert (failure.tree_size, failure.log_size) == (3, 2)


def test_checkpoint_not_signed_by_the_node_is_found(store: Store):
    _grown(store, 2)
    forged = sign_checkpoint(
        Checkpoint(ORIGIN, 2, store.log_root(2), 0), Ed25519PrivateKey.generate(), ORIGIN
    )
    store.save_checkpoint(2, forged)
    failure = _log(store).audit()  # a node opening this store: its own key, another signer
    assert failure is not None
    assert "not ours" in failure.detail


def test_failed_log_signs_nothing_more_and_refuses_writes(store: Store):
    log = _grown(store, 2)
    signed = log.checkpoint()
    _sql(store, "UPDATE cfx_log_leaves SET entry = ? WHERE idx = 0", (b"forged",))
    assert log.audit() is not None
    store.append_log_entry(b"written by someone else")
    assert log.checkpoint() == signed
    assert log.checkpoint(at_least=3) == signed
    with pytest.raises(GatewayError) as err:
        log.ensure_writable()
    assert (status_code(err.value), err.value.reason) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "LOG_INTEGRITY_FAILURE",
    )


def test_tree_rewritten_behind_the_node_is_never_signed_over(store: Store):
    log = _grown(store, 4)
    signed = log.checkpoint()
    # The stored node over leaves 0-3 rewritten: the tree of size 4 no longer has its signed root.
    _sql(store, "UPDATE cfx_log_nodes SET hash = ? WHERE level = 2 AND idx = 0", (b"\1" * 32,))
    store.append_log_entry(b"the next entry")
    assert log.checkpoint() == signed
    assert log.failure is not None
    assert (log.failure.tree_size, log.failure.recomputed_root) == (4, store.log_root(4))


def test_log_shrunk_while_serving_is_never_signed_over(store: Store):
    log = _grown(store, 3)
    signed = log.checkpoint()
    _sql(store, "DELETE FROM cfx_log_leaves WHERE idx = 2")
    assert log.checkpoint() == signed
    assert log.failure is not None
    assert (log.failure.tree_size, log.failure.log_size) == (3, 2)


def test_checkpoint_stored_under_another_size_is_found(store: Store):
    log = _grown(store, 4)
    _, note_of_4 = log.checkpoint()
    store.append_log_entry(b"one more")
    store.save_checkpoint(5, note_of_4)
    reopened = NodeLog(store, log.identity, lambda: datetime.now(UTC))  # the node, restarted
    failure = reopened.audit()
    assert failure is not None
    assert "another size" in failure.detail
