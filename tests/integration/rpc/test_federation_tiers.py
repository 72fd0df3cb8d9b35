"""The three tiers of issue 12 on real nodes (real gRPC, real mTLS; the pulling nodes on SQLite
and on PostgreSQL): a sync of 1,000 datasets, the registry never receiving a footprint not shared
with it even through the national node, a withdrawal reaching every node the dataset went to,
and national rules flowing down to the provincial node, where they are enforced.

The other tier tests live next to the code they exercise: forks, rollbacks, altered bytes and a
kill -9 mid-round in test_sync_misbehaviour.py; delegation and revocation in test_delegation.py.
"""

from __future__ import annotations

import copy
import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import grpc
import pytest

from gateway.client import CfxClient, ClientError, served_leaf
from gateway.domain import DatasetStatus
from gateway.federation.peers import Peer, PeerSet
from gateway.federation.policy import Reader
from gateway.federation.rounds import sync_round
from gateway.log.checkpoint import NoteKey
from gateway.log.entry import DatasetReplicated, decode_entry
from gateway.log.leaves import verify_served_log
from gateway.log.receipt import verify_receipt
from gateway.rpc.convert import receipt_from_pb
from gateway.rpc.federation import FederationServicer
from gateway.rpc.guard import Call
from gateway.store.errors import NotFoundError
from schemas.resources import bundled_rule_credentials
from tests.helpers.federation import (
    ORIGIN_ORG,
    PairDirs,
    RunningNode,
    add_puller,
    prepare_pair,
    run_node,
    serve_double,
    write_peers,
)
from tests.helpers.federation_chain import Chain, make_chain, other_store_url
from tests.helpers.nodes import example, signed_bytes

BATTERY = "valid/product-footprint-power-battery-with-gec.json"
BATCH = 1_000
SHARED_WITH_REGISTRY = {"shareWith": ["national", "registry"]}
NATIONAL_RULE = "urn:cfx:accounting-rule:power-battery-national:1.0.0"
FOR_PROVINCES = {"shareWith": ["provincial"]}


def fresh(relative: str = BATTERY, **subject: Any) -> dict[str, Any]:
    """An example dataset with a new subject id and `subject` members set."""
    document: dict[str, Any] = copy.deepcopy(example(relative))
    document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    document["credentialSubject"].update(subject)
    document.pop("id", None)
    return document


# -- sync of 1,000 datasets -------------------------------------------------------------------


@dataclass
class Loaded:
    """An origin node holding BATCH accepted footprints: (name, exact bytes) of each."""

    dirs: PairDirs
    origin: RunningNode
    submitted: list[tuple[str, bytes]]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    """Signed and submitted once for the module; each store's test pulls from this origin."""
    dirs = prepare_pair(tmp_path_factory.mktemp("tiers"))
    origin = run_node(dirs.origin, None, {"exporter": dirs.exporter(ORIGIN_ORG)})
    try:
        signed = [signed_bytes(fresh(), dirs.exporter_key) for _ in range(BATCH)]
        with origin.client() as client:
            submitted = [(client.submit(raw).dataset.name, raw) for raw in signed]
        yield Loaded(dirs, origin, submitted)
    finally:
        origin.server.stop(0)
        origin.node.close()


@pytest.fixture
def puller(loaded: Loaded, tmp_path: Path, store_url: str) -> Iterator[tuple[RunningNode, Peer]]:
    """A fresh national node on `store_url` listing the loaded origin as its peer."""
    paths, identity = add_puller(tmp_path, loaded.dirs.origin, loaded.dirs.exporter_key)
    running = run_node(paths, store_url, {"exporter": tmp_path / "national-exporter"})
    try:
        peer = replace(loaded.dirs.peer(loaded.origin.address), identity=identity)
        write_peers(paths, PeerSet().with_peer(peer))
        yield running, peer
    finally:
        running.server.stop(0)
        running.node.close()


def _replicated(running: RunningNode, start: int) -> list[DatasetReplicated]:
    store = running.node.store
    entries = [decode_entry(bytes(e)) for e in store.log_entries(start, store.log_size())]
    return [e for e in entries if isinstance(e, DatasetReplicated)]


def _assert_origin_receipts_verify(
    running: RunningNode, peer: Peer, submitted: list[tuple[str, bytes]]
) -> None:
    origin_key = NoteKey.from_vkey(peer.log_key)
    with running.client() as client:
        for name, raw in submitted:
            (receipt,) = client.get(name).origin_receipts
            verify_receipt(
                receipt_from_pb(receipt), raw, origin_key.public_key, origin_key.name, peer.origin
            )


