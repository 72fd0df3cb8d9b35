"""PACT RequestCreatedEvents as footprint requests of the cross-node request flow (issue 14).

A request a partner sends is kept as a stored request (gateway.requests.desk: one write
transaction with its log entry), so it survives a restart, shows in `cfx request list --view
owner` and is answered by `cfx request fulfil|reject`, like any other.

- Name: `requests/{uuid5(partner, event id)}`: a retried event is the same request (idempotent).
- `came_from`: `pact:{partner org}:{event id}` (`pact2:` for one that came by /2/events).
  Organization names are slugs without `:`, so this never names a peer node;
  and, as for a request relayed from a peer, the answer stays owed
  (`acknowledged` false) until it is delivered: the stored rows are the delivery outbox
  (gateway.pact.outbox), and the delivery is logged as the request's `acknowledged` entry.
- Owner: the organization that issued the stored footprints of the requested products (any
  audience, so an owner can publish one to the requester and fulfil), when exactly one of this
  node's own organizations did; otherwise the node's own organization, whose operator answers.
  A PACT request is always answered at this node: it is never relayed to a peer.
- Criteria: the cross-node criteria hold one product, company and geography; a PACT request's
  first of each, with every criterion it gave kept in the comment for the owner to read.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from gateway.pact.errors import BadRequestError
from gateway.requests.desk import NAME_PREFIX, Desk
from gateway.requests.errors import InvalidCriteriaError
from gateway.requests.machine import MAX_COMMENT_CHARS, MAX_FOOTPRINTS, Answer, Criteria, Request
from gateway.store.model import StoredDataset

ORIGIN_PREFIX: Final = "pact:"
ORIGIN_PREFIX_V2: Final = "pact2:"
MAX_EVENT_ID_CHARS: Final = 256
_NAMESPACE: Final = uuid.UUID("6f0c2b2e-3c8e-4a51-9d3e-2a9f6c1d7e40")
NOT_FOUND: Final = ("NotFound", "no footprint matches the request")


@dataclass(frozen=True)
class PactOrigin:
    """Who asked by PACT: the partner organization and its RequestCreatedEvent id."""

    partner: str
    event_id: str
    #: 2 for a request that came by POST /2/events: its answer is sent as a v2 event.
    version: int = 3

    def encode(self) -> str:
        """The `came_from` of the stored request."""
        prefix = ORIGIN_PREFIX_V2 if self.version == 2 else ORIGIN_PREFIX
        return f"{prefix}{self.partner}:{self.event_id}"

    @classmethod
    def decode(cls, came_from: str) -> PactOrigin | None:
        """The origin of a stored request, or None for one that did not come by PACT."""
        for prefix, version in ((ORIGIN_PREFIX, 3), (ORIGIN_PREFIX_V2, 2)):
            if came_from.startswith(prefix):
                partner, _, event_id = came_from.removeprefix(prefix).partition(":")
                return cls(partner, event_id, version)
        return None


def request_name(partner: str, event_id: str) -> str:
    """The stored request of a partner's RequestCreatedEvent."""
    if not event_id or len(event_id) > MAX_EVENT_ID_CHARS or not event_id.isprintable():
        raise BadRequestError(f"the event id is 1-{MAX_EVENT_ID_CHARS} printable characters")
    return NAME_PREFIX + str(uuid.uuid5(_NAMESPACE, f"{partner}\x1f{event_id}"))


def criteria_of(data: dict[str, Any]) -> Criteria:
    """The cross-node criteria of a RequestCreatedEvent's data (a product id is required)."""

    def first(key: str) -> str:
        value = data.get(key)
        values = value if isinstance(value, list) else [] if value is None else [value]
        return str(values[0]) if values else ""

    comment = str(data.get("comment") or "")
    given = {k: v for k, v in data.items() if k != "comment"}
    full = json.dumps(given, separators=(",", ":"), sort_keys=True)
    full = f"{comment}\nPACT criteria: {full}" if comment else f"PACT criteria: {full}"
    try:
        return Criteria(
            product_id=first("productId"),
            company_id=first("companyId"),
            geography=first("geography"),
            comment=full[:MAX_COMMENT_CHARS],
        )
    except InvalidCriteriaError as exc:
        raise BadRequestError(f"the request cannot be kept: {exc}") from None


def owner_of(issuers: set[str], own: frozenset[str], node_org: str) -> str:
    """The organization that answers (see the module note)."""
    mine = issuers & own
    return next(iter(mine)) if len(mine) == 1 else node_org


def fulfilment(matches: Sequence[tuple[StoredDataset, dict[str, Any]]]) -> Answer | None:
    """The answer naming the footprints found at once (None: nothing matched)."""
    found = tuple((record.name, record.digest) for record, _ in matches[:MAX_FOOTPRINTS])
    return Answer(found) if found else None


def rejection(code: str, message: str) -> Answer:
    """A rejection with a PACT error code."""
    return Answer(reject_code=code, reject_message=message)


def keep(  # noqa: PLR0917 - a request's parts
    desk: Desk,
    origin: PactOrigin,
    criteria: Criteria,
    requester: str,
    owner: str,
    answer: Answer | None,
) -> Request:
    """Store the request (idempotent by name) and, when given, its immediate answer."""
    name = request_name(origin.partner, origin.event_id)
    created = desk.create(name, criteria, requester, owner, came_from=origin.encode())
    if answer is None or created.answered:
        return created
    return desk.answer(name, owner, answer)
