"""The highest adopted version of each signed node file other than trust.json (peers.json, …),
on SQLite and PostgreSQL: an older file put back is told apart (rollback, R4)."""

from __future__ import annotations

from pathlib import Path

from gateway.store import Store, open_store


def test_peers_version_never_goes_back(store: Store):
    assert store.advance_file_version("peers.json", 2) == 2
    assert store.advance_file_version("peers.json", 9) == 9
    assert store.advance_file_version("peers.json", 3) == 9


def test_each_file_and_the_trust_registry_keep_their_own_version(store: Store):
    store.advance_trust_version(40)
    assert store.advance_file_version("peers.json", 1) == 1
    assert store.advance_file_version("other.json", 5) == 5
    assert store.advance_file_version("peers.json", 0) == 1
    assert store.advance_trust_version(0) == 40


def test_peers_version_outlives_the_process(store_url: str, tmp_path: Path):
    with open_store(store_url, tmp_path) as first:
        first.advance_file_version("peers.json", 12)
    with open_store(store_url, tmp_path) as second:
        assert second.advance_file_version("peers.json", 4) == 12
