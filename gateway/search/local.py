"""This node's own results for a query: the store's candidates, checked for the criteria the
store does not index and for the requester, a bounded number per page (thin I/O)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from gateway.domain import sha256_hex
from gateway.search.audience import Requester
from gateway.search.query import SearchQuery
from gateway.store.base import Store
from gateway.store.model import UNASSIGNED, StoredDataset
from gateway.store.search_query import candidates
from schemas import strict_json

#: Candidates read per page at most, as a multiple of the page size: a query whose unindexed
#: criteria (company, name) or policy reject most rows ends the page early with a token.
SCAN_FACTOR: Final = 10


@dataclass(frozen=True)
class LocalSearch:
    """Pages of this node's matching datasets for one requester."""

    store: Store
    clock: Callable[[], datetime]

    def page(
        self, query: SearchQuery, requester: Requester, size: int, token: str
    ) -> tuple[list[StoredDataset], str]:
        """Up to `size` results and the next page token ("" when no more)."""
        fingerprint = sha256_hex(
            "\x1f".join([*query.fingerprint_parts(), requester.fingerprint_part()]).encode()
        )
        codec = self.store.page_tokens
        after = codec.decode(token, fingerprint) if token else UNASSIGNED
        kept: list[StoredDataset] = []
        scanned, batch_size = 0, size * 2
        while True:
            batch = candidates(self.store, query, requester.scope, after, batch_size)
            for record in batch:
                if len(kept) == size:
                    return kept, codec.encode(after, fingerprint)
                after, scanned = record.log_index, scanned + 1
                if self._wanted(record, query, requester):
                    kept.append(record)
            if len(batch) < batch_size:
                return kept, ""
            if scanned >= size * SCAN_FACTOR:
                return kept, codec.encode(after, fingerprint)

    def _wanted(self, record: StoredDataset, query: SearchQuery, requester: Requester) -> bool:
        try:
            document = strict_json.loads_object(record.credential)
        except strict_json.JSONInputError:
            return False
        if not query.matches(record, document):
            return False
        replica = bool(self.store.origin_receipts(record.digest))
        return requester.admits(record, document, submitted_here=not replica, now=self.clock())
