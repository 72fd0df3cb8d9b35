"""The GEC ledger over real gRPC and real stores (issue 14): a certificate is claimed once.

At one node a second claim is refused (GEC_DOUBLE_CLAIM) without naming the other
organization's footprint; of two racing claims exactly one wins; a withdrawal releases the
claims; across nodes both footprints are kept and the one its origin logged first wins.
"""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import pytest

from gateway.client import ClientError
from gateway.federation.rounds import sync_round
from gateway.node import NodePaths, add_client, edit_trust
from gateway.trust import Role
from signing.keys import PrivateKey, generate_key
from tests.helpers.federation import Pair, make_pair
from tests.helpers.gec import gec_claims
from tests.helpers.nodes import Harness, example, make_node, signed_bytes

BATTERY = "valid/product-footprint-power-battery-with-gec.json"
RIVAL = "rival-cells"

Rival = tuple[Harness, PrivateKey]


@pytest.fixture
def rival(tmp_path: Path, store_url: str) -> Iterator[Rival]:
    """A node with a second exporter organization, `rival-cells`, and its signing key."""
    key = generate_key("ed25519")

    def configure(paths: NodePaths) -> None:
        now = datetime.now(UTC)
        add_client(paths, org=RIVAL, role=Role.EXPORTER, out=tmp_path / "rival", now=now)
        edit_trust(paths, lambda r: r.with_key(RIVAL, Role.EXPORTER, key.did, now))

    for harness in make_node(tmp_path, store_url, configure):
        harness.identities["rival"] = tmp_path / "rival"
        yield harness, key


def footprint(claims_of: dict[str, Any] | None = None) -> dict[str, Any]:
    """A battery footprint with a fresh id; with the GEC claims of `claims_of` when given."""
    document = example(BATTERY)
    document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    document.pop("id", None)
    if claims_of is not None:
        electricity = document["credentialSubject"]["electricity"]
        electricity["gecClaims"] = copy.deepcopy(gec_claims(claims_of))
    return document


def refusal(harness: Harness, who: str, raw: bytes) -> ClientError:
    with harness.client(who) as client, pytest.raises(ClientError) as caught:
        client.submit(raw)
    return caught.value


def withdrawal_of(document: dict[str, Any]) -> dict[str, Any]:
    update = example("valid/status-update-deprecate-footprint.json")
    update["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    update["credentialSubject"]["targetDatasetId"] = document["credentialSubject"]["id"]
    update["credentialSubject"]["action"] = "withdraw"
    update.pop("id", None)
    return update


def test_a_second_exporter_claiming_the_same_certificates_is_refused_unnamed(rival: Rival) -> None:
    harness, rival_key = rival
    first = footprint()
    with harness.client() as client:
        held = client.submit(harness.sign(first)).dataset.name
    size = harness.log_size()
    err = refusal(harness, "rival", signed_bytes(footprint(first), rival_key))
    assert (err.code, err.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "GEC_DOUBLE_CLAIM")
    first_id = gec_claims(first)[0]["firstCertificateId"]
    assert first_id in err.message
    assert err.metadata["firstCertificateId"] == first_id
    # The rival may not read sichuan-cells' footprint: neither its name nor its org is told.
    assert held not in err.message
    assert "sichuan-cells" not in err.message
    assert err.metadata["holder"] == ""
    assert harness.log_size() == size


def test_the_refusal_names_the_holder_to_a_caller_who_may_read_it(rival: Rival) -> None:
    harness, _ = rival
    first = footprint()
    with harness.client() as client:
        held = client.submit(harness.sign(first)).dataset.name
    err = refusal(harness, "exporter", harness.sign(footprint(first)))
    assert err.reason == "GEC_DOUBLE_CLAIM"
    assert err.metadata["holder"] == held
    assert held in err.message


def test_of_two_concurrent_double_claims_exactly_one_wins(rival: Rival) -> None:
    harness, rival_key = rival
    mine = footprint()
    raws = [harness.sign(mine), signed_bytes(footprint(mine), rival_key)]
    outcomes: list[str] = []
    gate = threading.Barrier(2)

    def submit(who: str, raw: bytes) -> None:
        with harness.client(who) as client:
            gate.wait()
            try:
                client.submit(raw)
                outcomes.append("accepted")
            except ClientError as err:
                outcomes.append(err.reason)

    threads = [
        threading.Thread(target=submit, args=(who, raw))
        for who, raw in zip(("exporter", "rival"), raws, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["GEC_DOUBLE_CLAIM", "accepted"]


def test_a_withdrawal_releases_the_claims_for_a_new_claim(rival: Rival) -> None:
    harness, rival_key = rival
    first = footprint()
    with harness.client() as client:
        name = client.submit(harness.sign(first)).dataset.name
        client.withdraw(name, harness.sign(withdrawal_of(first)))
    with harness.client("rival") as client:
        accepted = client.submit(signed_bytes(footprint(first), rival_key))
    assert accepted.dataset.name != name


def test_a_successor_may_reclaim_what_it_supersedes(rival: Rival) -> None:
    harness, rival_key = rival
    first = footprint()
    successor = footprint(first)
    successor["credentialSubject"]["precedingPfIds"] = [first["credentialSubject"]["id"]]
    with harness.client() as client:
        client.submit(harness.sign(first))
        client.submit(harness.sign(successor))
    # Not another organization's footprint, though: it supersedes nothing of the rival's.
    taken = footprint(first)
    taken["credentialSubject"]["precedingPfIds"] = [first["credentialSubject"]["id"]]
    assert refusal(harness, "rival", signed_bytes(taken, rival_key)).reason == "GEC_DOUBLE_CLAIM"


@pytest.fixture
def pair(tmp_path: Path, store_url: str) -> Iterator[Pair]:
    yield from make_pair(tmp_path, store_url)


@pytest.mark.parametrize("earlier", ["origin", "puller"])
def test_a_double_claim_across_nodes_is_flagged_after_sync_and_the_earlier_wins(
    pair: Pair, earlier: str
) -> None:
    provincial = footprint()
    national = footprint(provincial)
    order = [("origin", provincial), ("puller", national)]
    if earlier == "puller":
        order.reverse()
    names: dict[str, str] = {}
    for where, document in order:
        with getattr(pair, where).client() as client:
            names[where] = client.submit(pair.sign(document)).dataset.name
    (summary,) = sync_round(pair.puller.node, [pair.peer])
    assert (summary.outcome, summary.stored) == ("synced", 1)
    conflicts = pair.puller.node.store.gec_conflicts()
    # One conflict per claimed range (the example claims a wind and a PV range).
    assert sorted(c.overlap.first_id for c in conflicts) == sorted(
        claim["firstCertificateId"] for claim in gec_claims(provincial)
    )
    later = "puller" if earlier == "origin" else "origin"
    for conflict in conflicts:
        assert conflict.winner["dataset"] == names[earlier]
        assert conflict.loser["dataset"] == names[later]
        assert (conflict.winner["gecConflict"], conflict.loser["gecConflict"]) == ("won", "lost")
        assert conflict.winner["origin"] == (pair.peer.origin if earlier == "origin" else "")
        assert all(len(side["digest"]) == 64 for side in (conflict.winner, conflict.loser))
    # Both footprints are kept; a third claim of the same certificates is refused at the node.
    assert pair.puller.node.store.get_dataset(names["origin"])
    with pair.puller.client() as client, pytest.raises(ClientError) as caught:
        client.submit(pair.sign(footprint(provincial)))
    assert caught.value.reason == "GEC_DOUBLE_CLAIM"
