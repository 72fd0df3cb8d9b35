"""A revoked key never comes back (issue 11, finding 3), on SQLite and PostgreSQL.

The store keeps the highest trust.json version adopted and every key revocation the log holds:
an older file put back is refused at start and on reload, and a file that "un-revokes" a key at
a higher version (an operator's mistake: only the node key signs trust.json) changes nothing.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.app import open_node
from gateway.cli import main
from gateway.client import ClientError
from gateway.log.entry import StatusChange, StatusChangeKind
from gateway.node import (
    NodePaths,
    TrustSource,
    load_config,
    load_node_key,
    load_trust,
    open_node_store,
    revoke_key,
)
from gateway.trust import TrustRegistry, TrustRollbackError, save_trust_file, verify_registry
from tests.helpers.nodes import Harness, example
from tests.helpers.restartable import NodeDir, prepared, serving

LAPTOP = "valid/product-footprint-electronics-laptop.json"


@pytest.fixture
def node_dir(tmp_path: Path, store_url: str) -> NodeDir:
    return prepared(tmp_path, store_url)


def _credential(h: Harness) -> bytes:
    document = example(LAPTOP)
    document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    return h.sign(document)


def _submit_reason(h: Harness) -> str:
    with h.client() as client, pytest.raises(ClientError) as err:
        client.submit(_credential(h))
    return err.value.reason


def _touch_later(path: Path) -> None:
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))


def _unrevoked_at_higher_version(paths: NodePaths, before: bytes) -> None:
    """Sign the pre-revocation registry again, under a version above the one in force."""
    key = load_node_key(paths)
    old = verify_registry(before, key.public_key)
    bumped = TrustRegistry(load_trust(paths, key).version + 5, old.organizations)
    save_trust_file(paths.trust, bumped, key)
    _touch_later(paths.trust)


def test_old_trust_file_put_back_is_refused_at_restart(node_dir: NodeDir, capsys):
    paths = node_dir.paths
    before = paths.trust.read_bytes()
    old_version = load_trust(paths).version
    revoke_key(paths, node_dir.exporter_key.did)
    paths.trust.write_bytes(before)  # validly signed, but older than the one adopted

    with pytest.raises(TrustRollbackError) as err:
        open_node(paths.root)
    assert (err.value.version, err.value.highest) == (old_version, old_version + 1)
    assert err.value.reason == "TRUST_FILE_ROLLBACK"

    capsys.readouterr()
    assert main(["serve", "--dir", str(paths.root), "--listen", "127.0.0.1:0"]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    (line,) = out.err.strip().splitlines()
    assert f"version {old_version} " in line
    assert f"version {old_version + 1}" in line


def test_old_trust_file_put_back_while_serving_is_not_adopted(node_dir: NodeDir):
    paths = node_dir.paths
    with serving(node_dir) as h:
        before = paths.trust.read_bytes()
        assert main(["trust", "revoke", "--dir", str(paths.root), "--did",
                     node_dir.exporter_key.did]) == 0  # fmt: skip
        _touch_later(paths.trust)
        assert _submit_reason(h) == "KEY_REVOKED"
        paths.trust.write_bytes(before)
        _touch_later(paths.trust)
        assert _submit_reason(h) == "KEY_REVOKED"
        assert isinstance(h.node.trust.last_error, TrustRollbackError)


def test_cfx_trust_edit_of_an_old_file_is_refused(node_dir: NodeDir, capsys):
    paths = node_dir.paths
    before = paths.trust.read_bytes()
    revoke_key(paths, node_dir.exporter_key.did)
    paths.trust.write_bytes(before)
    capsys.readouterr()
    assert main(["trust", "add", "--dir", str(paths.root), "--org", "acme",
                 "--role", "exporter"]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert "older than version" in err, err
    assert paths.trust.read_bytes() == before


def test_higher_version_file_unrevoking_a_logged_key_keeps_it_revoked_at_start(
    node_dir: NodeDir,
):
    paths = node_dir.paths
    before = paths.trust.read_bytes()
    revoke_key(paths, node_dir.exporter_key.did)
    _unrevoked_at_higher_version(paths, before)
    with serving(node_dir) as h:
        assert _submit_reason(h) == "KEY_REVOKED"


def test_higher_version_file_unrevoking_a_logged_key_keeps_it_revoked_on_reload(
    node_dir: NodeDir,
):
    paths = node_dir.paths
    with serving(node_dir) as h:
        before = paths.trust.read_bytes()
        revoke_key(paths, node_dir.exporter_key.did)
        _touch_later(paths.trust)
        assert _submit_reason(h) == "KEY_REVOKED"
        _unrevoked_at_higher_version(paths, before)
        assert _submit_reason(h) == "KEY_REVOKED"
        assert h.node.trust.last_error is None  # the file was adopted; the log still decides


def test_revocation_logged_by_another_writer_reaches_a_running_registry(node_dir: NodeDir):
    paths = node_dir.paths
    did = node_dir.exporter_key.did
    with open_node_store(paths, load_config(paths)) as store:
        source = TrustSource(paths, load_node_key(paths), store, refresh_seconds=0)
        key = source.current().key(did)
        assert key is not None
        assert not key.revoked
        # A replica on the same database logs the revocation; trust.json here is unchanged.
        with open_node_store(paths, load_config(paths)) as replica:
            replica.append_log_entry(
                StatusChange(
                    change=StatusChangeKind.KEY_REVOCATION,
                    target=did,
                    new_status="revoked",
                    reason="trust-registry",
                    digest=hashlib.sha256(b"the replica's trust.json").digest(),
                    changed_at=datetime.now(UTC),
                ).to_bytes()
            )
        key = source.current().key(did)
        assert key is not None
        assert key.revoked
