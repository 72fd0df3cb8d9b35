"""kill -9 the server during a stream of submissions; after restart the log verifies against its
last checkpoint and holds every acknowledged dataset, and nothing half-written (issue 6)."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.client import CfxClient, ClientError
from gateway.log.checkpoint import NoteKey, verify_checkpoint
from gateway.log.entry import DatasetAccepted, decode_entry
from gateway.log.merkle import leaf_hash, node_hash, verify_consistency
from gateway.node import NodeRole, add_client, edit_trust, init_node
from gateway.process import spawn_server
from gateway.trust import Role
from signing.keys import generate_key
from tests.helpers.nodes import EXPORTER, example, signed_bytes

SUBMITTERS = 3
CREDENTIALS = 90


def _serve(node_dir: Path) -> tuple[subprocess.Popen[str], str]:
    server = spawn_server(node_dir)
    return server.process, server.address


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 Merkle Tree Hash, computed independently of the store."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


@pytest.mark.slow
def test_kill_9_during_submissions_loses_no_acknowledged_dataset(tmp_path: Path):
    paths = init_node(tmp_path / "node", role=NodeRole.NATIONAL, org="national")
    add_client(paths, org=EXPORTER, role=Role.EXPORTER, out=tmp_path / "exporter")
    key = generate_key("ed25519")
    now = datetime.now(UTC)
    edit_trust(paths, lambda r: r.with_key(EXPORTER, Role.EXPORTER, key.did, now))
    template = example("valid/product-footprint-electronics-laptop.json")
    credentials = []
    for _ in range(CREDENTIALS):
        template["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
        credentials.append(signed_bytes(template, key))
    attempted = {hashlib.sha256(c).hexdigest() for c in credentials}

    proc, address = _serve(paths.root)
    acked: dict[str, str] = {}  # digest -> name
    last_note: list[str] = []
    lock = threading.Lock()
    killed = threading.Event()
    errors: list[ClientError] = []

    def submitter(share: list[bytes]) -> None:
        with CfxClient(address, tmp_path / "exporter", timeout=10) as client:
            for credential in share:
                for _attempt in range(5):  # a loaded machine may time out before the kill
                    if killed.is_set():
                        return
                    try:
                        response = client.submit(credential)
                        break
                    except ClientError as err:
                        errors.append(err)
                else:
                    return
                with lock:
                    acked[response.dataset.digest] = response.dataset.name
                    last_note.append(response.receipt.checkpoint.note)

    threads = [
        threading.Thread(target=submitter, args=(credentials[i::SUBMITTERS],))
        for i in range(SUBMITTERS)
    ]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(acked) < CREDENTIALS // 3 and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    killed.set()
    proc.wait(timeout=10)
    for t in threads:
        t.join(timeout=30)
    assert len(acked) >= CREDENTIALS // 3, f"too few acknowledged before the kill: {errors[:3]}"

    proc, address = _serve(paths.root)
    try:
        with CfxClient(address, paths.client_dir(), timeout=10) as admin:
            checkpoint = admin.checkpoint().checkpoint
            # The operator may read every entry: none comes as a bare leaf hash.
            entries = [leaf.entry or b"" for leaf in admin.iter_log(0, checkpoint.size)]
            # The restarted log verifies against its own signed checkpoint...
            vkey = (paths.root / "log.vkey").read_text(encoding="utf-8").strip()
            note_key = NoteKey.from_vkey(vkey)
            verified = verify_checkpoint(checkpoint.note, note_key.public_key, note_key.name)
            assert len(entries) == verified.size
            assert _mth([leaf_hash(e) for e in entries]) == verified.root_hash
            # ...and is consistent with the newest checkpoint any client saw before the crash.
            seen = max(
                (verify_checkpoint(n, note_key.public_key, note_key.name) for n in last_note),
                key=lambda cp: cp.size,
            )
            proof = admin.consistency_proof(seen.size, verified.size).proof
            verify_consistency(
                seen.size, verified.size, list(proof), seen.root_hash, verified.root_hash
            )
            logged = {}
            for raw in entries:
                entry = decode_entry(raw)
                assert isinstance(entry, DatasetAccepted)
                logged[entry.digest.hex()] = entry.dataset
            # Every acknowledged dataset is there, and nothing that was never submitted.
            assert set(acked) <= set(logged)
            assert set(logged) <= attempted
            # No half-write: every log entry has its dataset with exactly the logged bytes.
            for digest, name in logged.items():
                stored = admin.get(name).dataset
                assert hashlib.sha256(stored.credential).hexdigest() == digest
            print(f"acknowledged {len(acked)}, logged {len(logged)} of {CREDENTIALS} attempted")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
