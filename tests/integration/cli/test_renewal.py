"""`cfx clients renew`, `cfx init --renew-server-cert`, `cfx log verify-restore` (issue 16's
deployment guide): real PKI, a real server, real store files."""

from __future__ import annotations

import shutil
import socket
import sqlite3
import ssl
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509

from gateway._proto.cfx.v1 import exchange_service_pb2 as ex
from gateway.cli import main
from gateway.client import CfxClient, ClientError
from gateway.node import ClientFiles, NodePaths, NodeRole, init_node
from gateway.process import spawn_server
from tests.helpers.nodes import Harness, example, make_node

FOOTPRINT = "valid/product-footprint-electronics-laptop.json"


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    yield from make_node(tmp_path)


def _can_list(address: str, identity: Path) -> bool:
    with CfxClient(address, identity) as client:
        try:
            client.list(ex.ListDatasetsRequest(page_size=1))
        except ClientError:
            return False
    return True


def test_renewed_client_connects_and_revoking_the_identity_refuses_the_old_cert(
    harness: Harness, tmp_path: Path
) -> None:
    identity = harness.identities["exporter"]
    old = tmp_path / "old-exporter"
    shutil.copytree(identity, old)
    root = str(harness.paths.root)
    assert main(["clients", "renew", "--dir", root, "--out", str(identity)]) == 0
    files, old_files = ClientFiles(identity), ClientFiles(old)
    assert files.key.read_bytes() != old_files.key.read_bytes()
    assert files.key.stat().st_mode & 0o777 == 0o600
    assert _can_list(harness.address, identity)
    # Not revoked by renewal: the old certificate works until it expires (gateway.renewal).
    assert _can_list(harness.address, old)
    san = "spiffe://cfx/org/sichuan-cells/exporter"
    assert main(["trust", "revoke", "--dir", root, "--san", san]) == 0
    assert not _can_list(harness.address, old)
    assert not _can_list(harness.address, identity)


def test_renew_refuses_a_certificate_from_another_ca(harness: Harness, tmp_path: Path) -> None:
    other = init_node(tmp_path / "other", role=NodeRole.NATIONAL, org="national")
    before = other.client_dir().joinpath("cert.pem").read_bytes()
    args = ["clients", "renew", "--dir", str(harness.paths.root), "--out", str(other.client_dir())]
    assert main(args) == 2
    assert other.client_dir().joinpath("cert.pem").read_bytes() == before


def _served_cert(address: str, paths: NodePaths) -> bytes:
    """The DER certificate the server presents in an mTLS handshake as the admin client."""
    context = ssl.create_default_context(cafile=paths.ca_cert)
    admin = ClientFiles(paths.client_dir())
    context.load_cert_chain(admin.cert, admin.key)
    host, port = address.rsplit(":", 1)
    with (
        socket.create_connection((host, int(port)), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        served = tls.getpeercert(binary_form=True)
    assert served is not None
    return served


def _der(path: Path) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding  # noqa: PLC0415

    return x509.load_pem_x509_certificate(path.read_bytes()).public_bytes(Encoding.DER)


def _serve_once(paths: NodePaths) -> bytes:
    server = spawn_server(paths.root)
    try:
        served = _served_cert(server.address, paths)
        assert _can_list(server.address, paths.client_dir())
    finally:
        server.process.terminate()
        server.process.wait(timeout=30)
    return served


def test_renewed_server_cert_is_served_after_restart(tmp_path: Path) -> None:
    paths = init_node(tmp_path / "node", role=NodeRole.NATIONAL, org="national")
    old = _der(paths.server_cert)
    assert _serve_once(paths) == old
    assert main(["init", "--dir", str(paths.root), "--renew-server-cert"]) == 0
    new = _der(paths.server_cert)
    assert new != old
    assert paths.server_key.stat().st_mode & 0o777 == 0o600
    assert _serve_once(paths) == new


def _backup(harness: Harness, tmp_path: Path) -> tuple[Path, Path]:
    """A restored copy of the node (files copied, database by SQLite's online backup) and the
    latest checkpoint note, kept apart from it."""
    with harness.client() as client:
        for _ in range(3):
            document = example(FOOTPRINT)
            document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
            client.submit(harness.sign(document))
        checkpoint = client.checkpoint().checkpoint
    assert checkpoint.size == harness.log_size() == 3
    note = checkpoint.note
    kept = tmp_path / "checkpoint.note"
    kept.write_text(note, encoding="utf-8")
    copy = tmp_path / "restored"
    shutil.copytree(harness.paths.root, copy, ignore=shutil.ignore_patterns("cfx.sqlite3*"))
    with (
        sqlite3.connect(harness.paths.root / "cfx.sqlite3") as source,
        sqlite3.connect(copy / "cfx.sqlite3") as target,
    ):
        source.backup(target)
    source.close()
    target.close()
    return copy, kept


def test_restore_check_passes_on_a_copy_and_fails_on_a_tampered_copy(
    harness: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy, kept = _backup(harness, tmp_path)
    args = ["log", "verify-restore", "--dir", str(copy), "--checkpoint", str(kept)]
    assert main(args) == 0
    assert "holds the checkpoint's 3 entries" in capsys.readouterr().out
    with sqlite3.connect(copy / "cfx.sqlite3") as db:
        (entry,) = db.execute("SELECT entry FROM cfx_log_leaves WHERE idx = 1").fetchone()
        flipped = bytes([entry[0] ^ 1]) + bytes(entry[1:])
        db.execute("UPDATE cfx_log_leaves SET entry = ? WHERE idx = 1", (flipped,))
    db.close()
    assert main(args) == 1
    assert "RESTORE_CHECK_FAILED" in capsys.readouterr().err


def test_restore_check_fails_when_entries_were_lost(harness: Harness, tmp_path: Path) -> None:
    copy, kept = _backup(harness, tmp_path)
    with sqlite3.connect(copy / "cfx.sqlite3") as db:
        db.execute("DELETE FROM cfx_log_leaves WHERE idx = 2")
    db.close()
    args = ["log", "verify-restore", "--dir", str(copy), "--checkpoint", str(kept)]
    assert main(args) == 1


def test_restore_check_refuses_another_logs_checkpoint(harness: Harness, tmp_path: Path) -> None:
    copy, kept = _backup(harness, tmp_path)
    other = init_node(tmp_path / "other", role=NodeRole.NATIONAL, org="national")
    shutil.copy(other.node_key, copy / other.node_key.name)
    args = ["log", "verify-restore", "--dir", str(copy), "--checkpoint", str(kept)]
    assert main(args) == 1
