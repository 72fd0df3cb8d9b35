"""PullEntries for one peer node: the leaves [start, b) of the log, each in full only when the
usage policy of every dataset it concerns admits the caller (issue 12), else as its leaf hash.

The decision is the issuer's signed usage policy (gateway.federation.policy), read from the
stored credential bytes, for the calling node's organization and node role:
- a dataset entry (accepted here or copied from a peer) is full when its dataset's audience
  admits the caller; the credential bytes and the entry's inclusion proof go with it;
- a status change is full when its target's audience admits the caller; the StatusUpdate's
  bytes go with it (so the change follows its dataset everywhere it went);
- an attestation's audience is that of the footprint it attests (gateway.federation.
  attestations), so it, and its revocation, go exactly where the footprint goes;
- a key revocation is full (it concerns no dataset; the registry is public to members);
- anything else (a dataset this node no longer holds, an unreadable entry) is a leaf hash.

A page ends at `tree_size`, at the page size, or once its credential bytes reach the byte budget
(at least one leaf: a walk always advances). The consistency proof runs from the page's end to
`tree_size`, so the caller proves the page against the checkpoint it accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from gateway.domain import DatasetKind
from gateway.errors import InvalidRangeError
from gateway.federation.attestations import audience_of
from gateway.federation.policy import Reader
from gateway.log.entry import LogEntry, StatusChange, StatusChangeKind
from gateway.log.entry import decode_entry as decode
from gateway.log.errors import MalformedEntryError, TreeSizeError
from gateway.log.leaves import ServedLeaf
from gateway.store.base import Store
from gateway.store.errors import NotFoundError
from gateway.store.model import StoredDataset
from schemas import strict_json


@dataclass(frozen=True, slots=True)
class PulledDataset:
    """The bytes a full entry commits to, and the entry's inclusion proof in the tree pulled."""

    log_index: int
    credential: bytes
    inclusion_proof: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class PulledPage:
    """One PullEntries answer."""

    leaves: tuple[ServedLeaf, ...]
    datasets: tuple[PulledDataset, ...]
    consistency_proof: tuple[bytes, ...]


class PullView:
    """Pages of this node's log as one peer node may receive them."""

    def __init__(
        self, store: Store, clock: Callable[[], datetime], *, max_page_size: int, max_bytes: int
    ) -> None:
        self._store = store
        self._clock = clock
        self._max_page_size = max_page_size
        self._max_bytes = max_bytes

    def page(self, reader: Reader, start: int, tree_size: int, page_size: int) -> PulledPage:
        """Leaves from `start` on, within the tree of `tree_size` leaves."""
        size = self._store.log_size()
        if not 0 < tree_size <= size:
            raise TreeSizeError(f"need 0 < tree_size <= {size}")
        if start > tree_size:
            raise InvalidRangeError("start_index is beyond tree_size", field="start_index")
        limit = min(page_size or self._max_page_size, self._max_page_size)
        raw = [bytes(e) for e in self._store.log_entries(start, min(tree_size, start + limit))]
        decoded = [_decoded(entry) for entry in raw]
        # One read for the records of the whole page, not one per entry.
        held = self._store.find_by_digests([e.digest.hex() for e in decoded if e is not None])
        now = self._clock()
        leaves: list[ServedLeaf] = []
        shown: list[tuple[int, bytes]] = []
        used = 0
        for offset, (entry, parsed) in enumerate(zip(raw, decoded, strict=True)):
            index = start + offset
            full = ServedLeaf.of_entry(index, entry)
            credential = None if parsed is None else self._shown(parsed, held, reader, now)
            if credential is None:
                leaves.append(ServedLeaf(index, full.leaf_hash))
            else:
                leaves.append(full)
                if credential:
                    shown.append((index, credential))
            used += len(entry) + len(credential or b"")
            if used >= self._max_bytes:
                break
        proofs = self._store.inclusion_proofs([index for index, _ in shown], tree_size)
        datasets = [
            PulledDataset(index, credential, tuple(proof))
            for (index, credential), proof in zip(shown, proofs, strict=True)
        ]
        end = start + len(leaves)
        proof = self._store.consistency_proof(end, tree_size) if 0 < end < tree_size else []
        return PulledPage(tuple(leaves), tuple(datasets), tuple(proof))

    def _shown(
        self, decoded: LogEntry, held: dict[str, StoredDataset], reader: Reader, now: datetime
    ) -> bytes | None:
        """The credential bytes to send with a full entry (b"" for none); None: hide it."""
        if isinstance(decoded, StatusChange):
            if decoded.change is StatusChangeKind.KEY_REVOCATION:
                return b""
            target = self._held(decoded.target)
            update = held.get(decoded.digest.hex())
            if target is None or update is None or not self._admits(target, reader, now):
                return None
            return update.credential
        record = held.get(decoded.digest.hex())
        if record is None or record.kind is DatasetKind.STATUS_UPDATE:
            return None
        if not self._admits(record, reader, now):
            return None
        return record.credential

    def _held(self, name: str) -> StoredDataset | None:
        try:
            return self._store.get_dataset(name)
        except NotFoundError:
            return None

    def _admits(self, record: StoredDataset, reader: Reader, now: datetime) -> bool:
        """The dataset's audience (an attestation's is its footprint's) admits `reader`."""
        try:
            document = strict_json.loads_object(record.credential)
        except strict_json.JSONInputError:
            return False
        return audience_of(record, document, self._store.find_by_digest).admits(reader, now)


def _decoded(entry: bytes) -> LogEntry | None:
    try:
        return decode(entry)
    except MalformedEntryError:
        return None
