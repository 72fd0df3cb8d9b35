"""A node's dataset pages: status, log history, and downloads of the exact bytes and receipts.

Reads go through the node's Catalog with the caller's organization, so the read scope (G2) is
the gRPC one: the caller is the organization its client certificate (the node's CA, checked at
the TLS handshake) names; a browser without one is asked for it (401), one the registry does not
know, or that may not read the dataset, gets 403 (nothing tells which).

The history is the node's change feed for this dataset (accepted, deprecated, withdrawn) and the
attestations whose attested digest is this dataset's bytes. It is read by walking the feed
within the caller's scope: a per-dataset index is a follow-up once nodes hold many datasets.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from gateway import access
from gateway.catalog import Catalog
from gateway.domain import ChangeType, DatasetKind
from gateway.errors import GatewayError
from gateway.limits import Limits
from gateway.store.model import StoredDataset
from gateway.trust import Organization, TrustRegistry

Render = Callable[..., Response]
Identities = Callable[[Request], tuple[str, ...]]
_JSON = "application/json"


@dataclass(frozen=True)
class Event:
    """One line of a dataset's log history."""

    log_index: int
    event: str  # accepted, deprecated, withdrawn, attested
    by: str = ""  # the attesting organization


def dataset_routes(  # noqa: C901 - four small handlers sharing the caller/dataset look-up
    *,
    catalog: Catalog,
    registry: Callable[[], TrustRegistry],
    limits: Limits,
    identities: Identities,
    render: Render,
) -> list[BaseRoute]:
    """Routes under /datasets/{id} (the id is the uuid of the dataset name)."""

    def caller(request: Request) -> Organization | Response:
        sans = identities(request)
        if not sans:
            return render(request, "denied.html", 401)
        try:
            return access.caller_organization(registry(), sans)
        except GatewayError:
            return render(request, "denied.html", 403)

    def dataset(request: Request) -> tuple[Organization, StoredDataset] | Response:
        who = caller(request)
        if isinstance(who, Response):
            return who
        try:
            return who, catalog.get(f"datasets/{request.path_params['uuid']}", who)
        except GatewayError:
            return render(request, "denied.html", 403)

    async def page(request: Request) -> Response:
        found = dataset(request)
        if isinstance(found, Response):
            return found
        who, record = found
        events = history(catalog, record, who, limits.max_watch_batch)
        origins = catalog.origin_receipts(record.digest)
        return render(request, "dataset.html", record=record, events=events, origins=origins)

    async def credential(request: Request) -> Response:
        found = dataset(request)
        if isinstance(found, Response):
            return found
        record = found[1]
        filename = f"{record.name.removeprefix('datasets/')}.json"
        return _download(record.credential, filename)

    async def receipt(request: Request) -> Response:
        found = dataset(request)
        if isinstance(found, Response):
            return found
        who, record = found
        index = int(request.path_params["index"])
        origin = request.path_params.get("origin")
        if origin is not None:
            chosen = [r for r in catalog.origin_receipts(record.digest) if r.log_index == index]
            body = chosen[0].to_json() if chosen else None
        elif index in {e.log_index for e in history(catalog, record, who, limits.max_watch_batch)}:
            body = catalog.receipt(index).to_json()
        else:
            body = None
        if body is None:
            return Response("no such receipt", 404, media_type="text/plain")
        return _download(body, f"receipt-{index}.json")

    return [
        Route("/datasets/{uuid:uuid}", page, methods=["GET"]),
        Route("/datasets/{uuid:uuid}/credential", credential, methods=["GET"]),
        Route("/datasets/{uuid:uuid}/receipts/{index:int}", receipt, methods=["GET"]),
        Route("/datasets/{uuid:uuid}/origin/{index:int}", receipt, methods=["GET"]),
    ]


def _download(body: bytes, filename: str) -> Response:
    return Response(
        body,
        media_type=_JSON,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def history(catalog: Catalog, record: StoredDataset, who: Organization, batch: int) -> list[Event]:
    """The dataset's changes and attestations in log order, within `who`'s read scope."""
    events: list[Event] = []
    cursor = -1
    while changes := catalog.changes_after(cursor, None, who):
        for change in changes:
            events += _event(
                change.log_index, change.change, change.status.value, change.dataset, record
            )
        cursor = changes[-1].log_index
        if len(changes) < batch:
            break
    return events


def _event(
    index: int, change: ChangeType, status: str, dataset: StoredDataset, record: StoredDataset
) -> list[Event]:
    if dataset.name == record.name:
        return [Event(index, "accepted" if change is ChangeType.CREATED else status)]
    if change is ChangeType.CREATED and dataset.kind is DatasetKind.ATTESTATION:
        subject: Any = json.loads(dataset.credential).get("credentialSubject", {})
        if subject.get("attestedDatasetDigest") == f"sha-256:{record.digest}":
            return [Event(index, "attested", dataset.issuer_org)]
    return []
