"""Suite-wide settings and the store fixtures that unit and integration tests share.

Under CI (the `CI` environment variable, set by `.ci/run`'s caller) hypothesis runs derandomized:
the same examples every run, so a landing is never decided by which random examples were drawn.
Developers' runs keep exploring new examples; a failure prints the seed to reproduce it.

Store fixtures: every store test runs on SQLite and on PostgreSQL (DESIGN.md §6).
PostgreSQL is expected at 127.0.0.1:5432 (trust auth, database `test`). When it is down the
session tries once to start the local cluster; only if that fails is the PostgreSQL half skipped,
with the reason printed in the summary. Each test gets a fresh schema, dropped afterwards.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from gateway.store import Store, open_store
from tests.helpers.stores import PG_BASE_URL, pg_reachable, pg_schema_url, try_start_cluster

settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

_counter = itertools.count()


@pytest.fixture(scope="session")
def postgres_session() -> str:
    """The base URL plus a per-session schema prefix; skips loudly when PostgreSQL is absent."""
    problem = pg_reachable()
    if problem is not None:
        try_start_cluster()
        problem = pg_reachable()
    if problem is not None:
        pytest.skip(
            f"PostgreSQL at {PG_BASE_URL} is unreachable and could not be started ({problem}); "
            "the PostgreSQL half of the store suite did NOT run"
        )
    return f"cfx_test_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def postgres_url(postgres_session: str) -> Iterator[str]:
    with pg_schema_url(f"{postgres_session}_{next(_counter)}") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite://{tmp_path / 'cfx.sqlite3'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def store(store_url: str, tmp_path: Path) -> Iterator[Store]:
    opened = open_store(store_url, tmp_path)
    try:
        yield opened
    finally:
        opened.close()
