"""Two node logs over one PostgreSQL database, with clocks an hour apart, sign one checkpoint
per tree size: the first note kept for a size is the one both serve."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.store.postgres import PostgresStore
from gateway.transparency import LogIdentity, NodeLog

pytestmark = pytest.mark.postgres
ORIGIN = "cfx.test/replicas"


def test_replicas_with_different_clocks_serve_identical_checkpoints(postgres_url: str) -> None:
    identity = LogIdentity(ORIGIN, ORIGIN, Ed25519PrivateKey.generate())
    now = datetime.now(UTC)
    first, second = PostgresStore(postgres_url), PostgresStore(postgres_url)
    try:
        logs = [
            NodeLog(first, identity, lambda: now, refresh_interval=0),
            NodeLog(second, identity, lambda: now + timedelta(hours=1), refresh_interval=0),
        ]
        for size in range(1, 4):
            first.append_log_entry(f"entry {size}".encode())
            signer, reader = logs if size % 2 else logs[::-1]
            signed = signer.checkpoint()
            assert signed.size == size
            assert reader.checkpoint() == signed
            assert first.checkpoint_at(size) == signed.note
    finally:
        first.close()
        second.close()
