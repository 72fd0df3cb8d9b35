"""PostgreSQL store (psycopg 3): the scale-out backend; several gateways may share one database.

A small lock-protected pool hands each call its own connection. Write transactions take one
transaction-scoped advisory lock first, so log appends are serialized across every process that
shares the database (the log has exactly one order).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from gateway.log.sql import Cursor
from gateway.store.connections import OpenConnections
from gateway.store.errors import AlreadyExistsError, StoreUnavailableError
from gateway.store.schema import Dialect
from gateway.store.sql import SQLStore

# Arbitrary constant naming "the cfx store writer" among advisory locks of this database.
_WRITE_LOCK_ID = 0x0C0F_5707
DEFAULT_POOL_SIZE = 8
CONNECT_TIMEOUT_S = 5


class PostgresStore(SQLStore):
    """PostgreSQL store: pooled connections; writes serialized by a transaction advisory lock."""

    dialect: Dialect = "postgresql"

    def __init__(self, url: str, *, pool_size: int = DEFAULT_POOL_SIZE) -> None:
        self._url = url
        self.shared_url = url  # replicas may share it: checkpoints are claimed, duties leased
        self._idle: queue.LifoQueue[psycopg.Connection[tuple[object, ...]]] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(pool_size)
        self._connections: OpenConnections[psycopg.Connection[tuple[object, ...]]] = (
            OpenConnections()
        )
        super().__init__()

    def _blob_types(self) -> tuple[str, str]:
        return "BYTEA", "BIGINT"

    def _connect(self) -> psycopg.Connection[tuple[object, ...]]:
        try:
            # autocommit: every statement runs inside an explicit `conn.transaction()` block,
            # which then issues BEGIN/COMMIT itself (no implicit transaction left open).
            conn = psycopg.connect(self._url, connect_timeout=CONNECT_TIMEOUT_S, autocommit=True)
        except psycopg.Error as exc:
            # Never echo the URL: it may carry a password.
            raise StoreUnavailableError(
                f"cannot connect to PostgreSQL: {type(exc).__name__}"
            ) from exc
        return self._connections.add(conn)

    @contextmanager
    def _borrow(self) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
        if self._connections.closed:
            raise StoreUnavailableError("the store is closed")
        self._slots.acquire()
        try:
            try:
                conn = self._idle.get_nowait()
            except queue.Empty:
                conn = self._connect()
            if conn.closed or conn.broken:
                self._connections.discard(conn)
                conn = self._connect()
            try:
                yield conn
            finally:
                if self._connections.closed or conn.closed or conn.broken:
                    self._connections.discard(conn)
                else:
                    self._idle.put(conn)
        finally:
            self._slots.release()

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Cursor]:
        with self._borrow() as conn:
            try:
                with conn.transaction(), conn.cursor() as cur:
                    if write:
                        cur.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK_ID,))
                    yield cur
            except psycopg.errors.IntegrityError as exc:
                raise AlreadyExistsError(
                    f"constraint violated: {exc.diag.constraint_name}", existing_name=""
                ) from exc
            except psycopg.OperationalError as exc:
                raise StoreUnavailableError(f"database error: {type(exc).__name__}") from exc

    def close(self) -> None:
        """Close every pooled connection; borrowing afterwards raises StoreUnavailableError."""
        self._connections.close_all()
