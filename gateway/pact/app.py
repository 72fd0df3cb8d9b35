"""The PACT v3 facade as Starlette routes (pact-v3.md §2): compose them with other apps via
`routes()`, or serve them alone with `create_app()`."""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from gateway.log.receipt import Receipt
from gateway.pact import events
from gateway.pact.clients import PactClient
from gateway.pact.errors import (
    InvalidTokenError,
    NotImplementedFeatureError,
    PactError,
    error_response,
)
from gateway.pact.filters import PactFilters, parse_filters
from gateway.pact.footprints import parse_limit
from gateway.pact.host import PactHost
from gateway.pact.v2 import v2_routes

OPENAPI_FILE: Final = Path(__file__).with_name("openapi.json")
CURSOR_PARAM: Final = "x-cfx-cursor"
MAX_FORM_BYTES: Final = 4096
CREDENTIAL_REL: Final = "https://w3id.org/cfx/rel/credential"
RECEIPTS_REL: Final = "https://w3id.org/cfx/rel/receipts"


def client_of(host: PactHost, request: Request) -> PactClient:
    """The client a request's bearer token was issued to (401 otherwise)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise InvalidTokenError("a bearer access token is required")
    return host.tokens.verify(token.strip())


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    # RFC 6749 §5.2 body for the token endpoint (pact-v3.md §2.2).
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def _basic(request: Request) -> tuple[str, str] | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, secret = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, secret) if sep else None


def list_page(
    host: PactHost, request: Request, client: PactClient, filters: PactFilters
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """One page of footprints and its `Link: <absolute URL>; rel="next"` header (§2.3), the
    link keeping the request's path and parameters (v2 and v3 alike)."""
    params = parse_qsl(request.url.query, keep_blank_values=True)
    limit = parse_limit(request.query_params.get("limit"))
    query_key = [(k, v) for k, v in params if k not in {"limit", CURSOR_PARAM}]
    cursor = request.query_params.get(CURSOR_PARAM, "")
    page = host.footprints.page(filters, client, limit, cursor, query_key)
    headers = {}
    if page.cursor:
        query = urlencode([*query_key, ("limit", str(limit)), (CURSOR_PARAM, page.cursor)])
        headers["Link"] = f'<{request.url.replace(query=query)}>; rel="next"'
    return page.footprints, headers


def routes(host: PactHost) -> list[BaseRoute]:  # noqa: C901 - one closure per endpoint
    """Every route of the facade, bound to `host`."""

    async def token(request: Request) -> Response:
        body = await request.body()
        form = dict(parse_qsl(body[:MAX_FORM_BYTES].decode("utf-8", "replace")))
        if form.get("grant_type") != "client_credentials":
            return _oauth_error(
                400, "unsupported_grant_type", "grant_type must be client_credentials"
            )
        credentials = _basic(request)
        if credentials is None:
            return _oauth_error(401, "invalid_client", "HTTP Basic client authentication required")
        client_id, secret = credentials
        keys = (f"id:{client_id}", f"addr:{request.client.host if request.client else '?'}")
        if host.limiter.blocked(*keys):
            return _oauth_error(429, "invalid_client", "too many failed attempts; try later")
        client = await run_in_threadpool(host.clients.authenticate, client_id, secret)
        if client is None:
            host.limiter.failed(*keys)
            return _oauth_error(401, "invalid_client", "Authentication failed")
        return JSONResponse(
            {
                "access_token": host.tokens.issue(client),
                "token_type": "Bearer",
                "expires_in": host.tokens.lifetime,
            },
            headers={"Cache-Control": "no-store"},
        )

    def openid_configuration(request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        return JSONResponse(
            {
                "issuer": base,
                "token_endpoint": f"{base}/auth/token",
                "grant_types_supported": ["client_credentials"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                "response_types_supported": ["token"],
            }
        )

    def openapi(_request: Request) -> Response:
        return Response(OPENAPI_FILE.read_bytes(), media_type="application/json")

    def list_footprints(request: Request) -> Response:
        client = client_of(host, request)
        params = parse_qsl(request.url.query, keep_blank_values=True)
        footprints, headers = list_page(host, request, client, parse_filters(params))
        return JSONResponse({"data": footprints}, headers=headers)

    def get_footprint(request: Request) -> Response:
        client = client_of(host, request)
        footprint = host.footprints.get(request.path_params["pf_id"], client)
        base = str(request.base_url).rstrip("/")
        name = f"datasets/{footprint['id']}"
        links = [
            f'<{base}/cfx/v1/{name}/credential>; rel="{CREDENTIAL_REL}"',
            f'<{base}/cfx/v1/{name}/receipts>; rel="{RECEIPTS_REL}"',
        ]
        return JSONResponse({"data": footprint}, headers={"Link": ", ".join(links)})

    def credential(request: Request) -> Response:
        record = host.footprints.record_of(request.path_params["pf_id"], client_of(host, request))
        return Response(record.credential, media_type="application/vc+ld+json")

    def receipts(request: Request) -> Response:
        record = host.footprints.record_of(request.path_params["pf_id"], client_of(host, request))
        own: Receipt = host.node.catalog.receipt(record.log_index)
        origins = host.node.catalog.origin_receipts(record.digest)
        body = {"receipt": own.to_dict(), "originReceipts": [r.to_dict() for r in origins]}
        return JSONResponse(body)

    async def post_event(request: Request) -> Response:
        client = client_of(host, request)
        body = await request.body()
        await run_in_threadpool(events.receive, host, client, body)
        return Response(status_code=200)

    async def post_event_v2(request: Request) -> Response:
        client = client_of(host, request)
        body = await request.body()
        try:
            await run_in_threadpool(events.receive_v2, host, client, body)
        except NotImplementedFeatureError as exc:  # v2: NotImplemented is a 400 (§2.6)
            return error_response("NotImplemented", 400, exc.message)
        return Response(status_code=200)

    return [
        Route("/auth/token", token, methods=["POST"]),
        Route("/.well-known/openid-configuration", openid_configuration, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/3/footprints", list_footprints, methods=["GET"]),
        Route("/3/footprints/{pf_id}", get_footprint, methods=["GET"]),
        Route("/3/events", post_event, methods=["POST"]),
        Route("/2/events", post_event_v2, methods=["POST"]),
        Route("/cfx/v1/datasets/{pf_id}/credential", credential, methods=["GET"]),
        Route("/cfx/v1/datasets/{pf_id}/receipts", receipts, methods=["GET"]),
        *v2_routes(host, client_of, list_page),
    ]


async def _pact_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PactError)
    return exc.response()


async def _http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "NotFound", 405: "BadRequest"}.get(exc.status_code, "BadRequest")
    return error_response(code, exc.status_code, str(exc.detail))


async def _internal(_request: Request, _exc: Exception) -> Response:
    return error_response("InternalError", 500, "internal error")


def create_app(host: PactHost) -> Starlette:
    """A Starlette app serving only the facade, every error as a PACT error body."""
    return Starlette(
        routes=routes(host),
        exception_handlers={
            PactError: _pact_error,
            HTTPException: _http_error,
            Exception: _internal,
        },
    )


def dumps(document: Any) -> bytes:
    """Compact JSON bytes (events sent out)."""
    return json.dumps(document, separators=(",", ":")).encode()
