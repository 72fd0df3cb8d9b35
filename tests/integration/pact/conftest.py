"""A node with the PACT facade served over real HTTPS (uvicorn, the node's TLS certificate), a
few footprints with different products, geographies and usage policies, and PACT clients."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.pact.app import create_app
from gateway.pact.host import PactHost
from gateway.pact.server import PactServer, serve_https
from tests.helpers.nodes import Harness, make_node
from tests.helpers.search_net import footprint

BUYER, BUYER_SECRET = "buyer-client", "buyer-secret-0123456789"
OTHER, OTHER_SECRET = "other-client", "other-secret-0123456789"
BUYER_ORG, OTHER_ORG = "acme-buyer", "other-buyer"


@dataclass
class Pact:
    harness: Harness
    host: PactHost
    server: PactServer
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
    server = serve_https(
        create_app(host), "127.0.0.1:0", harness.paths.server_cert, harness.paths.server_key
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
