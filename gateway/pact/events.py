"""POST /3/events (pact-v3.md §2.5): CloudEvents 1.0, structured mode.

- PublishedEvent: accepted (200) whether or not the ids are known here; from a configured
  partner (the client's organization), each footprint is fetched from the partner's own origin
  and stored as a registry attestation (gateway.pact.imports), never from the event `source`.
- RequestCreatedEvent: only from a configured partner whose events URL matches the event
  `source` (checked before anything is called: no SSRF), for the organization the token acts
  for. Kept as a stored footprint request (gateway.pact.requests) before the 200, answered at
  once when footprints the partner may see match (RequestFulfilledEvent), else by the owner's
  `cfx request fulfil|reject` or the auto-reject (NotFound; at once when it is 0); the one
  answer is delivered from the store by gateway.pact.outbox.
- RequestFulfilledEvent / RequestRejectedEvent: answers to this node's requests, accepted.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from gateway.errors import GatewayError
from gateway.pact.clients import PactClient
from gateway.pact.errors import AccessDeniedError, BadRequestError, NotImplementedFeatureError
from gateway.pact.filters import DATE_PARAMS, PactFilters, parse_filters
from gateway.pact.host import PactHost
from gateway.pact.imports import Importer
from gateway.pact.outbox import (
    PREFIX,
    REQUEST_FULFILLED,
    REQUEST_REJECTED,
    V2_FULFILLED,
    V2_REJECTED,
)
from gateway.pact.partners import same_origin
from gateway.pact.requests import (
    NOT_FOUND,
    PactOrigin,
    criteria_of,
    fulfilment,
    keep,
    owner_of,
    rejection,
    request_name,
)
from gateway.requests.directory import home_orgs
from gateway.requests.machine import MAX_FOOTPRINTS
from schemas import strict_json

_log = logging.getLogger("cfx.pact")
PUBLISHED: Final = PREFIX + "PublishedEvent.3"
REQUEST_CREATED: Final = PREFIX + "RequestCreatedEvent.3"
V2_TYPES: Final = {
    "org.wbcsd.pathfinder.ProductFootprint.Published.v1": PUBLISHED,
    "org.wbcsd.pathfinder.ProductFootprintRequest.Created.v1": REQUEST_CREATED,
    V2_FULFILLED: REQUEST_FULFILLED,
    V2_REJECTED: REQUEST_REJECTED,
}
REQUIRED: Final = ("type", "specversion", "id", "source", "time", "data")
MAX_EVENT_BYTES: Final = 1 << 20
_FILTER_KEYS: Final = {
    "productId": "productId",
    "companyId": "companyId",
    "geography": "geography",
    "classification": "classification",
    "status": "status",
}


def receive(host: PactHost, client: PactClient, body: bytes) -> None:
    """Accept one event (return) or refuse it (BadRequestError / AccessDeniedError)."""
    _dispatch(host, client, _parse(body), 3)


def receive_v2(host: PactHost, client: PactClient, body: bytes) -> None:
    """POST /2/events: the v2 event translated to its v3 type and data, then as `receive`; the
    answer to a v2 request goes back as a v2 event (gateway.pact.outbox)."""
    event = _parse(body)
    kind = V2_TYPES.get(event["type"])
    if kind is None:
        raise BadRequestError(f"unsupported v2 event type {str(event['type'])[:100]!r}")
    data = _v2_request_data(event["data"]) if kind == REQUEST_CREATED else event["data"]
    _dispatch(host, client, {**event, "type": kind, "data": data}, 2)


def _v2_request_data(data: dict[str, Any]) -> dict[str, Any]:
    """A v2 request's ProductFootprintFragment as v3 criteria; a fragment property without a
    v3 filter is NotImplemented (v2 §2.5: an unsupported request gets 400 NotImplemented)."""
    fragment = data.get("pf")
    if not isinstance(fragment, dict):
        raise BadRequestError("data.pf (a ProductFootprintFragment) is required")
    pcf = fragment.get("pcf", {})
    pcf = pcf if isinstance(pcf, dict) else {"": pcf}
    unsupported = sorted({*fragment} - {"productIds", "companyIds", "pcf"}) + sorted(
        f"pcf/{k}" for k in set(pcf) - {"geographyCountry"}
    )
    if unsupported:
        raise NotImplementedFeatureError(f"requests by {', '.join(unsupported)[:200]}")
    out: dict[str, Any] = {
        "productId": fragment.get("productIds"),
        "companyId": fragment.get("companyIds"),
        "geography": pcf.get("geographyCountry"),
        "comment": data.get("comment"),
    }
    return {k: v for k, v in out.items() if v is not None}


def _dispatch(host: PactHost, client: PactClient, event: dict[str, Any], version: int) -> None:
    kind, data = event["type"], event["data"]
    if kind == PUBLISHED:
        ids = data.get("pfIds")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            raise BadRequestError("PublishedEvent data.pfIds is a non-empty list of ids")
        _published(host, client, ids)
    elif kind in {REQUEST_FULFILLED, REQUEST_REJECTED}:
        if not isinstance(data.get("requestEventId"), str):
            raise BadRequestError("data.requestEventId is required")
    elif kind == REQUEST_CREATED:
        _request_created(host, client, event, version)
    else:
        raise BadRequestError(f"unsupported event type {str(kind)[:100]!r}")


def _published(host: PactHost, client: PactClient, ids: list[str]) -> None:
    """Take the footprints of a configured partner's PublishedEvent (failures are logged: the
    event is accepted either way, §2.5)."""
    partner = host.partners.get(client.org)
    if partner is None:
        return
    try:
        pulled = Importer(host, partner).published(ids)
    except GatewayError as exc:
        _log.warning("PublishedEvent from %s: %s", client.org, exc)
        return
    for refusal in pulled.refused:
        _log.warning("PublishedEvent from %s: %s", client.org, refusal)


def _parse(body: bytes) -> dict[str, Any]:
    if len(body) > MAX_EVENT_BYTES:
        raise BadRequestError("the event is too large")
    try:
        event = strict_json.loads_object(body)
    except strict_json.JSONInputError as exc:
        raise BadRequestError(f"the body is not a JSON object: {exc}") from None
    missing = [name for name in REQUIRED if name not in event]
    if missing:
        raise BadRequestError(f"the event lacks {', '.join(missing)}")
    if event["specversion"] != "1.0" or not isinstance(event["data"], dict):
        raise BadRequestError(
            "a CloudEvents 1.0 event in structured mode with object data is expected"
        )
    if not all(isinstance(event[n], str) and event[n] for n in ("type", "id", "source", "time")):
        raise BadRequestError("type, id, source and time are non-empty strings")
    return event


def request_filters(data: dict[str, Any]) -> PactFilters:
    """A RequestCreatedEvent's criteria: the list filters' semantics (§2.5)."""
    params: list[tuple[str, str]] = []
    for key in (*_FILTER_KEYS, *DATE_PARAMS):
        value = data.get(key)
        values = value if isinstance(value, list) else [] if value is None else [value]
        if not all(isinstance(v, str) for v in values):
            raise BadRequestError(f"data.{key} holds a non-string")
        params += [(key, v) for v in values]
    return parse_filters(params)


def _request_created(
    host: PactHost, client: PactClient, event: dict[str, Any], version: int
) -> None:
    partner = host.partners.get(client.org)
    if partner is None or not same_origin(event["source"], partner):
        raise AccessDeniedError(
            "the event source is not the events endpoint of the client's partner"
        )
    filters = request_filters(event["data"])
    criteria = criteria_of(event["data"])
    origin = PactOrigin(client.org, event["id"], version)
    if host.desk.get(request_name(origin.partner, origin.event_id)) is not None:
        return  # a retried request: it is kept, and answered, once
    answer = fulfilment(host.footprints.matching(filters, client, MAX_FOOTPRINTS))
    if answer is None and host.auto_reject_after <= 0:
        answer = rejection(*NOT_FOUND)
    owner = owner_of(
        host.footprints.issuers(filters),
        home_orgs(host.node.trust.current()),
        host.node.config.org,
    )
    keep(host.desk, origin, criteria, client.org, owner, answer)
    host.outbox.wake()
