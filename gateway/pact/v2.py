"""PACT v2 compatibility (pact-v3.md §2.3-2.4): the v3 footprints through pact_v3_to_v2, whose
figures are rescaled from per-declaredUnitAmount to per-unit (ADR-36). v2 error codes:
NoSuchFootprint 404, NotImplemented 400; the OData `$filter` is not supported (NotImplemented)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from gateway.pact.clients import PactClient
from gateway.pact.errors import NotFoundError, NotImplementedFeatureError, error_response
from gateway.pact.filters import PactFilters
from gateway.pact.footprints import parse_limit
from schemas.translate import pact_v3_to_v2

if TYPE_CHECKING:
    from gateway.pact.host import PactHost

ClientOf = Callable[["PactHost", Request], PactClient]


def as_v2(footprint: dict[str, Any]) -> dict[str, Any]:
    """A served v3 footprint in v2 form."""
    return pact_v3_to_v2(footprint).document


def v2_routes(host: PactHost, client_of: ClientOf) -> list[BaseRoute]:
    """GET /2/footprints and /2/footprints/{id}."""

    def list_v2(request: Request) -> Response:
        client = client_of(host, request)
        if "$filter" in request.query_params:
            return error_response("NotImplemented", 400, "the OData $filter is not supported")
        limit = parse_limit(request.query_params.get("limit"))
        page = host.footprints.page(PactFilters(), client, limit, "", [])
        return JSONResponse({"data": [as_v2(f) for f in page.footprints]})

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
