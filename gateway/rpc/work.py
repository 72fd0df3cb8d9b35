"""Work slots: how many unary calls compute at once, and which handlers are still running.

The transport has a thread for every call the quotas admit, so a held stream never takes the
thread a unary call or a health check needs (issue 11). Unary calls then queue here for one of
`worker_threads` slots before they verify, validate or write: the CPU-bound work runs as it did
with a pool of that size, and streams never take a slot.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from gateway.errors import DeadlineTooShortError, NodeStoppingError


class WorkSlots:
    """A fixed number of slots for unary work, and a count of every running handler."""

    def __init__(self, slots: int) -> None:
        self._free = threading.BoundedSemaphore(slots)
        self._handlers = 0
        self._closed = False
        self._changed = threading.Condition()

    @contextmanager
    def slot(self, wait_seconds: float) -> Iterator[None]:
        """Hold a work slot while the block runs, waiting at most `wait_seconds` for one."""
        if not self._free.acquire(timeout=max(wait_seconds, 0.0)):
            raise DeadlineTooShortError("no worker became free before the call's deadline")
        try:
            yield
        finally:
            self._free.release()

    @contextmanager
    def handler(self) -> Iterator[None]:
        """Count a running RPC handler (unary or stream) while the block runs; UNAVAILABLE
        once `close` was called (a call gRPC accepted just before the stop starts no work)."""
        with self._changed:
            if self._closed:
                raise NodeStoppingError
            self._handlers += 1
        try:
            yield
        finally:
            with self._changed:
                self._handlers -= 1
                self._changed.notify_all()

    def close(self, timeout: float) -> bool:
        """Start no more handlers; wait up to `timeout` s for the running ones to return.
        True when none is left."""
        with self._changed:
            self._closed = True
            return self._changed.wait_for(lambda: self._handlers == 0, max(timeout, 0.0))
