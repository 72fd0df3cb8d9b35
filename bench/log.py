"""Transparency log throughput on SQLite: batched appends and proof generation at scale.

Run: .venv/bin/python bench/log.py [--entries N] [--batch B] [--proofs K]
Defaults: 1,000,000 entries appended in transactions of 1,000 (BEGIN IMMEDIATE ... COMMIT, WAL,
synchronous=FULL as the store uses), then K = 20,000 inclusion proofs and 5,000 consistency
proofs at random positions against the full tree, each read from the database (O(log n) nodes
in one query) and a sample verified. RSS is printed every 10% of the appends: it stays flat
because nothing but the current batch is held in memory.

Baselines, measured in the same run:
- raw SQLite: the same leaf rows (index, entry, 32-byte hash) bulk-inserted into a bare table
  with the same batching: the floor any SQL log pays;
- naive proofs: an inclusion proof computed by the RFC 9162 §2.1.3.1 recursion from all leaf
  hashes in memory (what a log without stored subtree nodes does), at a small size.

Targets (issue 6): >= 20,000 appends/s in batch; >= 10,000 inclusion proofs/s.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import runpy
import sqlite3
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import Self

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gateway.log.merkle import (  # noqa: E402
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)
from gateway.log.sql import LogTables  # noqa: E402

record = runpy.run_path(str(Path(__file__).with_name("results.py")))["record"]

PAGE = os.sysconf("SC_PAGE_SIZE")
TARGET_APPENDS = 20_000
TARGET_PROOFS = 10_000
# A realistic canonical entry (~250 bytes); only the digest changes between entries.
TEMPLATE = (
    '{{"dataset":"urn:uuid:00000000-0000-4000-8000-{n:012d}","digest":"sha256:{d}",'
    '"issuer":"did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",'
    '"kind":"ProductFootprint","time":"2026-11-26T06:00:00Z","type":"dataset","v":1}}'
)


class Clock:
    """Wall-clock and process CPU time together: on a shared machine the CPU rate shows what
    the code costs, the wall rate what a user would see at the current load."""

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0

    def __enter__(self) -> Self:
        self._w, self._c = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.wall += time.perf_counter() - self._w
        self.cpu += time.process_time() - self._c

    def rates(self, n: int) -> tuple[float, float]:
        return n / self.wall, n / max(self.cpu, 1e-9)


def rss_mib() -> float:
    statm = Path("/proc/self/statm").read_text(encoding="ascii")
    return int(statm.split()[1]) * PAGE / 2**20


def entry(n: int) -> bytes:
    digest = hashlib.sha256(n.to_bytes(8, "big")).hexdigest()
    return TEMPLATE.format(n=n, d=digest).encode()


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    return conn


def bench_append(
    conn: sqlite3.Connection, tables: LogTables, n: int, batch: int
) -> tuple[float, float]:
    clock = Clock()
    step = max(n // 10, batch)
    next_report = step
    with closing(conn.cursor()) as cur:
        tables.create_schema(cur)
        done = 0
        while done < n:
            entries = [entry(i) for i in range(done, min(n, done + batch))]
            with clock:
                cur.execute("BEGIN IMMEDIATE")
                tables.append(cur, entries)
                cur.execute("COMMIT")
            done += len(entries)
            if done >= next_report or done == n:
                wall, _ = clock.rates(done)
                print(
                    f"  appended {done:>10,}  {wall:>10,.0f}/s  RSS {rss_mib():7.1f} MiB",
                    flush=True,
                )
                next_report += step
    return clock.rates(n)


def bench_raw_insert(conn: sqlite3.Connection, n: int, batch: int) -> tuple[float, float]:
    """Baseline: the same leaf rows into a bare table, same batching, no tree."""
    clock = Clock()
    with closing(conn.cursor()) as cur:
        cur.execute("CREATE TABLE raw (idx INTEGER PRIMARY KEY, entry BLOB, leaf_hash BLOB)")
        for done in range(0, n, batch):
            rows = [(i, entry(i)) for i in range(done, min(n, done + batch))]
            with clock:
                cur.execute("BEGIN IMMEDIATE")
                cur.executemany(
                    "INSERT INTO raw VALUES (?, ?, ?)", [(i, e, leaf_hash(e)) for i, e in rows]
                )
                cur.execute("COMMIT")
    return clock.rates(n)


def bench_proofs(
    conn: sqlite3.Connection, tables: LogTables, size: int, k: int, *, consistency: bool = False
) -> tuple[tuple[float, float], int]:
    """k inclusion (or consistency) proofs at random positions against the tree of `size`, in
    one read transaction; a sample is verified afterwards, outside the timing. Returns the
    rates and the longest proof."""
    rng = random.Random(6962 if consistency else 9162)
    positions = [rng.randrange(1 if consistency else 0, size) for _ in range(k)]
    prove = tables.consistency_proof if consistency else tables.inclusion_proof
    with closing(conn.cursor()) as cur:
        cur.execute("BEGIN")
        root = tables.root(cur, size)
        with Clock() as clock:
            proofs = [prove(cur, position, size) for position in positions]
        for m, proof in list(zip(positions, proofs, strict=True))[: 50 if consistency else 200]:
            if consistency:
                verify_consistency(m, size, proof, tables.root(cur, m), root)
            else:
                verify_inclusion(leaf_hash(entry(m)), m, size, proof, root)
        cur.execute("COMMIT")
    return clock.rates(k), max(len(p) for p in proofs)


def naive_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) by the RFC 9162 §2.1.3.1 recursion over all leaf hashes."""

    def mth(hs: list[bytes]) -> bytes:
        if len(hs) == 1:
            return hs[0]
        k = 1 << ((len(hs) - 1).bit_length() - 1)
        return node_hash(mth(hs[:k]), mth(hs[k:]))

    if len(leaves) == 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if m < k:
        return [*naive_path(m, leaves[:k]), mth(leaves[k:])]
    return [*naive_path(m - k, leaves[k:]), mth(leaves[:k])]


