"""PACT v2 compatibility (pact-v3.md §2.3-2.4): the v3 footprints through pact_v3_to_v2, whose
figures are rescaled from per-declaredUnitAmount to per-unit (ADR-36). v2 error codes:
NoSuchFootprint 404, NotImplemented 400; the OData `$filter` is not supported (NotImplemented).
POST /2/events is translated to the v3 flow in gateway.pact.events.receive_v2."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from gateway.pact.clients import PactClient
from gateway.pact.errors import NotFoundError, NotImplementedFeatureError, error_response
from gateway.pact.filters import PactFilters
from schemas.translate import pact_v3_to_v2

if TYPE_CHECKING:
    from gateway.pact.host import PactHost

ClientOf = Callable[["PactHost", Request], PactClient]
ListPage = Callable[
    ["PactHost", Request, PactClient, PactFilters],
    tuple[list[dict[str, Any]], dict[str, str]],
]


def as_v2(footprint: dict[str, Any]) -> dict[str, Any]:
    """A served v3 footprint in v2 form."""
    return pact_v3_to_v2(footprint).document


def v2_routes(host: PactHost, client_of: ClientOf, list_page: ListPage) -> list[BaseRoute]:
    """GET /2/footprints (with `limit` and the v3 `Link` pagination, which v2 shares) and
    /2/footprints/{id}. v2 defines no filter but the OData `$filter`, which is not supported:
    NotImplemented, 400 in v2 (§2.3, §2.6); other parameters are refused as in v3."""

    def list_v2(request: Request) -> Response:
        client = client_of(host, request)
        if "$filter" in request.query_params:
            return error_response("NotImplemented", 400, "the OData $filter is not supported")
        unknown = set(request.query_params) - {"limit", "x-cfx-cursor"}
        if any(not key.startswith("x-") for key in unknown):
            return error_response("BadRequest", 400, "v2 lists take only limit and $filter")
        footprints, headers = list_page(host, request, client, PactFilters())
        return JSONResponse({"data": [as_v2(f) for f in footprints]}, headers=headers)

    def get_v2(request: Request) -> Response:
        client = client_of(host, request)
        try:
            footprint = host.footprints.get(request.path_params["pf_id"], client)
        except NotFoundError as exc:
            return error_response("NoSuchFootprint", 404, exc.message)
        except NotImplementedFeatureError as exc:
            return error_response("NotImplemented", 400, exc.message)
        return JSONResponse({"data": as_v2(footprint)})

    return [
        Route("/2/footprints", list_v2, methods=["GET"]),
        Route("/2/footprints/{pf_id}", get_v2, methods=["GET"]),
    ]
