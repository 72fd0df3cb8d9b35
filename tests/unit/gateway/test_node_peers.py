"""The node's peers.json on SQLite and PostgreSQL: edits are signed and versioned, and the store's
highest version refuses an older (or deleted) file put back (R4), whatever store the node uses."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.domain import NodeRole
from gateway.federation.peers import Peer, PeersRollbackError, PeersSignatureError
from gateway.log.checkpoint import NoteKey
from gateway.node import (
    NodePaths,
    add_client,
    current_peers,
    edit_peers,
    init_node,
    load_peers,
    load_trust,
)
from gateway.trust import RegistryConflictError, Role


def _peer(name: str, port: int) -> Peer:
    key = Ed25519PrivateKey.generate().public_key()
    return Peer(
        name=name,
        address=f"127.0.0.1:{port}",
        identity=Path(f"peers/{name}"),
        log_key=NoteKey(f"cfx.{name}.provincial/log", key).to_vkey(),
        org=name,
        node_role=NodeRole.PROVINCIAL,
    )


@pytest.fixture
def node(tmp_path: Path) -> NodePaths:
    return init_node(tmp_path / "node", role=NodeRole.NATIONAL, org="mee")


def test_a_new_node_has_no_peers(node: NodePaths, store_url: str):
    assert not node.peers.exists()
    assert current_peers(node, store_url=store_url).peers == ()


def test_edits_are_signed_versions(node: NodePaths, store_url: str):
    edit_peers(node, lambda s: s.with_peer(_peer("sichuan", 7001)), store_url=store_url)
    edited = edit_peers(node, lambda s: s.with_peer(_peer("hubei", 7002)), store_url=store_url)
    assert edited.version == 2
    assert load_peers(node) == edited
    assert current_peers(node, store_url=store_url) == edited


def test_older_peers_file_put_back_is_refused(node: NodePaths, store_url: str):
    edit_peers(node, lambda s: s.with_peer(_peer("sichuan", 7001)), store_url=store_url)
    old = node.peers.read_bytes()
    edit_peers(node, lambda s: s.without_peer("sichuan"), store_url=store_url)
    node.peers.write_bytes(old)
    with pytest.raises(PeersRollbackError) as info:
        current_peers(node, store_url=store_url)
    assert (info.value.version, info.value.highest) == (1, 2)
    assert info.value.reason == "PEERS_FILE_ROLLBACK"
    # Nor can the old file be edited into a new version: that would re-sign old content.
    with pytest.raises(PeersRollbackError):
        edit_peers(node, lambda s: s.with_peer(_peer("hubei", 7002)), store_url=store_url)
    node.peers.unlink()
    with pytest.raises(PeersRollbackError):
        current_peers(node, store_url=store_url)


def test_peers_file_of_another_node_is_refused(node: NodePaths, tmp_path: Path):
    other = init_node(tmp_path / "other", role=NodeRole.PROVINCIAL, org="sichuan-db")
    edit_peers(other, lambda s: s.with_peer(_peer("hubei", 7002)))
    node.peers.write_bytes(other.peers.read_bytes())
    with pytest.raises(PeersSignatureError):
        load_peers(node)


def test_node_identity_reissued_for_another_node_role_is_refused(node: NodePaths, tmp_path: Path):
    """The node role decides what usage policies let the peer read: it changes only by revoking
    the identity, never by issuing a second certificate."""
    add_client(node, org="sichuan-db", role=Role.NODE, out=tmp_path / "one",
               node_role=NodeRole.PROVINCIAL)  # fmt: skip
    add_client(node, org="sichuan-db", role=Role.NODE, out=tmp_path / "two",
               node_role=NodeRole.PROVINCIAL)  # fmt: skip
    with pytest.raises(RegistryConflictError, match="revoke it first"):
        add_client(node, org="sichuan-db", role=Role.NODE, out=tmp_path / "three",
                   node_role=NodeRole.NATIONAL)  # fmt: skip
    assert not (tmp_path / "three").exists()
    identity = load_trust(node).identity_for_peer(["spiffe://cfx/org/sichuan-db/node"])
    assert identity is not None
    assert identity.node_role is NodeRole.PROVINCIAL
