"""Footprints taken from a partner by PACT (issue 15): a real partner over HTTPS on loopback
(a Starlette app with the node's certificate); each is stored as a registry attestation signed
by the receiving node and marked; only the partner's own origin is called."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.checker import CredentialChecker
from gateway.http.server import HttpServer, Tls
from gateway.http.server import serve as serve_http
from gateway.node import load_node_key
from gateway.pact.events import PUBLISHED
from gateway.pact.imports import Importer
from gateway.pact.partners import Partner
from gateway.pact.provenance import credential_marker, registry_copy
from gateway.web.verdict import judge
from schemas import strict_json
from schemas.translate import dataset_to_pact_v3
from signing.loader import default_loader
from tests.helpers.nodes import make_node
from tests.helpers.search_net import footprint
from tests.integration.pact.conftest import BUYER_ORG, Pact, event_of, post_event, serve


class Partner3:
    """The partner's PACT host system: token, paginated list, get by id."""

    def __init__(self, footprints: list[dict[str, Any]], page: int = 2) -> None:
        self.footprints, self.page, self.elsewhere = footprints, page, ""
        self.port = 0

    async def token(self, _: Request) -> Response:
        return JSONResponse({"access_token": "t0ken", "token_type": "bearer"})

    async def listing(self, request: Request) -> Response:
        assert request.headers["authorization"] == "Bearer t0ken"
        start = int(request.query_params.get("offset", "0"))
        rows = self.footprints[start : start + self.page]
        headers = {}
        if start + self.page < len(self.footprints):
            base = self.elsewhere or f"https://127.0.0.1:{self.port}"
            headers["Link"] = f'<{base}/3/footprints?offset={start + self.page}>; rel="next"'
        return JSONResponse({"data": rows}, headers=headers)

    async def one(self, request: Request) -> Response:
        pf_id = request.path_params["pf_id"]
        found = [f for f in self.footprints if f["id"] == pf_id]
        return JSONResponse({"data": found[0]}) if found else Response(status_code=404)

    def serve(self, tls: Tls) -> HttpServer:
        app = Starlette(routes=[
            Route("/auth/token", self.token, methods=["POST"]),
            Route("/3/footprints", self.listing),
            Route("/3/footprints/{pf_id}", self.one),
        ])  # fmt: skip
        server = serve_http(app, "127.0.0.1:0", tls=tls)
        self.port = server.port
        return server


def pact_footprint(**changes: Any) -> dict[str, Any]:
    """The laptop example as PACT v3, with a fresh id (and `changes`)."""
    document = dataset_to_pact_v3(footprint()).document
    document["id"] = str(uuid.uuid4())
    return document | changes


@pytest.fixture
def net(tmp_path: Path) -> Iterator[tuple[Pact, Partner3, Partner]]:
    for harness in make_node(tmp_path):
        for pact in serve(harness):
            remote = Partner3([pact_footprint() for _ in range(5)])
            server = remote.serve(Tls(harness.paths.server_cert, harness.paths.server_key))
            partner = Partner(BUYER_ORG, f"https://127.0.0.1:{server.port}/3/events",
                              client_id="me", client_secret="s3cret-0123456789")  # fmt: skip
            pact.host.partners.add(partner)
            try:
                yield pact, remote, partner
            finally:
                server.stop()


def stored(pact: Pact, pf_id: str) -> list[dict[str, Any]]:
    records = pact.host.node.store.datasets_with_id(f"urn:uuid:{pf_id}")
    return [strict_json.loads_object(r.credential) for r in records]


def test_a_published_footprint_is_stored_signed_by_the_node_and_marked(net) -> None:
    pact, remote, _ = net
    pf_id = remote.footprints[0]["id"]
    event = event_of(PUBLISHED, {"pfIds": [pf_id]}, "//evil.example/3/events")
    assert post_event(pact, event).status_code == 200
    (credential,) = stored(pact, pf_id)
    assert credential["issuer"] == load_node_key(pact.harness.paths).did
    provenance = registry_copy(credential["credentialSubject"])
    assert provenance is not None
    assert provenance["partner"] == BUYER_ORG
    assert provenance["fetchedFrom"].startswith(f"https://127.0.0.1:{remote.port}/3/footprints/")
    assert "not issuer-signed" in credential_marker(credential)
    served = dataset_to_pact_v3(credential).document  # what GET /3/footprints/{id} serves
    assert registry_copy(served) == provenance


def test_pull_pages_to_the_end_and_a_second_pull_stores_nothing(net) -> None:
    pact, remote, partner = net
    first = Importer(pact.host, partner).pull()
    assert [i.created for i in first.kept] == [True] * 5
    assert first.refused == []
    again = Importer(pact.host, partner).pull()
    assert [i.created for i in again.kept] == [False] * 5
    assert all(len(stored(pact, f["id"])) == 1 for f in remote.footprints)


def test_a_next_link_to_another_host_is_not_followed(net) -> None:
    pact, remote, partner = net
    remote.elsewhere = "https://localhost:1"
    pulled = Importer(pact.host, partner).pull()
    assert len(pulled.kept) == 2
    assert "not followed" in pulled.refused[0]


def test_a_footprint_failing_the_pact_profile_is_refused_and_not_stored(net) -> None:
    pact, remote, partner = net
    bad = pact_footprint()
    del bad["pcf"]["declaredUnitOfMeasurement"]
    remote.footprints = [bad]
    pulled = Importer(pact.host, partner).pull()
    assert pulled.kept == []
    assert len(pulled.refused) == 1
    assert stored(pact, bad["id"]) == []


def test_the_web_verdict_says_a_registry_copy_is_not_issuer_signed(net) -> None:
    pact, remote, _ = net
    pf_id = remote.footprints[0]["id"]
    assert (
        post_event(pact, event_of(PUBLISHED, {"pfIds": [pf_id]}, "//x/3/events")).status_code == 200
    )
    (record,) = pact.host.node.store.datasets_with_id(f"urn:uuid:{pf_id}")
    node = pact.host.node
    verdict = judge(
        record.credential,
        checker=CredentialChecker(loader=default_loader(), limits=node.config.limits),
        now=datetime.now(UTC),
        registry=node.trust.current(),
    )
    assert verdict.verified, verdict.problems
    assert (
        verdict.provenance
        == f"registry attestation of a PACT footprint from {BUYER_ORG}, not issuer-signed"
    )