def test_sync_of_1000_datasets_keeps_every_byte_logs_each_once_and_a_second_round_is_a_no_op(
    loaded: Loaded, puller: tuple[RunningNode, Peer]
) -> None:
    running, peer = puller
    store = running.node.store
    before = store.log_size()

    (summary,) = sync_round(running.node, [peer])

    assert (summary.outcome, summary.stored, summary.refused) == ("synced", BATCH, [])
    assert (summary.start, summary.end) == (0, BATCH)
    assert store.peer_position(peer.origin).size == BATCH
    assert store.log_size() == before + BATCH
    replicated = _replicated(running, before)
    assert len(replicated) == BATCH
    assert {e.origin for e in replicated} == {peer.origin}
    assert sorted(e.origin_index for e in replicated) == list(range(BATCH))
    digests = {hashlib.sha256(raw).hexdigest(): (name, raw) for name, raw in loaded.submitted}
    held = store.find_by_digests(list(digests))
    assert len(held) == BATCH
    for digest, (name, raw) in digests.items():
        assert (held[digest].name, held[digest].credential) == (name, raw)
    _assert_origin_receipts_verify(running, peer, [loaded.submitted[0], loaded.submitted[-1]])

    size = store.log_size()
    (again,) = sync_round(running.node, [peer])
    assert (again.outcome, again.stored, again.start, again.end) == ("synced", 0, BATCH, BATCH)
    assert store.log_size() == size
    assert store.peer_position(peer.origin).size == BATCH


# -- three nodes: provincial -> national -> registry ------------------------------------------


@pytest.fixture
def chain(tmp_path: Path, store_url: str) -> Iterator[Chain]:
    with other_store_url(store_url, tmp_path) as registry_url:
        yield from make_chain(tmp_path, store_url, registry_url)


def held(running: RunningNode, name: str) -> bool:
    """True when `running` holds dataset `name`."""
    try:
        running.node.store.get_dataset(name)
    except NotFoundError:
        return False
    return True


def _national_index(chain: Chain) -> dict[str, int]:
    """National log index of each dataset it replicated, by name."""
    return {e.dataset: i for i, e in enumerate(_all_replicated(chain.national))}


def _all_replicated(running: RunningNode) -> list[DatasetReplicated]:
    store = running.node.store
    entries = [decode_entry(bytes(e)) for e in store.log_entries(0, store.log_size())]
    assert all(isinstance(e, DatasetReplicated) for e in entries)
    return [e for e in entries if isinstance(e, DatasetReplicated)]


def test_the_registry_never_receives_a_footprint_not_shared_with_it_even_through_national(
    chain: Chain,
) -> None:
    shared = chain.submit(fresh(usagePolicy=SHARED_WITH_REGISTRY))
    default = chain.submit(fresh())  # the default audience: the issuing node and national
    elsewhere = chain.submit(fresh(usagePolicy={"shareWith": ["national", "org:acme-buyer"]}))

    national = chain.sync_national()
    assert (national.outcome, national.stored, national.refused) == ("synced", 3, [])
    registry = chain.sync_registry()
    assert (registry.outcome, registry.stored, registry.refused) == ("synced", 1, [])
    assert registry.end == chain.national.node.store.log_size() == 3

    assert [held(chain.registry, n) for n in (shared, default, elsewhere)] == [True, False, False]
    assert [e.dataset for e in _all_replicated(chain.registry)] == [shared]
    # What the national node serves the registry: the shared entry in full, leaf hashes of the
    # others, and the whole tree still verifies against the national node's checkpoint.
    with CfxClient(chain.national.address, chain.registry_peer.identity) as client:
        note = client.checkpoint().checkpoint.note
        page = client.pull_entries(0, 3)
    leaves = [served_leaf(leaf) for leaf in page.leaves]
    verified = verify_served_log(note, leaves, NoteKey.from_vkey(chain.registry_peer.log_key))
    index = _national_index(chain)
    assert set(verified.entries) == {index[shared]}
    assert verified.hidden == 2
    assert [d.log_index for d in page.datasets] == [index[shared]]


class _LeakingServicer(FederationServicer):
    """A national node that serves every peer as if it were the issuing node: in full,
    whatever the issuer's usage policy says."""

    @staticmethod
    def _reader(call: Call) -> Reader:
        return replace(FederationServicer._reader(call), is_origin=True)


def test_a_national_node_leaking_an_unshared_footprint_is_quarantined_by_the_registry(
    chain: Chain,
) -> None:
    shared = chain.submit(fresh(usagePolicy=SHARED_WITH_REGISTRY))
    assert chain.sync_national().stored == 1
    assert chain.sync_registry().stored == 1
    unshared = chain.submit(fresh())
    assert chain.sync_national().stored == 1
    registry = chain.registry.node.store
    size = registry.log_size()
    server = serve_double(chain.national.node, _LeakingServicer)
    try:
        leaking = replace(chain.registry_peer, address=f"127.0.0.1:{server.port}")
        (summary,) = sync_round(chain.registry.node, [leaking])
    finally:
        server.stop(0)
    assert summary.outcome == "quarantined"
    quarantine = registry.peer_quarantines()[chain.registry_peer.origin]
    assert quarantine.reason == "OUTSIDE_USAGE_POLICY"
    assert registry.log_size() == size
    assert registry.peer_position(chain.registry_peer.origin).size == 1
    assert held(chain.registry, shared)
    assert not held(chain.registry, unshared)


