"""A database made by the previous cfx still opens, migrated, on SQLite and PostgreSQL.

Store schema version 1 (before issue 11) made credential ids and request ids unique node-wide and
wrote no version row. `V1_STATEMENTS` is its schema exactly as it created it (gateway/store/sql.py
at commit b0c8484); the log tables did not change, so `LogTables` makes them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from gateway.log.sql import LogTables
from gateway.store import (
    AlreadyExistsError,
    DatasetFilter,
    SchemaVersionError,
    StoredDataset,
    open_store,
)
from gateway.store.schema import SCHEMA_VERSION
from gateway.times import to_sortable
from tests.helpers.stores import T0, entry, make


def v1_statements(blob: str, bigint: str) -> list[str]:
    return [
        f"""CREATE TABLE IF NOT EXISTS cfx_datasets (
            name TEXT PRIMARY KEY,
            credential {blob} NOT NULL,
            kind TEXT NOT NULL,
            status TEXT NOT NULL,
            issuer TEXT NOT NULL,
            issuer_org TEXT NOT NULL,
            digest TEXT NOT NULL UNIQUE,
            received_at TEXT NOT NULL,
            credential_id TEXT NOT NULL UNIQUE,
            request_id TEXT UNIQUE,
            geography TEXT NOT NULL,
            valid_from TEXT,
            valid_until TEXT,
            log_index {bigint} NOT NULL UNIQUE)""",
        "CREATE INDEX IF NOT EXISTS cfx_datasets_kind ON cfx_datasets (kind, log_index)",
        "CREATE INDEX IF NOT EXISTS cfx_datasets_issuer ON cfx_datasets (issuer)",
        "CREATE INDEX IF NOT EXISTS cfx_datasets_geography ON cfx_datasets (geography)",
        """CREATE TABLE IF NOT EXISTS cfx_dataset_facets (
            name TEXT NOT NULL REFERENCES cfx_datasets (name),
            facet TEXT NOT NULL,
            position INTEGER NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (name, facet, position))""",
        "CREATE INDEX IF NOT EXISTS dataset_facets_value ON cfx_dataset_facets (facet, value)",
        f"""CREATE TABLE IF NOT EXISTS cfx_dataset_changes (
            log_index {bigint} NOT NULL,
            name TEXT NOT NULL REFERENCES cfx_datasets (name),
            kind TEXT NOT NULL,
            change TEXT NOT NULL,
            status TEXT NOT NULL,
            PRIMARY KEY (log_index, name))""",
        "CREATE TABLE IF NOT EXISTS cfx_store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ]


PAGE_TOKEN_KEY = "5a" * 32


@contextmanager
def raw(store_url: str) -> Iterator[tuple[Any, str]]:
    """A plain DB-API cursor on the store's database, committed at the end, and its dialect."""
    if store_url.startswith("sqlite://"):
        conn: Any = sqlite3.connect(store_url.removeprefix("sqlite://"))
        dialect = "sqlite"
    else:
        conn = psycopg.connect(store_url)
        dialect = "postgresql"
    try:
        yield conn.cursor(), dialect
        conn.commit()
    finally:
        conn.close()


def _q(dialect: str, sql: str) -> str:
    return sql if dialect == "sqlite" else sql.replace("?", "%s")


