"""Persistence for accepted datasets and the transparency log, behind one `Store` interface.

`open_store(url, node_dir)` picks the backend: SQLite (the default; `sqlite:///abs/path`,
`sqlite://relative/path` or a plain path, relative to the node directory) or PostgreSQL
(`postgresql://…`, psycopg 3).
"""

from __future__ import annotations

from pathlib import Path

from gateway.domain import ALLOWED_TRANSITIONS, ChangeType, DatasetKind, DatasetStatus, ReadScope
from gateway.store.base import DEFAULT_PAGE_SIZE, Store
from gateway.store.errors import (
    AlreadyExistsError,
    InvalidPageTokenError,
    InvalidRecordError,
    InvalidStatusTransitionError,
    InvalidStoreURLError,
    NotFoundError,
    SchemaVersionError,
    StoreError,
    StoreUnavailableError,
)
from gateway.store.model import Change, DatasetFilter, PutResult, StoredDataset

__all__ = [
    "ALLOWED_TRANSITIONS",
    "DEFAULT_PAGE_SIZE",
    "AlreadyExistsError",
    "Change",
    "ChangeType",
    "DatasetFilter",
    "DatasetKind",
    "DatasetStatus",
    "InvalidPageTokenError",
    "InvalidRecordError",
    "InvalidStatusTransitionError",
    "InvalidStoreURLError",
    "NotFoundError",
    "PutResult",
    "ReadScope",
    "SchemaVersionError",
    "Store",
    "StoreError",
    "StoreUnavailableError",
    "StoredDataset",
    "open_store",
    "sqlite_path",
]

_SQLITE_PREFIX = "sqlite://"
_POSTGRES_PREFIXES = ("postgresql://", "postgres://")


def sqlite_path(url: str, node_dir: Path) -> Path | None:
    """The one parser of store URLs: the SQLite file `url` names (relative to `node_dir`), or
    None for a PostgreSQL URL. Anything else raises `InvalidStoreURLError`."""
    if url.startswith(_POSTGRES_PREFIXES):
        return None
    if url.startswith(_SQLITE_PREFIX):
        path_text = url.removeprefix(_SQLITE_PREFIX)
    elif "://" in url:
        raise InvalidStoreURLError(f"unsupported store URL scheme in {url.split('://', 1)[0]!r}")
    else:
        path_text = url
    if not path_text or path_text == ":memory:":
        raise InvalidStoreURLError("the SQLite store needs a file path")
    path = Path(path_text)
    return path if path.is_absolute() else node_dir / path


def open_store(url: str, node_dir: Path) -> Store:
    """Open (and create if needed) the store named by `url`."""
    path = sqlite_path(url, node_dir)
    if path is None:
        from gateway.store.postgres import PostgresStore  # noqa: PLC0415 -- psycopg only when used

        return PostgresStore(url)
    from gateway.store.sqlite import SQLiteStore  # noqa: PLC0415 -- symmetric with PostgreSQL

    return SQLiteStore(path)
