"""The connections a store opened, so that `close()` closes every one, from whichever thread."""

from __future__ import annotations

import threading
from typing import Generic, Protocol, TypeVar


class _Closable(Protocol):
    def close(self) -> None: ...


_Conn = TypeVar("_Conn", bound=_Closable)


class OpenConnections(Generic[_Conn]):
    """The open connections of one store; after `close_all` the store is `closed` for good."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: list[_Conn] = []
        self.closed = False

    def add(self, conn: _Conn) -> _Conn:
        """Track a newly opened connection; return it."""
        with self._lock:
            self._open.append(conn)
        return conn

    def discard(self, conn: _Conn) -> None:
        """Stop tracking `conn` (a broken one, or one returned after close) and close it."""
        with self._lock:
            if conn in self._open:
                self._open.remove(conn)
        conn.close()

    def close_all(self) -> None:
        """Mark the store closed and close every connection it still has open."""
        with self._lock:
            self.closed = True
            connections, self._open = self._open, []
        for conn in connections:
            conn.close()
