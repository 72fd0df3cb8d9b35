"""The verification page's routes: a Starlette app, or its routes to mount beside others.

`web_routes(site)` returns the routes (to compose with the PACT facade or metrics in one
Starlette app); `create_app(site)` is the page alone. A `Site` holds what the routes need: the
node's checker, clock and limits, the log keys receipts are checked with, and, when a node
serves the page, its trust registry and its datasets (`gateway.web.datasets`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from gateway.checker import CredentialChecker, ParsedCredential
from gateway.limits import Limits
from gateway.log.checkpoint import NoteKey
from gateway.trust import TrustRegistry
from gateway.web import i18n
from gateway.web.upload import UploadError, read_upload
from gateway.web.verdict import judge

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=HERE / "templates")
# Every page: no caching of a verdict, no framing, no script or style from elsewhere.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
}


@dataclass(frozen=True)
class Site:
    """What the page needs from the node (or from the offline tool)."""

    checker: CredentialChecker
    clock: Callable[[], datetime]
    limits: Limits
    log_keys: Callable[[], Sequence[NoteKey]]
    # Served by a node: its registry snapshot and organization; offline: None and "".
    registry: Callable[[], TrustRegistry] | None = None
    node_org: str = ""
    # The accounting rules a dataset cites (the node's Catalog.rules_cited_by); None: bundled.
    rules_for: Callable[[ParsedCredential], Mapping[str, Any] | None] | None = None


def render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    """A page in the request's language, with the security headers."""
    lang = i18n.language(request.query_params, request.headers.get("accept-language", ""))
    other = "zh" if lang == "en" else "en"
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "lang": lang,
            "other_lang": other,
            "t": i18n.translator(lang),
            "words": i18n.has_words,
            **context,
        },
        status_code=status,
    )
    response.headers.update(SECURITY_HEADERS)
    return response


def web_routes(site: Site, extra: Sequence[BaseRoute] = ()) -> list[BaseRoute]:
    """The page's routes (plus `extra`, e.g. the node's dataset pages)."""

    async def index(request: Request) -> Response:
        return render(request, "index.html", site=site)

    async def check(request: Request) -> Response:
        try:
            upload = await read_upload(request, site.limits)
        except UploadError as exc:
            key = "too_large" if exc.status == 413 else "no_file"
            return render(request, "index.html", exc.status, site=site, problem=key)
        registry = site.registry() if site.registry is not None else None
        verdict = judge(
            upload.credential,
            checker=site.checker,
            now=site.clock(),
            registry=registry,
            rules_for=site.rules_for,
            receipts=upload.receipts,
            log_keys=site.log_keys(),
        )
        return render(request, "verdict.html", site=site, verdict=verdict)

    return [
        Route("/", index, methods=["GET"]),
        Route("/verify", check, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        *extra,
    ]


def create_app(site: Site, extra: Sequence[BaseRoute] = ()) -> Starlette:
    """The page as one Starlette app."""
    return Starlette(routes=web_routes(site, extra))
