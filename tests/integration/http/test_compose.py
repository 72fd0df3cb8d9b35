"""One app from the parts a node serves: every route reaches its own part, and parts that
would answer the same path cannot be composed (gateway.http.compose)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Host, Mount, Route
from starlette.types import ASGIApp

from gateway.http.compose import Part, RouteCollisionError, compose, first_segment
from gateway.observability.http import metrics_app
from gateway.pact.app import create_app
from gateway.pact.host import PactHost
from gateway.web.sites import node_routes
from tests.helpers.nodes import Harness, make_node


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Part]]:
    """What `cfx serve` offers: the page, the PACT facade and the metrics, from a real node."""
    root: Path = tmp_path_factory.mktemp("compose")
    harness: Harness
    for harness in make_node(root):
        host = PactHost.of_node(harness.node)
        try:
            yield [
                Part("web page", Starlette(routes=node_routes(harness.node))),
                Part("PACT v3", create_app(host)),
                Part("metrics", metrics_app(CollectorRegistry())),
            ]
        finally:
            host.outbox.stop()


def _owner(app: Starlette, path: str) -> ASGIApp:
    """The part the composed app hands `path` to."""
    scope = {"type": "http", "path": path, "method": "GET"}
    for route in app.routes:
        match, _ = route.matches(scope)
        if match.name == "FULL":
            return route.app  # type: ignore[attr-defined, no-any-return]
    raise AssertionError(f"nothing serves {path}")


def _ok(_request: Request) -> Response:
    return Response("ok")


def test_every_route_of_every_node_part_reaches_its_own_part(parts: list[Part]) -> None:
    app = compose(parts)
    for part in parts:
        for route in part.app.routes:
            sample = route.path.replace("{", "").replace("}", "") + "/x"  # type: ignore[attr-defined]
            assert _owner(app, sample) is part.app, (part.name, route)
    # PACT's paths, as the issue lists them, and a path nobody claims: the page's 404
    pact = parts[1].app
    for path in ("/3/footprints", "/2/footprints", "/auth/token", "/openapi.json",
                 "/.well-known/openid-configuration", "/cfx/v1/datasets/x/credential"):  # fmt: skip
        assert _owner(app, path) is pact
    assert _owner(app, "/") is parts[0].app
    assert _owner(app, "/datasets/x") is parts[0].app
    assert _owner(app, "/nobody/claims/this") is parts[0].app


def test_parts_claiming_the_same_path_are_refused(parts: list[Part]) -> None:
    shadow = Part("shadow", Starlette(routes=[Route("/3/anything", _ok)]))
    with pytest.raises(RouteCollisionError, match="shadow and PACT v3 both serve /3:"):
        compose([parts[0], parts[1], shadow])
    page_again = Part("another page", Starlette(routes=[Route("/", _ok)]))
    with pytest.raises(RouteCollisionError, match="another page and web page both serve /:"):
        compose([parts[0], page_again])


@pytest.mark.parametrize(
    "route",
    [Route("/{anything}/x", _ok), Mount("", routes=[]), Host("example.org", app=Starlette())],
    ids=["parameter-first", "root-mount", "host"],
)
def test_a_route_that_could_match_any_path_cannot_share_an_address(
    parts: list[Part], route: Route
) -> None:
    with pytest.raises(RouteCollisionError, match="could match any path"):
        compose([parts[1], Part("greedy", Starlette(routes=[route]))])


def test_a_single_part_is_served_as_it_is(parts: list[Part]) -> None:
    assert compose([parts[1]]) is parts[1].app
    assert first_segment("/") == ""
    assert first_segment("/.well-known/openid-configuration") == ".well-known"
