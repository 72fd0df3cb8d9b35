"""One caller's page of the node's log: every leaf, in full only where the caller may read.

ListLogEntries serves every leaf of a range, so that any caller can rebuild the tree and check it
against a signed checkpoint. But an entry names a dataset, its issuer, digest and acceptance time,
so a caller gets the bytes only when the exchange's read rules (ListDatasets, GetDataset) let it
read every dataset the entry concerns: the accepted dataset, or a status change's target and its
StatusUpdate. Every other leaf is served as its RFC 9162 leaf hash alone (gateway.log.leaves
rebuilds the tree from such a listing). Key revocations concern no dataset and are shown to all:
they name a DID, and the trust registry with every key and its revocation is public to every
registered organization.

Pages are RFC 9162 get-entries with AIP-158 tokens: a page holds at most the node's max page size
and a byte budget, and the opaque token (the store's `PageTokenCodec`) resumes after the last leaf
served, bound to the range and to the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gateway.domain import DatasetKind, sha256_hex
from gateway.errors import InvalidRangeError, PermissionDeniedError
from gateway.log.entry import StatusChange, StatusChangeKind, decode_entry
from gateway.log.errors import MalformedEntryError, TreeSizeError
from gateway.log.leaves import ServedLeaf
from gateway.store.base import Store
from gateway.store.errors import InvalidPageTokenError
from gateway.trust import Organization

_PAGED_METHOD = "cfx.v1.LogService/ListLogEntries"


@dataclass(frozen=True)
class LogRange:
    """A validated ListLogEntries request: [start, end) with end 0 meaning the current size."""

    start: int
    end: int
    page_size: int = 0
    page_token: str = ""


@dataclass(frozen=True)
class LogPage:
    leaves: tuple[ServedLeaf, ...]
    next_page_token: str


class LogView:
    def __init__(self, store: Store, *, max_page_size: int, max_page_bytes: int) -> None:
        self._store = store
        self._max_page_size = max_page_size
        self._max_page_bytes = max_page_bytes

    def page(self, caller: Organization, request: LogRange) -> LogPage:
        if request.end and request.end < request.start:
            raise InvalidRangeError(
                "end_index must be 0 or at least start_index", field="end_index"
            )
        size = self._store.log_size()
        if request.start > size:
            raise TreeSizeError(f"the log has {size} entries")
        stop = min(request.end, size) if request.end else size
        fingerprint = _fingerprint(request, caller)
        first = request.start
        if request.page_token:
            first = self._resume_after(request, fingerprint) + 1
        limit = min(request.page_size or self._max_page_size, self._max_page_size)
        raw = self._store.log_entries(first, min(stop, first + limit)) if stop > first else []
        raw = _within_budget(raw, self._max_page_bytes)
        after = first + len(raw)
        token = (
            self._store.page_tokens.encode(after - 1, fingerprint) if raw and after < stop else ""
        )
        return LogPage(self._serve(caller, first, raw), token)

    def check_visible(self, caller: Organization, index: int) -> None:
        """GetInclusionProof serves the entry bytes too: the same rule, or PERMISSION_DENIED."""
        entry = self._store.log_entries(index, index + 1)
        if not entry or self._serve(caller, index, entry)[0].hidden:
            raise PermissionDeniedError(f"log entry {index} concerns a dataset you may not read")

    def _resume_after(self, request: LogRange, fingerprint: str) -> int:
        last = self._store.page_tokens.decode(request.page_token, fingerprint)
        if last < request.start or (request.end and last >= request.end):
            raise InvalidPageTokenError("page token lies outside the range")
        return last

    def _serve(
        self, caller: Organization, first: int, raw: Sequence[bytes]
    ) -> tuple[ServedLeaf, ...]:
        if caller.readable_kinds >= frozenset(DatasetKind):
            return tuple(ServedLeaf.of_entry(first + i, bytes(e)) for i, e in enumerate(raw))
        readable = self._store.readable_log_indexes(first, first + len(raw), caller.read_scope)
        leaves = []
        for i, entry in enumerate(raw):
            leaf = ServedLeaf.of_entry(first + i, bytes(entry))
            shown = leaf.index in readable or _is_key_revocation(leaf.entry or b"")
            leaves.append(leaf if shown else ServedLeaf(leaf.index, leaf.leaf_hash))
        return tuple(leaves)


def _fingerprint(request: LogRange, caller: Organization) -> str:
    """AIP-158: a token is valid only for the range and the read scope it was issued for."""
    parts = (
        _PAGED_METHOD,
        str(request.start),
        str(request.end),
        caller.read_scope.fingerprint_part(),
    )
    return sha256_hex("\x1f".join(parts).encode())


def _within_budget(raw: Sequence[bytes], budget: int) -> Sequence[bytes]:
    """The longest prefix within `budget` bytes (at least one entry: the walk always advances)."""
    used = 0
    for i, entry in enumerate(raw):
        used += len(entry)
        if used > budget and i > 0:
            return raw[:i]
    return raw


def _is_key_revocation(entry: bytes) -> bool:
    try:
        decoded = decode_entry(entry)
    except MalformedEntryError:
        return False
    return isinstance(decoded, StatusChange) and decoded.change is StatusChangeKind.KEY_REVOCATION
