"""The peers model and its signed file (issue 12): round trips, strict refusals, versioning."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.domain import DatasetKind, NodeRole
from gateway.federation.peers import (
    PEERS_FILE,
    InvalidPeerError,
    Peer,
    PeerConflictError,
    PeerNotFoundError,
    PeerSet,
    PeersFileError,
    PeersSignatureError,
    check_address,
    origin_names,
)
from gateway.log.checkpoint import NoteKey
from gateway.trust.signed_file import TRUST_FILE
from signing.keys import generate_key


def vkey(origin: str) -> str:
    return NoteKey(origin, Ed25519PrivateKey.generate().public_key()).to_vkey()


def peer(name: str = "sichuan", **changes: Any) -> Peer:
    fields: dict[str, Any] = {
        "name": name,
        "address": "127.0.0.1:7443",
        "identity": Path(f"peers/{name}"),
        "log_key": vkey(f"cfx.{name}-db.provincial/log"),
        "org": f"{name}-db",
        "node_role": NodeRole.PROVINCIAL,
    }
    return Peer(**(fields | changes))


@pytest.fixture
def peers() -> PeerSet:
    return (
        PeerSet()
        .with_peer(peer("sichuan"))
        .with_peer(
            peer(
                "eu-registry",
                address="[::1]:8443",
                identity=Path("/srv/ids/eu"),
                node_role=NodeRole.REGISTRY,
                pull=frozenset({DatasetKind.PRODUCT_FOOTPRINT}),
                delegate=True,
            )
        )
    )


def test_round_trip_is_exact(peers: PeerSet):
    assert PeerSet.from_dict(peers.to_dict()) == peers
    assert PeerSet.from_dict(json.loads(json.dumps(peers.to_dict()))) == peers
    listed = peers.to_dict()["peers"]
    assert [p["name"] for p in listed] == ["eu-registry", "sichuan"]
    assert listed[0]["pull"] == ["ProductFootprint"]
    assert listed[0]["delegate"] is True
    assert listed[1]["pull"] == sorted(DatasetKind)  # default: every kind


def test_signed_file_round_trip(tmp_path: Path, peers: PeerSet):
    key = generate_key("ed25519")
    PEERS_FILE.save(tmp_path / "peers.json", peers, key)
    assert PEERS_FILE.load(tmp_path / "peers.json", key.public_key) == peers


def test_every_edit_is_a_new_version_and_the_old_set_is_unchanged(peers: PeerSet):
    assert peers.version == 2
    fewer = peers.without_peer("sichuan")
    assert fewer.version == 3
    assert [p.name for p in fewer.peers] == ["eu-registry"]
    assert [p.name for p in peers.peers] == ["eu-registry", "sichuan"]
    again = fewer.with_peer(peer("sichuan"))
    assert again.version == 4


def test_peer_added_twice_is_refused(peers: PeerSet):
    with pytest.raises(PeerConflictError, match="remove it first"):
        peers.with_peer(peer("sichuan", address="127.0.0.1:9999"))


def test_same_log_under_two_names_is_refused(peers: PeerSet):
    """One log pulled twice would store each of its datasets twice."""
    same_log = replace(peers.peer("sichuan"), name="sichuan-again", address="127.0.0.2:7443")
    with pytest.raises(PeerConflictError, match="same log origin"):
        peers.with_peer(same_log)


def test_same_address_under_two_names_is_refused(peers: PeerSet):
    with pytest.raises(PeerConflictError, match="same address"):
        peers.with_peer(peer("other", address="127.0.0.1:7443"))


def test_removing_an_unknown_peer_is_refused(peers: PeerSet):
    with pytest.raises(PeerNotFoundError):
        peers.without_peer("nobody")


@pytest.mark.parametrize(
    "changes",
    [
        {"name": "Sichuan"},
        {"name": "-sichuan"},
        {"name": "a" * 64},
        {"name": ""},
        {"address": "127.0.0.1"},
        {"address": "127.0.0.1:0"},
        {"address": "127.0.0.1:65536"},
        {"address": "127.0.0.1:+80"},
        {"address": ":7443"},
        {"address": "bad host:7443"},
        {"address": "[::1:7443"},
        {"address": "[not-ipv6]:7443"},
        {"address": "host/path:7443"},
        {"identity": Path()},
        {"identity": "peers/sichuan"},
        {"log_key": "not a key"},
        {"log_key": "cfx.x.provincial/log+00000000+AAAA"},
        {"org": "Sichuan DB"},
        {"node_role": "provincial"},
        {"pull": frozenset()},
        {"pull": frozenset({"ProductFootprint"})},
        {"delegate": "yes"},
    ],
)
def test_malformed_peer_is_refused(changes):
    with pytest.raises(InvalidPeerError):
        peer(**changes)


def test_log_key_with_a_wrong_key_id_is_refused():
    name, _, material = vkey("cfx.a.national/log").split("+", 2)
    with pytest.raises(InvalidPeerError, match="key ID"):
        peer(log_key=f"{name}+00000000+{material}")


def test_log_key_is_kept_canonical():
    text = vkey("cfx.a.national/log")
    assert peer(log_key=f"  {text}\n").log_key == text


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(format="cfx-peers/2"), "unsupported peers file format"),
        (lambda d: d.update(version=-1), "non-negative"),
        (lambda d: d.update(version=True), "non-negative"),
        (lambda d: d.update(extra=1), "unknown"),
        (lambda d: d["peers"][0].pop("delegate"), "missing"),
        (lambda d: d["peers"][0].update(pull=["ProductFootprint", "Gossip"]), "Gossip"),
        (lambda d: d["peers"][0].update(pull="ProductFootprint"), "JSON array"),
        (lambda d: d["peers"][0].update(node_role="continental"), "unknown node role"),
        (lambda d: d["peers"][0].update(address=7443), "must be a string"),
        (lambda d: d["peers"].reverse(), "sorted"),
        (lambda d: d["peers"].insert(0, d["peers"][0]), "listed twice"),
    ],
)
def test_malformed_peers_file_content_is_refused(peers: PeerSet, edit, message):
    data = peers.to_dict()
    edit(data)
    with pytest.raises(PeersFileError, match=message):
        PeerSet.from_dict(data)


def test_tampered_peers_file_is_refused(tmp_path: Path, peers: PeerSet):
    key = generate_key("ed25519")
    document = json.loads(PEERS_FILE.sign(peers, key))
    document["signed"]["peers"][0]["address"] = "evil.example:7443"
    with pytest.raises(PeersSignatureError, match="it was changed"):
        PEERS_FILE.verify(json.dumps(document).encode(), key.public_key)


def test_peers_file_signed_by_another_key_is_refused(peers: PeerSet):
    node_key, intruder = generate_key("ed25519"), generate_key("ed25519")
    with pytest.raises(PeersSignatureError, match="not signed by the node key"):
        PEERS_FILE.verify(PEERS_FILE.sign(peers, intruder), node_key.public_key)


def test_node_signature_for_another_kind_of_file_does_not_verify_as_peers(peers: PeerSet):
    """Domain separation: the node key's signature over the same JSON as a trust file."""
    key = generate_key("ed25519")
    signed = peers.to_dict()
    trust_signature = key.sign(TRUST_FILE.signing_input(signed))
    forged = {
        "signed": signed,
        "signatures": [
            {"keyid": key.did, "sig": base64.urlsafe_b64encode(trust_signature).decode()}
        ],
    }
    with pytest.raises(PeersSignatureError):
        PEERS_FILE.verify(json.dumps(forged).encode(), key.public_key)


