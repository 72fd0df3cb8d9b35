"""Delegated trust on three real nodes (provincial -> national -> registry; real gRPC, real mTLS,
the national and registry nodes on SQLite and on PostgreSQL): keys the provincial node alone
registered are accepted down the chain, within what each hop may vouch for, and stop counting
everywhere once the provincial node revokes them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway.federation.vouching import log_public_key
from gateway.node import edit_trust, revoke_key
from gateway.store.errors import NotFoundError
from gateway.trust.signed_file import TRUST_FILE
from tests.helpers.federation_chain import Chain, make_chain, other_store_url
from tests.helpers.nodes import example

BATTERY = "valid/product-footprint-power-battery-with-gec.json"
GRID_FACTOR = "valid/emission-factor-sichuan-grid-co2-2022.json"
SHARED = {"shareWith": ["national", "registry"]}


@pytest.fixture
def second_store_url(store_url: str, tmp_path: Path) -> Iterator[str]:
    """Another store of the same kind as `store_url` (a second node needs its own)."""
    with other_store_url(store_url, tmp_path) as url:
        yield url


@pytest.fixture
def chain(tmp_path: Path, store_url: str, second_store_url: str) -> Iterator[Chain]:
    yield from make_chain(tmp_path, store_url, second_store_url)


@pytest.fixture
def undelegated(tmp_path: Path, store_url: str, second_store_url: str) -> Iterator[Chain]:
    yield from make_chain(tmp_path, store_url, second_store_url, delegate=False)


def fresh(relative: str = BATTERY, **subject: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(json.dumps(example(relative)))
    document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    document["credentialSubject"].update(subject)
    document.pop("id", None)
    return document


def held(chain_node: Any, name: str) -> bool:
    try:
        chain_node.node.store.get_dataset(name)
    except NotFoundError:
        return False
    return True


def test_a_registry_delegating_to_national_accepts_a_footprint_only_provincial_registered(
    chain: Chain,
) -> None:
    name = chain.submit(fresh(usagePolicy=SHARED))
    national = chain.sync_national()
    registry = chain.sync_registry()
    assert (national.outcome, national.stored, national.refused) == ("synced", 1, [])
    assert (registry.outcome, registry.stored, registry.refused) == ("synced", 1, [])
    assert held(chain.national, name)
    assert held(chain.registry, name)
    # No exporter key was copied: neither puller registers the exporter itself.
    for node in (chain.national, chain.registry):
        assert node.node.trust.current().key(chain.exporter_key.did) is None


def test_without_delegate_a_footprint_of_an_unregistered_exporter_is_refused_not_quarantined(
    undelegated: Chain,
) -> None:
    name = undelegated.submit(fresh(usagePolicy=SHARED))
    summary = undelegated.sync_national()
    assert (summary.outcome, summary.stored) == ("synced", 0)
    assert [r["reason"] for r in summary.refused] == ["KEY_NOT_TRUSTED"]
    assert undelegated.national.node.store.peer_quarantines() == {}
    assert not held(undelegated.national, name)


def test_a_kind_outside_what_the_provincial_node_may_vouch_for_is_refused(chain: Chain) -> None:
    # A provincial node vouches for emission factors of its own organization only.
    name = chain.submit(fresh(GRID_FACTOR), who="grid")
    summary = chain.sync_national()
    assert (summary.outcome, summary.stored) == ("synced", 0)
    assert [r["reason"] for r in summary.refused] == ["ROLE_NOT_ALLOWED"]
    assert not held(chain.national, name)


def test_a_key_revoked_at_provincial_stops_counting_at_national_and_registry_after_sync(
    chain: Chain,
) -> None:
    first = chain.submit(fresh(usagePolicy=SHARED))
    assert chain.sync_national().stored == 1
    assert chain.sync_registry().stored == 1
    second = chain.submit(fresh(usagePolicy=SHARED))
    assert chain.sync_national().stored == 1  # the national node holds it; the registry not yet
    third = chain.submit(fresh(usagePolicy=SHARED))
    # Revoke as `cfx trust revoke-key` does: the signed registry and a log entry.
    revoke_key(chain.provincial.paths, chain.exporter_key.did)
    national = chain.sync_national()
    assert (national.outcome, national.stored) == ("synced", 0)
    assert [r["reason"] for r in national.refused] == ["KEY_REVOKED"]
    assert not held(chain.national, third)
    registry = chain.sync_registry()
    assert (registry.outcome, registry.stored) == ("synced", 0)
    assert [r["reason"] for r in registry.refused] == ["KEY_REVOKED"]
    assert held(chain.registry, first)
    assert not held(chain.registry, second)


def test_a_peer_serving_an_older_registry_is_quarantined_with_both_versions(chain: Chain) -> None:
    trust = chain.provincial.paths.trust
    old = trust.read_bytes()
    edit_trust(chain.provincial.paths, lambda r: r.with_threshold("sichuan-cells", 1))
    assert chain.sync_national().outcome == "synced"
    trust.write_bytes(old)  # an old, validly signed registry put back at the provincial node
    summary = chain.sync_national()
    assert summary.outcome == "quarantined"
    quarantine = chain.national.node.store.peer_quarantines()[chain.national_peer.origin]
    assert quarantine.reason == "PEER_TRUST_ROLLBACK"
    served = int(quarantine.evidence["served_version"])
    assert served < int(quarantine.evidence["adopted_version"])
    # The evidence is the provincial node's own signed file: anyone can check it.
    provincial_key = log_public_key(chain.national_peer.log_key)
    evidence = quarantine.evidence["served_trust_file"].encode()
    assert TRUST_FILE.verify(evidence, provincial_key).version == served
