"""ListFootprints and GetFootprint over the store (pact-v3.md §2.3-2.4).

A footprint served is the PACT v3 form (schemas.translate.dataset_to_pact_v3) of a stored
ProductFootprint credential; the cfx-only blocks travel as a DataModelExtension, and a status
change recorded here (a StatusUpdate deprecating it) shows as `status: Deprecated`.

Who sees what: a PACT client acts for its organization, as a reader that is not the issuing
node (gateway.search.audience), so a footprint is served when its usage policy names
`public` or `org:<client's org>`, or the client's organization issued it.

Pagination (§2.3): the next-page cursor is sealed (HMAC) and holds the last log index served
and the log size when the first page was asked (the high-water mark): later inserts never shift
or join a listing in progress, so a link gives the same set for as long as it lives (10 min).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from gateway.domain import DatasetKind, DatasetStatus, ReadScope
from gateway.federation.policy import Reader
from gateway.pact.auth import seal, unseal
from gateway.pact.clients import PactClient
from gateway.pact.errors import AccessDeniedError, BadRequestError, NotFoundError
from gateway.pact.filters import PactFilters
from gateway.search.audience import Requester
from gateway.search.query import SearchQuery
from gateway.store.base import Store
from gateway.store.model import UNASSIGNED, StoredDataset
from gateway.store.search_query import candidates
from schemas import strict_json
from schemas.translate import dataset_to_pact_v3

DEFAULT_LIMIT: Final = 50
MAX_LIMIT: Final = 100
#: A next link lives this long: at least the 180 s the spec asks, with room for slow clients.
CURSOR_SECONDS: Final = 600
_SCOPE: Final = ReadScope(kinds=frozenset({DatasetKind.PRODUCT_FOOTPRINT}))


def requester(client: PactClient) -> Requester:
    """The reader a PACT client is for usage policy: its organization, not the issuing node."""
    return Requester(_SCOPE, (Reader(client.org, None, is_origin=False),), here=False)


def served_form(record: StoredDataset, document: dict[str, Any]) -> dict[str, Any]:
    """The PACT v3 footprint of a stored credential."""
    footprint = dataset_to_pact_v3(document).document
    if record.status is DatasetStatus.DEPRECATED:
        footprint["status"] = "Deprecated"
    return footprint


@dataclass(frozen=True)
class Page:
    """Footprints of one page and the cursor of the next ("" when this is the last)."""

    footprints: list[dict[str, Any]]
    cursor: str


@dataclass(frozen=True)
class Footprints:
    """The footprints this node serves to PACT clients."""

    store: Store
    clock: Callable[[], datetime]
    cursor_key: bytes

    def page(
        self,
        filters: PactFilters,
        client: PactClient,
        limit: int,
        cursor: str,
        query_key: Sequence[tuple[str, str]],
    ) -> Page:
        """Up to `limit` footprints after `cursor` (bound to the same query and organization)."""
        fingerprint = _fingerprint(query_key, client.org)
        after, high_water = self._open(cursor, fingerprint)
        kept: list[dict[str, Any]] = []
        for record, footprint in self._walk(filters, requester(client), after, high_water, limit):
            if len(kept) == limit:
                return Page(kept, self._seal(after, high_water, fingerprint))
            after = record.log_index
            if footprint is not None:
                kept.append(footprint)
        return Page(kept, "")

    def matching(
        self, filters: PactFilters, client: PactClient, limit: int
    ) -> list[tuple[StoredDataset, dict[str, Any]]]:
        """Up to `limit` stored footprints meeting `filters` that `client` may see, with their
        served form (a PACT request answered at once)."""
        walk = self._walk(filters, requester(client), UNASSIGNED, self.store.log_size(), limit)
        return [(r, f) for r, f in walk if f is not None][:limit]

    def issuers(self, filters: PactFilters, bound: int = 1000) -> set[str]:
        """The organizations that issued stored footprints meeting `filters`, whoever may see
        them (who owns a PACT request; at most `bound` records read)."""
        found: set[str] = set()
        for record in candidates(self.store, SearchQuery(), _SCOPE, UNASSIGNED, bound):
            document = _document(record)
            if document is not None and filters.matches(served_form(record, document)):
                found.add(record.issuer_org)
        return found

    def _walk(
        self, filters: PactFilters, reader: Requester, after: int, high_water: int, limit: int
    ) -> Iterator[tuple[StoredDataset, dict[str, Any] | None]]:
        """Each record after `after` below `high_water`, with its served form when the reader
        sees it and it meets `filters` (None otherwise), in log order."""
        while True:
            batch = candidates(self.store, SearchQuery(), _SCOPE, after, limit * 2)
            for record in batch:
                if record.log_index >= high_water:
                    return
                after = record.log_index
                footprint = self._visible(record, reader)
                yield record, footprint if footprint and filters.matches(footprint) else None
            if len(batch) < limit * 2:
                return

    def get(self, pf_id: str, client: PactClient) -> dict[str, Any]:
        """The footprint `pf_id`: NotFoundError if none exists, AccessDeniedError if the client
        may not see it (v3 §2.4: both MUSTs; the spec chose to confirm existence)."""
        try:
            canonical = str(uuid.UUID(pf_id))
        except ValueError:  # no footprint has such an id: not found (v3 §2.4 MUST 404)
            raise NotFoundError(f"no footprint {pf_id[:80]!r}") from None
        records = [
            r
            for r in self.store.datasets_with_id(f"urn:uuid:{canonical}")
            if r.kind is DatasetKind.PRODUCT_FOOTPRINT and r.status is not DatasetStatus.WITHDRAWN
        ]
        if not records:
            raise NotFoundError(f"no footprint {canonical}")
        reader = requester(client)
        for record in sorted(records, key=lambda r: r.log_index, reverse=True):
            footprint = self._visible(record, reader)
            if footprint is not None:
                return footprint
        raise AccessDeniedError(f"footprint {canonical} is not shared with {client.org}")

    def record_of(self, pf_id: str, client: PactClient) -> StoredDataset:
        """The stored record behind a footprint the client may see (for the cfx links)."""
        footprint = self.get(pf_id, client)
        for record in self.store.datasets_with_id(f"urn:uuid:{footprint['id']}"):
            if self._visible(record, requester(client)) == footprint:
                return record
        raise NotFoundError(f"no footprint {pf_id}")  # pragma: no cover - get() found it just now

    def _visible(self, record: StoredDataset, reader: Requester) -> dict[str, Any] | None:
        document = _document(record)
        now = self.clock()
        if document is None or not reader.admits(record, document, submitted_here=False, now=now):
            return None
        return served_form(record, document)

    def _open(self, cursor: str, fingerprint: str) -> tuple[int, int]:
        if not cursor:
            return UNASSIGNED, self.store.log_size()
        claims = unseal(self.cursor_key, cursor)
        now = self.clock().timestamp()
        if (
            claims is None
            or claims.get("f") != fingerprint
            or not isinstance(claims.get("a"), int)
            or not isinstance(claims.get("h"), int)
            or not isinstance(claims.get("e"), int | float)
        ):
            raise BadRequestError("the page link is not valid for this query")
        if now >= float(claims["e"]):  # type: ignore[arg-type]
            raise BadRequestError("the page link has expired; list again from the first page")
        return int(claims["a"]), int(claims["h"])  # type: ignore[call-overload]

    def _seal(self, after: int, high_water: int, fingerprint: str) -> str:
        expires = int(self.clock().timestamp()) + CURSOR_SECONDS
        return seal(self.cursor_key, {"a": after, "h": high_water, "e": expires, "f": fingerprint})


def _document(record: StoredDataset) -> dict[str, Any] | None:
    try:
        return strict_json.loads_object(record.credential)
    except strict_json.JSONInputError:
        return None


def _fingerprint(query_key: Sequence[tuple[str, str]], org: str) -> str:
    text = "\x1f".join([org, *(f"{k}={v}" for k, v in sorted(query_key))])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def parse_limit(text: str | None) -> int:
    """`limit` (§2.3: integer, minimum 0); 0 or absent means the default page size."""
    if text is None or text == "":
        return DEFAULT_LIMIT
    if not text.isdigit() or len(text) > 9:
        raise BadRequestError("limit is a non-negative integer")
    value = int(text)
    return DEFAULT_LIMIT if value == 0 else min(value, MAX_LIMIT)
