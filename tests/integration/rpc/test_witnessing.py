"""One node witnesses another: co-signs only consistent growth, and catches a forked log that
shows two different trees of the same size under the same key (split view, T6)."""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.app import Node, open_node, start
from gateway.client import CfxClient
from gateway.log.checkpoint import NoteKey, open_checkpoint, parse_note
from gateway.log.errors import SplitViewError
from gateway.node import NodePaths, NodeRole, add_client, edit_trust, init_node, load_node_key
from gateway.server import RunningServer
from gateway.trust import Role
from gateway.witnessing import read_peer_key, witness_peer
from signing.keys import generate_key
from tests.helpers.nodes import EXPORTER, example, signed_bytes


class Peer:
    """A node we can start, stop and fork (copy its directory while it is stopped)."""

    def __init__(self, root: Path) -> None:
        self.paths = NodePaths(root)
        self.node: Node | None = None
        self.server: RunningServer | None = None

    def start(self) -> str:
        self.node = node = open_node(self.paths.root)
        self.server = server = start(node, listen="127.0.0.1:0")
        return f"127.0.0.1:{server.port}"

    def stop(self) -> None:
        assert self.node is not None, "the peer was not started"
        assert self.server is not None, "the peer was not started"
        self.server.stop(0)
        self.node.close()


@pytest.fixture
def setup(tmp_path: Path):
    now = datetime.now(UTC)
    a = init_node(tmp_path / "a", role=NodeRole.PROVINCIAL, org="sichuan-db", now=now)
    add_client(a, org=EXPORTER, role=Role.EXPORTER, out=tmp_path / "exporter", now=now)
    add_client(a, org="national-db", role=Role.REPOSITORY, out=tmp_path / "b-at-a", now=now)
    key = generate_key("ed25519")
    edit_trust(a, lambda r: r.with_key(EXPORTER, Role.EXPORTER, key.did, now))
    b = init_node(tmp_path / "b", role=NodeRole.NATIONAL, org="national-db", now=now)
    return tmp_path, a, b, key


def _submit(address: str, tmp_path: Path, key) -> None:
    document = example("valid/product-footprint-electronics-laptop.json")
    document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    with CfxClient(address, tmp_path / "exporter") as client:
        client.submit(signed_bytes(document, key))


def test_witness_cosigns_consistent_growth_and_remembers_the_head(setup):
    tmp_path, a_paths, b_paths, key = setup
    a = Peer(a_paths.root)
    address = a.start()
    try:
        peer_key = read_peer_key(a_paths.root / "log.vkey")
        for _ in range(2):
            _submit(address, tmp_path, key)
        with CfxClient(address, tmp_path / "b-at-a") as peer:
            first = witness_peer(b_paths, peer, peer_key)
            _submit(address, tmp_path, key)
            second = witness_peer(b_paths, peer, peer_key)
    finally:
        a.stop()
    assert (first.previous_size, first.size) == (0, 2)
    assert (second.previous_size, second.size) == (2, 3)
    note = parse_note(second.note)
    assert len(note.signatures) == 2  # the peer's own and ours
    b_node_key = load_node_key(b_paths).crypto_key
    assert isinstance(b_node_key, Ed25519PrivateKey)  # open_node refuses any other node key
    b_key = NoteKey(f"cfx.national-db.{NodeRole.NATIONAL}/log", b_node_key.public_key())
    checkpoint, _ = open_checkpoint(second.note, b_key)
    assert checkpoint.size == 3


def test_forked_log_with_two_roots_at_one_size_is_a_split_view(setup):
    tmp_path, a_paths, b_paths, key = setup
    a = Peer(a_paths.root)
    address = a.start()
    _submit(address, tmp_path, key)
    a.stop()
    fork_root = tmp_path / "a-fork"
    shutil.copytree(a_paths.root, fork_root)  # same key, same origin, same first entry
    fork = Peer(fork_root)
    peer_key = read_peer_key(a_paths.root / "log.vkey")

    address = a.start()
    try:
        _submit(address, tmp_path, key)
        with CfxClient(address, tmp_path / "b-at-a") as peer:
            honest = witness_peer(b_paths, peer, peer_key)
    finally:
        a.stop()
    address = fork.start()
    try:
        _submit(address, tmp_path, key)  # a different second entry
        with CfxClient(address, tmp_path / "b-at-a") as peer, pytest.raises(SplitViewError) as err:
            witness_peer(b_paths, peer, peer_key)
    finally:
        fork.stop()
    assert honest.size == 2
    assert err.value.previous_note is not None
    assert err.value.presented_note is not None
    assert err.value.previous_note != err.value.presented_note