def bench_naive(size: int, k: int) -> tuple[float, float]:
    leaves = [leaf_hash(entry(i)) for i in range(size)]
    rng = random.Random(1)
    with Clock() as clock:
        for _ in range(k):
            naive_path(rng.randrange(size), leaves)
    return clock.rates(k)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--proofs", type=int, default=20_000)
    parser.add_argument("--baseline-entries", type=int, default=200_000)
    args = parser.parse_args()
    n = args.entries

    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="cfx-bench-log-") as tmp:
        print(f"SQLite {sqlite3.sqlite_version}, WAL, synchronous=FULL; {n:,} entries")
        print(f"RSS at start: {rss_mib():.1f} MiB")
        tables = LogTables("sqlite")
        db = Path(tmp) / "log.sqlite3"
        with closing(connect(db)) as conn:
            append = bench_append(conn, tables, n, args.batch)
        rss_appended = rss_mib()
        db_mib = db.stat().st_size / 2**20
        with closing(connect(db)) as conn:  # default page cache, as a fresh reader has
            incl, longest = bench_proofs(conn, tables, n, args.proofs)
            cons, _ = bench_proofs(conn, tables, n, max(args.proofs // 4, 1), consistency=True)
        rss_proved = rss_mib()
        with closing(connect(db)) as conn:  # the database file memory-mapped
            conn.execute(f"PRAGMA mmap_size = {2**30}")
            incl_mmap, _ = bench_proofs(conn, tables, n, args.proofs)
            rss_mmap = rss_mib()  # counts the mapped database pages this process touched
        base_n = min(args.baseline_entries, n)
        with closing(connect(Path(tmp) / "raw.sqlite3")) as conn:
            raw = bench_raw_insert(conn, base_n, args.batch)
        naive_size = min(4096, n)
        naive = bench_naive(naive_size, 50)
        rss_end = rss_mib()
    load_end = os.getloadavg()[0]

    # (name, (wall, cpu) rates, target, baseline the ratio is taken against)
    rows = [
        (f"append, batches of {args.batch:,}", append, TARGET_APPENDS, raw),
        (f"  baseline: raw INSERT of {base_n:,} leaf rows", raw, None, None),
        (f"inclusion proof, n={n:,}", incl, TARGET_PROOFS, naive),
        ("  same, PRAGMA mmap_size = 1 GiB", incl_mmap, TARGET_PROOFS, naive),
        (f"  baseline: naive recursion, n={naive_size:,}", naive, None, None),
        (f"consistency proof, n={n:,}", cons, None, None),
    ]
    print()
    print(f"{'measure':<44} {'wall rate':>12} {'CPU rate':>12} {'ratio':>8} {'target':>12}")
    for name, (wall, cpu), target, baseline in rows:
        goal = "" if target is None else f">= {target:,}"
        ratio = "" if baseline is None else f"{wall / baseline[0]:.2f}x"
        print(f"{name:<44} {wall:>10,.0f}/s {cpu:>10,.0f}/s {ratio:>8} {goal:>12}")
    print("(ratio: wall rate over the baseline below it; the naive baseline works on a tree")
    print(" far smaller and still loses: it rehashes every leaf for each proof)")
    print(f"longest inclusion proof: {longest} hashes; database {db_mib:,.0f} MiB")
    print(
        f"RSS: {rss_appended:.1f} MiB after the appends, {rss_proved:.1f} MiB after the proofs,"
        f" {rss_mmap:.1f} MiB with the file mapped, {rss_end:.1f} MiB at the end"
    )
    print(f"load average {load_start:.1f} at start, {load_end:.1f} at end, {os.cpu_count()} CPUs")
    print("(CPU rate = operations per second of this process's CPU time: what the code costs")
    print(" when it has a core to itself; wall rate = what it achieved at this load)")
    for name, (wall, _), target, _ in rows:
        record("log", name.strip(), wall, "/s", target=target)
    met = append[0] >= TARGET_APPENDS and max(incl[0], incl_mmap[0]) >= TARGET_PROOFS
    print("targets met (wall clock)" if met else "targets NOT met on wall clock at this load")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
