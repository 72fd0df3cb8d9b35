"""Stores under test: the PostgreSQL test server, and dataset records and log entries to put.

PostgreSQL is expected at 127.0.0.1:5432 (trust auth, database `test`); the fixtures in
tests/conftest.py give each test a fresh schema on it.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import psycopg

from gateway.domain import DatasetKind
from gateway.store import StoredDataset

PG_BASE_URL = "postgresql://postgres@127.0.0.1:5432/test"


@contextmanager
def pg_schema_url(schema: str) -> Iterator[str]:
    """A store URL on a fresh PostgreSQL schema `schema`, dropped with all it holds after."""
    with psycopg.connect(PG_BASE_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_BASE_URL}?options={quote(f'-csearch_path={schema}', safe='')}"
    finally:
        with psycopg.connect(PG_BASE_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def pg_reachable() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        with psycopg.connect(PG_BASE_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}".strip()
    return None


def try_start_cluster() -> None:
    versions = sorted(Path("/etc/postgresql").glob("*")) if Path("/etc/postgresql").is_dir() else []
    ctl = shutil.which("pg_ctlcluster")
    if not versions or ctl is None:
        return
    subprocess.run(
        [ctl, "--skip-systemctl-redirect", versions[-1].name, "main", "start"],
        capture_output=True,
        timeout=60,
        check=False,
    )


T0 = datetime(2026, 1, 1, tzinfo=UTC)


def make(
    n: int,
    *,
    kind: DatasetKind = DatasetKind.PRODUCT_FOOTPRINT,
    body: bytes | None = None,
    credential_id: str | None = None,
    request_id: str = "",
    **facets: object,
) -> StoredDataset:
    """Dataset record number `n`: distinct bytes, id and receipt time; issuers cycle over 3."""
    credential = body if body is not None else b'{"id":"urn:uuid:%d", "x": 1 }\n' % n
    return StoredDataset.create(
        credential=credential,
        kind=kind,
        issuer=f"did:key:z6Mk{n % 3}",
        issuer_org=f"org{n % 3}",
        credential_id=credential_id or f"urn:uuid:{n}",
        received_at=T0 + timedelta(seconds=n),
        request_id=request_id,
        **facets,  # type: ignore[arg-type]
    )


def entry(n: int) -> bytes:
    """Log entry number `n` to put next to a record."""
    return b"cfx-test-entry %d" % n
