"""POST /3/events (pact-v3.md §2.5): every event type; a request answered by exactly one
call-back to a partner's real HTTPS receiver; SSRF and non-HTTPS partners refused."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.pact.events import PUBLISHED, REQUEST_CREATED, REQUEST_FULFILLED, REQUEST_REJECTED
from gateway.pact.files import PactFileError
from gateway.pact.partners import Partner
from gateway.pact.server import PactServer, serve_https
from tests.helpers.nodes import make_node
from tests.integration.pact.conftest import BUYER_ORG, Pact, populate, serve

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


def _event(kind: str, data: dict[str, Any], source: str) -> dict[str, Any]:
    return {"type": kind, "specversion": "1.0", "id": str(uuid.uuid4()), "source": source,
            "time": "2026-05-01T00:00:00Z", "data": data}  # fmt: skip


def _post(pact: Pact, event: dict[str, Any]) -> Any:
    with pact.http() as http:
        return http.post(
            "/3/events",
            json=event,
            headers={"Authorization": f"Bearer {pact.token()}",
                     "Content-Type": "application/cloudevents+json; charset=UTF-8"},
        )  # fmt: skip


@pytest.fixture(params=[0.0, 3600.0], ids=["reject-at-once", "wait"])
def net(request: pytest.FixtureRequest, tmp_path) -> Iterator[tuple[Pact, Receiver, PactServer]]:
    for harness in make_node(tmp_path):
        for pact in serve(harness, auto_reject_after=request.param):
            populate(pact)
            receiver = Receiver()
            app = Starlette(routes=[Route("/3/events", receiver.events_endpoint, methods=["POST"])])
            # The partner authenticates the call-back at its own token endpoint: here, this
            # same node's facade (a PACT client registered for the node's organization).
            pact.host.clients.add("node-at-partner", "national", NODE_SECRET)
            server = serve_https(
                app, "127.0.0.1:0", harness.paths.server_cert, harness.paths.server_key
            )
            pact.host.partners.add(Partner(
                BUYER_ORG, f"https://127.0.0.1:{server.port}/3/events",
                f"{pact.base}/auth/token", "node-at-partner", NODE_SECRET))  # fmt: skip
            try:
                yield pact, receiver, server
            finally:
                server.stop()


def _source(server: PactServer) -> str:
    return f"//127.0.0.1:{server.port}/3/events"


def test_a_request_for_shared_footprints_is_fulfilled_by_exactly_one_callback(net) -> None:
    pact, receiver, server = net
    created = _event(REQUEST_CREATED, {"productId": ["urn:gtin:04000000000001"]}, _source(server))
    assert _post(pact, created).status_code == 200
    assert _post(pact, created).status_code == 200  # a retried request is answered once
    assert receiver.arrived.wait(10)
    time.sleep(0.5)
    assert len(receiver.events) == 1
    answer = receiver.events[0]
    assert answer["type"] == REQUEST_FULFILLED
    assert answer["data"]["requestEventId"] == created["id"]
    assert [f["id"] for f in answer["data"]["pfs"]] == [pact.ids["laptop-de"]]


def test_a_request_matching_nothing_shareable_is_rejected_once_or_waits(net) -> None:
    pact, receiver, server = net
    # `private` exists but is not shared with the buyer: it is not offered
    created = _event(REQUEST_CREATED, {"productId": ["urn:gtin:00000000000000"]}, _source(server))
    assert _post(pact, created).status_code == 200
    if pact.host.auto_reject_after == 0:
        assert receiver.arrived.wait(10)
        time.sleep(0.5)
        assert [e["type"] for e in receiver.events] == [REQUEST_REJECTED]
        assert receiver.events[0]["data"]["error"]["code"] == "NotFound"
    else:
        assert not receiver.arrived.wait(1.0)  # waits for the owner (or the auto-reject)


def test_a_request_whose_source_is_not_the_partner_is_refused_without_a_call(net) -> None:
    pact, receiver, _server = net
    ssrf = _event(
        REQUEST_CREATED, {"productId": ["urn:gtin:04000000000001"]}, "//169.254.169.254/latest"
    )
    answer = _post(pact, ssrf)
    assert (answer.status_code, answer.json()["code"]) == (403, "AccessDenied")
    assert not receiver.arrived.wait(0.5)


def test_published_fulfilled_and_rejected_events_are_accepted_malformed_ones_not(net) -> None:
    pact, _receiver, server = net
    source = _source(server)
    assert _post(pact, _event(PUBLISHED, {"pfIds": [str(uuid.uuid4())]}, source)).status_code == 200
    fulfilled = _event(REQUEST_FULFILLED, {"requestEventId": "r1", "pfs": [{}]}, source)
    assert _post(pact, fulfilled).status_code == 200
    rejected = _event(
        REQUEST_REJECTED,
        {"requestEventId": "r2", "error": {"code": "NotFound", "message": "-"}},
        source,
    )
    assert _post(pact, rejected).status_code == 200
    assert _post(pact, _event(PUBLISHED, {"pfIds": []}, source)).status_code == 400
    assert _post(pact, {"type": PUBLISHED}).status_code == 400
    assert _post(pact, _event("org.example.Other", {}, source)).status_code == 400


def test_a_partner_url_must_be_https_except_on_loopback(net) -> None:
    pact, _receiver, _server = net
    with pytest.raises(PactFileError, match="HTTPS"):
        pact.host.partners.add(Partner("plain-partner", "http://partner.example/3/events"))
    with pytest.raises(PactFileError, match="HTTPS"):
        pact.host.partners.add(Partner("ftp-partner", "ftp://127.0.0.1/3/events"))
    assert pact.host.partners.add(Partner("local", "http://127.0.0.1:9/3/events"))
