"""Store write throughput: put_dataset (dataset + facets + log append, one transaction).

Run: .venv/bin/python bench/store_put.py [N]
For each backend (SQLite WAL synchronous=FULL in a temp dir; PostgreSQL at 127.0.0.1:5432/test
in a throw-away schema, if reachable) prints puts/s with 1 and 8 writer threads, next to a
baseline measured in the same run on the same database: one bare INSERT of the credential bytes
per transaction (what any durable store must pay at least).
"""

from __future__ import annotations

import runpy
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from gateway.domain import DatasetKind  # noqa: E402
from gateway.store import Store, StoredDataset, open_store  # noqa: E402
from gateway.store.sql import SQLStore  # noqa: E402

record_figure = runpy.run_path(str(Path(__file__).with_name("results.py")))["record"]

PG = "postgresql://postgres@127.0.0.1:5432/test"
BODY = b'{"@context": ["https://www.w3.org/ns/credentials/v2"], "pad": "' + b"x" * 6000 + b'"}'


def record(n: int) -> StoredDataset:
    return StoredDataset.create(
        credential=BODY + b" %d" % n,
        kind=DatasetKind.PRODUCT_FOOTPRINT,
        issuer="did:key:z6MkBench",
        issuer_org="bench",
        credential_id=f"urn:uuid:{uuid.uuid4()}",
        received_at=datetime.now(UTC),
        product_ids=(f"urn:gtin:{n}",),
        geography="CN-SC",
    )


def timed(threads: int, n: int, work: Callable[[int], None]) -> float:
    per = n // threads

    def run(t: int) -> None:
        for i in range(t * per, (t + 1) * per):
            work(i)

    pool = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    start = time.perf_counter()
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    return per * threads / (time.perf_counter() - start)


def bench(name: str, store: Store, n: int, offset: list[int]) -> list[tuple[str, str, float]]:
    assert isinstance(store, SQLStore)
    with store._transaction(write=True) as cur:  # noqa: SLF001 -- bench reaches in on purpose
        cur.execute(
            "CREATE TABLE IF NOT EXISTS bench_raw (id TEXT PRIMARY KEY, body "
            + ("BLOB" if store.dialect == "sqlite" else "BYTEA")
            + ")"
        )

    def raw(_i: int) -> None:
        with store._transaction(write=True) as cur:  # noqa: SLF001
            cur.execute(
                store._q("INSERT INTO bench_raw VALUES (?, ?)"),  # noqa: SLF001
                (str(uuid.uuid4()), BODY),
            )

    def put(i: int) -> None:
        store.put_dataset(record(offset[0] + i), b"bench entry %d" % (offset[0] + i))

    rows = []
    timed(1, 50, raw)  # warm-up: table pages, WAL file, connections
    for threads in (1, 8):
        bases, rates = [], []
        for _ in range(3):  # interleaved and repeated: the machine is shared and fsync is noisy
            bases.append(timed(threads, n, raw))
            rates.append(timed(threads, n, put))
            offset[0] += n
        rows.append(
            (name, f"{threads} thread(s)", statistics.median(rates), statistics.median(bases))
        )
    return rows  # type: ignore[return-value]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    rows = []
    offset = [0]
    with tempfile.TemporaryDirectory() as tmp, open_store("cfx.sqlite3", Path(tmp)) as store:
        rows += bench("sqlite (WAL, FULL)", store, n, offset)
    try:
        schema = f"cfx_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        try:
            url = f"{PG}?options={quote(f'-csearch_path={schema}', safe='')}"
            with open_store(url, Path()) as store:
                rows += bench("postgresql", store, n, offset)
        finally:
            with psycopg.connect(PG, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL skipped: {exc}")
    print(
        f"\nstore put_dataset, {n} puts per run, median of 3 interleaved runs, 6 kB credentials\n"
    )
    print(f"{'backend':<20} {'writers':<12} {'put/s':>9} {'bare INSERT/s':>14} {'ratio':>7}")
    for name, threads, rate, base in rows:  # type: ignore[misc]
        print(f"{name:<20} {threads:<12} {rate:>9.0f} {base:>14.0f} {rate / base:>7.2f}")
        record_figure(
            "store_put",
            f"{name}, {threads} writers",
            rate,
            "puts/s",
            note=f"bare INSERT {base:,.0f}/s",
        )


if __name__ == "__main__":
    main()
