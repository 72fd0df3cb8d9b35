"""Distributed-search network: the three-node chain (tests.helpers.federation_chain) plus, at the
national node, two more search peers: the registry node, and a `rogue` peer node that runs only
a hand-written SearchService (real mTLS, real authentication of the `node` identity it issued
to the national node) which answers slowly or with forged results, as a test sets it.

Clients: each node's operator identity (`admin`, role registry_operator: reads every kind).
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc

from gateway._proto.cfx.v1 import search_service_pb2 as sr
from gateway._proto.cfx.v1 import search_service_pb2_grpc as sr_grpc
from gateway.app import open_node
from gateway.client import CfxClient
from gateway.domain import NodeRole
from gateway.federation.links import link
from gateway.node import edit_trust, init_node
from gateway.rpc.guard import Call, Guard, unary
from gateway.rpc.search import register_search
from gateway.server import RunningServer, TlsMaterial, create_server
from gateway.trust import Role
from tests.helpers.federation import RunningNode
from tests.helpers.federation_chain import Chain
from tests.helpers.nodes import EXPORTER, example

LAPTOP = "valid/product-footprint-electronics-laptop.json"
ROGUE_ORG = "rogue-province"

#: What the rogue answers: (request, call) -> response.
Answer = Callable[[sr.SearchDatasetsRequest, Call], sr.SearchDatasetsResponse]


def footprint(**subject: Any) -> dict[str, Any]:
    """A fresh ProductFootprint (the laptop example, new id) with `subject` fields set."""
    document: dict[str, Any] = copy.deepcopy(example(LAPTOP))
    document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    document["credentialSubject"].update(subject)
    document.pop("id", None)
    return document


def slow(_request: sr.SearchDatasetsRequest, call: Call) -> sr.SearchDatasetsResponse:
    """Answer only when the caller's time is up (a peer too slow to count)."""
    call.wakeup.wait(call.time_left())
    return sr.SearchDatasetsResponse()


@dataclass
class RogueSearch(sr_grpc.SearchServiceServicer):
    """A peer's SearchService that answers whatever `answer` makes."""

    guard: Guard
    answer: Answer = field(default=lambda _r, _c: sr.SearchDatasetsResponse())

    @unary
    def SearchDatasets(  # noqa: N802 - gRPC method name
        self, request: sr.SearchDatasetsRequest, call: Call
    ) -> sr.SearchDatasetsResponse:
        """The rogue's answer."""
        return self.answer(request, call)

    def register(self, server: grpc.Server) -> str:
        """Add to `server`."""
        return register_search(self, server)


@dataclass
class SearchNet:
    """The chain, the rogue peer's servicer, and a client per node's operator."""

    chain: Chain
    rogue: RogueSearch

    def admin(self, running: RunningNode, *, timeout: float = 10.0) -> CfxClient:
        """A client with `running`'s operator identity."""
        return CfxClient(running.address, running.paths.client_dir(), timeout=timeout)


def _serve_rogue(root: Path) -> tuple[Any, RogueSearch, RunningServer]:
    paths = init_node(root / "rogue", role=NodeRole.PROVINCIAL, org=ROGUE_ORG)
    node = open_node(paths.root)
    guard = node.guard()
    rogue = RogueSearch(guard)
    tls = TlsMaterial(
        ca_pem=paths.ca_cert.read_bytes(),
        cert_pem=paths.server_cert.read_bytes(),
        key_pem=paths.server_key.read_bytes(),
    )
    server = create_server([rogue.register], tls=tls, guard=guard)
    return node, rogue, server


def extend_for_search(root: Path, chain: Chain, national_url: str | None) -> Iterator[SearchNet]:
    """List the registry and the rogue as the national node's peers; stop the rogue after."""
    now = datetime.now(UTC)
    rogue_node, rogue, server = _serve_rogue(root)
    try:
        national = chain.national.paths
        for peer, address, name in (
            (chain.registry.paths, chain.registry.address, "eu-registry"),
            (rogue_node.paths, f"127.0.0.1:{server.port}", "rogue"),
        ):
            link(national, peer, address, name=name, identity=root / f"n-{name}",
                 delegate=False, store_url=national_url, now=now)  # fmt: skip
        # The national node checks what its peers answer with its own trust: it registers the
        # exporter itself, so results from peers it does not delegate to can verify.
        did = chain.exporter_key.did
        edit_trust(national, lambda r: r.with_key(EXPORTER, Role.EXPORTER, did, now))
        yield SearchNet(chain, rogue)
    finally:
        server.stop(0)
        rogue_node.close()


def request(**fields: Any) -> sr.SearchDatasetsRequest:
    """A SearchDatasetsRequest with `fields` set."""
    return sr.SearchDatasetsRequest(**fields)


def dumps(document: dict[str, Any]) -> bytes:
    """`document` as JSON bytes (unsigned: for results the rogue forges)."""
    return json.dumps(document).encode()
