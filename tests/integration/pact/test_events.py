"""POST /3/events (pact-v3.md §2.5): every event type; a request answered by exactly one
call-back to a partner's real HTTPS receiver; SSRF and non-HTTPS partners refused."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from gateway.http.server import HttpServer
from gateway.pact.events import PUBLISHED, REQUEST_CREATED
from gateway.pact.files import PactFileError
from gateway.pact.outbox import REQUEST_FULFILLED, REQUEST_REJECTED
from gateway.pact.partners import Partner
from tests.helpers.nodes import make_node
from tests.integration.pact.conftest import (
    Pact,
    Receiver,
    partner_of,
    populate,
    serve,
)
from tests.integration.pact.conftest import event_of as _event
from tests.integration.pact.conftest import post_event as _post
from tests.integration.pact.conftest import source_of as _source


@pytest.fixture(params=[0.0, 3600.0], ids=["reject-at-once", "wait"])
def net(request: pytest.FixtureRequest, tmp_path) -> Iterator[tuple[Pact, Receiver, HttpServer]]:
    for harness in make_node(tmp_path):
        for pact in serve(harness, auto_reject_after=request.param):
            populate(pact)
            receiver = Receiver()
            server = receiver.serve(harness.paths)
            partner_of(pact, server)
            try:
                yield pact, receiver, server
            finally:
                server.stop()


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


V2 = "org.wbcsd.pathfinder."


def _post_v2(pact: Pact, event: dict[str, object]) -> httpx.Response:
    with pact.http() as http:
        return http.post("/2/events", json=event, headers={
            "Authorization": f"Bearer {pact.token()}",
            "Content-Type": "application/cloudevents+json; charset=UTF-8"})  # fmt: skip


def test_v2_events_take_the_v3_flow_and_are_answered_in_v2(net) -> None:
    pact, receiver, server = net
    source = _source(server)
    published = _event(
        V2 + "ProductFootprint.Published.v1", {"pfIds": [pact.ids["laptop-de"]]}, source
    )
    assert _post_v2(pact, published).status_code == 200
    fragment = {"pf": {"productIds": ["urn:gtin:04000000000001"]}, "comment": "please"}
    created = _event(V2 + "ProductFootprintRequest.Created.v1", fragment, source)
    assert _post_v2(pact, created).status_code == 200
    assert receiver.arrived.wait(10)
    time.sleep(0.5)
    assert len(receiver.events) == 1
    answer = receiver.events[0]
    assert answer["type"] == V2 + "ProductFootprintRequest.Fulfilled.v1"
    assert answer["data"]["requestEventId"] == created["id"]
    assert [pf["specVersion"][:2] for pf in answer["data"]["pfs"]] == ["2."]
    by_period = {"pf": {"productIds": ["urn:gtin:1"], "pcf": {"referencePeriodStart": "x"}}}
    refused = _post_v2(pact, _event(V2 + "ProductFootprintRequest.Created.v1", by_period, source))
    assert (refused.status_code, refused.json()["code"]) == (400, "NotImplemented")
    assert _post_v2(pact, _event(PUBLISHED, {"pfIds": ["x"]}, source)).status_code == 400
