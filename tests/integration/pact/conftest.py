"""A node with the PACT facade served over real HTTPS (uvicorn, the node's TLS certificate), a
few footprints with different products, geographies and usage policies, and PACT clients."""

from __future__ import annotations

import ssl
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.http.server import HttpServer, Tls
from gateway.http.server import serve as serve_http
from gateway.node import NodePaths
from gateway.pact.app import create_app
from gateway.pact.host import PactHost
from gateway.pact.partners import Partner
from tests.helpers.nodes import Harness, make_node
from tests.helpers.search_net import footprint

BUYER, BUYER_SECRET = "buyer-client", "buyer-secret-0123456789"
OTHER, OTHER_SECRET = "other-client", "other-secret-0123456789"
BUYER_ORG, OTHER_ORG = "acme-buyer", "other-buyer"
NODE_SECRET = "node-secret-0123456789"


class Receiver:
    """The partner's events endpoint: a real Starlette app over HTTPS on loopback."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.arrived = threading.Event()

    async def events_endpoint(self, request: Request) -> Response:
        assert request.headers["authorization"].startswith("Bearer ")
        self.events.append(await request.json())
        self.arrived.set()
        return Response(status_code=200)

    def serve(self, paths: NodePaths) -> HttpServer:
        """Serve the endpoint with the node's certificate (the partner's server)."""
        app = Starlette(routes=[Route("/3/events", self.events_endpoint, methods=["POST"])])
        return serve_http(app, "127.0.0.1:0", tls=Tls(paths.server_cert, paths.server_key))


def partner_of(pact: Pact, receiver: HttpServer) -> None:
    """Configure the buyer as a partner whose events endpoint is `receiver`. The partner
    authenticates the call-back at its own token endpoint: here, this same node's facade (a
    PACT client registered for the node's organization)."""
    pact.host.clients.add("node-at-partner", "national", NODE_SECRET)
    pact.host.partners.add(
        Partner(
            BUYER_ORG,
            f"https://127.0.0.1:{receiver.port}/3/events",
            f"{pact.base}/auth/token",
            "node-at-partner",
            NODE_SECRET,
        )
    )


@dataclass
class Pact:
    harness: Harness
    host: PactHost
    server: HttpServer
    ids: dict[str, str]

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.server.port}"

    def http(self) -> httpx.Client:
        trust = ssl.create_default_context(cafile=str(self.harness.paths.ca_cert))
        return httpx.Client(base_url=self.base, verify=trust, timeout=10)

    def token(self, client_id: str = BUYER, secret: str = BUYER_SECRET) -> str:
        with self.http() as http:
            answer = http.post(
                "/auth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
            )
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])

    def get(self, path: str, token: str | None = None, **params: Any) -> httpx.Response:
        with self.http() as http:
            return http.get(
                path, params=params, headers={"Authorization": f"Bearer {token or self.token()}"}
            )

    def submit(self, name: str, **subject: Any) -> str:
        document = footprint(**subject)
        self.harness.client().submit(self.harness.sign(document))
        pf_id = str(document["credentialSubject"]["id"]).removeprefix("urn:uuid:")
        self.ids[name] = pf_id
        return pf_id


def shared(*audiences: str) -> dict[str, Any]:
    return {"shareWith": list(audiences)}


def pcf(country: str, year: int) -> dict[str, Any]:
    """The laptop example's pcf with another country and the reference period `year`."""
    base = footprint()["credentialSubject"]["pcf"]
    start, end = f"{year}-01-01T00:00:00Z", f"{year + 1}-01-01T00:00:00Z"
    return {
        **base,
        "geographyCountry": country,
        "referencePeriodStart": start,
        "referencePeriodEnd": end,
    }


def serve(harness: Harness, **host_options: Any) -> Iterator[Pact]:
    host = PactHost.of_node(harness.node, **host_options)
    host.clients.add(BUYER, BUYER_ORG, BUYER_SECRET)
    host.clients.add(OTHER, OTHER_ORG, OTHER_SECRET)
    server = serve_http(
        create_app(host),
        "127.0.0.1:0",
        tls=Tls(harness.paths.server_cert, harness.paths.server_key),
    )
    host.outbox.poll_seconds = 0.05
    host.outbox.start()
    try:
        yield Pact(harness, host, server, {})
    finally:
        assert host.outbox.stop()
        assert server.stop()


def populate(pact: Pact) -> None:
    """Five footprints; the buyer may see all but `private`."""
    pact.submit("laptop-cn", usagePolicy=shared("public"))
    pact.submit(
        "laptop-de",
        usagePolicy=shared(f"org:{BUYER_ORG}"),
        productIds=["urn:gtin:04000000000001"],
        productClassifications=["urn:pact:wcoomd.org:hs-code:847130"],
        pcf=pcf("DE", 2024),
    )
    pact.submit(
        "cells-fr",
        usagePolicy=shared("public"),
        productIds=["urn:gtin:03000000000002"],
        companyIds=["urn:pact:cells.example:company-id:FR1"],
        pcf=pcf("FR", 2023),
    )
    pact.submit("private", usagePolicy=shared(f"org:{OTHER_ORG}"))
    pact.submit("unshared")  # no policy: national nodes only


@pytest.fixture(scope="module")
def pact(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pact]:
    root: Path = tmp_path_factory.mktemp("pact")
    for harness in make_node(root):
        for served in serve(harness):
            populate(served)
            yield served


def event_of(kind: str, data: dict[str, Any], source: str) -> dict[str, Any]:
    """A CloudEvents 1.0 event in structured mode with a fresh id."""
    return {"type": kind, "specversion": "1.0", "id": str(uuid.uuid4()), "source": source,
            "time": "2026-05-01T00:00:00Z", "data": data}  # fmt: skip


def post_event(pact: Pact, event: dict[str, Any]) -> httpx.Response:
    """POST /3/events with the buyer's token."""
    with pact.http() as http:
        return http.post(
            "/3/events",
            json=event,
            headers={"Authorization": f"Bearer {pact.token()}",
                     "Content-Type": "application/cloudevents+json; charset=UTF-8"},
        )  # fmt: skip


def source_of(receiver: HttpServer) -> str:
    """The event `source` naming the partner's events endpoint."""
    return f"//127.0.0.1:{receiver.port}/3/events"
