"""Attestations travel with their footprint (issue 14), across three real nodes (provincial ->
national -> registry; real gRPC and mTLS; national and registry on SQLite and on PostgreSQL):
an attestation's audience is its footprint's usage policy, sync binds it to the exact bytes held
at the receiving node, and a revocation follows it everywhere it went."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway._proto.cfx.v1 import dataset_pb2 as pb
from gateway.client import CfxClient, ClientError
from gateway.domain import DatasetKind, DatasetStatus
from gateway.federation.rounds import sync_round
from tests.helpers.attestation_travel import (
    attest,
    register_certifier,
    revoke,
    submit_footprint,
)
from tests.helpers.federation import RunningNode as Node
from tests.helpers.federation_chain import Chain, make_chain, other_store_url

TO_REGISTRY = {"shareWith": ["national", "registry"]}


@pytest.fixture
def chain(tmp_path: Path, store_url: str) -> Iterator[Chain]:
    with other_store_url(store_url, tmp_path) as second:
        built = make_chain(tmp_path, store_url, second)
        yield next(built)
        for _ in built:
            pass


def held(node: Node, credential_id: str) -> bytes | None:
    """The exact bytes `node` holds under `credential_id`, if any."""
    found = node.node.store.datasets_with_id(credential_id)
    return found[0].credential if found else None


def test_an_attestation_travels_with_its_footprint_across_three_nodes(chain: Chain) -> None:
    key = register_certifier(chain)
    footprint = submit_footprint(chain, TO_REGISTRY)
    attestation = attest(chain, key, footprint.raw)
    national, registry = chain.sync_national(), chain.sync_registry()
    for summary in (national, registry):
        assert (summary.outcome, summary.refused, summary.stored) == ("synced", [], 2)
    for node in (chain.national, chain.registry):
        assert held(node, footprint.credential_id) == footprint.raw
        assert held(node, attestation.credential_id) == attestation.raw
    copy = chain.registry.node.store.datasets_with_id(attestation.credential_id)[0]
    assert copy.kind is DatasetKind.ATTESTATION
    # The national node's receipt (the log it was pulled from) is kept with it.
    (receipt,) = chain.registry.node.store.origin_receipts(copy.digest)
    assert receipt.checkpoint_note.startswith(chain.national.node.log.identity.origin)


def test_an_attestation_whose_footprint_is_not_shared_with_the_registry_never_reaches_it(
    chain: Chain,
) -> None:
    key = register_certifier(chain)
    footprint = submit_footprint(chain, None)  # default audience: national nodes only
    attestation = attest(chain, key, footprint.raw)
    assert chain.sync_national().stored == 2
    registry = chain.sync_registry()
    assert (registry.outcome, registry.refused, registry.stored) == ("synced", [], 0)
    assert held(chain.national, attestation.credential_id) == attestation.raw
    assert held(chain.registry, attestation.credential_id) is None
    assert held(chain.registry, footprint.credential_id) is None


def test_an_attestation_stating_another_audience_than_its_footprint_is_refused(
    chain: Chain,
) -> None:
    key = register_certifier(chain)
    footprint = submit_footprint(chain, None)
    before = chain.provincial.node.store.log_size()
    with pytest.raises(ClientError) as refused:
        attest(chain, key, footprint.raw, usagePolicy={"shareWith": ["public"]})
    assert refused.value.reason == "ATTESTATION_AUDIENCE_MISMATCH"
    assert chain.provincial.node.store.log_size() == before
    # The footprint's own policy, restated, is accepted.
    shared = submit_footprint(chain, TO_REGISTRY)
    attest(chain, key, shared.raw, usagePolicy=TO_REGISTRY)


def test_an_attestation_withdrawn_at_the_provincial_node_is_withdrawn_everywhere(
    chain: Chain,
) -> None:
    key = register_certifier(chain)
    footprint = submit_footprint(chain, TO_REGISTRY)
    attestation = attest(chain, key, footprint.raw)
    chain.sync_national()
    chain.sync_registry()
    revoke(chain, key, attestation)
    for summary in (chain.sync_national(), chain.sync_registry()):
        assert (summary.outcome, summary.refused, summary.status_changes) == ("synced", [], 1)
    for node in (chain.provincial, chain.national, chain.registry):
        (record,) = node.node.store.datasets_with_id(attestation.credential_id)
        assert record.status is DatasetStatus.WITHDRAWN
        with CfxClient(node.address, node.paths.client_dir()) as client:  # its operator
            assert client.get(record.name).dataset.status == pb.DATASET_STATUS_WITHDRAWN
    # The footprint itself stays active: only the attestation was revoked.
    (footprint_copy,) = chain.registry.node.store.datasets_with_id(footprint.credential_id)
    assert footprint_copy.status is DatasetStatus.ACTIVE


def test_an_attestation_whose_footprint_the_node_does_not_hold_is_refused_not_kept(
    chain: Chain,
) -> None:
    key = register_certifier(chain)
    footprint = submit_footprint(chain, TO_REGISTRY)
    attestation = attest(chain, key, footprint.raw)
    chain.sync_national()
    # A registry that pulls attestations but not footprints never holds the attested bytes.
    no_footprints = frozenset({DatasetKind.ATTESTATION, DatasetKind.STATUS_UPDATE})
    peer = dataclasses.replace(chain.registry_peer, pull=no_footprints)
    (summary,) = sync_round(chain.registry.node, [peer])
    assert summary.outcome == "synced"
    assert [r["reason"] for r in summary.refused] == ["ATTESTED_DATASET_NOT_HELD"]
    assert held(chain.registry, attestation.credential_id) is None
