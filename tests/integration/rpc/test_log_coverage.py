"""Every leaf is covered by the next checkpoint the node serves, however it was appended
(issue 11, finding 7), on SQLite and PostgreSQL: `cfx trust revoke` while the server runs, or
another writer on the same database while it is stopped. `cfx log prove` then proves the entry
against a checkpoint the node signed."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.app import log_vkey_path
from gateway.cli import main
from gateway.log.checkpoint import NoteKey
from gateway.log.entry import StatusChange, StatusChangeKind
from gateway.log.receipt import Receipt, verify_entry_inclusion
from gateway.store import open_store
from tests.helpers.restartable import NodeDir, prepared, serving


@pytest.fixture
def node_dir(tmp_path: Path, store_url: str) -> NodeDir:
    return prepared(tmp_path, store_url)


def _served_size(h) -> int:
    with h.client("admin") as client:
        return int(client.checkpoint().checkpoint.size)


def _prove(node_dir: NodeDir, index: int, capsys: pytest.CaptureFixture[str]) -> Receipt:
    """`cfx log prove --index`, checked offline against the node's log key."""
    capsys.readouterr()
    db = node_dir.store_url.removeprefix("sqlite://")  # `cfx log` takes a SQLite file path
    assert main(["log", "prove", "--db", db, "--index", str(index)]) == 0
    receipt = Receipt.from_dict(json.loads(capsys.readouterr().out))
    key = NoteKey.from_text(log_vkey_path(node_dir.paths).read_text(encoding="utf-8"))
    _, entry = verify_entry_inclusion(receipt, key.public_key, key.name, origin=None)
    assert isinstance(entry, StatusChange)
    return receipt


def test_revocation_logged_by_cfx_trust_while_serving_is_served_and_provable(
    node_dir: NodeDir, capsys: pytest.CaptureFixture[str]
):
    root = str(node_dir.paths.root)
    with serving(node_dir) as h:
        signed = _served_size(h)  # the server has a signed checkpoint in memory
        capsys.readouterr()
        assert main(["trust", "revoke", "--dir", root, "--did", node_dir.exporter_key.did]) == 0
        found = re.search(r"at log index (\d+)", capsys.readouterr().out)
        assert found is not None
        index = int(found.group(1))
        assert index == signed
        assert _served_size(h) == index + 1
        receipt = _prove(node_dir, index, capsys)
        assert receipt.tree_size == index + 1
    with serving(node_dir) as h:
        assert _served_size(h) == index + 1
    _prove(node_dir, index, capsys)


def test_entry_another_writer_appended_while_stopped_is_covered_after_restart(
    node_dir: NodeDir, capsys: pytest.CaptureFixture[str]
):
    entry = StatusChange(
        change=StatusChangeKind.KEY_REVOCATION,
        target=node_dir.exporter_key.did,
        new_status="revoked",
        reason="trust-registry",
        digest=hashlib.sha256(b"a replica's trust.json").digest(),
        changed_at=datetime.now(UTC),
    )
    with open_store(node_dir.store_url, node_dir.paths.root) as replica:
        index = replica.append_log_entry(entry.to_bytes())
    with serving(node_dir) as h:
        # Kept in the store at start, before any caller asked for a checkpoint.
        assert _prove(node_dir, index, capsys).tree_size == index + 1
        assert _served_size(h) == index + 1


def test_entry_another_writer_appends_while_serving_is_in_the_next_checkpoint(
    node_dir: NodeDir,
):
    with serving(node_dir) as h:
        before = _served_size(h)
        with open_store(node_dir.store_url, node_dir.paths.root) as replica:
            index = replica.append_log_entry(b"an entry from another replica")
        assert index == before
        assert _served_size(h) == index + 1