def test_peers_file_above_its_size_limit_is_refused(peers: PeerSet):
    key = generate_key("ed25519")
    padded = PEERS_FILE.sign(peers, key) + b" " * PEERS_FILE.max_bytes
    with pytest.raises(PeersFileError, match="not valid JSON"):
        PEERS_FILE.verify(padded, key.public_key)


def test_origin_names_a_default_origin_only():
    assert origin_names("cfx.sichuan-db.provincial/log") == ("sichuan-db", NodeRole.PROVINCIAL)
    assert origin_names("cfx.mee.national/log") == ("mee", NodeRole.NATIONAL)
    assert origin_names("example.com/log") is None
    assert origin_names("cfx.sichuan-db.continental/log") is None
    assert origin_names("cfx.Sichuan.provincial/log") is None


def test_relative_identity_is_resolved_against_the_node(tmp_path: Path):
    assert peer().identity_dir(tmp_path) == tmp_path / "peers" / "sichuan"
    absolute = peer(identity=Path("/srv/ids/a"))
    assert absolute.identity_dir(tmp_path) == Path("/srv/ids/a")


def test_check_address_accepts_names_and_addresses():
    for address in ("localhost:1", "node-a.example.org:65535", "10.0.0.1:7443", "[::1]:7443"):
        assert check_address(address) == address
