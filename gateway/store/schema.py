"""The dataset tables, the schema version, and the steps that bring an older database up to date.

A database records its version in `cfx_store_meta` (key `schema_version`). Version 1 (cfx before
issue 11) wrote no version; it is recognised by its page-token key, which it wrote in the same
transaction as its tables. `SQLStore` runs the steps above a database's version, then the
`CREATE … IF NOT EXISTS` statements below, then stamps `SCHEMA_VERSION`, all in the one write
transaction that opens the store: a database is either fully migrated or untouched, and several
processes opening it at once take turns (the store's writer lock).

A step changes only what `IF NOT EXISTS` cannot (constraints, column definitions); anything new is
created by the statements that run after it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

from gateway.log.sql import Cursor

Dialect = Literal["sqlite", "postgresql"]

# 2: credential ids and request ids are unique per issuing organization, not node-wide.
# 3: cfx_datasets.warnings keeps the non-refusing findings of the node's checks (issue 13).
SCHEMA_VERSION = 3
LEGACY_VERSION = 1
VERSION_KEY = "schema_version"


def _tables(blob: str, bigint: str) -> dict[str, str]:
    """The dataset tables in creation order (a table's references come before it)."""
    return {
        "cfx_datasets": f"""CREATE TABLE IF NOT EXISTS cfx_datasets (
            name TEXT PRIMARY KEY,
            credential {blob} NOT NULL,
            kind TEXT NOT NULL,
            status TEXT NOT NULL,
            issuer TEXT NOT NULL,
            issuer_org TEXT NOT NULL,
            digest TEXT NOT NULL UNIQUE,
            received_at TEXT NOT NULL,
            credential_id TEXT NOT NULL,
            request_id TEXT,
            geography TEXT NOT NULL,
            valid_from TEXT,
            valid_until TEXT,
            log_index {bigint} NOT NULL UNIQUE,
            warnings TEXT)""",
        "cfx_dataset_facets": """CREATE TABLE IF NOT EXISTS cfx_dataset_facets (
            name TEXT NOT NULL REFERENCES cfx_datasets (name),
            facet TEXT NOT NULL,
            position INTEGER NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (name, facet, position))""",
        "cfx_dataset_changes": f"""CREATE TABLE IF NOT EXISTS cfx_dataset_changes (
            log_index {bigint} NOT NULL,
            name TEXT NOT NULL REFERENCES cfx_datasets (name),
            kind TEXT NOT NULL,
            change TEXT NOT NULL,
            status TEXT NOT NULL,
            PRIMARY KEY (log_index, name))""",
    }


_INDEXES = [
    # Ids are unique per issuing organization (issue 11): another organization using the same
    # id is no collision. credential_id leads, so a lookup by id alone uses the index too.
    (
        "CREATE UNIQUE INDEX IF NOT EXISTS cfx_datasets_credential_id "
        "ON cfx_datasets (credential_id, issuer_org)"
    ),
    # NULL (no request id) never collides: NULLs are distinct in both dialects' unique indexes.
    (
        "CREATE UNIQUE INDEX IF NOT EXISTS cfx_datasets_request_id "
        "ON cfx_datasets (request_id, issuer_org)"
    ),
    "CREATE INDEX IF NOT EXISTS cfx_datasets_kind ON cfx_datasets (kind, log_index)",
    "CREATE INDEX IF NOT EXISTS cfx_datasets_issuer ON cfx_datasets (issuer)",
    "CREATE INDEX IF NOT EXISTS cfx_datasets_geography ON cfx_datasets (geography)",
    "CREATE INDEX IF NOT EXISTS dataset_facets_value ON cfx_dataset_facets (facet, value)",
]

META_TABLE = "CREATE TABLE IF NOT EXISTS cfx_store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"


def schema_statements(blob: str, bigint: str) -> list[str]:
    """Every statement that creates the current schema where it is missing (idempotent)."""
    return [*_tables(blob, bigint).values(), *_INDEXES, META_TABLE]


def migrate(cur: Cursor, dialect: Dialect, version: int, types: tuple[str, str]) -> None:
    """Run every step above `version`, in order, inside the caller's transaction."""
    for target in range(version + 1, SCHEMA_VERSION + 1):
        _STEPS[target][dialect](cur, types)


def _ids_per_org_postgresql(cur: Cursor, _types: tuple[str, str]) -> None:
    # Version 1 declared the columns UNIQUE, which PostgreSQL names <table>_<column>_key.
    cur.execute(
        "ALTER TABLE cfx_datasets DROP CONSTRAINT cfx_datasets_credential_id_key, "
        "DROP CONSTRAINT cfx_datasets_request_id_key"
    )


def _ids_per_org_sqlite(cur: Cursor, types: tuple[str, str]) -> None:
    """SQLite cannot drop a column's UNIQUE: rebuild the dataset tables (sqlite.org/lang_altertable
    "other kinds of table schema changes"), keeping every row and the foreign keys on."""
    _rebuild_sqlite_tables(cur, _tables(*types))


def _rebuild_sqlite_tables(cur: Cursor, tables: Mapping[str, str]) -> None:
    # Renaming a table also renames it in the other tables' REFERENCES, so the old tables keep
    # pointing at each other; their indexes go with them when they are dropped.
    for name in tables:
        cur.execute(f"ALTER TABLE {name} RENAME TO {name}_old")
    for name, create in tables.items():
        cur.execute(create)
        # The old table's columns: a later step adds the columns it lacks.
        cur.execute(f"PRAGMA table_info({name}_old)")
        columns = ", ".join(str(row[1]) for row in cur.fetchall())
        cur.execute(f"INSERT INTO {name} ({columns}) SELECT {columns} FROM {name}_old")  # noqa: S608 -- names are this module's literals
    for name in reversed(list(tables)):
        cur.execute(f"DROP TABLE {name}_old")


def _warnings_column_postgresql(cur: Cursor, _types: tuple[str, str]) -> None:
    cur.execute("ALTER TABLE cfx_datasets ADD COLUMN IF NOT EXISTS warnings TEXT")


def _warnings_column_sqlite(cur: Cursor, _types: tuple[str, str]) -> None:
    # Step 2's rebuild (from version 1) already creates the column; SQLite has no IF NOT EXISTS.
    cur.execute("PRAGMA table_info(cfx_datasets)")
    if "warnings" not in {str(row[1]) for row in cur.fetchall()}:
        cur.execute("ALTER TABLE cfx_datasets ADD COLUMN warnings TEXT")


_Step = Callable[[Cursor, tuple[str, str]], None]
_STEPS: Mapping[int, Mapping[Dialect, _Step]] = {
    2: {"postgresql": _ids_per_org_postgresql, "sqlite": _ids_per_org_sqlite},
    3: {"postgresql": _warnings_column_postgresql, "sqlite": _warnings_column_sqlite},
}
