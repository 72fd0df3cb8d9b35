"""One Starlette app from the parts a node serves at one address (PACT facade, web page, …).

Each part is a whole Starlette app with its own error handling (a PACT error body, the page's
404 page), and owns the first path segments of its routes: `/3/…`, `/auth/…` belong to PACT,
`/`, `/datasets/…`, `/static/…` to the page. A request goes to the part owning its first
segment, unchanged; a segment nobody owns goes to the first part (its 404). So two parts can
never both answer a path: `compose` refuses parts claiming the same segment, or a route whose
first segment is a parameter (it would claim every segment).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import URLPath
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.errors import GatewayError


class RouteCollisionError(GatewayError):
    """Two parts claim the same path, or a part's routes cannot be told apart from others'."""

    reason = "HTTP_ROUTE_COLLISION"


@dataclass(frozen=True)
class Part:
    """An app served by a node, and its name in messages (`PACT v3`, `web page`)."""

    name: str
    app: Starlette


def first_segment(path: str) -> str:
    """`/3/footprints` -> `3`; `/` -> ``."""
    return path.removeprefix("/").partition("/")[0]


def claimed_segments(part: Part) -> frozenset[str]:
    """The first path segments of `part`'s routes."""
    segments = set()
    for route in part.app.routes:
        path = getattr(route, "path", None)  # a Host route has none
        if not isinstance(path, str) or not path or "{" in first_segment(path):
            raise RouteCollisionError(
                f"{part.name}: the route {path!r} could match any path; it cannot share an address"
            )
        segments.add(first_segment(path))
    return frozenset(segments)


class _Territory(BaseRoute):
    """The paths whose first segment a part owns (all of them, for the fallback part)."""

    def __init__(self, app: ASGIApp, segments: frozenset[str] | None) -> None:
        self.app = app
        self.segments = segments

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """A full match for an HTTP request under one of the segments."""
        if scope["type"] != "http":
            return Match.NONE, {}
        if self.segments is None or first_segment(scope["path"]) in self.segments:
            return Match.FULL, {}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The part's own app, with its own router (its `url_for` names)."""
        await self.app({k: v for k, v in scope.items() if k != "router"}, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        """Names resolve within each part, not across parts."""
        raise NoMatchFound(name, path_params)


def compose(parts: Sequence[Part]) -> Starlette:
    """One app dispatching each request to the part owning its first path segment; a path
    nobody owns goes to the first part. Raises RouteCollisionError if parts overlap."""
    if not parts:
        raise RouteCollisionError("nothing to serve")
    if len(parts) == 1:
        return parts[0].app
    owners: dict[str, str] = {}
    routes: list[BaseRoute] = []
    for part in parts:
        segments = claimed_segments(part)
        for segment in sorted(segments):
            if segment in owners:
                raise RouteCollisionError(
                    f"{part.name} and {owners[segment]} both serve /{segment}: give them "
                    "different addresses"
                )
            owners[segment] = part.name
        routes.append(_Territory(part.app, segments))
    routes.append(_Territory(parts[0].app, None))
    return Starlette(routes=routes)
