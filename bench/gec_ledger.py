"""GEC ledger lookup: footprints checked per second against 10 million claimed certificates.

Run: .venv/bin/python bench/gec_ledger.py [FOOTPRINTS] [CHECKS]
(defaults 100,000 footprints x 100 certificates = 10 million certificates; 20,000 checks).

The ledger holds FOOTPRINTS claims of 100 certificates each, spread over 1,000 projects (each a
run of claims with gaps between them, as one project's certificates are claimed by many buyers).
A check is what intake does for a footprint: the overlap query (`Store.gec_holders`) for its
claim, half of them overlapping a held claim, half falling into a gap. The baseline is the same
checks on the empty ledger of the same database in the same run: the cost of a read transaction
and three indexed queries with nothing to find. Target (issue 14): >= 5,000 footprints/s.
For each backend: SQLite (temp dir) and PostgreSQL at 127.0.0.1:5432/test (throw-away schema,
if reachable).
"""

from __future__ import annotations

import random
import runpy
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from gateway.gec.claims import Claim, ClaimOrigin, Holder  # noqa: E402
from gateway.store import open_store  # noqa: E402
from gateway.store.sql import SQLStore  # noqa: E402

record = runpy.run_path(str(Path(__file__).with_name("results.py")))["record"]

PG = "postgresql://postgres@127.0.0.1:5432/test"
PROJECTS = 1_000
SIZE = 100  # certificates per claim
STRIDE = 150  # a claim every 150 serials: 50-serial gaps between claims
DATE = 20250131 * 10**7  # the generation date leading each 15-digit suffix
BATCH = 100  # footprints per transaction, as a group commit (Limits.max_commit_batch)
TARGET = 5_000


def project(p: int) -> str:
    """A 17-digit project code."""
    return f"{51101202301150000 + p:017d}"


def held(n: int) -> Claim:
    """The n-th claim held in the ledger."""
    slot = n // PROJECTS
    first = DATE + 1 + slot * STRIDE
    return Claim(project(n % PROJECTS), first, first + SIZE - 1)


def fill(store: SQLStore, footprints: int) -> float:
    """Write the ledger's rows directly (not the footprints): seconds taken."""
    origin = ClaimOrigin("", 0, datetime.now(UTC))
    start = time.perf_counter()
    with store._transaction(write=True) as cur:  # noqa: SLF001 - bench fills the table only
        for n in range(footprints):
            name = f"datasets/{uuid.uuid4()}"
            holder = Holder(name, "0" * 64, "bench", "ProductFootprint", held(n), origin)
            store._gec._insert(cur, holder, overlapping=False)  # noqa: SLF001
    return time.perf_counter() - start


def queries(footprints: int, checks: int) -> list[Claim]:
    """`checks` claims to check: even ones overlap a held claim, odd ones sit in a gap."""
    rng = random.Random(14)
    found = []
    for i in range(checks):
        claim = held(rng.randrange(footprints))
        shift = 40 if i % 2 == 0 else SIZE + 5  # overlapping its tail, or inside the gap
        found.append(Claim(claim.project, claim.first + shift, claim.first + shift + 40))
    return found


def rate(store: SQLStore, claims: list[Claim], batch: int) -> tuple[float, int]:
    """Footprints checked per second, `batch` per read transaction (1: one each, as a lone
    submission; BATCH: as a group commit checks its batch in one transaction), and the hits."""
    hits = 0
    start = time.perf_counter()
    for at in range(0, len(claims), batch):
        hits += sum(bool(found) for found in store.gec_holders(claims[at : at + batch]))
    return len(claims) / (time.perf_counter() - start), hits


def bench(label: str, store: SQLStore, footprints: int, checks: int) -> None:
    claims = queries(footprints, checks)
    rate(store, claims[:500], 1)  # warm up connections and caches
    empty = {batch: rate(store, claims, batch)[0] for batch in (1, BATCH)}
    took = fill(store, footprints)
    full = {batch: rate(store, claims, batch) for batch in (1, BATCH)}
    hits = full[1][1]
    certificates = footprints * SIZE
    print(
        f"{label:10s} ledger {footprints:,} claims = {certificates:,} certificates "
        f"(filled in {took:.1f} s); {checks:,} checks, {hits:,} double claims found"
    )
    for batch in (1, BATCH):
        verdict = "meets" if full[batch][0] >= TARGET else "BELOW"
        record(
            "gec_ledger",
            f"{label}, {batch} per transaction, {certificates:,} certificates",
            full[batch][0],
            "footprints/s",
            target=TARGET,
            note=f"empty ledger {empty[batch]:,.0f}/s; target at 10 M certificates",
        )
        print(
            f"{'':10s} {batch:3d} per transaction: empty ledger (baseline) "
            f"{empty[batch]:9,.0f}/s, full ledger {full[batch][0]:9,.0f} footprints/s "
            f"({verdict} {TARGET:,}/s)"
        )
    if hits != checks // 2 + checks % 2:
        raise SystemExit(f"expected {checks // 2 + checks % 2} double claims, found {hits}")


def main() -> None:
    footprints = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    checks = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(str(Path(tmp) / "bench.sqlite3"), Path(tmp))
        assert isinstance(store, SQLStore)
        with store:
            bench("sqlite", store, footprints, checks)
    schema = f"bench_gec_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(PG, autocommit=True) as admin:
            admin.execute(f'CREATE SCHEMA "{schema}"')
    except psycopg.OperationalError:
        print("postgresql not reachable at 127.0.0.1:5432: skipped")
        return
    try:
        url = f"{PG}?options={quote(f'-csearch_path={schema}', safe='')}"
        store = open_store(url, Path())
        assert isinstance(store, SQLStore)
        with store:
            bench("postgresql", store, footprints, checks)
    finally:
        with psycopg.connect(PG, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
