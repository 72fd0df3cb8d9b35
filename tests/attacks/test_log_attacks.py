"""Attacks on the transparency log's evidence: a receipt moved to other bytes, and a forked log
shown to a witness. Both are caught by the party checking the evidence (a client, a witness),
not by the node that serves it, so each test asserts the typed error and its stable reason where
the other tests assert a gRPC status, then the same "nothing stored, still healthy, < 2 s"."""

from __future__ import annotations

import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.app import Node as AppNode
from gateway.app import open_node, start
from gateway.client import CfxClient
from gateway.log.errors import DigestMismatchError, SplitViewError
from gateway.log.receipt import verify_receipt
from gateway.node import (
    NodePaths,
    NodeRole,
    add_client,
    edit_trust,
    init_node,
    load_config,
    open_node_store,
)
from gateway.rpc.convert import receipt_from_pb
from gateway.server import RunningServer
from gateway.trust import Role
from gateway.witnessing import read_peer_key, witness_peer
from signing.keys import PrivateKey, generate_key
from tests.helpers.attacks import (
    EXPORTER,
    LAPTOP,
    REFUSAL_SECONDS,
    Harness,
    Node,
    assert_healthy,
    fresh,
    signed_bytes,
)


def test_receipt_from_another_entry_is_refused(harness: Harness, node: Node):
    identity = harness.node.log.identity
    with node.client() as client:
        first = client.submit(harness.sign(fresh()))
        second = client.submit(harness.sign(fresh()))
        receipt = receipt_from_pb(client.get(first.dataset.name).receipt)
    before = node.stored()
    public = identity.private_key.public_key()
    verify_receipt(receipt, first.dataset.credential, public, identity.key_name, identity.origin)
    started = time.monotonic()
    with pytest.raises(DigestMismatchError) as err:
        verify_receipt(
            receipt, second.dataset.credential, public, identity.key_name, identity.origin
        )
    assert time.monotonic() - started < REFUSAL_SECONDS
    assert err.value.reason == "DIGEST_MISMATCH"
    assert node.stored() == before
    assert_healthy(node)


class _Peer:
    """A provincial node that can be stopped, copied (forked) and started again."""

    def __init__(self, root: Path) -> None:
        self.paths = NodePaths(root)
        self.app: AppNode | None = None
        self.server: RunningServer | None = None

    def start(self) -> str:
        self.app = open_node(self.paths.root)
        self.server = start(self.app, listen="127.0.0.1:0")
        return f"127.0.0.1:{self.server.port}"

    def stop(self) -> None:
        assert self.server is not None
        assert self.app is not None
        self.server.stop(0)
        self.app.close()


def _submit(address: str, identity: Path, key: PrivateKey) -> None:
    with CfxClient(address, identity) as client:
        client.submit(signed_bytes(fresh(LAPTOP), key))


def test_forked_log_is_a_split_view_to_the_witness(tmp_path: Path):
    now = datetime.now(UTC)
    a = init_node(tmp_path / "a", role=NodeRole.PROVINCIAL, org="sichuan-db", now=now)
    exporter, witness_identity = tmp_path / "exporter", tmp_path / "b-at-a"
    add_client(a, org=EXPORTER, role=Role.EXPORTER, out=exporter, now=now)
    add_client(a, org="national-db", role=Role.REPOSITORY, out=witness_identity, now=now)
    key = generate_key("ed25519")
    edit_trust(a, lambda r: r.with_key(EXPORTER, Role.EXPORTER, key.did, now))
    b = init_node(tmp_path / "b", role=NodeRole.NATIONAL, org="national-db", now=now)

    honest = _Peer(a.root)
    _submit(honest.start(), exporter, key)
    honest.stop()
    peer_key = read_peer_key(a.root / "log.vkey")  # written by the node's first start
    shutil.copytree(a.root, tmp_path / "a-fork")  # same key, same origin, same first entry
    address = honest.start()
    try:
        _submit(address, exporter, key)
        with CfxClient(address, witness_identity) as peer:
            assert witness_peer(b, peer, peer_key).size == 2
    finally:
        honest.stop()

    fork = _Peer(tmp_path / "a-fork")
    address = fork.start()
    try:
        _submit(address, exporter, key)  # another second entry: a second tree of size 2
        forked = Node(fork.paths, address, {"exporter": exporter})
        before, heads_before = forked.stored(), _witness_heads(b)
        started = time.monotonic()
        with CfxClient(address, witness_identity) as peer, pytest.raises(SplitViewError) as err:
            witness_peer(b, peer, peer_key)
        assert time.monotonic() - started < REFUSAL_SECONDS
        assert err.value.reason == "SPLIT_VIEW"
        assert err.value.previous_note != err.value.presented_note  # the evidence, both notes
        assert _witness_heads(b) == heads_before  # the witness did not adopt the fork
        assert forked.stored() == before
        assert_healthy(forked)
    finally:
        fork.stop()


def _witness_heads(paths: NodePaths) -> dict:
    with open_node_store(paths, load_config(paths)) as store:
        return store.load_witness_heads()
