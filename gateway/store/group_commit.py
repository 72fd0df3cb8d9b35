"""Group commit: concurrent submissions share one durable transaction.

A durable commit (fsync) costs milliseconds and the log's appends are serialized anyway, so one
commit per submission caps throughput at 1/fsync. Here the first writer to arrive becomes the
leader and commits everything queued behind it in one `Store.put_datasets` call; the others wait
for their slot's result. Nobody is acknowledged before the transaction holding their dataset has
committed, so the crash guarantees are those of a single put.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from gateway.limits import Limits
from gateway.store.base import Store
from gateway.store.errors import StoreError
from gateway.store.model import PutResult, StoredDataset

DEFAULT_MAX_BATCH = Limits.max_commit_batch


@dataclass
class _Slot:
    record: StoredDataset
    entry: bytes
    done: threading.Event = field(default_factory=threading.Event)
    result: PutResult | None = None
    error: BaseException | None = None


class GroupCommitter:
    """Puts from many threads, committed together by whichever caller arrives first (the leader)."""

    def __init__(self, store: Store, max_batch: int = DEFAULT_MAX_BATCH) -> None:
        self._store = store
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: list[_Slot] = []
        self._leader_active = False

    def put(self, record: StoredDataset, log_entry: bytes) -> PutResult:
        """Store one dataset; return once its transaction has committed, or raise its error."""
        slot = _Slot(record, log_entry)
        with self._lock:
            self._queue.append(slot)
            lead = not self._leader_active
            self._leader_active = True
        if lead:
            self._lead()
        slot.done.wait()
        if slot.error is not None:
            raise slot.error
        assert slot.result is not None
        return slot.result

    def _lead(self) -> None:
        while True:
            with self._lock:
                batch = self._queue[: self._max_batch]
                del self._queue[: self._max_batch]
                if not batch:
                    self._leader_active = False
                    return
            self._commit(batch)

    def _commit(self, batch: list[_Slot]) -> None:
        try:
            results: list[PutResult | StoreError] = self._store.put_datasets(
                [(s.record, s.entry) for s in batch]
            )
        except BaseException as exc:  # noqa: BLE001 - every waiter must be woken with the error
            for slot in batch:
                slot.error = exc
                slot.done.set()
            return
        for slot, outcome in zip(batch, results, strict=True):
            if isinstance(outcome, PutResult):
                slot.result = outcome
            else:
                slot.error = outcome
            slot.done.set()
