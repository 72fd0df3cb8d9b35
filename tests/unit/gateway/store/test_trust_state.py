"""What the store remembers of the trust registry (issue 11, finding 3), on SQLite and PostgreSQL:
the highest trust.json version adopted and every key the log revoked."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from gateway.log.entry import DatasetAccepted, StatusChange, StatusChangeKind
from gateway.store import Store, open_store
from gateway.store.sql import SQLStore

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def key_revocation(did: str, at: datetime = T0) -> bytes:
    return StatusChange(
        change=StatusChangeKind.KEY_REVOCATION,
        target=did,
        new_status="revoked",
        reason="trust-registry",
        digest=hashlib.sha256(did.encode()).digest(),
        changed_at=at,
    ).to_bytes()


def test_trust_version_never_goes_back(store: Store):
    assert store.advance_trust_version(3) == 3
    assert store.advance_trust_version(7) == 7
    # An older file offered later: the answer is the highest seen, and it stays.
    assert store.advance_trust_version(5) == 7
    assert store.advance_trust_version(7) == 7


def test_trust_version_outlives_the_process(store_url: str, tmp_path: Path):
    with open_store(store_url, tmp_path) as first:
        first.advance_trust_version(12)
    with open_store(store_url, tmp_path) as second:
        assert second.advance_trust_version(4) == 12


def test_key_revocation_entry_is_remembered_with_its_time(store: Store):
    store.append_log_entry(b"an opaque entry that is no revocation")
    store.append_log_entry(
        DatasetAccepted(
            b"\x01" * 32, "ProductFootprint", "did:key:z6MkA", "datasets/x", T0
        ).to_bytes()
    )
    store.append_log_entry(key_revocation("did:key:z6MkRevoked"))
    assert store.key_revocations() == {"did:key:z6MkRevoked": T0}


def test_first_revocation_of_a_key_keeps_its_time(store: Store):
    later = datetime(2026, 4, 1, tzinfo=UTC)
    store.append_log_entry(key_revocation("did:key:z6MkTwice", T0))
    store.append_log_entry(key_revocation("did:key:z6MkTwice", later))
    assert store.key_revocations() == {"did:key:z6MkTwice": T0}


def test_revocations_of_a_log_older_than_the_table_are_indexed_at_open(
    store_url: str, tmp_path: Path
):
    with open_store(store_url, tmp_path) as store:
        store.append_log_entry(key_revocation("did:key:z6MkOld"))
        # As a store written before cfx_key_revocations existed: the log alone has it.
        assert isinstance(store, SQLStore)
        with store._transaction(write=True) as cur:
            store._run(cur, "DROP TABLE cfx_key_revocations")
            store._run(cur, "DELETE FROM cfx_store_meta WHERE key = 'key_revocations_indexed'")
    with open_store(store_url, tmp_path) as reopened:
        assert reopened.key_revocations() == {"did:key:z6MkOld": T0}