def make_v1_database(store_url: str, records: list[StoredDataset]) -> list[StoredDataset]:
    """What cfx before issue 11 left on disk after storing `records`; they come back indexed."""
    stored = []
    with raw(store_url) as (cur, dialect):
        for statement in v1_statements(*(("BLOB", "INTEGER") if dialect == "sqlite" else
                                         ("BYTEA", "BIGINT"))):  # fmt: skip
            cur.execute(statement)
        log = LogTables(dialect)  # type: ignore[arg-type]
        log.create_schema(cur)
        cur.execute(
            _q(dialect, "INSERT INTO cfx_store_meta (key, value) VALUES (?, ?)"),
            ("page_token_key", PAGE_TOKEN_KEY),
        )
        for n, record in enumerate(records):
            (index,) = log.append(cur, [entry(n)])
            cur.execute(
                _q(dialect, f"INSERT INTO cfx_datasets VALUES ({', '.join('?' * 14)})"),
                (
                    record.name, record.credential, record.kind.value, record.status.value,
                    record.issuer, record.issuer_org, record.digest,
                    to_sortable(record.received_at), record.credential_id,
                    record.request_id or None, record.geography,
                    to_sortable(record.valid_from) if record.valid_from else None,
                    to_sortable(record.valid_until) if record.valid_until else None, index,
                ),
            )  # fmt: skip
            for position, value in enumerate(record.product_ids):
                cur.execute(
                    _q(dialect, "INSERT INTO cfx_dataset_facets VALUES (?, 'product', ?, ?)"),
                    (record.name, position, value),
                )
            cur.execute(
                _q(dialect, "INSERT INTO cfx_dataset_changes VALUES (?, ?, ?, 'created', ?)"),
                (index, record.name, record.kind.value, record.status.value),
            )
            stored.append(replace(record, log_index=index))
    return stored


def _meta(store_url: str, key: str) -> str | None:
    with raw(store_url) as (cur, dialect):
        cur.execute(_q(dialect, "SELECT value FROM cfx_store_meta WHERE key = ?"), (key,))
        row = cur.fetchone()
    return None if row is None else str(row[0])


def test_version_1_database_opens_with_every_row_and_ids_become_per_organization(
    store_url: str, tmp_path: Path
):
    old = make_v1_database(
        store_url,
        [
            make(1, request_id="3c7e5d2a-1111-4bde-9b43-0d3e1c5b2a11", product_ids=("urn:gtin:1",),
                 geography="CN-SC", valid_from=T0, valid_until=T0 + timedelta(days=30)),
            make(2),
        ],
    )  # fmt: skip
    with open_store(store_url, tmp_path) as store:
        assert [store.get_dataset(r.name) for r in old] == old
        assert store.list_datasets(DatasetFilter(product_id="urn:gtin:1"))[0] == [old[0]]
        assert [c.dataset for c in store.changes_after(-1)] == old
        assert store.log_size() == 2
        # Version 2 semantics: another organization's id is free, the same one's is not.
        rival = make(5, credential_id=old[0].credential_id, request_id=old[0].request_id)
        assert rival.issuer_org == old[1].issuer_org
        assert store.put_dataset(rival, entry(5)).created
        with pytest.raises(AlreadyExistsError) as info:
            store.put_dataset(make(4, credential_id=old[0].credential_id), entry(4))
        assert info.value.existing_name == old[0].name
    assert _meta(store_url, "schema_version") == str(SCHEMA_VERSION)
    assert _meta(store_url, "page_token_key") == PAGE_TOKEN_KEY
    with open_store(
        store_url, tmp_path
    ) as reopened:  # migrated once; opening again changes nothing
        assert reopened.log_size() == 3
        assert reopened.get_dataset(old[0].name) == old[0]


def test_new_database_is_stamped_with_the_current_version(store_url: str, tmp_path: Path):
    open_store(store_url, tmp_path).close()
    assert _meta(store_url, "schema_version") == str(SCHEMA_VERSION)


def test_database_from_a_newer_cfx_is_refused_untouched(store_url: str, tmp_path: Path):
    with open_store(store_url, tmp_path) as store:
        store.put_dataset(make(1), entry(1))
    with raw(store_url) as (cur, dialect):
        cur.execute(
            _q(dialect, "UPDATE cfx_store_meta SET value = ? WHERE key = 'schema_version'"),
            (str(SCHEMA_VERSION + 1),),
        )
    with pytest.raises(SchemaVersionError, match="upgrade cfx"):
        open_store(store_url, tmp_path)
    assert _meta(store_url, "schema_version") == str(SCHEMA_VERSION + 1)
