"""Footprint requests across three real nodes (provincial -> national -> registry; real gRPC,
real mTLS; the national and registry nodes on SQLite and on PostgreSQL): the registry asks for a
product whose exporter only the provincial node registers, the request is relayed up, answered
exactly once by its owner, the answer relayed back, and the footprint arrives by sync."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from gateway._proto.cfx.v1 import request_service_pb2 as rq
from gateway.cli import main
from gateway.client import ClientError
from gateway.requests.relay import Relay
from gateway.rpc.request_client import RequestClient
from tests.helpers.federation import run_node
from tests.helpers.federation_chain import Chain, make_chain, other_store_url
from tests.helpers.nodes import EXPORTER, example, signed_bytes

BATTERY = "valid/product-footprint-power-battery-with-gec.json"
PRODUCT = "urn:pact:battery.sc.cfx.example:product-id:LFP-75-2025"
# Travels down the chain and may be given to the registry's own clients (the requester).
FOR_REQUESTER = {"shareWith": ["national", "registry", "org:eu-registry"]}
# Travels down the chain to the nodes only: not to the requester, a client.
NODES_ONLY = {"shareWith": ["national", "registry"]}


@pytest.fixture
def second_store_url(store_url: str, tmp_path: Path) -> Iterator[str]:
    """Another store of the same kind as `store_url` (the registry node needs its own)."""
    with other_store_url(store_url, tmp_path) as url:
        yield url


@pytest.fixture
def chain(tmp_path: Path, store_url: str, second_store_url: str) -> Iterator[Chain]:
    built = make_chain(tmp_path, store_url, second_store_url)
    ready = next(built)
    ready.sync_national()  # the directory is learned through sync: registries travel
    ready.sync_registry()
    yield ready
    for _ in built:
        pass


def submit(chain: Chain, policy: dict[str, Any], *, who: str = "exporter") -> tuple[str, bytes]:
    document: dict[str, Any] = json.loads(json.dumps(example(BATTERY)))
    document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    document["credentialSubject"]["usagePolicy"] = policy
    document.pop("id", None)
    raw = signed_bytes(document, chain.exporter_key if who == "exporter" else chain.grid_key)
    with chain.provincial.client(who) as client:
        return client.submit(raw).dataset.name, raw


def requester(chain: Chain) -> RequestClient:
    """The registry operator's own client at the registry node."""
    return RequestClient(chain.registry.address, chain.registry.paths.client_dir())


def owner(chain: Chain, who: str = "exporter") -> RequestClient:
    return RequestClient(chain.provincial.address, chain.provincial.identities[who])


def ask(chain: Chain) -> str:
    criteria = rq.FootprintCriteria(product_id=PRODUCT, geography="CN", comment="for customs")
    with requester(chain) as client:
        created = client.create(EXPORTER, criteria)
    assert created.state == rq.REQUEST_STATE_CREATED
    return created.name


def relay_up(chain: Chain) -> None:
    assert Relay(chain.registry.node, [chain.registry_peer]).round() == {"national": "done"}
    assert Relay(chain.national.node, [chain.national_peer]).round() == {"sichuan": "done"}


def relay_back(chain: Chain) -> None:
    Relay(chain.national.node, [chain.national_peer]).round()
    Relay(chain.registry.node, [chain.registry_peer]).round()


def refused(call: Any) -> ClientError:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value


def test_a_registry_request_is_fulfilled_by_the_provincial_exporter_byte_identical(
    chain: Chain,
) -> None:
    footprint, raw = submit(chain, FOR_REQUESTER)
    name = ask(chain)
    relay_up(chain)
    with owner(chain) as client:
        (seen,) = client.list_requests(rq.REQUEST_VIEW_OWNER).requests
        assert (seen.name, seen.criteria.product_id) == (name, PRODUCT)
        answered = client.fulfil(name, [footprint])
    assert answered.state == rq.REQUEST_STATE_FULFILLED
    relay_back(chain)
    chain.sync_national()
    chain.sync_registry()
    with requester(chain) as client:
        got = client.get_request(name)
        assert got.state == rq.REQUEST_STATE_FULFILLED
        assert list(got.held_footprints) == [footprint]
        (watched,) = list(client.watch_requests(rq.REQUEST_VIEW_REQUESTER, timeout=1.5))
        assert watched.name == name
    copy = chain.registry.node.store.get_dataset(footprint)
    assert copy.credential == raw
    assert chain.registry.node.store.origin_receipts(copy.digest)
    # The log holds digests of the request, never its criteria in clear.
    store = chain.registry.node.store
    entries = store.log_entries(0, store.log_size())
    assert any(b'"type":"request"' in e for e in entries)
    assert not any(PRODUCT.encode() in e or b"for customs" in e for e in entries)


