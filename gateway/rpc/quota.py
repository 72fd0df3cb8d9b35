"""Concurrency quotas: how many calls (or streams) one caller identity, and the node, may hold."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from gateway.errors import NodeBusyError, ResourceExhaustedError


@dataclass
class Quota:
    """At most `per_identity` concurrent holders per identity and `total` in all."""

    what: str  # "calls" or "streams": used in messages
    error: type[ResourceExhaustedError]  # raised when one identity is over its share
    per_identity: int
    total: int
    _held: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def holders(self) -> dict[str, int]:
        """How many slots each identity holds now (for the metrics)."""
        with self._lock:
            return dict(self._held)

    @contextmanager
    def held(self, identity: str) -> Iterator[None]:
        """Hold one slot for `identity` while the block runs; RESOURCE_EXHAUSTED if none is free."""
        with self._lock:
            if self._held[identity] >= self.per_identity:
                raise self.error(
                    f"this identity already has {self.per_identity} {self.what} in progress",
                    limit=self.per_identity,
                )
            if self._held.total() >= self.total:
                raise NodeBusyError(
                    f"the node already has {self.total} {self.what} in progress",
                    limit=self.total,
                )
            self._held[identity] += 1
        try:
            yield
        finally:
            with self._lock:
                self._held[identity] -= 1
                if not self._held[identity]:
                    del self._held[identity]
