"""How delegated trust travels and is verified hop by hop (gateway.federation.vouching) and kept
per peer (gateway.federation.peer_trust, the store's delegated-trust table on both stores)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.domain import NodeRole
from gateway.federation.delegation import Hop
from gateway.federation.misbehaviour import ForgedTrustError, TrustRollbackServedError
from gateway.federation.peer_trust import (
    adopt_peer_trust,
    delegated_registries,
    served_delegations,
)
from gateway.federation.peers import Peer
from gateway.federation.vouching import (
    DELEGATIONS_FILE,
    MAX_DELEGATIONS,
    Delegations,
    Vouched,
    VouchedTrustError,
    VouchedTrustSignatureError,
    log_public_key,
)
from gateway.log.checkpoint import NoteKey
from gateway.store.base import Store
from gateway.trust import Role, TrustRegistry
from gateway.trust.errors import TrustSignatureError
from gateway.trust.signed_file import TRUST_FILE
from signing.keys import PrivateKey, generate_key

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PROVINCIAL = "cfx.sichuan.provincial/log"
NATIONAL = "cfx.national.national/log"
OWN = "cfx.eu.registry/log"
PROVINCIAL_HOP = {"origin": PROVINCIAL, "org": "sichuan", "node_role": "provincial"}


def vkey(origin: str, key: PrivateKey) -> str:
    crypto = key.crypto_key
    assert isinstance(crypto, Ed25519PrivateKey)
    return NoteKey(origin, crypto.public_key()).to_vkey()


def registry(version: int) -> TrustRegistry:
    base = TrustRegistry().with_key("sichuan-cells", Role.EXPORTER, "did:key:zExporter", T0)
    for _ in range(version - base.version):
        base = base.with_threshold("sichuan-cells", 1)
    return base


def hop(origin: str) -> Hop:
    org, role = origin.removeprefix("cfx.").removesuffix("/log").split(".")
    return Hop(origin, org, NodeRole(role))


def vouched(origin: str, key: PrivateKey, version: int = 1, *path: str) -> Vouched:
    hops = tuple(hop(o) for o in (*path, origin))
    return Vouched(hops, vkey(origin, key), TRUST_FILE.sign(registry(version), key))


def test_a_vouched_registry_verifies_with_the_key_of_its_own_node_only() -> None:
    key = generate_key("ed25519")
    entry = vouched(PROVINCIAL, key, 2)
    assert entry.verify().registry.version == 2
    forged = Vouched(
        entry.path, entry.log_key, TRUST_FILE.sign(registry(2), generate_key("ed25519"))
    )
    with pytest.raises(TrustSignatureError):
        forged.verify()
    other_log = Vouched(entry.path, vkey(NATIONAL, key), entry.trust_file)
    with pytest.raises(VouchedTrustError, match="another log"):
        other_log.verify()


def test_a_delegations_document_round_trips_and_is_bound_to_its_signer() -> None:
    key, node_key = generate_key("ed25519"), generate_key("ed25519")
    entry = vouched(PROVINCIAL, key, 1)
    entry = Vouched(entry.path, entry.log_key, entry.trust_file, {"did:key:zExporter": T0})
    signed = DELEGATIONS_FILE.sign(Delegations((entry,)), node_key)
    assert DELEGATIONS_FILE.verify(signed, node_key.public_key).entries == (entry,)
    with pytest.raises(VouchedTrustSignatureError):
        DELEGATIONS_FILE.verify(signed, key.public_key)
    # A trust-file signature is not a delegations signature (domain separation).
    with pytest.raises(VouchedTrustError):
        DELEGATIONS_FILE.verify(TRUST_FILE.sign(registry(1), node_key), node_key.public_key)


def _entry_dict(**changes: Any) -> dict[str, Any]:
    body = vouched(PROVINCIAL, generate_key("ed25519")).to_dict()
    body.update(changes)
    return body


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"path": []}, "1 to"),
        ({"path": [PROVINCIAL_HOP, PROVINCIAL_HOP]}, "twice"),
        ({"path": [{"origin": PROVINCIAL, "org": "sichuan", "node_role": "mayor"}]}, "role"),
        ({"path": [{"origin": PROVINCIAL, "org": "other", "node_role": "provincial"}]}, "is not"),
        ({"path": [{"origin": "", "org": "x", "node_role": "national"}]}, "malformed"),
        ({"path": "x"}, "array"),
        ({"revocations": []}, "revocations"),
        ({"revocations": {"did:key:z": "yesterday"}}, "delegation entry"),
        ({"trust_file": "not base64!"}, "delegation entry"),
        ({"log_key": 7}, "string"),
        ({"extra": 1}, r"unknown \[.extra.\]"),
    ],
)
def test_a_malformed_delegation_entry_is_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(VouchedTrustError, match=message):
        Vouched.from_dict(_entry_dict(**changes))


def test_a_delegations_document_of_another_format_or_too_long_is_refused() -> None:
    with pytest.raises(VouchedTrustError, match="format"):
        Delegations.from_dict({"format": "cfx-delegations/9", "entries": []})
    entry = _entry_dict()
    with pytest.raises(VouchedTrustError, match="more than"):
        Delegations.from_dict(
            {"format": "cfx-delegations/1", "entries": [entry] * (MAX_DELEGATIONS + 1)}
        )


def test_a_log_key_that_is_not_one_is_refused() -> None:
    with pytest.raises(VouchedTrustError):
        log_public_key("not a key")


# -- adopting and serving, on both stores ------------------------------------------------------


def peer(origin: str, key: PrivateKey, *, delegate: bool = True) -> Peer:
    org, role = origin.removeprefix("cfx.").removesuffix("/log").split(".")
    return Peer(
        org, "127.0.0.1:1", Path("id"), vkey(origin, key), org, NodeRole(role), delegate=delegate
    )


def test_a_peer_registry_is_kept_then_a_rollback_is_refused_with_both_versions(
    store: Store,
) -> None:
    key = generate_key("ed25519")
    national = peer(NATIONAL, key)
    adopted = adopt_peer_trust(
        store, national, TRUST_FILE.sign(registry(3), key), b"", own_origin=OWN
    )
    assert [d.registry.version for d in adopted] == [3]
    with pytest.raises(TrustRollbackServedError) as caught:
        adopt_peer_trust(store, national, TRUST_FILE.sign(registry(2), key), b"", own_origin=OWN)
    assert caught.value.evidence["adopted_version"] == "3"
    assert caught.value.evidence["served_version"] == "2"


def test_a_registry_not_signed_by_the_peer_quarantines_it(store: Store) -> None:
    national = peer(NATIONAL, generate_key("ed25519"))
    forged = TRUST_FILE.sign(registry(1), generate_key("ed25519"))
    with pytest.raises(ForgedTrustError) as caught:
        adopt_peer_trust(store, national, forged, b"", own_origin=OWN)
    assert caught.value.reason == "PEER_TRUST_INVALID"
    assert store.delegated_trust(national.origin) == []


def test_transitive_registries_are_kept_behind_the_peer_and_cycles_are_dropped(
    store: Store,
) -> None:
    national_key, provincial_key, own_key = (generate_key("ed25519") for _ in range(3))
    national = peer(NATIONAL, national_key)
    served = Delegations(
        (
            vouched(PROVINCIAL, provincial_key, 5),
            vouched(OWN, own_key, 1),  # our own registry served back: a cycle
        )
    )
    adopt_peer_trust(
        store,
        national,
        TRUST_FILE.sign(registry(1), national_key),
        DELEGATIONS_FILE.sign(served, national_key),
        own_origin=OWN,
    )
    held = delegated_registries(store, national)
    assert [[h.origin for h in d.path] for d in held] == [[NATIONAL], [NATIONAL, PROVINCIAL]]
    assert delegated_registries(store, peer(NATIONAL, national_key, delegate=False)) == []
    # Revocations the peer logs are kept with its own registry, and stay through a new round.
    store.add_peer_revocations(national.origin, {"did:key:zExporter": T0 + timedelta(days=1)})
    adopt_peer_trust(
        store, national, TRUST_FILE.sign(registry(1), national_key), b"", own_origin=OWN
    )
    (own,) = store.delegated_trust(national.origin)
    assert own[1].revocations == {"did:key:zExporter": T0 + timedelta(days=1)}
    # Served onward: still signed by the national node, one hop further.
    onward = served_delegations(store, [national], own_key)
    (entry,) = DELEGATIONS_FILE.verify(onward, own_key.public_key).entries
    assert entry.verify().registry.version == 1
    assert json.loads(base64.b64decode(entry.to_dict()["trust_file"]))["signed"]["version"] == 1