def test_a_rejection_travels_back_and_a_second_different_answer_is_refused(chain: Chain) -> None:
    footprint, _ = submit(chain, FOR_REQUESTER)
    name = ask(chain)
    relay_up(chain)
    with owner(chain) as client:
        client.reject(name, "NotFound", "not made any more")
        again = client.reject(name, "NotFound", "not made any more")  # idempotent
        assert again.state == rq.REQUEST_STATE_REJECTED
        err = refused(lambda: client.fulfil(name, [footprint]))
    assert (err.code, err.reason) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "REQUEST_ALREADY_ANSWERED",
    )
    relay_back(chain)
    with requester(chain) as client:
        got = client.get_request(name)
    assert (got.state, got.reject_code) == (rq.REQUEST_STATE_REJECTED, "NotFound")


def test_duplicate_fulfilments_log_one_answer(chain: Chain) -> None:
    footprint, _ = submit(chain, FOR_REQUESTER)
    name = ask(chain)
    relay_up(chain)
    store = chain.provincial.node.store
    with owner(chain) as client:
        first = client.fulfil(name, [footprint])
        size = store.log_size()
        second = client.fulfil(name, [footprint])
    assert (first.sequence, store.log_size()) == (second.sequence, size)
    relay_back(chain)
    relay_back(chain)  # a second pass brings nothing new
    with requester(chain) as client:
        assert client.get_request(name).state == rq.REQUEST_STATE_FULFILLED


def test_an_answer_waits_for_a_requester_node_that_was_down(
    chain: Chain, second_store_url: str
) -> None:
    footprint, _ = submit(chain, FOR_REQUESTER)
    name = ask(chain)
    relay_up(chain)
    down = chain.registry
    down.server.stop(0)
    down.node.close()
    with owner(chain) as client:
        client.fulfil(name, [footprint])
    Relay(chain.national.node, [chain.national_peer]).round()
    restarted = run_node(down.paths, second_store_url, {})
    try:
        chain.registry = restarted
        assert Relay(restarted.node, [chain.registry_peer]).round() == {"national": "done"}
        with requester(chain) as client:
            assert client.get_request(name).state == rq.REQUEST_STATE_FULFILLED
        # Acknowledged: the national node no longer offers it.
        assert chain.national.node.store.select_requests("answers_for", "eu-registry") == []
    finally:
        restarted.server.stop(0)
        restarted.node.close()
        chain.registry = down


def test_an_organization_fulfilling_a_request_addressed_to_another_is_refused(
    chain: Chain,
) -> None:
    footprint, _ = submit(chain, FOR_REQUESTER)
    name = ask(chain)
    relay_up(chain)
    with owner(chain, "grid") as client:
        err = refused(lambda: client.fulfil(name, [footprint]))
    assert (err.code, err.reason) == (grpc.StatusCode.PERMISSION_DENIED, "REQUEST_NOT_OWNER")


def test_a_footprint_not_shareable_with_the_requester_is_refused_as_an_answer(
    chain: Chain,
) -> None:
    footprint, _ = submit(chain, NODES_ONLY)
    name = ask(chain)
    relay_up(chain)
    with owner(chain) as client:
        err = refused(lambda: client.fulfil(name, [footprint]))
        assert client.get_request(name).state == rq.REQUEST_STATE_CREATED
    assert (err.code, err.reason) == (
        grpc.StatusCode.PERMISSION_DENIED,
        "REQUEST_FOOTPRINT_NOT_SHAREABLE",
    )


def test_cfx_request_create_then_show_prints_the_request_as_json(
    chain: Chain, capsys: pytest.CaptureFixture[str]
) -> None:
    common = [
        "--server",
        chain.registry.address,
        "--client-cert",
        str(chain.registry.paths.client_dir()),
        "--json",
    ]
    create = ["request", "create", "--owner", EXPORTER, "--product-id", PRODUCT, *common]
    assert main(create) == 0
    created = json.loads(capsys.readouterr().out)
    assert created["state"] == "REQUEST_STATE_CREATED"
    assert main(["request", "show", created["name"], *common]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["name"], shown["criteria"]["product_id"]) == (created["name"], PRODUCT)
    unknown = ["request", "create", "--owner", "nobody-here", "--product-id", PRODUCT, *common]
    assert main(unknown) != 0
    assert "REQUEST_OWNER_UNKNOWN" in capsys.readouterr().err
