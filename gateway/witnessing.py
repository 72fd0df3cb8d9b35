"""A node witnesses a peer's log: fetch its checkpoint and a consistency proof over gRPC, check
them with the pure `Witness`, co-sign, and keep the peer's head in our own store (T6).

The node's own key signs the co-signature, under its log origin as key name, so anyone holding
our `log.vkey` can check that we vouched for the peer's tree at that size.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.client import CfxClient
from gateway.log.checkpoint import Checkpoint, NoteKey, parse_note
from gateway.log.witness import Witness
from gateway.node import NodeError, NodePaths, load_config, load_node_key, open_node_store


@dataclass(frozen=True)
class Cosigned:
    """The outcome of `cfx witness`: the peer log, its previous and new size, the co-signed note."""

    origin: str
    previous_size: int
    size: int
    note: str


def witness_peer(paths: NodePaths, peer: CfxClient, peer_key: NoteKey) -> Cosigned:
    """Co-sign `peer`'s current checkpoint; SplitViewError/RollbackError on a contradiction."""
    config = load_config(paths)
    node_key = load_node_key(paths)
    if not isinstance(node_key.crypto_key, Ed25519PrivateKey):
        raise NodeError("the node key must be Ed25519 to co-sign checkpoints")
    note = peer.checkpoint().checkpoint.note
    origin = Checkpoint.from_note_body(parse_note(note).text).origin
    store = open_node_store(paths, config)
    try:
        heads = store.load_witness_heads()
        previous = heads.get(origin)
        size = Checkpoint.from_note_body(parse_note(note).text).size
        proof: list[bytes] = []
        if previous is not None and 0 < previous.size < size:
            proof = list(peer.consistency_proof(previous.size, size).proof)
        witness = Witness(
            key_name=config.log_origin,
            private_key=node_key.crypto_key,
            peers={origin: peer_key},
            heads=heads,
        )
        cosigned = witness.cosign(note, proof)
        store.save_witness_head(witness.heads[origin])
    finally:
        store.close()
    return Cosigned(origin, previous.size if previous else 0, size, cosigned)


def read_peer_key(path: Path) -> NoteKey:
    """A peer's log.vkey file."""
    return NoteKey.from_text(path.read_text(encoding="utf-8"))
