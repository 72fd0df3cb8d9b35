"""SQLite store: the embedded default (DESIGN.md §6), one WAL-mode file under the node directory.

Each thread gets its own connection (the gRPC server calls from a thread pool); writes take the
database write lock up front with BEGIN IMMEDIATE, so the log append has a single writer.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gateway.log.sql import Cursor
from gateway.store.connections import OpenConnections
from gateway.store.errors import AlreadyExistsError, StoreUnavailableError
from gateway.store.schema import Dialect
from gateway.store.sql import SQLStore

BUSY_TIMEOUT_MS = 10_000


class SQLiteStore(SQLStore):
    """SQLite store: one connection per thread on a WAL file; writes take BEGIN IMMEDIATE."""

    dialect: Dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._connections: OpenConnections[sqlite3.Connection] = OpenConnections()
        super().__init__()

    def _blob_types(self) -> tuple[str, str]:
        return "BLOB", "INTEGER"

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        if self._connections.closed:
            raise StoreUnavailableError("the store is closed")
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves so a write is exactly one
            # transaction; check_same_thread=False only so close() can close every connection.
            conn = sqlite3.connect(
                self.path,
                isolation_level=None,
                check_same_thread=False,
                timeout=BUSY_TIMEOUT_MS / 1000,
            )
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            # FULL: a receipt must never name a log entry a power cut could take back.
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            raise StoreUnavailableError(f"cannot open {self.path}: {exc}") from exc
        self._local.conn = self._connections.add(conn)
        return conn

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Cursor]:
        conn = self._connection()
        cur = conn.cursor()
        try:
            cur.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        except sqlite3.OperationalError as exc:
            raise StoreUnavailableError(f"database is busy: {exc}") from exc
        try:
            yield cur
        except sqlite3.IntegrityError as exc:
            conn.rollback()
            raise AlreadyExistsError(f"constraint violated: {exc}", existing_name="") from exc
        except sqlite3.OperationalError as exc:
            conn.rollback()
            raise StoreUnavailableError(f"database error: {exc}") from exc
        except BaseException:
            conn.rollback()
            raise
        else:
            conn.commit()
        finally:
            cur.close()

    def close(self) -> None:
        """Close every thread's connection; later calls raise StoreUnavailableError."""
        self._connections.close_all()
        self._local = threading.local()
