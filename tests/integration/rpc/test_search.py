"""Distributed search on real nodes (real gRPC, real mTLS; the national and registry nodes on
SQLite and on PostgreSQL): the three-node chain plus a rogue peer of the national node
(tests.helpers.search_net). Footprints are issued by the provincial exporter and synced down."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from gateway._proto.cfx.v1 import dataset_pb2 as pb
from gateway._proto.cfx.v1 import search_service_pb2 as sr
from gateway.client import CfxClient, ClientError
from gateway.domain import sha256_hex
from gateway.rpc import convert
from gateway.rpc.guard import Call
from gateway.search.query import MAX_TEXT_CHARS
from tests.helpers.federation_chain import Chain, make_chain
from tests.helpers.nodes import EXPORTER
from tests.helpers.search_net import SearchNet, dumps, extend_for_search, footprint, request, slow

# The second store of the same kind for the registry node (shared with the delegation tests).
from tests.integration.rpc.test_delegation import second_store_url  # noqa: F401

HS = "urn:pact:wcoomd.org:hs-code:"
COMPANY = "urn:pact:acme.example:company-id:42"
TO_ALL = {"shareWith": ["national", "registry", "org:national", "org:eu-registry"]}
NATIONAL_ONLY = {"shareWith": ["national", "org:national"]}
REGISTRY_ONLY = {"shareWith": ["registry", "org:eu-registry"]}


@dataclass
class Data:
    """The names of the footprints submitted at the provincial node."""

    cell: str  # hs 8507600090, shared with everyone, synced to national and registry
    alkaline: str  # hs 8506101100, shared with everyone, synced
    national_only: str  # hs 8507..., synced to national; the registry may not see it
    registry_only: str  # hs 8507..., stays at the provincial node: not shared with national


@pytest.fixture
def net(tmp_path: Path, store_url: str, second_store_url: str) -> Iterator[SearchNet]:  # noqa: F811
    for chain in make_chain(tmp_path, store_url, second_store_url):
        yield from extend_for_search(tmp_path, chain, store_url)


def _submit(chain: Chain) -> Data:
    return Data(
        cell=chain.submit(
            footprint(
                productIds=[f"{HS}8507600090"],
                productClassifications=[f"{HS}850760"],
                companyIds=[COMPANY],
                productNameCompany="LFP Cell Module M3",
                usagePolicy=TO_ALL,
            )
        ),
        alkaline=chain.submit(
            footprint(
                productIds=[f"{HS}8506101100"],
                productNameCompany="Alkaline cell AA",
                usagePolicy=TO_ALL,
            )
        ),
        national_only=chain.submit(
            footprint(productIds=[f"{HS}8507100000"], usagePolicy=NATIONAL_ONLY)
        ),
        registry_only=chain.submit(
            footprint(productIds=[f"{HS}8507200000"], usagePolicy=REGISTRY_ONLY)
        ),
    )


@pytest.fixture
def data(net: SearchNet) -> Data:
    submitted = _submit(net.chain)
    assert net.chain.sync_national().stored == 2 + 1  # the registry-only one stays at home
    assert net.chain.sync_registry().stored == 2  # national-only stays at national
    return submitted


def names(response: sr.SearchDatasetsResponse) -> set[str]:
    return {r.dataset.name for r in response.results}


def search(client: CfxClient, **fields: Any) -> sr.SearchDatasetsResponse:
    return client.search(request(**fields))


def at(year: int) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(datetime(year, 6, 1, tzinfo=UTC))
    return ts


def test_local_search_by_each_criterion(net: SearchNet, data: Data) -> None:
    with net.admin(net.chain.provincial) as client:
        assert names(search(client, product_id=f"{HS}8507600090")) == {data.cell}
        assert names(search(client, company_id=COMPANY)) == {data.cell}
        assert names(search(client, classification="hs-code:8507")) == {data.cell}
        assert names(search(client, product_name="cell mod")) == {data.cell}
        assert names(search(client, product_name="CELL")) == {data.cell, data.alkaline}
        everything = {data.cell, data.alkaline, data.national_only, data.registry_only}
        assert names(search(client, geography="CN")) == everything
        assert names(search(client, geography="DE")) == set()
        footprints = search(client, kind=pb.DATASET_KIND_PRODUCT_FOOTPRINT)
        assert names(footprints) == everything
        assert names(search(client, kind=pb.DATASET_KIND_ATTESTATION)) == set()
        # Laptop example: valid 3 years from its reference period end (2026-01-01).
        assert names(search(client, valid_at_time=at(2027))) == everything
        assert names(search(client, valid_at_time=at(2030))) == set()
        origin = net.chain.provincial.node.log.identity.origin
        assert {tuple(r.origins) for r in footprints.results} == {(origin,)}


def test_hs_codes_match_by_prefix_and_only_by_prefix(net: SearchNet, data: Data) -> None:
    with net.admin(net.chain.provincial) as client:
        hs8507 = {data.cell, data.national_only, data.registry_only}
        assert names(search(client, product_id="8507")) == hs8507
        assert names(search(client, product_id="hs-code:8507")) == hs8507
        assert names(search(client, product_id=f"{HS}8507")) == hs8507
        assert names(search(client, product_id="cn-code:85076000")) == {data.cell}
        assert names(search(client, product_id="85076")) == {data.cell}
        assert data.alkaline not in names(search(client, product_id="85076"))
        assert names(search(client, product_id="850")) == hs8507 | {data.alkaline}
        assert names(search(client, product_id="0850")) == set()
        assert names(search(client, product_id="urn:pact:other:8507")) == set()


def test_pages_are_bounded_and_tokens_bound_to_the_query(net: SearchNet, data: Data) -> None:
    with net.admin(net.chain.provincial) as client:
        seen: list[str] = []
        token = ""
        while True:
            page = search(client, product_id="8507", page_size=1, page_token=token)
            assert len(page.results) <= 1
            seen += [r.dataset.name for r in page.results]
            token = page.next_page_token
            if not token:
                break
        assert sorted(seen) == sorted({data.cell, data.national_only, data.registry_only})
        first = search(client, product_id="8507", page_size=1)
        with pytest.raises(ClientError) as refused:
            search(client, product_id="8506", page_token=first.next_page_token)
        assert refused.value.code is grpc.StatusCode.INVALID_ARGUMENT
        with pytest.raises(ClientError) as too_long:
            search(client, product_name="x" * (MAX_TEXT_CHARS + 1))
        assert (too_long.value.code, too_long.value.reason) == (
            grpc.StatusCode.INVALID_ARGUMENT,
            "SEARCH_QUERY_INVALID",
        )
        with pytest.raises(ClientError) as claimed:
            search(client, on_behalf_of="eu-registry")
        assert claimed.value.reason == "SEARCH_QUERY_INVALID"


def test_fan_out_merges_three_nodes_by_digest_with_their_origins(
    net: SearchNet, data: Data
) -> None:
    late = net.chain.submit(footprint(productIds=[f"{HS}8507300000"], usagePolicy=TO_ALL))
    chain = net.chain
    provincial, national, registry = (
        n.node.log.identity.origin for n in (chain.provincial, chain.national, chain.registry)
    )
    with net.admin(chain.national) as client:
        local = search(client, product_id="8507")
        found = search(client, product_id="8507", fan_out=True)
    assert names(local) == {data.cell, data.national_only}
    by_name = {r.dataset.name: set(r.origins) for r in found.results}
    assert len(found.results) == len({r.dataset.digest for r in found.results})
    assert by_name == {
        data.cell: {national, provincial, registry},
        data.national_only: {national, provincial},
        late: {provincial},
    }
    assert all(r.origins[0] == national for r in found.results if r.dataset.name != late)
    assert {(p.peer, p.reason) for p in found.peers} == {
        ("sichuan", "ANSWERED"),
        ("eu-registry", "ANSWERED"),
        ("rogue", "ANSWERED"),
    }


def test_a_peer_too_slow_is_listed_and_the_rest_returned_within_the_deadline(
    net: SearchNet, data: Data
) -> None:
    net.rogue.answer = slow
    # The client's own deadline is the bound: a late answer would raise DEADLINE_EXCEEDED.
    with net.admin(net.chain.national, timeout=4.0) as client:
        found = search(client, product_id="8507", fan_out=True)
    outcomes = {p.peer: p.reason for p in found.peers}
    assert outcomes == {
        "sichuan": "ANSWERED",
        "eu-registry": "ANSWERED",
        "rogue": "DEADLINE_EXCEEDED",
    }
    assert names(found) == {data.cell, data.national_only}


def test_a_registry_caller_never_sees_a_footprint_not_shared_with_it(
    net: SearchNet, data: Data
) -> None:
    with net.admin(net.chain.registry) as client:
        found = search(client, product_id="8507", fan_out=True)
        everything = search(client, fan_out=True)
    assert data.national_only not in names(found) | names(everything)
    assert names(found) == {data.cell}  # registry_only is still only at the provincial node
    assert {(p.peer, p.reason) for p in found.peers} == {("national", "ANSWERED")}


def test_on_behalf_of_only_narrows_what_a_peer_node_gets(net: SearchNet, data: Data) -> None:
    # The identity the provincial node issued to the national node (make_chain writes it).
    identity = net.chain.national.paths.root.parent / "n"
    with CfxClient(net.chain.provincial.address, identity) as node:
        own = names(search(node, product_id="8507"))
        for_registry = names(search(node, product_id="8507", on_behalf_of="eu-registry"))
        for_issuer = names(search(node, product_id="8507", on_behalf_of=EXPORTER))
        fanned = search(node, product_id="8507", fan_out=True)
    assert own == {data.cell, data.national_only}  # not registry_only: not shared with it
    assert for_registry == {data.cell}
    assert for_issuer == own  # naming the issuer widens nothing: registry_only stays out
    assert not fanned.peers  # a peer node never fans out further


def _served(net: SearchNet, name: str, **changes: Any) -> sr.SearchResult:
    record = net.chain.provincial.node.store.get_dataset(name)
    return sr.SearchResult(
        dataset=convert.dataset(replace(record, **changes) if changes else record)
    )


def test_results_a_malicious_peer_forges_are_dropped_and_reported(
    net: SearchNet, data: Data
) -> None:
    honest = _served(net, data.cell)
    wrong_digest = _served(net, data.national_only)
    wrong_digest.dataset.digest = "0" * 64
    unreadable = _served(net, data.registry_only)  # verifies, but not shared with `national`
    off_query = _served(net, data.alkaline)  # a real dataset that is no 8507
    unsigned = sr.SearchResult(dataset=pb.Dataset(name=honest.dataset.name))
    unsigned.dataset.credential = dumps(footprint(productIds=[f"{HS}8507999999"]))
    unsigned.dataset.digest = sha256_hex(unsigned.dataset.credential)

    def forged(_request: sr.SearchDatasetsRequest, _call: Call) -> sr.SearchDatasetsResponse:
        return sr.SearchDatasetsResponse(
            results=[honest, wrong_digest, unreadable, off_query, unsigned, honest]
        )

    net.rogue.answer = forged
    with net.admin(net.chain.national) as client:
        found = search(client, product_id="8507", fan_out=True, page_size=5)
    assert names(found) == {data.cell, data.national_only}
    rogue = next(p for p in found.peers if p.peer == "rogue")
    assert (rogue.reason, rogue.results, rogue.dropped) == ("DROPPED_RESULTS", 1, 5)
    reasons = ("DIGEST_MISMATCH", "UNVERIFIED", "NOT_MATCHING", "OUTSIDE_AUDIENCE", "OVER_PAGE")
    for reason in reasons:
        assert reason in rogue.message
    cell = next(r for r in found.results if r.dataset.name == data.cell)
    assert len(cell.origins) == 4  # national, provincial, registry and the rogue's copy