def test_a_withdrawal_at_provincial_reaches_national_and_the_registry(chain: Chain) -> None:
    document = fresh(usagePolicy=SHARED_WITH_REGISTRY)
    name = chain.submit(document)
    assert chain.sync_national().stored == 1
    assert chain.sync_registry().stored == 1
    update = fresh("valid/status-update-withdraw-shared-footprint.json")
    update["credentialSubject"]["targetDatasetId"] = document["credentialSubject"]["id"]
    with chain.provincial.client() as client:
        client.withdraw(name, signed_bytes(update, chain.exporter_key))

    assert chain.sync_national().status_changes == 1
    assert chain.sync_registry().status_changes == 1
    for running in (chain.provincial, chain.national, chain.registry):
        assert running.node.store.get_dataset(name).status is DatasetStatus.WITHDRAWN


def _national_battery_rule() -> dict[str, Any]:
    """The bundled battery rule made stricter by the national node: at most 0.5 % of the
    emissions may be cut off (the bundled rule allows 3 %), shared with provincial nodes."""
    rule: dict[str, Any] = copy.deepcopy(dict(bundled_rule_credentials()["power-battery"]))
    rule.pop("id", None)
    rule["credentialSubject"]["id"] = NATIONAL_RULE
    rule["credentialSubject"]["cutOff"]["maxExemptedEmissionsPercent"] = "0.5"
    rule["credentialSubject"]["usagePolicy"] = FOR_PROVINCES
    return rule


def _battery_exempting(percent: str) -> dict[str, Any]:
    document = fresh(usagePolicy=SHARED_WITH_REGISTRY, accountingRuleId=NATIONAL_RULE)
    document["credentialSubject"]["pcf"]["exemptedEmissionsPercent"] = percent
    return document


def _refusal(chain: Chain, document: dict[str, Any]) -> ClientError:
    before = chain.provincial.node.store.log_size()
    with pytest.raises(ClientError) as caught:
        chain.submit(document)
    assert caught.value.code is grpc.StatusCode.INVALID_ARGUMENT
    assert chain.provincial.node.store.log_size() == before
    return caught.value


def test_a_rule_published_at_national_is_pulled_and_enforced_at_provincial(chain: Chain) -> None:
    rule = chain.publish_national(_national_battery_rule())
    factor = chain.publish_national(
        fresh(
            "valid/emission-factor-china-electricity-footprint-2023.json", usagePolicy=FOR_PROVINCES
        )
    )
    # Before the pull the provincial node does not know the rule at all.
    unknown = _refusal(chain, _battery_exempting("0.4"))
    assert [v.reason for v in unknown.violations] == ["UNKNOWN_ACCOUNTING_RULE"]

    summary = chain.sync_provincial()
    assert (summary.outcome, summary.stored, summary.refused) == ("synced", 2, [])
    assert held(chain.provincial, rule)
    assert held(chain.provincial, factor)

    breaking = _refusal(chain, _battery_exempting("0.8"))  # within 3 %, beyond the pulled 0.5 %
    assert breaking.reason == "RULE_VIOLATION"
    assert [v.reason for v in breaking.violations] == ["CUT_OFF_EXCEEDED"]
    complying = chain.submit(_battery_exempting("0.4"))
    assert held(chain.provincial, complying)
    # The footprint made under the national rule goes up and is checked there against it; the
    # rule and factor coming back from the provincial log add nothing to the national one.
    national_log = chain.national.node.store.log_size()
    up = chain.sync_national()
    assert (up.outcome, up.refused) == ("synced", [])
    assert chain.national.node.store.log_size() == national_log + 1
    assert held(chain.national, complying)


def test_a_rule_pulled_from_national_is_stored_byte_for_byte_with_its_origin(chain: Chain) -> None:
    rule = chain.publish_national(_national_battery_rule())
    chain.sync_provincial()
    at_national = chain.national.node.store.get_dataset(rule)
    at_provincial = chain.provincial.node.store.get_dataset(rule)
    assert at_provincial.credential == at_national.credential
    store = chain.provincial.node.store
    last = decode_entry(bytes(store.log_entries(store.log_size() - 1, store.log_size())[0]))
    assert isinstance(last, DatasetReplicated)
    assert (last.dataset, last.origin) == (rule, chain.provincial_peer.origin)
