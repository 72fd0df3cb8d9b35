"""NodeLog derives a checkpoint's size from the store, not from its memory alone (issue 11,
finding 7): a leaf another writer appended is covered even where a caller only asks for a
checkpoint covering `at_least` entries."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.store import Store, open_store
from gateway.transparency import LogIdentity, NodeLog


def _log(store: Store, **kw: float) -> NodeLog:
    identity = LogIdentity("cfx.test/log", "cfx.test/log", Ed25519PrivateKey.generate())
    return NodeLog(store, identity, lambda: datetime.now(UTC), **kw)


def test_at_least_checkpoint_covers_a_leaf_another_writer_appended(
    store: Store, store_url: str, tmp_path: Path
):
    log = _log(store, refresh_interval=0)
    store.append_log_entry(b"first")
    assert log.checkpoint()[0] == 1
    with open_store(store_url, tmp_path) as replica:
        replica.append_log_entry(b"second, by another writer")
    assert log.checkpoint(at_least=1)[0] == 2


def test_at_least_checkpoint_is_reused_within_the_refresh_interval(store: Store):
    log = _log(store, refresh_interval=3600)
    store.append_log_entry(b"first")
    first = log.checkpoint()
    store.append_log_entry(b"second")
    assert log.checkpoint(at_least=1) == first  # no store query: the size was just read
    assert log.checkpoint()[0] == 2  # a plain checkpoint always reads the size
